"""resolve_tool_input: real files, real symlinks; then the pure decision on the resolved path."""

from __future__ import annotations

import os
from pathlib import Path

from claude_enterprise.policy import PolicyContext, decide_tool
from claude_enterprise.policy.paths import resolve_tool_input
from claude_enterprise.profiles import Profile


def test_symlink_out_of_the_project_is_caught(tmp_path: Path, catalog: dict[str, Profile]) -> None:
    project = tmp_path / "proj"
    outside = tmp_path / "outside"
    project.mkdir()
    outside.mkdir()
    (project / "link").symlink_to(outside)
    ctx = PolicyContext(project_dirs=(os.path.realpath(project),), home=str(tmp_path))
    raw = {"file_path": str(project / "link" / "x.txt"), "content": "x"}
    resolved = resolve_tool_input("Write", raw, str(project))
    assert resolved["file_path"] == os.path.join(os.path.realpath(outside), "x.txt")
    assert resolved["content"] == "x" and raw["file_path"] == str(project / "link" / "x.txt")
    assert decide_tool("Write", raw, catalog["restricted"], ctx).allow  # lexically inside: why we resolve
    assert decide_tool("Write", resolved, catalog["restricted"], ctx).rule_id == "file.outside_project"


def test_relative_and_dotdot_paths(tmp_path: Path, catalog: dict[str, Profile]) -> None:
    project = tmp_path / "proj"
    (project / "src").mkdir(parents=True)
    ctx = PolicyContext(project_dirs=(os.path.realpath(project),), home=str(tmp_path))
    inside = resolve_tool_input("Edit", {"file_path": "src/../src/a.py"}, str(project))
    escape = resolve_tool_input("Edit", {"file_path": "src/../../b.py"}, str(project))
    assert decide_tool("Edit", inside, catalog["restricted"], ctx).allow
    assert not decide_tool("Edit", escape, catalog["restricted"], ctx).allow


def test_notebook_path_and_non_strings(tmp_path: Path) -> None:
    resolved = resolve_tool_input("NotebookEdit", {"notebook_path": "nb.ipynb"}, str(tmp_path))
    assert resolved["notebook_path"] == os.path.join(os.path.realpath(tmp_path), "nb.ipynb")
    assert resolve_tool_input("Write", {"file_path": 7}, str(tmp_path)) == {"file_path": 7}
    assert resolve_tool_input("Bash", {"command": "ls"}, str(tmp_path)) == {"command": "ls"}
