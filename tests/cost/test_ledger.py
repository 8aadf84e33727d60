"""The ledger over fixture transcripts shaped like Claude Code's: repeated records of one response, subagents,
cache tokens, an unknown model, a resumed transcript; and the usage events it produces."""

from __future__ import annotations

import calendar
import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from claude_enterprise.audit import AuditContext
from claude_enterprise.cost.ledger import (
    project_key,
    read_responses,
    session_usage,
    summarise,
    transcript_files,
)
from claude_enterprise.cost.pricing import default_table
from claude_enterprise.cost.session import UsageRecorder

SID = "0b6f3a52-9c1e-4d7a-8f00-1234567890ab"
CWD = "/home/dev/my.repo"


def assistant(mid: str, rid: str, model: str, out: int, ts: str = "2026-11-02T10:00:00.000Z", *,
              inp: int = 100, read: int = 0, w5: int = 0, w1: int = 0, block: str = "text") -> dict[str, Any]:
    return {"type": "assistant", "sessionId": SID, "requestId": rid, "timestamp": ts, "uuid": f"{mid}-{out}",
            "message": {"id": mid, "model": model, "role": "assistant", "content": [{"type": block}],
                        "usage": {"input_tokens": inp, "output_tokens": out, "cache_read_input_tokens": read,
                                  "cache_creation_input_tokens": w5 + w1,
                                  "cache_creation": {"ephemeral_5m_input_tokens": w5,
                                                     "ephemeral_1h_input_tokens": w1}}}}


def write(path: Path, records: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    project = tmp_path / ".claude" / "projects" / project_key(CWD)
    sonnet = "claude-sonnet-4-5-20250929"
    lines = [
        {"type": "user", "message": {"role": "user", "content": "usage: \"assistant\" in a prompt is no record"}},
        assistant("msg_A", "req_A", sonnet, 1, read=5000, w5=1000, block="thinking"),
        assistant("msg_A", "req_A", sonnet, 250, read=5000, w5=1000, block="tool_use"),
        assistant("msg_A", "req_A", sonnet, 40, read=5000, w5=1000),
        {"type": "user", "message": {"role": "user", "content": [{"type": "tool_result", "content": "x" * 1000}]}},
        assistant("msg_B", "req_B", sonnet, 60, read=6000, w1=500),
        assistant("msg_C", "req_C", "claude-mystery-7", 10, inp=50),
        {"type": "assistant", "message": {"id": "msg_S", "model": "<synthetic>", "usage": {"output_tokens": 0}}},
        # from before the session started (a resumed transcript): not this session's
        assistant("msg_old", "req_old", sonnet, 999, ts="2026-10-01T00:00:00.000Z"),
    ]
    text = "".join(json.dumps(r) + "\n" for r in lines) + '{"type": "assistant", "message": {"id": "msg_to'
    project.mkdir(parents=True)
    (project / f"{SID}.jsonl").write_text(text)
    # a subagent on Haiku, its response repeated
    haiku = "claude-haiku-4-5-20251001"
    write(project / SID / "subagents" / "agent-1.jsonl", [
        assistant("msg_H", "req_H", haiku, 5, inp=2000), assistant("msg_H", "req_H", haiku, 300, inp=2000)])
    # another session in the same project is not ours
    write(project / "other-session.jsonl", [assistant("msg_X", "req_X", sonnet, 7777)])
    return tmp_path / ".claude"


def test_finds_main_and_subagent_transcripts(config_dir: Path) -> None:
    names = [p.name for p in transcript_files(config_dir, SID, CWD)]
    assert names == [f"{SID}.jsonl", "agent-1.jsonl"]
    # a cwd claude encoded differently (long paths are shortened): found by the session id anyway
    assert [p.name for p in transcript_files(config_dir, SID, "/elsewhere")] == names


def test_each_response_counted_once_with_its_largest_output(config_dir: Path) -> None:
    responses = read_responses(transcript_files(config_dir, SID, CWD), since="2026-11-02T00:00:00.000Z")
    assert sorted(k[0] for k in responses) == ["msg_A", "msg_B", "msg_C", "msg_H"]
    models = summarise(responses)
    sonnet = models["claude-sonnet-4-5-20250929"].as_tokens()
    assert sonnet == {"input": 200, "output": 310, "cache_read": 11000, "cache_write": 1500,
                      "cache_write_5m": 1000, "cache_write_1h": 500}
    assert models["claude-haiku-4-5-20251001"].as_tokens()["output"] == 300
    without_since = summarise(read_responses(transcript_files(config_dir, SID, CWD)))
    assert without_since["claude-sonnet-4-5-20250929"].as_tokens()["output"] == 310 + 999


def test_usage_events_price_known_models_and_report_unknown(config_dir: Path) -> None:
    env = {"CLAUDE_CONFIG_DIR": str(config_dir), "CLAUDE_CODE_USE_BEDROCK": "1", "AWS_REGION": "eu-west-1"}
    bodies = {b["model"]: b for b in session_usage(SID, env, cwd=CWD, since="2026-11-02T00:00:00.000Z",
                                                    prices=default_table(), today="2026-11-30")}
    sonnet = bodies["claude-sonnet-4-5-20250929"]
    # 200×3 + 310×15 + 11000×0.30 + 1000×3.75 + 500×6 = 600 + 4650 + 3300 + 3750 + 3000 = 15300 → $0.0153
    assert sonnet["cost_usd"] == pytest.approx(0.0153)
    assert sonnet["responses"] == 2 and sonnet["priced"] is True
    assert (sonnet["provider"], sonnet["region"], sonnet["endpoint"]) == ("bedrock", "eu-west-1", "first_party")
    # Haiku 4.5: 2000×1 + 300×5 = 3500 → $0.0035
    assert bodies["claude-haiku-4-5-20251001"]["cost_usd"] == pytest.approx(0.0035)
    mystery = bodies["claude-mystery-7"]
    assert mystery["cost_usd"] is None and mystery["priced"] is False and mystery["output_tokens"] == 10


def test_no_transcript_no_usage(tmp_path: Path) -> None:
    assert session_usage(SID, {"CLAUDE_CONFIG_DIR": str(tmp_path)}, cwd=CWD, today="2026-11-30") == []


def test_periodic_recording_writes_only_what_is_new(config_dir: Path, tmp_path: Path) -> None:
    spool = tmp_path / "audit"
    started = calendar.timegm(time.strptime("2026-11-02T00:00:00", "%Y-%m-%dT%H:%M:%S"))
    recorder = UsageRecorder(AuditContext(session_id=SID, profile="standard"), SID,
                             {"CLAUDE_CONFIG_DIR": str(config_dir)}, started, spool_dir=spool, interval=3600)
    here = os.getcwd()
    os.makedirs(tmp_path / "elsewhere", exist_ok=True)
    os.chdir(tmp_path / "elsewhere")  # the ledger finds the transcripts by session id from any cwd
    try:
        assert recorder.record(final=False) == 3  # sonnet, haiku, the unknown model
        assert recorder.record(final=False) == 0  # nothing new
        main = config_dir / "projects" / project_key(CWD) / f"{SID}.jsonl"
        with main.open("a") as out:  # claude finishes the torn record and answers once more on Sonnet
            out.write('"}\n' + json.dumps(assistant("msg_D", "req_D", "claude-sonnet-4-5-20250929", 90, inp=7)) + "\n")
        assert recorder.finish() == 1
    finally:
        os.chdir(here)
    events = [json.loads(line) for seg in sorted(spool.glob("seg-*.jsonl")) for line in seg.read_text().splitlines()]
    sonnet = [e for e in events if e["model"] == "claude-sonnet-4-5-20250929"]
    assert [e["final"] for e in sonnet] == [False, True]
    assert sum(e["output_tokens"] for e in sonnet) == 310 + 90 and sonnet[1]["input_tokens"] == 7
    assert sonnet[1]["tokens"]["claude-sonnet-4-5-20250929"]["output"] == 90 and sonnet[1]["responses"] == 1
    # 7×3 + 90×15 = 21 + 1350 = 1371 → $0.001371 on top of the first $0.0153
    assert sonnet[1]["cost_usd"] == pytest.approx(0.001371)
    assert sum(e["cost_usd"] for e in sonnet) == pytest.approx(0.0153 + 0.001371)
