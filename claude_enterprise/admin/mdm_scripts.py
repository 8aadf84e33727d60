"""The shell scripts of the MDM bundle, as templates (`@@NAME@@` is filled in by `fill`).

They hold the macOS installed layout in one place; it is what `--check-policy` calls compliant: root-owned,
nothing group- or world-writable. Jamf and Intune manage macOS devices with the same script bodies. Native
Windows is not a target: the tool relies on POSIX file locking and ownership checks, and Claude Code has no
sandbox there.
"""

from __future__ import annotations

from typing import Literal

MACOS_PREFIX = "/usr/local/claude-enterprise"
MACOS_MANAGED = "/Library/Application Support/ClaudeEnterprise"
MACOS_CLAUDE_SETTINGS = "/Library/Application Support/ClaudeCode/managed-settings.json"
# Root-only (unlike /var/tmp or /tmp): whatever pkg lies here is installed as root.
INTUNE_PKG_DIR = "/Library/Application Support/ClaudeEnterprise Packages"

_MACOS_LAYOUT = 'PREFIX=@@PREFIX@@\nMANAGED="@@MANAGED@@"\nSETTINGS="@@SETTINGS_FILE@@"'

BUILD_PKG = """\
#!/usr/bin/env bash
# Build @@PKG_NAME@@ from this bundle, on a Mac (pkgbuild and productbuild come with Xcode's tools).
#
#   ./build-pkg WHEEL [--python PYTHON] [--sign "Developer ID Installer: ..."]
#
# WHEEL is claude-enterprise's wheel; its dependencies, at the versions of constraints.txt (the project's
# requirements.lock), are fetched as wheels for this Mac into the package, so the install needs no network.
# PYTHON is the interpreter the target Macs have (3.10 or later; default the python.org framework build); the
# postinstall builds the tool's environment with it. Some dependencies are binary wheels, so a pkg serves one CPU
# architecture and one Python version: build once per target (e.g. on an Apple silicon and on an Intel Mac). Then
# notarize:
#   xcrun notarytool submit @@PKG_NAME@@ --wait ... && xcrun stapler staple @@PKG_NAME@@
set -euo pipefail

usage() { echo "usage: $0 WHEEL [--python PYTHON] [--sign IDENTITY]" >&2; exit 2; }
[ $# -ge 1 ] || usage
wheel=$1; shift
python=/Library/Frameworks/Python.framework/Versions/Current/bin/python3
sign=""
while [ $# -gt 0 ]; do
    case $1 in
        --python) python=${2:?}; shift 2 ;;
        --sign) sign=${2:?}; shift 2 ;;
        *) usage ;;
    esac
done
[ -f "$wheel" ] || { echo "build-pkg: $wheel: no such wheel" >&2; exit 2; }
[ -x "$python" ] || { echo "build-pkg: $python: not an interpreter (pass --python)" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
@@LAYOUT@@
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
payload=$work/payload
mkdir -p "$payload$PREFIX/wheels" "$payload$MANAGED" "$payload$(dirname "$SETTINGS")" "$work/scripts"
"$python" -m pip wheel --quiet --disable-pip-version-check --constraint "$here/constraints.txt" \\
    --wheel-dir "$payload$PREFIX/wheels" "$wheel"
cp -R "$here/managed/." "$payload$MANAGED/"
cp "$here/managed-settings.json" "$payload$SETTINGS"
cp "$here/scripts/postinstall" "$work/scripts/postinstall"
printf '%s\\n' "$python" > "$work/scripts/python"
chmod 0755 "$work/scripts/postinstall"
chmod -R go-w "$payload"

pkgbuild --root "$payload" --identifier @@PKG_ID@@ --version @@VERSION@@ --install-location / \\
    --ownership recommended --scripts "$work/scripts" "$work/component.pkg"
signing=()
[ -z "$sign" ] || signing=(--sign "$sign")
# An empty array under `set -u` is an unbound variable in macOS's bash 3.2: expand it only when set.
productbuild --package "$work/component.pkg" ${signing[@]+"${signing[@]}"} "$here/@@PKG_NAME@@"
echo "$here/@@PKG_NAME@@"
"""

POSTINSTALL = """\
#!/bin/sh
# Runs as root after the payload is in place: builds the tool's environment from the bundled wheels in a
# root-owned prefix, makes the managed files root-owned and not group/world-writable, writes the compiled profile
# cache, and refuses the install unless `claude-enterprise --check-policy` passes the config and the managed
# settings (Claude Code itself may be installed later).
set -eu
@@LAYOUT@@
python=$(cat "$(dirname "$0")/python")
[ -x "$python" ] || { echo "claude-enterprise: $python not found: install Python 3.10 or later first" >&2; exit 1; }
"$python" -m venv --clear "$PREFIX/venv"
"$PREFIX/venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-index \\
    --find-links "$PREFIX/wheels" claude-enterprise
# profiles.d/ is in the payload only with custom profiles, but the compiled cache always goes there.
mkdir -p "$MANAGED/profiles.d"
chown -R root:wheel "$PREFIX" "$MANAGED" "$SETTINGS"
chmod -R go-w "$PREFIX" "$MANAGED" "$SETTINGS"
"$PREFIX/venv/bin/claude-enterprise" policies compile "$MANAGED/profiles.d" >/dev/null
chmod 0644 "$MANAGED/profiles.d/.compiled-profiles.json"
mkdir -p /usr/local/bin
ln -sf "$PREFIX/venv/bin/claude-enterprise" /usr/local/bin/claude-enterprise
ln -sf "$PREFIX/venv/bin/claude-enterprise-gate" /usr/local/bin/claude-enterprise-gate
state=$(mktemp -d)
report=$(CLAUDE_ENTERPRISE_STATE_DIR=$state "$PREFIX/venv/bin/claude-enterprise" --check-policy --json || true)
rm -rf "$state"
printf '%s' "$report" | "$PREFIX/venv/bin/python" -c '
import json, sys
checks = {c["name"]: c for c in json.load(sys.stdin)["checks"]}
bad = ["%s: %s" % (n, checks[n]["detail"]) for n in ("config", "managed_settings") if checks[n]["status"] != "pass"]
sys.exit("claude-enterprise: not compliant after install: " + "; ".join(bad) if bad else 0)'
echo "claude-enterprise: installed; each user can check with: claude-enterprise --check-policy"
"""

# Shared by the install and compliance scripts: one JSON report in, one line out.
_SUMMARY = """\
summary() {
    "$PREFIX/venv/bin/python" -c '
import json, sys
try:
    report = json.load(sys.stdin)
except ValueError:
    sys.exit("no report")
failed = [c["name"] for c in report.get("checks", []) if c.get("status") == "fail"]
print("compliant" if report.get("compliant") else "non-compliant: " + ", ".join(failed))'
}
"""

_INSTALL = """\
#!/bin/sh
# @@MDM@@ script (runs as root): installs the claude-enterprise package unless this
# version is already installed, then reports the compliance check in one line.
# @@PKG_HELP@@
set -eu
PREFIX=@@PREFIX@@
pkg=@@PKG@@
if [ "$("$PREFIX/venv/bin/claude-enterprise" --version 2>/dev/null || true)" = "claude-enterprise @@VERSION@@" ]; then
    echo "claude-enterprise @@VERSION@@ is installed"
else
    [ -f "$pkg" ] || { echo "claude-enterprise: $pkg: no such package" >&2; exit 1; }
    installer -pkg "$pkg" -target /
fi
@@SUMMARY@@
state=$(mktemp -d)
CLAUDE_ENTERPRISE_STATE_DIR=$state "$PREFIX/venv/bin/claude-enterprise" --check-policy --json | summary || true
rm -rf "$state"
"""

_COMPLIANCE = """\
#!/bin/sh
# @@MDM@@ "Claude Code compliance": "compliant", "non-compliant: CHECKS", "not installed",
# each followed by "; no MDM profile" when Claude Code's managed preferences are missing. Built on
# `claude-enterprise --check-policy --json`, run with a throw-away state directory.
PREFIX=@@PREFIX@@
if [ ! -x "$PREFIX/venv/bin/claude-enterprise" ]; then
    echo "@@OPEN@@not installed@@CLOSE@@"
    exit 0
fi
@@SUMMARY@@
state=$(mktemp -d)
result=$(CLAUDE_ENTERPRISE_STATE_DIR=$state "$PREFIX/venv/bin/claude-enterprise" --check-policy --json | summary 2>&1)
rm -rf "$state"
[ -f "/Library/Managed Preferences/@@DOMAIN@@.plist" ] || result="$result; no MDM profile"
echo "@@OPEN@@$result@@CLOSE@@"
"""

_UNINSTALL = """\
#!/bin/sh
# @@MDM@@ script (runs as root): removes everything the package installed or generated.
# The configuration profile is removed by @@UNSCOPE@@ (an MDM profile cannot be removed locally).
set -eu
@@LAYOUT@@
for link in /usr/local/bin/claude-enterprise /usr/local/bin/claude-enterprise-gate; do
    if [ -L "$link" ]; then rm -f "$link"; fi
done
rm -rf "$PREFIX" "$MANAGED"
if [ -f "$SETTINGS" ] && grep -q "$PREFIX/venv/bin/claude-enterprise" "$SETTINGS"; then
    rm -f "$SETTINGS"
    rmdir "$(dirname "$SETTINGS")" 2>/dev/null || true
fi
pkgutil --forget @@PKG_ID@@ >/dev/null 2>&1 || true
echo "claude-enterprise: removed"
"""


def mdm_scripts(mdm: Literal["jamf", "intune"], pkg_name: str, pkg_id: str, version: str,
                domain: str) -> dict[str, str]:
    """The install, compliance and uninstall scripts of one macOS MDM ("jamf" or "intune"), by file name.

    Both run them as root from their own copies; they differ only in where the pkg is, how a reported value is
    read (Jamf wants `<result>`, an Intune custom attribute takes stdout) and how the profile is withdrawn."""
    if mdm == "jamf":
        waiting_room = f"/Library/Application Support/JAMF/Waiting Room/{pkg_name}"
        install = dict(MDM="Jamf Pro policy", PKG=f'${{4:-"{waiting_room}"}}',
                       PKG_HELP="Parameter 4: the package's path (default: the cached package in Jamf's Waiting Room).")
        compliance = dict(MDM="Jamf Pro extension attribute", OPEN="<result>", CLOSE="</result>")
        uninstall = dict(MDM="Jamf Pro policy", UNSCOPE="unscoping it in Jamf")
        names = ("install.sh", "extension-attribute.sh", "uninstall.sh")
    else:
        install = dict(MDM="Intune macOS shell", PKG=f'"{INTUNE_PKG_DIR}/{pkg_name}"',
                       PKG_HELP="Intune normally installs the package as a macOS LOB app; when it has not, this "
                                f"installs\n# the copy in {INTUNE_PKG_DIR}/.")
        compliance = dict(MDM="Intune custom attribute (string)", OPEN="", CLOSE="")
        uninstall = dict(MDM="Intune macOS shell", UNSCOPE="unassigning it in Intune")
        names = ("install.sh", "custom-attribute.sh", "uninstall.sh")
    texts = (fill(_INSTALL, VERSION=version, **install), fill(_COMPLIANCE, DOMAIN=domain, **compliance),
             fill(_UNINSTALL, PKG_ID=pkg_id, **uninstall))
    return dict(zip(names, texts, strict=True))


def fill(template: str, **values: str) -> str:
    """`template` with each `@@NAME@@` replaced; the macOS layout and the report summary are always available."""
    values = {"LAYOUT": _MACOS_LAYOUT, "SUMMARY": _SUMMARY.rstrip("\n"), **values, "PREFIX": MACOS_PREFIX,
              "MANAGED": MACOS_MANAGED, "SETTINGS_FILE": MACOS_CLAUDE_SETTINGS}
    for name, value in values.items():
        template = template.replace(f"@@{name}@@", value)
    if "@@" in template:
        raise ValueError(f"unfilled placeholder in {template[:60]!r}")
    return template
