"""Entry point of the time-clock kiosk: `python main.py --help` lists the commands."""

import multiprocessing
import sys

from kiosk.commands import main

if __name__ == "__main__":
    # The camera loop runs in a spawned child process; in the frozen app that child starts this same program, which
    # must then run the child's code instead of the command line.
    multiprocessing.freeze_support()
    sys.exit(main(sys.argv[1:]))
