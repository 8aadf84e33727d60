"""`audit verify`: edited, deleted, re-ordered and truncated trails are found; intact ones pass."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from claude_enterprise.audit import AuditContext, record
from claude_enterprise.audit.events import event_hash
from claude_enterprise.audit.reader import verify
from tests.audit.helpers import subprocess_env
from tests.support.cli import CLI


def trail(spool: Path, n: int = 6) -> Path:
    ctx = AuditContext(session_id="s", profile="restricted")
    for i in range(n):
        record("tool_decision", ctx, spool_dir=spool, decision="deny" if i % 2 else "allow", command=f"cmd {i}")
    return next(spool.glob("seg-*.jsonl"))


def rewrite(segment: Path, lines: list[str]) -> None:
    segment.write_text("".join(lines))


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "claude_enterprise.cli.audit_cmd", *args],
                          capture_output=True, text=True, env=subprocess_env(), timeout=60)


def test_intact_trail_verifies(spool_dir: Path) -> None:
    trail(spool_dir)
    report = verify(spool_dir)
    assert report.ok and report.checked == 6 and (report.first_seq, report.last_seq) == (1, 6)
    result = cli("verify", "--spool-dir", str(spool_dir))
    assert result.returncode == 0 and "intact: 6 event(s)" in result.stdout


def test_edited_event_is_found_at_its_line(spool_dir: Path) -> None:
    segment = trail(spool_dir)
    lines = segment.read_text().splitlines(keepends=True)
    lines[3] = lines[3].replace('"decision":"deny"', '"decision":"allow"')
    rewrite(segment, lines)
    report = verify(spool_dir)
    assert report.first_break is not None
    assert (report.first_break.line, report.first_break.seq) == (4, 4)
    assert "edited" in report.first_break.problem
    result = cli("verify", "--spool-dir", str(spool_dir))
    assert result.returncode == 1
    assert "line 4 (seq 4" in result.stderr and "edited" in result.stderr


def test_edited_and_rehashed_event_breaks_the_next_link(spool_dir: Path) -> None:
    segment = trail(spool_dir)
    lines = segment.read_text().splitlines(keepends=True)
    forged = json.loads(lines[2])
    forged["command"] = "innocent"
    forged["hash"] = event_hash(forged)
    lines[2] = json.dumps(forged) + "\n"
    rewrite(segment, lines)
    brk = verify(spool_dir).first_break
    assert brk is not None and brk.seq == 4 and "prev_hash" in brk.problem


def test_deleted_event_is_found(spool_dir: Path) -> None:
    segment = trail(spool_dir)
    lines = segment.read_text().splitlines(keepends=True)
    del lines[2]
    rewrite(segment, lines)
    brk = verify(spool_dir).first_break
    assert brk is not None and brk.seq == 4 and "1 event(s) removed" in brk.problem


def test_reordered_events_are_found(spool_dir: Path) -> None:
    segment = trail(spool_dir)
    lines = segment.read_text().splitlines(keepends=True)
    lines[1], lines[2] = lines[2], lines[1]
    rewrite(segment, lines)
    assert not verify(spool_dir).ok


def test_events_deleted_at_the_end_are_found(spool_dir: Path) -> None:
    segment = trail(spool_dir)
    lines = segment.read_text().splitlines(keepends=True)
    rewrite(segment, lines[:-2])
    brk = verify(spool_dir).first_break
    assert brk is not None and "2 event(s) removed at the end" in brk.problem
    result = cli("verify", "--spool-dir", str(spool_dir), "--json")
    assert result.returncode == 1
    assert json.loads(result.stdout)["first_break"]["problem"].endswith("removed at the end")


def test_garbage_line_is_a_break(spool_dir: Path) -> None:
    segment = trail(spool_dir)
    lines = segment.read_text().splitlines(keepends=True)
    lines.insert(2, "not json\n")
    rewrite(segment, lines)
    brk = verify(spool_dir).first_break
    assert brk is not None and brk.line == 3 and "not a valid JSON" in brk.problem


def test_rewritten_trail_with_a_valid_chain_is_found_by_the_head(spool_dir: Path, tmp_path: Path) -> None:
    segment = trail(spool_dir)
    forged = trail(tmp_path / "forged")
    segment.write_bytes(forged.read_bytes())  # a self-consistent chain of the same length
    brk = verify(spool_dir).first_break
    assert brk is not None and "rewritten" in brk.problem


def test_verify_during_concurrent_appends_reports_no_false_break(spool_dir: Path) -> None:
    trail(spool_dir, 1)
    script = ("import sys\nfrom pathlib import Path\nfrom claude_enterprise.audit import record\n"
              "for i in range(400):\n    record('usage', spool_dir=Path(sys.argv[1]), n=i)\n")
    writer = subprocess.Popen([sys.executable, "-c", script, str(spool_dir)], env=subprocess_env())
    reports = []
    while writer.poll() is None:
        reports.append(verify(spool_dir))
    assert writer.wait() == 0
    reports.append(verify(spool_dir))
    assert all(r.ok for r in reports), next(r.first_break for r in reports if not r.ok)
    assert reports[-1].checked == 401


def test_the_installed_command_exits_1_on_a_broken_chain(spool_dir: Path) -> None:
    """Through `claude-enterprise audit ...` as cron or a CI gate runs it, not the typer module: the entry point
    once dropped the app's return code, so a broken chain (and a failed upload) exited 0."""
    segment = trail(spool_dir)
    lines = segment.read_text().splitlines(keepends=True)
    lines[3] = lines[3].replace('"decision":"deny"', '"decision":"allow"')
    rewrite(segment, lines)
    argv = CLI
    result = subprocess.run([*argv, "audit", "verify", "--spool-dir", str(spool_dir)], capture_output=True,
                            text=True, env=subprocess_env(), timeout=60, check=False)
    assert result.returncode == 1 and "edited" in result.stderr
    no_region = {k: v for k, v in subprocess_env().items() if k not in ("AWS_REGION", "AWS_DEFAULT_REGION")}
    remote = subprocess.run([*argv, "audit", "verify", "--remote"], capture_output=True, text=True,
                            env=no_region, timeout=60, check=False)
    assert remote.returncode == 2 and "no AWS region" in remote.stderr
