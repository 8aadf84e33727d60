"""Every shell script of the project (packaging/, .ci/run) and of the MDM bundle passes shellcheck."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from tests.packaging.tools import require
from tests.support.cli import CLI

REPO = Path(__file__).resolve().parents[2]


def shell_scripts(root: Path) -> list[Path]:
    """Files whose first line starts a POSIX shell or bash."""
    found = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        with path.open("rb") as handle:
            first = handle.readline()
        if first.startswith(b"#!") and (first.rstrip().endswith((b"/sh", b"bash"))):
            found.append(path)
    return found


# `"${a[@]}"` of an empty array under `set -u` is an unbound variable before bash 4.4 (macOS ships 3.2);
# `${a[@]+"${a[@]}"}` is not.
UNGUARDED_ARRAY = re.compile(r'(?<!\+)"\$\{(\w+)\[@\]\}"')


def shellcheck(paths: list[Path]) -> None:
    unguarded = [f"{p}: {m.group(0)}" for p in paths for m in UNGUARDED_ARRAY.finditer(p.read_text())]
    assert unguarded == [], unguarded
    proc = subprocess.run(["shellcheck", "--external-sources", *map(str, paths)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@require("shellcheck", "shellcheck")
def test_project_scripts() -> None:
    scripts = [*shell_scripts(REPO / "packaging"), REPO / ".ci" / "run"]
    assert REPO / "packaging/linux/build-deb" in scripts and REPO / "packaging/linux/debian/postinst" in scripts
    shellcheck(scripts)


@require("shellcheck", "shellcheck")
def test_bundle_scripts(tmp_path: Path) -> None:
    config = tmp_path / "enterprise-config.json"
    config.write_text(json.dumps({"security_profile": "restricted"}))
    subprocess.run([*CLI, "admin", "package", "--config", str(config),
                    "--out", str(tmp_path / "out")], check=True, capture_output=True)
    scripts = shell_scripts(tmp_path / "out")
    assert {p.relative_to(tmp_path / "out").as_posix() for p in scripts} == {
        "macos/build-pkg", "macos/scripts/postinstall", "jamf/install.sh", "jamf/extension-attribute.sh",
        "jamf/uninstall.sh", "intune/install.sh", "intune/custom-attribute.sh", "intune/uninstall.sh"}
    shellcheck(scripts)
