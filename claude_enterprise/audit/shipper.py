"""Ship the spool to CloudWatch Logs: at-least-once, in order, never wedged by one bad event.

Delivery: lines after the acknowledgement cursor are batched (`batcher`), sent with PutLogEvents, and the
cursor (`cursor.json`, replaced atomically) moves past a batch only once CloudWatch answered for all of
it. A crash between acceptance and the cursor write re-sends that batch on the next run: consumers
de-duplicate on `event_id`.

Failures:
- throttling, 5xx, connection errors: botocore's standard retry mode (jittered exponential backoff)
  inside each call, then our own full-jitter backoff between rounds until the deadline;
- `InvalidParameterException`: the batch is bisected until the offending event is isolated; that event is
  written to `rejected.jsonl` in the spool and reported, the rest are delivered;
- `ResourceNotFoundException`: the log group (with retention and KMS key) and stream are created once;
- `rejectedLogEventsInfo` (too old/new/expired for CloudWatch despite the batcher's clamping): counted,
  the events appended to `rejected.jsonl`, reported.
Anything else (access denied, bad credentials) stops the run with the error; nothing is acknowledged.

One shipper per spool at a time (`.ship.lock`): the wrapper's background thread and a cron `audit ship`
never interleave cursor updates. boto3 is imported on first use, never at module import of the hot path.
"""

from __future__ import annotations

import contextlib
import fcntl
import getpass
import json
import os
import random
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from claude_enterprise.audit.batcher import Entry, make_batches
from claude_enterprise.audit.spool import (
    REJECTED_FILE,
    AuditWriteError,
    Cursor,
    iter_lines,
    read_cursor,
    spool_for,
    write_cursor,
)
from claude_enterprise.constants import AUDIT_LOG_GROUP

if TYPE_CHECKING:
    from mypy_boto3_logs import CloudWatchLogsClient  # pragma: no cover
else:
    CloudWatchLogsClient = Any

DEFAULT_LOG_GROUP = AUDIT_LOG_GROUP
SHIP_LOCK = ".ship.lock"
RETRYABLE_CODES = frozenset({
    "ThrottlingException", "Throttling", "ServiceUnavailableException", "ServiceUnavailable",
    "InternalFailure", "InternalServerError", "RequestTimeout", "RequestTimeoutException",
    "LimitExceededException", "OperationAbortedException",
})
BACKOFF_BASE_S = 0.2
BACKOFF_CAP_S = 20.0
# Rounds of our own backoff after botocore's retries are exhausted, when no deadline bounds the run.
MAX_ROUNDS = 6
QUICK_BUDGET_S = 10.0


@dataclass
class ShipReport:
    """What one shipping run did. `ok` means everything in the spool reached CloudWatch."""

    log_group: str
    stream: str
    shipped: int = 0
    batches: int = 0
    calls: int = 0
    rejected: int = 0  # refused by CloudWatch (rejectedLogEventsInfo)
    invalid: int = 0  # isolated by bisection after InvalidParameterException
    truncated: int = 0
    clamped: int = 0
    retries: int = 0
    remaining: int = 0
    busy: bool = False
    deadline_hit: bool = False
    elapsed_s: float = 0.0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.errors or self.remaining or self.rejected or self.invalid or self.busy)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}

    def summary(self) -> str:
        parts = [f"shipped {self.shipped} event(s) in {self.calls} call(s) to {self.log_group}/{self.stream}"]
        if self.rejected:
            parts.append(f"{self.rejected} rejected by CloudWatch (kept in {REJECTED_FILE})")
        if self.invalid:
            parts.append(f"{self.invalid} refused as invalid (kept in {REJECTED_FILE})")
        if self.truncated:
            parts.append(f"{self.truncated} oversize event(s) truncated and marked")
        if self.clamped:
            parts.append(f"{self.clamped} event(s) outside CloudWatch's time window sent with the "
                         "shipping time")
        if self.busy:
            parts.append("another shipper holds the spool; nothing done")
        if self.deadline_hit:
            parts.append("deadline reached")
        if self.remaining:
            parts.append(f"{self.remaining} event(s) not shipped yet")
        parts.extend(f"error: {e}" for e in self.errors)
        return "; ".join(parts)


class _GiveUp(Exception):
    """Stop this run; the cursor stays before the batch that failed."""


def default_stream_name(user: str | None = None, host: str | None = None) -> str:
    """`<user>/<host>`: one stream per user and machine. ':' and '*' are not allowed in stream names."""
    name = f"{user or getpass.getuser()}/{host or socket.gethostname()}"
    return re.sub(r"[:*]", "_", name)[:512]


_CLIENT_LOCK = threading.Lock()


@lru_cache(maxsize=8)
def logs_client(region: str, endpoint_url: str | None = None, max_attempts: int = 4,
                connect_timeout: float = 2.0, read_timeout: float = 5.0) -> CloudWatchLogsClient:
    """The process's cached CloudWatch Logs client, with botocore's standard (jittered) retries.

    `max_attempts` counts every attempt including the first (botocore's `total_max_attempts`).
    """
    import boto3
    from botocore.config import Config

    config = Config(retries={"mode": "standard", "total_max_attempts": max_attempts},
                    connect_timeout=connect_timeout, read_timeout=read_timeout, tcp_keepalive=True)
    with _CLIENT_LOCK:  # boto3 sessions are not thread-safe; the client is
        return boto3.session.Session().client("logs", region_name=region, endpoint_url=endpoint_url,
                                              config=config)


class _Run:
    """State of one shipping run over one spool."""

    def __init__(self, spool_dir: Path, client: CloudWatchLogsClient, report: ShipReport, *,
                 retention_days: int | None, kms_key_id: str | None, deadline: float | None,
                 stop: threading.Event | None, backoff_base: float) -> None:
        self.spool_dir = spool_dir
        self.client = client
        self.report = report
        self.retention_days = retention_days
        self.kms_key_id = kms_key_id
        self.deadline = deadline
        self.stop = stop
        self.backoff_base = backoff_base
        self.created = False

    def time_left(self) -> float | None:
        return None if self.deadline is None else self.deadline - time.monotonic()

    def out_of_time(self) -> bool:
        left = self.time_left()
        return (left is not None and left <= 0) or bool(self.stop and self.stop.is_set())

    def run(self) -> None:
        cursor = read_cursor(self.spool_dir)
        for batch in make_batches(_lines(self.spool_dir, cursor), now_ms=int(time.time() * 1000),
                                  retention_days=self.retention_days):
            if self.out_of_time():
                self.report.deadline_hit = True
                return
            self.deliver(batch.sorted_entries())
            self.report.batches += 1
            self.report.truncated += sum(e.truncated for e in batch.entries)
            self.report.clamped += sum(e.clamped for e in batch.entries)
            write_cursor(self.spool_dir, batch.end)

    def deliver(self, entries: list[Entry]) -> None:
        """Send `entries` (sorted) until CloudWatch has answered for every one of them."""
        attempt = 0
        while True:
            try:
                self.report.calls += 1
                response = self.client.put_log_events(
                    logGroupName=self.report.log_group, logStreamName=self.report.stream,
                    logEvents=[{"timestamp": e.timestamp, "message": e.message} for e in entries])
                break
            except Exception as exc:  # classified below; unknown errors stop the run
                code, message = _classify(exc)
                if code == "InvalidParameterException":
                    if len(entries) == 1:
                        self.reject(entries, f"InvalidParameterException: {message}")
                        self.report.invalid += 1
                        return
                    mid = len(entries) // 2
                    self.deliver(entries[:mid])
                    self.deliver(entries[mid:])
                    return
                if code == "ResourceNotFoundException" and not self.created:
                    attempt = self.create_destination(attempt)
                    continue
                if code == "DataAlreadyAcceptedException":
                    self.report.shipped += len(entries)
                    return
                if code == "retryable" or code in RETRYABLE_CODES:
                    attempt += 1
                    self.backoff(attempt, f"{code if code != 'retryable' else ''} {message}".strip())
                    continue
                raise _GiveUp(f"{code}: {message}") from exc
        rejected = _rejected_indices(len(entries), response.get("rejectedLogEventsInfo") or {})
        if rejected:
            self.reject([entries[i] for i in sorted(rejected)],
                        "rejected by CloudWatch (rejectedLogEventsInfo)")
            self.report.rejected += len(rejected)
        self.report.shipped += len(entries) - len(rejected)

    def backoff(self, attempt: int, why: str) -> None:
        """Full-jitter exponential backoff, bounded by the deadline and the stop event."""
        if self.deadline is None and attempt > MAX_ROUNDS:
            raise _GiveUp(f"CloudWatch unavailable after {MAX_ROUNDS} rounds of retries: {why}")
        delay = random.uniform(0, min(BACKOFF_CAP_S, self.backoff_base * 2 ** attempt))
        left = self.time_left()
        if left is not None and left <= delay:
            self.report.deadline_hit = True
            raise _GiveUp(f"deadline reached while CloudWatch was failing: {why}")
        self.report.retries += 1
        if self.stop is not None:
            if self.stop.wait(delay) and left is None:
                raise _GiveUp(f"stopped while CloudWatch was failing: {why}")
        else:
            time.sleep(delay)

    def create_destination(self, attempt: int) -> int:
        """Create the log group (retention, KMS key) and stream when missing; once per run.

        Returns the retry attempt count: a transient failure backs off and lets the caller try again.
        """
        group = self.report.log_group
        exists = self.client.exceptions.ResourceAlreadyExistsException
        try:
            with contextlib.suppress(exists):
                kms = {"kmsKeyId": self.kms_key_id} if self.kms_key_id else {}
                self.client.create_log_group(logGroupName=group, **kms)
                if self.retention_days:
                    self.client.put_retention_policy(logGroupName=group, retentionInDays=self.retention_days)
            with contextlib.suppress(exists):
                self.client.create_log_stream(logGroupName=group, logStreamName=self.report.stream)
        except Exception as exc:  # classified: transient → retry, anything else stops the run
            code, message = _classify(exc)
            if code == "retryable" or code in RETRYABLE_CODES:
                self.backoff(attempt + 1, f"creating {group}: {message}")
                return attempt + 1
            raise _GiveUp(f"cannot create log group/stream {group}/{self.report.stream}: "
                          f"{code}: {message}") from exc
        self.created = True
        return attempt

    def reject(self, entries: list[Entry], reason: str) -> None:
        """Keep undeliverable events beside the spool, with the reason; never silently drop them."""
        path = self.spool_dir / REJECTED_FILE
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            lines = "".join(json.dumps({"reason": reason, "rejected_at": int(time.time() * 1000),
                                        "timestamp": e.timestamp, "message": e.message}) + "\n"
                            for e in entries)
            os.write(fd, lines.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)


def _lines(spool_dir: Path, cursor: Cursor) -> Iterator[tuple[bytes, Cursor]]:
    for name, _, end, raw in iter_lines(spool_dir, cursor):
        yield raw, Cursor(name, end)


def _classify(exc: Exception) -> tuple[str, str]:
    """(error code or 'retryable' for transport failures, message)."""
    from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
    from botocore.exceptions import ConnectionError as BotoConnectionError

    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        code = str(error.get("Code", "Unknown"))
        if status >= 500 and code not in RETRYABLE_CODES:
            return "retryable", f"HTTP {status} {code}: {error.get('Message', '')}"
        return code, str(error.get("Message", ""))
    if isinstance(exc, (BotoConnectionError, HTTPClientError)):
        return "retryable", f"{type(exc).__name__}: {exc}"
    if isinstance(exc, BotoCoreError):  # no credentials, bad configuration: retrying will not help
        return type(exc).__name__, str(exc)
    raise exc


def _rejected_indices(count: int, info: dict[str, int]) -> set[int]:
    """Indices CloudWatch refused: up to tooOld/expired end indices, from tooNew start index."""
    rejected: set[int] = set()
    for key in ("tooOldLogEventEndIndex", "expiredLogEventEndIndex"):
        if key in info:
            rejected.update(range(min(info[key] + 1, count)))
    if "tooNewLogEventStartIndex" in info:
        rejected.update(range(max(info["tooNewLogEventStartIndex"], 0), count))
    return rejected


@contextlib.contextmanager
def _ship_lock(spool_dir: Path, wait_s: float) -> Iterator[bool]:
    spool_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(spool_dir / SHIP_LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        give_up = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= give_up:
                    yield False
                    return
                time.sleep(0.05)
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def ship(spool_dir: Path, *, log_group: str = DEFAULT_LOG_GROUP, region: str, endpoint_url: str | None = None,
         retention_days: int | None = None, kms_key_id: str | None = None, stream_name: str | None = None,
         deadline: float | None = None, stop: threading.Event | None = None,
         client: CloudWatchLogsClient | None = None, backoff_base: float = BACKOFF_BASE_S) -> ShipReport:
    """Ship everything after the cursor. `deadline` is a budget in seconds for this call (checked between
    calls and bounding backoff sleeps); what is left stays for the next run."""
    started = time.monotonic()
    end = None if deadline is None else started + deadline
    spool_dir = Path(spool_dir)
    report = ShipReport(log_group=log_group, stream=stream_name or default_stream_name())
    with _ship_lock(spool_dir, wait_s=min(deadline, 10.0) if deadline is not None else 10.0) as held:
        if not held:
            report.busy = True
        else:
            try:
                spool_for(spool_dir).repair()
            except AuditWriteError as exc:
                report.errors.append(f"could not check the spool tail: {exc}")
            if client is None:
                # A short budget (exit flush) needs short network timeouts and no long retry sleeps
                # inside botocore, or one hung call would outlive the deadline.
                quick = end is not None and deadline is not None and deadline < QUICK_BUDGET_S
                client = (logs_client(region, endpoint_url, max_attempts=1, connect_timeout=1.0,
                                      read_timeout=2.0) if quick else logs_client(region, endpoint_url))
            run = _Run(spool_dir, client, report,
                       retention_days=retention_days, kms_key_id=kms_key_id, deadline=end, stop=stop,
                       backoff_base=backoff_base)
            try:
                run.run()
            except _GiveUp as exc:
                report.errors.append(str(exc))
            except OSError as exc:  # the spool itself (cursor, rejected file) could not be written
                report.errors.append(f"spool {spool_dir}: {exc.strerror or exc}")
    report.remaining = sum(1 for _ in iter_lines(spool_dir, read_cursor(spool_dir)))
    report.elapsed_s = round(time.monotonic() - started, 3)
    return report


def probe_sink(*, log_group: str, region: str, endpoint_url: str | None = None,
               timeout_s: float = 3.0) -> tuple[bool, bool, str]:
    """(ok, reachable, detail) from one DescribeLogGroups call with short timeouts and no retries."""
    client = logs_client(region, endpoint_url, max_attempts=1, connect_timeout=timeout_s,
                         read_timeout=timeout_s)
    try:
        found = client.describe_log_groups(logGroupNamePrefix=log_group, limit=1).get("logGroups", [])
    except Exception as exc:  # classified: unreachable vs refused
        code, message = _classify(exc)
        if code == "retryable":
            return False, False, f"CloudWatch Logs ({region}) unreachable: {message}; events stay in the spool"
        return False, True, f"CloudWatch Logs ({region}) refused: {code}: {message}"
    exists = any(group.get("logGroupName") == log_group for group in found)
    state = "exists" if exists else "will be created on first shipment"
    return True, True, f"CloudWatch Logs ({region}) reachable; log group {log_group} {state}"


class BackgroundShipper:
    """Ships the spool from a daemon thread while the wrapper runs; `stop()` flushes within its deadline.

    The thread imports boto3 itself, so starting it costs the wrapper nothing on its critical path.
    """

    def __init__(self, spool_dir: Path, *, log_group: str = DEFAULT_LOG_GROUP, region: str,
                 endpoint_url: str | None = None, retention_days: int | None = None,
                 kms_key_id: str | None = None, stream_name: str | None = None, interval: float = 5.0,
                 on_report: Callable[[ShipReport], None] | None = None,
                 client: CloudWatchLogsClient | None = None, backoff_base: float = BACKOFF_BASE_S) -> None:
        self._kwargs: dict[str, Any] = {
            "log_group": log_group, "region": region, "endpoint_url": endpoint_url,
            "retention_days": retention_days, "kms_key_id": kms_key_id, "stream_name": stream_name,
            "client": client, "backoff_base": backoff_base}
        self.spool_dir = Path(spool_dir)
        self.interval = interval
        self.on_report = on_report
        self.last_report: ShipReport | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._final_deadline: float | None = None
        self._thread = threading.Thread(target=self._loop, name="audit-shipper", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def notify(self) -> None:
        """Ship soon (e.g. after a burst of events) instead of waiting for the interval."""
        self._wake.set()

    def stop(self, deadline: float = 3.0) -> ShipReport | None:
        """Final flush bounded by `deadline` seconds (at most 3): whatever is left stays for the next run."""
        deadline = min(deadline, 3.0)
        self._final_deadline = time.monotonic() + deadline
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=max(0.0, self._final_deadline - time.monotonic()))
        return self.last_report

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            if self._stop.is_set():
                break
            self._pass(deadline=None, stop=self._stop)
        left = (self._final_deadline or time.monotonic()) - time.monotonic() - 0.1
        if left > 0:
            self._pass(deadline=left, stop=None)

    def _pass(self, *, deadline: float | None, stop: threading.Event | None) -> None:
        try:
            report = ship(self.spool_dir, deadline=deadline, stop=stop, **self._kwargs)
        except Exception as exc:  # the wrapper must keep running; the next pass retries
            report = ShipReport(self._kwargs["log_group"], self._kwargs["stream_name"] or "",
                                errors=[f"{type(exc).__name__}: {exc}"])
        self.last_report = report
        if self.on_report:
            self.on_report(report)
