"""``python -m pbpk.cli``: the same as the ``pbpk`` console script."""

import sys

from pbpk.cli import main

if __name__ == "__main__":
    sys.exit(main())
