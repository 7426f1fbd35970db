"""The local SQLite database: schema, migrations, the one writer; the secret store (keyring, sealed key or key file)."""
