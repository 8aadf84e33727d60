"""Issue 9 families 7-9 and the read-only utilities, in every quoting and behind every wrapper.

Each case is a command as words; a property quotes one word in one of bash's spellings (`c''md`, `"cmd"`,
`\\cmd`, `$'\\x63md'`) and runs the result through a wrapper (`env`, `timeout 5`, `bash -c`, `xargs`):
bash runs the same thing, so the decision must not change.
"""

from __future__ import annotations

import shlex

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claude_enterprise.policy import PolicyContext, decide_shell
from claude_enterprise.profiles import Profile

CTX = PolicyContext(project_dirs=("/proj",), home="/home/dev")
SETTINGS = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# (words, rule id under standard)
DENIED_UNDER_STANDARD = [
    (["terraform", "apply", "-destroy=1"], "shell.destructive.terraform_destroy"),
    (["tofu", "apply", "--destroy"], "shell.destructive.terraform_destroy"),
    (["terraform", "plan", "-destroy", "-out=x.plan"], "shell.destructive.terraform_destroy_plan"),
    (["gcloud", "compute", "instances", "delete", "vm1"], "shell.destructive.gcloud_delete"),
    (["az", "group", "delete", "-n", "rg"], "shell.destructive.az_delete"),
    (["kubectl", "apply", "--prune", "-f", "k8s/"], "shell.destructive.kubectl_prune"),
    (["kubectl", "replace", "--force", "-f", "pod.yaml"], "shell.destructive.kubectl_force"),
    (["find", "/etc", "-delete"], "shell.destructive.find_delete_outside"),
    (["rsync", "-a", "--delete", "src/", "/srv/www/"], "shell.destructive.rsync_delete_outside"),
    (["git", "-C", "/srv/repo", "clean", "-fdx"], "shell.destructive.git_clean_outside"),
    (["shred", "-u", "/home/dev/.bash_history"], "shell.destructive.shred_outside"),
    (["truncate", "-s", "0", "/var/log/syslog"], "shell.destructive.truncate_outside"),
    (["dd", "if=/dev/zero", "of=/dev/sda"], "shell.destructive.dd_device"),
    (["wipefs", "-a", "/dev/sdb"], "shell.destructive.disk_format"),
    (["mv", "/etc", "/tmp/etc"], "shell.destructive.mv_system"),
    (["python3", "-c", "import shutil; shutil.rmtree('/srv')"], "shell.destructive.inline_tree_delete"),
    (["sudoedit", "/etc/hosts"], "shell.deny.sudo"),
    (["run0", "id"], "shell.deny.sudo"),
    (["systemd-run", "--scope", "id"], "shell.deny.sudo"),
    (["systemctl", "poweroff"], "shell.deny.poweroff"),
    (["telinit", "6"], "shell.deny.reboot"),
    (["kill", "-9", "-1"], "shell.protected_process"),
    (["pkill", "-f", "claude-enterprise"], "shell.protected_process"),
    (["killall", "claude"], "shell.protected_process"),
    (["cp", "evil.json", "/home/dev/.claude/settings.json"], "file.protected"),
    (["sed", "-i", "s/deny/allow/", "/home/dev/.claude/settings.json"], "file.protected"),
    (["perl", "-pi", "-e", "s/a/b/", "/etc/claude-code/managed-settings.json"], "file.protected"),
    (["ln", "-sf", "/tmp/x", "/home/dev/.claude/settings.json"], "file.protected"),
    (["tar", "-xf", "x.tar", "-C", "/home/dev/.claude"], "file.protected"),
    (["git", "--work-tree=/etc/claude-code", "checkout", "HEAD", "--", "."], "file.protected"),
    (["install", "-t", "/etc/claude-code", "x.json"], "file.protected"),
]
ALLOWED_UNDER_STANDARD = [
    ["terraform", "apply", "-destroy=false"],
    ["terraform", "plan", "-destroy"],
    ["kubectl", "apply", "-f", "k8s/"],
    ["gcloud", "compute", "instances", "list"],
    ["find", ".", "-name", "*.pyc", "-delete"],
    ["rsync", "-a", "--delete", "src/", "build/"],
    ["truncate", "-s", "0", "logs/app.log"],
    ["mv", "build", "dist"],
    ["systemctl", "restart", "nginx"],
    ["kill", "-1", "4242"],
    ["pkill", "-f", "webpack"],
    ["cp", ".env.example", ".env"],
    ["sed", "-i", "s/kubectl delete/kubectl get/", "docs/runbook.md"],
    ["python3", "-c", "print('run with sudo')"],
]
# Read-only filters after an allowed producer, under restricted: (words, allowed?)
RESTRICTED_FILTERS = [
    (["tail", "-30"], True),
    (["head", "-n", "5"], True),
    (["grep", "-i", "fail"], True),
    (["wc", "-l"], True),
    (["sort", "-rn"], True),
    (["cat"], True),
    (["cut", "-d:", "-f1"], True),
    (["grep", "x", "/home/dev/.ssh/id_rsa"], False),
    (["cat", "-", "/etc/shadow"], False),
    (["sort", "-o", "/etc/x"], False),
    (["tee", "/home/dev/log"], False),
]


def _quote(word: str, form: int) -> str:
    """One of bash's spellings of `word` (all of them the same word to bash)."""
    if form == 0:
        return shlex.quote(word)
    if form == 1:
        return f"{word[0]}''{shlex.quote(word[1:])}" if len(word) > 1 else f"'{word}'"
    if form == 2:
        return '"' + word.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$").replace("`", "\\`") + '"'
    if form == 3 and word[0].isalnum():
        return "\\" + word[0] + shlex.quote(word[1:]) if len(word) > 1 else "\\" + word
    return f"$'\\x{ord(word[0]):02x}'" + (shlex.quote(word[1:]) if len(word) > 1 else "")


def _spell(words: list[str], index: int, form: int) -> str:
    quoted = [shlex.quote(w) for w in words]
    quoted[index % len(words)] = _quote(words[index % len(words)], form)
    return " ".join(quoted)


def _wrap(command: str, wrapper: str) -> str:
    if wrapper == "bash -c":
        return f"bash -c {shlex.quote(command)}"
    return f"{wrapper} {command}" if wrapper else command


forms = st.integers(0, 4)
wrappers = st.sampled_from(["", "env", "timeout 5", "bash -c"])


@SETTINGS
@given(st.sampled_from(DENIED_UNDER_STANDARD), st.integers(0, 10), forms, wrappers)
def test_denied_stays_denied_with_the_same_rule(
    catalog: dict[str, Profile], case: tuple[list[str], str], index: int, form: int, wrapper: str
) -> None:
    words, rule = case
    command = _wrap(_spell(words, index, form), wrapper)
    decision = decide_shell(command, catalog["standard"], CTX)
    assert not decision.allow and decision.rule_id == rule, (command, decision)
    assert not decide_shell(command, catalog["restricted"], CTX).allow, command


@SETTINGS
@given(st.sampled_from(DENIED_UNDER_STANDARD), st.integers(0, 10), forms)
def test_denied_stays_denied_behind_xargs(
    catalog: dict[str, Profile], case: tuple[list[str], str], index: int, form: int
) -> None:
    # xargs appends words read from stdin: the rule may change (an unknown target), the verdict may not.
    command = "xargs " + _spell(case[0], index, form)
    assert not decide_shell(command, catalog["standard"], CTX).allow, command


@SETTINGS
@given(st.sampled_from(ALLOWED_UNDER_STANDARD), st.integers(0, 10), forms, wrappers)
def test_ordinary_work_stays_allowed(
    catalog: dict[str, Profile], words: list[str], index: int, form: int, wrapper: str
) -> None:
    command = _wrap(_spell(words, index, form), wrapper)
    decision = decide_shell(command, catalog["standard"], CTX)
    assert decision.allow, (command, decision)


@SETTINGS
@given(st.sampled_from(RESTRICTED_FILTERS), st.integers(0, 10), forms, st.sampled_from(["", "env", "timeout 5"]))
def test_read_only_filters_under_restricted(
    catalog: dict[str, Profile], case: tuple[list[str], bool], index: int, form: int, wrapper: str
) -> None:
    words, allowed = case
    command = "pytest 2>&1 | " + _wrap(_spell(words, index, form), wrapper)
    decision = decide_shell(command, catalog["restricted"], CTX)
    assert decision.allow is allowed, (command, decision)
    assert decide_shell(command, catalog["standard"], CTX).allow, command
