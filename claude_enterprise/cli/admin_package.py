"""`claude-enterprise admin package --config FILE --out DIR [--profiles DIR]`: the MDM bundle of an organisation.

Writes into DIR: `macos/` (the com.anthropic.claudecode .mobileconfig, the managed directory, `build-pkg`
and the pkg's `postinstall`), `jamf/` (install, compliance extension attribute, uninstall) and `intune/` (the
same for Intune-managed Macs: install, compliance custom attribute, uninstall). Linux uses
`packaging/linux/build-deb`; native Windows is not supported.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from claude_enterprise.constants import Exit as exitcodes

# Both end up in scripts that run as root (identifiers, file paths): only characters no shell treats specially.
ORG_ID = re.compile(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
PROFILE_FILE_NAME = re.compile(r"[A-Za-z0-9._-]+")


def package(
    config: Annotated[Path, typer.Option("--config", help="The organisation's enterprise-config.json.")],
    out: Annotated[Path, typer.Option("--out", help="The directory to write the bundle into.")],
    profiles: Annotated[Path | None, typer.Option("--profiles", help="Custom profiles (*.yaml, *.yml, "
                                                  "*.json) to install in profiles.d/.")] = None,
    org_id: Annotated[str, typer.Option("--org-id", help="Reverse-DNS prefix of the profile and package "
                                        "identifiers, e.g. com.example.")] = "org.claude-enterprise",
    organization: Annotated[str, typer.Option("--organization", help="Shown as the profile's organisation.")]
    = "claude-enterprise",
) -> None:
    """Build the MDM bundle: macOS .mobileconfig and pkg build script, Jamf and Intune (macOS) scripts.

    Example: claude-enterprise admin package --config enterprise-config.json --profiles profiles.d --out mdm
    """
    from claude_enterprise import __version__, paths
    from claude_enterprise.admin.mobileconfig import PlistValueError
    from claude_enterprise.admin.package import bundle
    from claude_enterprise.config import ConfigError, parse_config, read_json
    from claude_enterprise.profiles import ProfileError, get_profile, load_catalog
    from claude_enterprise.profiles.loader import profile_files

    if not ORG_ID.fullmatch(org_id):
        _usage(f"--org-id {org_id!r}: not a reverse-DNS prefix such as com.example (letters, digits, -, dots)")
    if profiles is not None and not profiles.is_dir():
        _usage(f"--profiles {profiles}: not a directory of profile files")
    # Exactly the files the catalog below is loaded from: what is validated is what ships.
    profile_paths = profile_files(profiles) if profiles is not None else []
    for path in profile_paths:
        if not PROFILE_FILE_NAME.fullmatch(path.name):
            _usage(f"--profiles: {str(path)!r}: a profile file name may hold only letters, digits, '.', '_' and '-'")
    try:
        data = read_json(config)
        settings = parse_config(data, str(config), managed=False)
        catalog = load_catalog(paths.bundled_policies_dir() / "profiles", profiles)
        if settings.security_profile:
            get_profile(catalog, settings.security_profile, f"{config}: security_profile")
    except (ConfigError, ProfileError) as exc:
        _usage(str(exc))
    custom = {p.name: p.read_text(encoding="utf-8") for p in profile_paths}
    try:
        files = bundle(data, settings, custom, catalog, identifier=org_id, organization=organization,
                       version=__version__, lock=paths.requirements_lock().read_text(encoding="utf-8"))
    except (PlistValueError, ValueError) as exc:
        _usage(f"{config}: {exc}")
    except OSError as exc:
        _usage(f"{exc.filename}: {exc.strerror}: reinstall claude-enterprise (its requirements.lock is missing)")
    try:
        for relative, file in files.items():
            target = out / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(file.content)
            target.chmod(file.mode)
    except OSError as exc:
        _usage(f"{exc.filename or out}: {exc.strerror or exc}; choose a writable --out")
    typer.echo(f"wrote {len(files)} files to {out}: macos/ (mobileconfig, build-pkg), jamf/, intune/")


def _usage(message: str) -> NoReturn:
    typer.echo(f"claude-enterprise admin package: {message}", err=True)
    raise typer.Exit(exitcodes.CONFIG_ERROR)
