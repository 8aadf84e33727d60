"""A macOS configuration profile (`.mobileconfig`) forcing one preference domain.

Claude Code reads its MDM policy from the `com.anthropic.claudecode` domain; the profile delivers the managed
settings there as a `com.apple.ManagedClient.preferences` payload (Forced `mcx_preference_settings`), which
every MDM accepts as a whole profile. Pure: payload UUIDs derive from the identifier and the content, so the
same configuration always gives the same bytes and a changed one gives new UUIDs.
"""

from __future__ import annotations

import hashlib
import json
import plistlib
import uuid
from collections.abc import Mapping
from typing import Any

CLAUDE_CODE_DOMAIN = "com.anthropic.claudecode"
_NAMESPACE = uuid.UUID("6f1c2d0e-8a3b-5c4d-9e7f-a1b2c3d4e5f6")


class PlistValueError(ValueError):
    """A value a property list cannot hold (JSON null): Claude Code would never see the key."""


def plist_value(value: Any, where: str) -> Any:
    """`value` checked for plist: dicts with string keys, lists, strings, numbers and booleans only."""
    if value is None:
        raise PlistValueError(f"{where}: null has no property-list form")
    if isinstance(value, Mapping):
        return {str(k): plist_value(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plist_value(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, str | bool | int | float):
        return value
    raise PlistValueError(f"{where}: {type(value).__name__} has no property-list form")


def payload_uuid(identifier: str, content: Mapping[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
    return str(uuid.uuid5(_NAMESPACE, f"{identifier}\n{digest}")).upper()


def mobileconfig(settings: Mapping[str, Any], *, identifier: str, organization: str,
                 domain: str = CLAUDE_CODE_DOMAIN) -> bytes:
    """A System-scoped profile forcing `settings` into `domain`; `identifier` names the profile."""
    forced = plist_value(settings, domain)
    inner_id = f"{identifier}.{domain}"
    inner = {
        "PayloadType": "com.apple.ManagedClient.preferences",
        "PayloadIdentifier": inner_id,
        "PayloadUUID": payload_uuid(inner_id, forced),
        "PayloadVersion": 1,
        "PayloadDisplayName": f"{domain} managed settings",
        "PayloadEnabled": True,
        "PayloadContent": {domain: {"Forced": [{"mcx_preference_settings": forced}]}},
    }
    profile = {
        "PayloadType": "Configuration",
        "PayloadScope": "System",
        "PayloadIdentifier": identifier,
        "PayloadUUID": payload_uuid(identifier, {"inner": inner["PayloadUUID"]}),
        "PayloadVersion": 1,
        "PayloadDisplayName": "Claude Code (claude-enterprise)",
        "PayloadDescription": "Routes Claude Code through the claude-enterprise hook, exec gate and sandbox.",
        "PayloadOrganization": organization,
        "PayloadRemovalDisallowed": True,
        "PayloadContent": [inner],
    }
    return plistlib.dumps(profile, fmt=plistlib.FMT_XML, sort_keys=True)
