"""The spool's own UUID4 (the hot path does not import `uuid`): well-formed, version 4, RFC 4122 variant."""

from __future__ import annotations

import uuid

from claude_enterprise.audit.spool import uuid4


def test_uuid4_is_a_valid_random_uuid():
    ids = [uuid4() for _ in range(2000)]
    parsed = [uuid.UUID(i) for i in ids]
    assert all(p.version == 4 and p.variant == uuid.RFC_4122 and str(p) == i for p, i in zip(parsed, ids, strict=True))
    assert len(set(ids)) == len(ids)
