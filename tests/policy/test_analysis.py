"""What analysis finds: programs with their arguments and launch chain, writes, failures."""

from __future__ import annotations

import pytest

from claude_enterprise.policy import PolicyContext, analyze, decide_shell
from claude_enterprise.policy.words import decode_ansi_c
from claude_enterprise.profiles import Profile


def _programs(command: str) -> list[tuple[str | None, tuple[str | None, ...], tuple[str, ...]]]:
    analysis = analyze(command)
    assert analysis.error is None, analysis.error
    return [(e.name, e.args, e.via) for e in analysis.executions if e.kind != "code"]


def test_arguments_are_unquoted_exactly() -> None:
    assert _programs("""git commit -m 'it'\\''s' -m "a \\"b\\" \\$c" -m $'tab\\there'""") == [
        ("git", ("commit", "-m", "it's", "-m", 'a "b" $c', "-m", "tab\there"), ()),
    ]


def test_launch_chain_is_recorded() -> None:
    found = _programs("timeout 5 bash -c 'nice -n 1 env A=1 curl -s x'")
    assert found[-1] == ("curl", ("-s", "x"), ("timeout", "bash -c", "nice", "env"))


def test_substitutions_run_before_their_command() -> None:
    names = [name for name, _, _ in _programs('echo "$(date)" `hostname` <(ls) > "$(mktemp)"')]
    assert set(names) == {"echo", "date", "hostname", "ls", "mktemp"}


def test_unknown_arguments_are_none() -> None:
    assert _programs("pytest -k $K tests/$DIR") == [("pytest", ("-k", None, None), ())]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("\\x63url", "curl"),
        ("\\143url", "curl"),
        ("\\u0063\\U00000075rl", "cu" + "rl"),
        ("a\\nb\\tc\\\\d\\'e", "a\nb\tc\\d'e"),
        ("\\cA", "\x01"),
        ("\\xZZ", "\\xZZ"),
    ],
)
def test_ansi_c_decoding(body: str, expected: str) -> None:
    assert decode_ansi_c(body) == expected


def test_writes_carry_every_possible_directory() -> None:
    analysis = analyze("cd build || cd /tmp; echo x > out.txt; echo y | tee -a log >/dev/null")
    targets = {(w.target, w.via): w.cwds for w in analysis.writes}
    assert targets[("out.txt", ">")] == ("", "build", "/tmp")
    assert ("log", "tee") in targets and ("/dev/null", ">") in targets


def test_non_ascii_text_survives_the_ascii_only_parse() -> None:
    # The parser sees an ASCII-only copy (tree-sitter-bash crashes on some non-ASCII input): words and
    # offsets must still come back exactly.
    assert _programs("git commit -m 'café 中文 🎉' && echo \U000e0001{\U000c5be9") == [
        ("git", ("commit", "-m", "café 中文 🎉"), ()),
        ("echo", ("\U000e0001{\U000c5be9",), ()),
    ]


@pytest.mark.parametrize(
    ("command", "error"),
    [
        ("echo 'unterminated", "not valid shell syntax"),
        ("ec\x00ho", "NUL"),
        ("echo \ud800", "UTF-8"),
        ("X='a'\\b curl x", "ambiguous quoting"),
        ("coproc curl x", "coproc"),
        ("eval " + "'eval " * 12 + "x" + "'" * 12, "nested"),
        ("( " * 2000 + "ls" + " )" * 2000, "deep"),
    ],
)
def test_failures_are_reported(command: str, error: str) -> None:
    analysis = analyze(command)
    assert analysis.error is not None and error in analysis.error, analysis.error


def test_failures_deny_with_a_rule(catalog: dict[str, Profile], ctx: PolicyContext) -> None:
    for name in ("restricted", "standard", "elevated"):
        decision = decide_shell("echo 'unterminated", catalog[name], ctx)
        assert not decision.allow and decision.rule_id == "shell.unparseable"
    deep = decide_shell("( " * 2000 + "ls" + " )" * 2000, catalog["elevated"], ctx)
    assert deep.rule_id in ("shell.too_deep", "shell.unparseable") and not deep.allow


def test_case_insensitive_names(catalog: dict[str, Profile]) -> None:
    mac = PolicyContext(project_dirs=("/proj",), home="/h", case_insensitive=True)
    linux = PolicyContext(project_dirs=("/proj",), home="/h")
    assert decide_shell("CURL x", catalog["restricted"], mac).rule_id == "shell.deny.curl"
    assert decide_shell("Sudo id", catalog["standard"], mac).rule_id == "shell.deny.sudo"
    assert decide_shell("GIT status", catalog["restricted"], mac).allow
    # On a case-sensitive system `CURL` is not curl, but it is no allowed program either.
    assert decide_shell("CURL x", catalog["restricted"], linux).rule_id == "shell.allowlist.not_allowed"
    assert decide_shell("Sudo id", catalog["standard"], linux).allow


def test_known_cwd_resolves_relative_paths(catalog: dict[str, Profile]) -> None:
    inside = PolicyContext(project_dirs=("/proj",), home="/h", cwd="/proj/src")
    outside = PolicyContext(project_dirs=("/proj",), home="/h", cwd="/tmp")
    assert decide_shell("echo x > ../notes.txt", catalog["restricted"], inside).allow
    assert not decide_shell("echo x > notes.txt", catalog["restricted"], outside).allow
    assert decide_shell("rm -rf build", catalog["standard"], inside).allow
    assert decide_shell("rm -rf ../../etc", catalog["standard"], inside).rule_id.startswith("shell.destructive.rm")


def test_programs_listed_in_decisions(catalog: dict[str, Profile], ctx: PolicyContext) -> None:
    decision = decide_shell("git log | head -3 && python -c 'print(1)'", catalog["standard"], ctx)
    assert decision.allow
    assert decision.programs == ("git", "head", "python", "<inline code: python>")
