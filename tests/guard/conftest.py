"""Fixtures for the process guard: stand-in denied programs, a spool, and processes that never outlive a test."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from claude_enterprise.paths import bundled_policies_dir
from claude_enterprise.profiles import Profile, load_catalog
from claude_enterprise.profiles.model import ExecRules
from tests.guard.helpers import Procs


@pytest.fixture(scope="session")
def catalog() -> dict[str, Profile]:
    return load_catalog(bundled_policies_dir() / "profiles", None)


@pytest.fixture
def make_profile(catalog: dict[str, Profile]) -> Callable[..., Profile]:
    def make(mode: str, deny: tuple[str, ...] = ("curl",)) -> Profile:
        """restricted with exactly `deny` refused in the tree (its shell deny list, which the guard also
        applies, emptied)."""
        base = catalog["restricted"]
        return base._replace(exec=ExecRules(mode=mode, deny=deny), shell=base.shell._replace(deny=()))

    return make


@pytest.fixture
def fake_bin(tmp_path: Path) -> Path:
    """`curl` is a copy of sleep and `wget` a copy of sh: harmless stand-ins that never touch the network."""
    directory = tmp_path / "bin"
    directory.mkdir()
    shutil.copy2(shutil.which("sleep") or "/bin/sleep", directory / "curl")
    shutil.copy2(shutil.which("sh") or "/bin/sh", directory / "wget")
    return directory


@pytest.fixture
def spool(tmp_path: Path) -> Path:
    return tmp_path / "spool"


@pytest.fixture
def procs() -> Iterator[Procs]:
    tracker = Procs()
    try:
        yield tracker
    finally:
        tracker.cleanup()


@pytest.fixture
def path_env(fake_bin: Path) -> dict[str, str]:
    return {**os.environ, "PATH": f"{fake_bin}{os.pathsep}{os.environ.get('PATH', '')}"}
