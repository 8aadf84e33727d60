"""structlog set-up for the product's own diagnostics (wrapper, shipper, admin commands).

Not the audit trail: audit events are records and go through `claude_enterprise.audit.record`. Diagnostics
go to stderr, key=value for people or JSON for machines, with the audit redactor applied so a logged command
line never leaks a secret either. Importing this module costs nothing (structlog is imported on first use),
so code on the hot path may ask `level_from_env` without paying for structlog.

The level, first set wins (`level_from_env`):
1. `CLAUDE_ENTERPRISE_LOG_LEVEL` (debug, info, warning, error): ours, for when only the wrapper is debugged;
2. `CLAUDE_LOG_LEVEL`, the same values: shared with Claude Code;
3. `CLAUDE_DEBUG` true/false (also 1/0, yes/no, on/off): true means debug, as for Claude Code;
4. `warning`: the wrapper stays quiet in the user's terminal.
A value of ours outside these is a one-line ValueError naming the variable; a value of Claude Code's
variables that we do not know reads as unset (Claude Code may know it; it must not stop the launch).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any, TextIO

from claude_enterprise.audit.redact import redact_value
from claude_enterprise.constants import ENV_CLAUDE_DEBUG, ENV_CLAUDE_LOG_LEVEL, ENV_LOG_JSON, ENV_LOG_LEVEL

_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}
DEBUG_VARIABLE = ENV_CLAUDE_DEBUG
JSON_VARIABLE = ENV_LOG_JSON
DEFAULT_LEVEL = "warning"
_TRUE = ("1", "true", "yes", "on")


def level_from_env(env: Mapping[str, str]) -> str:
    """The diagnostics level `env` asks for (precedence in the module docstring); ValueError on a bad value
    of our own variable."""
    value = env.get(ENV_LOG_LEVEL, "").strip().lower()
    if value:
        if value not in _LEVELS:
            raise ValueError(f"{ENV_LOG_LEVEL}={env[ENV_LOG_LEVEL]!r}: use one of {', '.join(_LEVELS)}")
        return value
    # Claude Code's own variables: a value only it understands must not stop every launch, so one we do not
    # know reads as unset.
    value = env.get(ENV_CLAUDE_LOG_LEVEL, "").strip().lower()
    if value in _LEVELS:
        return value
    return "debug" if env.get(DEBUG_VARIABLE, "").strip().lower() in _TRUE else DEFAULT_LEVEL


def _redact(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    return {key: redact_value(value, key) for key, value in event_dict.items()}


def configure(level: str | None = None, *, json_output: bool | None = None,
              stream: TextIO | None = None) -> None:
    """Configure structlog once per process.

    `level` defaults to `level_from_env(os.environ)`; `json_output` to `CLAUDE_ENTERPRISE_LOG_JSON=1`.
    """
    import structlog

    name = level.lower() if level else level_from_env(os.environ)
    if name not in _LEVELS:
        raise ValueError(f"log level {level!r}: use one of {', '.join(_LEVELS)}")
    as_json = json_output if json_output is not None else os.environ.get(JSON_VARIABLE) == "1"
    renderer: Any = (structlog.processors.JSONRenderer() if as_json
                     else structlog.dev.ConsoleRenderer(colors=False))
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            _redact,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(_LEVELS[name]),
        logger_factory=structlog.PrintLoggerFactory(file=stream or sys.stderr),
        cache_logger_on_first_use=False,
    )


def get_logger(name: str, **bound: Any) -> Any:
    """A bound logger named `name` (the module), with `bound` context on every line.

    Configures the defaults first when nothing did: structlog's own default prints to stdout, which
    would mix diagnostics into `claude`'s output.
    """
    import structlog

    if not structlog.is_configured():
        configure()
    return structlog.get_logger(name).bind(logger=name, **bound)
