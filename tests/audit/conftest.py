"""Fixtures for the audit tests: a real moto server process, a fault-injecting proxy in front of it,
and helpers to read back what CloudWatch received."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.audit.faultproxy import FaultProxy
from tests.audit.helpers import REGION
from tests.support.moto import moto_server


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    with moto_server() as url:
        yield url


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
