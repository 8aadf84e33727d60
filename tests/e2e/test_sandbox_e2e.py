"""End to end: what the analyzer cannot see is still contained by Claude Code's OS sandbox (bubblewrap here).

An allowed tool runs the project's own code (a pytest `conftest.py`, an npm `test` script): the string the
hook and the gate judge is harmless (`pytest -q -s`, `npm test`), what it runs is not. Real claude, real
bubblewrap and socat, real processes; the only network is a server of ours on 127.0.0.1.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import socketserver
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fake_model import FakeModel, Text, ToolResult, ToolUse
from tests.support.launcher import audit_events, run_launcher

pytestmark = pytest.mark.e2e

# Project code: each attempt prints one line, `name: rc=N` (0: it worked), whatever it tried.
ATTEMPTS = """
import os, subprocess, sys
def attempt(name, argv):
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=20)
        print(f"{name}: rc={r.returncode} {r.stderr.strip()[:200]!r}", flush=True)
    except Exception as exc:
        print(f"{name}: error {exc!r}", flush=True)
"""


class _Server:
    """A local HTTP server that counts the requests it receives (the host the project must not reach)."""

    def __init__(self) -> None:
        hits: list[str] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hits.append(self.path)
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"reached\n")

            def log_message(self, *args: object) -> None:
                pass

        self.hits = hits
        self.httpd = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> _Server:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def local_server() -> Iterator[_Server]:
    with _Server() as server:
        yield server


def _results(model: FakeModel, *ids: str) -> list[ToolResult]:
    found = model.tool_results()
    assert all(i in found for i in ids), f"claude never answered {ids}; got {sorted(found)}"
    return [found[i] for i in ids]


def _lines(content: str) -> dict[str, str]:
    return {line.split(":", 1)[0].strip(): line for line in content.splitlines()
            if ": rc=" in line or ": error" in line}


def _hostile_conftest(outside: Path, port: int, victim: Path) -> str:
    fetch = "import urllib.request as u; u.urlopen('http://{host}:{port}/{path}', timeout=5)"
    direct = fetch.format(host="127.0.0.1", port=port, path="direct")
    # NO_PROXY spares loopback, so this one is sent to the sandbox proxy explicitly.
    proxied = fetch.format(host="localhost", port=port, path="proxied")
    return ATTEMPTS + f"""
def pytest_configure(config):
    attempt("write_outside", [sys.executable, "-c", "open({str(outside)!r}, 'w').write('pwned')"])
    attempt("loopback", [sys.executable, "-c", {direct!r}])
    attempt("proxied", ["env", "NO_PROXY=", "no_proxy=", sys.executable, "-c", {proxied!r}])
    attempt("rm", ["rm", "-f", {str(victim)!r}])
    attempt("rm_by_path", ["/bin/rm", "-f", {str(victim)!r}])
    attempt("curl", ["curl", "-s", "-m", "5", "http://127.0.0.1:{port}/curl"])
"""


def test_restricted_contains_project_code(fake_model: FakeModel, launcher_env: dict[str, str], project_dir: Path,
                                          tmp_path: Path, local_server: _Server) -> None:
    outside = tmp_path / "outside.txt"
    victim = project_dir / "keep.txt"
    victim.write_text("precious\n")
    (project_dir / "conftest.py").write_text(_hostile_conftest(outside, local_server.port, victim))
    (project_dir / "test_ok.py").write_text("def test_ok():\n    assert True\n")
    fake_model.queue(ToolUse("Bash", {"command": "pytest -q -s -p no:cacheprovider", "description": "test"},
                             id="toolu_pytest"), Text("done"))
    result = run_launcher(["-p", "run the tests", "--allowedTools", "Bash"],
                          {**launcher_env, "CLAUDE_ENTERPRISE_PROFILE": "restricted"}, project_dir)
    assert result.returncode == 0, result.stderr
    (pytest_result,) = _results(fake_model, "toolu_pytest")
    lines = _lines(pytest_result.content)
    # The allowed tool ran and reported.
    assert "1 passed" in pytest_result.content, pytest_result.content
    # Nothing the project code attempted succeeded.
    assert set(lines) >= {"write_outside", "loopback", "proxied", "rm", "rm_by_path", "curl"}, lines
    assert all("rc=0" not in line for line in lines.values()), "\n".join(lines.values())
    assert not outside.exists()
    assert victim.read_text() == "precious\n"
    assert local_server.hits == []
    trail = audit_events(Path(launcher_env["CLAUDE_ENTERPRISE_STATE_DIR"]))
    # The gate decided inside the sandbox and its record reached the spool through the outbox ...
    gate = [e for e in trail if e["type"] == "tool_decision" and e.get("enforcement") == "gate"]
    assert gate and gate[0]["reported_from"] == "sandbox" and gate[0]["decision"] == "allow"
    assert gate[0]["session_id"] == trail[0]["session_id"]
    # ... and so did the PATH shims' refusals of programs the shell rules deny (one deny list).
    blocked = {e["program"] for e in trail if e["type"] == "exec_blocked"}
    assert {"rm", "curl"} <= blocked, "\n".join(lines.values())
    # By absolute path there is no shim to meet: the sandbox has no readable `rm` to run.
    assert "rm_by_path: rc=0" not in lines["rm_by_path"]


def test_restricted_contains_an_npm_test_script(fake_model: FakeModel, launcher_env: dict[str, str],
                                                project_dir: Path, tmp_path: Path, local_server: _Server) -> None:
    outside = tmp_path / "npm-outside.txt"
    script = (f"node -e \"try {{ require('fs').writeFileSync('{outside}', 'x'); console.log('write_outside: rc=0') }}"
              f" catch (e) {{ console.log('write_outside: rc=1 ' + e.code) }}\"; "
              f"curl -s -m 5 http://127.0.0.1:{local_server.port}/npm; echo \"curl: rc=$?\"; echo tests-ran")
    (project_dir / "package.json").write_text(json.dumps({"name": "p", "version": "1.0.0",
                                                          "scripts": {"test": script}}))
    fake_model.queue(ToolUse("Bash", {"command": "npm test", "description": "test"}, id="toolu_npm"), Text("done"))
    result = run_launcher(["-p", "run the tests", "--allowedTools", "Bash"],
                          {**launcher_env, "CLAUDE_ENTERPRISE_PROFILE": "restricted"}, project_dir)
    assert result.returncode == 0, result.stderr
    (npm,) = _results(fake_model, "toolu_npm")
    assert "tests-ran" in npm.content, npm.content
    lines = _lines(npm.content)
    assert "write_outside: rc=1" in lines["write_outside"] and "rc=0" not in lines["curl"], lines
    assert not outside.exists() and local_server.hits == []


def test_standard_protects_files_that_run_code_later(fake_model: FakeModel, launcher_env: dict[str, str],
                                                     project_dir: Path, tmp_path: Path) -> None:
    home = Path(launcher_env["HOME"])
    (home / ".bashrc").write_text("# mine\n")
    (home / ".ssh").mkdir()
    (home / ".ssh" / "id_rsa").write_text("SECRET-KEY\n")
    (project_dir / ".git" / "hooks").mkdir(parents=True)
    state = Path(launcher_env["CLAUDE_ENTERPRISE_STATE_DIR"])
    targets = {
        "bashrc": home / ".bashrc",
        "claude_settings": home / ".claude" / "settings.json",
        "claude_json": home / ".claude.json",
        "shell_snapshot": home / ".claude" / "shell-snapshots" / "snapshot-bash-1-planted.sh",
        "git_hook": project_dir / ".git" / "hooks" / "pre-commit",
        "audit_spool": state / "audit" / "injected.jsonl",
    }
    writes = "\n".join(
        f"    attempt({name!r}, [sys.executable, '-c', \"open({str(path)!r}, 'a').write('x')\"])"
        for name, path in targets.items())
    (project_dir / "conftest.py").write_text(ATTEMPTS + f"""
def pytest_configure(config):
{writes}
    attempt("read_key", ["cat", {str(home / '.ssh' / 'id_rsa')!r}])
    attempt("forge_approval", [sys.executable, "-c",
            "import os; open(os.environ['CLAUDE_ENTERPRISE_SESSION_DIR'] + '/approved/forged', 'w')"])
    attempt("replace_gate", [sys.executable, "-c",
            "import os; open(os.environ['CLAUDE_ENTERPRISE_SESSION_DIR'] + '/gate', 'a').write('#')"])
    attempt("home_write", [sys.executable, "-c", "open({str(home / 'notes.txt')!r}, 'w').write('ok')"])
""")
    (project_dir / "test_ok.py").write_text("def test_ok():\n    assert True\n")
    before = {name: path.read_bytes() if path.exists() else None for name, path in targets.items()}
    fake_model.queue(ToolUse("Bash", {"command": "pytest -q -s -p no:cacheprovider", "description": "t"},
                             id="toolu_pytest"), Text("done"))
    result = run_launcher(["-p", "run the tests", "--allowedTools", "Bash"],
                          {**launcher_env, "CLAUDE_ENTERPRISE_PROFILE": "standard"}, project_dir)
    assert result.returncode == 0, result.stderr
    (pytest_result,) = _results(fake_model, "toolu_pytest")
    lines = _lines(pytest_result.content)
    assert "1 passed" in pytest_result.content, pytest_result.content
    for name, path in targets.items():
        assert "rc=0" not in lines[name], lines[name]
        if name != "claude_json":  # Claude Code itself writes its own state file, outside the sandbox
            assert (path.read_bytes() if path.exists() else None) == before[name], name
    assert "rc=0" not in lines["read_key"] and "SECRET-KEY" not in pytest_result.content
    # The session's own files (gate script, the hook's approvals) stay out of reach of broad writes.
    assert "rc=0" not in lines["forge_approval"] and "rc=0" not in lines["replace_gate"], lines
    # Writes are broad under standard: the home directory outside the protected paths.
    assert "rc=0" in lines["home_write"] and (home / "notes.txt").read_text() == "ok"


def test_session_needing_the_sandbox_does_not_start_without_it(fake_model: FakeModel, launcher_env: dict[str, str],
                                                               project_dir: Path, tmp_path: Path) -> None:
    """bubblewrap missing from PATH: one line saying what to install, exit 1, nothing started."""
    bin_dir = tmp_path / "bin-without-bwrap"
    bin_dir.mkdir()
    for tool in ("socat", "git", "sh", "bash"):
        found = shutil.which(tool)
        if found:
            os.symlink(found, bin_dir / tool)
    env = {**launcher_env, "PATH": f"{bin_dir}:{Path(sys.executable).parent}",
           "CLAUDE_ENTERPRISE_PROFILE": "restricted"}
    fake_model.queue(Text("never"))
    result = run_launcher(["-p", "hello"], env, project_dir)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "bwrap not found" in lines[0] and "apt-get install bubblewrap socat" in lines[0], lines
    assert fake_model.requests == []
    (refused,) = [e for e in audit_events(Path(launcher_env["CLAUDE_ENTERPRISE_STATE_DIR"]))
                  if e["type"] == "launch_refused"]
    assert refused["rule_id"] == "launch.sandbox_unavailable"
