"""Rules about the code's shape that no single behaviour test would notice breaking.

- The hook and the exec gate start on every tool call and every shell command: they import the standard
  library and a few of our own small modules, nothing heavy (measured in a fresh, isolated interpreter).
- Every audit event type the code emits is declared in `audit.events.EVENT_TYPES` (record() refuses the
  others at run time; this catches the call site before it ships).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from claude_enterprise.audit.events import EVENT_TYPES
from claude_enterprise.enforce.outbox import TYPES as OUTBOX_TYPES

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "claude_enterprise"
HEAVY = ("boto3", "botocore", "structlog", "typer", "click", "rich", "yaml", "psutil", "urllib3", "jwt",
         "tree_sitter")
HOT_PATH_BUDGET = 6  # our own modules a hot-path entry point may load at start-up

_PROBE = """
import json, sys
sys.path[0:0] = [sys.argv[1]]
before = set(sys.modules)
__import__(sys.argv[2])
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def loaded_by(module: str) -> list[str]:
    """Modules importing `module` adds, in an interpreter like the hook's (`python -IS`)."""
    result = subprocess.run([sys.executable, "-IS", "-c", _PROBE, str(REPO), module], capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    loaded: list[str] = json.loads(result.stdout)
    return loaded


@pytest.mark.parametrize("entry", ["claude_enterprise.enforce.hook", "claude_enterprise.enforce.gate"])
def test_hot_path_entry_points_load_only_the_standard_library_and_a_few_of_ours(entry: str) -> None:
    loaded = loaded_by(entry)
    ours = [m for m in loaded if m.split(".")[0] == "claude_enterprise"]
    foreign = sorted({m.split(".")[0] for m in loaded} - {"claude_enterprise"} - sys.stdlib_module_names)
    assert foreign == [], f"{entry} imports non-standard-library modules: {foreign}"
    assert not [m for m in loaded if m.split(".")[0] in HEAVY]
    assert len(ours) <= HOT_PATH_BUDGET, f"{entry} loads {len(ours)} of our modules: {ours}"


def _calls(tree: ast.AST) -> Iterator[tuple[str, ast.Call]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            yield name, node


# Functions whose first argument is an audit event type: record() itself and the thin wrappers around it.
_RECORDERS = {"record", "_record", "_emit", "_internal"}


def emitted_event_types() -> dict[str, list[str]]:
    """Every literal event type passed to a recorder, with where: {type: ["path:line", ...]}."""
    found: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for name, call in _calls(tree):
            if name in _RECORDERS and call.args and isinstance(call.args[0], ast.Constant) \
                    and isinstance(call.args[0].value, str):
                where = f"{path.relative_to(REPO)}:{call.lineno}"
                found.setdefault(call.args[0].value, []).append(where)
    return found


def test_every_emitted_event_type_is_declared() -> None:
    emitted = emitted_event_types()
    assert {"tool_decision", "session_start", "guard_error", "session_cleanup"} <= set(emitted)
    undeclared = {t: where for t, where in emitted.items() if t not in EVENT_TYPES}
    assert undeclared == {}


def test_outbox_types_are_declared() -> None:
    assert set(OUTBOX_TYPES) <= EVENT_TYPES


def test_the_hook_gives_up_on_the_server_before_claude_code_gives_up_on_the_hook() -> None:
    """Claude Code lets a tool run when its hook times out: the hook's whole wait for a server that claimed
    the request (then its deny) must end well inside the timeout the settings give the hook."""
    from claude_enterprise.audit.spool import LOCK_TIMEOUT_S
    from claude_enterprise.constants import HOOK_TIMEOUT_S
    from claude_enterprise.enforce import protocol

    # Both waits are deadlines (not per socket call), then the stall is recorded (at worst after the lock wait).
    assert protocol.CLIENT_TIMEOUT_S + protocol.CLAIMED_WAIT_S + LOCK_TIMEOUT_S + 10 <= HOOK_TIMEOUT_S
