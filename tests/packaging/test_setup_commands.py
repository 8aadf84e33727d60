"""The README's set-up commands: CI runs the test command verbatim, and both work on a PEP 668 Debian."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PREFIX = "apt-get update -qq && apt-get install -y -qq bubblewrap socat"


def readme_commands() -> list[str]:
    section = (REPO / "README.md").read_text().split("## Set up a fresh machine", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^```\n(.+)\n```$", section, re.M)


def test_ci_runs_the_readme_test_command() -> None:
    main, test = readme_commands()
    ci = [line for line in (REPO / ".ci/run").read_text().splitlines() if line.startswith("apt-get ")]
    # `set -e` does not stop at a failure inside an `&&` list, so CI must end the line with its own exit.
    assert ci == [f"{test} || exit 1"]
    assert main.endswith("&& claude-enterprise --check-policy") and test.endswith("&& python3 -m pytest")


def test_commands_use_a_virtual_environment() -> None:
    for command in readme_commands():
        assert command.startswith(PREFIX)
        apt = command.split(" && ")[1].split()
        assert "python3-venv" in apt
        steps = command.split(" && ")
        venv, activate = steps.index("python3 -m venv .venv"), steps.index(". .venv/bin/activate")
        assert venv < activate < next(i for i, s in enumerate(steps) if s.startswith("python3 -m pip install"))
    assert {"shellcheck", "ruby"} <= set(readme_commands()[1].split(" && ")[1].split())
