"""The spool: torn writes, rotation, bounds and alerts, concurrent writers, status."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from claude_enterprise.audit import AuditContext, AuditWriteError, record, spool_status
from claude_enterprise.audit.reader import verify
from claude_enterprise.audit.spool import Cursor, Spool, iter_lines, list_segments, spool_for, write_cursor
from tests.audit.helpers import subprocess_env


def events_in(spool: Path) -> list[dict[str, object]]:
    return [json.loads(raw) for _, _, _, raw in iter_lines(spool)]


def limited(spool: Path, max_bytes: int, segment_bytes: int | None = None) -> Spool:
    return spool_for(spool, lambda d: Spool(d, max_bytes=max_bytes, segment_bytes=segment_bytes))


def newest_segment(spool: Path) -> Path:
    return spool / list_segments(spool)[-1][0]


def test_torn_last_line_is_quarantined_reported_and_chain_continues(
        spool_dir: Path, capfd: pytest.CaptureFixture[str]) -> None:
    for _ in range(3):
        record("session_start", spool_dir=spool_dir)
    partial = b'{"schema":"claude-enterprise.audit/1","event_id":"torn'
    with newest_segment(spool_dir).open("ab") as handle:
        handle.write(partial)
    status = spool_status(spool_dir)
    assert status.torn_tail and status.depth == 3  # the partial line is never counted or shipped
    assert any("unfinished write" in w for w in verify(spool_dir).warnings)

    after = record("session_end", spool_dir=spool_dir)

    events = events_in(spool_dir)
    assert [e["type"] for e in events] == ["session_start"] * 3 + ["audit_spool_repaired", "session_end"]
    repair = events[3]
    assert repair["bytes"] == len(partial) and "torn write" in str(repair["reason"])
    assert Path(str(repair["quarantined_to"])).read_bytes() == partial
    assert after["seq"] == 5 and after["prev_hash"] == repair["hash"]
    report = verify(spool_dir)
    assert report.ok and report.checked == 5
    assert any("spool repaired" in w for w in report.warnings)
    assert "torn write" in capfd.readouterr().err


def test_corrupt_complete_last_line_and_torn_tail_are_both_quarantined(spool_dir: Path) -> None:
    record("session_start", spool_dir=spool_dir)
    with newest_segment(spool_dir).open("ab") as handle:
        handle.write(b"\x00\x00\x00garbage\n{\"half")
    record("session_end", spool_dir=spool_dir)
    assert [e["type"] for e in events_in(spool_dir)] == ["session_start", "audit_spool_repaired", "session_end"]
    assert verify(spool_dir).ok


def test_segments_rotate_and_chain_spans_them(spool_dir: Path) -> None:
    limited(spool_dir, max_bytes=10_000_000, segment_bytes=4096)
    written = [record("tool_decision", spool_dir=spool_dir, decision="allow", command=f"ls {i}")
               for i in range(60)]
    assert len(list_segments(spool_dir)) > 5
    report = verify(spool_dir)
    assert report.ok and report.checked == 60 and report.last_seq == written[-1]["seq"] == 60
    assert [e["event_id"] for e in events_in(spool_dir)] == [e["event_id"] for e in written]


def test_full_spool_alerts_once_then_refuses_never_losing_what_it_accepted(
        spool_dir: Path, capfd: pytest.CaptureFixture[str]) -> None:
    limited(spool_dir, max_bytes=24_000, segment_bytes=4096)
    accepted = []
    with pytest.raises(AuditWriteError, match="AUDIT SPOOL FULL"):
        for i in range(1000):
            accepted.append(record("tool_decision", spool_dir=spool_dir, command=f"echo {i}")["event_id"])
    err = capfd.readouterr().err
    assert "% full" in err and "AUDIT SPOOL FULL" in err
    types = [e["type"] for e in events_in(spool_dir)]
    assert types.count("audit_spool_high_water") == 1 and types.count("audit_spool_full") == 1
    kept = {e["event_id"] for e in events_in(spool_dir)}
    assert set(accepted) <= kept
    # Still refused on the next attempt (callers keep failing closed), without a second full event.
    with pytest.raises(AuditWriteError):
        record("tool_decision", spool_dir=spool_dir)
    assert [e["type"] for e in events_in(spool_dir)].count("audit_spool_full") == 1
    assert spool_status(spool_dir).full


def test_acknowledged_segments_are_pruned_to_make_room_and_verify_uses_the_anchor(spool_dir: Path) -> None:
    limited(spool_dir, max_bytes=24_000, segment_bytes=4096)
    with pytest.raises(AuditWriteError):
        for i in range(1000):
            record("tool_decision", spool_dir=spool_dir, command=f"echo {i}")
    last = list(iter_lines(spool_dir))[-1]
    write_cursor(spool_dir, Cursor(last[0], last[2]))  # as the shipper does after acceptance
    event = record("tool_decision", spool_dir=spool_dir, command="after shipping")
    assert event["type"] == "tool_decision"
    status = spool_status(spool_dir)
    assert status.depth == 1 and not status.full
    report = verify(spool_dir)
    assert report.ok and report.last_seq == event["seq"]
    assert any("pruned" in w for w in report.warnings)


def test_concurrent_writer_processes_keep_one_valid_chain(spool_dir: Path) -> None:
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from claude_enterprise.audit import AuditContext, record\n"
        "ctx = AuditContext(session_id=sys.argv[1])\n"
        "for i in range(150):\n"
        "    record('tool_decision', ctx, spool_dir=Path(sys.argv[2]), decision='allow', command=f'c{i}')\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", script, f"writer-{n}", str(spool_dir)], env=subprocess_env())
             for n in range(4)]
    # This process writes too, from several threads.
    threads = [threading.Thread(target=lambda: [record("usage", AuditContext(session_id="threads"),
                                                       spool_dir=spool_dir) for _ in range(50)])
               for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [p.wait(timeout=60) for p in procs] == [0] * 4
    report = verify(spool_dir)
    assert report.ok, report.first_break
    assert report.checked == 4 * 150 + 150
    events = events_in(spool_dir)
    assert [e["seq"] for e in events] == list(range(1, 751))
    for n in range(4):
        mine = [e["command"] for e in events if e["session_id"] == f"writer-{n}"]
        assert mine == [f"c{i}" for i in range(150)]  # each writer's events in its own order


def test_status_reports_depth_age_size_and_writability(spool_dir: Path) -> None:
    empty = spool_status(spool_dir)
    assert (empty.depth, empty.oldest_unshipped_ts, empty.bytes, empty.writable) == (0, None, 0, True)
    first = record("session_start", spool_dir=spool_dir)
    record("session_end", spool_dir=spool_dir)
    status = spool_status(spool_dir)
    assert status.depth == 2 and status.oldest_unshipped_ts == first["ts"]
    assert status.bytes == status.unshipped_bytes > 0 and not status.full and not status.high_water
    assert status.as_dict()["directory"] == str(spool_dir)


def test_local_only_trail_retires_oldest_segments_as_a_recorded_event(spool_dir: Path) -> None:
    spool = limited(spool_dir, max_bytes=100_000, segment_bytes=2048)
    for i in range(60):
        record("tool_decision", spool_dir=spool_dir, command=f"echo {i}")
    before = sum(size for _, size in list_segments(spool_dir))
    retired = spool.retire_local(keep_bytes=8_000)
    assert retired is not None and retired["bytes"] > 0 and retired["through_seq"] > 0
    after = sum(size for _, size in list_segments(spool_dir))
    assert after < before and after <= 8_000 + 2048 + 2048
    (event,) = [e for e in events_in(spool_dir) if e["type"] == "audit_spool_retired"]
    assert event["through_seq"] == retired["through_seq"]
    report = verify(spool_dir)
    assert report.ok and report.last_seq == event["seq"]
    assert spool.retire_local(keep_bytes=8_000) is None  # nothing more to retire
