"""`claude-enterprise explain [--security-profile NAME] [--json] -- COMMAND`: the decision for one shell
command under the resolved profile: what would execute, which rule matched, why.

Exit 0 when the command would be allowed, 1 when denied, 2 on a usage or configuration error.
Explaining a profile wider than the user's ceiling is allowed (it grants nothing) and says so.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from pathlib import Path
from typing import Any

from claude_enterprise.constants import Exit as exitcodes
from claude_enterprise.policy import Analysis, Decision, PolicyContext, analyze, decide_shell


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="claude-enterprise explain",
        description="Show what a shell command would execute and whether the security profile allows it.",
    )
    parser.add_argument("--security-profile", dest="profile", metavar="NAME", help="profile to judge under")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command (after --)")
    return parser


def _profile(requested: str | None) -> tuple[Any, str]:
    """The profile and a line saying where it came from (resolve() as the launcher does)."""
    from claude_enterprise.resolve import RefusedError, resolve

    try:
        res = resolve(requested, os.environ)
        return res.profile, res.source
    except RefusedError as exc:
        # Explaining a wider profile grants nothing; show it, and say it is not available.
        catalog = resolve(None, os.environ).catalog
        return catalog[exc.requested], f"requested, but not available to you: {exc}"


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


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    words = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not words:
        print("claude-enterprise explain: give the command after --, e.g. explain -- 'git status'", file=sys.stderr)
        return exitcodes.USAGE
    command = " ".join(words)
    from claude_enterprise.config import ConfigError
    from claude_enterprise.profiles import ProfileError

    try:
        profile, source = _profile(args.profile)
    except (ConfigError, ProfileError) as exc:
        print(f"claude-enterprise explain: {exc}", file=sys.stderr)
        return exitcodes.USAGE
    decision = decide_shell(command, profile, _context())
    report = _report(command, profile, source, decision, analyze(command))
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        _print_text(report)
    return exitcodes.OK if decision.allow else exitcodes.REFUSED
