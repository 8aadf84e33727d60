"""`admin chargeback --config` with an audit Region: the fleet's usage from CloudWatch Logs Insights on the moto
server, shipped there by the product's own shipper from two machines' spools, a re-shipped copy counted once."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path

from claude_enterprise.audit import AuditContext, record
from claude_enterprise.audit.shipper import ship
from tests.support.cli import CLI

REGION = "us-east-1"


def test_fleet_chargeback_from_logs_insights(tmp_path: Path, moto_url: str) -> None:
    group = f"/claude-code/enterprise/audit-{uuid.uuid4().hex[:8]}"
    laptops = []
    for n, (email, team) in enumerate((("alice@example.com", "web"), ("bob@example.com", "data"))):
        spool = tmp_path / f"laptop{n}" / "audit"
        ctx = AuditContext(session_id=f"s{n}", profile="standard", user={"sub": str(n), "email": email},
                           tags={"team": team}, host=f"laptop{n}")
        record("session_start", ctx, spool_dir=spool)
        record("usage", ctx, spool_dir=spool, model="claude-sonnet-4-5", input_tokens=100 * (n + 1),
               output_tokens=10, cache_read_tokens=0, cache_write_tokens=0, cost_usd=0.5 * (n + 1),
               region=REGION)
        laptops.append(spool)
    # laptop 0's trail restored from a backup and shipped again: the same event ids a second time
    replay = tmp_path / "replay" / "audit"
    shutil.copytree(laptops[0], replay)
    for spool in (*laptops, replay):
        for cursor in spool.glob("*cursor*"):
            cursor.unlink()
        report = ship(spool, log_group=group, region=REGION, endpoint_url=moto_url, stream_name=spool.parent.name)
        assert report.shipped >= 2, report
    config = tmp_path / "enterprise-config.json"
    config.write_text(json.dumps({"audit_region": REGION, "audit_log_group": group, "audit_endpoint_url": moto_url}))
    month = next(json.loads(line) for line in next(laptops[0].glob("seg-*.jsonl")).read_text().splitlines())["ts"][:7]
    result = subprocess.run(
        [*CLI, "admin", "chargeback", "--month", month, "--by", "team",
         "--format", "json", "--config", str(config)],
        capture_output=True, text=True, check=False, timeout=120, env=dict(os.environ))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["source"].startswith("CloudWatch Logs") and data["events"] == 2
    rows = {r["team"]: r for r in data["rows"]}
    assert (rows["web"]["input_tokens"], rows["web"]["cost_usd"], rows["web"]["users"]) == (100, 0.5, 1)
    assert (rows["data"]["input_tokens"], rows["data"]["cost_usd"]) == (200, 1.0)
