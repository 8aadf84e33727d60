"""Diagnostics logging: stderr by default, JSON on request, secrets redacted, quiet by default."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

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
    with pytest.raises(ValueError, match="log level 'loud'"):
        log.configure("loud")


def test_unconfigured_logger_writes_to_stderr_not_stdout() -> None:
    code = "from claude_enterprise import log; log.get_logger('x').warning('careful', n=1)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=subprocess_env(),
                            timeout=60)
    assert result.returncode == 0 and result.stdout == "" and "careful" in result.stderr


@pytest.mark.parametrize(("env", "level"), [
    ({}, "warning"),
    ({"CLAUDE_DEBUG": "true"}, "debug"),
    ({"CLAUDE_DEBUG": "1"}, "debug"),
    ({"CLAUDE_DEBUG": "false"}, "warning"),
    ({"CLAUDE_LOG_LEVEL": "DEBUG"}, "debug"),
    ({"CLAUDE_LOG_LEVEL": "info", "CLAUDE_DEBUG": "true"}, "info"),
    ({"CLAUDE_ENTERPRISE_LOG_LEVEL": "error", "CLAUDE_LOG_LEVEL": "debug", "CLAUDE_DEBUG": "true"}, "error"),
])
def test_level_precedence(env: dict[str, str], level: str) -> None:
    assert log.level_from_env(env) == level


def test_a_bad_value_of_ours_names_the_variable() -> None:
    with pytest.raises(ValueError, match="CLAUDE_ENTERPRISE_LOG_LEVEL='trace': use one of debug, info"):
        log.level_from_env({"CLAUDE_ENTERPRISE_LOG_LEVEL": "trace"})


@pytest.mark.parametrize("env", [{"CLAUDE_DEBUG": "maybe"}, {"CLAUDE_LOG_LEVEL": "loud"},
                                 {"CLAUDE_LOG_LEVEL": "trace", "CLAUDE_DEBUG": "verbose"}])
def test_a_value_only_claude_code_may_know_reads_as_unset(env: dict[str, str]) -> None:
    assert log.level_from_env(env) == "warning"
    assert log.level_from_env({**env, "CLAUDE_DEBUG": "true"}) == "debug"


def test_importing_log_does_not_import_structlog() -> None:
    code = "import sys; from claude_enterprise import log; print('structlog' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=subprocess_env(),
                            timeout=60)
    assert result.returncode == 0 and result.stdout.strip() == "False", result.stderr


def launcher_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return subprocess_env(HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / "config"),
                          CLAUDE_ENTERPRISE_STATE_DIR=str(tmp_path / "state"),
                          CLAUDE_ENTERPRISE_CLAUDE_BIN=str(tmp_path / "no-claude"), **extra)


def test_claude_debug_turns_on_the_launcher_diagnostics(tmp_path: Path) -> None:
    env = launcher_env(tmp_path, CLAUDE_DEBUG="true")
    result = subprocess.run([sys.executable, "-m", "claude_enterprise.launch", "-p", "hi"], capture_output=True,
                            text=True, env=env, timeout=60, cwd=str(tmp_path))
    assert result.returncode == 127  # no claude: the diagnostics come before looking for it
    assert "profile resolved" in result.stderr and "[debug" in result.stderr
    assert result.stdout == ""


def test_bad_log_level_of_ours_is_a_one_line_configuration_error(tmp_path: Path) -> None:
    env = launcher_env(tmp_path, CLAUDE_ENTERPRISE_LOG_LEVEL="loud", CLAUDE_DEBUG="maybe")
    result = subprocess.run([sys.executable, "-m", "claude_enterprise.launch", "-p", "hi"], capture_output=True,
                            text=True, env=env, timeout=60, cwd=str(tmp_path))
    assert result.returncode == 2
    assert result.stderr == ("claude-enterprise: CLAUDE_ENTERPRISE_LOG_LEVEL='loud': use one of debug, info, "
                             "warning, error\n")
