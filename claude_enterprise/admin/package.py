"""The MDM bundle of `claude-enterprise admin package`: every file, its content and mode, computed without I/O.

One managed-settings document comes from the same generator the .deb and `policies
managed-settings` use (our hook in exec form and the exec gate, `allowManagedHooksOnly`), plus the parent-tier
sandbox of the organisation's default profile, so every channel routes claude the same way. macOS gets it both
as the `com.anthropic.claudecode` profile (the MDM channel Claude Code prefers) and as the identical
managed-settings.json file the pkg installs, which is what `--check-policy` reads.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
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


def installed_settings(managed_dir: Path, script: str, gate: str) -> dict[str, Any]:
    """`claude_settings` for the configuration and custom profiles of a managed directory: packaging/linux/build-deb
    writes the .deb's managed settings with it, so the .deb carries the same sandbox locks as the MDM bundle.
    Raises ConfigError or ProfileError for a bad configuration."""
    from claude_enterprise import paths
    from claude_enterprise.config import parse_config, read_json
    from claude_enterprise.profiles import get_profile, load_catalog

    source = managed_dir / "enterprise-config.json"
    config = parse_config(read_json(source), str(source), managed=False)
    catalog = load_catalog(paths.bundled_policies_dir() / "profiles", managed_dir / "profiles.d")
    profile = get_profile(catalog, config.security_profile or DEFAULT_PROFILE, f"{source}: security_profile")
    return claude_settings(profile, script, gate)


def _json(data: Any) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode()


def constraints(lock: str) -> str:
    """The `name==version` lines of requirements.lock: its hashes are those of the sdists, and a hash in a
    constraints file would switch pip to hash-checking mode, refusing the binary wheels the pkg carries."""
    return "".join(f"{pin}\n" for pin in re.findall(r"^([A-Za-z0-9._-]+==\S+)", lock, re.MULTILINE))


def bundle(config_data: Mapping[str, Any], config: EnterpriseConfig, profiles: Mapping[str, str],
           catalog: Mapping[str, Profile], *, identifier: str, organization: str, version: str,
           lock: str) -> dict[str, BundleFile]:
    """Relative path -> file. `config_data` is written as given; `profiles` maps custom profile file names
    (`profiles.d/`) to their text, already part of `catalog`; `lock` is requirements.lock, whose versions the pkg's
    dependencies are pinned to."""
    profile = catalog[config.security_profile or DEFAULT_PROFILE]
    pkg_id = f"{identifier}.claude-enterprise"
    pkg_name = f"claude-enterprise-{version}.pkg"
    mac_bin = f"{scripts.MACOS_PREFIX}/venv/bin"
    mac_settings = claude_settings(profile, f"{mac_bin}/claude-enterprise", f"{mac_bin}/claude-enterprise-gate")
    config_json = _json(config_data)
    files = {
        "macos/com.anthropic.claudecode.mobileconfig": BundleFile(
            mobileconfig(mac_settings, identifier=f"{identifier}.claudecode", organization=organization), DATA),
        "macos/managed-settings.json": BundleFile(_json(mac_settings), DATA),
        "macos/managed/enterprise-config.json": BundleFile(config_json, DATA),
        "macos/build-pkg": BundleFile(scripts.fill(scripts.BUILD_PKG, PKG_NAME=pkg_name, PKG_ID=pkg_id,
                                                   VERSION=version).encode(), SCRIPT),
        "macos/constraints.txt": BundleFile(constraints(lock).encode(), DATA),
        "macos/scripts/postinstall": BundleFile(scripts.fill(scripts.POSTINSTALL).encode(), SCRIPT),
    }
    for mdm in ("jamf", "intune"):
        for name, text in scripts.mdm_scripts(mdm, pkg_name, pkg_id, version, CLAUDE_CODE_DOMAIN).items():
            files[f"{mdm}/{name}"] = BundleFile(text.encode(), SCRIPT)
    for name, text in sorted(profiles.items()):
        files[f"macos/managed/profiles.d/{name}"] = BundleFile(text.encode(), DATA)
    return files
