"""packaging/linux/build-deb: the .deb built here with dpkg-deb, its metadata and file list, the extracted tree
checked by the installed tool's own --check-policy, and a real install / remove / purge with `dpkg --root`."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD_DEB = REPO / "packaging" / "linux" / "build-deb"
PINNED_CLAUDE = REPO / "tests" / "claude-code" / "node_modules" / ".bin" / "claude"
PREFIX = "/opt/claude-enterprise"
SYSTEM_PYTHON = Path("/usr/bin/python3")

pytestmark = [
    pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="dpkg-deb not installed"),
    pytest.mark.skipif(not SYSTEM_PYTHON.exists(), reason="no distribution python3 to build against"),
]

CUSTOM_PROFILE = """\
name: contractor
extends: standard
description: Contractors; standard tools, no network
rank: 1
env:
  CLAUDE_NETWORK_ACCESS: deny
max_output_tokens: 8000
"""
AUDITOR = {"name": "auditor", "extends": "plan-only", "description": "Auditors", "rank": 0}
CONFIG = {"security_profile": "contractor", "allowed_bedrock_regions": ["eu-west-1"]}


def run(*argv: str | Path, **kw) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in argv], check=True, capture_output=True, text=True, **kw)


@pytest.fixture(scope="session")
def deb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One build per test session: building the virtual environment takes a while."""
    src = tmp_path_factory.mktemp("deb-src")
    profiles = src / "profiles"
    profiles.mkdir()
    (profiles / "contractor.yaml").write_text(CUSTOM_PROFILE)
    (profiles / "auditor.json").write_text(json.dumps(AUDITOR))
    (profiles / ".draft.yaml").write_text("not: [valid")
    (profiles / "x.yaml").mkdir()
    (src / "enterprise-config.json").write_text(json.dumps(CONFIG))
    out = tmp_path_factory.mktemp("deb-out")
    proc = subprocess.run([str(BUILD_DEB), str(out), "--config", str(src / "enterprise-config.json"),
                           "--profiles", str(profiles)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    built = Path(proc.stdout.strip().splitlines()[-1])
    assert built.parent == out and built.is_file()
    return built


def field(deb: Path, name: str) -> str:
    return run("dpkg-deb", "--field", deb, name).stdout.strip()


def test_metadata(deb: Path) -> None:
    pyver = run(SYSTEM_PYTHON, "-c", "import sys; print('%d.%d' % sys.version_info[:2])").stdout.strip()
    assert field(deb, "Package") == "claude-enterprise"
    assert field(deb, "Version") == "0.1.0"
    assert field(deb, "Architecture") == run("dpkg", "--print-architecture").stdout.strip()
    depends = [d.strip() for d in field(deb, "Depends").split(",")]
    assert depends == [f"python{pyver}", "bubblewrap", "socat"]
    assert int(field(deb, "Installed-Size")) > 1000
    assert deb.name == f"claude-enterprise_0.1.0_{field(deb, 'Architecture')}.deb"
    control = run("dpkg-deb", "--info", deb).stdout
    for script in ("postinst", "prerm", "postrm"):
        assert script in control


def test_file_list(deb: Path) -> None:
    listing = run("dpkg-deb", "--contents", deb).stdout.splitlines()
    entries = {}
    for line in listing:
        mode, owner, _size, _date, _time, name, *rest = line.split()
        entries[name.removeprefix(".")] = (mode, owner, rest)
        assert owner == "root/root", line
        if not mode.startswith("l"):
            assert mode[5] != "w" and mode[8] != "w", f"group/world-writable: {line}"
    assert entries["/usr/bin/claude-enterprise"][2] == ["->", f"{PREFIX}/bin/claude-enterprise"]
    assert entries["/usr/bin/claude-enterprise-gate"][2] == ["->", f"{PREFIX}/bin/claude-enterprise-gate"]
    assert entries[f"{PREFIX}/bin/python3"][2] == ["->", str(SYSTEM_PYTHON)]
    for managed in ("/etc/claude-enterprise/enterprise-config.json",
                    "/etc/claude-enterprise/profiles.d/contractor.yaml", "/etc/claude-code/managed-settings.json"):
        assert entries[managed][0] == "-rw-r--r--", managed
    bundled = "/claude_enterprise/_policies/profiles/standard.yaml"
    assert any(n.startswith(f"{PREFIX}/lib/python3") and n.endswith(bundled) for n in entries)
    assert not [n for n in entries if "__pycache__" in n]
    assert not [n for n in entries if n.startswith(("/home", "/root", "/tmp"))]


def test_conffiles_are_the_managed_files(deb: Path, tmp_path: Path) -> None:
    run("dpkg-deb", "--control", deb, tmp_path / "DEBIAN")
    assert (tmp_path / "DEBIAN" / "conffiles").read_text().split() == [
        "/etc/claude-code/managed-settings.json",
        "/etc/claude-enterprise/enterprise-config.json",
        "/etc/claude-enterprise/profiles.d/auditor.json",
        "/etc/claude-enterprise/profiles.d/contractor.yaml",
    ]


def extract(deb: Path, root: Path) -> Path:
    root.mkdir(mode=0o755)
    run("dpkg-deb", "--extract", deb, root)
    return root


def test_extracted_tree_names_no_build_path_and_carries_our_settings(deb: Path, tmp_path: Path) -> None:
    root = extract(deb, tmp_path / "root")
    grep = subprocess.run(["grep", "-rlIE", "-e", "pytest-of-", "-e", r"/tmp/tmp\.[A-Za-z0-9]{10}/", str(root / "opt")],
                          capture_output=True, text=True)
    assert grep.stdout == "", "the build directory leaked into the installed tree"
    assert not list(root.glob("opt/claude-enterprise/lib/python3*/site-packages/claude_enterprise-*/direct_url.json"))
    from claude_enterprise.admin.package import installed_settings
    from claude_enterprise.launch.settings import managed_settings

    settings = json.loads((root / "etc/claude-code/managed-settings.json").read_text())
    script, gate = f"{PREFIX}/bin/claude-enterprise", f"{PREFIX}/bin/claude-enterprise-gate"
    assert settings == installed_settings(root / "etc/claude-enterprise", script, gate)
    assert settings.items() >= managed_settings(script, gate).items()
    # contractor extends standard, whose sandbox is required: the MDM bundle carries the same block.
    sandbox = settings["sandbox"]
    assert sandbox["enabled"] is True and sandbox["failIfUnavailable"] is True
    assert sandbox["allowUnsandboxedCommands"] is False
    assert json.loads((root / "etc/claude-enterprise/enterprise-config.json").read_text()) == CONFIG
    cfg = (root / "opt/claude-enterprise/pyvenv.cfg").read_text()
    assert "home = /usr/bin" in cfg and "include-system-site-packages = false" in cfg


def check_policy_in(root: Path, state: Path) -> dict:
    """Run the packaged tool's `--check-policy --json` with the scratch root's /opt mounted at /opt (bubblewrap),
    so the hook and gate paths in the managed settings are the package's own, and the managed locations
    pointed at the scratch root."""
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap not installed")
    env = ["--setenv", "CLAUDE_ENTERPRISE_MANAGED_DIR", str(root / "etc/claude-enterprise"),
           "--setenv", "CLAUDE_ENTERPRISE_CLAUDE_MANAGED_SETTINGS", str(root / "etc/claude-code/managed-settings.json"),
           "--setenv", "CLAUDE_ENTERPRISE_STATE_DIR", str(state), "--setenv", "HOME", str(state),
           "--unsetenv", "CLAUDE_ENTERPRISE_CONFIG", "--unsetenv", "CLAUDE_ENTERPRISE_PROFILE",
           "--unsetenv", "CLAUDE_CODE_USE_BEDROCK"]
    if PINNED_CLAUDE.exists():
        env += ["--setenv", "CLAUDE_ENTERPRISE_CLAUDE_BIN", str(PINNED_CLAUDE)]
    proc = subprocess.run(
        ["bwrap", "--dev-bind", "/", "/", "--tmpfs", "/opt", "--ro-bind", str(root / "opt/claude-enterprise"), PREFIX,
         *env, f"{PREFIX}/bin/claude-enterprise", "--check-policy", "--json"],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.stdout, proc.stderr
    report = json.loads(proc.stdout)
    report["returncode"] = proc.returncode
    return report


def assert_managed_compliant(report: dict, root: Path) -> None:
    checks = {c["name"]: c for c in report["checks"]}
    assert report["config"] == {"managed": True, "source": str(root / "etc/claude-enterprise/enterprise-config.json")}
    assert checks["config"]["status"] == "pass"
    assert checks["managed_settings"]["status"] == "pass", checks["managed_settings"]
    assert "routes claude through the hook and the exec gate" in checks["managed_settings"]["detail"]
    assert report["profile"] == "contractor" and "contractor" in report["applied"]["settings"].get("env", {}).get(
        "CLAUDE_ENTERPRISE_PROFILE", "contractor")
    assert report["applied"]["env"]["CLAUDE_NETWORK_ACCESS"] == "deny"
    failed = [c for c in report["checks"] if c["status"] == "fail"]
    if PINNED_CLAUDE.exists():
        assert failed == [] and report["compliant"] is True and report["returncode"] == 0
    else:  # without Claude Code only its own check may fail
        assert [c["name"] for c in failed] in ([], ["claude"])


@pytest.mark.skipif(os.geteuid() != 0, reason="the extracted tree counts as managed only when root-owned: needs root")
def test_extracted_tree_is_compliant(deb: Path, tmp_path: Path) -> None:
    root = extract(deb, tmp_path / "root")
    assert_managed_compliant(check_policy_in(root, tmp_path / "state"), root)


def test_writable_managed_file_is_caught(deb: Path, tmp_path: Path) -> None:
    root = extract(deb, tmp_path / "root")
    (root / "etc/claude-code/managed-settings.json").chmod(0o666)
    checks = {c["name"]: c for c in check_policy_in(root, tmp_path / "state")["checks"]}
    assert checks["managed_settings"]["status"] == "fail"
    assert "writable by non-administrators" in checks["managed_settings"]["detail"]


def dpkg(root: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DPKG_ROOT": str(root)}
    return run("dpkg", f"--root={root}", "--force-script-chrootless", "--force-not-root", "--force-depends",
               "--log=/dev/null", *args, env=env)


@pytest.mark.skipif(os.geteuid() != 0, reason="installing root-owned files needs root")
def test_dpkg_install_remove_purge(deb: Path, tmp_path: Path) -> None:
    root = tmp_path / "root"
    admin = root / "var/lib/dpkg"
    for sub in ("info", "updates", "triggers"):
        (admin / sub).mkdir(parents=True)
    (admin / "status").touch()
    (admin / "available").touch()
    root.chmod(0o755)
    before = {p.relative_to(root) for p in root.rglob("*")}

    dpkg(root, "--install", deb)
    cache = root / "etc/claude-enterprise/profiles.d/.compiled-profiles.json"
    assert [f["name"] for f in json.loads(cache.read_text())["files"]] == ["auditor.json", "contractor.yaml"]
    for path in (cache, root / "etc/claude-enterprise", root / "etc/claude-code/managed-settings.json"):
        st = path.stat()
        assert st.st_uid == 0 and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH), path
    assert list((root / "opt/claude-enterprise/lib").rglob("__pycache__")), "postinst byte-compiles the tool"
    status = run("dpkg-query", f"--admindir={admin}", "-W", "-f=${Status}", "claude-enterprise").stdout
    assert status == "install ok installed"
    assert_managed_compliant(check_policy_in(root, tmp_path / "state"), root)

    dpkg(root, "--remove", "claude-enterprise")
    assert not (root / "opt").exists() or not any((root / "opt").rglob("*")), "remove leaves the tool behind"
    assert (root / "etc/claude-enterprise/enterprise-config.json").is_file(), "remove keeps the conffiles"

    dpkg(root, "--purge", "claude-enterprise")
    left = {p.relative_to(root) for p in root.rglob("*")} - before
    left = {p for p in left if p.parts[:3] != ("var", "lib", "dpkg")}
    assert left == set() or left <= {Path("etc"), Path("opt"), Path("usr"), Path("usr/bin"), Path("usr/share"),
                                     Path("usr/share/doc")}, sorted(map(str, left))
    assert not (root / "etc/claude-enterprise").exists() and not (root / "etc/claude-code").exists()
