"""``python -m pbpk.cli``: the same as the ``pbpk`` console script."""

import sys

from pbpk.cli import main

sys.exit(main())
