"""`admin chargeback --reconcile`: the ledger's estimate against Cost Explorer on the moto server (its
GetCostAndUsage answers are queued through moto's own API, the only way moto reports costs)."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from pathlib import Path

import pytest

from claude_enterprise.audit import AuditContext, record
from claude_enterprise.cost.reconcile import month_period, service_family
from tests.support.cli import CLI

CTX = AuditContext(session_id="s1", profile="standard", user={"sub": "a", "email": "alice@example.com"},
                   tags={"team": "web"})


def queue_cost_explorer(moto_url: str, groups: list[tuple[str, str]], month: str) -> None:
    result = {"results": [{"ResultsByTime": [{
        "TimePeriod": month_period(month), "Total": {}, "Estimated": False,
        "Groups": [{"Keys": [k], "Metrics": {"UnblendedCost": {"Amount": a, "Unit": "USD"}}} for k, a in groups],
    }]}]}
    request = urllib.request.Request(f"{moto_url}/moto-api/static/ce/cost-and-usage-results",
                                     data=json.dumps(result).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201


def test_service_names_map_to_model_families() -> None:
    assert service_family("Claude Sonnet 4.5 (Amazon Bedrock Edition)") == "claude-sonnet-4-5"
    assert service_family("Claude 3.5 Haiku (Amazon Bedrock Edition)") == "claude-3-5-haiku"
    assert service_family("Some Other Marketplace Product") is None
    assert month_period("2026-12") == {"Start": "2026-12-01", "End": "2027-01-01"}


def test_reconcile_shows_the_drift_per_family(tmp_path: Path, moto_url: str) -> None:
    spool = tmp_path / "audit"
    first = record("usage", CTX, spool_dir=spool, model="us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                   input_tokens=1, output_tokens=1, cost_usd=9.0)
    record("usage", CTX, spool_dir=spool, model="claude-haiku-4-5", input_tokens=1, output_tokens=1, cost_usd=1.0)
    record("usage", CTX, spool_dir=spool, model="claude-mystery-7", input_tokens=1, output_tokens=1, cost_usd=None)
    month = first["ts"][:7]
    queue_cost_explorer(moto_url, [("Claude Sonnet 4.5 (Amazon Bedrock Edition)", "10.00"),
                                   ("Claude Opus 4.5 (Amazon Bedrock Edition)", "2.50"),
                                   ("Unrelated SaaS product", "99.00")], month)
    result = subprocess.run(
        [*CLI, "admin", "chargeback", "--month", month, "--format",
         "json", "--reconcile", "--spool-dir", str(spool)],
        capture_output=True, text=True, check=False, timeout=60, env=dict(os.environ))
    assert result.returncode == 0, result.stderr
    rec = json.loads(result.stdout)["reconciliation"]
    rows = {r["family"]: r for r in rec["rows"]}
    assert rows["claude-sonnet-4-5"] == {"family": "claude-sonnet-4-5", "estimate_usd": 9.0, "actual_usd": 10.0,
                                         "drift_usd": -1.0, "drift_pct": -10.0}
    assert rows["claude-opus-4-5"]["estimate_usd"] == 0 and rows["claude-opus-4-5"]["actual_usd"] == 2.5
    assert rows["claude-haiku-4-5"]["actual_usd"] == 0 and rows["claude-haiku-4-5"]["drift_pct"] is None
    assert rec["total"] == {"estimate_usd": 10.0, "actual_usd": 12.5, "drift_usd": -2.5, "drift_pct": -20.0}
    assert rec["unpriced_models"] == ["claude-mystery-7"]
    # the same request again (same parameters): moto replays the result; markdown shows the section
    md = subprocess.run(
        [*CLI, "admin", "chargeback", "--month", month,
         "--reconcile", "--spool-dir", str(spool)],
        capture_output=True, text=True, check=False, timeout=60, env=dict(os.environ))
    assert "## Reconciliation with Cost Explorer" in md.stdout
    assert "| **total** | 10.0000 | 12.5000 | -2.5000 | -20.0 % |" in md.stdout


@pytest.mark.parametrize("fmt", ["csv"])
def test_reconcile_csv_is_the_comparison(tmp_path: Path, moto_url: str, fmt: str) -> None:
    spool = tmp_path / "audit"
    month = record("usage", CTX, spool_dir=spool, model="claude-opus-4-5", input_tokens=1, output_tokens=1,
                   cost_usd=3.0)["ts"][:7]
    out = subprocess.run(
        [*CLI, "admin", "chargeback", "--month", month, "--format",
         fmt, "--reconcile", "--spool-dir", str(spool)],
        capture_output=True, text=True, check=False, timeout=60, env=dict(os.environ))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "family,estimate_usd,actual_usd,drift_usd,drift_pct"
    assert "claude-opus-4-5,3.0," in out.stdout and lines[-1].startswith("total,")
