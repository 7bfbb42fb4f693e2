"""Small timing helpers shared by the benchmarks (run by hand, never in CI)."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

BIN = os.path.dirname(sys.executable)


def median_runtime(argv: list[str], runs: int = 20, env: dict | None = None) -> float:
    """Median wall time of running ``argv`` (seconds)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False
        )
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def report(rows: list[tuple[str, float, str]]) -> None:
    """Print ``name  value unit`` rows aligned."""
    width = max(len(name) for name, _, _ in rows)
    for name, value, unit in rows:
        print(f"{name:<{width}}  {value:10.4f} {unit}")
