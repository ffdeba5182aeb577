"""``python -m neuromf``: same as the ``neuromf`` command."""

import sys

from .cli import main

sys.exit(main())
