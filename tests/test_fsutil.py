"""The one implementation of atomic replace, exclusive create and private directories."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from claude_enterprise.fsutil import atomic_write, create_exclusive, private_dir


def test_atomic_write_replaces_with_the_mode_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "cursor.json"
    target.write_text("old")
    atomic_write(target, "new")
    atomic_write(tmp_path / "gate", b"#!/bin/sh\n", mode=0o755, fsync=False)
    assert target.read_text() == "new" and stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "gate").stat().st_mode) == 0o755
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cursor.json", "gate"]


def test_atomic_write_that_fails_keeps_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "dir-in-the-way"
    target.mkdir()
    with pytest.raises(OSError):
        atomic_write(target, "text")
    assert [p.name for p in tmp_path.iterdir()] == ["dir-in-the-way"]


def test_create_exclusive_refuses_a_planted_file(tmp_path: Path) -> None:
    planted = tmp_path / "settings.json"
    planted.write_text("{}")
    with pytest.raises(FileExistsError):
        create_exclusive(planted, "ours")
    create_exclusive(tmp_path / "fresh.json", "ours")
    assert stat.S_IMODE((tmp_path / "fresh.json").stat().st_mode) == 0o600


def test_private_dir_is_0700_and_refuses_a_symlink(tmp_path: Path) -> None:
    made = private_dir(tmp_path / "a" / "b")
    assert stat.S_IMODE(made.stat().st_mode) == 0o700
    os.symlink(made, tmp_path / "link")
    with pytest.raises((PermissionError, FileExistsError)):
        private_dir(tmp_path / "link")


def test_atomic_write_survives_the_temporary_of_a_killed_process_with_our_pid(tmp_path: Path) -> None:
    """Pids repeat (reboots, containers): a temporary left by a killed writer must not block every later write
    (the spool's anchor and cursor go through here), and a symlink in its place is never followed."""
    from claude_enterprise import fsutil

    target = tmp_path / "anchor.json"
    outside = tmp_path / "outside"
    outside.write_text("keep")
    upcoming = next(fsutil._TMP_COUNTER) + 1  # the name the next call will use
    (tmp_path / f".anchor.json.{os.getpid()}.{upcoming}.tmp").symlink_to(outside)
    atomic_write(target, "new")
    assert target.read_text() == "new" and not target.is_symlink() and outside.read_text() == "keep"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["anchor.json", "outside"]
