"""``python -m checker`` runs the command-line interface."""

from checker.console import main

raise SystemExit(main())
