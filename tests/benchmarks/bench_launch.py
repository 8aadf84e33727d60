"""Launch overhead: `claude-enterprise -- --version` against `claude --version` (target: median added ≤ 150 ms).

    python tests/benchmarks/bench_launch.py [RUNS]

Prints the medians, the added overhead, and where it goes: interpreter start, imports, profile resolution,
settings layer (build + 0600 write), and the exec of claude. One run, figures from this machine.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))


def claude_path() -> str:
    override = os.environ.get("CLAUDE_ENTERPRISE_TEST_CLAUDE_BIN")
    path = Path(override) if override else REPO / "tests" / "claude-code" / "node_modules" / ".bin" / "claude"
    if not path.exists():
        sys.exit(f"no claude at {path}: run `npm install --prefix tests/claude-code`")
    return str(path)


def time_cmd(argv: Sequence[str], env: dict[str, str], runs: int) -> float:
    """Median wall time in ms of running `argv` to completion."""
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def time_call(fn: Callable[[], object], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    claude = claude_path()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": tmp,
            "XDG_CONFIG_HOME": f"{tmp}/.config",
            "CLAUDE_ENTERPRISE_STATE_DIR": f"{tmp}/state",
            "CLAUDE_ENTERPRISE_CLAUDE_BIN": claude,
            "CLAUDE_ENTERPRISE_PROFILE": "restricted",
            "PYTHONPATH": str(REPO),
            "DISABLE_AUTOUPDATER": "1",
        }
        py = sys.executable
        # Warm the page cache and any compiled-profile cache once.
        subprocess.run([py, "-m", "claude_enterprise.launch", "--", "--version"], env=env,
                       stdout=subprocess.DEVNULL, check=True)

        direct = time_cmd([claude, "--version"], env, runs)
        wrapped = time_cmd([py, "-m", "claude_enterprise.launch", "--", "--version"], env, runs)
        script = Path(py).parent / "claude-enterprise"
        via_script = time_cmd([str(script), "--", "--version"], env, runs) if script.exists() else None
        python_start = time_cmd([py, "-c", "pass"], env, runs)
        imports = time_cmd([py, "-c", "import claude_enterprise.launch.main, claude_enterprise.resolve"],
                           env, runs) - python_start

        os.environ.update(env)
        from claude_enterprise.fsutil import create_exclusive
        from claude_enterprise.launch import settings
        from claude_enterprise.launch.run import hook_argv
        from claude_enterprise.resolve import resolve

        resolve_ms = time_call(lambda: resolve(None, env), runs)
        profile = resolve(None, env).profile
        counter = iter(range(10**6))

        def build_and_write() -> None:
            layer = settings.build_settings(profile, hook_argv=hook_argv(Path(tmp), profile.name),
                                            env=dict(profile.env))
            create_exclusive(Path(tmp) / f"settings-{next(counter)}.json", json.dumps(layer))

        settings_ms = time_call(build_and_write, runs)

        added = wrapped - direct
        print(f"runs per figure: {runs}")
        print(f"claude --version                        median {direct:8.1f} ms")
        print(f"claude-enterprise -- --version          median {wrapped:8.1f} ms")
        print(f"added overhead                          median {added:8.1f} ms  (target <= 150 ms: "
              f"{'PASS' if added <= 150 else 'FAIL'}); ratio {wrapped / direct:.2f}x")
        if via_script is not None:
            print(f"installed console script claude-enterprise  median {via_script:8.1f} ms  "
                  f"(added {via_script - direct:.1f} ms)")
        print("breakdown:")
        print(f"  python start (python -c pass)               {python_start:8.1f} ms")
        print(f"  imports (launch + resolve)                  {imports:8.1f} ms")
        print(f"  resolve (profile, config, identity)         {resolve_ms:8.1f} ms")
        print(f"  settings layer (build + 0600 write)         {settings_ms:8.1f} ms  (session launches only)")
        rest = added - python_start - imports - resolve_ms
        print(f"  argv policy, environment, exec of claude    {rest:8.1f} ms  (remainder)")


if __name__ == "__main__":
    main()
