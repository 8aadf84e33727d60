"""Posting one audit record to a session's sandbox outbox (see `outbox`): the gate's and the shims' side.

Imports only `os`, `time` and the C half of `json`: it runs inside the OS sandbox before every command, where
importing `json` (and with it `re`) would cost more than the decision.
"""

from __future__ import annotations

import os
import time
from _json import encode_basestring_ascii as _quote
from collections.abc import Mapping

SUFFIX = ".json"
# Fields a sandboxed gate or PATH shim may report; everything else in a posted file is ignored.
FIELDS = ("type", "decision", "rule_id", "reason", "command", "tool_name", "enforcement", "wrapper", "program",
          "cwd", "source")


def post(outbox: str, fields: Mapping[str, object]) -> None:
    """Write one record durably (raises OSError when the directory cannot take it): written, fsynced, then
    renamed into place, so a reader never sees half a record; names sort in posting order."""
    body = ",".join(f"{_quote(k)}:{_quote(v)}" for k, v in fields.items() if k in FIELDS and isinstance(v, str))
    name = f"{time.time_ns():020d}-{os.getpid()}-{os.urandom(4).hex()}"
    tmp = os.path.join(outbox, f".{name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, ("{" + body + "}").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.rename(tmp, os.path.join(outbox, name + SUFFIX))
