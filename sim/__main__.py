"""``python -m sim``: the recruitsim command line."""

import sys

from sim.lab.cli import main

sys.exit(main())
