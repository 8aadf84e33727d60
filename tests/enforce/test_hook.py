"""`claude-enterprise hook` as Claude Code runs it: real processes, a real DecisionServer, the real engine."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from claude_enterprise.enforce.server import DecisionServer
from tests.enforce.conftest import decisions, denial, hook_argv, payload, run_hook

Serve = Callable[..., DecisionServer]


def test_restricted_allows_an_allowed_command_silently(serve: Serve, enforce_env: dict[str, str],
                                                        project: Path) -> None:
    server = serve("restricted")
    result = run_hook(hook_argv(server), payload("Bash", {"command": "git status --short"}, project), enforce_env)
    assert denial(result) is None
    assert result.stdout == b""  # never an explicit "allow": that would bypass Claude Code's permissions
    [event] = decisions(enforce_env)
    assert event["decision"] == "allow" and event["enforcement"] == "hook"
    assert event["command"] == "git status --short" and event["tool_use_id"] == "toolu_01abc"
    assert event["profile"] == "restricted"


@pytest.mark.parametrize(
    ("profile", "tool", "tool_input"),
    [
        ("restricted", "Bash", {"command": "curl -s https://example.com"}),
        ("restricted", "Bash", {"command": "bash -c 'wget http://x'"}),
        ("restricted", "Write", {"file_path": "/etc/cron.d/x", "content": "x"}),
        ("restricted", "WebFetch", {"url": "https://evil.example.net/", "prompt": "p"}),
        ("plan-only", "Bash", {"command": "ls"}),
        ("plan-only", "Write", {"file_path": "{project}/a.txt", "content": "x"}),
        ("plan-only", "Edit", {"file_path": "{project}/a.txt", "old_string": "a", "new_string": "b"}),
        ("plan-only", "WebSearch", {"query": "q"}),
        ("standard", "Bash", {"command": "sudo ls"}),
        ("elevated", "Bash", {"command": "terraform destroy -auto-approve"}),
    ],
)
def test_denied_calls_print_the_deny_json_with_the_rule(serve: Serve, enforce_env: dict[str, str], project: Path,
                                                         profile: str, tool: str, tool_input: dict[str, str]) -> None:
    server = serve(profile)
    tool_input = {k: v.replace("{project}", str(project)) for k, v in tool_input.items()}
    reason = denial(run_hook(hook_argv(server), payload(tool, tool_input, project), enforce_env))
    assert reason is not None
    [event] = decisions(enforce_env)
    assert event["decision"] == "deny" and reason.startswith(f"[{event['rule_id']}]")


@pytest.mark.parametrize(
    ("profile", "tool", "tool_input"),
    [
        ("restricted", "Write", {"file_path": "{project}/src/a.py", "content": "x"}),
        ("restricted", "WebFetch", {"url": "https://docs.python.org/3/", "prompt": "p"}),
        ("standard", "Write", {"file_path": "/tmp/anywhere.txt", "content": "x"}),
        ("standard", "Bash", {"command": "make test && git commit -m 'rm -rf / is bad'"}),
    ],
)
def test_allowed_calls_pass(serve: Serve, enforce_env: dict[str, str], project: Path, profile: str, tool: str,
                            tool_input: dict[str, str]) -> None:
    server = serve(profile)
    tool_input = {k: v.replace("{project}", str(project)) for k, v in tool_input.items()}
    assert denial(run_hook(hook_argv(server), payload(tool, tool_input, project), enforce_env)) is None


MALFORMED: list[bytes] = [
    b"",
    b"not json",
    b"[1, 2]",
    b'{"hook_event_name": "PreToolUse"}',
    b"\xff\xfe{}",
    json.dumps(payload("Bash", {"command": "ls"}, "/p", tool_input="ls")).encode(),
    json.dumps(payload("Bash", {"command": ["ls"]}, "/p")).encode(),
    json.dumps(payload("Bash", {"command": "ls"}, "/p", tool_name=7)).encode(),
    json.dumps(payload("Bash", {"command": "ls"}, "relative/dir")).encode(),
    json.dumps(payload("Bash", {"command": "ls"}, "/p", hook_event_name="PostToolUse")).encode(),
    json.dumps(payload("Bash", {"command": "ls"}, "/p", agent_id=5)).encode(),
    json.dumps({k: v for k, v in payload("Bash", {"command": "ls"}, "/p").items() if k != "tool_use_id"}).encode(),
]


@pytest.mark.parametrize("profile", ["plan-only", "restricted", "standard", "elevated"])
def test_malformed_payloads_are_denied_under_every_profile(serve: Serve, enforce_env: dict[str, str],
                                                            profile: str) -> None:
    server = serve(profile)
    for data in MALFORMED:
        reason = denial(run_hook(hook_argv(server), data, enforce_env))
        assert reason is not None and reason.startswith("[enforce.malformed_payload]"), data
    assert [e["decision"] for e in decisions(enforce_env)] == ["deny"] * len(MALFORMED)


def test_huge_payload_is_denied_not_buffered(serve: Serve, enforce_env: dict[str, str], project: Path) -> None:
    server = serve("standard")
    big = json.dumps(payload("Write", {"file_path": "/tmp/x", "content": "x" * (33 * 1024 * 1024)}, project))
    reason = denial(run_hook(hook_argv(server), big, enforce_env))
    assert reason is not None and "exceeds" in reason


def test_unknown_tool_is_decided_by_the_engine_and_recorded(serve: Serve, enforce_env: dict[str, str],
                                                             project: Path) -> None:
    server = serve("plan-only")
    result = run_hook(hook_argv(server), payload("mcp__db__drop_table", {"name": "users"}, project), enforce_env)
    reason = denial(result)
    [event] = decisions(enforce_env)
    assert event["tool_name"] == "mcp__db__drop_table"
    assert (reason is None) == (event["decision"] == "allow")


def test_server_unreachable_decides_in_process(serve: Serve, enforce_env: dict[str, str], project: Path) -> None:
    server = serve("restricted")
    argv = hook_argv(server)
    server.stop()
    env = {**enforce_env, "CLAUDE_PROJECT_DIR": str(project), "CLAUDE_CODE_SESSION_ID": "sess-x"}
    assert denial(run_hook(argv, payload("Bash", {"command": "curl http://x"}, project), env))
    assert denial(run_hook(argv, payload("Bash", {"command": "git log -1"}, project), env)) is None
    events = decisions(enforce_env)
    assert [(e["decision"], e["profile"], e["session_id"], e["wrapper"]) for e in events] == [
        ("deny", "restricted", "sess-x", "unreachable"), ("allow", "restricted", "sess-x", "unreachable")]


def test_in_process_fallback_keeps_the_sessions_profile_against_the_environment(
    serve: Serve, enforce_env: dict[str, str], project: Path
) -> None:
    """A repository's settings `env` reaches the hook; the session's profile comes from the hook's argv."""
    server = serve("restricted")
    argv = hook_argv(server)
    server.stop()
    env = {**enforce_env, "CLAUDE_ENTERPRISE_PROFILE": "standard", "CLAUDE_PROJECT_DIR": str(project)}
    assert denial(run_hook(argv, payload("Bash", {"command": "make all"}, project), env))


def test_standalone_hook_resolves_like_the_launcher(enforce_env: dict[str, str], project: Path) -> None:
    env = {**enforce_env, "CLAUDE_ENTERPRISE_PROFILE": "plan-only", "CLAUDE_PROJECT_DIR": str(project)}
    assert denial(run_hook(hook_argv(None), payload("Bash", {"command": "ls"}, project), env))
    env["CLAUDE_ENTERPRISE_PROFILE"] = "standard"
    assert denial(run_hook(hook_argv(None), payload("Bash", {"command": "ls"}, project), env)) is None


def test_a_profile_that_does_not_resolve_denies(enforce_env: dict[str, str], project: Path,
                                                tmp_path: Path) -> None:
    ceiling = tmp_path / "restricted-ceiling.json"
    ceiling.write_text(json.dumps({"security_profile": "restricted"}))
    env = {**enforce_env, "CLAUDE_PROJECT_DIR": str(project), "CLAUDE_ENTERPRISE_CONFIG": str(ceiling)}
    for profile in ("standard", "no-such-profile"):  # wider than the ceiling; unknown
        reason = denial(run_hook(hook_argv(None, profile), payload("Bash", {"command": "ls"}, project), env))
        assert reason is not None and reason.startswith("[enforce.no_profile]")
    assert [e["rule_id"] for e in decisions(enforce_env)] == ["enforce.no_profile"] * 2


def test_bad_arguments_deny(enforce_env: dict[str, str], project: Path) -> None:
    argv = [*hook_argv(None), "--bogus"]
    reason = denial(run_hook(argv, payload("Bash", {"command": "ls"}, project), enforce_env))
    assert reason is not None and reason.startswith("[enforce.internal_error]")


def test_an_allow_that_cannot_be_recorded_is_denied(serve: Serve, enforce_env: dict[str, str],
                                                     project: Path) -> None:
    server = serve("standard")
    spool = Path(enforce_env["CLAUDE_ENTERPRISE_STATE_DIR"]) / "audit"
    spool.parent.mkdir(parents=True, exist_ok=True)
    spool.write_text("not a directory")  # the spool cannot be opened: every record fails
    reason = denial(run_hook(hook_argv(server), payload("Bash", {"command": "ls"}, project), enforce_env))
    assert reason is not None and reason.startswith("[audit.unavailable]")


def test_engine_failure_denies(serve: Serve, enforce_env: dict[str, str], project: Path) -> None:
    """A profile the engine cannot evaluate (here: no shell rules at all) fails closed, and is recorded."""
    server = serve("standard")
    server.decider.profile = object()  # type: ignore[assignment]
    reason = denial(run_hook(hook_argv(server), payload("Bash", {"command": "ls"}, project), enforce_env))
    assert reason is not None and reason.startswith("[enforce.internal_error]")
    [event] = decisions(enforce_env)
    assert event["decision"] == "deny" and event["rule_id"] == "enforce.internal_error"


def test_files_that_run_code_later_are_protected_under_standard(serve: Callable[..., DecisionServer],
                                                                 enforce_env: dict[str, str], project: Path,
                                                                 tmp_path: Path) -> None:
    """The profile's `files.deny_write` holds for the file tools too, not only in the sandbox; so do the
    product's state and configuration directories wherever they were moved."""
    server = serve("standard")
    home = Path(enforce_env["HOME"])
    for target in (home / ".bashrc", project / ".git" / "hooks" / "pre-commit", project / ".mcp.json",
                   tmp_path / "state" / "audit" / "x.jsonl", home / ".ssh" / "authorized_keys"):
        reason = denial(run_hook(hook_argv(server), payload("Write", {"file_path": str(target), "content": "x"},
                                                            project), enforce_env))
        assert reason is not None and reason.startswith("[file.protected]"), target
    allowed = payload("Write", {"file_path": str(home / "notes.txt"), "content": "x"}, project)
    assert denial(run_hook(hook_argv(server), allowed, enforce_env)) is None


def test_restricted_reads_its_own_persisted_tool_outputs(serve: Callable[..., DecisionServer],
                                                         enforce_env: dict[str, str], project: Path) -> None:
    """Claude Code saves an oversized tool output under its config dir and tells the model to Read it
    (observed on 2.1.197): this session's outputs are readable under restricted, other sessions' are not."""
    from tests.enforce.conftest import SESSION_ID

    server = serve("restricted")
    sanitized = "".join(c if c.isalnum() else "-" for c in str(project))
    projects = Path(enforce_env["CLAUDE_CONFIG_DIR"]) / "projects" / sanitized
    own = projects / SESSION_ID / "tool-results" / "bo38tcini.txt"
    other = projects / "11111111-2222-3333-4444-555555555555" / "tool-results" / "x.txt"
    transcript = projects / f"{SESSION_ID}.jsonl"
    for path in (own, other, transcript):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("output\n")
    assert denial(run_hook(hook_argv(server), payload("Read", {"file_path": str(own)}, project), enforce_env)) is None
    for path in (other, transcript):
        reason = denial(run_hook(hook_argv(server), payload("Read", {"file_path": str(path)}, project), enforce_env))
        assert reason is not None and reason.startswith("[file.read.outside_project]"), path
