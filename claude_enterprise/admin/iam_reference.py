"""Checks an IAM policy document against what IAM accepts and what exists for Bedrock.

cfn-lint checks action names but not condition keys, and IAM itself accepts invented keys such as `bedrock:ModelId`
that then never match: a Deny keyed on one silently denies nothing. So Bedrock actions and condition keys are checked
against `policies/bedrock-iam.json`, a list of the real ones, and every document against IAM's size limit.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from .. import paths

REFERENCE_FILE = "bedrock-iam.json"
MAX_MANAGED_POLICY_CHARS = 6144  # IAM counts the document without whitespace
POLICY_VERSION = "2012-10-17"
_STATEMENT_KEYS = {"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition"}
_ACTION = re.compile(r"^[a-z0-9-]+:[A-Za-z0-9*?]+$")
_SID = re.compile(r"^[A-Za-z0-9]*$")


class PolicyError(ValueError):
    """A policy document IAM would reject, or one naming Bedrock actions or keys that do not exist."""

    def __init__(self, where: str, field: str, message: str) -> None:
        self.where, self.field = where, field
        super().__init__(f"{where}: {field}: {message}")


@cache
def reference() -> Mapping[str, Any]:
    data: Mapping[str, Any] = json.loads((paths.bundled_policies_dir() / REFERENCE_FILE).read_text(encoding="utf-8"))
    return data


@cache
def bedrock_actions() -> frozenset[str]:
    """Lower-cased `bedrock:` actions (IAM matches action names case-insensitively)."""
    return frozenset(f"bedrock:{a}".lower() for a in reference()["actions"])


def action_exists(action: str) -> bool:
    """Does a `bedrock:` action (or glob) name at least one real action? Other services are not listed here."""
    lowered = action.lower()
    if not lowered.startswith("bedrock:"):
        return True
    return any(fnmatch.fnmatchcase(a, lowered) for a in bedrock_actions())


def condition_key_exists(key: str) -> bool:
    """Global `aws:` keys and `bedrock:` keys must be real ones; other services' keys are not listed here."""
    ref = reference()
    if key.startswith("aws:"):
        return key in ref["global_condition_keys"] or any(
            key.startswith(p) and len(key) > len(p) for p in ref["global_condition_key_prefixes"])
    if key.lower().startswith("bedrock:"):
        return key.lower() in {k.lower() for k in ref["condition_keys"]}
    return ":" in key


def _strings(value: Any) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return value
    return None


def check_policy_document(doc: Any, where: str, field: str = "iam_policy") -> None:
    """Raise PolicyError naming `where` and the offending field unless `doc` is a valid identity policy."""
    if not isinstance(doc, Mapping):
        raise PolicyError(where, field, "must be an IAM policy document (an object)")
    unknown = sorted(set(doc) - {"Version", "Id", "Statement"})
    if unknown:
        raise PolicyError(where, f"{field}.{unknown[0]}", "unknown key; a policy has Version, Id and Statement")
    if doc.get("Version") != POLICY_VERSION:
        raise PolicyError(where, f"{field}.Version", f'must be "{POLICY_VERSION}"')
    statements = doc.get("Statement")
    if isinstance(statements, Mapping):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        raise PolicyError(where, f"{field}.Statement", "must be a non-empty list of statements")
    for i, statement in enumerate(statements):
        _check_statement(statement, where, f"{field}.Statement[{i}]")
    size = policy_size(doc)
    if size > MAX_MANAGED_POLICY_CHARS:
        raise PolicyError(where, field, f"is {size} characters without whitespace; IAM allows at most "
                                        f"{MAX_MANAGED_POLICY_CHARS} in a managed policy")


def _check_statement(statement: Any, where: str, field: str) -> None:
    if not isinstance(statement, Mapping):
        raise PolicyError(where, field, "must be an object")
    unknown = sorted(set(statement) - _STATEMENT_KEYS)
    if unknown:
        hint = " (identity policies have no Principal)" if unknown[0] in ("Principal", "NotPrincipal") else ""
        raise PolicyError(where, f"{field}.{unknown[0]}", f"not allowed in a managed policy statement{hint}")
    if not _SID.match(str(statement.get("Sid", ""))):
        raise PolicyError(where, f"{field}.Sid", "must be letters and digits only")
    if statement.get("Effect") not in ("Allow", "Deny"):
        raise PolicyError(where, f"{field}.Effect", 'must be "Allow" or "Deny"')
    for one, other in (("Action", "NotAction"), ("Resource", "NotResource")):
        if (one in statement) == (other in statement):
            raise PolicyError(where, field, f"needs exactly one of {one} and {other}")
    action_key = "Action" if "Action" in statement else "NotAction"
    actions = _strings(statement[action_key])
    if actions is None:
        raise PolicyError(where, f"{field}.{action_key}", "must be a string or a non-empty list of strings")
    for action in actions:
        if action != "*" and not _ACTION.match(action):
            raise PolicyError(where, f"{field}.{action_key}", f"{action!r} is not service:Action")
        if not action_exists(action):
            raise PolicyError(where, f"{field}.{action_key}", f"{action!r} is no Bedrock IAM action (Converse and "
                              "ConverseStream are authorized as bedrock:InvokeModel and InvokeModelWithResponseStream)")
    resource_key = "Resource" if "Resource" in statement else "NotResource"
    if _strings(statement[resource_key]) is None:
        raise PolicyError(where, f"{field}.{resource_key}", "must be a string or a non-empty list of strings")
    _check_condition(statement.get("Condition", {}), where, f"{field}.Condition")


def _check_condition(condition: Any, where: str, field: str) -> None:
    if not isinstance(condition, Mapping):
        raise PolicyError(where, field, "must be an object of operator to {key: value}")
    for operator, clauses in condition.items():
        if not isinstance(clauses, Mapping) or not clauses:
            raise PolicyError(where, f"{field}.{operator}", "must be an object of condition key to value(s)")
        for key in clauses:
            if not condition_key_exists(key):
                raise PolicyError(where, f"{field}.{operator}.{key}", "no such condition key (Bedrock has no "
                                  "bedrock:ModelId; use the model ARN in Resource)")


def policy_size(doc: Any) -> int:
    """Characters IAM counts: the JSON without whitespace, with CloudFormation's placeholders filled in with their
    longest values (the aws-us-gov partition, a 12-digit account)."""
    text = json.dumps(doc, separators=(",", ":"))
    text = text.replace("${AWS::Partition}", "aws-us-gov").replace("${AWS::AccountId}", "123456789012")
    return len(re.sub(r"\s", "", text))
