"""`python -m shared.cli`: the `lms` command without the installed script."""

import sys

from shared.cli.main import main

sys.exit(main())
