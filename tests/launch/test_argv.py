"""The command-line policy: our options, every refused claude option, permission-mode ranking, models."""

from __future__ import annotations

import pytest

from claude_enterprise.launch.argv import (
    UsageError,
    Vetted,
    split_our_options,
    vet_claude_args,
)
from claude_enterprise.launch.refusal import Refusal
from claude_enterprise.paths import bundled_policies_dir
from claude_enterprise.profiles import Profile, load_catalog


@pytest.fixture(scope="module")
def catalog() -> dict[str, Profile]:
    return dict(load_catalog(bundled_policies_dir() / "profiles", None))


def vet(args: list[str], profile: Profile) -> Vetted:
    result = vet_claude_args(args, profile)
    assert isinstance(result, Vetted), result
    return result


def refused(args: list[str], profile: Profile) -> Refusal:
    result = vet_claude_args(args, profile)
    assert isinstance(result, Refusal), result
    assert "\n" not in result.message
    return result


# -- our options ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("argv", "profile", "rest"),
    [
        (["--security-profile", "restricted", "-p", "hi"], "restricted", ("-p", "hi")),
        (["--security-profile=plan-only", "-p", "hi"], "plan-only", ("-p", "hi")),
        (["-p", "hi", "--security-profile", "standard"], "standard", ("-p", "hi")),
        (["--", "--security-profile", "x"], None, ("--security-profile", "x")),
        (["--", "--version"], None, ("--version",)),
        ([], None, ()),
    ],
)
def test_split_our_options(argv: list[str], profile: str | None, rest: tuple[str, ...]) -> None:
    ours = split_our_options(argv)
    assert ours.security_profile == profile
    assert ours.claude_args == rest


def test_check_policy_json_and_help_version() -> None:
    for argv in (["--check-policy", "--json"], ["--json", "--check-policy"]):
        ours = split_our_options(argv)
        assert ours.check_policy and ours.json and ours.claude_args == ()
    assert split_our_options(["--json"]).claude_args == ("--json",)  # claude's, then vetted
    assert split_our_options(["--help"]).help
    assert split_our_options(["--version"]).version
    # Only first: later --help/--version are claude's.
    assert split_our_options(["-p", "--help"]).claude_args == ("-p", "--help")


@pytest.mark.parametrize("argv", [["--security-profile"], ["--security-profile", "-p"],
                                  ["--security-profile="]])
def test_bad_our_options(argv: list[str]) -> None:
    with pytest.raises(UsageError):
        split_our_options(argv)


# -- refused flags -------------------------------------------------------------------------------------

REFUSED_EVERYWHERE = [
    ["--bare"],
    ["--safe-mode"],
    ["--dangerously-skip-permissions"],
    ["--allow-dangerously-skip-permissions"],
    ["--dangerously-load-development-channels", "x"],
    ["--setting-sources", "user"],
    ["--setting-sources=project"],
    ["--managed-settings", "{}"],
    ["--enable-auto-mode"],
    ["--permission-prompt-tool", "mcp__x__y"],
    ["--bg"],
    ["--background"],
    ["--remote", "task"],
    ["--teleport"],
    ["--remote-control"],
    ["--rc"],
    ["--sdk-url", "ws://x"],
    ["--permission-mode", "bypassPermissions"],
    ["--permission-mode", "auto"],
    ["--permission-mode=bypassPermissions"],
    ["--totally-new-flag"],  # not vetted: fail closed
    ["-x"],
]


@pytest.mark.parametrize("profile_name", ["plan-only", "restricted", "standard", "elevated"])
@pytest.mark.parametrize("args", REFUSED_EVERYWHERE)
def test_refused_in_every_profile(catalog: dict[str, Profile], profile_name: str, args: list[str]) -> None:
    refusal = refused(["-p", "hello", *args], catalog[profile_name])
    assert refusal.rule_id.startswith("launch.")


@pytest.mark.parametrize("args", [["agents"], ["ultrareview"], ["remote-control"], ["mcp", "serve"],
                                  ["--verbose", "mcp", "serve"], ["gateway"]])
def test_refused_commands(catalog: dict[str, Profile], args: list[str]) -> None:
    assert refused(args, catalog["elevated"]).rule_id == "launch.refused_command"


def test_a_command_name_later_is_prompt_text(catalog: dict[str, Profile]) -> None:
    assert vet(["-p", "list", "agents"], catalog["plan-only"]).session


@pytest.mark.parametrize("where", [["--append-system-prompt", "--bare"], ["-p", "--safe-mode"]])
def test_bare_and_safe_mode_refused_even_as_values(catalog: dict[str, Profile], where: list[str]) -> None:
    # Claude Code checks process.argv for these anywhere before `--`.
    assert refused(where, catalog["standard"]).rule_id == "launch.refused_flag"


def test_after_double_dash_is_the_prompt(catalog: dict[str, Profile]) -> None:
    vetted = vet(["-p", "--", "--bare"], catalog["plan-only"])
    assert vetted.args == ("-p", "--", "--bare")
    assert vetted.end_of_options == 1


# -- permission modes ----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("profile_name", "mode", "allowed"),
    [
        ("plan-only", "plan", True),
        ("plan-only", "default", False),
        ("plan-only", "dontAsk", False),
        ("plan-only", "acceptEdits", False),
        ("restricted", "plan", True),
        ("restricted", "default", True),
        ("restricted", "dontAsk", True),
        ("restricted", "acceptEdits", False),
        ("standard", "default", True),
        ("standard", "acceptEdits", False),
        ("elevated", "bypassPermissions", False),
        ("elevated", "auto", False),
    ],
)
def test_permission_mode_ranking(catalog: dict[str, Profile], profile_name: str, mode: str, allowed: bool) -> None:
    result = vet_claude_args(["--permission-mode", mode], catalog[profile_name])
    if allowed:
        assert isinstance(result, Vetted)
    else:
        assert isinstance(result, Refusal) and result.rule_id == "launch.permission_mode_wider"


def test_every_occurrence_of_a_repeated_option_is_checked(catalog: dict[str, Profile]) -> None:
    refusal = refused(["--permission-mode", "plan", "--permission-mode", "default"], catalog["plan-only"])
    assert "default" in refusal.message


def test_agents_permission_mode(catalog: dict[str, Profile]) -> None:
    wide = '{"r": {"description": "d", "prompt": "p", "permissionMode": "bypassPermissions"}}'
    assert refused(["--agents", wide], catalog["standard"]).rule_id == "launch.permission_mode_wider"
    assert refused(["--agents", "not json"], catalog["standard"]).rule_id == "launch.agents_unparseable"
    vet(["--agents", '{"r": {"description": "d", "prompt": "p"}}'], catalog["standard"])


# -- models --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("args", "allowed"),
    [
        (["--model", "sonnet"], True),
        (["--model", "haiku"], True),
        (["--model=claude-sonnet-4-5-20250929"], True),
        (["--model", "us.anthropic.claude-haiku-4-5-20251001-v1:0"], True),
        (["--model", "opus"], False),
        (["--model", "claude-opus-4-1"], False),
        (["--fallback-model", "sonnet,opus"], False),
        (["--fallback-model", "sonnet,haiku"], True),
    ],
)
def test_plan_only_models(catalog: dict[str, Profile], args: list[str], allowed: bool) -> None:
    result = vet_claude_args(args, catalog["plan-only"])
    if allowed:
        assert isinstance(result, Vetted)
    else:
        assert isinstance(result, Refusal) and result.rule_id == "launch.model_not_allowed"


def test_no_model_list_means_any_model(catalog: dict[str, Profile]) -> None:
    vet(["--model", "opus"], catalog["standard"])


# -- tools brought in: only open profiles --------------------------------------------------------------

@pytest.mark.parametrize("args", [["--mcp-config", "x.json"], ["--plugin-dir", "p"], ["--chrome"],
                                  ["--plugin-url", "https://x/p.zip"]])
def test_open_only_options(catalog: dict[str, Profile], args: list[str]) -> None:
    for name in ("plan-only", "restricted"):
        assert refused(args, catalog[name]).rule_id == "launch.open_only_flag"
    vet(args, catalog["standard"])


# -- what passes, and how --------------------------------------------------------------------------------

def test_settings_are_taken_out_for_merging(catalog: dict[str, Profile]) -> None:
    vetted = vet(["-p", "hi", "--settings", '{"a": 1}', "--settings=x.json"], catalog["standard"])
    assert vetted.args == ("-p", "hi")
    assert vetted.user_settings == ('{"a": 1}', "x.json")


def test_session_id_resume_and_fork(catalog: dict[str, Profile]) -> None:
    sid = "0b9c3c1e-6a58-4b8a-9a0e-7c1f0f2d4e11"
    assert vet(["--session-id", sid], catalog["standard"]).session_id == sid
    assert refused(["--session-id", "nope"], catalog["standard"]).rule_id == "launch.bad_session_id"
    assert vet(["-c", "-p", "x"], catalog["standard"]).resuming
    assert vet(["--resume", sid], catalog["standard"]).resuming
    assert not vet(["--resume", sid, "--fork-session"], catalog["standard"]).resuming


def test_clustered_short_flags(catalog: dict[str, Profile]) -> None:
    vetted = vet(["-pc", "hello"], catalog["standard"])
    assert vetted.resuming and vetted.args == ("-pc", "hello")
    assert refused(["-pz"], catalog["standard"]).rule_id == "launch.unknown_option"


def test_variadic_and_optional_values(catalog: dict[str, Profile]) -> None:
    vetted = vet(["--allowedTools", "Bash", "Write", "-p", "prompt"], catalog["plan-only"])
    assert vetted.args == ("--allowedTools", "Bash", "Write", "-p", "prompt")
    # An optional value is not taken when it looks like an option.
    vet(["-r", "--model", "sonnet"], catalog["plan-only"])


@pytest.mark.parametrize("args", [["--model"], ["--append-system-prompt"], ["--allowedTools"], ["--print=x"]])
def test_missing_or_unexpected_values(catalog: dict[str, Profile], args: list[str]) -> None:
    assert refused(args, catalog["standard"]).rule_id == "launch.usage"


def test_required_value_may_look_like_an_option(catalog: dict[str, Profile]) -> None:
    vetted = vet(["--append-system-prompt", "-be terse", "-p", "x"], catalog["standard"])
    assert vetted.args[:2] == ("--append-system-prompt", "-be terse")


@pytest.mark.parametrize("args", [["--version"], ["-v"], ["--help"], ["mcp", "list"], ["auth", "status"],
                                  ["doctor"]])
def test_no_session_for_info_and_commands(catalog: dict[str, Profile], args: list[str]) -> None:
    vetted = vet(args, catalog["plan-only"])
    assert not vetted.session
    assert vetted.args == tuple(args)


def test_a_prompt_is_a_session(catalog: dict[str, Profile]) -> None:
    vetted = vet(["explain", "this", "repo"], catalog["plan-only"])
    assert vetted.session and vetted.args == ("explain", "this", "repo")
