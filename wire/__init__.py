"""The contract between the kiosks (`sync`) and head office (`central`): the central tables, the rows that domain
facts become on them, and the provisioning token. Both sides import it; it imports only the domain."""
