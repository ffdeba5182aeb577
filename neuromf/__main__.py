"""``python -m neuromf``: same as the ``neuromf`` command."""

import sys

from .cli import main

if __name__ == "__main__":     # importing this module (autosummary, pkgutil) runs nothing
    sys.exit(main())
