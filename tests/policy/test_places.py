"""Where a command writes: directories `cd` cannot pin down, and links made before a write."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from claude_enterprise.policy import PolicyContext, analyze
from claude_enterprise.policy.directories import cd_target, sets_physical, uncertain
from claude_enterprise.policy.model import Write
from claude_enterprise.policy.paths import symlinked_write
from claude_enterprise.profiles import Profile


@pytest.mark.parametrize(
    ("name", "args", "expected"),
    [
        ("cd", ["src"], ("src", True)),
        ("cd", [".ssh"], (".ssh", True)),
        ("cd", ["./src"], ("./src", False)),
        ("cd", ["/tmp"], ("/tmp", False)),
        ("cd", ["-P", "../x"], ("../x", False)),
        ("cd", [], ("~", False)),
        ("cd", ["-"], (None, False)),
        ("cd", ["--", "-"], (None, False)),
        ("cd", ["src/.."], (None, False)),
        ("cd", [None], (None, False)),
        ("pushd", [], (None, False)),
        ("pushd", ["+1"], (None, False)),
        ("pushd", ["-n", "src"], ("src", True)),
        ("popd", [], (None, False)),
    ],
)
def test_cd_target(name: str, args: list[str | None], expected: tuple[str | None, bool]) -> None:
    assert cd_target(name, args) == expected


def test_uncertain_paths_have_dotdot_after_a_name() -> None:
    assert uncertain("a/..") and uncertain("./a/../b")
    assert not uncertain("../a") and not uncertain("../../a/b") and not uncertain("a/b")


def test_cdpath_set_by_the_command_makes_searched_directories_unknown() -> None:
    # After `cd DIR &&` only DIR applies (the write does not run if cd fails); after `;` both do.
    assert analyze("cd src && echo x > out").writes[0].cwds == ("src",)
    assert analyze("CDPATH=/etc cd src && echo x > out").writes[0].cwds == (None,)
    assert analyze("cd src; echo x > out; read -r CDPATH < f").writes[0].cwds == ("", None)
    assert analyze("CDPATH=/etc cd ./src && echo x > out").writes[0].cwds == ("src",)


def test_dotdot_from_a_named_directory_is_unknown_in_physical_mode() -> None:
    assert sets_physical(("-P",)) and sets_physical(("-eP",)) and sets_physical(("-o", "physical"))
    assert not sets_physical(("-e",)) and not sets_physical(("-o", "pipefail"))
    assert analyze("cd src; cd ..; echo x > out").writes[0].cwds == ("", "src", "..", ".")
    for command in ("cd link; set -P; cd ..; echo x > out", "cd -P link && cd .. && echo x > out"):
        assert None in analyze(command).writes[0].cwds, command


def test_a_literal_link_is_followed() -> None:
    writes = analyze("ln -s /home/dev/.ssh d && echo k >> d/authorized_keys").writes
    assert Write("/home/dev/.ssh/authorized_keys", ("",), ">>", after_link="ln") in writes
    # A symbolic link's relative target is read from the link's own directory.
    relative = analyze("ln -s ../outside sub/d && echo x > sub/d/f").writes
    assert Write("outside/f", ("",), ">", after_link="ln") in relative
    climbing = analyze("ln -s /etc/ssh d && cd d && echo x > ../x").writes
    assert Write("/etc/x", ("",), ">", after_link="ln") in climbing  # `..` climbs from the link's target
    hard = analyze("ln /etc/passwd h && echo x >> h").writes
    assert Write("/etc/passwd", ("",), ">>", after_link="ln") in hard


def test_a_write_elsewhere_is_not_through_the_link() -> None:
    assert all(w.after_link is None for w in analyze("ln -s /etc d && echo x > other").writes)
    assert all(w.after_link is None for w in analyze("echo x > d/f; ln -s /etc d").writes)


@pytest.mark.parametrize(
    "command",
    [
        "tar xf a.tar && echo x > out",
        "git checkout evil && echo x > out",
        "cp -a vendor dst && echo x > out",
        "mv l out && echo x > out",
        "echo /etc | xargs ln -s && echo x > out",
        "for i in 1 2; do echo x > out; git pull; done",
    ],
)
def test_other_links_make_the_place_unknown(command: str) -> None:
    assert any(w.after_link and w.cwds == (None,) for w in analyze(command).writes), command


def test_protected_names_from_an_unknown_directory(catalog: dict[str, Profile], ctx: PolicyContext) -> None:
    from claude_enterprise.policy import decide_shell

    for command in ("cd - && echo x > settings.json", "tar xf a.tar; echo x > .claude/settings.local.json"):
        decision = decide_shell(command, catalog["elevated"], ctx)
        assert decision.rule_id == "file.protected", (command, decision)
    assert decide_shell("cd - && echo x > notes.txt", catalog["elevated"], ctx).allow


def test_symlinked_write_resolves_dotdot_after_a_link(tmp_path: Path, catalog: dict[str, Profile]) -> None:
    project = tmp_path / "proj"
    outside = tmp_path / "outside" / "deep"
    project.mkdir()
    outside.mkdir(parents=True)
    os.symlink(outside, project / "link")
    ctx = PolicyContext(project_dirs=(str(project),), home=str(tmp_path / "home"), cwd=str(project))
    for command in ("echo x > link/../f", "cd link && echo x > ../f"):
        decision = symlinked_write(command, catalog["restricted"], ctx)
        assert decision is not None and decision.rule_id == "shell.write.symlink_outside_project", command
    assert symlinked_write("echo x > sub/../f", catalog["restricted"], ctx) is None
