"""`claude-enterprise explain [--security-profile NAME] [--profiles-dir DIR] [--json] -- COMMAND`: the decision
for one shell command under the resolved profile: what would execute, which rule matched, why.

Exit 0 when the command would be allowed, 1 when denied, 2 on a usage or configuration error.
Explaining a profile wider than the user's ceiling is allowed (it grants nothing) and says so.
`--profiles-dir DIR` judges under a profile of a directory of custom profiles, loaded over the bundled ones
as `policies check` loads it: a trial that changes no enforcement.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer

from claude_enterprise import paths
from claude_enterprise.constants import Exit as exitcodes
from claude_enterprise.policy import Analysis, Decision, PolicyContext, analyze, decide_shell

from .runner import new_app, run_app

app = new_app(name="explain")


def _profile(requested: str | None, env: Mapping[str, str]) -> tuple[Any, str]:
    """The profile and a line saying where it came from (resolve() as the launcher does)."""
    from claude_enterprise.resolve import RefusedError, resolve

    try:
        res = resolve(requested, env)
        return res.profile, res.source
    except RefusedError as exc:
        # Explaining a wider profile grants nothing; show it, and say it is not available.
        catalog = resolve(None, env).catalog
        return catalog[exc.requested], f"requested, but not available to you: {exc}"


def _trial_profile(requested: str | None, directory: Path, bundled_dir: Path) -> tuple[Any, str]:
    """A profile of `directory` loaded over the bundled ones (as `policies check` loads it), never enforced."""
    from claude_enterprise.profiles import ProfileError, get_profile
    from claude_enterprise.profiles.validate import check_directory

    checked = check_directory(directory, bundled_dir)
    if requested is None:
        if len(checked.names) != 1:
            raise ProfileError(str(directory), "", f"defines {', '.join(checked.names) or 'no profiles'}; "
                               "name one with --security-profile")
        requested = checked.names[0]
    profile = get_profile(checked.catalog, requested, "--security-profile")
    return profile, f"{profile.source}, a trial with --profiles-dir: not enforced"


def _context() -> PolicyContext:
    cwd = os.getcwd()
    project = os.environ.get("CLAUDE_PROJECT_DIR") or cwd
    return PolicyContext(
        project_dirs=(os.path.realpath(project),),
        home=str(Path.home()),
        case_insensitive=sys.platform == "darwin",
        cwd=os.path.realpath(cwd),
    )


def _report(command: str, profile: Any, source: str, decision: Decision, analysis: Analysis) -> dict[str, Any]:
    return {
        "command": command,
        "profile": profile.name,
        "source": source,
        "decision": "allow" if decision.allow else "deny",
        "allow": decision.allow,
        "rule_id": decision.rule_id,
        "reason": decision.reason,
        "programs": list(decision.programs),
        "executions": [
            {
                "kind": ex.kind,
                "program": ex.name,
                "args": list(ex.args),
                "via": list(ex.via),
                **({"origin": ex.origin, "code": ex.code} if ex.kind == "code" else {}),
            }
            for ex in analysis.executions
        ],
        "writes": [{"target": w.target, "via": w.via} for w in analysis.writes],
        "analysis_error": analysis.error,
    }


def _print_text(report: dict[str, Any]) -> None:
    print(f"profile:  {report['profile']} ({report['source']})")
    print(f"command:  {report['command']}")
    print("executes:")
    if not report["executions"]:
        print("  (nothing)")
    for ex in report["executions"]:
        if ex["kind"] == "code":
            what = f"<{ex['origin']} code for {ex['program']}>" + (f" {ex['code']!r}" if ex.get("code") else "")
        else:
            words = [ex["program"] or "?"] + ["?" if a is None else shlex.quote(a) for a in ex["args"]]
            what = " ".join(words) + ("  [wrapper]" if ex["kind"] == "wrapper" else "")
        via = f"   (via {' → '.join(ex['via'])})" if ex["via"] else ""
        print(f"  {what}{via}")
    for write in report["writes"]:
        print(f"writes:   {write['target'] or '?'} ({write['via']})")
    if report["analysis_error"]:
        print(f"analysis: failed: {report['analysis_error']}")
    print(f"decision: {report['decision']}")
    print(f"rule:     {report['rule_id']}")
    print(f"reason:   {report['reason']}")


def explain_command(words: list[str], requested: str | None, profiles_dir: Path | None, as_json: bool,
                    env: Mapping[str, str], bundled_dir: Path) -> int:
    """Explain `words` (one shell command) under the requested profile → 0 allowed, 1 denied, 2 usage error."""
    if not words:
        print("claude-enterprise explain: give the command after --, e.g. explain -- 'git status'", file=sys.stderr)
        return exitcodes.USAGE
    command = " ".join(words)
    from claude_enterprise.config import ConfigError
    from claude_enterprise.profiles import ProfileError

    try:
        if profiles_dir is None:
            profile, source = _profile(requested, env)
        else:
            profile, source = _trial_profile(requested, profiles_dir, bundled_dir)
    except (ConfigError, ProfileError) as exc:
        print(f"claude-enterprise explain: {exc}", file=sys.stderr)
        return exitcodes.USAGE
    decision = decide_shell(command, profile, _context())
    report = _report(command, profile, source, decision, analyze(command))
    if as_json:
        print(json.dumps(report, indent=2))
    else:
        _print_text(report)
    return exitcodes.OK if decision.allow else exitcodes.REFUSED


@app.command(epilog="Example: claude-enterprise explain --security-profile restricted -- 'curl example.com | sh'")
def explain(
    command: Annotated[list[str] | None, typer.Argument(metavar="COMMAND", show_default=False,
                                                        help="The shell command, after --.")] = None,
    security_profile: Annotated[str | None, typer.Option("--security-profile", metavar="NAME",
                                                         help="Judge under this profile.")] = None,
    profiles_dir: Annotated[Path | None, typer.Option("--profiles-dir", metavar="DIR",
                                                      help="Take the profile from this directory of custom "
                                                           "profiles (a trial, never enforced).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> int:
    """What a shell command would execute, and whether the security profile allows it (exit 0) or not (1)."""
    return explain_command(list(command or []), security_profile, profiles_dir, as_json, os.environ,
                           paths.bundled_policies_dir() / "profiles")


def main(args: list[str]) -> int:
    """`claude-enterprise explain ...` → exit code."""
    return run_app(app, args, "claude-enterprise explain")
