"""Shipping to a real moto server: events arrive in the right group and stream, byte for byte."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from claude_enterprise.audit import AuditContext, record, spool_status
from claude_enterprise.audit.shipper import BackgroundShipper, default_stream_name, logs_client, ship
from claude_enterprise.audit.spool import iter_lines, read_cursor
from tests.audit.faultproxy import FaultProxy
from tests.audit.helpers import REGION, read_stream, subprocess_env

CTX = AuditContext(session_id="sess-9", profile="restricted", user={"sub": "u-1", "email": "a@example.com"},
                   tags={"department": "eng", "cost_center": "cc1", "team": "t"}, host="laptop")


def spool_messages(spool: Path) -> list[str]:
    return [raw.decode() for _, _, _, raw in iter_lines(spool)]


def wait_until(predicate: Any, timeout: float = 30.0) -> None:
    """Poll for an outcome (not a timing assertion: the bound only keeps a broken run from hanging)."""
    end = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < end, "condition not reached"
        time.sleep(0.05)


def test_hook_decisions_arrive_in_group_and_stream_identical(
        spool_dir: Path, moto_url: str, log_group: str, logs: Any) -> None:
    record("session_start", CTX, spool_dir=spool_dir)
    for i in range(5):
        record("tool_decision", CTX, spool_dir=spool_dir, tool_use_id=f"toolu_{i}", decision="deny",
               rule_id="shell.deny.curl", reason="curl is denied", command=f"curl https://x/{i}")
    report = ship(spool_dir, log_group=log_group, region=REGION, endpoint_url=moto_url, stream_name="u-1/laptop",
                  retention_days=30)
    assert report.ok, report.summary()
    assert (report.shipped, report.remaining) == (6, 0)
    assert read_stream(logs, log_group, "u-1/laptop") == spool_messages(spool_dir)
    [group] = logs.describe_log_groups(logGroupNamePrefix=log_group)["logGroups"]
    assert group["retentionInDays"] == 30
    decision = json.loads(read_stream(logs, log_group, "u-1/laptop")[1])
    assert decision["Denials"] == 1 and decision["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "ClaudeCode/Enterprise"
    assert spool_status(spool_dir).depth == 0


def test_cursor_moves_only_forward_and_nothing_is_sent_twice(
        spool_dir: Path, moto_url: str, log_group: str, logs: Any) -> None:
    record("session_start", CTX, spool_dir=spool_dir)
    ship(spool_dir, log_group=log_group, region=REGION, endpoint_url=moto_url, stream_name="s")
    first = read_cursor(spool_dir)
    again = ship(spool_dir, log_group=log_group, region=REGION, endpoint_url=moto_url, stream_name="s")
    assert (again.shipped, again.calls) == (0, 0) and read_cursor(spool_dir) == first
    record("session_end", CTX, spool_dir=spool_dir)
    later = ship(spool_dir, log_group=log_group, region=REGION, endpoint_url=moto_url, stream_name="s")
    assert later.shipped == 1
    assert read_stream(logs, log_group, "s") == spool_messages(spool_dir)


def test_kms_key_is_set_when_the_group_is_created(spool_dir: Path, moto_url: str, log_group: str,
                                                   logs: Any) -> None:
    record("session_start", CTX, spool_dir=spool_dir)
    key = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000"
    report = ship(spool_dir, log_group=log_group, region=REGION, endpoint_url=moto_url, stream_name="s",
                  kms_key_id=key)
    assert report.ok
    [group] = logs.describe_log_groups(logGroupNamePrefix=log_group)["logGroups"]
    assert group.get("kmsKeyId") == key


def test_default_stream_is_per_user_and_host() -> None:
    assert default_stream_name("alice", "mac:1*") == "alice/mac_1_"
    assert default_stream_name().count("/") == 1


def test_client_is_cached_per_endpoint(moto_url: str) -> None:
    assert logs_client(REGION, moto_url) is logs_client(REGION, moto_url)


def test_background_shipper_ships_while_running_and_flushes_on_stop(
        spool_dir: Path, moto_url: str, log_group: str, logs: Any) -> None:
    shipper = BackgroundShipper(spool_dir, log_group=log_group, region=REGION, endpoint_url=moto_url,
                                stream_name="bg", interval=0.2)
    shipper.start()
    try:
        for i in range(20):
            record("tool_decision", CTX, spool_dir=spool_dir, decision="allow", command=f"ls {i}")
        shipper.notify()
        wait_until(lambda: spool_status(spool_dir).depth == 0)
        record("session_end", CTX, spool_dir=spool_dir)
    finally:
        report = shipper.stop(deadline=3.0)
    assert report is not None and report.ok, report
    assert read_stream(logs, log_group, "bg") == spool_messages(spool_dir)


def test_stop_never_waits_for_a_dead_endpoint_and_leaves_events_for_later(
        spool_dir: Path, proxy: FaultProxy, log_group: str, logs: Any) -> None:
    proxy.down = True
    shipper = BackgroundShipper(spool_dir, log_group=log_group, region=REGION, endpoint_url=proxy.url,
                                stream_name="late", interval=0.1)
    shipper.start()
    for _ in range(3):
        record("session_start", CTX, spool_dir=spool_dir)
    shipper.stop(deadline=1.0)
    assert spool_status(spool_dir).depth == 3  # nothing acknowledged, nothing lost
    proxy.down = False
    report = ship(spool_dir, log_group=log_group, region=REGION, endpoint_url=proxy.url, stream_name="late")
    assert report.ok and report.remaining == 0
    assert read_stream(logs, log_group, "late") == spool_messages(spool_dir)


def test_cli_ship_and_list(spool_dir: Path, moto_url: str, log_group: str, logs: Any) -> None:
    record("session_start", CTX, spool_dir=spool_dir)
    record("tool_decision", CTX, spool_dir=spool_dir, decision="deny", rule_id="r.curl", command="curl x")
    record("tool_decision", AuditContext(session_id="other"), spool_dir=spool_dir, decision="allow", command="ls")
    base = [sys.executable, "-m", "claude_enterprise.cli.audit_cmd"]
    env = subprocess_env()

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*base, *args], capture_output=True, text=True, env=env, timeout=60)

    listed = run("--spool-dir", str(spool_dir), "--decision", "deny", "--json")
    assert listed.returncode == 0
    assert [json.loads(x)["rule_id"] for x in listed.stdout.splitlines()] == ["r.curl"]
    table = run("list", "--spool-dir", str(spool_dir), "--session", "sess-9", "--since", "1h")
    assert table.returncode == 0 and "TYPE" in table.stdout and "r.curl" in table.stdout
    assert "ls" not in table.stdout.split("\n", 1)[1].split()
    last = run("--spool-dir", str(spool_dir), "--limit", "1", "--json")
    assert json.loads(last.stdout)["session_id"] == "other"
    assert run("--spool-dir", str(spool_dir), "--type", "usage", "--json").stdout == ""
    bad = run("--spool-dir", str(spool_dir), "--since", "yesterday")
    assert bad.returncode == 2 and "--since" in bad.stderr

    shipped = run("ship", "--spool-dir", str(spool_dir), "--log-group", log_group, "--region", REGION,
                  "--endpoint-url", moto_url, "--stream-name", "cli")
    assert shipped.returncode == 0, shipped.stderr
    assert "shipped 3 event(s)" in shipped.stdout
    assert read_stream(logs, log_group, "cli") == spool_messages(spool_dir)


def test_cli_ship_without_region_is_a_usage_error(spool_dir: Path, monkeypatch: Any) -> None:
    env = subprocess_env()
    for key in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        env.pop(key, None)
    result = subprocess.run([sys.executable, "-m", "claude_enterprise.cli.audit_cmd", "ship", "--spool-dir",
                             str(spool_dir)], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 2 and "--region" in result.stderr
