"""The result of one compliance or health check: `--check-policy` on a machine, `admin status` on AWS."""

from __future__ import annotations

from typing import NamedTuple

PASS, WARN, FAIL = "pass", "warn", "fail"


class Check(NamedTuple):
    name: str
    status: str  # PASS | WARN | FAIL
    detail: str
