"""Use cases the screens and commands call: synchronous and Qt-free."""
