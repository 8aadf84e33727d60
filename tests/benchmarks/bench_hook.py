"""Per-call wall time of the PreToolUse hook and the exec gate, against `python -I -c pass`.

    python tests/benchmarks/bench_hook.py [RUNS]

Measured with real processes, started the way Claude Code starts them: the hook from the exec-form entry of
`DecisionServer.settings_fragment()`, the gate as the generated `CLAUDE_CODE_SHELL_PREFIX` script, with the
wrapper's DecisionServer resident in this process; then the standalone hook (no wrapper: it resolves the
profile in-process); and the gate as it runs inside the OS sandbox (no socket: the hook's allow on file, the
record posted to the outbox). Targets: resident hook and gate median <= 1.5x and p99 <= 3x the interpreter
floor `python -I -c pass`; standalone hook median <= 2x. The hook and gate start with `-IS` (no `site`), so
`python -IS -c pass` is printed too. The gate's figure includes the bash it execs, so the bare `bash -c` on
the same string is printed as well. Prints figures and ratios from one run; asserts nothing.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from claude_enterprise.enforce.server import DecisionServer  # noqa: E402
from claude_enterprise.interpreter import HOOK_CALL, bootstrap, python_argv  # noqa: E402
from claude_enterprise.resolve import resolve  # noqa: E402
from tests.enforce.wrapping import claude_wrap  # noqa: E402

Case = tuple[list[str], bytes, "str | None"]
FLOOR = "python -I -c pass"


def sandboxed_gate(root: Path, env: dict[str, str], project: Path, payload: bytes) -> str:
    """The gate of a session whose socket is out of reach (as inside the OS sandbox), after the hook allowed
    `git --version` here: it takes the approvals fast path and posts its record to the outbox."""
    outbox = root / "outbox"
    outbox.mkdir()
    server = DecisionServer(resolve("restricted", env), "bench-sandbox", root / "sandbox-session",
                            project_dirs=(str(project),), outbox=str(outbox)).start()
    try:
        allow = json.loads(payload)
        allow["tool_input"]["command"] = "git --version"
        entry = server.hook_command()
        subprocess.run([entry["command"], *entry["args"]], input=json.dumps(allow).encode(), env=env,
                       cwd=project, check=True, stdout=subprocess.DEVNULL)
    finally:
        server.stop()
    return server.gate_path


def once(case: Case, env: dict[str, str]) -> float:
    argv, stdin, cwd = case
    start = time.perf_counter()
    subprocess.run(argv, input=stdin, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False)
    return (time.perf_counter() - start) * 1000


def interleaved(cases: dict[str, Case], runs: int, env: dict[str, str]) -> dict[str, list[float]]:
    """Round-robin over the cases, so the machine's drift (a shared, noisy host) hits every case alike."""
    for case in cases.values():  # warm caches
        for _ in range(3):
            once(case, env)
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(runs):
        for name, case in cases.items():
            samples[name].append(once(case, env))
    return samples


def p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    with tempfile.TemporaryDirectory(prefix="bench-hook-") as tmp:
        root = Path(tmp)
        home = root / "home"
        snapshots = home / ".claude" / "shell-snapshots"
        snapshots.mkdir(parents=True, mode=0o700)
        snapshot = snapshots / "snapshot-bash-1-bench.sh"
        snapshot.write_text("alias ll='ls -l'\n")
        snapshot.chmod(0o600)
        project = root / "project"
        project.mkdir()
        config = root / "enterprise-config.json"
        config.write_text(json.dumps({"security_profile": "standard"}))
        env = {
            **os.environ, "HOME": str(home), "CLAUDE_CONFIG_DIR": str(home / ".claude"),
            "XDG_CONFIG_HOME": str(home / ".config"), "CLAUDE_ENTERPRISE_STATE_DIR": str(root / "state"),
            "CLAUDE_ENTERPRISE_CONFIG": str(config), "CLAUDE_PROJECT_DIR": str(project),
        }
        os.environ.update(env)
        payload = json.dumps({
            "session_id": "bench", "transcript_path": "/x.jsonl", "cwd": str(project), "prompt_id": "p",
            "permission_mode": "default", "hook_event_name": "PreToolUse", "tool_name": "Bash",
            "tool_input": {"command": "git status --short", "description": "d"}, "tool_use_id": "toolu_1",
        }).encode()
        wrapped = claude_wrap("git --version", str(snapshot), f"/tmp/claude-{os.getpid():x}-cwd")
        sandboxed = sandboxed_gate(root, env, project, payload)
        cwd_file = Path(f"/tmp/claude-{os.getpid():x}-cwd")

        server = DecisionServer(resolve("restricted", env), "bench", root / "session",
                                project_dirs=(str(project),)).start()
        code = bootstrap(HOOK_CALL, site_packages=True)
        try:
            entry = server.hook_command()
            results = interleaved({
                FLOOR: ([sys.executable, "-I", "-c", "pass"], b"", None),
                "python -IS -c pass": ([sys.executable, "-IS", "-c", "pass"], b"", None),
                "hook (resident server)": ([entry["command"], *entry["args"]], payload, str(project)),
                "gate (resident server, incl. bash)": ([server.gate_path, wrapped], b"", str(project)),
                "gate (in the sandbox: hook's allow, outbox)": ([sandboxed, wrapped], b"", str(project)),
                "bash -c (same string, no gate)": (["/bin/bash", "-c", wrapped], b"", str(project)),
                "hook (standalone, resolves in-process)": (
                    [*python_argv(site=False), "-c", code, "--profile", "restricted"], payload, str(project)),
            }, runs, env)
        finally:
            server.stop()
        cwd_file.unlink(missing_ok=True)

    base = statistics.median(results[FLOOR])
    base_p99 = p99(results[FLOOR])
    print(f"{runs} runs each; ratios against {FLOOR} (median {base:.1f} ms, p99 {base_p99:.1f} ms)")
    for name, samples in results.items():
        med, tail = statistics.median(samples), p99(samples)
        print(f"  {name:42s} median {med:6.1f} ms ({med / base:4.2f}x)   p99 {tail:6.1f} ms ({tail / base:4.2f}x)")
    gate_overhead = statistics.median(results["gate (resident server, incl. bash)"]) - statistics.median(
        results["bash -c (same string, no gate)"])
    print(f"  gate overhead over bare bash: {gate_overhead:.1f} ms median ({gate_overhead / base:.2f}x the floor)")


if __name__ == "__main__":
    main()
