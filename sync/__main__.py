"""`python -m sync COMMAND`: the former name of `python -m central COMMAND`, kept working for one release."""

from __future__ import annotations

import sys

from central.commands import main

print("note: `python -m sync` is now `python -m central`; the old name goes away in the next release", file=sys.stderr)
sys.exit(main(sys.argv[1:]))
