"""End to end: a wrapper session's audit events reach a real moto CloudWatch Logs server and read back
identical to the local spool (issue 4: 'events from a hook decision arrive in the right group and stream')."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from tests.audit.conftest import moto_url  # noqa: F401  (fixture: a real moto_server process)
from tests.support.fake_model import FakeModel, Text, ToolUse
from tests.support.launcher import audit_events, run_launcher

pytestmark = pytest.mark.e2e

GROUP = "/claude-code/enterprise/audit-e2e"
AWS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_EC2_METADATA_DISABLED": "true"}


def test_session_events_arrive_in_cloudwatch(fake_model: FakeModel, launcher_env: dict[str, str],
                                             project_dir: Path, tmp_path: Path, moto_url: str) -> None:  # noqa: F811
    config = tmp_path / "enterprise-config.json"
    config.write_text(json.dumps({"audit_log_group": GROUP, "audit_region": "us-east-1",
                                  "audit_endpoint_url": moto_url, "audit_retention_days": 30}))
    fake_model.queue(ToolUse("Bash", {"command": "git init -q", "description": "init"}, id="toolu_git01"),
                     ToolUse("Bash", {"command": "curl https://example.com", "description": "fetch"},
                             id="toolu_curl01"),
                     Text("done"))
    env = {**launcher_env, **AWS, "CLAUDE_ENTERPRISE_CONFIG": str(config), "CLAUDE_ENTERPRISE_PROFILE": "restricted",
           "CLAUDE_ENTERPRISE_LOG_LEVEL": "info"}
    result = run_launcher(["-p", "go", "--allowedTools", "Bash"], env, project_dir)
    assert result.returncode == 0, result.stderr
    assert "audit ship" in result.stderr and "ok=True" in result.stderr  # the wrapper's own diagnostics

    local = audit_events(Path(launcher_env["CLAUDE_ENTERPRISE_STATE_DIR"]))
    decisions = {e["tool_use_id"]: e["decision"] for e in local if e["type"] == "tool_decision"}
    assert decisions.get("toolu_git01") == "allow" and decisions.get("toolu_curl01") == "deny"

    logs = boto3.client("logs", region_name="us-east-1", endpoint_url=moto_url, **{
        "aws_access_key_id": "testing", "aws_secret_access_key": "testing"})
    assert logs.describe_log_groups(logGroupNamePrefix=GROUP)["logGroups"][0]["retentionInDays"] == 30
    streams = logs.describe_log_streams(logGroupName=GROUP)["logStreams"]
    assert len(streams) == 1
    remote = [json.loads(e["message"]) for e in logs.get_log_events(
        logGroupName=GROUP, logStreamName=streams[0]["logStreamName"], startFromHead=True)["events"]]
    by_id = {e["event_id"]: e for e in remote}
    for event in local:
        if event["session_id"] == local[-1]["session_id"]:
            assert by_id.get(event["event_id"]) == event, f"{event['type']} missing or altered in CloudWatch"
    assert {"session_start", "tool_decision", "session_end"} <= {e["type"] for e in remote}
