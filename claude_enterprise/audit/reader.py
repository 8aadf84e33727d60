"""Reading the local trail: listing with filters and verifying the hash chain.

Verification is local tamper *evidence*: a user who can write the spool could rewrite the whole chain,
so the authoritative copy is the one shipped to CloudWatch (where the chain can be checked again).
What `verify` catches is an edited, removed, inserted or re-ordered event, and events removed at the end
(against the head sidecar). Standard library only.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claude_enterprise.audit.events import Head, event_hash, parse_ts_ms
from claude_enterprise.audit.spool import (
    ANCHOR_FILE,
    HEAD_FILE,
    AuditWriteError,
    iter_lines,
    list_segments,
    read_anchor,
    read_head_sidecar,
    tail_start,
)


@dataclass(frozen=True)
class Break:
    """The first place the chain does not hold."""

    segment: str
    line: int
    seq: int | None
    event_id: str | None
    problem: str

    def describe(self) -> str:
        where = f"{self.segment} line {self.line}"
        ident = f" (seq {self.seq}, event {self.event_id})" if self.seq is not None else ""
        return f"{where}{ident}: {self.problem}"


@dataclass
class VerifyReport:
    checked: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    first_break: Break | None = None
    warnings: list[str] = field(default_factory=list)
    anchor_at_start: Head | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return self.first_break is None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok, "checked": self.checked, "first_seq": self.first_seq, "last_seq": self.last_seq,
            "first_break": None if self.first_break is None else {
                "segment": self.first_break.segment, "line": self.first_break.line,
                "seq": self.first_break.seq, "event_id": self.first_break.event_id,
                "problem": self.first_break.problem},
            "warnings": self.warnings,
        }


def _line_numbers(directory: Path) -> Iterator[tuple[str, int, bytes]]:
    """(segment, 1-based line number, raw line) for every complete line of the spool."""
    current = ""
    number = 0
    for name, _, _, raw in iter_lines(directory):
        if name != current:
            current, number = name, 0
        number += 1
        yield name, number, raw


# A writer retiring shipped segments moves the anchor while the walk runs; each retry starts from the new
# anchor. Retirement is rare (only above 80 % of the spool's bound), so a few attempts always suffice.
VERIFY_ATTEMPTS = 5


def verify(directory: Path) -> VerifyReport:
    """Walk the whole chain from its anchor; stop at the first broken link.

    A break found while the anchor moved under the walk (a concurrent writer retired already-shipped
    segments: the walk then starts in a segment that no longer exists) is not a break in the chain:
    the walk starts again from the new anchor."""
    report = _verify_once(directory)
    for _ in range(VERIFY_ATTEMPTS - 1):
        if report.ok or report.anchor_at_start == _anchor_or_none(directory):
            break
        report = _verify_once(directory)
    return report


def _anchor_segment(directory: Path) -> str:
    """The segment whose last event the anchor names (retired, or about to be unlinked)."""
    try:
        data = json.loads((directory / ANCHOR_FILE).read_text(encoding="utf-8"))
        return str(data.get("segment") or "")
    except (OSError, ValueError, AttributeError):
        return ""


def _anchor_or_none(directory: Path) -> Head | None:
    try:
        return read_anchor(directory)
    except AuditWriteError:
        return None


def _verify_once(directory: Path) -> VerifyReport:
    report = VerifyReport()
    # Read before the lines: a writer appending meanwhile only adds lines after the head we saw,
    # so a live spool never looks truncated.
    head = read_head_sidecar(directory)
    hash_at_head: str | None = None
    anchor = read_anchor(directory)
    report.anchor_at_start = anchor
    prev_seq, prev_hash = anchor.seq, anchor.hash
    if anchor.seq:
        report.warnings.append(f"events up to seq {anchor.seq} were shipped and pruned; "
                               "chain checked from there")
    retired = _anchor_segment(directory)
    for name, number, raw in _line_numbers(directory):
        if retired and name <= retired:
            continue  # read the anchor between its move and the segment's unlink: already retired
        try:
            event = json.loads(raw)
            if not isinstance(event, dict):
                raise ValueError("not an object")
        except ValueError:
            report.first_break = Break(name, number, None, None, "line is not a valid JSON event")
            return report
        seq, event_id = event.get("seq"), event.get("event_id")
        brk = _check(event, prev_seq, prev_hash)
        if brk:
            report.first_break = Break(name, number, seq if isinstance(seq, int) else None,
                                       event_id if isinstance(event_id, str) else None, brk)
            return report
        if event.get("type") == "audit_spool_repaired":
            report.warnings.append(
                f"seq {seq}: spool repaired after a crash: {event.get('reason')} "
                f"({event.get('bytes')} bytes quarantined to {event.get('quarantined_to')})")
        prev_seq, prev_hash = int(event["seq"]), str(event["hash"])
        if head and prev_seq == head.seq:
            hash_at_head = prev_hash
        report.checked += 1
        report.first_seq = prev_seq if report.first_seq is None else report.first_seq
        report.last_seq = prev_seq
    if head and head.seq > prev_seq:
        segments = list_segments(directory)
        report.first_break = Break(segments[-1][0] if segments else "-", 0, prev_seq, None,
                                   f"the trail ends at seq {prev_seq} but seq {head.seq} was written: "
                                   f"{head.seq - prev_seq} event(s) removed at the end")
    elif head and hash_at_head is not None and hash_at_head != head.hash:
        report.first_break = Break("-", 0, head.seq, None,
                                   f"event seq {head.seq} differs from the one written (trail rewritten)")
    if head is None and report.checked:
        report.warnings.append(f"the head anchor ({directory / HEAD_FILE}) is missing: events removed from "
                               "the end of the trail cannot be detected locally (verify the shipped copy "
                               "with `audit verify --remote`)")
    _warn_torn(directory, report)
    return report


def _check(event: dict[str, Any], prev_seq: int, prev_hash: str) -> str | None:
    seq = event.get("seq")
    if not isinstance(seq, int) or not isinstance(event.get("hash"), str):
        return "event has no seq/hash"
    if event_hash(event) != event["hash"]:
        return "event was edited: its hash does not match its content"
    if event.get("prev_hash") != prev_hash:
        if seq > prev_seq + 1:
            return f"seq jumps from {prev_seq} to {seq}: {seq - prev_seq - 1} event(s) removed before it"
        return ("prev_hash does not match the previous event: an event before it was removed, "
                "inserted or edited")
    if seq != prev_seq + 1:
        return f"seq {seq} follows {prev_seq}: events re-ordered or re-numbered"
    return None


def _warn_torn(directory: Path, report: VerifyReport) -> None:
    segments = [(n, s) for n, s in list_segments(directory) if s]
    if not segments:
        return
    name, _ = segments[-1]
    with open(directory / name, "rb") as handle:
        size = handle.seek(0, 2)
        start = tail_start(handle.fileno(), size)
    if start < size:
        report.warnings.append(f"{name}: {size - start} bytes of an unfinished write at the end (torn "
                               "write or a writer in progress); the next append quarantines it")


@dataclass(frozen=True)
class Filter:
    """Selection for `audit list`. `since_ms` is epoch milliseconds."""

    types: frozenset[str] = frozenset()
    session: str | None = None
    decision: str | None = None
    since_ms: int | None = None

    def matches(self, event: dict[str, Any]) -> bool:
        if self.types and event.get("type") not in self.types:
            return False
        if self.session and event.get("session_id") != self.session:
            return False
        if self.decision and event.get("decision") != self.decision:
            return False
        if self.since_ms is not None:
            ts = event.get("ts")
            try:
                return isinstance(ts, str) and parse_ts_ms(ts) >= self.since_ms
            except ValueError:
                return False
        return True


def select(directory: Path, selection: Filter, limit: int | None = None) -> list[dict[str, Any]]:
    """Matching events in spool order; with `limit`, only the most recent `limit` (bounded memory)."""
    kept: deque[dict[str, Any]] = deque(maxlen=limit if limit and limit > 0 else None)
    for _, _, _, raw in iter_lines(directory):
        try:
            event = json.loads(raw)
        except ValueError:
            continue  # `verify` reports it; listing shows what can be read
        if isinstance(event, dict) and selection.matches(event):
            kept.append(event)
    return list(kept)
