"""`python -m tools.plan STACK --out DIR`: the offline plan of one stack (see render.py)."""

import sys

from tools.plan.render import main

sys.exit(main())
