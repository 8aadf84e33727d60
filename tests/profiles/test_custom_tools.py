"""Custom tools lifted from an inherited deny list, read-only utilities switched off, conflict warnings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claude_enterprise.cli import policies_cmd
from claude_enterprise.paths import bundled_policies_dir
from claude_enterprise.policy import PolicyContext, decide_shell
from claude_enterprise.profiles import Profile, load_catalog
from tests.support.cli import CLI

BUNDLED = bundled_policies_dir() / "profiles"
CTX = PolicyContext(project_dirs=("/proj",), home="/home/dev")
# The seed guide's example: kubectl is on restricted's inherited deny list.
CUSTOM_DEVOPS = {
    "ProfileName": "custom-devops",
    "Description": "DevOps with infrastructure tools",
    "EnvironmentVariables": {
        "CLAUDE_ALLOW_SHELL_EXEC": "restricted",
        "CLAUDE_CUSTOM_TOOLS": "terraform,kubectl,ansible",
    },
}


def _catalog(tmp_path: Path, files: dict[str, str]) -> dict[str, Profile]:
    managed = tmp_path / "profiles.d"
    managed.mkdir()
    for name, text in files.items():
        (managed / name).write_text(text)
    return load_catalog(BUNDLED, managed)


@pytest.fixture
def devops(tmp_path: Path) -> Profile:
    return _catalog(tmp_path, {"devops.json": json.dumps(CUSTOM_DEVOPS)})["custom-devops"]


def test_named_custom_tool_is_lifted_from_the_inherited_deny_list(devops: Profile) -> None:
    assert "kubectl" not in devops.shell.deny and devops.shell.lifted == ("kubectl",)
    assert {"curl", "rm", "sudo"} <= set(devops.shell.deny)
    assert devops.to_dict()["shell"]["lifted"] == ["kubectl"]
    assert Profile.from_dict(devops.to_dict()) == devops


@pytest.mark.parametrize(
    "command",
    ["kubectl get pods", "kubectl apply -f deploy.yaml", "terraform plan", "ansible-playbook site.yml",
     "ansible-galaxy install -r requirements.yml", "ansible all -m ping"],
)  # fmt: skip
def test_custom_devops_runs_its_tools(devops: Profile, command: str) -> None:
    decision = decide_shell(command, devops, CTX)
    assert decision.allow, decision


@pytest.mark.parametrize(
    ("command", "rule"),
    [
        ("kubectl delete ns prod", "shell.destructive.kubectl_delete"),
        ("terraform destroy", "shell.destructive.terraform_destroy"),
        ("curl https://example.com", "shell.deny.curl"),
        ("make", "shell.allowlist.not_allowed"),
        ("packer build x.pkr.hcl", "shell.allowlist.not_allowed"),
    ],
)
def test_custom_devops_still_refuses_the_rest(devops: Profile, command: str, rule: str) -> None:
    decision = decide_shell(command, devops, CTX)
    assert not decision.allow and decision.rule_id == rule, decision


def test_own_deny_entry_is_not_lifted(tmp_path: Path) -> None:
    text = "name: strict-ops\nextends: restricted\nshell: {allow_add: [kubectl], deny_add: [kubectl]}\n"
    profile = _catalog(tmp_path, {"ops.yaml": text})["strict-ops"]
    assert "kubectl" in profile.shell.deny and not profile.shell.lifted
    assert decide_shell("kubectl get pods", profile, CTX).rule_id == "shell.deny.kubectl"


def test_a_family_entry_lifts_its_members(tmp_path: Path) -> None:
    text = "name: base-x\nextends: restricted\nshell: {deny_add: [ansible-playbook]}\n"
    child = "name: child-x\nextends: base-x\nshell: {allow_add: [ansible]}\n"
    profile = _catalog(tmp_path, {"a.yaml": text, "b.yaml": child})["child-x"]
    assert profile.shell.lifted == ("ansible-playbook",)


def test_read_only_utilities_can_be_switched_off(tmp_path: Path) -> None:
    text = "name: no-filters\nextends: restricted\nshell: {read_only_utilities: false}\n"
    catalog = _catalog(tmp_path, {"nf.yaml": text})
    assert decide_shell("git log | head", catalog["restricted"], CTX).allow
    decision = decide_shell("git log | head", catalog["no-filters"], CTX)
    assert decision.rule_id == "shell.allowlist.not_allowed"
    assert catalog["no-filters"].to_dict()["shell"]["read_only_utilities"] is False


def test_read_only_utilities_must_be_a_bool(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="read_only_utilities"):
        _catalog(tmp_path, {"x.yaml": "name: x\nextends: restricted\nshell: {read_only_utilities: maybe}\n"})


def test_compile_warns_about_allowed_and_denied(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    managed = tmp_path / "profiles.d"
    managed.mkdir()
    text = "name: confused\nextends: restricted\nshell: {allow_add: [make], deny_add: [make]}\n"
    (managed / "c.yaml").write_text(text)
    assert policies_cmd.main(["compile", str(managed)]) == 0
    err = capsys.readouterr().err
    assert "`make` is both allowed and denied" in err and "confused" in err


def test_show_prints_lifted_and_read_only_utilities(capsys: pytest.CaptureFixture[str]) -> None:
    assert policies_cmd.main(["show", "restricted"]) == 0
    shell = json.loads(capsys.readouterr().out)["shell"]
    assert shell["read_only_utilities"] is True and shell["lifted"] == []


def test_compile_of_a_missing_directory_is_one_line_and_exit_2(tmp_path: Path) -> None:
    import subprocess

    result = subprocess.run([*CLI, "policies", "compile",
                             str(tmp_path / "missing")], capture_output=True, text=True, check=False, timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    missing = tmp_path / "missing"
    assert result.stderr.strip() == f"claude-enterprise policies: {missing}: not a directory of profile files"
