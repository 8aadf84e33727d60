"""The shell and PowerShell scripts of the MDM bundle, as templates (`@@NAME@@` is filled in by package.py).

They hold the installed layout in one place per platform; the macOS one is what `--check-policy` calls
compliant: root-owned, nothing group- or world-writable.
"""

from __future__ import annotations

MACOS_PREFIX = "/usr/local/claude-enterprise"
MACOS_MANAGED = "/Library/Application Support/ClaudeEnterprise"
MACOS_CLAUDE_SETTINGS = "/Library/Application Support/ClaudeCode/managed-settings.json"

_MACOS_LAYOUT = 'PREFIX=@@PREFIX@@\nMANAGED="@@MANAGED@@"\nSETTINGS="@@SETTINGS_FILE@@"'

BUILD_PKG = """\
#!/usr/bin/env bash
# Build @@PKG_NAME@@ from this bundle, on a Mac (pkgbuild and productbuild come with Xcode's tools).
#
#   ./build-pkg WHEEL [--python PYTHON] [--sign "Developer ID Installer: ..."]
#
# WHEEL is claude-enterprise's wheel; its dependencies are fetched as wheels for this Mac into the package, so
# the install needs no network. PYTHON is the interpreter the target Macs have (3.10 or later; default the
# python.org framework build); the postinstall builds the tool's environment with it. Then notarize:
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
"$python" -m pip wheel --quiet --disable-pip-version-check --wheel-dir "$payload$PREFIX/wheels" "$wheel"
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

# Shared by the Jamf scripts: one JSON report in, one line out.
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

JAMF_INSTALL = """\
#!/bin/sh
# Jamf Pro policy script (runs as root): installs the claude-enterprise package the policy cached, then reports
# the compliance check. Parameter 4: the package's path (default: Jamf's Waiting Room).
set -eu
PREFIX=@@PREFIX@@
pkg=${4:-"/Library/Application Support/JAMF/Waiting Room/@@PKG_NAME@@"}
[ -f "$pkg" ] || { echo "claude-enterprise: $pkg: no such package (set parameter 4)" >&2; exit 1; }
installer -pkg "$pkg" -target /
@@SUMMARY@@
state=$(mktemp -d)
CLAUDE_ENTERPRISE_STATE_DIR=$state "$PREFIX/venv/bin/claude-enterprise" --check-policy --json | summary || true
rm -rf "$state"
"""

JAMF_EXTENSION_ATTRIBUTE = """\
#!/bin/sh
# Jamf Pro extension attribute "Claude Code compliance": "compliant", "non-compliant: CHECKS", "not installed",
# each followed by "; no MDM profile" when Claude Code's managed preferences are missing. Built on
# `claude-enterprise --check-policy --json`, run with a throw-away state directory.
PREFIX=@@PREFIX@@
if [ ! -x "$PREFIX/venv/bin/claude-enterprise" ]; then
    echo "<result>not installed</result>"
    exit 0
fi
@@SUMMARY@@
state=$(mktemp -d)
result=$(CLAUDE_ENTERPRISE_STATE_DIR=$state "$PREFIX/venv/bin/claude-enterprise" --check-policy --json | summary 2>&1)
rm -rf "$state"
[ -f "/Library/Managed Preferences/@@DOMAIN@@.plist" ] || result="$result; no MDM profile"
echo "<result>$result</result>"
"""

JAMF_UNINSTALL = """\
#!/bin/sh
# Jamf Pro policy script (runs as root): removes everything the package installed or generated. The
# configuration profile is removed by unscoping it in Jamf (an MDM profile cannot be removed locally).
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

_INTUNE_HEADER = """\
# Intune platform script: run as SYSTEM with "Run script in 64 bit PowerShell Host" = Yes. A 32-bit host is
# relaunched 64-bit: there ProgramFiles is "Program Files (x86)", which Claude Code never reads, so the paths
# below use ProgramW6432. Files are written UTF-8 without a byte-order mark.
if ($env:PROCESSOR_ARCHITEW6432 -eq 'AMD64') {
    $Host64 = "$env:WINDIR\\SysNative\\WindowsPowerShell\\v1.0\\powershell.exe"
    & $Host64 -NoProfile -ExecutionPolicy Bypass -File $PSCommandPath @args
    exit $LASTEXITCODE
}
$ErrorActionPreference = 'Stop'
$ProgramFiles = $env:ProgramW6432
$Prefix = Join-Path $ProgramFiles 'ClaudeEnterprise'
$Managed = Join-Path $Prefix 'managed'
$ClaudeDir = Join-Path $ProgramFiles 'ClaudeCode'
$Settings = Join-Path $ClaudeDir 'managed-settings.json'
$Tool = Join-Path $Prefix 'venv\\Scripts\\claude-enterprise.exe'
"""

INTUNE_INSTALL = _INTUNE_HEADER + """\
# Installs claude-enterprise from the wheel shipped beside this script (Win32 app) into a venv, the enterprise
# configuration and profiles.d, and Claude Code's managed-settings.json.
$Utf8 = New-Object System.Text.UTF8Encoding $false
function Write-Utf8([string]$Path, [string]$Text) { [System.IO.File]::WriteAllText($Path, $Text, $Utf8) }
$Wheel = Get-ChildItem -Path $PSScriptRoot -Filter 'claude_enterprise-*.whl' | Select-Object -First 1
if (-not $Wheel) { Write-Error "claude-enterprise: no claude_enterprise-*.whl beside $PSCommandPath"; exit 1 }
New-Item -ItemType Directory -Force -Path (Join-Path $Managed 'profiles.d'), $ClaudeDir | Out-Null
& py -3 -m venv --clear (Join-Path $Prefix 'venv')
if ($LASTEXITCODE -ne 0) { Write-Error 'claude-enterprise: Python 3.10 or later (py launcher) is required'; exit 1 }
& (Join-Path $Prefix 'venv\\Scripts\\python.exe') -m pip install --quiet --disable-pip-version-check $Wheel.FullName
if ($LASTEXITCODE -ne 0) { exit 1 }
Write-Utf8 (Join-Path $Managed 'enterprise-config.json') @'
@@CONFIG@@
'@
@@PROFILES@@
$SettingsJson = @'
@@SETTINGS@@
'@
Write-Utf8 $Settings $SettingsJson.Replace('@@PROGRAMFILES@@', $ProgramFiles.Replace('\\', '\\\\'))
[Environment]::SetEnvironmentVariable('CLAUDE_ENTERPRISE_MANAGED_DIR', $Managed, 'Machine')
[Environment]::SetEnvironmentVariable('CLAUDE_ENTERPRISE_CLAUDE_MANAGED_SETTINGS', $Settings, 'Machine')
& $Tool policies compile (Join-Path $Managed 'profiles.d') | Out-Null
& $Tool --check-policy
exit 0
"""

INTUNE_DETECT = _INTUNE_HEADER + """\
# Detection (Win32 app) and custom compliance: prints one compact JSON object built on
# `claude-enterprise --check-policy --json`; exits 0 only when the tool is installed.
$env:CLAUDE_ENTERPRISE_MANAGED_DIR = $Managed
$env:CLAUDE_ENTERPRISE_CLAUDE_MANAGED_SETTINGS = $Settings
if (-not (Test-Path $Tool)) { exit 1 }
$Report = (& $Tool --check-policy --json | Out-String) | ConvertFrom-Json
$Failed = @($Report.checks | Where-Object { $_.status -eq 'fail' } | ForEach-Object { $_.name })
@{ ClaudeEnterpriseCompliant = [bool]$Report.compliant; ClaudeEnterpriseProfile = [string]$Report.profile;
   ClaudeEnterpriseFailedChecks = ($Failed -join ',') } | ConvertTo-Json -Compress
exit 0
"""

INTUNE_UNINSTALL = _INTUNE_HEADER + """\
# Removes everything install.ps1 wrote: the tool, the managed directory, Claude Code's managed settings (when
# they are ours) and the machine environment variables.
if ((Test-Path $Settings) -and (Select-String -Path $Settings -SimpleMatch 'ClaudeEnterprise' -Quiet)) {
    Remove-Item -Force $Settings
    if (-not (Get-ChildItem -Force $ClaudeDir)) { Remove-Item -Force $ClaudeDir }
}
if (Test-Path $Prefix) { Remove-Item -Recurse -Force $Prefix }
[Environment]::SetEnvironmentVariable('CLAUDE_ENTERPRISE_MANAGED_DIR', $null, 'Machine')
[Environment]::SetEnvironmentVariable('CLAUDE_ENTERPRISE_CLAUDE_MANAGED_SETTINGS', $null, 'Machine')
exit 0
"""


def fill(template: str, **values: str) -> str:
    """`template` with each `@@NAME@@` replaced; the macOS layout and the Jamf summary are always available."""
    values = {"LAYOUT": _MACOS_LAYOUT, "SUMMARY": _SUMMARY.rstrip("\n"), **values, "PREFIX": MACOS_PREFIX,
              "MANAGED": MACOS_MANAGED, "SETTINGS_FILE": MACOS_CLAUDE_SETTINGS}
    for name, value in values.items():
        template = template.replace(f"@@{name}@@", value)
    if "@@" in template.replace("@@PROGRAMFILES@@", ""):
        raise ValueError(f"unfilled placeholder in {template[:60]!r}")
    return template
