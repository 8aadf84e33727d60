"""The MDM bundle of `claude-enterprise admin package`: every file, its content and mode, computed without I/O.

One managed-settings document per platform comes from the same generator the .deb and `policies
managed-settings` use (our hook in exec form and the exec gate, `allowManagedHooksOnly`), plus the parent-tier
sandbox of the organisation's default profile, so every channel routes claude the same way. macOS gets it both
as the `com.anthropic.claudecode` profile (the MDM channel Claude Code prefers) and as the identical
managed-settings.json file the pkg installs, which is what `--check-policy` reads.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NamedTuple

from claude_enterprise.admin import mdm_scripts as scripts
from claude_enterprise.admin.mobileconfig import CLAUDE_CODE_DOMAIN, mobileconfig
from claude_enterprise.config import DEFAULT_PROFILE, EnterpriseConfig
from claude_enterprise.profiles import Profile

SCRIPT = 0o755
DATA = 0o644


class BundleFile(NamedTuple):
    content: bytes
    mode: int


def claude_settings(profile: Profile, script: str, gate: str) -> dict[str, Any]:
    """Claude Code's managed settings: hook and gate at the installed paths, the profile's sandbox locks."""
    from claude_enterprise.launch.sandbox import managed_sandbox
    from claude_enterprise.launch.settings import managed_settings

    settings = managed_settings(script, gate)
    sandbox = managed_sandbox(profile)
    if sandbox is not None:
        settings["sandbox"] = sandbox
    return settings


def _json(data: Any) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode()


def _here_string(text: str, where: str) -> str:
    """Text for a PowerShell literal here-string, which a line starting with `'@` would end early."""
    if any(line.startswith("'@") for line in text.splitlines()):
        raise ValueError(f"{where}: a line starting with '@ cannot be carried in the Intune script")
    return text.rstrip("\n")


def bundle(config_data: Mapping[str, Any], config: EnterpriseConfig, profiles: Mapping[str, str],
           catalog: Mapping[str, Profile], *, identifier: str, organization: str,
           version: str) -> dict[str, BundleFile]:
    """Relative path -> file. `config_data` is written as given; `profiles` maps custom profile file names
    (`profiles.d/`) to their text, already part of `catalog`."""
    profile = catalog[config.security_profile or DEFAULT_PROFILE]
    pkg_id = f"{identifier}.claude-enterprise"
    pkg_name = f"claude-enterprise-{version}.pkg"
    mac_bin = f"{scripts.MACOS_PREFIX}/venv/bin"
    mac_settings = claude_settings(profile, f"{mac_bin}/claude-enterprise", f"{mac_bin}/claude-enterprise-gate")
    win_bin = "@@PROGRAMFILES@@\\ClaudeEnterprise\\venv\\Scripts"
    win_settings = claude_settings(profile, f"{win_bin}\\claude-enterprise.exe",
                                   f"{win_bin}\\claude-enterprise-gate.exe")
    config_json = _json(config_data)
    files = {
        "macos/com.anthropic.claudecode.mobileconfig": BundleFile(
            mobileconfig(mac_settings, identifier=f"{identifier}.claudecode", organization=organization), DATA),
        "macos/managed-settings.json": BundleFile(_json(mac_settings), DATA),
        "macos/managed/enterprise-config.json": BundleFile(config_json, DATA),
        "macos/build-pkg": BundleFile(scripts.fill(scripts.BUILD_PKG, PKG_NAME=pkg_name, PKG_ID=pkg_id,
                                                   VERSION=version).encode(), SCRIPT),
        "macos/scripts/postinstall": BundleFile(scripts.fill(scripts.POSTINSTALL).encode(), SCRIPT),
        "jamf/install.sh": BundleFile(scripts.fill(scripts.JAMF_INSTALL, PKG_NAME=pkg_name).encode(), SCRIPT),
        "jamf/extension-attribute.sh": BundleFile(
            scripts.fill(scripts.JAMF_EXTENSION_ATTRIBUTE, DOMAIN=CLAUDE_CODE_DOMAIN).encode(), SCRIPT),
        "jamf/uninstall.sh": BundleFile(scripts.fill(scripts.JAMF_UNINSTALL, PKG_ID=pkg_id).encode(), SCRIPT),
    }
    for name, text in sorted(profiles.items()):
        files[f"macos/managed/profiles.d/{name}"] = BundleFile(text.encode(), DATA)
    profile_writes = "\n".join(
        f"Write-Utf8 (Join-Path $Managed 'profiles.d\\{name}') @'\n{_here_string(text, name)}\n'@"
        for name, text in sorted(profiles.items()))
    install = scripts.fill(scripts.INTUNE_INSTALL, CONFIG=_here_string(config_json.decode(), "config"),
                           PROFILES=profile_writes, SETTINGS=json.dumps(win_settings, sort_keys=True))
    for name, text in (("install.ps1", install), ("detect.ps1", scripts.fill(scripts.INTUNE_DETECT)),
                       ("uninstall.ps1", scripts.fill(scripts.INTUNE_UNINSTALL))):
        files[f"intune/{name}"] = BundleFile(text.encode("utf-8"), DATA)
    return files
