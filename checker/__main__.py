"""``python -m checker`` runs the command-line interface."""

from checker.cli import main

raise SystemExit(main())
