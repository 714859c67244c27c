"""`python -m server ...` / `govdesk-platform ...`: see server.cli."""

from __future__ import annotations

import sys

from server.cli import main

if __name__ == "__main__":
    sys.exit(main())
