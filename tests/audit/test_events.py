"""The event schema: built in one place, attributed, redacted, chained, with embedded metrics."""

from __future__ import annotations

import json
import re
import uuid
from itertools import pairwise
from pathlib import Path

import pytest

from claude_enterprise import __version__
from claude_enterprise.audit import SCHEMA, AuditContext, AuditWriteError, record
from claude_enterprise.audit.events import GENESIS_HASH, event_hash, parse_ts_ms, rfc3339_ms

CTX = AuditContext(session_id="sess-1", profile="restricted",
                   user={"sub": "u-123", "email": "dev@example.com", "identity_id": "us-east-1:abc"},
                   tags={"department": "eng", "cost_center": "cc-42", "team": "platform"}, host="laptop-7")


def spool_lines(spool: Path) -> list[dict[str, object]]:
    return [json.loads(line) for path in sorted(spool.glob("seg-*.jsonl")) for line in path.open()]


def test_event_has_every_schema_field_and_attribution(spool_dir: Path) -> None:
    event = record("tool_decision", CTX, spool_dir=spool_dir, tool_use_id="toolu_1", decision="deny",
                   rule_id="shell.deny.curl", reason="curl is not allowed", command="curl example.com")
    for key in ("schema", "event_id", "ts", "seq", "type", "session_id", "tool_use_id", "user", "tags",
                "profile", "host", "decision", "rule_id", "reason", "command", "version", "prev_hash", "hash"):
        assert key in event, key
    assert event["schema"] == SCHEMA
    assert uuid.UUID(str(event["event_id"])).version == 4
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", str(event["ts"]))
    assert event["user"] == {"sub": "u-123", "email": "dev@example.com", "identity_id": "us-east-1:abc"}
    assert event["tags"] == {"department": "eng", "cost_center": "cc-42", "team": "platform"}
    assert (event["profile"], event["host"], event["session_id"]) == ("restricted", "laptop-7", "sess-1")
    assert event["version"] == __version__
    assert event["seq"] == 1 and event["prev_hash"] == GENESIS_HASH
    assert event["hash"] == event_hash(event)
    # What was returned is exactly what was written.
    assert spool_lines(spool_dir) == [event]


def test_common_fields_present_as_null_and_extra_fields_kept(spool_dir: Path) -> None:
    event = record("session_start", spool_dir=spool_dir, claude_version="2.1.197", argv=["-p", "hi"])
    assert event["tool_use_id"] is None and event["decision"] is None and event["command"] is None
    assert event["claude_version"] == "2.1.197" and event["argv"] == ["-p", "hi"]
    assert event["host"]  # defaults to this machine


def test_chain_links_consecutive_events(spool_dir: Path) -> None:
    events = [record("usage", CTX, spool_dir=spool_dir, input_tokens=i) for i in range(5)]
    assert [e["seq"] for e in events] == [1, 2, 3, 4, 5]
    for prev, cur in pairwise(events):
        assert cur["prev_hash"] == prev["hash"]
    assert len({e["event_id"] for e in events}) == 5


@pytest.mark.parametrize("field", ["seq", "hash", "prev_hash", "event_id", "ts", "schema", "_aws"])
def test_spool_owned_fields_cannot_be_forged(spool_dir: Path, field: str) -> None:
    with pytest.raises(ValueError, match=field):
        record("usage", spool_dir=spool_dir, **{field: "forged"})


@pytest.mark.parametrize("bad", ["", "Tool Decision", "x" * 80, "1abc", "a-b", "tool_decisions", "new_event"])
def test_undeclared_event_type_is_refused(spool_dir: Path, bad: str) -> None:
    with pytest.raises(ValueError, match="not a declared audit event type"):
        record(bad, spool_dir=spool_dir)
    assert not spool_dir.exists()


def test_secrets_redacted_in_every_string_field_before_writing(spool_dir: Path) -> None:
    secret = "AKIAIOSFODNN7EXAMPLE"
    record("tool_decision", CTX, spool_dir=spool_dir, decision="allow",
           command=f"aws s3 ls --password hunter2 && export GITHUB_TOKEN=ghp_{'a' * 36}",
           reason=f"key {secret} seen", nested={"url": "https://bob:s3cr3t@db.example.com/x", "list": [secret]},
           password="plain-value")
    raw = "".join(path.read_text() for path in spool_dir.glob("seg-*.jsonl"))
    for leaked in (secret, "hunter2", "ghp_aaaa", "s3cr3t", "plain-value"):
        assert leaked not in raw, leaked
    event = spool_lines(spool_dir)[0]
    assert event["nested"] == {"url": "https://bob:[REDACTED]@db.example.com/x", "list": ["[REDACTED]"]}
    assert event["password"] == "[REDACTED]"


def test_non_json_values_are_stringified_then_redacted(spool_dir: Path) -> None:
    event = record("usage", spool_dir=spool_dir, path=Path("/x/y"), ratio=float("nan"),
                   obj=type("T", (), {"__str__": lambda self: "token=abcdef123"})())
    assert event["path"] == "/x/y" and event["ratio"] == "nan"
    assert event["obj"] == "token=[REDACTED]"


def test_deny_carries_embedded_metric_by_profile(spool_dir: Path) -> None:
    deny = record("tool_decision", CTX, spool_dir=spool_dir, decision="deny")
    allow = record("tool_decision", CTX, spool_dir=spool_dir, decision="allow")
    meta = deny["_aws"]["CloudWatchMetrics"][0]  # type: ignore[index]
    assert meta["Namespace"] == "ClaudeCode/Enterprise"
    assert ["Profile"] in meta["Dimensions"]
    assert {m["Name"] for m in meta["Metrics"]} == {"Denials", "ToolDecisions"}
    assert deny["Denials"] == 1 and deny["Profile"] == "restricted"
    assert deny["_aws"]["Timestamp"] == parse_ts_ms(str(deny["ts"]))  # type: ignore[index]
    assert "Denials" not in allow and allow["ToolDecisions"] == 1


@pytest.mark.parametrize(("event_type", "metric"), [
    ("session_start", "Sessions"), ("exec_blocked", "Denials"), ("process_killed", "ProcessesKilled"),
    ("policy_violation", "PolicyViolations"), ("launch_refused", "LaunchRefusals"),
])
def test_metric_per_event_type(spool_dir: Path, event_type: str, metric: str) -> None:
    event = record(event_type, AuditContext(), spool_dir=spool_dir)
    assert event[metric] == 1 and event["Profile"] == "unknown"


def test_usage_metrics_carry_values(spool_dir: Path) -> None:
    event = record("usage", CTX, spool_dir=spool_dir, input_tokens=120, output_tokens=30, cost_usd=0.25)
    assert (event["InputTokens"], event["OutputTokens"], event["CostUSD"]) == (120, 30, 0.25)


def test_timestamp_round_trip() -> None:
    assert rfc3339_ms(0) == "1970-01-01T00:00:00.000Z"
    assert rfc3339_ms(1700000000.1234) == "2023-11-14T22:13:20.123Z"
    assert parse_ts_ms("2023-11-14T22:13:20.123Z") == 1700000000123


def test_unwritable_spool_raises_audit_write_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(AuditWriteError, match="cannot create audit spool"):
        record("session_start", spool_dir=blocker / "audit")


def test_disk_full_raises_and_leaves_no_partial_line(spool_dir: Path) -> None:
    record("session_start", spool_dir=spool_dir)
    full = spool_dir / "seg-00000002.jsonl"
    # The next segment would be created at rotation; point it at a device that is always full.
    full.symlink_to("/dev/full")
    with pytest.raises(AuditWriteError, match="disk full"):
        record("session_start", spool_dir=spool_dir)
