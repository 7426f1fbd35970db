"""Sync between kiosks and the central PostgreSQL: central schema and roles, push, pull, trusted time, scheduling,
and the head-office commands (`python -m sync --help`). Nothing here imports Qt."""
