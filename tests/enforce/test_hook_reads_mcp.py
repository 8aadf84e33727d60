"""Read and MCP tools through `claude-enterprise hook` as Claude Code runs it: real processes, a real server."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from claude_enterprise.enforce.server import DecisionServer
from tests.enforce.conftest import decisions, denial, hook_argv, payload, run_hook

Serve = Callable[..., DecisionServer]


def _home(env: dict[str, str]) -> Path:
    return Path(env["HOME"])


def test_standard_denies_reading_an_ssh_key(serve: Serve, enforce_env: dict[str, str], project: Path) -> None:
    key = _home(enforce_env) / ".ssh" / "id_rsa"
    key.parent.mkdir()
    key.write_text("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    server = serve("standard")
    reason = denial(run_hook(hook_argv(server), payload("Read", {"file_path": str(key)}, project), enforce_env))
    assert reason is not None and reason.startswith("[file.read.credentials]")
    [event] = decisions(enforce_env)
    assert event["decision"] == "deny" and event["tool_name"] == "Read" and event["target"] == str(key)


def test_a_link_in_the_project_to_the_key_is_denied(serve: Serve, enforce_env: dict[str, str],
                                                     project: Path) -> None:
    key = _home(enforce_env) / ".ssh" / "id_rsa"
    key.parent.mkdir()
    key.write_text("secret")
    (project / "notes.txt").symlink_to(key)
    server = serve("elevated")
    reason = denial(run_hook(hook_argv(server), payload("Read", {"file_path": str(project / "notes.txt")}, project),
                             enforce_env))
    assert reason is not None and reason.startswith("[file.read.credentials]")


def test_reading_the_audit_spool_is_denied(serve: Serve, enforce_env: dict[str, str], project: Path) -> None:
    server = serve("elevated")
    spool = Path(enforce_env["CLAUDE_ENTERPRISE_STATE_DIR"]) / "audit"
    reason = denial(run_hook(hook_argv(server), payload("Grep", {"pattern": "session", "path": str(spool)}, project),
                             enforce_env))
    assert reason is not None and reason.startswith("[file.read.denied]")
    [event] = decisions(enforce_env)
    assert event["target"] == str(spool)  # a search records the directory it searched


def test_project_reads_are_allowed(serve: Serve, enforce_env: dict[str, str], project: Path) -> None:
    (project / "app.py").write_text("print('hi')\n")
    server = serve("restricted")
    for tool, tool_input in (("Read", {"file_path": str(project / "app.py")}), ("Grep", {"pattern": "print"}),
                             ("Glob", {"pattern": "**/*.py"})):
        assert denial(run_hook(hook_argv(server), payload(tool, tool_input, project), enforce_env)) is None
    assert [e["rule_id"] for e in decisions(enforce_env)] == ["file.read.allowed"] * 3


def test_restricted_denies_reads_outside_the_project(serve: Serve, enforce_env: dict[str, str],
                                                      project: Path) -> None:
    server = serve("restricted")
    reason = denial(run_hook(hook_argv(server), payload("Read", {"file_path": "/etc/hostname"}, project), enforce_env))
    assert reason is not None and reason.startswith("[file.read.outside_project]")


def test_restricted_denies_an_mcp_tool(serve: Serve, enforce_env: dict[str, str], project: Path) -> None:
    server = serve("restricted")
    result = run_hook(hook_argv(server), payload("mcp__x__y", {"q": 1}, project), enforce_env)
    reason = denial(result)
    assert reason is not None and reason.startswith("[mcp.server_not_allowed]")
    [event] = decisions(enforce_env)
    assert event["tool_name"] == "mcp__x__y" and event["rule_id"] == "mcp.server_not_allowed"


def test_standard_allows_an_mcp_tool(serve: Serve, enforce_env: dict[str, str], project: Path) -> None:
    server = serve("standard")
    assert denial(run_hook(hook_argv(server), payload("mcp__x__y", {}, project), enforce_env)) is None
    [event] = decisions(enforce_env)
    assert event["rule_id"] == "mcp.allowed"
