"""Events from a real Claude Code session (the real binary, decisions by the DecisionServer) are shipped to a
moto server and verify remotely with `audit verify --remote`; an event forged into the stream is caught."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from claude_enterprise.audit.events import event_hash, parse_ts_ms
from claude_enterprise.audit.shipper import ship
from claude_enterprise.audit.spool import iter_lines
from tests.audit.helpers import subprocess_env
from tests.enforce.conftest import decisions
from tests.enforce.test_e2e_claude import Serve, bash, run_claude
from tests.support.fake_model import FakeModel, Text
from tests.support.moto import moto_server

pytestmark = pytest.mark.e2e
REGION = "us-east-1"


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    with moto_server() as url:
        yield url


def verify_remote_cli(url: str, group: str) -> subprocess.CompletedProcess[str]:
    env = {**subprocess_env(), "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_EC2_METADATA_DISABLED": "true"}
    return subprocess.run([sys.executable, "-m", "claude_enterprise.cli.audit_cmd", "verify", "--remote",
                           "--region", REGION, "--endpoint-url", url, "--log-group", group],
                          capture_output=True, text=True, env=env, timeout=120)


def test_a_real_session_ships_and_verifies_remotely_and_a_forgery_is_caught(
    claude_bin: Path, fake_model: FakeModel, serve: Serve, enforce_env: dict[str, str], project: Path,
    tmp_path: Path, moto_url: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_EC2_METADATA_DISABLED": "true"}.items():
        monkeypatch.setenv(key, value)
    server = serve("restricted")
    fake_model.queue(bash(f"curl -s http://127.0.0.1:9/{tmp_path.name}"), bash("git status"), Text("done"))
    layer = {"disableAllHooks": False, **server.settings_fragment()}
    result = run_claude(claude_bin, fake_model, {**enforce_env, **server.env()}, project, layer)
    assert result.returncode == 0, result.stderr
    assert {e["decision"] for e in decisions(enforce_env)} == {"allow", "deny"}
    spool = Path(enforce_env["CLAUDE_ENTERPRISE_STATE_DIR"]) / "audit"
    group = f"/claude-code/enterprise/e2e-{tmp_path.name[-12:]}"
    report = ship(spool, log_group=group, region=REGION, endpoint_url=moto_url, stream_name="dev/laptop")
    assert report.ok and report.shipped >= 2
    verified = verify_remote_cli(moto_url, group)
    assert verified.returncode == 0, verified.stderr
    assert f"dev/laptop: chain intact: {report.shipped} event(s)" in verified.stdout
    # A forger with PutLogEvents rights turns the denied curl into an allowed one, re-hashing it.
    lines = [json.loads(raw) for _, _, _, raw in iter_lines(spool)]
    denied = next(e for e in lines if e.get("decision") == "deny")
    forged = {**denied, "decision": "allow", "rule_id": "shell.allow"}
    forged["hash"] = event_hash(forged)
    logs = boto3.client("logs", region_name=REGION, endpoint_url=moto_url)
    logs.create_log_stream(logGroupName=group, logStreamName="dev/laptop-forged")
    logs.put_log_events(logGroupName=group, logStreamName="dev/laptop-forged", logEvents=[
        {"timestamp": parse_ts_ms(e["ts"]), "message": json.dumps(forged if e is denied else e)} for e in lines])
    caught = verify_remote_cli(moto_url, group)
    assert caught.returncode == 1
    # the re-hashed event is self-consistent; the next event's link to it is what breaks, and is named
    assert "dev/laptop-forged: chain BROKEN" in caught.stderr
    assert f"(seq {denied['seq'] + 1}, event " in caught.stderr and "prev_hash does not match" in caught.stderr
    assert "dev/laptop: chain intact" in caught.stdout
