"""python -m winsim: the command line (winsim.fleet.cli)."""

import sys

from .fleet.cli import main

if __name__ == "__main__":
    sys.exit(main())
