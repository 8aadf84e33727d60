"""`admin configure`: the guide's `ccwb enterprise configure`, writing `enterprise-config.json`.

Every answer is checked as it is typed (the same checks serve the flags of `--non-interactive`), and the file
is written only after the runtime's own parser (`config.parse_config`) accepted the result: an administrator
can never roll out a file the laptops would reject. Keys this command does not ask about (identity issuer,
audit sink, ...) are kept from an existing file as they are.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from claude_enterprise.config import parse_config

_REGION = re.compile(r"[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d")
_POOL_ID = re.compile(r"[a-z]{2}(-gov)?-[a-z]+-\d:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_ROLE_ARN = re.compile(r"arn:aws(-[a-z]+)*:iam::\d{12}:role/[\w+=,.@/-]{1,512}")
_EMAIL = re.compile(r"[^@\s,]+@[^@\s,]+\.[^@\s,]+")
_TAG_KEY = re.compile(r"[\w.:/=+@-]{1,128}")
_YES, _NO = ("y", "yes", "true", "1"), ("n", "no", "false", "0")


class Question(NamedTuple):
    key: str
    prompt: str
    parse: Callable[[str], Any]  # the typed answer to the config value; ValueError says what is wrong
    ask_if: Callable[[Mapping[str, Any]], bool] = lambda answers: True
    default: str = ""  # offered when the file has no value (the runtime's default)


# Answers that steer the questions but are not config keys (dropped from the file).
TUNE_ALARMS = "_tune_alarms"


def parse_bool(text: str) -> bool:
    value = text.strip().lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise ValueError("answer yes or no")


def parse_amount(text: str) -> float:
    try:
        amount = float(text.strip().lstrip("$"))
    except ValueError:
        raise ValueError("a number of US dollars, e.g. 5000") from None
    if not amount > 0:
        raise ValueError("the monthly budget must be more than 0")
    return amount


def parse_emails(text: str) -> str:
    emails = [e.strip() for e in text.split(",") if e.strip()]
    bad = [e for e in emails if not _EMAIL.fullmatch(e)]
    if not emails or bad:
        raise ValueError(f"not an e-mail address: {bad[0] if bad else '(none given)'}")
    return ",".join(emails)


def parse_mapping(text: str) -> dict[str, str]:
    """`tag=claim, tag=claim`: the session tag each ID-token claim becomes (chargeback attribution)."""
    mapping: dict[str, str] = {}
    for pair in (p.strip() for p in text.split(",") if p.strip()):
        tag, sep, claim = (part.strip() for part in pair.partition("="))
        if not sep or not _TAG_KEY.fullmatch(tag) or not claim:
            raise ValueError(f"{pair!r} is not TAG=CLAIM (e.g. department=custom:department)")
        mapping[tag] = claim
    if not mapping:
        raise ValueError("give at least one TAG=CLAIM pair")
    return mapping


def parse_pool_id(text: str) -> str:
    value = text.strip()
    if not _POOL_ID.fullmatch(value):
        raise ValueError("an identity pool id looks like us-east-1:0f0e...-uuid")
    return value


def parse_provider(text: str) -> str:
    """The provider name the pool's principal-tag map is keyed by (a user pool, or an OIDC issuer host)."""
    value = text.strip()
    if not value or any(c.isspace() for c in value) or value.startswith(("http://", "https://")):
        raise ValueError("a provider name such as cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC "
                         "(an OIDC issuer without https://)")
    return value


def parse_role_arn(text: str) -> str:
    value = text.strip()
    if not _ROLE_ARN.fullmatch(value):
        raise ValueError("an IAM role ARN looks like arn:aws:iam::123456789012:role/BedrockAccess")
    return value


def parse_regions(text: str) -> list[str]:
    regions = [r.strip() for r in text.split(",") if r.strip()]
    bad = [r for r in regions if not _REGION.fullmatch(r)]
    if not regions or bad:
        raise ValueError(f"not an AWS Region: {bad[0] if bad else '(none given)'}; e.g. us-east-1,us-west-2")
    return regions


def parse_count(text: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise ValueError("a whole number, e.g. 20") from None
    if value < 1:
        raise ValueError("at least 1")
    return value


def parse_period(text: str) -> int:
    """Seconds, or minutes/hours with m/h (`300`, `5m`, `1h`): whole minutes from 1 minute to 1 day."""
    value = text.strip().lower()
    scale = {"m": 60, "h": 3600}.get(value[-1:], 1)
    try:
        seconds = int(value[:-1] if scale > 1 else value) * scale
    except ValueError:
        raise ValueError("seconds, or minutes/hours such as 5m or 1h") from None
    if not 60 <= seconds <= 86_400 or seconds % 60:
        raise ValueError("whole minutes from 1 minute (60) to 1 day (86400 seconds)")
    return seconds


def parse_silent_period(text: str) -> int:
    """`parse_period`, at least one heartbeat interval (5 minutes): a shorter one would flap."""
    seconds = parse_period(text)
    if seconds < 300:
        raise ValueError("at least 5 minutes (300 seconds), one heartbeat interval")
    return seconds


def parse_band(text: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise ValueError("a number of standard deviations, e.g. 2") from None
    if not 0 < value <= 10:
        raise ValueError("more than 0 and at most 10 standard deviations")
    return value


def _alarm_questions() -> list[Question]:
    from claude_enterprise.config import EnterpriseConfig

    defaults = EnterpriseConfig()

    def tuning(answers: Mapping[str, Any]) -> bool:
        return bool(answers.get(TUNE_ALARMS))

    def question(key: str, prompt: str, parse: Callable[[str], Any]) -> Question:
        return Question(key, prompt, parse, tuning, shown(getattr(defaults, key)))

    return [
        Question(TUNE_ALARMS, "Adjust the fleet alarms (thresholds, expected hosts)? (yes/no)", parse_bool,
                 default="no"),
        question("alarm_period_s", "Alarm period for the spike alarms (seconds, or 5m, 1h)", parse_period),
        question("alarm_violation_threshold", "Policy violations per period that raise an alarm", parse_count),
        question("alarm_failed_auth_threshold", "Failed token verifications per period that raise an alarm",
                 parse_count),
        question("alarm_region_threshold", "Disallowed-Region launches per period that raise an alarm",
                 parse_count),
        question("alarm_expected_hosts", "Hosts expected to report (the silent-fleet alarm)", parse_count),
        question("alarm_silent_period_s", "Silent-fleet period (seconds, or 5m, 1h)", parse_silent_period),
        question("alarm_cost_band", "Cost anomaly band (standard deviations)", parse_band),
    ]


def questions(profiles: Iterable[str]) -> list[Question]:
    """The guide's Quick Start questions, in its order; later ones only when an earlier answer needs them."""
    known = sorted(profiles)

    def parse_profile(text: str) -> str:
        name = text.strip()
        if name not in known:
            raise ValueError(f"one of {', '.join(known)}")
        return name

    return [
        Question("security_profile", f"Security profile ({', '.join(known)})", parse_profile),
        Question("cost_tracking_enabled", "Enable cost tracking and budgets? (yes/no)", parse_bool),
        Question("budget_amount", "Monthly budget in USD", parse_amount,
                 lambda a: bool(a.get("cost_tracking_enabled"))),
        Question("budget_email", "Budget alert e-mails (comma-separated)", parse_emails,
                 lambda a: bool(a.get("cost_tracking_enabled"))),
        Question("user_attribute_mapping_enabled", "Map user attributes to session tags for chargeback? (yes/no)",
                 parse_bool),
        Question("user_attribute_mapping", "Session tags from ID-token claims (TAG=CLAIM, comma-separated)",
                 parse_mapping, lambda a: bool(a.get("user_attribute_mapping_enabled"))),
        Question("existing_identity_pool_id", "Existing Cognito identity pool id", parse_pool_id),
        Question("identity_provider_name", "Identity provider of the pool (e.g. cognito-idp.us-east-1.amazonaws.com/"
                 "us-east-1_AbC, or the OIDC issuer host)", parse_provider),
        Question("existing_bedrock_role_arn", "Existing Bedrock role ARN", parse_role_arn),
        Question("allowed_bedrock_regions", "Allowed Bedrock Regions (comma-separated)", parse_regions),
        *_alarm_questions(),
    ]


def shown(value: Any) -> str:
    """A current value as an answer the parsers accept (the default offered at the prompt)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list | tuple):
        return ",".join(value)
    if isinstance(value, Mapping):
        return ",".join(f"{k}={v}" for k, v in value.items())
    return "" if value is None else str(value)


def read_existing(path: Path) -> dict[str, Any]:
    """The current file's keys (validated by the runtime's parser), or nothing for a new file."""
    if not path.exists():
        return {}
    from claude_enterprise.config import read_json

    data = read_json(path)
    parse_config(data, str(path), managed=False)
    return dict(data)


def finish(existing: Mapping[str, Any], answers: Mapping[str, Any], path: Path) -> dict[str, Any]:
    """The file's new content: the existing keys, then the answers; keys an answer switched off are dropped
    (no budget without cost tracking). Raises ConfigError when the runtime would reject it."""
    data = {**existing, **{k: v for k, v in answers.items() if k != TUNE_ALARMS}}
    if not data.get("cost_tracking_enabled"):
        data.pop("budget_amount", None)
        data.pop("budget_email", None)
    if not data.get("user_attribute_mapping_enabled"):
        data.pop("user_attribute_mapping", None)
    parse_config(data, str(path), managed=False)
    return data


def write(path: Path, data: Mapping[str, Any]) -> None:
    """Atomically, 0644: MDM copies it into the managed directory as it is."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.chmod(tmp, 0o644)
    tmp.replace(path)
