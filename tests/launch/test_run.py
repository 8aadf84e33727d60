"""The session runner with a real child process standing in for claude: signal forwarding, exit codes,
the settings file, claude's argv and environment, and the audit events."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.support.launcher import audit_events

DATA = Path(__file__).parent / "data"
STANDIN = DATA / "standin_claude.py"
WAIT_S = 30  # a ceiling for a slow machine, never a performance assertion


@pytest.fixture
def env(tmp_path: Path, claude_home: dict[str, str]) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        **claude_home,
        "CLAUDE_ENTERPRISE_STATE_DIR": str(tmp_path / "state"),
        "PYTHONPATH": str(REPO_ROOT),
        "STANDIN_REPORT": str(tmp_path / "report.json"),
        "CLAUDE_CODE_SIMPLE": "1",
        "OTEL_RESOURCE_ATTRIBUTES": "service.name=mine",
    }


def wait_for(predicate, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + WAIT_S
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.02)


class Session:
    def __init__(self, env: dict[str, str], profile: str, args: list[str], cwd: Path) -> None:
        self.report = Path(env["STANDIN_REPORT"])
        self.proc = subprocess.Popen(
            [sys.executable, str(DATA / "run_without_enforcement.py"), profile, str(STANDIN), *args],
            env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )

    def ready(self) -> dict:
        wait_for(lambda: self.report.exists() or self.proc.poll() is not None, "the stand-in to start")
        if not self.report.exists():
            pytest.fail(f"the wrapper exited first: {self.proc.communicate()}")
        return json.loads(self.report.read_text())

    def signals(self) -> list[str]:
        log = Path(str(self.report) + ".signals")
        return log.read_text().split() if log.exists() else []

    def send(self, sig: signal.Signals) -> None:
        before = len(self.signals())
        self.proc.send_signal(sig)
        if sig != signal.SIGTERM:
            wait_for(lambda: len(self.signals()) > before, f"{sig.name} to reach the stand-in")

    def finish(self) -> int:
        self.proc.communicate(timeout=WAIT_S)
        return self.proc.returncode

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


@pytest.fixture
def session(env: dict[str, str], project_dir: Path) -> Iterator[callable]:  # type: ignore[valid-type]
    started: list[Session] = []

    def start(profile: str = "standard", args: list[str] | None = None, **extra: str) -> Session:
        s = Session({**env, **extra}, profile, args or ["-p", "hello"], project_dir)
        started.append(s)
        return s

    yield start
    for s in started:
        s.kill()
        info = json.loads(s.report.read_text()) if s.report.exists() else None
        if info:  # the stand-in must not outlive its test
            with contextlib.suppress(ProcessLookupError):
                os.kill(info["pid"], signal.SIGKILL)


def test_signals_are_forwarded_and_exit_code_passed_through(session, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    s = session(STANDIN_EXIT="42")
    info = s.ready()
    for sig in (signal.SIGINT, signal.SIGHUP, signal.SIGWINCH, signal.SIGQUIT):
        s.send(sig)
    s.send(signal.SIGTERM)
    assert s.finish() == 42
    assert s.signals() == ["SIGINT", "SIGHUP", "SIGWINCH", "SIGQUIT", "SIGTERM"]
    # claude stays in the wrapper's process group (the terminal's foreground group) with no blocked signals.
    assert info["pgid"] == os.getpgid(0)
    assert info["blocked"] == []
    events = [e for e in audit_events(tmp_path / "state") if e["type"] in ("session_start", "session_end")]
    assert [e["type"] for e in events] == ["session_start", "session_end"]
    assert events[1]["exit_code"] == 42
    assert events[0]["session_id"] == events[1]["session_id"]


def test_killed_by_a_signal_is_128_plus_n(session) -> None:  # type: ignore[no-untyped-def]
    s = session(STANDIN_EXIT="kill")
    s.ready()
    s.send(signal.SIGTERM)
    assert s.finish() == 128 + signal.SIGKILL


def test_plain_exit_code(session) -> None:  # type: ignore[no-untyped-def]
    s = session(STANDIN_EXIT_NOW="3")
    s.ready()
    assert s.finish() == 3


def test_what_claude_gets(session, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    s = session("plan-only", ["-p", "--", "--not-an-option"], STANDIN_EXIT_NOW="0")
    info = s.ready()
    assert s.finish() == 0
    argv = info["argv"]
    # Ours last, but before claude's `--`.
    assert argv[0] == "-p" and argv[-2:] == ["--", "--not-an-option"]
    ours = argv[1:-2]
    assert ours[0] == "--settings" and ours[2] == "--managed-settings" and ours[4] == "--session-id"
    assert json.loads(ours[3])["availableModels"] == ["sonnet", "haiku"]
    session_id = ours[5]
    assert info["settings_mode"] == 0o600 and info["session_dir_mode"] == 0o700
    layer = info["settings"]
    assert layer["permissions"]["defaultMode"] == "plan"
    assert layer["env"]["CLAUDE_ENTERPRISE_SESSION_ID"] == session_id
    env = info["env"]
    assert "CLAUDE_CODE_SIMPLE" not in env  # scrubbed
    assert env["CLAUDE_DEFAULT_MODE"] == "plan" and env["CLAUDE_CODE_MAX_OUTPUT_TOKENS"] == "4000"
    assert env["CLAUDE_ENTERPRISE_SESSION_ID"] == session_id
    otel = dict(kv.split("=", 1) for kv in env["OTEL_RESOURCE_ATTRIBUTES"].split(","))
    assert otel["service.name"] == "mine" and otel["claude_enterprise.profile"] == "plan-only"
    # The session dir is gone afterwards.
    assert not Path(ours[1]).exists()


def test_user_session_id_adopted_and_resume_gets_none(session) -> None:  # type: ignore[no-untyped-def]
    sid = "0b9c3c1e-6a58-4b8a-9a0e-7c1f0f2d4e11"
    s = session("standard", ["--session-id", sid, "-p", "x"], STANDIN_EXIT_NOW="0")
    info = s.ready()
    s.finish()
    assert info["argv"].count("--session-id") == 1 and info["env"]["CLAUDE_ENTERPRISE_SESSION_ID"] == sid


def test_resume_without_fork_gets_no_session_id(session) -> None:  # type: ignore[no-untyped-def]
    s = session("standard", ["--continue", "-p", "x"], STANDIN_EXIT_NOW="0")
    info = s.ready()
    s.finish()
    assert "--session-id" not in info["argv"]


def test_terminal_ctrl_c_reaches_claude_once(env: dict[str, str], project_dir: Path) -> None:
    """^C on the terminal goes to the whole foreground group: claude gets it from the terminal and the
    wrapper must not forward a second copy (two ^C quit Claude Code)."""
    import fcntl
    import pty
    import termios

    master, slave = pty.openpty()

    def controlling_tty() -> None:
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen(
        [sys.executable, str(DATA / "run_without_enforcement.py"), "standard", str(STANDIN), "-p", "x"],
        env={**env, "STANDIN_EXIT": "7"}, cwd=project_dir, stdin=slave, stdout=slave, stderr=slave,
        start_new_session=True, preexec_fn=controlling_tty,
    )
    os.close(slave)
    report = Path(env["STANDIN_REPORT"])
    signals = Path(str(report) + ".signals")
    try:
        wait_for(report.exists, "the stand-in to start")
        os.write(master, b"\x03")
        wait_for(signals.exists, "SIGINT from the terminal")
        proc.send_signal(signal.SIGTERM)  # a kill() from a process: forwarded
        proc.wait(timeout=WAIT_S)
        assert proc.returncode == 7
        assert signals.read_text().split() == ["SIGINT", "SIGTERM"]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signals are Linux only")
def test_claude_ends_when_the_wrapper_is_killed(session) -> None:  # type: ignore[no-untyped-def]
    """kill -9 of the wrapper (its decision server and guard with it) must not leave claude running on."""
    s = session()
    info = s.ready()
    s.proc.kill()  # SIGKILL: no handler, no cleanup in the wrapper
    s.proc.communicate(timeout=WAIT_S)
    wait_for(lambda: "SIGTERM" in s.signals(), "claude to get SIGTERM from the wrapper's death")

    def gone() -> bool:
        try:
            os.kill(info["pid"], 0)
        except ProcessLookupError:
            return True
        return False

    wait_for(gone, "claude to exit")
