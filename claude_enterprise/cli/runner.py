"""Run one typer app the way every `claude-enterprise` command runs: its exit code, one-line usage errors.

Click's standalone mode would exit the interpreter itself and print usage errors as a boxed panel; here the
app runs with `standalone_mode=False`, so a command's returned exit code (or a `typer.Exit`) comes back to
the entry point, and a usage error becomes one line naming the command and exit 2.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import typer

from claude_enterprise.constants import Exit as exitcodes


def new_app(**settings: object) -> typer.Typer:
    """A typer app as every command has one: `-h` as well as `--help`, rich help, no shell-completion options."""
    return typer.Typer(context_settings={"help_option_names": ["-h", "--help"]}, add_completion=False,
                       rich_markup_mode="rich", **settings)  # type: ignore[arg-type]


def run_app(app: typer.Typer, args: Sequence[str], prog: str) -> int:
    """Run `app` as `prog` on `args` and return the exit code it chose (0 when it returned nothing)."""
    try:
        result = app(args=list(args), prog_name=prog, standalone_mode=False)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else exitcodes.USAGE
    except typer.Abort:  # Ctrl-C or end of input at a prompt
        print(f"{prog}: aborted", file=sys.stderr)
        return exitcodes.REFUSED
    except Exception as exc:  # click's usage errors (the vendored click exposes no stable base class), or a failure
        describe = getattr(exc, "format_message", None)
        if not callable(describe):
            return _failed(prog, exc)
        message = " ".join(str(describe()).split())
        if not message:  # a group called with no command: typer has printed its help, the answer
            return exitcodes.USAGE
        print(f"{prog}: {message} (see `{prog} --help`)", file=sys.stderr)
        code = getattr(exc, "exit_code", exitcodes.USAGE)
        return code if isinstance(code, int) else exitcodes.USAGE
    return result if isinstance(result, int) else exitcodes.OK


def _failed(prog: str, exc: Exception) -> int:
    """A command that failed on its input (an unreadable directory, a corrupt file): one line and exit 2, never
    a traceback; with debugging on (CLAUDE_DEBUG and friends, see log.py) the traceback, for a bug report."""
    from claude_enterprise.log import level_from_env

    try:
        debugging = level_from_env(os.environ) == "debug"
    except ValueError:
        debugging = False
    if debugging:
        raise exc
    if isinstance(exc, OSError) and exc.filename:
        message = f"{os.fsdecode(exc.filename)}: {exc.strerror or exc}"
    else:
        message = " ".join(str(exc).split()) or type(exc).__name__
    print(f"{prog}: {message}", file=sys.stderr)
    return exitcodes.USAGE
