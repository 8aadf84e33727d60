"""`admin audit`: the compliance report over a fixture trail with known answers (duplicates included), from
the local trail and from the copy shipped to CloudWatch Logs (a moto server), in md, json and csv.

What is covered how (tests/admin/COVERAGE.md): the local report's aggregation runs in
`claude_enterprise.admin.compliance` over the spool's events and is tested here where it runs; each host's
tamper evidence is re-verified from the copy shipped to a moto server. The CloudWatch report's counts come
from Logs Insights (`stats`, which moto does not evaluate): tests/admin/test_fleet_report.py.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import boto3

from claude_enterprise.audit import AuditContext, record
from claude_enterprise.audit.events import parse_ts_ms
from claude_enterprise.audit.shipper import ship
from claude_enterprise.audit.spool import iter_lines
from tests.admin.conftest import REGION
from tests.conftest import REPO_ROOT
from tests.support.cli import CLI

ALICE = AuditContext(session_id="s-a", profile="standard", user={"sub": "u-a", "email": "alice@example.com"},
                     host="laptop-a")
BOB = AuditContext(session_id="s-b", profile="restricted", user={"sub": "u-b", "email": "bob@example.com"},
                   host="laptop-b")


def fixture_trail(spool: Path) -> None:
    """Known answers: 3 sessions (2 ended: 60 s and 180 s), 2 users on 2 hosts, 4 allows and 3 denies,
    1 violation, 1 refused launch (Region), 1 failed authentication, bob's host degraded."""
    record("session_start", ALICE, spool_dir=spool, identity_status="valid")
    record("heartbeat", ALICE, spool_dir=spool, managed_settings=True, sandbox=True, degraded=False,
           degraded_reasons=[])
    for i in range(3):
        record("tool_decision", ALICE, spool_dir=spool, decision="allow", rule_id="shell.allow", command=f"ls {i}")
    record("tool_decision", ALICE, spool_dir=spool, decision="deny", rule_id="shell.deny.curl", command="curl x")
    record("session_end", ALICE, spool_dir=spool, duration_ms=60_000, exit_code=0)
    record("session_start", BOB, spool_dir=spool, identity_status="invalid")
    record("heartbeat", BOB, spool_dir=spool, managed_settings=False, sandbox=True, degraded=True,
           degraded_reasons=["managed settings not installed"])
    record("tool_decision", BOB, spool_dir=spool, decision="allow", rule_id="shell.allow", command="pwd")
    record("exec_blocked", BOB, spool_dir=spool, decision="deny", rule_id="exec.deny.nc", command="nc -l 1")
    record("tool_decision", BOB, spool_dir=spool, decision="deny", rule_id="shell.deny.curl", command="curl y")
    record("policy_violation", BOB, spool_dir=spool, rule_id="guard.sandbox_escape", reason="tried")
    record("session_end", BOB, spool_dir=spool, duration_ms=180_000, exit_code=1)
    record("launch_refused", AuditContext(session_id="s-c", profile="standard", user=ALICE.user, host="laptop-a"),
           spool_dir=spool, decision="deny", rule_id="launch.bedrock_region")
    record("session_start", AuditContext(session_id="s-d", profile="standard", user=ALICE.user, host="laptop-a"),
           spool_dir=spool, identity_status="valid")


def admin_audit(config: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, "admin", "audit", "--config",
                           str(config), *args], capture_output=True, text=True, timeout=120, cwd=config.parent,
                          env={**os.environ, "PYTHONPATH": str(REPO_ROOT), **(env or {})})


def check_known_answers(data: dict[str, Any]) -> None:
    assert data["events"] == 16
    assert data["sessions"] == {"sessions": 3, "ended": 2, "total_minutes": 4.0, "median_seconds": 120.0,
                                "longest_seconds": 180.0}
    assert {u["user"]: (u["sessions"], u["denied"], u["violations"]) for u in data["users"]} == {
        "alice@example.com": (2, 1, 0), "bob@example.com": (1, 2, 1)}
    assert data["profiles"] == {"standard": 2, "restricted": 1}
    decisions = {(d["profile"], d["decision"], d["rule_id"]): d["count"] for d in data["decisions"]}
    assert decisions == {("standard", "allow", "shell.allow"): 3, ("standard", "deny", "shell.deny.curl"): 1,
                         ("restricted", "allow", "shell.allow"): 1, ("restricted", "deny", "exec.deny.nc"): 1,
                         ("restricted", "deny", "shell.deny.curl"): 1}
    assert [(v["user"], v["rule_id"]) for v in data["violations"]] == [("bob@example.com", "guard.sandbox_escape")]
    assert data["refused_launches"] == {"launch.bedrock_region": 1}
    assert [(f["user"], f["identity_status"]) for f in data["failed_authentications"]] == [
        ("bob@example.com", "invalid")]
    hosts = {h["host"]: h for h in data["hosts"]}
    assert hosts["laptop-a"]["status"] == "active" and hosts["laptop-b"]["status"] == "degraded"
    assert hosts["laptop-b"]["degraded_reasons"] == ["managed settings not installed"]
    assert {h["tamper_evidence"] for h in hosts.values()} == {"intact"}
    controls = " ".join(c["control"] for c in data["controls"])
    for named in ("SOC 2 CC6.1", "CC7.2", "A.9", "A.10", "A.12"):
        assert named in controls


def test_local_report_has_the_known_answers_in_every_format(tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    fixture_trail(spool)
    config = tmp_path / "enterprise-config.json"
    config.write_text(json.dumps({"security_profile": "standard"}))
    result = admin_audit(config, "--spool-dir", str(spool), "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["source"].startswith("local trail")
    check_known_answers(data)
    out = tmp_path / "report.md"
    md = admin_audit(config, "--spool-dir", str(spool), "--out", str(out))
    assert md.returncode == 0, md.stderr
    text = out.read_text()
    assert "# Claude Code compliance report" in text and "## Hosts" in text
    assert "| laptop-b | degraded |" in text and "| restricted | deny | exec.deny.nc | 1 |" in text
    csv_out = admin_audit(config, "--spool-dir", str(spool), "--format", "csv")
    rows = list(csv.reader(io.StringIO(csv_out.stdout)))
    assert rows[0] == ["section", "key", "value"] and ["summary", "events", "16"] in rows
    assert ["decisions", "standard/allow/shell.allow", "3"] in rows
    # --since / --until select by the events' own time
    lines = [json.loads(raw) for _, _, _, raw in iter_lines(spool)]
    cut = parse_ts_ms(lines[-1]["ts"])
    later = admin_audit(config, "--spool-dir", str(spool), "--format", "json", "--since",
                        time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(cut / 1000 + 2)))
    assert json.loads(later.stdout)["events"] == 0
    bad = admin_audit(config, "--spool-dir", str(spool), "--format", "pdf")
    assert bad.returncode != 0


def test_tamper_evidence_per_host_from_the_shipped_copy(tmp_path: Path) -> None:
    """Each host's chain re-verified from CloudWatch Logs (moto): intact with re-delivered duplicates, BROKEN
    (and where) for a stream whose events were edited."""
    from claude_enterprise.cli.admin_audit import _cloudwatch_tamper

    spool = tmp_path / "spool"
    fixture_trail(spool)
    group = f"/claude-code/enterprise/audit-{uuid.uuid4().hex[:8]}"
    url = os.environ["AWS_ENDPOINT_URL"]
    assert ship(spool, log_group=group, region=REGION, endpoint_url=url, stream_name="alice/laptop-a").ok
    logs = boto3.client("logs", region_name=REGION)
    messages = [raw.decode() for _, _, _, raw in iter_lines(spool)]
    # a lost PutLogEvents response: the first 6 events delivered twice
    logs.put_log_events(logGroupName=group, logStreamName="alice/laptop-a", logEvents=[
        {"timestamp": parse_ts_ms(json.loads(m)["ts"]), "message": m} for m in messages[:6]])
    assert set(_cloudwatch_tamper(logs, group).values()) == {"intact"}
    logs.create_log_stream(logGroupName=group, logStreamName="mallory/laptop-m")
    forged = [json.loads(m) for m in messages[:5]]
    for event in forged:
        event["host"] = "laptop-m"
    logs.put_log_events(logGroupName=group, logStreamName="mallory/laptop-m", logEvents=[
        {"timestamp": parse_ts_ms(e["ts"]) + i, "message": json.dumps(e)} for i, e in enumerate(forged)])
    hosts = _cloudwatch_tamper(logs, group)
    assert hosts["laptop-m"].startswith("BROKEN: stream mallory/laptop-m message 1")
    assert hosts["laptop-a"] == "intact"
