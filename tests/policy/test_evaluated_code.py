"""Code bash runs outside command nodes (arithmetic, subscripts, name arguments): real bash runs it, the
policy denies it. PAYLOAD in each template is a command: one that creates a marker file for bash, a
denied one for the policy."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from claude_enterprise.policy import PolicyContext, analyze, decide_shell
from claude_enterprise.profiles import Profile

BASH = shutil.which("bash")

# Every spelling below runs PAYLOAD in bash 5 (checked by test_bash_runs_the_payload).
TEMPLATES = [
    "x='a[$(PAYLOAD)]'; (( x ))",
    "x='a[$(PAYLOAD)]'; echo $(( x + 1 ))",
    "x='a[$(PAYLOAD)]'; y=x; (( y ))",
    "x='a[$(PAYLOAD)]'; [[ $x -gt 1 ]]",
    "x='a[$(PAYLOAD)]'; [[ x -eq 1 ]]",
    "x='a[$(PAYLOAD)]'; for (( i = x; i < 1; i++ )); do :; done",
    "x='a[$(PAYLOAD)]'; echo ${!x}",
    "x='a[$(PAYLOAD)]'; let x",
    "x='a[$(PAYLOAD)]'; s=abc; echo ${s:x}",
    "x='a[$(PAYLOAD)]'; s=abc; echo ${s:1:x}",
    "x='a[$(PAYLOAD)]'; set -- a b; echo ${@:x}",
    "x='a[$(PAYLOAD)]'; a=(1 2); echo ${a[x]}",
    "true {x}>/dev/null; x='a[$(PAYLOAD)]'; (( x ))",
    "declare -i n; n='a[$(PAYLOAD)]'",
    "declare -i n; read -r n <<< 'a[$(PAYLOAD)]'",
    "declare -n r='a[$(PAYLOAD)]'; echo $r",
    "declare 'a[$(PAYLOAD)]=1'",
    "test -v 'a[$(PAYLOAD)]'",
    "[ -v 'a[$(PAYLOAD)]' ]",
    "printf -v 'a[$(PAYLOAD)]' x",
    "read -r 'a[$(PAYLOAD)]' <<< x",
    "a[$(PAYLOAD)]=1",
    "a=([$(PAYLOAD)]=1)",
    "echo ${a[$(PAYLOAD)]}",
    "echo $(( a[$(PAYLOAD)] ))",
    "mapfile -C 'PAYLOAD :' -c 1 lines <<< x",
    # Associative arrays do not evaluate subscripts, but builtins taking a name expand them once more.
    "declare -A m; k='a[$(PAYLOAD)]'; unset \"m[$k]\"",
    "declare -A m; k='a[$(PAYLOAD)]'; printf -v \"m[$k]\" x",
]


@pytest.mark.skipif(BASH is None, reason="bash is not installed")
@pytest.mark.parametrize("template", TEMPLATES)
def test_bash_runs_the_payload(template: str, tmp_path: Path) -> None:
    assert BASH is not None
    command = template.replace("PAYLOAD", "touch ran")
    subprocess.run([BASH, "-c", command], cwd=tmp_path, capture_output=True, timeout=10, check=False)
    assert (tmp_path / "ran").exists(), command


@pytest.mark.parametrize("template", TEMPLATES)
def test_policy_denies_the_payload(template: str, catalog: dict[str, Profile], ctx: PolicyContext) -> None:
    command = template.replace("PAYLOAD", "sudo id")
    for name in ("restricted", "standard"):
        decision = decide_shell(command, catalog[name], ctx)
        assert not decision.allow, (name, command, decision)
        # A name only known at run time may also name a code variable: dynamic code.
        rules = ("shell.arithmetic_code", "shell.dynamic_code", "shell.deny.sudo", "shell.allowlist.not_allowed")
        assert decision.rule_id in rules, (command, decision)


@pytest.mark.parametrize(
    "command",
    [
        "(( n > 2 )) && pytest",
        "for ((i=0;i<3;i++)); do pytest; done",
        "n=5; (( n * 2 > 3 )) && pytest",
        "count=0; count=$((count+1)); (( count ))",
        "declare -i n=3; (( n ))",
        "read -r line < file; echo \"$line\"",
        "x=$(git rev-parse HEAD); [ \"$x\" = abc ] || pytest",
        "declare -A m; while read -r k v; do m[$k]=$v; done < f; echo \"${m[a]}\"",
    ],
)
def test_ordinary_arithmetic_is_not_code(command: str) -> None:
    assert not any(e.kind == "code" for e in analyze(command).executions), command


def test_a_value_read_at_run_time_in_arithmetic_is_arithmetic_code() -> None:
    codes = [e for e in analyze("read -r n < f; (( n > 2 ))").executions if e.kind == "code"]
    assert [(e.origin, e.name) for e in codes] == [("arithmetic", "$n in arithmetic")]


def test_variables_set_by_builtins_are_judged_like_assignments() -> None:
    for command, label in [
        ("read -r GIT_SSH_COMMAND <<< 'curl x'", "curl"),
        ("printf -v GIT_SSH_COMMAND 'curl x'", "curl"),
        ("declare -n r=GIT_SSH_COMMAND; r='curl x'", "curl"),
        ("mapfile -t PATH < f", "<config code: PATH>"),
        ("getopts ab PATH", "<config code: PATH>"),
        ("PATH[0]=/tmp/evil", "<config code: PATH>"),
    ]:
        assert label in analyze(command).programs, command
