"""Run one typer app the way every `claude-enterprise` command runs: its exit code, one-line usage errors.

Click's standalone mode would exit the interpreter itself and print usage errors as a boxed panel; here the
app runs with `standalone_mode=False`, so a command's returned exit code (or a `typer.Exit`) comes back to
the entry point, and a usage error becomes one line naming the command and exit 2.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import typer

from claude_enterprise.constants import Exit as exitcodes


def run_app(app: typer.Typer, args: Sequence[str], prog: str) -> int:
    """Run `app` as `prog` on `args` and return the exit code it chose (0 when it returned nothing)."""
    try:
        result = app(args=list(args), prog_name=prog, standalone_mode=False)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else exitcodes.USAGE
    except typer.Abort:  # Ctrl-C or end of input at a prompt
        print(f"{prog}: aborted", file=sys.stderr)
        return exitcodes.REFUSED
    except Exception as exc:  # click's usage errors: the vendored click exposes no stable base class
        describe = getattr(exc, "format_message", None)
        if not callable(describe):
            raise
        message = " ".join(str(describe()).split())
        if not message:  # a group called with no command: typer has printed its help, the answer
            return exitcodes.USAGE
        print(f"{prog}: {message} (see `{prog} --help`)", file=sys.stderr)
        code = getattr(exc, "exit_code", exitcodes.USAGE)
        return code if isinstance(code, int) else exitcodes.USAGE
    return result if isinstance(result, int) else exitcodes.OK
