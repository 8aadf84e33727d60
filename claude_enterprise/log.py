"""structlog set-up for the product's own diagnostics (wrapper, shipper, admin commands).

Not for the hot path (structlog's import is slow) and not the audit trail: audit events are records and
go through `claude_enterprise.audit.record`. Diagnostics go to stderr, key=value for people or JSON for
machines, with the audit redactor applied so a logged command line never leaks a secret either.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO

import structlog

from claude_enterprise.audit.redact import redact_value

_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}


def _redact(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    return {key: redact_value(value, key) for key, value in event_dict.items()}


def configure(level: str | None = None, *, json_output: bool | None = None,
              stream: TextIO | None = None) -> None:
    """Configure structlog once per process.

    `level` defaults to `CLAUDE_ENTERPRISE_LOG_LEVEL` (else `warning`: the wrapper must stay quiet in the
    user's terminal); `json_output` defaults to `CLAUDE_ENTERPRISE_LOG_JSON=1`.
    """
    name = (level or os.environ.get("CLAUDE_ENTERPRISE_LOG_LEVEL") or "warning").lower()
    if name not in _LEVELS:
        raise ValueError(f"CLAUDE_ENTERPRISE_LOG_LEVEL={name!r}: use one of {', '.join(_LEVELS)}")
    as_json = json_output if json_output is not None else os.environ.get("CLAUDE_ENTERPRISE_LOG_JSON") == "1"
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
    if not structlog.is_configured():
        configure()
    return structlog.get_logger(name).bind(logger=name, **bound)
