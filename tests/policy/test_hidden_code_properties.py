"""Property tests for issue 9's families 1, 2 and 5: each evasion stays denied whatever quoting spells its
words (`c''url`, `"x"`, `\\x`, `$'\\x63'`) and whatever wrapper runs it (`env`, `timeout 5`, `bash -c`,
`xargs`); the ordinary commands of the same families stay allowed under the same disguises."""

from __future__ import annotations

import shlex

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claude_enterprise.policy import PolicyContext, decide_shell
from claude_enterprise.profiles import Profile

from .test_properties import disguised

CTX = PolicyContext(project_dirs=("/proj",), home="/home/dev")
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def wrapped(draw: st.DrawFn, command: str) -> str:
    """`command` run through a random wrapper; compound commands reach argv wrappers through `bash -c`."""
    wrapper = draw(st.sampled_from([*COMPOUND, "env", "timeout", "bash", "xargs"]))
    quoted = shlex.quote(command)
    argv_wrappers = {
        "env": f"env A=1 bash -c {quoted}",
        "timeout": f"timeout 5 bash -c {quoted}",
        "bash": f"bash -c {quoted}",
        "xargs": f"echo x | xargs bash -c {quoted}",
    }
    return argv_wrappers.get(wrapper) or wrapper.format(command)


# Wrappers an allow list without `bash` still permits: the command itself is judged.
COMPOUND = ["{}", "( {} )", "{{ {}; }}", "true && {}", "if true; then {}; fi", "for i in 1; do {}; done"]


def compound(draw: st.DrawFn, command: str) -> str:
    return draw(st.sampled_from(COMPOUND)).format(command)


# ----- 1. arithmetic and subscripts ---------------------------------------------------------------------
ARITHMETIC_EVASIONS = [
    "x='a[$({cmd} evil)]'; (( x ))",
    "x='a[$({cmd} evil)]'; echo $(( x ))",
    "x='a[$({cmd} evil)]'; [[ $x -gt 1 ]]",
    "let 'a[$({cmd} evil)]'",
    "a[$({cmd} evil)]=1",
    "declare -i n; n='a[$({cmd} evil)]'",
    "test -v 'a[$({cmd} evil)]'",
    "unset 'a[$({cmd} evil)]'",
    "printf -v 'a[$({cmd} evil)]' x",
    "read -r n < f; (( n ))",
    "for f in *; do echo $(( f )); done",
]


@SETTINGS
@given(st.sampled_from(ARITHMETIC_EVASIONS), disguised("curl"), st.data())
def test_arithmetic_evasions_stay_denied(
    catalog: dict[str, Profile], template: str, name: str, data: st.DataObject
) -> None:
    command = wrapped(data.draw, template.format(cmd=name))
    assert not decide_shell(command, catalog["restricted"], CTX).allow, command
    for profile in ("standard", "elevated"):
        decision = decide_shell(command, catalog[profile], CTX)
        assert not decision.allow, (profile, command, decision)
        # A disguise inside the quoted value can also leave text the parser rejects: denied either way.
        assert decision.rule_id in ("shell.arithmetic_code", "shell.unparseable"), (profile, command, decision)


ARITHMETIC_ORDINARY = [
    "for ((i=0;i<3;i++)); do {cmd}; done",
    "(( n > 2 )) && {cmd}",
    "n=3; [[ $n -gt 2 ]] && {cmd}",
    "let i++; {cmd}",
    "a[0]=1; (( a[0] )) && {cmd}",
]


@SETTINGS
@given(st.sampled_from(ARITHMETIC_ORDINARY), disguised("pytest"), st.data())
def test_ordinary_arithmetic_stays_allowed(
    catalog: dict[str, Profile], template: str, name: str, data: st.DataObject
) -> None:
    command = compound(data.draw, template.format(cmd=name))
    assert decide_shell(command, catalog["restricted"], CTX).allow, command
    wrapped_command = wrapped(data.draw, command)
    assert decide_shell(wrapped_command, catalog["standard"], CTX).allow, wrapped_command


# ----- 2. variables set without NAME=value --------------------------------------------------------------
SETTER_EVASIONS = [
    "read -r {var} <<< 'sudo id'; git fetch",
    "printf -v {var} 'sudo id'; git fetch",
    "declare -n r={var}; r='sudo id'; git fetch",
]


@SETTINGS
@given(st.sampled_from(SETTER_EVASIONS), disguised("GIT_SSH_COMMAND"), st.data())
def test_code_variables_set_by_builtins_stay_denied(
    catalog: dict[str, Profile], template: str, var: str, data: st.DataObject
) -> None:
    if template.startswith("declare"):
        var = shlex.quote("GIT_SSH_COMMAND")  # a nameref's target is one word: quoting it whole is the disguise
    command = wrapped(data.draw, template.format(var=var))
    for profile in ("restricted", "standard"):
        decision = decide_shell(command, catalog[profile], CTX)
        assert not decision.allow, (profile, command, decision)
        assert decision.rule_id in ("shell.deny.sudo", "shell.allowlist.not_allowed"), (profile, command, decision)
        assert "sudo" in decision.programs, (profile, command, decision)


@SETTINGS
@given(st.sampled_from(["read -r {var} < paths.txt", "mapfile -t {var} < f", "getopts ab {var}"]),
       disguised("PATH"), st.data())  # fmt: skip
def test_loader_variables_set_by_builtins_stay_denied_under_an_allow_list(
    catalog: dict[str, Profile], template: str, var: str, data: st.DataObject
) -> None:
    command = compound(data.draw, template.format(var=var) + "; git status")
    decision = decide_shell(command, catalog["restricted"], CTX)
    assert not decision.allow and decision.rule_id == "shell.opaque_code.config", (command, decision)


# ----- 5. where a write lands ---------------------------------------------------------------------------
@SETTINGS
@given(disguised("ln"), st.sampled_from(["d/settings.json", "d/../d/settings.json"]), st.data())
def test_a_write_through_a_new_link_to_protected_settings_stays_denied(
    catalog: dict[str, Profile], ln: str, target: str, data: st.DataObject
) -> None:
    command = wrapped(data.draw, f"{ln} -s /home/dev/.claude d && echo x > {target}")
    for profile in ("standard", "elevated"):
        decision = decide_shell(command, catalog[profile], CTX)
        assert not decision.allow and decision.rule_id == "file.protected", (profile, command, decision)


@SETTINGS
@given(
    st.sampled_from(["{cd} -", "CDPATH=/etc {cd} x", "popd", "pushd", "{cd} x/..", "git checkout evil"]),
    disguised("cd"),
    st.data(),
)
def test_a_write_from_an_unknown_place_is_outside_the_project(
    catalog: dict[str, Profile], move: str, cd: str, data: st.DataObject
) -> None:
    command = compound(data.draw, f"{move.format(cd=cd)} && echo x > out.txt")
    decision = decide_shell(command, catalog["restricted"], CTX)
    assert not decision.allow, (command, decision)
    assert decision.rule_id in ("shell.write.outside_project", "shell.write.after_link"), (command, decision)


@SETTINGS
@given(disguised("pytest"), st.sampled_from(["cd src", "cd ./src", "pushd src", "git checkout -b wip"]), st.data())
def test_ordinary_moves_keep_writes_inside(
    catalog: dict[str, Profile], name: str, move: str, data: st.DataObject
) -> None:
    command = compound(data.draw, f"{move} && timeout 5 {name} > report.txt")
    decision = decide_shell(command, catalog["restricted"], CTX)
    assert decision.allow, (command, decision)
