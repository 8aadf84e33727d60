"""Fixtures for the audit tests: a real moto server process, a fault-injecting proxy in front of it,
and helpers to read back what CloudWatch received."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.audit.faultproxy import FaultProxy
from tests.audit.helpers import REGION, free_port


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


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen([*moto_command(), "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for_port(port, proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Dummy credentials for boto3; nothing may reach a real AWS endpoint or the user's state dir."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("CLAUDE_ENTERPRISE_STATE_DIR", str(tmp_path / "state"))


@pytest.fixture
def spool_dir(tmp_path: Path) -> Path:
    return tmp_path / "spool"


@pytest.fixture
def log_group() -> str:
    """A fresh log group per test: the moto server is shared by the whole session."""
    return f"/claude-code/enterprise/audit-test-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def proxy(moto_url: str) -> Iterator[FaultProxy]:
    upstream = int(moto_url.rsplit(":", 1)[1])
    server = FaultProxy(upstream)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def logs(moto_url: str) -> Any:
    """A plain boto3 client on the moto server, for reading back."""
    import boto3

    return boto3.client("logs", region_name=REGION, endpoint_url=moto_url)
