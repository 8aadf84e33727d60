"""PutLogEvents batching: turn spool lines into calls CloudWatch Logs accepts. Pure (no I/O, no clock).

Limits (REFERENCE.md §3, CloudWatch Logs quotas): at most 10,000 events and 1,048,576 bytes per call,
counting each message's UTF-8 bytes plus 26; one event at most 1,048,576 bytes including those 26;
events in chronological order; one call may not span more than 24 hours; events older than 14 days (or
the group's retention) or more than 2 hours in the future are rejected.

How each is met, never by dropping an event:
- count, bytes, span: a batch is closed before the event that would break them;
- order: a batch is sorted by timestamp (stable) before it is sent;
- oversize: the message is replaced by a marked stub (`"truncated": true`, original size and sha256,
  the event's identifying fields and as much of the original text as fits); the full event stays in
  the local spool, and the hash lets an auditor match the two;
- too old / too new (a laptop offline for weeks, a clock far ahead): the CloudWatch timestamp is set to
  the shipping time; the message keeps the event's own `ts`, so nothing about when it happened is lost
  and the event is still delivered. The count is reported as `clamped`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from claude_enterprise.audit.events import parse_ts_ms
from claude_enterprise.audit.spool import Cursor

MAX_BATCH_EVENTS = 10_000
MAX_BATCH_BYTES = 1_048_576
EVENT_OVERHEAD = 26
MAX_EVENT_BYTES = 1_048_576  # message bytes + EVENT_OVERHEAD
MAX_SPAN_MS = 24 * 3600 * 1000
MAX_AGE_MS = 14 * 24 * 3600 * 1000
MAX_AHEAD_MS = 2 * 3600 * 1000
# Safety margin on the age limits: the call happens a little after batching, and clocks differ.
AGE_MARGIN_MS = 10 * 60 * 1000


@dataclass(frozen=True)
class Entry:
    """One log event as it will be sent. `end` is the spool position just after its line."""

    timestamp: int
    message: str
    size: int  # UTF-8 bytes of message + EVENT_OVERHEAD
    end: Cursor
    clamped: bool = False
    truncated: bool = False


@dataclass
class Batch:
    entries: list[Entry] = field(default_factory=list)
    size: int = 0
    min_ts: int = 0
    max_ts: int = 0

    @property
    def end(self) -> Cursor:
        """The acknowledgement position once the whole batch is delivered."""
        return self.entries[-1].end

    def fits(self, entry: Entry, max_events: int, max_bytes: int, max_span_ms: int) -> bool:
        if not self.entries:
            return True
        return (len(self.entries) < max_events and self.size + entry.size <= max_bytes
                and max(self.max_ts, entry.timestamp) - min(self.min_ts, entry.timestamp) < max_span_ms)

    def add(self, entry: Entry) -> None:
        if not self.entries:
            self.min_ts = self.max_ts = entry.timestamp
        self.entries.append(entry)
        self.size += entry.size
        self.min_ts = min(self.min_ts, entry.timestamp)
        self.max_ts = max(self.max_ts, entry.timestamp)

    def sorted_entries(self) -> list[Entry]:
        return sorted(self.entries, key=lambda e: e.timestamp)


def to_entry(raw: bytes, end: Cursor, *, now_ms: int, retention_days: int | None = None,
             max_event_bytes: int = MAX_EVENT_BYTES) -> Entry:
    """The log event for one spool line: timestamp from its `ts`, clamped into the accepted window."""
    message = raw.decode("utf-8", "replace")
    event: object = None
    try:
        event = json.loads(message)
        ts = parse_ts_ms(event["ts"]) if isinstance(event, dict) else now_ms
    except (ValueError, KeyError, TypeError):
        ts = now_ms  # unreadable line: shipped as-is so the evidence reaches the auditor
    max_age = MAX_AGE_MS if retention_days is None else min(MAX_AGE_MS, retention_days * 24 * 3600 * 1000)
    clamped = not (now_ms - max_age + AGE_MARGIN_MS <= ts <= now_ms + MAX_AHEAD_MS - AGE_MARGIN_MS)
    if clamped:
        ts = now_ms
    size = len(raw) + EVENT_OVERHEAD if raw.isascii() else len(message.encode("utf-8")) + EVENT_OVERHEAD
    truncated = size > max_event_bytes
    if truncated:
        message = truncated_stub(message, event if isinstance(event, dict) else {}, max_event_bytes)
        size = len(message.encode("utf-8")) + EVENT_OVERHEAD
    return Entry(ts, message, size, end, clamped, truncated)


def truncated_stub(message: str, event: dict[str, object], max_event_bytes: int) -> str:
    """A message under the size limit that says what was cut and identifies the full local event."""
    encoded = message.encode("utf-8")
    stub: dict[str, object] = {key: event.get(key) for key in
                               ("schema", "event_id", "ts", "seq", "type", "session_id", "profile", "hash")}
    stub.update(truncated=True, original_bytes=len(encoded),
                original_sha256=hashlib.sha256(encoded).hexdigest())
    budget = max_event_bytes - EVENT_OVERHEAD - 1024
    while True:
        stub["prefix"] = encoded[:max(budget, 0)].decode("utf-8", "ignore")
        text = json.dumps(stub, ensure_ascii=False, separators=(",", ":"))
        if len(text.encode("utf-8")) + EVENT_OVERHEAD <= max_event_bytes:
            return text
        budget //= 2  # JSON escaping made it larger than the raw prefix


def make_batches(lines: Iterable[tuple[bytes, Cursor]], *, now_ms: int, retention_days: int | None = None,
                 max_events: int = MAX_BATCH_EVENTS, max_bytes: int = MAX_BATCH_BYTES,
                 max_span_ms: int = MAX_SPAN_MS, max_event_bytes: int = MAX_EVENT_BYTES) -> Iterator[Batch]:
    """Group spool lines (raw line, position after it) into batches that satisfy every limit, in spool
    order, holding one batch in memory at a time."""
    batch = Batch()
    for raw, end in lines:
        entry = to_entry(raw, end, now_ms=now_ms, retention_days=retention_days,
                         max_event_bytes=min(max_event_bytes, max_bytes))
        if not batch.fits(entry, max_events, max_bytes, max_span_ms):
            yield batch
            batch = Batch()
        batch.add(entry)
    if batch.entries:
        yield batch
