"""Jobspec model speed: building a 16-task jobspec, and importing fluxcli.jobspec.

Targets (issue 2): from_submit well under 1 ms; the import adds < 30 ms.
Baselines measured in the same run: copying os.environ (what every jobspec
does) and ``python3 -c pass``. Run: .venv/bin/python bench/jobspec_build.py
"""

import os
import statistics
import subprocess
import sys
import timeit

from common import report

from fluxcli.jobspec import JobspecV1

N = 2000
JobspecV1.from_submit(["myapp"], ntasks=16)  # loads plugins once, as a long-lived program would
build = (
    min(timeit.repeat(lambda: JobspecV1.from_submit(["myapp"], ntasks=16), number=N, repeat=5)) / N
)
low = (
    min(timeit.repeat(lambda: JobspecV1.from_command(["myapp"], num_tasks=16), number=N, repeat=5))
    / N
)
dumps = (
    min(
        timeit.repeat(
            lambda: JobspecV1.from_command(["myapp"], num_tasks=16).dumps(), number=N, repeat=5
        )
    )
    / N
)
env = min(timeit.repeat(lambda: dict(os.environ), number=N, repeat=5)) / N


def import_ms(code: str) -> float:
    runs = []
    for _ in range(15):
        out = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True
        ).stderr
        total = sum(
            int(line.split("|")[1])
            for line in out.splitlines()[1:]
            if line.startswith("import time:") and not line.split("|")[2].startswith("  ")
        )
        runs.append(total / 1000)
    return statistics.median(runs)


base = import_ms("pass")
with_jobspec = import_ms("import fluxcli.jobspec")
report(
    [
        ("baseline: dict(os.environ)", env * 1e3, "ms"),
        ("JobspecV1.from_command(16 tasks)", low * 1e3, "ms"),
        ("  ... + dumps()", dumps * 1e3, "ms"),
        ("JobspecV1.from_submit(16 tasks)", build * 1e3, "ms"),
        ("baseline: imports of python3 -c pass", base, "ms"),
        ("imports with fluxcli.jobspec", with_jobspec, "ms"),
        ("fluxcli.jobspec adds", with_jobspec - base, "ms"),
    ]
)
