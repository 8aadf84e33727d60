"""The profile's OS sandbox settings, availability and the denied executables (launch.sandbox)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from claude_enterprise.launch import sandbox
from claude_enterprise.launch.sandbox import ProductPaths, availability, denied_executables, sandbox_settings
from claude_enterprise.paths import bundled_policies_dir
from claude_enterprise.profiles import Profile, load_catalog
from claude_enterprise.profiles.model import SandboxRules

HOME, PROJECT = "/home/dev", "/work/proj"
PRODUCT = ProductPaths(state_dir="/home/dev/.local/state/claude-enterprise",
                       session_dir="/home/dev/.local/state/claude-enterprise/sessions/abc",
                       outbox_dir="/tmp/claude-enterprise-1000-outbox/abc",
                       config_dirs=("/home/dev/.config/claude-enterprise", "/etc/claude-enterprise"))


@pytest.fixture(scope="module")
def catalog() -> dict[str, Profile]:
    return load_catalog(bundled_policies_dir() / "profiles", None)


def settings_for(profile: Profile, existing: set[str] | None = None, **kw: object) -> dict:  # type: ignore[type-arg]
    """The block with `existing` as the only paths on disk (plus their parents: home, project, state)."""
    present = {HOME, PROJECT, "/tmp", "/var/tmp", "/", "/etc", "/home", "/home/dev/.local/state",
               PRODUCT.state_dir, "/home/dev/.config", "/home/dev/.claude", *(existing or set())}
    block = sandbox_settings(profile, home=HOME, project=PROJECT, product=PRODUCT,
                             exists=lambda p: p in present, **kw)  # type: ignore[arg-type]
    assert block is not None
    return block


def test_restricted_writes_the_project_only_and_reaches_its_domains(catalog: dict[str, Profile]) -> None:
    block = settings_for(catalog["restricted"])
    assert block["enabled"] and block["failIfUnavailable"] and block["allowUnsandboxedCommands"] is False
    assert block["excludedCommands"] == []
    assert block["filesystem"]["allowWrite"] == [PRODUCT.outbox_dir]  # the project is Claude Code's default
    assert block["network"]["allowedDomains"] == list(catalog["restricted"].allowed_domains)
    assert block["network"]["allowLocalBinding"] is False and block["network"]["allowAllUnixSockets"] is False


def test_standard_writes_broadly_but_not_where_code_runs_later(catalog: dict[str, Profile]) -> None:
    block = settings_for(catalog["standard"], {"/home/dev/.ssh", "/work/proj/.git", "/work/proj/.claude"})
    fs = block["filesystem"]
    assert fs["allowWrite"] == [HOME, "/tmp", "/var/tmp", PRODUCT.outbox_dir]
    assert "/" not in fs["allowWrite"]  # "/" would switch denyWrite off
    for protected in ("/home/dev/.bashrc", "/home/dev/.ssh/authorized_keys", "/home/dev/.claude/settings.json",
                      "/home/dev/.claude.json", "/work/proj/.git/hooks", "/work/proj/.claude/settings.json",
                      PRODUCT.state_dir, "/home/dev/.config/claude-enterprise"):
        assert protected in fs["denyWrite"], protected
    assert "/etc/claude-enterprise" not in fs["denyWrite"]  # outside every writable root: read-only anyway
    assert block["network"]["allowedDomains"] == ["*"]


def test_a_session_dir_in_tmp_is_write_protected(catalog: dict[str, Profile]) -> None:
    """A long state path puts the session dir (gate script, shims, the hook's approvals) under /tmp, which
    standard's broad writes include: it must stay read-only there."""
    product = PRODUCT._replace(session_dir="/tmp/claude-enterprise-1000/abc")
    block = sandbox_settings(catalog["standard"], home=HOME, project=PROJECT, product=product,
                             exists=lambda p: p in {"/tmp", "/tmp/claude-enterprise-1000", HOME, PROJECT})
    assert block is not None and "/tmp/claude-enterprise-1000/abc" in block["filesystem"]["denyWrite"]


def test_entries_without_a_parent_are_left_to_the_other_layers(catalog: dict[str, Profile]) -> None:
    """`.git/hooks` before `git init`: the sandbox would make the project read-only, so it is not listed;
    a missing start-up file is (its placeholder keeps it from being created); a missing credential store is not
    (nothing to read, and its placeholder would turn "no such file" into "permission denied")."""
    fs = settings_for(catalog["standard"])["filesystem"]
    assert "/work/proj/.git/hooks" not in fs["denyWrite"]
    assert "/home/dev/.bashrc" in fs["denyWrite"]
    assert "/home/dev/.kube" not in fs["denyRead"]


def test_restricted_lists_only_what_it_could_write(catalog: dict[str, Profile]) -> None:
    fs = settings_for(catalog["restricted"], {"/work/proj/.git", "/work/proj/.claude"})["filesystem"]
    assert "/work/proj/.git/hooks" in fs["denyWrite"] and "/work/proj/.claude/settings.json" in fs["denyWrite"]
    assert not [p for p in fs["denyWrite"] if p.startswith("/home/dev/")]  # the home is read-only already


def test_credential_stores_and_state_are_unreadable_except_the_session(catalog: dict[str, Profile]) -> None:
    for name in ("plan-only", "restricted", "standard", "elevated"):
        fs = settings_for(catalog[name], {"/home/dev/.ssh", "/home/dev/.aws"})["filesystem"]
        assert {"/home/dev/.ssh", "/home/dev/.aws", PRODUCT.state_dir} <= set(fs["denyRead"])
        assert fs["allowRead"] == [PRODUCT.session_dir]  # the gate script and session profile


def test_denied_executables_are_unreadable(catalog: dict[str, Profile]) -> None:
    fs = settings_for(catalog["restricted"], {"/usr/bin/rm", "/usr/bin"},
                      executables=["/usr/bin/rm"])["filesystem"]
    assert "/usr/bin/rm" in fs["denyRead"]


def test_denied_executables_resolve_the_profile_list(catalog: dict[str, Profile], tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("rm", "socat", "pytest"):
        (bin_dir / name).write_text("#!/bin/sh\n")
        (bin_dir / name).chmod(0o755)
    (bin_dir / "curl").symlink_to(bin_dir / "busybox")  # a multi-call binary: denying it would deny all
    (bin_dir / "busybox").write_text("#!/bin/sh\n")
    found = denied_executables(catalog["restricted"], str(bin_dir))
    assert str(bin_dir / "rm") in found
    assert str(bin_dir / "socat") not in found  # the sandbox's own network bridge
    assert str(bin_dir / "pytest") not in found and str(bin_dir / "busybox") not in found
    assert denied_executables(catalog["standard"], str(bin_dir)) == []  # monitor mode: the guard reports only


def test_profile_without_sandbox_gets_none(catalog: dict[str, Profile]) -> None:
    off = catalog["restricted"]._replace(sandbox=SandboxRules(enabled=False))
    assert sandbox_settings(off, home=HOME, project=PROJECT, product=PRODUCT) is None
    assert sandbox.managed_sandbox(off) is None


def test_availability_needs_both_tools_and_a_working_bwrap(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    missing = availability(str(empty), platform="linux")
    assert not missing.ok and "bwrap and socat not found" in missing.detail
    assert "apt-get install bubblewrap socat" in missing.detail
    tools = tmp_path / "tools"
    tools.mkdir()
    for name in ("bwrap", "socat"):
        (tools / name).write_text("#!/bin/sh\n")
        (tools / name).chmod(0o755)
    broken = availability(str(tools), platform="linux", run=lambda argv: 1)
    assert not broken.ok and "user namespaces" in broken.detail
    assert availability(str(tools), platform="linux", run=lambda argv: 0).ok
    assert not availability(str(tools), platform="win32").ok


def test_availability_on_this_machine() -> None:
    """The README's set-up installs bubblewrap and socat: a machine without them fails here, not silently."""
    found = availability(os.environ.get("PATH"))
    assert found.ok, found.detail
