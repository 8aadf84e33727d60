"""What the launcher says when the profile does not allow a launch: shared by every check before claude starts."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Refusal:
    """A launch refused: the rule that refused it (audited as `rule_id`) and the message shown to the user."""

    rule_id: str
    message: str
