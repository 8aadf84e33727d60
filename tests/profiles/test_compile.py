"""`policies compile` and `policies check`: what they accept is what a session loads, examples included."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from claude_enterprise.cli.policies_cmd import check_profiles, compile_profiles
from claude_enterprise.constants import Exit as exitcodes
from claude_enterprise.paths import bundled_policies_dir
from claude_enterprise.profiles import ProfileError, compiled, load_catalog
from claude_enterprise.profiles.loader import profile_files
from claude_enterprise.profiles.validate import check_directory, run_examples

BUNDLED = bundled_policies_dir() / "profiles"


def _dir(tmp_path: Path, files: dict[str, str]) -> Path:
    d = tmp_path / "profiles.d"
    d.mkdir()
    for name, text in files.items():
        (d / name).write_text(text)
    return d


@pytest.mark.parametrize(("files", "fragment"), [
    ({"a.yaml": "name: a\nextends: nope\n"}, "extends: no profile named 'nope'"),
    ({"a.yaml": "name: a\nextends: b\n", "b.yaml": "name: b\nextends: a\n"}, "extends: cycle"),
    ({"a.yaml": "name: a\nextends: restricted\nshel: {}\n"}, "shel: unknown key"),
    ({"a.yaml": "name: a\nextends: restricted\nexamples: {maybe: [ls]}\n"}, "examples.maybe: unknown key"),
    ({"a.yaml": "name: a\nrank: 1\n"}, "required (directly or through `extends`)"),
    ({"a.yaml": "name: a\nextends: restricted\n", "b.yaml": "name: a\nextends: standard\n"}, "also defined"),
])
def test_compile_refuses_what_the_runtime_rejects(tmp_path, capsys, files, fragment):
    d = _dir(tmp_path, files)
    with pytest.raises(ProfileError) as raised:
        load_catalog(BUNDLED, d)  # the runtime rejects it...
    assert fragment in str(raised.value)
    with pytest.raises(ProfileError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        compile_profiles(d, BUNDLED)  # ...so compile says the same and writes nothing
    assert not (d / compiled.CACHE_NAME).exists()


def test_a_compiled_directory_loads_from_its_cache(tmp_path):
    d = _dir(tmp_path, {"ops.yaml": "name: ops\nextends: restricted\nshell: {allow_add: [make]}\n"
                                    "examples: {allow: [make], deny: [curl example.com]}\n"})
    assert compile_profiles(d, BUNDLED) == exitcodes.OK
    assert compiled.load_if_current(d, profile_files(d)) is not None
    assert "make" in load_catalog(BUNDLED, d)["ops"].shell.allow


def test_a_failing_example_fails_check_and_compile(tmp_path, capsys):
    d = _dir(tmp_path, {"ops.yaml": "name: ops\nextends: restricted\nexamples: {allow: [git status, make]}\n"})
    assert check_profiles(d, BUNDLED) == exitcodes.REFUSED
    assert compile_profiles(d, BUNDLED) == exitcodes.REFUSED
    err = capsys.readouterr().err
    expected = "ops.yaml: examples.allow[1]: `make` gets deny (shell.allowlist.not_allowed), the example expects allow"
    assert expected in err
    assert "no cache written" in err and not (d / compiled.CACHE_NAME).exists()


def test_examples_are_not_inherited(tmp_path):
    """restricted's examples deny `make`; a profile allowing it extends restricted without inheriting them."""
    d = _dir(tmp_path, {"ops.yaml": "name: ops\nextends: restricted\nshell: {allow_add: [make]}\n"})
    checked = check_directory(d, BUNDLED)
    assert run_examples(checked) == []


def test_the_bundled_profiles_pass_their_examples():
    results = run_examples(check_directory(BUNDLED, BUNDLED))
    assert {r.expected for r in results} == {"allow", "deny"}
    assert [r for r in results if not r.ok] == []


def test_a_changed_rule_breaks_a_bundled_example(tmp_path, capsys):
    copy = tmp_path / "profiles"
    shutil.copytree(BUNDLED, copy)
    shutil.copy(BUNDLED.parent / "protected-paths.json", tmp_path)
    target = copy / "restricted.yaml"
    target.write_text(target.read_text().replace("allow: [pytest,", "allow: [make, pytest,"))
    assert check_profiles(copy, copy) == exitcodes.REFUSED
    assert "restricted.yaml: examples.deny[0]: `make` gets allow" in capsys.readouterr().err
