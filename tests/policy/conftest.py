"""Shared fixtures: the bundled profiles and a fixed project context."""

from __future__ import annotations

import pytest

from claude_enterprise.paths import bundled_policies_dir
from claude_enterprise.policy import PolicyContext
from claude_enterprise.profiles import Profile, load_catalog

PROFILE_ORDER = ("plan-only", "restricted", "standard", "elevated")
PROJECT = "/proj"
HOME = "/home/dev"


@pytest.fixture(scope="session")
def catalog() -> dict[str, Profile]:
    return dict(load_catalog(bundled_policies_dir() / "profiles", None))


@pytest.fixture(scope="session")
def ctx() -> PolicyContext:
    return PolicyContext(project_dirs=(PROJECT,), home=HOME)
