"""Cost of a sandboxed Bash tool call through the wrapper against bare claude with the same sandbox settings.

    python tests/benchmarks/bench_sandbox.py [RUNS] [CALLS] [PROFILE]

Three set-ups drive the real claude against the fake model on 127.0.0.1, each session making CALLS Bash tool
calls (`git --version`). The cost of one tool call is the time between two consecutive model requests (the
model asks for the call, Claude Code runs it with whatever hooks, gate and sandbox apply, and sends the
result back), so session start and end (start-up, the guard's cleanup) are not counted. Set-ups, interleaved
run by run so host drift hits each alike:
- wrapped: `claude-enterprise` under PROFILE (hook + exec gate inside the sandbox + guard + outbox);
- bare+sandbox: claude with the very sandbox block the wrapper generates, nothing of ours;
- bare: claude with no sandbox.
Prints the medians per call, wrapped / bare+sandbox (target <= 1.2) and bare+sandbox / bare (the sandbox's
own cost). One run, figures from this machine.
"""

from __future__ import annotations

import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.benchmarks.bench_launch import claude_path  # noqa: E402
from tests.support.fake_model import FakeModel, Text, ToolUse  # noqa: E402

QUIET = {"DISABLE_AUTOUPDATER": "1", "DISABLE_TELEMETRY": "1", "DISABLE_ERROR_REPORTING": "1",
         "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1"}


def per_call_ms(model: FakeModel, argv: list[str], env: dict[str, str], cwd: Path, calls: int) -> float:
    """Median ms from one model request to the next across a session of `calls` Bash tool calls."""
    turns = [ToolUse("Bash", {"command": "git --version", "description": "v"}, id=f"toolu_{i:04d}")
             for i in range(calls)]
    first = len(model.agent_requests())
    model.queue(*turns, Text("done"))
    result = subprocess.run(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                            timeout=300, check=False)
    if result.returncode != 0:
        sys.exit(f"{argv[:3]} failed ({result.returncode}): {result.stderr[-500:]}")
    results = model.tool_results()
    bad = [r.content for r in results.values() if r.is_error]
    if len(results) < calls or bad:
        sys.exit(f"{argv[:3]}: tool calls did not all run: {bad[:1]}")
    times = [r.received for r in model.agent_requests()[first:]]
    return statistics.median((b - a) * 1000 for a, b in itertools.pairwise(times))


def sandbox_block(profile_name: str, env: dict[str, str], tmp: Path, project: Path) -> dict:  # type: ignore[type-arg]
    """The sandbox block a wrapper session of this profile would generate, for bare claude."""
    os.environ.update(env)
    from claude_enterprise import paths
    from claude_enterprise.launch.sandbox import ProductPaths, denied_executables, sandbox_settings
    from claude_enterprise.resolve import resolve

    profile = resolve(profile_name, env).profile
    (tmp / "session").mkdir()
    (tmp / "outbox").mkdir()
    product = ProductPaths(state_dir=str(paths.state_dir()), session_dir=str(tmp / "session"),
                           outbox_dir=str(tmp / "outbox"), config_dirs=(str(paths.user_config_dir()),))
    cwd = os.getcwd()
    os.chdir(project)
    try:
        block = sandbox_settings(profile, home=env["HOME"], project=str(project), product=product,
                                 executables=denied_executables(profile, env["PATH"]))
    finally:
        os.chdir(cwd)
    assert block is not None, f"profile {profile_name} does not use the sandbox"
    return block


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    calls = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    profile = sys.argv[3] if len(sys.argv) > 3 else "restricted"
    claude = claude_path()
    with tempfile.TemporaryDirectory() as tmp_name, FakeModel() as model:
        tmp = Path(tmp_name)
        home, project = tmp / "home", tmp / "project"
        (home / ".claude").mkdir(parents=True)
        project.mkdir()
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home),
               "CLAUDE_CONFIG_DIR": str(home / ".claude"), "XDG_CONFIG_HOME": str(home / ".config"),
               "CLAUDE_ENTERPRISE_STATE_DIR": str(tmp / "state"), "CLAUDE_ENTERPRISE_CLAUDE_BIN": claude,
               "CLAUDE_ENTERPRISE_PROFILE": profile, "PYTHONPATH": str(REPO), **QUIET, **model.env()}
        if os.geteuid() == 0:
            env["IS_SANDBOX"] = "1"
        sandboxed = json.dumps({"sandbox": sandbox_block(profile, env, tmp, project)})
        prompt = ["-p", "go", "--allowedTools", "Bash"]
        setups = {
            "wrapped": [sys.executable, "-m", "claude_enterprise.launch", *prompt],
            "bare+sandbox": [claude, *prompt, "--settings", sandboxed],
            "bare": [claude, *prompt],
        }
        samples: dict[str, list[float]] = {name: [] for name in setups}
        for argv in setups.values():  # warm-up: page cache, snapshots, compiled profiles
            per_call_ms(model, argv, env, project, 1)
        for _ in range(runs):
            for name, argv in setups.items():
                samples[name].append(per_call_ms(model, argv, env, project, calls))
        per_call = {name: statistics.median(values) for name, values in samples.items()}
        ratio = per_call["wrapped"] / per_call["bare+sandbox"]
        print(f"profile {profile}, {runs} runs x {calls} Bash calls (median ms per tool call)")
        for name, value in per_call.items():
            print(f"  {name:<14} {value:8.1f} ms   samples {', '.join(f'{v:.0f}' for v in samples[name])}")
        print(f"wrapped / bare+sandbox   {ratio:.2f}x  (target <= 1.2: {'PASS' if ratio <= 1.2 else 'FAIL'})")
        print(f"bare+sandbox / bare      {per_call['bare+sandbox'] / per_call['bare']:.2f}x  (the sandbox's own cost)")


if __name__ == "__main__":
    main()
