"""A real moto server process on a free loopback port, for tests that need an AWS account."""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"moto_server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"moto_server did not listen on {port} within {timeout}s")


def moto_command() -> list[str]:
    """`moto_server` from the running interpreter's environment."""
    exe = Path(sys.executable).parent / "moto_server"
    return [str(exe)] if exe.exists() else ["moto_server"]


def _die_with_parent() -> None:
    """In the child before exec: on Linux, SIGKILL when the test process dies, even by SIGKILL or a CI
    timeout, when no `finally` runs; so an interrupted run leaves no server behind either."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


@contextmanager
def moto_server() -> Iterator[str]:
    """Start moto_server, yield its URL, kill its process group on exit."""
    port = free_port()
    proc = subprocess.Popen([*moto_command(), "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                            preexec_fn=_die_with_parent)
    try:
        wait_for_port(port, proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
