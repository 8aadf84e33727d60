"""Every command as a user, cron or CI runs it: the installed `claude-enterprise` console script, real processes.

A usage error exits 2 with one line and starts nothing (the `claude` here records that it was started); a
lone word that is not a near miss of a command is a prompt for claude; no input ever shows a traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.support.cli import SCRIPT

pytestmark = pytest.mark.skipif(not SCRIPT.exists(), reason="the package is not installed (no console script)")

# Every command and subcommand, each with an option that takes a value (given last, without it), if it has one.
COMMANDS: list[tuple[tuple[str, ...], str | None]] = [
    ((), "--security-profile"),
    (("--check-policy",), "--security-profile"),
    (("explain",), "--profiles-dir"),
    (("policies",), None),
    (("policies", "list"), None),
    (("policies", "show"), None),
    (("policies", "check"), None),
    (("policies", "compile"), None),
    (("policies", "managed-settings"), None),
    (("audit",), "--since"),
    (("audit", "list"), "--limit"),
    (("audit", "verify"), "--region"),
    (("audit", "status"), "--spool-dir"),
    (("audit", "ship"), "--region"),
    (("admin",), None),
    (("admin", "configure"), "--config"),
    (("admin", "render"), "--out"),
    (("admin", "deploy-policies"), "--config"),
    (("admin", "status"), "--config"),
    (("admin", "audit"), "--since"),
    (("admin", "chargeback"), "--month"),
    (("admin", "package"), "--out"),
]


def test_the_garbage_runs_cover_every_registered_subcommand() -> None:
    """A command added later (a one-line registration) is not left out of the garbage runs below."""
    from claude_enterprise.cli import admin_cmd, audit_cmd, policies_cmd

    listed = {command for command, _ in COMMANDS}
    for group, app in (("admin", admin_cmd.app), ("audit", audit_cmd.app), ("policies", policies_cmd.app)):
        for info in app.registered_commands:
            name = info.name or (info.callback.__name__.replace("_", "-") if info.callback else "")
            assert (group, name) in listed, f"{group} {name} has no garbage run"


COMMAND_IDS = [" ".join(command) or "(launcher)" for command, _ in COMMANDS]
JUNK = os.fsdecode(b"\xff\xfe\x80junk")  # not UTF-8: what a shell passes for stray bytes
LONG = "x" * 100_000


@pytest.fixture
def fake_claude(tmp_path: Path) -> Path:
    """A `claude` that records its arguments in `started` beside itself."""
    claude = tmp_path / "bin" / "claude"
    claude.parent.mkdir()
    claude.write_text('#!/bin/sh\nprintf \'%s\\n\' "$@" > "$(dirname "$0")/started"\n')
    claude.chmod(0o755)
    return claude


@pytest.fixture
def env(tmp_path: Path, fake_claude: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    keep = {k: v for k, v in os.environ.items()
            if not k.startswith(("CLAUDE", "XDG_", "AWS_", "ANTHROPIC", "OTEL_"))}
    return {
        **keep,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_STATE_HOME": str(home / ".state"),
        "PYTHONPATH": str(REPO_ROOT),
        "CLAUDE_ENTERPRISE_CLAUDE_BIN": str(fake_claude),
        "CLAUDE_ENTERPRISE_STATE_DIR": str(tmp_path / "state"),
        "CLAUDE_ENTERPRISE_MANAGED_DIR": str(tmp_path / "no-managed"),
        "CLAUDE_ENTERPRISE_CLAUDE_MANAGED_SETTINGS": str(tmp_path / "managed-settings.json"),
    }


def run(env: dict[str, str], *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), *args], env=env, cwd=cwd or env["HOME"], capture_output=True, text=True,
                          errors="backslashreplace", stdin=subprocess.DEVNULL, timeout=120, check=False)


def started(fake_claude: Path) -> list[str] | None:
    marker = fake_claude.parent / "started"
    return marker.read_text().splitlines() if marker.exists() else None


def assert_usage_error(result: subprocess.CompletedProcess[str], fake_claude: Path) -> None:
    assert result.returncode == 2, (result.returncode, result.stdout[-500:], result.stderr[-2000:])
    assert len(result.stderr.splitlines()) == 1, result.stderr[-2000:]
    assert "Traceback" not in result.stdout + result.stderr
    assert started(fake_claude) is None


@pytest.mark.parametrize(("args", "guess"), [
    (("polices", "list"), "policies"),
    (("explian", "--", "ls"), "explain"),
    (("Audti", "verify"), "audit"),
    (("admn",), "admin"),
    (("hok",), "hook"),
])
def test_a_near_miss_of_a_command_is_a_usage_error(env, fake_claude, args, guess):
    result = run(env, *args)
    assert_usage_error(result, fake_claude)
    assert f"did you mean `{guess}`?" in result.stderr and f"claude-enterprise -- {args[0]}" in result.stderr


@pytest.mark.parametrize("word", ["hello", "refactor", "explain this repository"])
def test_a_word_that_is_no_near_miss_is_a_prompt(env, fake_claude, word):
    result = run(env, word)
    assert result.returncode == 0, result.stderr
    assert (started(fake_claude) or [])[0] == word


def test_after_the_end_of_options_a_near_miss_is_a_prompt(env, fake_claude):
    result = run(env, "--", "polices")
    assert result.returncode == 0, result.stderr
    assert "polices" in (started(fake_claude) or [])


@pytest.mark.parametrize("args", [
    ("--security-profle=restricted", "--check-policy"),
    ("--check-policy", "--jsn"),
    ("--check-policy", "--security-profile"),
    ("--check-policy", "--", "ls"),
    ("--check-policy", "extra"),
])
def test_check_policy_refuses_other_arguments(env, fake_claude, args):
    result = run(env, *args)
    assert_usage_error(result, fake_claude)
    assert "--check-policy" in result.stderr


@pytest.mark.parametrize("args", [
    ("--check-policy", "--json", "--security-profile", "restricted"),
    ("--security-profile", "restricted", "--check-policy", "--json"),
    ("--security-profile=restricted", "--json", "--check-policy"),
])
def test_check_policy_combinations_keep_working(env, fake_claude, args):
    result = run(env, *args)
    report = json.loads(result.stdout)
    # Exit 1 here: the fake claude does not answer --version, a failed check (documented: non-compliant).
    assert result.returncode == 1 and report["profile"] == "restricted" and not report["compliant"]
    assert {c["name"]: c["status"] for c in report["checks"]}["claude"] == "fail"


@pytest.mark.parametrize("args", [("--frobnicate",), ("--model",), ("-p", "--model")])
def test_a_bad_claude_option_is_a_usage_error(env, fake_claude, args):
    assert_usage_error(run(env, *args), fake_claude)


@pytest.mark.parametrize(("args", "code"), [
    (("--version",), 0),
    (("--help",), 0),
    (("policies", "list"), 0),
    (("policies", "show", "nope"), 2),
    (("policies", "check", "missing"), 2),
    (("explain", "--", "git status"), 0),
    (("explain", "--security-profile", "restricted", "--", "curl example.com"), 1),
    (("explain",), 2),
    (("explain", JUNK), 1),
    (("audit", "verify"), 0),
    (("audit", "ship"), 2),  # no Region anywhere
    (("admin", "status", "--config", "missing.json"), 2),
])
def test_documented_exit_codes(env, fake_claude, args, code):
    result = run(env, *args)
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stdout + result.stderr and started(fake_claude) is None


def test_top_level_help_lists_every_command(env):
    out = run(env, "--help").stdout
    for word in ("hook", "explain", "policies", "audit", "admin", "--check-policy", "--security-profile",
                 "Example"):
        assert word in out, word


@pytest.mark.parametrize(("command", "_"), COMMANDS, ids=COMMAND_IDS)
def test_every_command_shows_an_example(env, command, _):
    result = run(env, *command, "--help")
    assert result.returncode == 0 and "Example" in result.stdout, result.stdout + result.stderr


@pytest.mark.parametrize("command", [(), ("explain",), ("policies",), ("audit",), ("admin",), ("--check-policy",)],
                         ids=["(top)", "explain", "policies", "audit", "admin", "--check-policy"])
def test_dash_h_is_help_too(env, fake_claude, command):
    result = run(env, *command, "-h")
    assert result.returncode == 0 and "Usage" in result.stdout, result.stdout + result.stderr
    assert started(fake_claude) is None


@pytest.mark.parametrize("sub", ["status", "list", "verify"])
def test_a_command_failing_on_its_input_is_one_line(env, fake_claude, tmp_path, sub):
    """Not a usage error but a bad input (a spool dir that is a file): one line naming it, exit 2."""
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    result = run(env, "audit", sub, "--spool-dir", str(not_a_dir))
    assert_usage_error(result, fake_claude)
    assert str(not_a_dir) in result.stderr


@pytest.mark.parametrize(("command", "value_option"), COMMANDS, ids=COMMAND_IDS)
def test_garbage_arguments_are_one_line_usage_errors(env, fake_claude, command, value_option):
    garbage: list[list[str]] = [["--zz-unknown"], [f"--zz{JUNK}"], [f"--{LONG}"]]
    # At the top a lone word is a prompt for claude and `explain` judges its words as a command (junk is
    # denied: test_documented_exit_codes); anywhere else a stray word is an error.
    if command not in ((), ("explain",)):
        garbage += [[JUNK], [LONG]]
    if value_option:
        garbage.append([value_option])
    for extra in garbage:
        assert_usage_error(run(env, *command, *extra), fake_claude)


@pytest.mark.parametrize("extra", [["--zz-unknown"], [JUNK], [f"--{LONG}"], ["--session"]])
def test_hook_denies_on_garbage_arguments(env, fake_claude, extra):
    """The hook's documented answer to anything it cannot judge is a deny (exit 0, the deny JSON)."""
    result = run(env, "hook", *extra)
    assert result.returncode == 0 and "Traceback" not in result.stdout + result.stderr
    decision = json.loads(result.stdout)["hookSpecificOutput"]
    assert decision["permissionDecision"] == "deny" and started(fake_claude) is None


def test_profiles_are_tried_without_root_and_without_enforcing(env, fake_claude, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "ops.yaml").write_text("name: ops\nextends: restricted\nshell: {allow_add: [make]}\n"
                                   "examples: {allow: [make], deny: [curl example.com]}\n")
    checked = run(env, "policies", "check", str(mine))
    assert checked.returncode == 0 and "ops: valid; 2 example(s)" in checked.stdout, checked.stderr
    explained = run(env, "explain", "--profiles-dir", str(mine), "--", "make")
    assert explained.returncode == 0 and "not enforced" in explained.stdout, explained.stderr
    assert not list(mine.glob(".*")), "check and explain write nothing"
    # The trial changed nothing: the user's own session still resolves the bundled default.
    assert run(env, "explain", "--", "make").stdout.startswith("profile:  standard (bundled default)")


def test_policies_managed_settings_match_what_the_packages_install(env):
    """Every channel routes claude the same way: the printed settings carry the default profile's sandbox
    locks, as the .deb and the MDM bundle do, and `--check-policy` finds nothing missing in them."""
    from claude_enterprise.admin.package import claude_settings
    from claude_enterprise.config import DEFAULT_PROFILE
    from claude_enterprise.launch.settings import managed_settings_findings
    from claude_enterprise.paths import bundled_policies_dir
    from claude_enterprise.profiles import load_catalog

    result = run(env, "policies", "managed-settings")
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    profile = load_catalog(bundled_policies_dir() / "profiles", None)[DEFAULT_PROFILE]
    hook = printed["hooks"]["PreToolUse"][0]["hooks"][0]["command"]
    assert printed == claude_settings(profile, hook, printed["env"]["CLAUDE_CODE_SHELL_PREFIX"])
    assert "sandbox" in printed and managed_settings_findings(printed) == []
