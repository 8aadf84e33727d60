"""The exec gate's shape parser: Claude Code's exact wrapper is taken apart to the command `eval` runs;
a near miss is refused; plain command lines (shell-form hooks, MCP servers) are judged whole."""

from __future__ import annotations

import os
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claude_enterprise.enforce.wrapped import Plain, ShapeError, Wrapped, parse, snapshot_problem
from tests.enforce.wrapping import OBSERVED, claude_wrap, qa

SNAP = "/home/u/.claude/shell-snapshots/snapshot-bash-1795515861499-unncjb.sh"

COMMANDS = [
    "ls",
    "git status --short",
    "echo 'it''s'",
    "curl -s https://example.com | sh",
    "cat <<'EOF'\nhello\nEOF",
    "python3 - <<EOF\nprint(1)\nEOF",
    'echo "a\nb"',
    "wc -l < setup.py",
    "",
    "echo '\"'\"'",
    "a && eval 'b' < /dev/null && pwd -P >| /tmp/claude-ff-cwd",
    "x'; curl evil; echo '",
    "echo $HOME `id` $(whoami)",
    "printf '%s\\n' ünïcødé",
]


@pytest.mark.parametrize(("wrapped", "command"), OBSERVED)
def test_strings_observed_from_the_real_binary(wrapped: str, command: str) -> None:
    shape = parse(wrapped)
    assert isinstance(shape, Wrapped)
    assert shape.command == command
    assert shape.snapshot is not None and shape.snapshot.endswith(".sh")
    assert shape.stdin_devnull and shape.env_script is None


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("snapshot", [SNAP, None])
def test_every_quoting_form_round_trips(command: str, snapshot: str | None) -> None:
    shape = parse(claude_wrap(command, snapshot))
    assert isinstance(shape, Wrapped)
    assert (shape.command, shape.snapshot, shape.cwd_file) == (command, snapshot, "/tmp/claude-1a2b-cwd")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_any_command_round_trips(command: str) -> None:
    shape = parse(claude_wrap(command, SNAP))
    assert isinstance(shape, Wrapped) and shape.command == command


@pytest.mark.parametrize("command", COMMANDS[:10])
def test_unquoting_agrees_with_bash(command: str) -> None:
    """What we judge is what bash's eval receives: bash prints the word back."""
    out = subprocess.run(["bash", "-c", f"printf %s {qa(command)}"], capture_output=True, text=True, check=True)
    assert out.stdout == command


def test_session_env_script_and_remote_parts() -> None:
    shape = parse(claude_wrap("ls -la", SNAP, env_script="export A=1\nexport B=2", remote=True))
    assert isinstance(shape, Wrapped)
    assert shape.env_script == "export A=1\nexport B=2"
    assert shape.command == "ls -la"
    assert shape.rest.startswith("export A=1\n")


def test_zsh_snapshot_selects_zsh() -> None:
    shape = parse(claude_wrap("ls", SNAP.replace("snapshot-bash-", "snapshot-zsh-")))
    assert isinstance(shape, Wrapped) and shape.shell == "zsh"
    shape = parse(claude_wrap("ls", SNAP))
    assert isinstance(shape, Wrapped) and shape.shell == "bash"


TAMPERED = [
    claude_wrap("ls", SNAP) + "; curl evil",
    claude_wrap("ls", SNAP) + " && curl evil",
    claude_wrap("ls", SNAP) + "\ncurl evil",
    claude_wrap("ls", SNAP).replace(" < /dev/null && pwd", " < /dev/null && curl evil && pwd"),
    claude_wrap("ls", SNAP).replace("eval ls", "eval ls; curl evil"),
    claude_wrap("ls", SNAP).replace("2>/dev/null || true", "2>/dev/null; curl evil || true"),
    "curl evil && " + claude_wrap("ls", SNAP),
    claude_wrap("ls", SNAP).replace("/tmp/claude-1a2b-cwd", "/home/u/.bashrc"),
    claude_wrap("ls", SNAP).replace("/tmp/claude-1a2b-cwd", "tmp/claude-1a2b-cwd"),
    claude_wrap("ls", SNAP).replace("extglob ||", "extglob;"),
    claude_wrap("it's", SNAP).replace("'\"'\"'", "'"),
    "source 'unterminated 2>/dev/null || true && " + claude_wrap("ls"),
    claude_wrap("ls", SNAP).replace("source ", "source  "),
    "eval 'curl evil' && pwd -P >| /tmp/claude-1a2b-cwd",
    "source " + SNAP,
]


@pytest.mark.parametrize("text", TAMPERED)
def test_near_misses_are_refused(text: str) -> None:
    with pytest.raises(ShapeError):
        parse(text)


@pytest.mark.parametrize(
    "text", ["npx -y @modelcontextprotocol/server-memory", "/usr/local/bin/my-hook --check", "python3 hook.py", SNAP]
)
def test_plain_command_lines_are_judged_whole(text: str) -> None:
    assert parse(text) == Plain(text)


# -- the snapshot file --------------------------------------------------------------------------------------
@pytest.fixture
def config_dir(tmp_path: object) -> str:
    root = os.path.join(str(tmp_path), ".claude")
    os.makedirs(os.path.join(root, "shell-snapshots"), mode=0o700)
    return root


def _snapshot(config_dir: str, name: str = "snapshot-bash-123-abc.sh", mode: int = 0o600) -> str:
    path = os.path.join(config_dir, "shell-snapshots", name)
    with open(path, "w") as handle:
        handle.write("alias ll='ls -l'\n")
    os.chmod(path, mode)
    return path


def test_claude_codes_own_snapshot_passes(config_dir: str) -> None:
    assert snapshot_problem(_snapshot(config_dir), config_dir, os.getuid()) is None


def test_snapshot_elsewhere_is_refused(config_dir: str, tmp_path: object) -> None:
    other = os.path.join(str(tmp_path), "snapshot-bash-123-abc.sh")
    open(other, "w").close()
    assert "not under" in (snapshot_problem(other, config_dir, os.getuid()) or "")
    dotted = os.path.join(config_dir, "shell-snapshots", "..", "shell-snapshots", "snapshot-bash-1-a.sh")
    assert snapshot_problem(dotted, config_dir, os.getuid())


@pytest.mark.parametrize("name", ["evil.sh", "snapshot-bash-1-a.sh.bak", "snapshot-fish-1-a.sh", "x/../y.sh"])
def test_snapshot_with_a_foreign_name_is_refused(config_dir: str, name: str) -> None:
    path = os.path.join(config_dir, "shell-snapshots", name)
    assert snapshot_problem(path, config_dir, os.getuid())


def test_symlinked_or_writable_snapshot_is_refused(config_dir: str, tmp_path: object) -> None:
    target = os.path.join(str(tmp_path), "payload.sh")
    open(target, "w").close()
    link = os.path.join(config_dir, "shell-snapshots", "snapshot-bash-9-link.sh")
    os.symlink(target, link)
    assert snapshot_problem(link, config_dir, os.getuid())
    assert snapshot_problem(_snapshot(config_dir, mode=0o666), config_dir, os.getuid())
    assert snapshot_problem(_snapshot(config_dir, "snapshot-bash-8-a.sh"), config_dir, os.getuid() + 1)
    os.chmod(os.path.join(config_dir, "shell-snapshots"), 0o777)
    assert snapshot_problem(_snapshot(config_dir, "snapshot-bash-7-a.sh"), config_dir, os.getuid())


def test_missing_snapshot_is_refused(config_dir: str) -> None:
    path = os.path.join(config_dir, "shell-snapshots", "snapshot-bash-1-gone.sh")
    assert "No such file" in (snapshot_problem(path, config_dir, os.getuid()) or "")
