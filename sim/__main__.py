"""``python -m sim`` runs the ``kemitraan`` command line."""

import sys

from sim.cli import main

sys.exit(main())
