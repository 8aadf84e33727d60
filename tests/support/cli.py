"""The `claude-enterprise` command as users, CI jobs and administrators run it: the installed console script
(the README's test command installs the package), so exit codes are tested through the real entry point.
Only a checkout run without installing falls back to the module."""

from __future__ import annotations

import sys
from pathlib import Path

SCRIPT = Path(sys.executable).parent / "claude-enterprise"
CLI = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "claude_enterprise.cli.entry"]
