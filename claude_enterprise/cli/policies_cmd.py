"""`claude-enterprise policies`: the security profile catalogue, and trying and compiling profile files.

`check DIR` loads a directory of profile files exactly as a session would load it as the managed
`profiles.d/` and runs its profiles' `examples`: any user can try a custom profile this way, and nothing it
does touches enforcement. `compile DIR` does the same checks and only then writes the directory's compiled
cache, so the hook needs no YAML parser (administrators and packaging; it needs write access to DIR).
`managed-settings` prints the Claude Code managed-settings.json that MDM installs so that `claude` started
without the wrapper still meets the hook and the exec gate.

Exit codes: 0 ok; 1 an example's decision differs from the one written; 2 usage error or a profile file
the runtime would reject (one line naming the file and the field).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Annotated

import typer

from claude_enterprise import paths
from claude_enterprise.config import managed_dir_trusted
from claude_enterprise.constants import Exit as exitcodes
from claude_enterprise.profiles import Profile, compiled, get_profile, load_catalog
from claude_enterprise.profiles.validate import CheckedDirectory, check_directory, run_examples

from .runner import new_app, run_app

app = new_app(name="policies", help="The security profiles: list, show, check and compile profile files.",
              no_args_is_help=True, epilog="Example: claude-enterprise policies check ~/my-profiles")

ProfilesDir = Annotated[Path, typer.Argument(metavar="DIR", help="A directory of profile files (*.yaml, *.json).")]


def _error(message: str) -> None:
    print(f"claude-enterprise: {message}", file=sys.stderr)


def _catalog(bundled_dir: Path, managed_dir: Path | None) -> dict[str, Profile]:
    return load_catalog(bundled_dir, managed_dir / "profiles.d" if managed_dir else None)


def list_profiles(bundled_dir: Path, managed_dir: Path | None) -> int:
    """Print the known profiles, narrowest first."""
    for profile in sorted(_catalog(bundled_dir, managed_dir).values(), key=lambda p: (p.rank, p.name)):
        print(f"{profile.name:<16} rank {profile.rank}  {profile.description}  [{profile.source}]")
    return exitcodes.OK


def show_profile(name: str, bundled_dir: Path, managed_dir: Path | None) -> int:
    """Print one profile, normalised (after `extends`), as JSON."""
    print(json.dumps(get_profile(_catalog(bundled_dir, managed_dir), name, "argument NAME").to_dict(), indent=2))
    return exitcodes.OK


def _checked(directory: Path, bundled_dir: Path) -> CheckedDirectory | int:
    """The directory, loaded and with its examples passing, or the exit code after saying why not."""
    checked = check_directory(directory, bundled_dir)
    for warning in checked.warnings():
        _error(f"warning: {warning}")
    results = run_examples(checked)
    failed = [r for r in results if not r.ok]
    for result in failed:
        _error(f"{result.where}: `{result.command}` gets {result.decision} "
               f"({result.rule_id}), the example expects {result.expected}")
    if failed:
        return exitcodes.REFUSED
    names = ", ".join(checked.names) or "no profiles"
    print(f"{directory}: {names}: valid; {len(results)} example(s) give the expected decision")
    return checked


def check_profiles(directory: Path, bundled_dir: Path) -> int:
    """Validate `directory` as a session would load it and run its examples; write nothing."""
    checked = _checked(directory, bundled_dir)
    return checked if isinstance(checked, int) else exitcodes.OK


def compile_profiles(directory: Path, bundled_dir: Path) -> int:
    """`check_profiles`, then write the directory's compiled cache: never a cache the runtime would reject."""
    checked = _checked(directory, bundled_dir)
    if isinstance(checked, int):
        _error(f"{directory}: no cache written")
        return checked
    print(f"wrote {compiled.write(directory, checked.documents)}")
    return exitcodes.OK


def print_managed_settings(bundled_dir: Path, managed_dir: Path | None) -> int:
    """Print the managed-settings.json naming this installation's hook and gate, with the sandbox locks of
    the configured default profile: the same settings the .deb and the MDM bundle install."""
    from claude_enterprise.admin.package import claude_settings
    from claude_enterprise.config import DEFAULT_PROFILE, load_config

    script = shutil.which("claude-enterprise") or "claude-enterprise"
    gate = shutil.which("claude-enterprise-gate") or "claude-enterprise-gate"
    config = load_config({})  # the managed config when installed, else the embedded default
    name = config.security_profile or DEFAULT_PROFILE
    profile = get_profile(_catalog(bundled_dir, managed_dir), name, "security_profile")
    print(json.dumps(claude_settings(profile, script, gate), indent=2))
    return exitcodes.OK


@app.command("list", epilog="Example: claude-enterprise policies list")
def _list() -> int:
    """The known profiles, narrowest first, with the file each comes from."""
    return list_profiles(paths.bundled_policies_dir() / "profiles", managed_dir_trusted())


@app.command("show", epilog="Example: claude-enterprise policies show restricted")
def _show(name: Annotated[str, typer.Argument(metavar="NAME", help="A profile name.")]) -> int:
    """One profile, normalised (after `extends`), as JSON."""
    return show_profile(name, paths.bundled_policies_dir() / "profiles", managed_dir_trusted())


@app.command("check", epilog="Example: claude-enterprise policies check ~/my-profiles")
def _check(directory: ProfilesDir) -> int:
    """Try a directory of custom profiles as the runtime would load it, and run their examples.

    Writes nothing and changes no enforcement: any user may run it. See what a profile decides with
    `claude-enterprise explain --profiles-dir DIR --security-profile NAME -- COMMAND`.
    """
    return check_profiles(directory, paths.bundled_policies_dir() / "profiles")


@app.command("compile", epilog="Example: sudo claude-enterprise policies compile /etc/claude-enterprise/profiles.d")
def _compile(directory: ProfilesDir) -> int:
    """Check a profile directory (as `check` does) and write its compiled cache beside the files."""
    return compile_profiles(directory, paths.bundled_policies_dir() / "profiles")


@app.command("managed-settings", epilog="Example: claude-enterprise policies managed-settings > managed-settings.json")
def _managed_settings() -> int:
    """The Claude Code managed-settings.json for MDM: every `claude` goes through the hook and the exec gate."""
    return print_managed_settings(paths.bundled_policies_dir() / "profiles", managed_dir_trusted())


def main(args: list[str]) -> int:
    """`claude-enterprise policies ...` → exit code; a bad profile file is one line and exit 2."""
    return run_app(app, args, "claude-enterprise policies")  # a bad file or directory: one line (run_app)
