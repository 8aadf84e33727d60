"""The MDM bundle's scripts run for real on Linux: `build-pkg` (pkgbuild/productbuild stubbed to keep the
payload and scripts), then for Jamf and for Intune the install (an `installer` stub lays the payload into a
scratch root and runs the real postinstall), the compliance attribute and the uninstall. The scripts run
unchanged except that the macOS locations are moved under the scratch root and, where Linux has no `wheel`
group, `root:wheel` is `root:root`."""

from __future__ import annotations

import grp
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from claude_enterprise.admin.mdm_scripts import INTUNE_PKG_DIR, MACOS_MANAGED, MACOS_PREFIX
from tests.support.cli import CLI

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the postinstall chowns to root: needs root")

PKGBUILD = """#!/bin/sh
# Keeps what pkgbuild would pack: the payload and the scripts.
while [ $# -gt 0 ]; do
    case $1 in
        --root) cp -R "$2" "$CAPTURE/payload"; shift 2 ;;
        --scripts) cp -R "$2" "$CAPTURE/scripts"; shift 2 ;;
        *) shift ;;
    esac
done
"""
PRODUCTBUILD = """#!/bin/sh
printf '%s\\n' "$@" > "$CAPTURE/productbuild-args"
for last; do :; done
touch "$last"
"""
INSTALLER = """#!/bin/sh
# installer -pkg PKG -target /: the payload into the scratch root, then the package's postinstall.
cp -R "$CAPTURE/payload/." "$ROOT/"
sh "$CAPTURE/scripts/postinstall"
"""


def stub(directory: Path, name: str, text: str) -> None:
    (directory / name).write_text(text)
    (directory / name).chmod(0o755)


def relocate(text: str, root: Path) -> str:
    """The macOS locations under `root`."""
    for path in (MACOS_PREFIX, "/usr/local/bin", "/Library/"):
        text = text.replace(path, f"{root}{path}")
    try:
        grp.getgrnam("wheel")
    except KeyError:
        text = text.replace("root:wheel", "root:root")
    return text


def test_build_pkg_then_install_report_and_uninstall_with_jamf_and_intune(tmp_path: Path) -> None:
    config = tmp_path / "enterprise-config.json"
    config.write_text(json.dumps({"security_profile": "restricted"}))
    bundle = tmp_path / "bundle"
    subprocess.run([*CLI, "admin", "package", "--config", str(config),
                    "--out", str(bundle), "--org-id", "com.example"], check=True, capture_output=True)
    assert not (bundle / "macos/managed/profiles.d").exists()
    wheels = tmp_path / "wheel"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(wheels),
                    str(REPO)], check=True, capture_output=True)
    [wheel] = wheels.glob("claude_enterprise-*.whl")
    with zipfile.ZipFile(wheel) as archive:  # admin package run from the wheel pins build-pkg to it
        assert archive.read("claude_enterprise/_packaging/requirements.lock") == (
            REPO / "packaging/requirements.lock").read_bytes()

    capture, stubs, root = tmp_path / "capture", tmp_path / "stubs", tmp_path / "root"
    for directory in (capture, stubs, root):
        directory.mkdir()
    stub(stubs, "pkgbuild", PKGBUILD)
    stub(stubs, "productbuild", PRODUCTBUILD)
    stub(stubs, "installer", INSTALLER)
    env = {**os.environ, "PATH": f"{stubs}:{os.environ['PATH']}", "CAPTURE": str(capture), "ROOT": str(root),
           "CLAUDE_ENTERPRISE_MANAGED_DIR": f"{root}{MACOS_MANAGED}",
           "CLAUDE_ENTERPRISE_CLAUDE_MANAGED_SETTINGS": relocate(
               "/Library/Application Support/ClaudeCode/managed-settings.json", root)}
    env.pop("CLAUDE_ENTERPRISE_CONFIG", None)
    env.pop("CLAUDE_ENTERPRISE_PROFILE", None)

    build = subprocess.run(["bash", str(bundle / "macos/build-pkg"), str(wheel), "--python", sys.executable],
                           capture_output=True, text=True, env=env, timeout=600)
    assert build.returncode == 0, build.stderr
    pkg = bundle / f"macos/{build.stdout.strip().rsplit('/', 1)[-1]}"
    assert pkg.is_file()
    assert "--sign" not in (capture / "productbuild-args").read_text()
    assert (capture / "scripts/python").read_text().strip() == sys.executable
    pins = dict(pin.split("==") for pin in (bundle / "macos/constraints.txt").read_text().splitlines())
    carried = [w.name.split("-")[:2] for w in (capture / "payload").rglob("wheels/*.whl")]
    dependencies = {name.lower().replace("_", "-"): version for name, version in carried if name != "claude_enterprise"}
    assert dependencies and all(pins[name] == version for name, version in dependencies.items()), dependencies
    for path in (capture / "scripts/postinstall", *(capture / "payload").rglob("managed-settings.json")):
        path.write_text(relocate(path.read_text(), root))
    scripts = tmp_path / "scripts"
    for mdm in ("jamf", "intune"):
        (scripts / mdm).mkdir(parents=True)
        for script in (bundle / mdm).iterdir():
            (scripts / mdm / script.name).write_text(relocate(script.read_text(), root))

    install = subprocess.run(["sh", str(scripts / "jamf/install.sh"), "/", "host", "user", str(pkg)],
                             capture_output=True, text=True, env=env, timeout=600)
    assert install.returncode == 0, install.stderr
    assert "claude-enterprise: installed" in install.stdout
    managed = Path(f"{root}{MACOS_MANAGED}")
    cache = json.loads((managed / "profiles.d/.compiled-profiles.json").read_text())
    assert cache["files"] == []
    tool = root / "usr/local/claude-enterprise/venv/bin/claude-enterprise"
    assert (root / "usr/local/bin/claude-enterprise").resolve() == tool
    summary = install.stdout.strip().splitlines()[-1]
    assert summary in ("compliant", "non-compliant: claude"), install.stdout  # Claude Code may be absent here

    attribute = subprocess.run(["sh", str(scripts / "jamf/extension-attribute.sh")], capture_output=True,
                               text=True, env=env, timeout=120)
    assert attribute.stdout == f"<result>{summary}; no MDM profile</result>\n", attribute.stdout
    uninstall(scripts / "jamf", root, env)

    intune_pkg = Path(f"{root}{INTUNE_PKG_DIR}/{pkg.name}")
    intune_pkg.parent.mkdir(parents=True)
    shutil.copy(pkg, intune_pkg)
    install = subprocess.run(["sh", str(scripts / "intune/install.sh")], capture_output=True, text=True, env=env,
                             timeout=600)
    assert install.returncode == 0 and "claude-enterprise: installed" in install.stdout, install.stderr
    again = subprocess.run(["sh", str(scripts / "intune/install.sh")], capture_output=True, text=True, env=env,
                           timeout=120)
    assert again.stdout.splitlines() == ["claude-enterprise 0.1.0 is installed", summary], again.stderr
    attribute = subprocess.run(["sh", str(scripts / "intune/custom-attribute.sh")], capture_output=True, text=True,
                               env=env, timeout=120)
    assert attribute.stdout == f"{summary}; no MDM profile\n", attribute.stdout
    intune_pkg.unlink()
    uninstall(scripts / "intune", root, env)


def uninstall(scripts: Path, root: Path, env: dict[str, str]) -> None:
    proc = subprocess.run(["sh", str(scripts / "uninstall.sh")], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    assert [p for p in root.rglob("*") if not p.is_dir()] == []
    assert not (root / MACOS_PREFIX.lstrip("/")).exists() and not Path(f"{root}{MACOS_MANAGED}").exists()
