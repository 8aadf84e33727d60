"""The shell-command corpus (corpus.yaml and corpus.d/*.yaml): every case's decision under every bundled profile."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from claude_enterprise.policy import PolicyContext, decide_shell
from claude_enterprise.profiles import Profile

from .conftest import PROFILE_ORDER

CORPUS = Path(__file__).with_name("corpus.yaml")
# One file per family of cases, so each stays readable; category names must be unique across files.
CORPUS_FILES = [CORPUS, *sorted(Path(__file__).with_name("corpus.d").glob("*.yaml"))]


def corpus_categories() -> dict[str, list[Any]]:
    """Every category of every corpus file; a category defined twice is an error."""
    merged: dict[str, list[Any]] = {}
    for path in CORPUS_FILES:
        for category, entries in yaml.safe_load(path.read_text(encoding="utf-8")).items():
            assert category not in merged, f"{path.name}: category {category} defined twice"
            merged[category] = entries
    return merged


def _cases() -> list[Any]:
    cases = []
    for category, entries in corpus_categories().items():
        for index, entry in enumerate(entries):
            if isinstance(entry, dict):
                expect, command, rules = entry["expect"], entry["cmd"], entry.get("rule", {})
            else:
                (expect, command), rules = entry, {}
            cases.append(pytest.param(expect, command, rules, id=f"{category}-{index}"))
    return cases


CASES = _cases()


def test_corpus_is_large_and_well_formed() -> None:
    assert len(CASES) >= 400
    for case in CASES:
        expect, command, rules = case.values
        assert isinstance(command, str), case.id
        assert len(expect) == len(PROFILE_ORDER) and set(expect) <= {"A", "D"}, case.id
        assert set(rules) <= set(PROFILE_ORDER), case.id


@pytest.mark.parametrize(("expect", "command", "rules"), CASES)
def test_case(
    expect: str, command: str, rules: dict[str, str], catalog: dict[str, Profile], ctx: PolicyContext
) -> None:
    got = []
    for letter, name in zip(expect, PROFILE_ORDER, strict=True):
        decision = decide_shell(command, catalog[name], ctx)
        got.append("A" if decision.allow else "D")
        assert decision.rule_id and decision.reason, (name, command)
        if name in rules:
            assert decision.rule_id == rules[name], (name, command, decision)
        if not decision.allow and letter == "D":
            assert decision.rule_id.split(".")[0] in ("shell", "file", "plan_only"), decision
    assert "".join(got) == expect, f"{command!r}: expected {expect}, got {''.join(got)}"
