"""End to end: the real Claude Code through our launcher against the fake model that reports token usage.

The `usage` events recorded at session end must sum to what the transcript says (each response once), and
`admin chargeback` over the local trail must report the same figures.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from claude_enterprise.cost.ledger import TOKEN_KINDS, read_responses, transcript_files
from tests.support.cli import CLI
from tests.support.fake_model import FakeModel, Text, ToolUse
from tests.support.launcher import audit_events, run_launcher

pytestmark = pytest.mark.e2e


def test_usage_event_sums_equal_the_transcript(fake_model: FakeModel, launcher_env: dict[str, str],
                                              project_dir: Path) -> None:
    fake_model.queue(ToolUse("Bash", {"command": "true", "description": "noop"}, id="toolu_usage01"), Text("all done"))
    result = run_launcher(["-p", "do it", "--allowedTools", "Bash"],
                          {**launcher_env, "CLAUDE_ENTERPRISE_PROFILE": "standard"}, project_dir)
    assert result.returncode == 0, result.stderr
    events = audit_events(Path(launcher_env["CLAUDE_ENTERPRISE_STATE_DIR"]))
    session_id = next(e["session_id"] for e in events if e["type"] == "session_start")
    usage = [e for e in events if e["type"] == "usage"]
    assert usage, [e["type"] for e in events]

    files = transcript_files(Path(launcher_env["CLAUDE_CONFIG_DIR"]), session_id, str(project_dir))
    assert files and files[0].name == f"{session_id}.jsonl"
    responses = read_responses(files)
    # Every Messages request claude made with a model answered once in the transcript at most; the agent
    # turns (2: the tool call, the final text) are there.
    assert len(responses) >= 2
    expected = {kind: sum(r.tokens[i] for r in responses.values()) for i, kind in enumerate(TOKEN_KINDS)}
    assert sum(e["input_tokens"] for e in usage) == expected["input"] == 12 * len(responses)
    assert sum(e["output_tokens"] for e in usage) == expected["output"]
    assert sum(e["cache_read_tokens"] for e in usage) == expected["cache_read"] == 2000 * len(responses)
    assert sum(e["cache_write_tokens"] for e in usage) == 300 * len(responses)
    for event in usage:
        assert event["profile"] == "standard" and event["session_id"] == session_id
        assert set(event["tokens"]) == {event["model"]}
        assert event["provider"] == "anthropic"
        emf = event["_aws"]["CloudWatchMetrics"][0]
        assert emf["Namespace"] == "ClaudeCode/Enterprise" and emf["Dimensions"] == [["Profile", "Model"]]
        assert event["Model"] == event["model"] and event["InputTokens"] == event["input_tokens"]

    # admin chargeback over the local trail reports the same sums

    month = usage[0]["ts"][:7]
    trail = Path(launcher_env["CLAUDE_ENTERPRISE_STATE_DIR"]) / "audit"
    report = subprocess.run(
        [*CLI, "admin", "chargeback", "--month", month, "--by",
         "profile", "--format", "json", "--spool-dir", str(trail)],
        capture_output=True, text=True, check=True, timeout=60)
    (row,) = json.loads(report.stdout)["rows"]
    assert row["profile"] == "standard" and row["sessions"] == 1
    assert row["input_tokens"] == expected["input"] and row["output_tokens"] == expected["output"]
    assert row["cache_read_tokens"] == expected["cache_read"]
    assert row["cost_usd"] == pytest.approx(sum(e["cost_usd"] for e in usage))
