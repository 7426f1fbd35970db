"""The local SQLite database: schema, migrations, the one writer; secrets in the OS keyring."""
