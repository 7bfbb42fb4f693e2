"""Start-up: ``fxsub --dry-run -n16 myapp`` and ``fxsub --help`` beside ``python3 -c pass``.

Target (issue 3): the dry run in at most half of the reference's 0.120 s,
with the same interpreter. Run: .venv/bin/python bench/startup.py
"""

import os
import sys

from common import BIN, median_runtime, report

env = dict(os.environ, FX_NO_ENTRYPOINT_PLUGINS="")
rows = [
    ("baseline: python3 -c pass", median_runtime([sys.executable, "-c", "pass"]), "s"),
    (
        "fxsub --dry-run -n16 myapp",
        median_runtime([f"{BIN}/fxsub", "--dry-run", "-n16", "myapp"], env=env),
        "s",
    ),
    ("fxsub --help", median_runtime([f"{BIN}/fxsub", "--help"], env=env), "s"),
    (
        "fxrun --dry-run hostname",
        median_runtime([f"{BIN}/fxrun", "--dry-run", "hostname"], env=env),
        "s",
    ),
]
report(rows)
print("reference flux submit --dry-run -n16 myapp: 0.120 s; flux submit --help: 0.098 s (issue 3)")
