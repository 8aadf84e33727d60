"""`claude-enterprise admin package`: the bundle written through the real CLI, its .mobileconfig parsed with
plistlib, the Jamf and Intune (macOS) scripts, and the CLI's one-line errors."""

from __future__ import annotations

import json
import plistlib
import subprocess
from pathlib import Path

import pytest

from claude_enterprise.launch.settings import managed_settings_findings
from tests.support.cli import CLI

CONTRACTOR = """\
name: contractor
extends: restricted
description: Contractors
rank: 1
"""


def package(tmp: Path, config: dict | str, *extra: str) -> subprocess.CompletedProcess[str]:
    path = tmp / "enterprise-config.json"
    path.write_text(config if isinstance(config, str) else json.dumps(config))
    return subprocess.run([*CLI, "admin", "package", "--config",
                           str(path), "--out", str(tmp / "out"), *extra], capture_output=True, text=True)


@pytest.fixture
def out(tmp_path: Path) -> Path:
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "contractor.yaml").write_text(CONTRACTOR)
    proc = package(tmp_path, {"security_profile": "contractor"}, "--profiles", str(profiles), "--org-id", "com.example")
    assert proc.returncode == 0, proc.stderr
    return tmp_path / "out"


def no_none(value: object) -> bool:
    if isinstance(value, dict):
        return all(no_none(v) for v in value.values())
    if isinstance(value, list):
        return all(no_none(v) for v in value)
    return value is not None


def test_mobileconfig_structure(out: Path) -> None:
    profile = plistlib.loads((out / "macos/com.anthropic.claudecode.mobileconfig").read_bytes())
    assert profile["PayloadType"] == "Configuration" and profile["PayloadScope"] == "System"
    assert profile["PayloadVersion"] == 1 and profile["PayloadIdentifier"] == "com.example.claudecode"
    [inner] = profile["PayloadContent"]
    assert inner["PayloadType"] == "com.apple.ManagedClient.preferences" and inner["PayloadVersion"] == 1
    assert inner["PayloadIdentifier"] != profile["PayloadIdentifier"]
    uuids = [profile["PayloadUUID"], inner["PayloadUUID"]]
    assert len(set(uuids)) == 2 and all(len(u) == 36 for u in uuids)
    forced = inner["PayloadContent"]["com.anthropic.claudecode"]["Forced"][0]["mcx_preference_settings"]
    assert forced == json.loads((out / "macos/managed-settings.json").read_text())
    assert no_none(profile)
    assert managed_settings_findings(forced) == []
    hook = forced["hooks"]["PreToolUse"][0]["hooks"][0]
    assert hook["command"] == "/usr/local/claude-enterprise/venv/bin/claude-enterprise" and hook["args"] == ["hook"]
    assert forced["env"]["CLAUDE_CODE_SHELL_PREFIX"] == "/usr/local/claude-enterprise/venv/bin/claude-enterprise-gate"
    assert forced["allowManagedHooksOnly"] is True
    sandbox = forced["sandbox"]  # contractor extends restricted: the sandbox is required
    assert sandbox["enabled"] is True and sandbox["failIfUnavailable"] is True
    assert sandbox["allowUnsandboxedCommands"] is False and sandbox["network"]["allowManagedDomainsOnly"] is True


def test_uuids_are_deterministic_and_follow_the_config(tmp_path: Path) -> None:
    def uuids(sub: str, config: dict) -> list[str]:
        (tmp_path / sub).mkdir()
        assert package(tmp_path / sub, config).returncode == 0
        profile = plistlib.loads((tmp_path / sub / "out/macos/com.anthropic.claudecode.mobileconfig").read_bytes())
        return [profile["PayloadUUID"], profile["PayloadContent"][0]["PayloadUUID"]]

    first = uuids("a", {"security_profile": "restricted"})
    assert uuids("b", {"security_profile": "restricted"}) == first
    assert set(uuids("c", {"security_profile": "standard"})).isdisjoint(first)


def test_managed_directory(out: Path) -> None:
    assert json.loads((out / "macos/managed/enterprise-config.json").read_text()) == {"security_profile": "contractor"}
    assert (out / "macos/managed/profiles.d/contractor.yaml").read_text() == CONTRACTOR
    for script in ("macos/build-pkg", "macos/scripts/postinstall", "jamf/install.sh", "jamf/uninstall.sh",
                   "jamf/extension-attribute.sh"):
        assert (out / script).stat().st_mode & 0o777 == 0o755, script
    postinstall = (out / "macos/scripts/postinstall").read_text()
    for step in ("-m venv", "--no-index", "chown -R root:wheel", "chmod -R go-w", "policies compile",
                 "--check-policy --json"):
        assert step in postinstall, step
    build = (out / "macos/build-pkg").read_text()
    assert "pkgbuild --root" in build and "--identifier com.example.claude-enterprise" in build
    assert "productbuild --package" in build
    assert "--check-policy --json" in (out / "jamf/extension-attribute.sh").read_text()
    uninstall = (out / "jamf/uninstall.sh").read_text()
    assert 'rm -rf "$PREFIX" "$MANAGED"' in uninstall and "pkgutil --forget com.example.claude-enterprise" in uninstall


def test_intune_scripts_are_the_jamf_ones_for_macos(out: Path) -> None:
    """Intune manages the same Macs: its scripts share the Jamf bodies, with its own pkg location and a plain
    custom-attribute value (Jamf wants `<result>`)."""
    assert sorted(p.name for p in (out / "intune").iterdir()) == ["custom-attribute.sh", "install.sh", "uninstall.sh"]
    for name in ("install.sh", "custom-attribute.sh", "uninstall.sh"):
        text = (out / "intune" / name).read_text()
        assert text.startswith("#!/bin/sh\n") and (out / "intune" / name).stat().st_mode & 0o777 == 0o755, name
        assert "powershell" not in text.lower() and "Intune" in text.splitlines()[1], name
    install = (out / "intune/install.sh").read_text()
    assert 'pkg="/Library/Application Support/ClaudeEnterprise Packages/claude-enterprise-0.1.0.pkg"' in install
    jamf_install = (out / "jamf/install.sh").read_text()
    assert install.split("set -eu\n", 1)[1].replace(install.split("pkg=", 1)[1].split("\n", 1)[0], "") == (
        jamf_install.split("set -eu\n", 1)[1].replace(jamf_install.split("pkg=", 1)[1].split("\n", 1)[0], ""))
    attribute = (out / "intune/custom-attribute.sh").read_text()
    assert "<result>" not in attribute and 'echo "$result"' in attribute and "--check-policy --json" in attribute
    assert attribute.split("PREFIX=", 1)[1] == (out / "jamf/extension-attribute.sh").read_text().split(
        "PREFIX=", 1)[1].replace("<result>", "").replace("</result>", "")
    uninstall = (out / "intune/uninstall.sh").read_text()
    assert uninstall.split("set -eu\n", 1)[1] == (out / "jamf/uninstall.sh").read_text().split("set -eu\n", 1)[1]


@pytest.mark.parametrize(("config", "extra", "expected"), [
    ("{not json", (), "enterprise-config.json"),
    ({"security_profile": "nonexistent"}, (), "nonexistent"),
    ({"security_profile": 3}, (), "security_profile"),
    ({}, ("--profiles", "/nonexistent-profiles"), "--profiles /nonexistent-profiles"),
])
def test_config_errors_are_one_line(tmp_path: Path, config: dict | str, extra: tuple[str, ...],
                                    expected: str) -> None:
    proc = package(tmp_path, config, *extra)
    assert proc.returncode == 2
    assert expected in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "out").exists()


def test_ships_exactly_the_profile_files_the_loader_reads(tmp_path: Path) -> None:
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "contractor.yaml").write_text(CONTRACTOR)
    (profiles / "auditor.json").write_text(json.dumps(
        {"name": "auditor", "extends": "plan-only", "description": "Auditors", "rank": 0}))
    (profiles / "intern.yml").write_text(CONTRACTOR.replace("contractor", "intern"))
    (profiles / ".draft.yaml").write_text("not: [valid")
    (profiles / "notes.txt").write_text("not a profile")
    (profiles / "x.yaml").mkdir()
    proc = package(tmp_path, {"security_profile": "auditor"}, "--profiles", str(profiles))
    assert proc.returncode == 0, proc.stderr
    shipped = tmp_path / "out/macos/managed/profiles.d"
    assert sorted(p.name for p in shipped.iterdir()) == ["auditor.json", "contractor.yaml", "intern.yml"]
    assert json.loads((shipped / "auditor.json").read_text())["extends"] == "plan-only"


@pytest.mark.parametrize("org_id", ["com.ex; touch /tmp/PWNED #", "example", "com..example", "com.ex\nample",
                                    "com.example.", "$(id).com"])
def test_org_id_must_be_reverse_dns(tmp_path: Path, org_id: str) -> None:
    proc = package(tmp_path, {}, "--org-id", org_id)
    assert proc.returncode == 2 and "--org-id" in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", ["a b.yaml", "x;reboot.yaml", "it's.yml", "a$(id).json", "new\nline.yaml"])
def test_profile_file_names_are_plain(tmp_path: Path, name: str) -> None:
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / name).write_text(CONTRACTOR)
    proc = package(tmp_path, {}, "--profiles", str(profiles))
    assert proc.returncode == 2, proc.stderr
    assert repr(str(profiles / name)) in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "out").exists()


def test_build_pkg_pins_the_lock(out: Path) -> None:
    lock = (Path(__file__).resolve().parents[2] / "packaging/requirements.lock").read_text()
    pins = (out / "macos/constraints.txt").read_text().splitlines()
    assert pins and all("==" in pin and " " not in pin for pin in pins)  # no hashes: pip would demand them all
    assert pins == [line.split()[0] for line in lock.splitlines() if "==" in line and not line.startswith("#")]
    build = (out / "macos/build-pkg").read_text()
    assert '--constraint "$here/constraints.txt"' in build and "once per target" in build
