"""Profile loading: the bundled set, the guide's env table, extends, custom profiles and every error path."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from claude_enterprise.paths import bundled_policies_dir
from claude_enterprise.profiles import ProfileError, build_catalog, compiled, get_profile, load_catalog
from claude_enterprise.profiles.loader import parse_file, read_directory

BUNDLED = bundled_policies_dir() / "profiles"

GUIDE_ENV = {
    "plan-only": {
        "CLAUDE_DEFAULT_MODE": "plan", "CLAUDE_ALLOW_FILE_WRITE": "false", "CLAUDE_ALLOW_SHELL_EXEC": "false",
        "CLAUDE_NETWORK_ACCESS": "deny", "CLAUDE_MAX_TOKENS": "4000", "CLAUDE_INTERACTIVE_MODE": "false",
    },
    "restricted": {
        "CLAUDE_DEFAULT_MODE": "interactive", "CLAUDE_ALLOW_FILE_WRITE": "true",
        "CLAUDE_ALLOW_SHELL_EXEC": "restricted", "CLAUDE_NETWORK_ACCESS": "restricted", "CLAUDE_MAX_TOKENS": "8000",
    },
    "standard": {
        "CLAUDE_DEFAULT_MODE": "interactive", "CLAUDE_ALLOW_FILE_WRITE": "true", "CLAUDE_ALLOW_SHELL_EXEC": "true",
        "CLAUDE_NETWORK_ACCESS": "allow", "CLAUDE_MAX_TOKENS": "200000", "CLAUDE_CACHE_ENABLED": "true",
    },
}
GUIDE_ENV["elevated"] = {**GUIDE_ENV["standard"], "CLAUDE_ADVANCED_FEATURES": "true"}


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(BUNDLED, None)


@pytest.mark.parametrize("name", sorted(GUIDE_ENV))
def test_bundled_env_is_exactly_the_guides_table(catalog, name):
    assert dict(catalog[name].env) == GUIDE_ENV[name]


def test_bundled_restrictions(catalog):
    restricted = catalog["restricted"]
    assert restricted.shell.mode == "allowlist"
    assert restricted.shell.allow == ("pytest", "jest", "npm", "pip", "ruff", "eslint", "tsc", "mypy", "black", "git")
    assert restricted.shell.deny == ("curl", "wget", "ssh", "scp", "docker", "kubectl", "rm", "sudo")
    assert restricted.file_write == "project" and restricted.network_access == "restricted"
    assert restricted.max_output_tokens == 8000
    plan = catalog["plan-only"]
    assert plan.shell.mode == "none" and plan.file_write == "none" and plan.network_access == "deny"
    assert plan.permission_mode == "plan" and plan.models and plan.max_output_tokens == 4000
    assert [catalog[n].rank for n in ("plan-only", "restricted", "standard", "elevated")] == [0, 1, 2, 3]
    assert catalog["elevated"].ancestors == ("standard",)


def test_ranking(catalog):
    assert catalog["restricted"].is_narrower_or_equal(catalog["standard"])
    assert catalog["plan-only"].is_narrower_or_equal(catalog["restricted"])
    assert not catalog["elevated"].is_narrower_or_equal(catalog["standard"])
    assert catalog["standard"].is_narrower_or_equal(catalog["standard"])


def test_bundled_compiled_cache_is_current():
    files = sorted(p for p in BUNDLED.iterdir() if p.suffix == ".yaml")
    assert compiled.load_if_current(BUNDLED, files) is not None, (
        "policies/profiles/.compiled-profiles.json is stale: run claude-enterprise policies compile policies/profiles"
    )


def test_stale_cache_is_ignored(tmp_path):
    shutil.copytree(BUNDLED, tmp_path / "p")
    target = tmp_path / "p" / "restricted.yaml"
    target.write_text(target.read_text().replace("allow: [pytest,", "allow: [make, pytest,"))
    catalog = build_catalog([read_directory(tmp_path / "p")])
    assert "make" in catalog["restricted"].shell.allow


def _managed(tmp_path: Path, files: dict[str, str]) -> Path:
    d = tmp_path / "profiles.d"
    d.mkdir()
    for name, text in files.items():
        (d / name).write_text(text)
    return d


def test_custom_yaml_extends_and_adds(tmp_path, catalog):
    d = _managed(tmp_path, {"ds.yaml": "name: data-science\nextends: restricted\nshell:\n  allow_add: [jupyter]\n"})
    cat = load_catalog(BUNDLED, d)
    ds = cat["data-science"]
    assert ds.shell.allow[-1] == "jupyter" and "pytest" in ds.shell.allow
    assert ds.rank == 1 and ds.ancestors == ("restricted",)
    assert dict(ds.env) == GUIDE_ENV["restricted"]
    assert cat["restricted"].is_narrower_or_equal(ds)
    assert not ds.is_narrower_or_equal(cat["restricted"])


def test_custom_guide_json_shape(tmp_path):
    doc = {
        "ProfileName": "ml-team",
        "Description": "ML engineers",
        "PolicyDocument": {"Version": "2012-10-17", "Statement": []},
        "EnvironmentVariables": {"CLAUDE_ALLOW_SHELL_EXEC": "restricted", "CLAUDE_CUSTOM_TOOLS": "jupyter, python"},
    }
    d = _managed(tmp_path, {"ml.json": json.dumps(doc)})
    ml = load_catalog(BUNDLED, d)["ml-team"]
    assert ml.extends == "restricted" and ml.shell.allow[-2:] == ("jupyter", "python")
    assert ml.iam_policy == doc["PolicyDocument"] and ml.env["CLAUDE_CUSTOM_TOOLS"] == "jupyter, python"


def test_admin_may_redefine_a_bundled_profile(tmp_path):
    text = (BUNDLED / "restricted.yaml").read_text().replace("allow: [pytest,", "allow: [make, pytest,")
    d = _managed(tmp_path, {"restricted.yaml": text})
    assert "make" in load_catalog(BUNDLED, d)["restricted"].shell.allow


@pytest.mark.parametrize(
    ("files", "field", "fragment"),
    [
        ({"a.yaml": "name: a\nextends: restricted\nshel: {}\n"}, "shel", "unknown key"),
        ({"a.yaml": "name: a\nextends: restricted\nshell: {mode: maybe}\n"}, "shell.mode", "must be one of"),
        ({"a.yaml": "name: a\nextends: nope\n"}, "extends", "no profile named 'nope'"),
        ({"a.yaml": "name: a\nextends: b\n", "b.yaml": "name: b\nextends: a\n"}, "extends", "cycle"),
        ({"a.yaml": "name: a\nextends: a\n"}, "extends", "cycle"),
        ({"a.yaml": "name: a\nextends: restricted\nenv: {X: 1}\n"}, "env.X", "must be a string"),
        ({"a.yaml": "name: a\nextends: restricted\nrank: -1\n"}, "rank", "non-negative"),
        ({"a.yaml": "name: a\nextends: restricted\nshell: {allow: curl}\n"}, "shell.allow", "list"),
        ({"a.yaml": "name: [a\n"}, "", "not valid YAML"),
        ({"a.yaml": "- just\n- a list\n"}, "", "mapping"),
        ({"a.yaml": "name: a\n"}, "rank", "required"),
        ({"a.yaml": "name: A B\n"}, "name", "lower-case"),
        ({"a.json": '{"ProfileName": "x", "Extra": 1}'}, "Extra", "unknown key"),
        ({"a.json": '{"ProfileName": "x", "EnvironmentVariables": {"CLAUDE_ALLOW_SHELL_EXEC": "maybe"}}'},
         "EnvironmentVariables.CLAUDE_ALLOW_SHELL_EXEC", "must be"),
        (
            {"a.yaml": "name: a\nextends: restricted\n", "b.yaml": "name: a\nextends: standard\n"},
            "name",
            "also defined",
        ),
    ],
)
def test_errors_name_file_and_field(tmp_path, files, field, fragment):
    d = _managed(tmp_path, files)
    with pytest.raises(ProfileError) as info:
        load_catalog(BUNDLED, d)
    err = info.value
    assert err.field == field
    assert fragment in str(err)
    assert str(d) in err.source
    assert "\n" not in str(err)


def test_unknown_profile_names_where(catalog):
    with pytest.raises(ProfileError, match=r"env CLAUDE_ENTERPRISE_PROFILE: unknown security profile 'nope'"):
        get_profile(catalog, "nope", "env CLAUDE_ENTERPRISE_PROFILE")


def test_parse_file_of_every_bundled_profile():
    for path in BUNDLED.glob("*.yaml"):
        assert parse_file(path)["name"] == path.stem
