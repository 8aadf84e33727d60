"""The Homebrew formula: valid Ruby, and its resources exactly the locked dependency set."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.packaging.tools import require

REPO = Path(__file__).resolve().parents[2]
FORMULA = REPO / "packaging" / "homebrew" / "Formula" / "claude-enterprise.rb"
LOCK = REPO / "packaging" / "requirements.lock"


def locked() -> dict[str, tuple[str, str]]:
    """name -> (sdist URL, sha256), read from the lock independently of the generator."""
    entries: dict[str, tuple[str, str]] = {}
    name = sha = None
    for line in LOCK.read_text().splitlines():
        if m := re.match(r"([A-Za-z0-9._-]+)==(\S+) \\$", line):
            name = m[1]
        elif m := re.match(r"\s+--hash=sha256:([0-9a-f]{64})$", line):
            sha = m[1]
        elif (m := re.match(r"\s+# (https://\S+)$", line)) and name and sha:
            entries[name] = (m[1], sha)
            name = sha = None
    return entries


def resources() -> dict[str, tuple[str, str]]:
    blocks = re.findall(r'^  resource "([^"]+)" do\n    url "([^"]+)"\n    sha256 "([0-9a-f]{64})"\n  end$',
                        FORMULA.read_text(), re.M)
    return {name: (url, sha) for name, url, sha in blocks}


@require("ruby", "ruby")
def test_formula_is_valid_ruby() -> None:
    proc = subprocess.run(["ruby", "-c", str(FORMULA)], capture_output=True, text=True)
    assert proc.returncode == 0 and "Syntax OK" in proc.stdout, proc.stderr


def test_resources_are_the_lock() -> None:
    lock = locked()
    assert len(lock) == LOCK.read_text().count("==") and len(lock) > 10
    assert resources() == lock
    assert FORMULA.read_text().count('resource "') == len(lock)
    for url, _ in lock.values():
        assert url.startswith("https://files.pythonhosted.org/packages/") and url.endswith((".tar.gz", ".zip"))


def test_lock_covers_the_declared_dependencies() -> None:
    block = re.search(r"^dependencies = \[\n(.*?)^\]", (REPO / "pyproject.toml").read_text(), re.M | re.S)
    assert block
    names = {n.lower().replace("_", "-") for n in re.findall(r'^\s+"([A-Za-z0-9._-]+)', block[1], re.M)}
    assert len(names) >= 5
    assert names <= set(locked())


def test_formula_is_what_the_generator_writes() -> None:
    proc = subprocess.run([sys.executable, str(REPO / "packaging/homebrew/generate-formula"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_formula_shape() -> None:
    text = FORMULA.read_text()
    version = re.search(r'^version = "([^"]+)"$', (REPO / "pyproject.toml").read_text(), re.M)
    assert "include Language::Python::Virtualenv" in text
    assert re.search(r"def install\n\s+virtualenv_install_with_resources\n\s+end", text)
    assert version and f'tag: "v{version[1]}"' in text
    test_block = text[text.index("  test do"):]
    assert "--check-policy --json" in test_block and " explain " in test_block
    caveats = text[text.index("def caveats"):text.index("  test do")]
    assert "@anthropic-ai/claude-code" in caveats and "managed-settings" in caveats and "--check-policy" in caveats
