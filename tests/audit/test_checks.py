"""Audit checks for `--check-policy`: spool health, backlog age, sink reachability."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from claude_enterprise.audit import record, spool_status
from claude_enterprise.audit.checks import audit_checks, sink_check, spool_checks
from claude_enterprise.audit.events import parse_ts_ms
from claude_enterprise.audit.reader import verify
from tests.audit.faultproxy import FaultProxy
from tests.audit.helpers import REGION, subprocess_env


def by_name(checks: list[dict[str, object]]) -> dict[str, dict[str, object]]:
    return {str(c["name"]): c for c in checks}


def test_local_only_trail_passes_and_reports_depth(spool_dir: Path) -> None:
    record("session_start", spool_dir=spool_dir)
    checks = by_name(audit_checks(spool_status(spool_dir)))
    assert checks["audit.spool"]["status"] == "pass"
    assert checks["audit.sink"]["status"] == "pass" and "local trail" in str(checks["audit.sink"]["detail"])
    assert "1 event(s) kept" in str(checks["audit.backlog"]["detail"])


def test_full_unwritable_and_stale_spools_are_judged(spool_dir: Path) -> None:
    first = record("session_start", spool_dir=spool_dir)
    status = spool_status(spool_dir)
    full = by_name(spool_checks(status._replace(full=True), sink_configured=True))
    assert full["audit.spool"]["status"] == "fail"
    readonly = by_name(spool_checks(status._replace(writable=False), sink_configured=True))
    assert readonly["audit.spool"]["status"] == "fail"
    later = parse_ts_ms(str(first["ts"])) / 1000 + 2 * 86400
    stale = by_name(spool_checks(status, sink_configured=True, now=later))
    assert stale["audit.backlog"]["status"] == "warn" and first["ts"] in str(stale["audit.backlog"]["detail"])


def test_sink_reachable_unreachable(moto_url: str, proxy: FaultProxy, log_group: str) -> None:
    ok = sink_check(log_group=log_group, region=REGION, endpoint_url=moto_url)
    assert ok["status"] == "pass" and "reachable" in str(ok["detail"])
    proxy.down = True
    down = sink_check(log_group=log_group, region=REGION, endpoint_url=proxy.url, timeout_s=1.0)
    assert down["status"] == "warn" and "unreachable" in str(down["detail"])


def test_sink_refusing_credentials_fails(moto_url: str, log_group: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    refused = sink_check(log_group=log_group, region="eu-west-3", endpoint_url=moto_url)
    assert refused["status"] == "fail" and "NoCredentialsError" in str(refused["detail"])


def test_spool_removed_under_a_running_writer_is_recreated_not_written_into_the_void(spool_dir: Path) -> None:
    record("session_start", spool_dir=spool_dir)
    shutil.rmtree(spool_dir)
    event = record("session_end", spool_dir=spool_dir)
    assert event["seq"] == 1  # a new chain: the removal itself is visible in CloudWatch
    assert spool_status(spool_dir).depth == 1 and verify(spool_dir).ok


def test_cli_status(spool_dir: Path) -> None:
    record("session_start", spool_dir=spool_dir)
    result = subprocess.run([sys.executable, "-m", "claude_enterprise.cli.audit_cmd", "status", "--spool-dir",
                             str(spool_dir), "--json"], capture_output=True, text=True, env=subprocess_env(),
                            timeout=60)
    assert result.returncode == 0
    assert json.loads(result.stdout)["depth"] == 1
