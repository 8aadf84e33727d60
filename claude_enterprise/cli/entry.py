"""The `claude-enterprise` console script: dispatch first, import later.

Claude Code runs `claude-enterprise hook` before every tool call, so this module imports nothing but `sys`
at load time; each face imports what it needs only once chosen. `hook` and the launcher parse their own
arguments (start-up time; the launcher passes what is not ours to claude); every other command is a typer app.
Subcommand words are ours only in first position: `claude-enterprise -- audit` sends the word to claude.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

# The typer faces; `hook` is dispatched before them, by hand.
COMMANDS = ("explain", "audit", "policies", "admin")
SUBCOMMANDS = ("hook", *COMMANDS)


def _distance(a: str, b: str) -> int:
    """Edits (insert, delete, substitute, swap two neighbours) turning `a` into `b` (optimal string alignment)."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def near_miss(word: str) -> str | None:
    """The subcommand `word` is most likely a typo of, or None when it reads as a prompt for claude.

    Only a single word of letters can be a mistyped command (a prompt with spaces or punctuation is a prompt).
    Short names allow one edit and longer ones two: within two edits of `hook`, `audit` or `admin` lie everyday
    words someone may send claude as a one-word prompt (`hoax`, `adult`, `amid`), while two edits from
    `policies` or `explain` (`polices`, `explian`) are still plainly the command. A word caught wrongly costs
    one line that says how to send it anyway (`claude-enterprise -- WORD`); a typo let through would start a
    session with the typo as its prompt.
    """
    if not word.isascii() or not word.isalpha():
        return None
    lowered = word.lower()
    for name in SUBCOMMANDS:
        if word != name and _distance(lowered, name) <= (1 if len(name) <= 5 else 2):
            return name
    return None


def _quiet_on_closed_pipe() -> None:
    """Reports piped into `head` end quietly, as other command-line tools do, instead of a traceback."""
    import signal

    signal.signal(signal.SIGPIPE, signal.SIG_DFL)


def _run_command(head: str, args: list[str]) -> int:
    """One of the typer faces, on its arguments."""
    _quiet_on_closed_pipe()
    # An argument that is not valid UTF-8 (the shell passes bytes) is echoed back escaped, never a traceback.
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")
    if head == "explain":
        from .explain_cmd import main as explain_main

        return explain_main(args)
    if head == "audit":
        from .audit_cmd import main as audit_main

        return audit_main(args)
    if head == "policies":
        from .policies_cmd import main as policies_main

        return policies_main(args)
    if head == "admin":
        from .admin_cmd import main as admin_main

        return admin_main(args)
    if head == "--check-policy":
        from .check_policy import main as check_policy_main

        return check_policy_main(args)
    from .app import main as help_main

    return help_main(args)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    head = args[0] if args else None
    if head == "hook":
        from claude_enterprise.enforce.hook import main as hook_main

        return hook_main(args[1:])
    if head in COMMANDS:
        return _run_command(head, args[1:])
    if head in ("--help", "-h"):
        return _run_command("--help", args)
    ours_end = args.index("--") if "--" in args else len(args)
    if "--check-policy" in args[:ours_end]:
        # Everything before `--` must then be an option of --check-policy: a typo is a usage error, never a
        # report on the default profile.
        rest = list(args)
        rest.remove("--check-policy")
        return _run_command("--check-policy", rest)
    guess = near_miss(head) if head is not None else None
    if guess is not None:
        from claude_enterprise.constants import Exit as exitcodes

        print(f"claude-enterprise: unknown command {head!r}; did you mean `{guess}`? "
              f"(to send it to claude as a prompt: claude-enterprise -- {head})", file=sys.stderr)
        return exitcodes.USAGE

    from claude_enterprise.launch.main import launch_main

    return launch_main(args)


if __name__ == "__main__":
    sys.exit(main())
