"""Entry point of the time-clock kiosk: `python main.py --help` lists the commands."""

import sys

from kiosk.commands import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
