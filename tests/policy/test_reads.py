"""decide_tool for the read tools: credential stores, the product's state, the project, Glob/Grep reach, links."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from claude_enterprise.enforce.decider import runtime_denied_reads
from claude_enterprise.policy import PolicyContext, decide_tool
from claude_enterprise.policy.paths import resolve_tool_input
from claude_enterprise.profiles import Profile
from claude_enterprise.profiles.model import FileRules

from .conftest import HOME, PROFILE_ORDER, PROJECT

STATE = f"{HOME}/.local/state/claude-enterprise"
CTX = PolicyContext(project_dirs=(PROJECT,), home=HOME, cwd=f"{PROJECT}/src", denied_reads=(STATE,))


def _verdicts(catalog: dict[str, Profile], tool: str, tool_input: dict[str, object],
              ctx: PolicyContext = CTX) -> tuple[str, set[str]]:
    """"A"/"D" per profile (plan-only, restricted, standard, elevated) and the rule ids of the denials."""
    decisions = [decide_tool(tool, tool_input, catalog[name], ctx) for name in PROFILE_ORDER]
    return "".join("A" if d.allow else "D" for d in decisions), {d.rule_id for d in decisions if not d.allow}


@pytest.mark.parametrize(
    ("tool", "tool_input"),
    [
        ("Read", {"file_path": f"{HOME}/.ssh/id_rsa"}),
        ("Read", {"file_path": f"{HOME}/.aws/credentials"}),
        ("Read", {"file_path": f"{HOME}/.config/gcloud/application_default_credentials.json"}),
        ("Read", {"file_path": f"{HOME}/.netrc"}),
        ("Read", {"file_path": f"{HOME}/.claude/.credentials.json"}),
        ("Read", {"file_path": f"{HOME}/.ssh"}),
        ("NotebookRead", {"notebook_path": f"{HOME}/.kube/config"}),
        ("LSP", {"operation": "hover", "filePath": f"{HOME}/.docker/config.json", "line": 1, "character": 1}),
        ("Grep", {"pattern": "BEGIN", "path": f"{HOME}/.gnupg"}),
        ("Grep", {"pattern": "BEGIN", "path": HOME}),  # the search would reach ~/.ssh
        ("Grep", {"pattern": "BEGIN", "path": "/"}),
        ("LS", {"path": f"{HOME}/.aws"}),
        ("Glob", {"pattern": f"{HOME}/.ssh/*"}),
        ("Glob", {"pattern": "~/.ssh/id_*"}),
        ("Glob", {"pattern": "../../home/dev/.aws/*"}),  # from the cwd /proj/src
        ("Glob", {"pattern": ".ssh/*", "path": HOME}),
        ("Glob", {"pattern": "**/id_rsa", "path": HOME}),
    ],
)
def test_credential_stores_are_denied_under_every_profile(catalog: dict[str, Profile], tool: str,
                                                          tool_input: dict[str, object]) -> None:
    assert _verdicts(catalog, tool, tool_input) == ("DDDD", {"file.read.credentials"})


@pytest.mark.parametrize("tool_input", [{"file_path": f"{STATE}/audit/seg-000001.jsonl"}, {"file_path": STATE}])
def test_the_products_own_state_is_denied_under_every_profile(catalog: dict[str, Profile],
                                                              tool_input: dict[str, object]) -> None:
    assert _verdicts(catalog, "Read", tool_input) == ("DDDD", {"file.read.denied"})
    assert _verdicts(catalog, "Grep", {"pattern": "x", "path": f"{HOME}/.local/state"}) == (
        "DDDD", {"file.read.denied"})


@pytest.mark.parametrize(
    ("tool", "tool_input"),
    [
        ("Read", {"file_path": f"{PROJECT}/src/app.py"}),
        ("Read", {"file_path": "app.py"}),  # relative: against the cwd
        ("NotebookRead", {"notebook_path": f"{PROJECT}/nb.ipynb"}),
        ("Grep", {"pattern": "TODO"}),  # no path: the cwd
        ("Grep", {"pattern": "TODO", "path": PROJECT, "glob": "*.py"}),
        ("Glob", {"pattern": "**/*.py"}),
        ("Glob", {"pattern": f"{PROJECT}/tests/*.py"}),
        ("Glob", {"pattern": "../docs/*.md"}),
        ("LS", {"path": PROJECT}),
        ("LSP", {"operation": "workspaceSymbol", "query": "main"}),
    ],
)
def test_project_files_are_allowed_under_every_profile(catalog: dict[str, Profile], tool: str,
                                                       tool_input: dict[str, object]) -> None:
    assert _verdicts(catalog, tool, tool_input) == ("AAAA", set())


@pytest.mark.parametrize(
    ("tool", "tool_input"),
    [
        ("Read", {"file_path": "/etc/hosts"}),
        ("Read", {"file_path": f"{PROJECT}-other/x.py"}),
        ("Read", {"file_path": f"{HOME}/notes.txt"}),
        ("Grep", {"pattern": "x", "path": "/usr/lib/python3"}),
        ("Glob", {"pattern": "/etc/*.conf"}),
        ("Glob", {"pattern": "../../etc/*"}),
        ("LS", {"path": "/var/log"}),
    ],
)
def test_restricted_reads_only_inside_the_project(catalog: dict[str, Profile], tool: str,
                                                  tool_input: dict[str, object]) -> None:
    assert _verdicts(catalog, tool, tool_input) == ("ADAA", {"file.read.outside_project"})
    reason = decide_tool(tool, tool_input, catalog["restricted"], CTX).reason
    assert PROJECT in reason and "restricted" in reason


def test_restricted_reads_the_paths_its_administrator_listed(catalog: dict[str, Profile]) -> None:
    base = catalog["restricted"]
    profile = base._replace(files=base.files._replace(read_allow=("/opt/sdk", "~/shared-docs")))
    for path in ("/opt/sdk/include/a.h", f"{HOME}/shared-docs/guide.md"):
        assert decide_tool("Read", {"file_path": path}, profile, CTX).allow
    assert decide_tool("Grep", {"pattern": "x", "path": "/opt/sdk"}, profile, CTX).allow
    assert decide_tool("Read", {"file_path": "/opt/sdk-evil/a.h"}, profile, CTX).rule_id == "file.read.outside_project"
    listed = profile._replace(files=profile.files._replace(read_allow=("~/.ssh",)))
    assert decide_tool("Read", {"file_path": f"{HOME}/.ssh/id_rsa"}, listed, CTX).rule_id == "file.read.credentials"


def test_project_relative_deny_read_entries(catalog: dict[str, Profile]) -> None:
    base = catalog["standard"]
    profile = base._replace(files=FileRules(read="any", deny_read=(".secrets",)))
    assert decide_tool("Read", {"file_path": f"{PROJECT}/.secrets/db.txt"}, profile, CTX).rule_id == \
        "file.read.credentials"
    assert decide_tool("Grep", {"pattern": "x"}, profile, CTX._replace(cwd=PROJECT)).rule_id == "file.read.credentials"
    assert decide_tool("Read", {"file_path": f"{PROJECT}/src/a.py"}, profile, CTX).allow


@pytest.mark.parametrize("tool_input", [{}, {"file_path": ""}, {"file_path": 7}, {"file_path": ["/a"]}])
def test_a_read_without_a_usable_path_is_denied(catalog: dict[str, Profile], tool_input: dict[str, object]) -> None:
    assert _verdicts(catalog, "Read", tool_input) == ("DDDD", {"file.invalid_path"})
    assert _verdicts(catalog, "Read", {"file_path": "a.py"}, CTX._replace(cwd=None)) == ("DDDD", {"file.invalid_path"})


def test_a_glob_climbing_after_a_wildcard_is_denied(catalog: dict[str, Profile]) -> None:
    verdicts = _verdicts(catalog, "Glob", {"pattern": "*/../../../home/dev/.ssh/*"})
    assert verdicts == ("DDDD", {"file.read.unplaceable_pattern"})


def test_reasons_say_what_to_do_instead(catalog: dict[str, Profile]) -> None:
    search = decide_tool("Grep", {"pattern": "x", "path": HOME}, catalog["standard"], CTX)
    assert f"{HOME}/.ssh" in search.reason and "narrower directory" in search.reason
    read = decide_tool("Read", {"file_path": f"{HOME}/.ssh/id_rsa"}, catalog["elevated"], CTX)
    assert "Ask the user" in read.reason


# -- links, resolved the way the Decider does before deciding ---------------------------------------------------


@pytest.fixture
def tree(tmp_path: Path) -> tuple[PolicyContext, Path, Path]:
    """A real home with ~/.ssh/id_rsa and a project holding links into it."""
    home, project = tmp_path / "home", tmp_path / "project"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_rsa").write_text("secret")
    (project / "src").mkdir(parents=True)
    (project / "key.txt").symlink_to(home / ".ssh" / "id_rsa")
    (project / "keys").symlink_to(home / ".ssh")
    return PolicyContext(project_dirs=(str(project),), home=str(home), cwd=str(project)), home, project


@pytest.mark.parametrize(
    ("tool", "tool_input"),
    [
        ("Read", {"file_path": "{project}/key.txt"}),
        ("Read", {"file_path": "key.txt"}),
        ("Read", {"file_path": "{project}/src/../keys/id_rsa"}),
        ("Grep", {"pattern": "BEGIN", "path": "{project}/keys"}),
        ("Grep", {"pattern": "BEGIN", "path": "keys"}),
        ("Glob", {"pattern": "keys/*"}),
        ("Glob", {"pattern": "{project}/keys/id_*"}),
        ("LS", {"path": "{project}/keys"}),
    ],
)
def test_links_out_of_the_project_are_followed(catalog: dict[str, Profile], tree: tuple[PolicyContext, Path, Path],
                                               tool: str, tool_input: dict[str, str]) -> None:
    ctx, _, project = tree
    raw = {k: v.replace("{project}", str(project)) for k, v in tool_input.items()}
    resolved = resolve_tool_input(tool, raw, str(project))
    assert _verdicts(catalog, tool, resolved, ctx) == ("DDDD", {"file.read.credentials"})


def test_a_symlinked_home_does_not_hide_the_credential_stores(catalog: dict[str, Profile], tmp_path: Path) -> None:
    real = tmp_path / "data" / "dev"
    (real / ".ssh").mkdir(parents=True)
    (real / ".ssh" / "id_rsa").write_text("secret")
    home = tmp_path / "home-dev"
    home.symlink_to(real)
    profile = catalog["standard"]
    ctx = PolicyContext(project_dirs=(str(tmp_path / "p"),), home=str(home),
                        denied_reads=runtime_denied_reads(profile, str(home)))
    resolved = resolve_tool_input("Read", {"file_path": str(home / ".ssh" / "id_rsa")}, str(tmp_path))
    assert resolved["file_path"] == os.path.realpath(real / ".ssh" / "id_rsa")
    assert not decide_tool("Read", resolved, profile, ctx).allow
