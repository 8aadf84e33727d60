"""enterprise-config.json: the administrator's settings, validated, with where they came from.

Only two places are read: the managed directory (admin-owned, installed by MDM) and, when no managed config is
installed, the file named by `CLAUDE_ENTERPRISE_CONFIG` (developer machines without MDM, CI, tests). The working
directory is never consulted. Unknown keys are errors: a misspelt restriction must not be silently dropped.
Standard library only (the hook resolves profiles when no wrapper is running).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from . import paths
from .constants import AUDIT_LOG_GROUP, ENV_CONFIG
from .records import EMPTY

CONFIG_NAME = "enterprise-config.json"
PREFERENCES_NAME = "preferences.json"
DEFAULT_PROFILE = "standard"  # the guide's shipped default
DEFAULT_LOG_GROUP = AUDIT_LOG_GROUP


class ConfigError(Exception):
    """A configuration file is unreadable or invalid (exit code 2); the message names file and field."""

    def __init__(self, source: str, field: str, message: str) -> None:
        self.source, self.field = source, field
        super().__init__(f"{source}: {field}: {message}" if field else f"{source}: {message}")


class GroupRule(NamedTuple):
    group: str
    profile: str


class EnterpriseConfig(NamedTuple):
    source: str | None = None  # file it came from; None = embedded default
    managed: bool = False  # True when read from the admin-owned managed directory
    # The guide's keys.
    security_profile: str | None = None
    cost_tracking_enabled: bool = False
    user_attribute_mapping_enabled: bool = False
    budget_amount: float | None = None
    budget_email: str | None = None
    existing_identity_pool_id: str | None = None
    existing_bedrock_role_arn: str | None = None
    allowed_bedrock_regions: tuple[str, ...] = ()
    # What the product adds.
    identity_issuer: str | None = None
    identity_audience: str | None = None
    identity_jwks_uri: str | None = None
    identity_jwks: Mapping[str, Any] | None = None  # pinned JWKS: lets session tags widen without a live fetch
    identity_provider_name: str | None = None  # for GetPrincipalTagAttributeMap
    identity_region: str | None = None
    aws_profile: str = "ClaudeCode"  # names the token cache ~/.claude-code-session/<aws_profile>-monitoring.json
    user_attribute_mapping: Mapping[str, str] = EMPTY  # session tag key -> claim
    profile_tag_key: str = "SecurityProfile"
    group_profiles: tuple[GroupRule, ...] = ()  # first matching group wins, in declared order
    expired_token: str = "ignore"  # ignore | narrowest
    audit_log_group: str = DEFAULT_LOG_GROUP
    audit_region: str | None = None
    audit_endpoint_url: str | None = None
    audit_retention_days: int | None = None
    audit_kms_key_id: str | None = None
    cleanup_children_on_exit: bool = True
    # Fleet alarms (admin/monitoring.py): counts over the whole fleet per period, never per user or host.
    alarm_period_s: int = 300  # the spike alarms' period
    alarm_violation_threshold: int = 20  # policy violations and killed processes per period
    alarm_failed_auth_threshold: int = 10  # sessions whose identity token failed verification per period
    alarm_region_threshold: int = 1  # launches refused for a disallowed Bedrock Region per period
    alarm_expected_hosts: int = 1  # hosts expected to heartbeat in every silent-fleet period
    alarm_silent_period_s: int = 3600
    alarm_cost_band: float = 2.0  # width of the cost anomaly band, in standard deviations

    @property
    def cloudwatch_enabled(self) -> bool:
        """With no region configured, audit events stay in the local trail (the embedded default)."""
        return self.audit_region is not None


def _str(v: Any) -> bool:
    return isinstance(v, str) and bool(v.strip())


def _opt_str(v: Any) -> bool:
    return v is None or _str(v)


def _str_list(v: Any) -> bool:
    return isinstance(v, list) and all(_str(x) for x in v)


def _str_map(v: Any) -> bool:
    return isinstance(v, Mapping) and all(_str(k) and _str(x) for k, x in v.items())


def _jwks(v: Any) -> bool:
    return v is None or (isinstance(v, Mapping) and isinstance(v.get("keys"), list) and bool(v["keys"]))


def _group_rules(v: Any) -> bool:
    return isinstance(v, list) and all(
        isinstance(x, Mapping) and set(x) == {"group", "profile"} and _str(x["group"]) and _str(x["profile"])
        for x in v
    )


def _count(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 1


def _alarm_period(v: Any) -> bool:
    """CloudWatch alarm periods past a minute are whole minutes, and one evaluation spans at most a day."""
    return isinstance(v, int) and not isinstance(v, bool) and 60 <= v <= 86_400 and v % 60 == 0


def _silent_period(v: Any) -> bool:
    """At least one heartbeat interval (300 s): a shorter period would flap between heartbeats."""
    return _alarm_period(v) and v >= 300


def _band(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and 0 < v <= 10


_VALIDATORS: dict[str, tuple[Any, str]] = {
    "security_profile": (_opt_str, "a profile name"),
    "cost_tracking_enabled": (lambda v: isinstance(v, bool), "true or false"),
    "user_attribute_mapping_enabled": (lambda v: isinstance(v, bool), "true or false"),
    "budget_amount": (lambda v: v is None or (isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0),
                      "a non-negative number"),
    "budget_email": (_opt_str, "an e-mail address"),
    "existing_identity_pool_id": (_opt_str, "an identity pool id"),
    "existing_bedrock_role_arn": (_opt_str, "an IAM role ARN"),
    "allowed_bedrock_regions": (_str_list, "a list of AWS region names"),
    "identity_issuer": (_opt_str, "the ID token issuer URL"),
    "identity_audience": (_opt_str, "the ID token audience (app client id)"),
    "identity_jwks_uri": (_opt_str, "the JWKS URL"),
    "identity_jwks": (_jwks, 'the issuer\'s JWKS, {"keys": [...]}'),
    "identity_provider_name": (_opt_str, "the identity provider name"),
    "identity_region": (_opt_str, "an AWS region"),
    "aws_profile": (_str, "an AWS profile name"),
    "user_attribute_mapping": (_str_map, "an object of session tag key to claim name"),
    "profile_tag_key": (_str, "a session tag key"),
    "group_profiles": (_group_rules, 'a list of {"group": ..., "profile": ...}'),
    "expired_token": (lambda v: v in ("ignore", "narrowest"), '"ignore" or "narrowest"'),
    "audit_log_group": (_str, "a CloudWatch Logs group name"),
    "audit_region": (_opt_str, "an AWS region"),
    "audit_endpoint_url": (_opt_str, "a URL"),
    "audit_retention_days": (lambda v: v is None or (isinstance(v, int) and not isinstance(v, bool) and v > 0),
                             "a positive number of days"),
    "audit_kms_key_id": (_opt_str, "a KMS key id or ARN"),
    "cleanup_children_on_exit": (lambda v: isinstance(v, bool), "true or false"),
    "alarm_period_s": (_alarm_period, "whole minutes in seconds, 60 to 86400"),
    "alarm_violation_threshold": (_count, "a whole number of at least 1"),
    "alarm_failed_auth_threshold": (_count, "a whole number of at least 1"),
    "alarm_region_threshold": (_count, "a whole number of at least 1"),
    "alarm_expected_hosts": (_count, "a whole number of at least 1"),
    "alarm_silent_period_s": (_silent_period, "whole minutes in seconds, 300 (one heartbeat interval) to 86400"),
    "alarm_cost_band": (_band, "a number of standard deviations above 0, at most 10"),
}


def parse_config(data: Any, source: str, *, managed: bool) -> EnterpriseConfig:
    if not isinstance(data, Mapping):
        raise ConfigError(source, "", "must be a JSON object")
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in _VALIDATORS:
            raise ConfigError(source, key, f"unknown key; see the README for the keys {CONFIG_NAME} accepts")
        check, expected = _VALIDATORS[key]
        if not check(value):
            raise ConfigError(source, key, f"must be {expected}, got {value!r}")
        if key == "allowed_bedrock_regions":
            value = tuple(value)
        elif key == "user_attribute_mapping":
            value = dict(value)
        elif key == "group_profiles":
            value = tuple(GroupRule(r["group"], r["profile"]) for r in value)
        elif key == "alarm_cost_band":
            value = float(value)
        values[key] = value
    return EnterpriseConfig(source=source, managed=managed, **values)


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(str(path), "", f"cannot read: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise ConfigError(str(path), "", f"not valid JSON: {exc}") from exc


def managed_dir_trusted() -> Path | None:
    """The managed directory when it exists and only an administrator could have written it."""
    directory = paths.managed_dir()
    return directory if directory.is_dir() and paths.is_admin_owned(directory) else None


def load_config(env: Mapping[str, str]) -> EnterpriseConfig:
    """Managed config if installed; else `CLAUDE_ENTERPRISE_CONFIG`; else the embedded default."""
    managed = managed_dir_trusted()
    if managed is not None and (managed / CONFIG_NAME).is_file():
        path = managed / CONFIG_NAME
        if not paths.is_admin_owned(path):
            raise ConfigError(str(path), "", "is writable by non-administrators; fix its owner and mode (root, 0644)")
        return parse_config(read_json(path), str(path), managed=True)
    override = env.get(ENV_CONFIG)
    if override:
        path = Path(override).expanduser()
        return parse_config(read_json(path), str(path), managed=False)
    return EnterpriseConfig()


class Preferences(NamedTuple):
    source: str | None = None
    security_profile: str | None = None


def load_preferences(config_dir: Path) -> Preferences:
    """The user's own preferences; they can only narrow the profile (resolve enforces that)."""
    path = config_dir / PREFERENCES_NAME
    if not path.is_file():
        return Preferences()
    data = read_json(path)
    if not isinstance(data, Mapping):
        raise ConfigError(str(path), "", "must be a JSON object")
    unknown = sorted(set(data) - {"security_profile"})
    if unknown:
        raise ConfigError(str(path), unknown[0], 'unknown key; only "security_profile" is accepted')
    value = data.get("security_profile")
    if not _opt_str(value):
        raise ConfigError(str(path), "security_profile", "must be a profile name")
    return Preferences(source=str(path), security_profile=value)
