"""Shipping through a fault-injecting proxy: throttling, 500s, resets, invalid events, rejections."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from claude_enterprise.audit import AuditContext, record
from claude_enterprise.audit.shipper import MAX_ROUNDS, BackgroundShipper, logs_client, ship
from claude_enterprise.audit.spool import REJECTED_FILE, iter_lines, read_cursor
from tests.audit.faultproxy import FaultProxy
from tests.audit.helpers import REGION, read_stream
from tests.audit.test_shipper import spool_messages, wait_until

CTX = AuditContext(session_id="s", profile="standard")


def fill(spool: Path, n: int, marker_at: int | None = None) -> None:
    for i in range(n):
        command = "INJECT-INVALID" if i == marker_at else f"cmd {i}"
        record("tool_decision", CTX, spool_dir=spool, decision="allow", command=command)


def fast_ship(spool: Path, proxy: FaultProxy, group: str, stream: str, **kwargs: Any) -> Any:
    """botocore retries off, tiny backoff: every fault reaches our own retry logic quickly."""
    client = logs_client(REGION, proxy.url, max_attempts=1, connect_timeout=1.0, read_timeout=2.0)
    return ship(spool, log_group=group, region=REGION, stream_name=stream, client=client, backoff_base=0.01,
                **kwargs)


def test_throttling_5xx_and_resets_are_retried_until_delivered(
        spool_dir: Path, proxy: FaultProxy, log_group: str, logs: Any) -> None:
    fill(spool_dir, 30)
    proxy.faults.extend(["throttle", "500", "reset", "throttle", "500", "reset"])
    report = fast_ship(spool_dir, proxy, log_group, "faults")
    assert report.ok, report.summary()
    assert report.retries == 6 and report.shipped == 30
    assert read_stream(logs, log_group, "faults") == spool_messages(spool_dir)


def test_persistent_failure_gives_up_after_bounded_rounds_keeping_everything(
        spool_dir: Path, proxy: FaultProxy, log_group: str) -> None:
    fill(spool_dir, 5)
    proxy.faults.extend(["500"] * (MAX_ROUNDS + 1))
    report = fast_ship(spool_dir, proxy, log_group, "gives-up")
    assert report.remaining == 5 and not report.ok
    assert any(f"after {MAX_ROUNDS} rounds" in e for e in report.errors)
    assert read_cursor(spool_dir).segment == ""


def test_botocore_standard_retries_absorb_a_single_throttle(
        spool_dir: Path, proxy: FaultProxy, log_group: str, logs: Any) -> None:
    fill(spool_dir, 3)
    proxy.faults.append("throttle")
    report = ship(spool_dir, log_group=log_group, region=REGION, endpoint_url=proxy.url, stream_name="std")
    assert report.ok and report.retries == 0 and proxy.counts["put"] >= 2
    assert read_stream(logs, log_group, "std") == spool_messages(spool_dir)


def test_one_invalid_event_is_isolated_by_bisection_and_the_rest_delivered(
        spool_dir: Path, proxy: FaultProxy, log_group: str, logs: Any) -> None:
    fill(spool_dir, 64, marker_at=37)
    proxy.invalid_marker = "INJECT-INVALID"
    report = fast_ship(spool_dir, proxy, log_group, "bisect")
    assert (report.shipped, report.invalid, report.remaining) == (63, 1, 0)
    assert not report.ok and "1 refused as invalid" in report.summary()
    assert report.calls <= 2 * 7 + 2  # bisection, not one call per event
    delivered = read_stream(logs, log_group, "bisect")
    assert len(delivered) == 63 and all("INJECT-INVALID" not in m for m in delivered)
    [kept] = (spool_dir / REJECTED_FILE).read_text().splitlines()
    assert "INJECT-INVALID" in json.loads(kept)["message"]
    assert "InvalidParameterException" in json.loads(kept)["reason"]
    # Nothing is stuck: the cursor passed the bad event, the next run has nothing to do.
    assert fast_ship(spool_dir, proxy, log_group, "bisect").calls == 0


def test_rejected_log_events_info_is_counted_and_kept(
        spool_dir: Path, proxy: FaultProxy, log_group: str) -> None:
    fill(spool_dir, 10)
    proxy.reject_info = {"tooOldLogEventEndIndex": 1, "tooNewLogEventStartIndex": 9}
    report = fast_ship(spool_dir, proxy, log_group, "rej")
    assert (report.rejected, report.shipped, report.remaining) == (3, 7, 0)
    assert "3 rejected by CloudWatch" in report.summary()
    assert len((spool_dir / REJECTED_FILE).read_text().splitlines()) == 3


def test_access_denied_stops_without_acknowledging(
        spool_dir: Path, proxy: FaultProxy, log_group: str) -> None:
    fill(spool_dir, 5)
    proxy.faults.append("denied")
    report = fast_ship(spool_dir, proxy, log_group, "denied")
    assert report.remaining == 5 and report.shipped == 0
    assert any("AccessDeniedException" in e for e in report.errors)
    assert read_cursor(spool_dir).segment == ""


def test_deadline_bounds_a_run_against_a_dead_endpoint(
        spool_dir: Path, proxy: FaultProxy, log_group: str) -> None:
    fill(spool_dir, 5)
    proxy.down = True
    report = fast_ship(spool_dir, proxy, log_group, "dead", deadline=0.5)
    assert report.deadline_hit and report.remaining == 5 and not report.ok
    assert read_cursor(spool_dir).segment == ""


def test_endpoint_down_for_a_while_then_back_delivers_everything(
        spool_dir: Path, proxy: FaultProxy, log_group: str, logs: Any) -> None:
    proxy.down = True
    client = logs_client(REGION, proxy.url, max_attempts=1, connect_timeout=1.0, read_timeout=2.0)
    shipper = BackgroundShipper(spool_dir, log_group=log_group, region=REGION, stream_name="flaky",
                                interval=0.1, client=client, backoff_base=0.01)
    shipper.start()
    try:
        fill(spool_dir, 40)
        wait_until(lambda: proxy.counts.get("refused", 0) >= 10)
        fill(spool_dir, 10)
        proxy.down = False
        shipper.notify()
        wait_until(lambda: not list(iter_lines(spool_dir, read_cursor(spool_dir))))
    finally:
        shipper.stop(deadline=3.0)
    delivered = read_stream(logs, log_group, "flaky")
    assert sorted(set(delivered)) == sorted(spool_messages(spool_dir))


def test_log_group_creation_retries_transient_errors_and_reports_refusal(
        spool_dir: Path, proxy: FaultProxy, log_group: str, logs: Any) -> None:
    fill(spool_dir, 4)
    proxy.create_faults.extend(["denied"])
    refused = fast_ship(spool_dir, proxy, log_group, "create")
    assert refused.remaining == 4 and any("cannot create log group" in e for e in refused.errors)
    proxy.create_faults.extend(["500", "500"])
    report = fast_ship(spool_dir, proxy, log_group, "create")
    assert report.ok and report.retries == 2
    assert read_stream(logs, log_group, "create") == spool_messages(spool_dir)
