"""A profile's `models` entries as Bedrock model-id globs and the ARNs IAM checks for them.

The laptop matches `models` against what Claude Code is asked to run: aliases (`sonnet`), Anthropic or Bedrock ids
(`claude-sonnet-4-5-20250929`, `anthropic.claude-...-v1:0`, `us.anthropic...`) and globs (`*claude-sonnet-*`). IAM
sees Bedrock ids inside ARNs, so each entry becomes a glob over the Bedrock model id (`anthropic.claude-sonnet-*`),
plus the geography prefix when the entry named one (`us.`): a cross-Region call is authorized on the inference
profile ARN in the source Region and again on the foundation-model ARN in whichever Region serves it.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from typing import NamedTuple

ANY_ANTHROPIC = "anthropic.*"
# Bedrock ids: current families are `anthropic.claude-<family>-<version>`, older ones `anthropic.claude-3-*-<family>`.
ALIASES = {
    family: (f"anthropic.claude-{family}-*", f"anthropic.claude-3-*{family}*") for family in ("sonnet", "haiku", "opus")
}
# System inference profile prefixes (Bedrock "inference-profiles-support"); `*` = any of them, `global` included.
GEO_PREFIXES = ("us", "eu", "apac", "jp", "au", "ca", "us-gov", "global")
_ALLOWED_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789.-:*_")
LONG_CONTEXT = "[1m]"  # Claude Code's `sonnet[1m]`: the same model, a larger context window


class ModelGlob(NamedTuple):
    geo: str  # inference-profile prefix, or "*" for every geography
    model: str  # glob over the Bedrock model id, always under `anthropic.`


def model_globs(entries: Iterable[str], where: str) -> tuple[ModelGlob, ...]:
    """The globs for a profile's `models`; an empty list means every Anthropic model."""
    globs: list[ModelGlob] = []
    for entry in entries:
        globs.extend(_entry_globs(entry, where))
    return _without_subsumed(tuple(dict.fromkeys(globs))) or (ModelGlob("*", ANY_ANTHROPIC),)


def _without_subsumed(globs: tuple[ModelGlob, ...]) -> tuple[ModelGlob, ...]:
    """Drop globs another one already covers (`claude-3-*sonnet*` covers `claude-3-5-sonnet*`): IAM counts every
    character of a managed policy. A glob of `*` only covers another when it matches that one's text."""
    def covers(wide: ModelGlob, narrow: ModelGlob) -> bool:
        return (wide != narrow and "?" not in wide.model + wide.geo and fnmatch.fnmatchcase(narrow.geo, wide.geo)
                and fnmatch.fnmatchcase(narrow.model, wide.model))
    return tuple(g for g in globs if not any(covers(w, g) for w in globs))


def _entry_globs(entry: str, where: str) -> tuple[ModelGlob, ...]:
    text = entry.strip().lower().removesuffix(LONG_CONTEXT)
    if text in ALIASES:
        return tuple(ModelGlob("*", g) for g in ALIASES[text])
    if not text or not set(text) <= _ALLOWED_CHARS:
        raise ValueError(f"{where}: models: {entry!r} cannot be expressed as a Bedrock model ARN; use an alias "
                         "(sonnet, haiku, opus), a model id, or a glob such as '*claude-sonnet-*'")
    geo = "*"
    head, _, rest = text.partition(".anthropic.")
    if rest and head in GEO_PREFIXES:
        geo, text = head, "anthropic." + rest
    text = text.lstrip("*")
    if text.startswith("anthropic."):
        model = text
    elif text.startswith("claude"):
        # An Anthropic API id (no `-v1:0` suffix) or a glob after its leading `*`.
        model = "anthropic." + text + ("" if text.endswith("*") or ":" in text else "*")
    elif text.startswith(".anthropic."):
        model = text[1:]
    else:
        raise ValueError(f"{where}: models: {entry!r} names no Anthropic model; Claude Code on Bedrock only runs "
                         "anthropic.* models")
    return (ModelGlob(geo, model),)


def profile_arn(glob: ModelGlob) -> str:
    """A system inference profile ARN pattern in any source Region (the policy fences Regions with a condition);
    for `Fn::Sub`: CloudFormation fills in partition and account."""
    return f"arn:${{AWS::Partition}}:bedrock:*:${{AWS::AccountId}}:inference-profile/{glob.geo}.{glob.model}"


def model_arns(glob: ModelGlob) -> tuple[str, str]:
    """Foundation-model ARNs in any destination Region, and with the empty Region that global routing checks."""
    return (f"arn:${{AWS::Partition}}:bedrock:*::foundation-model/{glob.model}",
            f"arn:${{AWS::Partition}}:bedrock:::foundation-model/{glob.model}")
