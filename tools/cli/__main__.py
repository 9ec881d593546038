"""`python -m tools.cli ...`: the same as the `sightline` script."""

import sys

from tools.cli import main

sys.exit(main())
