"""``python -m sim``: the recruitsim command line."""

import sys

from sim.cli import main

sys.exit(main())
