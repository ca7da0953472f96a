"""`python -m facekit`: the facekit command line."""

import sys

from .cli import main

sys.exit(main())
