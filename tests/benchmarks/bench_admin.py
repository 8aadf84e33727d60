"""How long `admin render` takes to build the stack for every bundled profile (the target: well under 2 s).

    python3 tests/benchmarks/bench_admin.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from claude_enterprise.admin.templates import render_json
from tests.support.admin_profiles import BUNDLED_PROFILES, bundled_catalog, full_config

ROUNDS = 20


def main() -> None:
    catalog = bundled_catalog()
    timings = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for profile in BUNDLED_PROFILES:
            render_json(full_config(security_profile=profile), catalog)
        timings.append(time.perf_counter() - start)
    median, worst = statistics.median(timings) * 1000, max(timings) * 1000
    print(f"render_json for all {len(BUNDLED_PROFILES)} bundled profiles: median {median:.1f} ms, "
          f"max {worst:.1f} ms over {ROUNDS} rounds (catalog load excluded)")


if __name__ == "__main__":
    main()
