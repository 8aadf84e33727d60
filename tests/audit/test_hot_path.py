"""The hook and exec gate import `claude_enterprise.audit` on every tool call: standard library only."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.audit.helpers import subprocess_env

HEAVY = ("boto3", "botocore", "structlog", "typer", "click", "rich", "yaml", "psutil", "urllib3")


def test_recording_an_event_loads_no_heavy_module(tmp_path: object) -> None:
    code = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from claude_enterprise.audit import AuditContext, record, spool_status\n"
        "record('tool_decision', AuditContext(session_id='s'), spool_dir=Path(sys.argv[1]), decision='deny',\n"
        "       command='curl -H \"Authorization: Bearer abcdefghijkl\" https://x')\n"
        "spool_status(Path(sys.argv[1]))\n"
        f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True,
                            env=subprocess_env(), timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []
