"""500 trivial jobs on a real Slurm: fxsub --cc beside a bare sbatch --array, in one run.

- ``sbatch --array=1-500 --wait /bin/true``: Slurm's own floor (its --wait polls
  at 2 s, 8 s, then every 32 s, so it is timed by polling squeue here instead)
- ``fxsub --backend=slurm --cc=1-500 --wait /bin/true``: the copies go as one
  job array; --wait follows them with the backend's poller
Target (issue 11): fxsub within 1.2x of the bare array.
Run (Slurm up: eval "$(tools/slurm-up)"): .venv/bin/python bench/slurm.py [N] [ROUNDS]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

from common import BIN, report

N = int(sys.argv[1]) if len(sys.argv) > 1 else 500
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 2
POLL = 0.25  # both sides poll as often: FX_SLURM_POLL and this script's squeue loop

state = tempfile.mkdtemp(prefix="fxbench-slurm-")
env = dict(os.environ, FX_STATE_DIR=state, FX_SLURM_POLL=str(POLL), FX_SLURM_POLL_MAX="1")


def bare_array() -> float:
    """Seconds from sbatch --array to the last element leaving the queue (squeue polled)."""
    start = time.perf_counter()
    out = subprocess.run(
        ["sbatch", "--parsable", f"--array=1-{N}", "-o", "/dev/null", "--wrap", "/bin/true"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    array_id = out.split(";")[0]
    while subprocess.run(
        ["squeue", "-h", "-r", "-j", array_id, "-t", "PD,R,CG", "-o", "%i"],
        capture_output=True,
        text=True,
    ).stdout.strip():
        time.sleep(POLL)
    return time.perf_counter() - start


def bare_array_wait() -> float:
    """Seconds of sbatch --array --wait as users run it (its own 2 s/8 s/32 s polling)."""
    start = time.perf_counter()
    subprocess.run(
        ["sbatch", "--wait", f"--array=1-{N}", "-o", "/dev/null", "--wrap", "/bin/true"],
        stdout=subprocess.DEVNULL,
        check=True,
    )
    return time.perf_counter() - start


def fxsub() -> float:
    start = time.perf_counter()
    subprocess.run(
        [f"{BIN}/fxsub", "--backend=slurm", f"--cc=1-{N}", "--quiet", "--wait", "/bin/true"],
        env=env,
        check=True,
    )
    return time.perf_counter() - start


subprocess.run(
    ["sbatch", "--wait", "-o", "/dev/null", "--wrap", "/bin/true"],
    stdout=subprocess.DEVNULL,
    check=True,
)  # warm up
bare, ours = [], []
for _ in range(ROUNDS):  # alternated, so both see the same machine
    bare.append(bare_array())
    ours.append(fxsub())
waited = bare_array_wait()
best_bare, best_ours = min(bare), min(ours)
report(
    [
        (f"sbatch --array=1-{N}, squeue every {POLL}s", best_bare, "s"),
        ("  jobs/s", N / best_bare, ""),
        (f"sbatch --array=1-{N} --wait", waited, "s"),
        (f"fxsub --cc=1-{N} --wait (slurm)", best_ours, "s"),
        ("  jobs/s", N / best_ours, ""),
        ("fxsub / bare array (target <= 1.2)", best_ours / best_bare, "x"),
        ("fxsub / sbatch --wait", best_ours / waited, "x"),
    ]
)
