"""`python -m central COMMAND`: the central database's administration commands."""

from __future__ import annotations

import sys

from central.commands import main

sys.exit(main(sys.argv[1:]))
