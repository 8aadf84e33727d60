"""`admin chargeback` over a real local trail written by `record()` (the spool's own format and hash chain)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from claude_enterprise.audit import AuditContext, record
from claude_enterprise.audit.spool import list_segments
from tests.support.cli import CLI

ALICE = AuditContext(session_id="s1", profile="standard", user={"sub": "a", "email": "alice@example.com"},
                     tags={"team": "web", "department": "eng", "cost_center": "CC1"})
BOB = AuditContext(session_id="s2", profile="restricted", user={"sub": "b", "email": "bob@example.com"},
                   tags={"team": "data", "department": "eng", "cost_center": "CC2"})


def usage(ctx: AuditContext, spool: Path, model: str, inp: int, out: int, cost: float | None,
          region: str | None = "us-east-1", session: str | None = None) -> dict[str, Any]:
    return record("usage", ctx, spool_dir=spool, model=model, tokens={model: {"input": inp, "output": out}},
                  input_tokens=inp, output_tokens=out, cache_read_tokens=10 * inp, cache_write_tokens=inp,
                  cost_usd=cost, provider="bedrock", region=region,
                  **({"session_id": session} if session else {}))


@pytest.fixture
def spool(tmp_path: Path) -> Path:
    spool = tmp_path / "audit"
    usage(ALICE, spool, "us.anthropic.claude-sonnet-4-5-v1:0", 1000, 200, 0.5)
    usage(ALICE, spool, "claude-haiku-4-5", 100, 20, 0.01)
    usage(ALICE, spool, "us.anthropic.claude-sonnet-4-5-v1:0", 500, 100, 0.25, session="s3")
    usage(BOB, spool, "claude-mystery-7", 300, 30, None, region="eu-west-1")
    record("session_end", BOB, spool_dir=spool, exit_code=0)
    return spool


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, "admin", "chargeback", *args],
                          capture_output=True, text=True, check=False, timeout=60)


def test_json_by_team(spool: Path) -> None:
    month = record("session_start", ALICE, spool_dir=spool)["ts"][:7]
    result = run("--month", month, "--by", "team", "--format", "json", "--spool-dir", str(spool))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    rows = {r["team"]: r for r in data["rows"]}
    web = rows["web"]
    assert (web["sessions"], web["users"], web["input_tokens"], web["output_tokens"]) == (2, 1, 1600, 320)
    assert (web["cache_read_tokens"], web["cache_write_tokens"]) == (16000, 1600)
    assert web["cost_usd"] == pytest.approx(0.76)
    data_row = rows["data"]
    assert data_row["cost_usd"] == 0 and data_row["unpriced_models"] == ["claude-mystery-7"]
    regions = {r["region"]: r["input_tokens"] for r in data["regions"]}
    assert regions == {"us-east-1": 1600, "eu-west-1": 300}
    models = {r["model"]: r["sessions"] for r in data["models"]}
    assert models["us.anthropic.claude-sonnet-4-5-v1:0"] == 2


def test_events_counted_once_even_when_the_trail_holds_them_twice(spool: Path) -> None:
    month = record("session_start", ALICE, spool_dir=spool)["ts"][:7]
    first = json.loads(run("--month", month, "--by", "user", "--format", "json", "--spool-dir", str(spool)).stdout)
    # the same events again (an imported copy of the trail): appended as a further segment
    name, _ = list_segments(spool)[-1]
    copied = (spool / name).read_text()
    (spool / "seg-99999999.jsonl").write_text(copied)
    again = json.loads(run("--month", month, "--by", "user", "--format", "json", "--spool-dir", str(spool)).stdout)
    assert again["rows"] == first["rows"]
    alice = next(r for r in again["rows"] if r["user"] == "alice@example.com")
    assert alice["input_tokens"] == 1600


def test_csv_and_markdown(spool: Path) -> None:
    month = record("session_start", ALICE, spool_dir=spool)["ts"][:7]
    out = run("--month", month, "--by", "cost_center", "--format", "csv", "--spool-dir", str(spool))
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert [(r["cost_center"], r["input_tokens"]) for r in rows] == [("CC1", "1600"), ("CC2", "300")]
    md = run("--month", month, "--by", "profile", "--spool-dir", str(spool)).stdout
    assert "| standard | 2 | 1 | 1600 | 320 | 16000 | 1600 | 0.7600 |" in md
    assert "## Model usage" in md and "## Regional distribution" in md


def test_other_months_and_bad_arguments(spool: Path) -> None:
    empty = json.loads(run("--month", "2001-01", "--format", "json", "--spool-dir", str(spool)).stdout)
    assert empty["rows"] == [] and empty["events"] == 0
    for args in (["--month", "2026-13"], ["--month", "2026-11", "--by", "host"], ["--month", "2026-11",
                                                                                  "--format", "xml"]):
        result = run(*args, "--spool-dir", str(spool))
        assert result.returncode == 2 and "chargeback" in result.stderr
