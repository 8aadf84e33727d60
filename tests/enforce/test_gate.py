"""The exec gate as Claude Code runs it: the generated prefix script, a real server, real bash."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from claude_enterprise.enforce.gate import REFUSED
from claude_enterprise.enforce.server import DecisionServer
from claude_enterprise.interpreter import bootstrap, python_argv
from tests.enforce.conftest import decisions
from tests.enforce.wrapping import claude_wrap

Serve = Callable[..., DecisionServer]


@pytest.fixture
def snapshot(enforce_env: dict[str, str]) -> str:
    """Claude Code's own shell snapshot for this session (private file in the config dir)."""
    path = Path(enforce_env["CLAUDE_CONFIG_DIR"]) / "shell-snapshots" / "snapshot-bash-1795515861499-unncjb.sh"
    path.write_text("alias say='echo said'\nshopt -s expand_aliases\n")
    path.chmod(0o600)
    return str(path)


def wrap(command: str, snapshot: str) -> str:
    """Claude Code's wrapping, its `pwd -P` file beside the snapshot (this test's own dir, not shared /tmp)."""
    return claude_wrap(command, snapshot, str(Path(snapshot).with_name("claude-1a2b-cwd")))


def run_gate(argv: list[str], wrapped: str | list[str], env: Mapping[str, str],
             cwd: Path) -> subprocess.CompletedProcess[str]:
    args = wrapped if isinstance(wrapped, list) else [wrapped]
    return subprocess.run([*argv, *args], env=dict(env), cwd=cwd, capture_output=True, text=True, timeout=60,
                          check=False)


def standalone_gate() -> list[str]:
    code = bootstrap("from claude_enterprise.enforce.gate import main\nsys.exit(main())", site_packages=True)
    return [*python_argv(site=False), "-c", code]


def test_allowed_command_runs_with_its_exit_status(serve: Serve, enforce_env: dict[str, str], project: Path,
                                                    snapshot: str, tmp_path: Path) -> None:
    server = serve("standard")
    cwd_file = str(tmp_path / "claude-1a2b-cwd")
    result = run_gate([server.gate_path], claude_wrap("echo out; echo err >&2; exit 7", snapshot, cwd_file),
                      enforce_env, project)
    assert (result.returncode, result.stdout, result.stderr) == (7, "out\n", "err\n")
    result = run_gate([server.gate_path], claude_wrap("say hi", snapshot, cwd_file), enforce_env, project)
    assert result.stdout == "said hi\n"  # the snapshot (aliases) was sourced
    result = run_gate([server.gate_path], claude_wrap("true", snapshot, cwd_file), enforce_env, project)
    assert result.returncode == 0 and Path(cwd_file).read_text().strip() == str(project)
    assert [e["decision"] for e in decisions(enforce_env)] == ["allow"] * 3
    assert decisions(enforce_env)[0]["command"] == "echo out; echo err >&2; exit 7"
    assert decisions(enforce_env)[0]["enforcement"] == "gate"


def test_the_gate_execs_the_shell_in_its_own_process(serve: Serve, enforce_env: dict[str, str], project: Path,
                                                      snapshot: str) -> None:
    server = serve("standard")
    proc = subprocess.Popen([server.gate_path, wrap("echo $$", snapshot)], env=enforce_env, cwd=project,
                            stdout=subprocess.PIPE, text=True)
    out, _ = proc.communicate(timeout=60)
    assert out.strip() == str(proc.pid)


@pytest.mark.parametrize(
    ("profile", "command"),
    [
        ("restricted", "touch {marker}"),
        ("restricted", "git status && touch {marker}"),
        ("restricted", "bash -c 'touch {marker}'"),
        ("plan-only", "touch {marker}"),
        ("standard", "sudo touch {marker}"),
    ],
)
def test_denied_command_does_not_run(serve: Serve, enforce_env: dict[str, str], project: Path, snapshot: str,
                                     tmp_path: Path, profile: str, command: str) -> None:
    marker = tmp_path / "marker"
    server = serve(profile)
    result = run_gate([server.gate_path], wrap(command.format(marker=marker), snapshot), enforce_env,
                      project)
    assert result.returncode == REFUSED and not marker.exists()
    assert result.stdout == "" and result.stderr.startswith("claude-enterprise: blocked [")
    assert result.stderr.count("\n") == 1
    [event] = decisions(enforce_env)
    assert event["decision"] == "deny" and f"[{event['rule_id']}]" in result.stderr


@pytest.mark.parametrize(
    "tamper",
    [
        lambda w: w + "; touch {marker}",
        lambda w: w + " && touch {marker}",
        lambda w: w.replace(" < /dev/null && pwd", " < /dev/null && touch {marker} && pwd"),
        lambda w: "touch {marker} && " + w,
        lambda w: w.replace("2>/dev/null || true", "2>/dev/null; touch {marker} || true"),
    ],
)
def test_tampered_wrapper_is_refused_even_under_elevated(serve: Serve, enforce_env: dict[str, str], project: Path,
                                                          snapshot: str, tmp_path: Path,
                                                          tamper: Callable[[str], str]) -> None:
    marker = tmp_path / "marker"
    server = serve("elevated")
    wrapped = tamper(wrap("echo fine", snapshot)).replace("{marker}", str(marker))
    result = run_gate([server.gate_path], wrapped, enforce_env, project)
    assert result.returncode == REFUSED and not marker.exists(), result.stderr
    assert "[gate.shape]" in result.stderr


def test_a_foreign_snapshot_is_refused(serve: Serve, enforce_env: dict[str, str], project: Path,
                                       tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    hostile = project / "snapshot-bash-1-abc.sh"  # in the (untrusted) repository
    hostile.write_text(f"touch {marker}\n")
    hostile.chmod(0o600)
    server = serve("elevated")
    result = run_gate([server.gate_path], wrap("echo fine", str(hostile)), enforce_env, project)
    assert result.returncode == REFUSED and not marker.exists()
    assert "[gate.snapshot]" in result.stderr


def test_a_tampered_snapshot_is_refused(serve: Serve, enforce_env: dict[str, str], project: Path,
                                        snapshot: str) -> None:
    os.chmod(snapshot, 0o666)
    server = serve("elevated")
    result = run_gate([server.gate_path], wrap("echo fine", snapshot), enforce_env, project)
    assert result.returncode == REFUSED and "[gate.snapshot]" in result.stderr


def test_plain_command_lines_are_judged_whole(serve: Serve, enforce_env: dict[str, str], project: Path,
                                              tmp_path: Path) -> None:
    """Shell-form hooks and stdio MCP servers reach the prefix as plain command lines."""
    marker = tmp_path / "marker"
    assert run_gate([serve("restricted").gate_path], f"touch {marker}", enforce_env, project).returncode == REFUSED
    assert not marker.exists()
    assert run_gate([serve("standard").gate_path], f"touch {marker}", enforce_env, project).returncode == 0
    assert marker.exists()


def test_shell_startup_code_from_the_environment_is_not_run(serve: Serve, enforce_env: dict[str, str],
                                                             project: Path, snapshot: str, tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    startup = tmp_path / "startup.sh"
    startup.write_text(f"touch {marker}\n")
    env = {**enforce_env, "BASH_ENV": str(startup), "BASH_FUNC_echo%%": f"() {{ touch {marker}; }}"}
    result = run_gate([serve("standard").gate_path], wrap("echo ok", snapshot), env, project)
    assert result.stdout == "ok\n" and not marker.exists()


def test_server_gone_decides_in_process(serve: Serve, enforce_env: dict[str, str], project: Path, snapshot: str,
                                        tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    cwd_file = str(tmp_path / "claude-1a2b-cwd")
    server = serve("restricted")
    server.stop()
    env = {**enforce_env, "CLAUDE_ENTERPRISE_PROFILE": "standard"}  # a repository's env cannot widen it
    result = run_gate([server.gate_path], claude_wrap(f"touch {marker}", snapshot, cwd_file), env, project)
    assert result.returncode == REFUSED and not marker.exists()
    assert run_gate([server.gate_path], claude_wrap("git --version", snapshot, cwd_file), env, project).returncode == 0
    assert [(e["profile"], e["wrapper"]) for e in decisions(enforce_env)] == [("restricted", "unreachable")] * 2


def test_standalone_gate_resolves_the_profile(enforce_env: dict[str, str], project: Path, snapshot: str,
                                              tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    cwd_file = str(tmp_path / "claude-1a2b-cwd")
    env = {**enforce_env, "CLAUDE_ENTERPRISE_PROFILE": "plan-only"}
    result = run_gate(standalone_gate(), claude_wrap(f"touch {marker}", snapshot, cwd_file), env, project)
    assert result.returncode == REFUSED and not marker.exists()
    env["CLAUDE_ENTERPRISE_PROFILE"] = "standard"
    assert run_gate(standalone_gate(), claude_wrap(f"touch {marker}", snapshot, cwd_file), env, project).returncode == 0
    assert marker.exists()


@pytest.mark.parametrize("args", [[], ["a", "b"]])
def test_anything_but_one_argument_is_refused(enforce_env: dict[str, str], project: Path, args: list[str]) -> None:
    result = run_gate(standalone_gate(), args, {**enforce_env, "CLAUDE_ENTERPRISE_PROFILE": "standard"}, project)
    assert result.returncode == REFUSED and "exactly one argument" in result.stderr
