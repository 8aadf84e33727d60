"""`claude-enterprise --help`: every command in one help, in the style of each command's own.

The launcher and `hook` parse their arguments by hand (start-up time, and the launcher hands what is not ours
to claude), so this app only renders the top-level help: the typer commands are the ones the entry point
runs, and the launcher's options and `hook` are described beside them.
"""

from __future__ import annotations

from typing import Annotated

import typer

from .runner import new_app, run_app

_HELP = (
    "Run Claude Code under your security profile, and the commands around it.\n\n"
    "Without a command, every argument that is not ours goes to [bold]claude[/bold] (`--` ends ours: "
    "`claude-enterprise -- --help` shows claude's help), and the session is enforced and audited. "
    "A first word one typo away from a command is a usage error, not a prompt.\n\n"
    "[bold]hook[/bold]: Claude Code's PreToolUse hook handler, named by the generated settings "
    "(`claude-enterprise hook [--session DIR --profile NAME]`; reads the hook JSON on stdin).\n\n"
    "Exit codes: 0 ok or compliant; 1 refused or non-compliant; 2 usage or configuration error; "
    "127 claude not found; otherwise claude's own exit code."
)
_EPILOG = (
    "Examples: claude-enterprise --security-profile restricted -p 'run the tests'\n\n"
    "claude-enterprise --check-policy --json\n\n"
    "claude-enterprise explain -- 'curl example.com | sh'"
)


def root_app() -> typer.Typer:
    """The top-level command group, holding each command's own typer app."""
    from .admin_cmd import app as admin_app
    from .audit_cmd import app as audit_app
    from .explain_cmd import explain
    from .policies_cmd import app as policies_app

    app = new_app(name="claude-enterprise", help=_HELP, epilog=_EPILOG,
                  subcommand_metavar="[COMMAND [ARGS]... | CLAUDE ARGS...]")

    @app.callback()
    def _launcher(
        security_profile: Annotated[str | None, typer.Option(
            "--security-profile", metavar="NAME",
            help="Ask for a profile no wider than your ceiling (env CLAUDE_ENTERPRISE_PROFILE).")] = None,
        check_policy: Annotated[bool, typer.Option(
            "--check-policy", help="Show the resolved profile, why, and compliance checks (with --json: "
                                   "one JSON object); see `claude-enterprise --check-policy --help`.")] = False,
        version: Annotated[bool, typer.Option("--version", help="Print the version (first argument only).")] = False,
    ) -> None:
        """The launcher's options, documented here; the entry point parses them itself."""

    app.command("explain")(explain)
    app.add_typer(policies_app, name="policies")
    app.add_typer(audit_app, name="audit")
    app.add_typer(admin_app, name="admin")
    return app


def main(args: list[str]) -> int:
    """Print the top-level help (`claude-enterprise --help`)."""
    return run_app(root_app(), args, "claude-enterprise")
