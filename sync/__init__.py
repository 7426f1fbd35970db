"""The kiosk's side of sync with the central PostgreSQL: provisioning and credentials, push, pull, trusted time and
scheduling. The tables and records it exchanges are defined in `wire`; head office's side is `central`. Nothing here
imports Qt."""
