"""Resolution fixtures: a real loopback OIDC issuer and keys, shared with the identity tests."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.identity.conftest import attacker_key, idp_key, issuer  # noqa: F401  (fixtures)
from tests.identity.helpers import AUDIENCE


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """No managed config, a private state and config dir: the embedded default."""
    for var in ("CLAUDE_ENTERPRISE_PROFILE", "CLAUDE_ENTERPRISE_CONFIG", "CLAUDE_CODE_MONITORING_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("CLAUDE_ENTERPRISE_MANAGED_DIR", str(tmp_path / "no-managed"))
    monkeypatch.setenv("CLAUDE_ENTERPRISE_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    (tmp_path / "home").mkdir()
    return {}


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[..., dict[str, str]]:
    def write(issuer_url: str | None = None, **keys: Any) -> dict[str, str]:
        doc: dict[str, Any] = dict(keys)
        if issuer_url:
            doc.update(identity_issuer=issuer_url, identity_audience=AUDIENCE)
        path = tmp_path / "enterprise-config.json"
        path.write_text(json.dumps(doc))
        return {"CLAUDE_ENTERPRISE_CONFIG": str(path)}

    return write
