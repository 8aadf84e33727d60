"""The `claude-enterprise` console script: dispatch first, import later.

Claude Code runs `claude-enterprise hook` before every tool call, so this module imports nothing but `sys`
at load time; each face imports what it needs only once chosen. Subcommand words (`hook`, `explain`, `audit`,
`policies`, `admin`) are ours only in first position: `claude-enterprise -- audit` sends the word to claude.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def _audit(args: list[str]) -> int:
    from .audit_cmd import app

    try:
        # Without standalone mode click *returns* the code of a typer.Exit (verify's 1 on a broken chain, ship's
        # on a failed upload): dropping it would tell a cron job or CI gate that all is well.
        result = app(args=args, prog_name="claude-enterprise audit", standalone_mode=False)
    except SystemExit as exc:  # typer exits through SystemExit for --help and explicit exits
        return int(exc.code or 0)
    except Exception as exc:  # click's usage errors, reported as one line
        describe = getattr(exc, "format_message", None)
        message = describe() if callable(describe) else str(exc)
        print(f"claude-enterprise audit: {message}", file=sys.stderr)
        return 2
    return result if isinstance(result, int) else 0


def _quiet_on_closed_pipe() -> None:
    """Reports piped into `head` end quietly, as other command-line tools do, instead of a traceback."""
    import signal

    signal.signal(signal.SIGPIPE, signal.SIG_DFL)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    head = args[0] if args else None
    if head == "hook":
        from claude_enterprise.enforce.hook import main as hook_main

        return hook_main(args[1:])
    if head in ("explain", "audit", "policies", "admin") or "--check-policy" in args:
        _quiet_on_closed_pipe()
    if head == "explain":
        from .explain_cmd import main as explain_main

        return explain_main(args[1:])
    if head == "audit":
        return _audit(args[1:])
    if head == "policies":
        from .policies_cmd import main as policies_main

        return policies_main(args[1:])
    if head == "admin":
        from .admin_cmd import main as admin_main

        return admin_main(args[1:])

    from claude_enterprise.launch import argv as argv_policy

    try:
        ours = argv_policy.split_our_options(args)
    except argv_policy.UsageError as exc:
        print(f"claude-enterprise: {exc}", file=sys.stderr)
        return 2
    if ours.check_policy:
        from .check_policy import check_policy_main

        return check_policy_main(ours.security_profile, as_json=ours.json)
    from claude_enterprise.launch.main import launch_main

    return launch_main(args)


if __name__ == "__main__":
    sys.exit(main())
