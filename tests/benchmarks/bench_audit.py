"""Audit benchmarks (a plain script, not collected by pytest): prints measured figures from one run.

1. Hot-path append: median/p95 latency of `record()` in-process, with the default fsync policy.
2. Import cost of `claude_enterprise.audit` in a fresh interpreter (the hook pays it per tool call).
3. Shipping to a moto server on 127.0.0.1: batched `ship()` vs one event per PutLogEvents call.
   Targets: batched >= 50x one-per-call, and >= 10,000 events/s.

    python tests/benchmarks/bench_audit.py [--events 50000]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"

from claude_enterprise.audit import AuditContext, record  # noqa: E402
from claude_enterprise.audit.spool import Spool, iter_lines, spool_for  # noqa: E402

CTX = AuditContext(session_id="bench-session", profile="restricted",
                   user={"sub": "u-1", "email": "dev@example.com"}, tags={"department": "eng", "team": "t"})


def bench_append(directory: Path, count: int) -> None:
    samples = []
    for i in range(count):
        start = time.perf_counter()
        record("tool_decision", CTX, spool_dir=directory, tool_use_id=f"toolu_{i}", decision="allow",
               rule_id="shell.allow.git", reason="git is allowed", command=f"git status --short {i}")
        samples.append(time.perf_counter() - start)
    samples.sort()
    median_ms = statistics.median(samples) * 1000
    p95_ms = samples[int(len(samples) * 0.95)] * 1000
    verdict = "OK" if median_ms <= 1.0 else "ABOVE TARGET"
    print(f"append (fsync every record): n={count} median={median_ms:.3f} ms p95={p95_ms:.3f} ms "
          f"[target median <= 1 ms: {verdict}]")


def bench_import() -> None:
    code = ("import time; t = time.perf_counter(); import claude_enterprise.audit; "
            "print((time.perf_counter() - t) * 1000)")
    runs = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                 cwd=REPO).stdout) for _ in range(5)]
    heavy = subprocess.run([sys.executable, "-c", "import sys, claude_enterprise.audit; "
                            "print(sorted(m for m in ('boto3','botocore','structlog','typer','yaml','rich')"
                            " if m in sys.modules))"], capture_output=True, text=True, check=True, cwd=REPO)
    print(f"import claude_enterprise.audit: median {statistics.median(runs):.1f} ms; "
          f"heavy modules loaded: {heavy.stdout.strip()}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_moto() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    exe = Path(sys.executable).parent / "moto_server"
    proc = subprocess.Popen([str(exe) if exe.exists() else "moto_server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    raise SystemExit("moto_server did not start")


def bench_ship(directory: Path, count: int, single_count: int) -> None:
    from claude_enterprise.audit.shipper import logs_client, ship

    spool_for(directory, lambda d: Spool(d, fsync=False))  # building the backlog is not what is measured
    for i in range(count):
        record("tool_decision", CTX, spool_dir=directory, decision="allow", command=f"pytest -q tests/{i}")
    proc, url = start_moto()
    try:
        client = logs_client("us-east-1", url)
        client.create_log_group(logGroupName="/bench/single")
        client.create_log_stream(logGroupName="/bench/single", logStreamName="s")
        messages = [raw.decode() for _, _, _, raw in iter_lines(directory)][:single_count]
        start = time.perf_counter()
        for message in messages:
            client.put_log_events(logGroupName="/bench/single", logStreamName="s",
                                  logEvents=[{"timestamp": int(time.time() * 1000), "message": message}])
        single_rate = len(messages) / (time.perf_counter() - start)

        start = time.perf_counter()
        report = ship(directory, log_group="/bench/batched", region="us-east-1", endpoint_url=url,
                      stream_name="s")
        elapsed = time.perf_counter() - start
        assert report.ok, report.summary()
        batched_rate = report.shipped / elapsed
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    ratio = batched_rate / single_rate
    print(f"ship one-event-per-call: {len(messages)} events, {single_rate:,.0f} events/s")
    print(f"ship batched: {report.shipped} events in {report.calls} calls, {elapsed:.2f} s, "
          f"{batched_rate:,.0f} events/s [target >= 10,000: {'OK' if batched_rate >= 10_000 else 'BELOW'}]")
    print(f"ratio batched / one-per-call: {ratio:.0f}x [target >= 50x: {'OK' if ratio >= 50 else 'BELOW'}]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--appends", type=int, default=2000)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--single", type=int, default=1000, help="events sent one per call")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench_append(Path(tmp) / "append", args.appends)
        bench_import()
        bench_ship(Path(tmp) / "ship", args.events, args.single)


if __name__ == "__main__":
    main()
