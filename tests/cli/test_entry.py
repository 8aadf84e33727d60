"""The entry point's dispatch: near misses of our commands, and nothing heavy before a face is chosen."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from claude_enterprise.cli.entry import near_miss
from tests.conftest import REPO_ROOT


@pytest.mark.parametrize(("word", "command"), [
    ("polices", "policies"), ("Policies", "policies"), ("policeis", "policies"),
    ("explian", "explain"), ("expalin", "explain"),
    ("audti", "audit"), ("Audit", "audit"), ("admn", "admin"), ("hok", "hook"),
])
def test_near_misses(word, command):
    assert near_miss(word) == command


@pytest.mark.parametrize("word", ["hello", "refactor", "hoax", "adult", "amid", "polish", "explain this",
                                  "policies?", "hook", "ünit", "", "doctor", "auth"])
def test_prompts_and_exact_names_are_no_near_miss(word):
    assert near_miss(word) is None


def test_dispatch_imports_no_cli_framework():
    """The hook runs before every tool call: loading the entry point must not load typer, click or rich."""
    code = ("import json, sys\nimport claude_enterprise.cli.entry\n"
            "print(json.dumps(sorted(m for m in ('typer', 'click', 'rich', 'yaml') if m in sys.modules)))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True,
                            env={"PYTHONPATH": str(REPO_ROOT)})
    assert json.loads(result.stdout) == []
