"""`python -m sync COMMAND`: the central database's administration commands."""

from __future__ import annotations

import sys

from sync.cli import main

sys.exit(main(sys.argv[1:]))
