"""Property-based tests: the analyser never crashes, failures always deny, disguises never help."""

from __future__ import annotations

import shlex

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claude_enterprise.policy import PolicyContext, analyze, decide_shell
from claude_enterprise.profiles import Profile

from .test_corpus import corpus_categories

CTX = PolicyContext(project_dirs=("/proj",), home="/home/dev")
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

SEEDS = [e["cmd"] if isinstance(e, dict) else e[1] for entries in corpus_categories().values() for e in entries]

SHELL_ALPHABET = st.sampled_from([*list("abcrlu \t\n;&|()<>{}[]$`'\"\\=*?~#!-0123456789/.,:%^@+"), "$(", "<<", "${"])
shell_text = st.lists(SHELL_ALPHABET, max_size=60).map("".join)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """A corpus command with a few random insertions, deletions and replacements."""
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["insert", "delete", "replace"]))
        piece = draw(SHELL_ALPHABET)
        if op == "insert":
            text = text[:pos] + piece + text[pos:]
        elif op == "delete":
            text = text[:pos] + text[pos + 1 :]
        else:
            text = text[:pos] + piece + text[pos + 1 :]
    return text


def _check_invariants(command: str, catalog: dict[str, Profile]) -> None:
    analysis = analyze(command)
    assert analysis.error is None or not analysis.error.startswith("internal"), (command, analysis.error)
    decisions = {name: decide_shell(command, profile, CTX) for name, profile in catalog.items()}
    for decision in decisions.values():
        assert decision.rule_id and decision.reason
    if analysis.error is not None:
        # An analysis failure is a deny under every profile, the allow list first of all.
        assert not any(d.allow for d in decisions.values()), (command, decisions)
    assert not decisions["plan-only"].allow
    # The bundled profiles are ordered: whatever a narrower one allows, a wider one allows too.
    if decisions["restricted"].allow:
        assert decisions["standard"].allow, (command, decisions["standard"])
    if decisions["standard"].allow:
        assert decisions["elevated"].allow, (command, decisions["elevated"])


@SETTINGS
@given(st.text(max_size=80))
def test_random_text_never_crashes(catalog: dict[str, Profile], text: str) -> None:
    _check_invariants(text, catalog)


@SETTINGS
@given(shell_text)
def test_random_shell_soup_never_crashes(catalog: dict[str, Profile], text: str) -> None:
    _check_invariants(text, catalog)


@SETTINGS
@given(mutated())
def test_mutated_corpus_commands(catalog: dict[str, Profile], text: str) -> None:
    _check_invariants(text, catalog)


@st.composite
def disguised(draw: st.DrawFn, word: str) -> str:
    """`word` spelled with a random mix of bash quoting: c''url, "c"url, \\c\\url, $'\\x63'url..."""
    parts = []
    for ch in word:
        form = draw(st.sampled_from(["plain", "single", "double", "escape", "hex", "octal", "empty"]))
        if form == "single":
            parts.append(f"'{ch}'")
        elif form == "double":
            parts.append(f'"{ch}"')
        elif form == "escape":
            parts.append("\\" + ch)
        elif form == "hex":
            parts.append(f"$'\\x{ord(ch):02x}'")
        elif form == "octal":
            parts.append(f"$'\\{ord(ch):03o}'")
        elif form == "empty":
            parts.append(ch + draw(st.sampled_from(["''", '""'])))
        else:
            parts.append(ch)
    return "".join(parts)


# Wrappers that take an argv (they need a simple command inside) and constructs that take any command.
ARGV_WRAPPERS = [
    "timeout 5 {}",
    "nice -n 3 {}",
    "env A=1 {}",
    "command {}",
    "exec {}",
    "nohup {}",
    "stdbuf -oL {}",
    "setsid {}",
    "/usr/bin/env {}",
    "xargs {}",
    "find . -exec {} \\;",
    "sudo -u nobody {}",
]
COMPOUND_WRAPPERS = [
    "( {} )",
    "{{ {}; }}",
    "true && {}",
    "false || {}",
    "echo x | {}",
    "echo $( {} )",
    "git status; {}",
    "if true; then {}; fi",
    "for i in 1; do {}; done",
    "f() {{ {}; }}; f",
]
WRAPPERS = ARGV_WRAPPERS + COMPOUND_WRAPPERS


def wrap(command: str, wrappers: list[str]) -> str:
    """Apply `wrappers` innermost first; an argv wrapper around a compound command goes through bash -c,
    as a real attacker would have to."""
    simple = True
    for wrapper in wrappers:
        if wrapper in ARGV_WRAPPERS:
            if not simple:
                command = f"bash -c {shlex.quote(command)}"
            simple = "find" not in wrapper
        else:
            simple = False
        command = wrapper.format(command)
    return command


@SETTINGS
@given(disguised("curl"), st.lists(st.sampled_from(WRAPPERS), min_size=1, max_size=3), st.booleans())
def test_disguised_denied_program_stays_denied(
    catalog: dict[str, Profile], name: str, wrappers: list[str], via_shell: bool
) -> None:
    command = wrap(f"{name} https://example.com", wrappers)
    if via_shell:
        command = f"bash -c {shlex.quote(command)}"
    decision = decide_shell(command, catalog["restricted"], CTX)
    assert not decision.allow, command
    assert decision.rule_id in ("shell.deny.curl", "shell.deny.sudo", "shell.allowlist.not_allowed"), decision
    assert "curl" in decision.programs, (command, decision.programs)


@SETTINGS
@given(disguised("reboot"), st.lists(st.sampled_from(WRAPPERS), min_size=1, max_size=3))
def test_disguised_deny_list_entry_denied_under_deny_lists(
    catalog: dict[str, Profile], name: str, wrappers: list[str]
) -> None:
    command = wrap(name, [w for w in wrappers if "sudo" not in w])
    for profile in ("standard", "elevated"):
        decision = decide_shell(command, catalog[profile], CTX)
        assert not decision.allow and decision.rule_id == "shell.deny.reboot", (profile, command, decision)
