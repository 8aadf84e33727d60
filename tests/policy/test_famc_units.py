"""Units behind issue 9 families 7-9: read-only option parsing, writers, the hook's known cwd."""

from __future__ import annotations

import pytest

from claude_enterprise.policy import PolicyContext, analyze, decide_shell
from claude_enterprise.policy.readonly import Use, read_only_use
from claude_enterprise.policy.writers import FileWrite, file_writes
from claude_enterprise.profiles import Profile

HOOK_CTX = PolicyContext(project_dirs=("/proj",), home="/home/dev", cwd="/proj")


@pytest.mark.parametrize(
    ("name", "args", "use"),
    [
        ("tail", ("-30",), Use((), ())),
        ("tail", ("-n", "+5", "log"), Use(("log",), ())),
        ("head", ("-n30", "a", "b"), Use(("a", "b"), ())),
        ("grep", ("-rn", "TODO", "src"), Use(("src",), ())),
        ("grep", ("-e", "x", "-f", "pats", "f"), Use(("pats", "f"), ())),
        ("grep", ("-A3", "--include=*.py", "x", "."), Use((".",), ())),
        ("sort", ("--out=/etc/x", "in"), Use(("in",), ("/etc/x",))),  # getopt_long abbreviation
        ("sort", ("-rno", "out", "in"), Use(("in",), ("out",))),
        ("uniq", ("-c", "in", "out"), Use(("in",), ("out",))),
        ("tr", ("-d", "/etc/passwd"), Use((), ())),  # tr's operands are sets, not files
        ("cat", ("-", "--", "-n"), Use(("-n",), ())),
        ("tee", ("-a", "log"), Use((), ("log",))),
        ("ls", ("--color=auto", "-la"), Use((), ())),
    ],
)
def test_read_only_use(name: str, args: tuple[str, ...], use: Use) -> None:
    assert read_only_use(name, args) == use


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("sort", ("--compress-program=sh", "f")),  # runs a program
        ("sort", ("--files0-from=list",)),
        ("wc", ("--files0-from=list",)),
        ("sort", ("--s", "f")),  # ambiguous: --sort, --stable
        ("cat", ("-z",)),
        ("make", ()),
    ],
)
def test_read_only_use_refuses_what_it_does_not_know(name: str, args: tuple[str, ...]) -> None:
    assert read_only_use(name, args) is None


@pytest.mark.parametrize(
    ("key", "args", "writes"),
    [
        ("cp", ("a", "b", "dir"), [FileWrite("dir", "cp"), FileWrite("dir/a", "cp"), FileWrite("dir/b", "cp")]),
        ("cp", ("-t", "dir", "a"), [FileWrite("dir", "cp"), FileWrite("dir/a", "cp")]),
        ("cp", ("-r", "src", "dst"), [FileWrite("dst", "cp"), FileWrite("dst/src", "cp", tree=True)]),
        (
            "mv",
            ("a", "b"),
            [FileWrite("a", "mv (source)", tree=True), FileWrite("b", "mv"), FileWrite("b/a", "mv", tree=True)],
        ),
        ("cp", ("a", None), [FileWrite("a", "cp"), FileWrite(None, "cp")]),
        ("dd", ("if=x", "of=y"), [FileWrite("y", "dd of=")]),
        ("tar", ("xzf", "a.tgz", "-C", "out"), [FileWrite("out", "tar -x", tree=True)]),
        ("tar", ("-czf", "a.tgz", "src"), [FileWrite("a.tgz", "tar (archive)")]),
        ("tar", ("-xOf", "a.tar"), []),
        (
            "git",
            ("-c", "a=b", "--work-tree", "/w", "checkout", "."),
            [FileWrite("/w", "git --work-tree checkout", tree=True)],
        ),
        ("git", ("-C", "sub", "status"), []),
        ("git", ("clone", "https://x/y.git", "dest"), [FileWrite("dest", "git clone", tree=True)]),
    ],
)
def test_file_writes(key: str, args: tuple[str | None, ...], writes: list[FileWrite]) -> None:
    assert list(file_writes(key, args)) == writes


def test_in_place_editors_write_their_files() -> None:
    assert [w.target for w in analyze("sed -i -e s/a/b/ x y").writes] == ["x", "y"]
    assert [w.target for w in analyze("sed -n p x").writes] == []
    assert [w.target for w in analyze("perl -pi -e 's/a/b/' x").writes] == ["x"]
    assert [w.target for w in analyze("perl -ne 'print' x").writes] == []


@pytest.mark.parametrize(
    ("command", "allowed"),
    [
        ("cd build && rm -rf *", True),
        ("cd build && rm -rf ./*", True),
        ("rm -rf *", False),
        ("cd build; rm -rf *", False),  # a failed cd leaves the project root as the directory
        ("cd build || rm -rf *", False),
        ("(cd build) && rm -rf *", False),
        ("cd build && cd .. && rm -rf *", False),
        ("cd /tmp/work && rm -rf *", True),
    ],
)
def test_cd_and_then_rm_with_the_hooks_cwd(catalog: dict[str, Profile], command: str, allowed: bool) -> None:
    assert decide_shell(command, catalog["standard"], HOOK_CTX).allow is allowed, command


def test_read_only_utilities_follow_cd(catalog: dict[str, Profile]) -> None:
    assert decide_shell("cd src && cat app.py", catalog["restricted"], HOOK_CTX).allow
    decision = decide_shell("cd .. && cat other/.env", catalog["restricted"], HOOK_CTX)
    assert decision.rule_id == "shell.read_only.outside_project"
