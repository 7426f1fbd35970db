"""The head-office web console: server-rendered pages over the central database (`python -m central serve`)."""
