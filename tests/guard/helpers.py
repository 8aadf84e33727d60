"""Helpers for the guard tests: reading the spool, waiting, and processes that never outlive a test."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil

SPAWNER = Path(__file__).with_name("spawner.py")


def events(spool_dir: Path, event_type: str | None = None) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for segment in sorted(spool_dir.glob("seg-*.jsonl")):
        for line in segment.read_text().splitlines():
            event = json.loads(line)
            if event_type is None or event["type"] == event_type:
                found.append(event)
    return found


def wait_until(predicate: Callable[[], Any], timeout: float = 15.0) -> Any:
    """Poll `predicate` until truthy; returns its last value (the caller asserts on it)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.01)


def read_pid(path: Path) -> int:
    """The pid a test process wrote to `path`, once the whole line is there (shells write non-atomically)."""
    text = wait_until(lambda: path.exists() and path.read_text().endswith("\n") and path.read_text())
    assert text, f"{path} never written"
    return int(text)


def gone(pid: int, create_time: float | None = None) -> bool:
    """True when the process has exited (a zombie counts: it runs nothing)."""
    try:
        proc = psutil.Process(pid)
        if create_time is not None and abs(proc.create_time() - create_time) > 0.01:
            return True
        return proc.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def identity(pid: int) -> float:
    return psutil.Process(pid).create_time()


class Procs:
    """Every process a test starts (and those its processes start), killed and reaped at teardown."""

    def __init__(self) -> None:
        self.started: list[subprocess.Popen[bytes]] = []
        self.known: list[tuple[int, float]] = []

    def spawn(self, argv: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(argv, **kwargs)
        self.started.append(proc)
        self.adopt(proc.pid)
        return proc

    def spawner(self, mode: str, program: str, pidfile: Path, *args: str, env: dict[str, str] | None = None,
                new_session: bool = False) -> subprocess.Popen[bytes]:
        return self.spawn([sys.executable, str(SPAWNER), mode, program, str(pidfile), *args], env=env,
                          start_new_session=new_session)

    def adopt(self, pid: int) -> None:
        with contextlib.suppress(psutil.NoSuchProcess):
            self.known.append((pid, identity(pid)))
            for child in psutil.Process(pid).children(recursive=True):
                with contextlib.suppress(psutil.NoSuchProcess):
                    self.known.append((child.pid, child.create_time()))

    def cleanup(self) -> None:
        for pid, _ in list(self.known):
            self.adopt(pid)  # children started since
        for pid, created in self.known:
            with contextlib.suppress(psutil.NoSuchProcess, ProcessLookupError):
                proc = psutil.Process(pid)
                if abs(proc.create_time() - created) < 0.01:
                    proc.send_signal(signal.SIGKILL)
        for proc in self.started:
            proc.wait(timeout=10)
        for pid, _ in self.known:  # orphans adopted by this process while it was a subreaper
            with contextlib.suppress(ChildProcessError, OSError):
                os.waitpid(pid, os.WNOHANG)
