"""Reliability: a shipper killed mid-batch, and 100,000 events with bounded memory."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from claude_enterprise.audit import spool_status
from claude_enterprise.audit.shipper import ship
from claude_enterprise.audit.spool import iter_lines, read_cursor
from tests.audit.faultproxy import FaultProxy
from tests.audit.helpers import REGION, bulk_spool, read_stream, subprocess_env
from tests.audit.test_shipper import wait_until


def test_kill_9_mid_batch_then_restart_delivers_everything_with_only_same_id_duplicates(
        spool_dir: Path, proxy: FaultProxy, log_group: str, logs: Any) -> None:
    bulk_spool(spool_dir, 30_000, pad=40)
    proxy.delay = 0.3  # every PutLogEvents is in flight long enough to be killed during it
    shipper = subprocess.Popen(
        [sys.executable, "-m", "claude_enterprise.cli.audit_cmd", "ship", "--spool-dir", str(spool_dir),
         "--log-group", log_group, "--region", REGION, "--endpoint-url", proxy.url, "--stream-name", "k"],
        env=subprocess_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: proxy.counts.get("put_ok", 0) >= 2 and proxy.counts.get("put", 0) >= 3)
    finally:
        os.kill(shipper.pid, signal.SIGKILL)
        shipper.wait()
    assert spool_status(spool_dir).depth > 0  # it really died part-way
    proxy.delay = 0.0

    report = ship(spool_dir, log_group=log_group, region=REGION, endpoint_url=proxy.url, stream_name="k")
    assert report.ok, report.summary()

    delivered = read_stream(logs, log_group, "k")
    copies: dict[str, set[str]] = defaultdict(set)
    for message in delivered:
        copies[json.loads(message)["event_id"]].add(message)
    spooled = {json.loads(raw)["event_id"]: raw.decode() for _, _, _, raw in iter_lines(spool_dir)}
    assert set(copies) == set(spooled)  # every event delivered
    assert all(variants == {spooled[eid]} for eid, variants in copies.items())  # duplicates are identical
    assert len(delivered) - len(spooled) <= 10_000  # at most the batch that was in flight


_MEASURE = """
import json, resource, sys
from pathlib import Path
from claude_enterprise.audit import spool_status
from claude_enterprise.audit.reader import verify
from claude_enterprise.audit.shipper import ship

spool, url, group = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
# Import boto3 and build the client before the baseline, so only the work itself is measured.
ship(spool, log_group=group, region="us-east-1", endpoint_url=url, stream_name="warm", deadline=0.001)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
report = ship(spool, log_group=group, region="us-east-1", endpoint_url=url, stream_name="big")
checked = verify(spool)
status = spool_status(spool)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"ok": report.ok, "shipped": report.shipped, "depth": status.depth, "verified": checked.ok,
                  "checked": checked.checked, "growth_kib": after - before}))
"""


def test_100000_events_ship_and_verify_with_bounded_memory(spool_dir: Path, moto_url: str, log_group: str) -> None:
    spool_bytes = bulk_spool(spool_dir, 100_000, pad=300)
    assert spool_bytes > 64 * 1024 * 1024
    result = subprocess.run([sys.executable, "-c", _MEASURE, str(spool_dir), moto_url, log_group],
                            capture_output=True, text=True, env=subprocess_env(), timeout=300)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    assert outcome["ok"] and outcome["shipped"] == 100_000 and outcome["depth"] == 0
    assert outcome["verified"] and outcome["checked"] == 100_000
    # Peak RSS growth (KiB) while shipping and verifying: a generous functional bound of a few batches,
    # far below the spool's size (which an implementation holding it in memory would exceed).
    assert outcome["growth_kib"] < 40 * 1024, f"grew {outcome['growth_kib']} KiB for {spool_bytes} bytes"
    assert read_cursor(spool_dir).offset == spool_bytes
