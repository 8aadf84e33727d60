"""Which packaging tools a test needs: absent ones skip the test on a developer machine, never in CI."""

from __future__ import annotations

import os
import shutil

import pytest


def require(tool: str, apt_package: str) -> pytest.MarkDecorator:
    """Skip when `tool` is missing, unless `CI` is set: CI installs every tool, so there a missing one fails."""
    return pytest.mark.skipif(shutil.which(tool) is None and not os.environ.get("CI"),
                              reason=f"{tool} not installed (apt-get install {apt_package}); required when CI is set")
