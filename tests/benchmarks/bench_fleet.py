"""Fleet monitoring benchmarks (a plain script, not collected by pytest): prints measured figures from one run.

1. `audit verify` over a local spool of N events (the hash of every event recomputed).
2. `verify_stream` (the per-host check of `audit verify --remote`) over the same N shipped messages, in memory:
   the CPU side of remote verification, without CloudWatch's paging.
3. The compliance report's aggregation (`admin audit`) over the same N events.

    python tests/benchmarks/bench_fleet.py [--events 50000]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=50_000)
    args = parser.parse_args()
    from claude_enterprise.admin.compliance import build
    from claude_enterprise.audit.reader import verify
    from claude_enterprise.audit.remote import verify_stream
    from claude_enterprise.audit.spool import iter_lines
    from tests.audit.helpers import bulk_spool

    with tempfile.TemporaryDirectory() as tmp:
        spool = Path(tmp) / "spool"
        size = bulk_spool(spool, args.events, pad=200)
        start = time.perf_counter()
        report = verify(spool)
        local_s = time.perf_counter() - start
        assert report.ok and report.checked == args.events
        messages = [raw.decode() for _, _, _, raw in iter_lines(spool)]
        timed = [(1_700_000_000_000 + i // 100, m) for i, m in enumerate(messages)]
        start = time.perf_counter()
        remote = verify_stream("bench/host", timed)
        remote_s = time.perf_counter() - start
        assert remote.ok and remote.checked == args.events
        events = [json.loads(m) for m in messages]
        start = time.perf_counter()
        built = build(events, since_ms=None, until_ms=None, now_ms=int(time.time() * 1000), source="bench")
        report_s = time.perf_counter() - start
        assert built.events == args.events
    n = args.events
    print(f"events: {n} ({size / 1e6:.1f} MB spool)")
    print(f"audit verify (local):        {local_s:.2f} s  ({n / local_s:,.0f} events/s)")
    print(f"verify_stream (remote, CPU): {remote_s:.2f} s  ({n / remote_s:,.0f} events/s)")
    print(f"compliance aggregation:      {report_s:.2f} s  ({n / report_s:,.0f} events/s)")


if __name__ == "__main__":
    main()
