"""`audit verify --remote`: re-verify every host's hash chain from CloudWatch Logs, the authoritative copy.

The local trail is tamper *evidence* only (its owner can rewrite it); what was shipped cannot be changed by
the laptop's user once CloudWatch accepted it. Each log stream (`<user>/<host>`, one spool) is read in the
order CloudWatch returns it (event timestamp, ties by `seq`) and checked:

- duplicates: delivery is at-least-once, so the same `event_id` with the same content is counted, not an
  error; the same `event_id` with different content is an edited copy;
- every event's `hash` matches its content (else: edited or forged);
- every event's `prev_hash` is the hash of the event with the previous `seq` (else: forged, inserted or
  an event before it removed); a `seq` gap is reported as missing events; two different events with one
  `seq` as a forgery; a `seq` lower than one already seen as a re-ordering;
- a chain that restarts (`seq` 1 chained on the genesis hash: a re-installed spool) is allowed and said;
  a stream starting above `seq` 1 (older events expired by retention) is checked from its first event;
- oversize events shipped as truncated stubs cannot be checked and are said as warnings.

boto3 is imported through the shipper's client: never on the hot path.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from claude_enterprise.audit.events import GENESIS_HASH, event_hash


@dataclass(frozen=True)
class RemoteBreak:
    stream: str
    position: int  # 1-based index of the message in the stream as CloudWatch returned it
    seq: int | None
    event_id: str | None
    timestamp: int | None  # CloudWatch event timestamp, epoch ms
    problem: str

    def describe(self) -> str:
        ident = f" (seq {self.seq}, event {self.event_id})" if self.seq is not None else ""
        return f"stream {self.stream} message {self.position}{ident}: {self.problem}"


@dataclass
class StreamReport:
    stream: str
    messages: int = 0
    checked: int = 0
    duplicates: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    chains: int = 0
    first_break: RemoteBreak | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.first_break is None

    def as_dict(self) -> dict[str, Any]:
        brk = self.first_break
        return {"stream": self.stream, "ok": self.ok, "messages": self.messages, "checked": self.checked,
                "duplicates": self.duplicates, "first_seq": self.first_seq, "last_seq": self.last_seq,
                "chains": self.chains, "warnings": self.warnings,
                "first_break": None if brk is None else {
                    "position": brk.position, "seq": brk.seq, "event_id": brk.event_id,
                    "timestamp": brk.timestamp, "problem": brk.problem}}


@dataclass
class RemoteReport:
    log_group: str
    streams: list[StreamReport] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and all(s.ok for s in self.streams)

    def as_dict(self) -> dict[str, Any]:
        return {"log_group": self.log_group, "ok": self.ok, "error": self.error,
                "streams": [s.as_dict() for s in self.streams]}


def verify_stream(stream: str, events: list[tuple[int, str]]) -> StreamReport:
    """Check one stream's messages, given as (CloudWatch timestamp ms, message) in the order returned."""
    report = StreamReport(stream)
    parsed: list[tuple[int, int, int, dict[str, Any], str]] = []  # (ts, seq, position, event, message)
    for position, (timestamp, message) in enumerate(events, start=1):
        report.messages += 1
        try:
            event = json.loads(message)
            if not isinstance(event, dict):
                raise ValueError
        except ValueError:
            report.first_break = RemoteBreak(stream, position, None, None, timestamp,
                                             "message is not a JSON audit event (forged or foreign)")
            return report
        seq, event_id = event.get("seq"), event.get("event_id")
        if not isinstance(seq, int) or not isinstance(event_id, str) or not isinstance(event.get("hash"), str):
            report.first_break = RemoteBreak(stream, position, seq if isinstance(seq, int) else None,
                                             event_id if isinstance(event_id, str) else None, timestamp,
                                             "event has no seq/event_id/hash (forged or foreign)")
            return report
        parsed.append((timestamp, seq, position, event, message))
    # CloudWatch orders by timestamp; events of one batch often share a millisecond: ties go by seq.
    parsed.sort(key=lambda item: (item[0], item[1]))
    seen: dict[str, str] = {}  # event_id -> message
    by_seq: dict[int, str] = {}  # seq -> event_id, within the current chain
    prev_seq: int | None = None
    prev_hash: str | None = None
    ahead = Counter(seq for _, seq, _, _, _ in parsed)  # seqs still to come in the walk
    for timestamp, seq, position, event, message in parsed:
        ahead[seq] -= 1
        event_id = str(event["event_id"])

        def brk(problem: str, *, _p: int = position, _s: int = seq, _e: str = event_id,
                _t: int = timestamp) -> StreamReport:
            report.first_break = RemoteBreak(stream, _p, _s, _e, _t, problem)
            return report

        if event_id in seen:
            if seen[event_id] == message:
                report.duplicates += 1
                continue
            return brk("the same event_id was shipped with different content: one copy was edited")
        seen[event_id] = message
        truncated = event.get("truncated") is True
        if not truncated and event_hash(event) != event["hash"]:
            return brk("event was edited or forged: its hash does not match its content")
        restart = seq == 1 and event.get("prev_hash") == GENESIS_HASH
        if prev_seq is None or restart:
            if restart:
                by_seq = {}
            report.chains += 1
            if prev_seq is not None:
                report.warnings.append(f"message {position}: the chain restarts at seq 1 after seq {prev_seq} "
                                       "(a new spool on this host: re-installed or its state removed)")
            elif seq != 1:
                report.warnings.append(f"the stream starts at seq {seq}: earlier events are not in CloudWatch "
                                       "(expired by retention, or shipped elsewhere); checked from there")
        elif seq in by_seq:
            return brk(f"seq {seq} appears twice (events {by_seq[seq]} and {event_id}): a forged or "
                       "inserted event")
        elif seq < prev_seq:
            return brk(f"seq {seq} comes after seq {prev_seq}: events re-ordered")
        elif seq > prev_seq + 1 and ahead[prev_seq + 1] > 0:
            return brk(f"seq {seq} comes before seq {prev_seq + 1}, which is later in the stream: "
                       "events re-ordered")
        elif seq > prev_seq + 1:
            return brk(f"seq jumps from {prev_seq} to {seq}: {seq - prev_seq - 1} event(s) missing before it")
        elif not truncated and event.get("prev_hash") != prev_hash:
            return brk("prev_hash does not match the previous event: forged, inserted or edited")
        if truncated:
            report.warnings.append(f"seq {seq} was shipped truncated (oversize); its content and link are "
                                   "not checkable remotely (compare original_sha256 with the local trail)")
        by_seq[seq] = event_id
        prev_seq, prev_hash = seq, str(event["hash"])
        report.checked += 1
        report.first_seq = seq if report.first_seq is None else report.first_seq
        report.last_seq = seq
    return report


def stream_names(client: Any, log_group: str, prefix: str | None) -> Iterator[str]:
    kwargs: dict[str, Any] = {"logGroupName": log_group}
    if prefix:
        kwargs["logStreamNamePrefix"] = prefix
    while True:
        page = client.describe_log_streams(**kwargs)
        for stream in page.get("logStreams", []):
            yield str(stream["logStreamName"])
        token = page.get("nextToken")
        if not token:
            return
        kwargs["nextToken"] = token


def stream_events(client: Any, log_group: str, stream: str) -> list[tuple[int, str]]:
    """(timestamp, message) of every event in `stream`, oldest first."""
    events: list[tuple[int, str]] = []
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"logGroupName": log_group, "logStreamName": stream, "startFromHead": True}
        if token:
            kwargs["nextToken"] = token
        page = client.get_log_events(**kwargs)
        events.extend((int(e["timestamp"]), str(e["message"])) for e in page["events"])
        following = page.get("nextForwardToken")
        # The end is the token coming back unchanged: a page may be empty while more events follow.
        if not following or following == token:
            return events
        token = following


def verify_remote(*, log_group: str, region: str, endpoint_url: str | None = None,
                  stream_prefix: str | None = None) -> RemoteReport:
    """Re-verify every stream of `log_group` (or those starting with `stream_prefix`)."""
    from claude_enterprise.audit.shipper import logs_client

    report = RemoteReport(log_group)
    client = logs_client(region, endpoint_url)
    try:
        for stream in stream_names(client, log_group, stream_prefix):
            report.streams.append(verify_stream(stream, stream_events(client, log_group, stream)))
    except Exception as exc:  # botocore errors: access denied, no such group, unreachable
        code = getattr(exc, "response", {}).get("Error", {}).get("Code") if hasattr(exc, "response") else None
        report.error = f"{code or type(exc).__name__}: {exc}"
    return report
