"""The original guide's JSON profile shape, translated into our profile document.

    {"ProfileName": "data-science", "Description": "...", "PolicyDocument": {...IAM...},
     "EnvironmentVariables": {"CLAUDE_ALLOW_SHELL_EXEC": "restricted", "CLAUDE_CUSTOM_TOOLS": "jupyter,R"}}

The guide has no `extends`; the base is the built-in profile whose shell level the document declares
(`CLAUDE_ALLOW_SHELL_EXEC`: false → plan-only, restricted → restricted, true → standard), and `Extends`
may name one explicitly. With neither, the base is `restricted`: the narrowest profile that still lets a
developer work, so an under-specified document never grants more than an administrator wrote down.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import ProfileError

GUIDE_KEYS = {"ProfileName", "Description", "PolicyDocument", "EnvironmentVariables", "Extends", "Rank"}
_BASE_BY_SHELL = {"false": "plan-only", "restricted": "restricted", "true": "standard"}
CUSTOM_TOOLS = "CLAUDE_CUSTOM_TOOLS"


def is_guide_shape(doc: Any) -> bool:
    return isinstance(doc, Mapping) and "ProfileName" in doc


def from_guide_shape(doc: Mapping[str, Any], source: str) -> dict[str, Any]:
    unknown = sorted(set(doc) - GUIDE_KEYS)
    if unknown:
        raise ProfileError(source, unknown[0], f"unknown key; allowed keys are {', '.join(sorted(GUIDE_KEYS))}")
    env = doc.get("EnvironmentVariables", {})
    if not isinstance(env, Mapping):
        raise ProfileError(source, "EnvironmentVariables", "must be an object of name to string value")
    for key, value in env.items():
        if not isinstance(value, str):
            raise ProfileError(source, f"EnvironmentVariables.{key}", 'must be a string, e.g. "true"')
    shell_level = env.get("CLAUDE_ALLOW_SHELL_EXEC")
    if "Extends" in doc:
        base = doc["Extends"]
    elif shell_level is not None:
        if shell_level not in _BASE_BY_SHELL:
            raise ProfileError(
                source, "EnvironmentVariables.CLAUDE_ALLOW_SHELL_EXEC", "must be false, restricted or true"
            )
        base = _BASE_BY_SHELL[shell_level]
    else:
        base = "restricted"
    converted: dict[str, Any] = {"name": doc["ProfileName"], "extends": base}
    if "Description" in doc:
        converted["description"] = doc["Description"]
    if "Rank" in doc:
        converted["rank"] = doc["Rank"]
    if "PolicyDocument" in doc:
        converted["iam_policy"] = doc["PolicyDocument"]
    converted["env"] = dict(env)
    tools = env.get(CUSTOM_TOOLS, "")
    extra_tools = [t.strip() for t in tools.replace(" ", ",").split(",") if t.strip()]
    if extra_tools:
        converted["shell"] = {"allow_add": extra_tools}
    return converted
