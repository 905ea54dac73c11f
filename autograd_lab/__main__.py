"""``python -m autograd_lab``: the ``autograd-lab`` command."""
import sys

from .cli import main

sys.exit(main())
