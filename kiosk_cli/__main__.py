"""`python -m kiosk_cli ...` is the `kiosk` command (tests and child processes use it)."""

import sys

from kiosk_cli.main import main

sys.exit(main())
