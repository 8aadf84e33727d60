"""claude's process environment for a profile. Pure: the caller passes the current environment in.

The user's provider configuration (Anthropic API or Bedrock: ANTHROPIC_*, CLAUDE_CODE_USE_BEDROCK, AWS_*)
passes through untouched; the launcher only checks that a Bedrock region and a configured model are allowed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from claude_enterprise.constants import ENV_SESSION_PREFIX
from claude_enterprise.profiles import Profile

from .refusal import Refusal

# Removed from the inherited environment: they switch hooks off, or move Claude Code's managed (policy)
# settings somewhere the user controls. The `--settings` layer re-asserts the hook switches as well, since a
# repository's settings `env` is applied after the process environment.
SCRUBBED = (
    "CLAUDE_CODE_SIMPLE",
    "CLAUDE_CODE_SAFE_MODE",
    "CLAUDE_CODE_MANAGED_SETTINGS_PATH",
    "CLAUDE_CODE_REMOTE_SETTINGS_PATH",
    "CLAUDE_CODE_MOCK_REMOTE_SETTINGS",
    "CLAUDE_CODE_USE_POWERSHELL_TOOL",
    "CLAUDE_CODE_SHELL_PREFIX",
)

_SESSION_PREFIX = ENV_SESSION_PREFIX  # a parent session's variables must not leak into ours

# Claude Code's boolean parsing of environment switches.
_TRUE = frozenset({"1", "true", "yes", "on"})

# Resource attribute keys for usage attribution (OpenTelemetry semantic names where they exist).
_OTEL_KEYS = (
    ("user.id", "sub"),
    ("user.email", "email"),
)
_OTEL_TAG_KEYS = (("department", "department"), ("cost_center", "cost_center"), ("team.id", "team"))
OTEL_PROFILE_KEY = "claude_enterprise.profile"

# W3C baggage-octet, which OTEL_RESOURCE_ATTRIBUTES values follow: anything else is percent-encoded.
_BAGGAGE_SAFE = frozenset(
    chr(c) for c in (0x21, *range(0x23, 0x2C), *range(0x2D, 0x3B), *range(0x3C, 0x5C), *range(0x5D, 0x7F))
) - {"%"}


def truthy(value: str | None) -> bool:
    return value is not None and value.strip().lower() in _TRUE


def percent_encode(value: str) -> str:
    return "".join(ch if ch in _BAGGAGE_SAFE else "".join(f"%{b:02X}" for b in ch.encode()) for ch in value)


def merge_otel_attributes(existing: str | None, ours: Mapping[str, str]) -> str:
    """Add our attributes to the user's `k=v,k=v` list: theirs are kept, ours win on the same key.

    Ours win because they come from verified session tags: a user must not re-attribute their usage.
    """
    pairs: list[tuple[str, str]] = []
    for item in (existing or "").split(","):
        key, eq, value = item.strip().partition("=")
        if eq and key.strip() and key.strip() not in ours:
            pairs.append((key.strip(), value.strip()))
    pairs.extend((key, percent_encode(value)) for key, value in ours.items())
    return ",".join(f"{k}={v}" for k, v in pairs)


def otel_attributes(user: Mapping[str, str], attribution: Mapping[str, str], profile: str) -> dict[str, str]:
    """Our resource attributes from the identity's user claims and attribution tags."""
    attrs = {key: user[field] for key, field in _OTEL_KEYS if user.get(field)}
    attrs.update({key: attribution[field] for key, field in _OTEL_TAG_KEYS if attribution.get(field)})
    attrs[OTEL_PROFILE_KEY] = profile
    return attrs


def check_provider(
    env: Mapping[str, str], profile: Profile, allowed_regions: Sequence[str]
) -> Refusal | None:
    """Bedrock must run in an allowed region (an empty list in the config allows any); a model chosen by
    ANTHROPIC_MODEL (either provider) must be one the profile allows."""
    if truthy(env.get("CLAUDE_CODE_USE_BEDROCK")) and allowed_regions:
        region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
        if region not in allowed_regions:
            shown = region or "no AWS_REGION"
            return Refusal(
                "launch.bedrock_region",
                f"refused Bedrock in {shown}: allowed_bedrock_regions is "
                f"{', '.join(allowed_regions)}; set AWS_REGION to one of them",
            )
    model = env.get("ANTHROPIC_MODEL")
    if model and not profile.allows_model(model):
        return Refusal(
            "launch.model_not_allowed",
            f"refused ANTHROPIC_MODEL={model}: profile {profile.name!r} allows only "
            f"{', '.join(profile.models)}",
        )
    return None


def reasserted_env(
    profile: Profile, session_vars: Mapping[str, str], otel: str | None
) -> dict[str, str]:
    """Variables the `--settings` layer re-asserts so a repository's settings cannot change them."""
    env = {**dict(profile.env), **dict(session_vars)}
    if otel is not None:
        env["OTEL_RESOURCE_ATTRIBUTES"] = otel
    return env


def child_environment(
    base: Mapping[str, str],
    profile: Profile,
    *,
    session_vars: Mapping[str, str],
    otel: Mapping[str, str],
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """claude's environment: `base` minus the scrubbed switches and stale session variables, plus the
    profile's variables verbatim, the output cap, merged OTEL attributes and the session variables."""
    env = {k: v for k, v in base.items() if k not in SCRUBBED and not k.startswith(_SESSION_PREFIX)}
    env.update(profile.env)
    env["CLAUDE_CODE_MAX_OUTPUT_TOKENS"] = str(profile.max_output_tokens)
    env["OTEL_RESOURCE_ATTRIBUTES"] = merge_otel_attributes(base.get("OTEL_RESOURCE_ATTRIBUTES"), otel)
    env.update(session_vars)
    if extra:
        env.update(extra)
    return env
