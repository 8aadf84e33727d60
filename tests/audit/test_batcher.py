"""The batcher against every PutLogEvents limit (moto enforces none of them, so we check here)."""

from __future__ import annotations

import json

from claude_enterprise.audit.batcher import (
    EVENT_OVERHEAD,
    MAX_AGE_MS,
    MAX_BATCH_BYTES,
    MAX_BATCH_EVENTS,
    MAX_EVENT_BYTES,
    MAX_SPAN_MS,
    Batch,
    make_batches,
)
from claude_enterprise.audit.events import rfc3339_ms
from claude_enterprise.audit.spool import Cursor

NOW_MS = 1_800_000_000_000
HOUR = 3600 * 1000


def line(ts_ms: int, seq: int, pad: str = "", **extra: object) -> bytes:
    event = {"event_id": f"e{seq}", "seq": seq, "ts": rfc3339_ms(ts_ms / 1000), "type": "usage", "pad": pad,
             **extra}
    return json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()


def feed(lines: list[bytes], **kwargs: int) -> list[Batch]:
    positions = [(raw, Cursor("seg-00000001.jsonl", i + 1)) for i, raw in enumerate(lines)]
    return list(make_batches(positions, now_ms=NOW_MS, **kwargs))


def all_seqs(batches: list[Batch]) -> list[int]:
    return [json.loads(e.message)["seq"] for b in batches for e in b.entries]


def check_limits(batch: Batch) -> None:
    assert 0 < len(batch.entries) <= MAX_BATCH_EVENTS
    assert sum(len(e.message.encode()) + EVENT_OVERHEAD for e in batch.entries) <= MAX_BATCH_BYTES
    assert all(len(e.message.encode()) + EVENT_OVERHEAD <= MAX_EVENT_BYTES for e in batch.entries)
    stamps = [e.timestamp for e in batch.sorted_entries()]
    assert stamps == sorted(stamps) and stamps[-1] - stamps[0] < MAX_SPAN_MS


def small(ts_ms: int, seq: int) -> bytes:
    """~50 bytes: 10,000 of these stay under the byte limit, so the count limit is what binds."""
    return json.dumps({"seq": seq, "ts": rfc3339_ms(ts_ms / 1000)}, separators=(",", ":")).encode()


def test_count_limit_is_10000() -> None:
    batches = feed([small(NOW_MS - 1000, i) for i in range(25_001)])
    assert [len(b.entries) for b in batches] == [10_000, 10_000, 5_001]
    assert all_seqs(batches) == list(range(25_001))
    assert batches[0].end == Cursor("seg-00000001.jsonl", 10_000)
    for b in batches:
        check_limits(b)


def test_byte_limit_counts_utf8_bytes_plus_26_each() -> None:
    # Multi-byte characters: a byte count by characters would overflow the call.
    pad = "é" * 2000
    raw = line(NOW_MS - 1000, 0, pad)
    size = len(raw) + EVENT_OVERHEAD
    per_batch = MAX_BATCH_BYTES // size
    batches = feed([line(NOW_MS - 1000, i, pad) for i in range(per_batch * 2 + 1)])
    assert len(batches[0].entries) == per_batch
    assert batches[0].size == sum(e.size for e in batches[0].entries) <= MAX_BATCH_BYTES
    assert all_seqs(batches) == list(range(per_batch * 2 + 1))
    for b in batches:
        check_limits(b)


def test_byte_limit_exact_boundary() -> None:
    # Two events that together fill the call to the byte go in one batch; one byte more splits.
    base = len(line(NOW_MS, 0)) + EVENT_OVERHEAD
    fill = MAX_BATCH_BYTES // 2 - base
    exact = [line(NOW_MS - 1000, 0, "a" * fill), line(NOW_MS - 1000, 1, "a" * fill)]
    assert len(feed(exact)) == 1 and feed(exact)[0].size == MAX_BATCH_BYTES
    over = [line(NOW_MS - 1000, 0, "a" * fill), line(NOW_MS - 1000, 1, "a" * (fill + 1))]
    assert len(feed(over)) == 2


def test_oversize_event_is_truncated_and_marked_not_dropped() -> None:
    huge = line(NOW_MS - 1000, 7, "x" * (MAX_EVENT_BYTES + 10), hash="h7")
    batches = feed([line(NOW_MS - 1000, 6), huge, line(NOW_MS - 1000, 8)])
    entries = [e for b in batches for e in b.entries]
    assert len(entries) == 3
    stub = json.loads(entries[1].message)
    assert entries[1].truncated and stub["truncated"] is True
    assert (stub["seq"], stub["event_id"], stub["hash"]) == (7, "e7", "h7")
    assert stub["original_bytes"] == len(huge) and len(stub["original_sha256"]) == 64
    assert stub["prefix"] and huge.decode().startswith(stub["prefix"])
    for b in batches:
        check_limits(b)


def test_oversize_event_with_escapes_still_fits() -> None:
    # Control characters expand 6x when JSON-escaped: the stub must still fit.
    huge = line(NOW_MS - 1000, 1, "\x01" * (MAX_EVENT_BYTES // 5))
    [batch] = feed([huge])
    check_limits(batch)
    assert batch.entries[0].truncated


def test_chronological_order_within_a_call() -> None:
    # A clock step backwards between writes: spool order is not time order.
    stamps = [NOW_MS - 5000, NOW_MS - 9000, NOW_MS - 7000, NOW_MS - 1000]
    [batch] = feed([line(ts, i) for i, ts in enumerate(stamps)])
    assert [e.timestamp for e in batch.sorted_entries()] == sorted(stamps)
    assert batch.end == Cursor("seg-00000001.jsonl", 4)  # acknowledgement still covers all


def test_a_call_never_spans_24_hours() -> None:
    # A laptop offline for three days ships its backlog in day-sized calls.
    stamps = [NOW_MS - 72 * HOUR + i * HOUR for i in range(72)]
    batches = feed([line(ts, i) for i, ts in enumerate(stamps)])
    assert len(batches) == 3
    for b in batches:
        check_limits(b)
    assert all_seqs(batches) == list(range(72))


def test_too_old_and_too_new_are_sent_with_the_shipping_time_keeping_their_own_ts() -> None:
    old = line(NOW_MS - MAX_AGE_MS - HOUR, 0)
    new = line(NOW_MS + 3 * HOUR, 1)
    fine = line(NOW_MS - 20 * HOUR, 2)
    [batch] = feed([old, new, fine])
    by_seq = {json.loads(e.message)["seq"]: e for e in batch.entries}
    assert by_seq[0].clamped and by_seq[0].timestamp == NOW_MS and by_seq[0].message == old.decode()
    assert by_seq[1].clamped and by_seq[1].timestamp == NOW_MS
    assert not by_seq[2].clamped and by_seq[2].timestamp == NOW_MS - 20 * HOUR
    check_limits(batch)


def test_retention_shorter_than_14_days_narrows_the_window() -> None:
    raw = line(NOW_MS - 3 * 24 * HOUR, 0)
    [batch] = feed([raw], retention_days=1)
    assert batch.entries[0].clamped
    [batch] = feed([raw], retention_days=30)
    assert not batch.entries[0].clamped


def test_unreadable_line_is_still_shipped() -> None:
    [batch] = feed([b"\xff\xfe not json"])
    assert batch.entries[0].timestamp == NOW_MS and "not json" in batch.entries[0].message
