"""`claude-enterprise policies list | show NAME | compile DIR | managed-settings`: the profile catalogue.

`compile` is for administrators (and packaging): it validates a profile directory and writes its compiled
cache so the hook needs no YAML parser. `managed-settings` prints the Claude Code managed-settings.json that
MDM installs so that `claude` started without the wrapper still meets the hook and the exec gate.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from claude_enterprise import paths
from claude_enterprise.config import ConfigError, managed_dir_trusted
from claude_enterprise.constants import Exit as exitcodes
from claude_enterprise.launch.settings import managed_settings
from claude_enterprise.profiles import ProfileError, get_profile, load_catalog
from claude_enterprise.profiles.compiled import write as write_compiled
from claude_enterprise.profiles.loader import allow_deny_conflicts


def _catalog():
    managed = managed_dir_trusted()
    return load_catalog(paths.bundled_policies_dir() / "profiles", managed / "profiles.d" if managed else None)


def _conflict_warnings(directory: Path) -> list[str]:
    """Programs a compiled profile both allows and denies: the deny list wins, which is rarely meant."""
    bundled = paths.bundled_policies_dir() / "profiles"
    same = directory.resolve() == bundled.resolve()
    catalog = load_catalog(bundled, None if same else directory)
    warnings = []
    for profile in catalog.values():
        if Path(profile.source).parent.resolve() != directory.resolve():
            continue
        for name in allow_deny_conflicts(profile):
            warnings.append(
                f"{profile.source}: `{name}` is both allowed and denied in profile {profile.name!r}; "
                "the deny list wins"
            )
    return warnings


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="claude-enterprise policies", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="the known profiles, narrowest first")
    show = sub.add_parser("show", help="one profile, normalised, as JSON")
    show.add_argument("name")
    compile_ = sub.add_parser("compile", help="validate a profile directory and write its compiled cache")
    compile_.add_argument("directory", type=Path)
    sub.add_parser("managed-settings", help="print the managed-settings.json for MDM")
    args = parser.parse_args(argv)
    try:
        if args.command == "compile":
            if not args.directory.is_dir():
                print(f"claude-enterprise: {args.directory}: not a directory of profile files", file=sys.stderr)
                return exitcodes.CONFIG_ERROR
            print(f"wrote {write_compiled(args.directory)}")
            for warning in _conflict_warnings(args.directory):
                print(f"claude-enterprise: warning: {warning}", file=sys.stderr)
        elif args.command == "managed-settings":
            script = shutil.which("claude-enterprise") or "claude-enterprise"
            gate = shutil.which("claude-enterprise-gate") or "claude-enterprise-gate"
            print(json.dumps(managed_settings(script, gate), indent=2))
        elif args.command == "show":
            print(json.dumps(get_profile(_catalog(), args.name, "argument NAME").to_dict(), indent=2))
        else:
            for profile in sorted(_catalog().values(), key=lambda p: (p.rank, p.name)):
                print(f"{profile.name:<16} rank {profile.rank}  {profile.description}  [{profile.source}]")
    except (ProfileError, ConfigError) as exc:
        print(f"claude-enterprise: {exc}", file=sys.stderr)
        return exitcodes.CONFIG_ERROR
    except OSError as exc:  # an unwritable directory: one line, never a traceback
        print(f"claude-enterprise: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return exitcodes.CONFIG_ERROR
    return exitcodes.OK
