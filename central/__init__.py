"""Head office: the central PostgreSQL's schema, migrations and roles, the roster and the kiosks registered in it,
missed clock-outs resolved there and the company's timesheets (`python -m central --help`). It shares the wire
contract (`wire`) with the kiosks' sync client and the rules (`kiosk.domain`) with the kiosks. No Qt here."""
