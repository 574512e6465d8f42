"""`python -m tools.loadtest URL [options]`: load-test a hub (see run.py)."""

import sys

from tools.loadtest.run import main

sys.exit(main())
