"""Diagnostics logging: stderr by default, JSON on request, secrets redacted, quiet by default."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
import structlog

from claude_enterprise import log
from tests.audit.helpers import subprocess_env


@pytest.fixture(autouse=True)
def reset_structlog() -> None:
    structlog.reset_defaults()


def test_json_lines_with_level_logger_and_redaction() -> None:
    stream = io.StringIO()
    log.configure("info", json_output=True, stream=stream)
    log.get_logger("claude_enterprise.test", session="s1").info("shipping", command="curl -u bob:pw1 https://x",
                                                                api_key="k-123")
    entry = json.loads(stream.getvalue())
    assert entry["event"] == "shipping" and entry["level"] == "info" and entry["session"] == "s1"
    assert entry["logger"] == "claude_enterprise.test" and entry["timestamp"].endswith("Z")
    assert "pw1" not in stream.getvalue() and entry["api_key"] == "[REDACTED]"


def test_level_filters_and_bad_level_is_a_clear_error() -> None:
    stream = io.StringIO()
    log.configure("warning", json_output=True, stream=stream)
    log.get_logger("x").info("hidden")
    log.get_logger("x").error("shown")
    assert [json.loads(line)["event"] for line in stream.getvalue().splitlines()] == ["shown"]
    with pytest.raises(ValueError, match="CLAUDE_ENTERPRISE_LOG_LEVEL='loud'"):
        log.configure("loud")


def test_unconfigured_logger_writes_to_stderr_not_stdout() -> None:
    code = "from claude_enterprise import log; log.get_logger('x').warning('careful', n=1)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=subprocess_env(),
                            timeout=60)
    assert result.returncode == 0 and result.stdout == "" and "careful" in result.stderr
