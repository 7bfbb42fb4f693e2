"""Start-up and job latency of this tree beside an earlier revision, in one run.

Builds both into fresh venvs (regular installs, so no editable finder skews
start-up), then times ``fxsub --dry-run -n16 myapp``, ``fxrun /bin/true`` and
``fxsub --cc=1-500 --quiet --wait /bin/true`` for each, interleaved, beside
``python3 -c pass`` and ``xargs -P2 /bin/true``.

Run: .venv/bin/python bench/versus.py [REV]   (REV defaults to b58fe5c, before the
local-instance and backend-contract rework)
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

from common import median_runtime, report

REV = sys.argv[1] if len(sys.argv) > 1 else "b58fe5c"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = tempfile.mkdtemp(prefix="fxversus-")
os.chdir(WORK)  # run nothing against the source tree in the current directory


def install(source: str, name: str) -> str:
    venv = os.path.join(WORK, name)
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    subprocess.run([f"{venv}/bin/pip", "install", "-q", source], check=True)
    return f"{venv}/bin"


def checkout(rev: str) -> str:
    path = os.path.join(WORK, "src-" + rev)
    subprocess.run(["git", "-C", ROOT, "worktree", "add", "--detach", path, rev], check=True)
    return path


def rate(bindir: str, env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(
        [f"{bindir}/fxsub", "--cc=1-500", "--quiet", "--wait", "/bin/true"], env=env, check=True
    )
    return 500 / (time.perf_counter() - start)


old_src = checkout(REV)
try:
    bins = {"before": install(old_src, "before"), "now": install(ROOT, "now")}
finally:
    subprocess.run(["git", "-C", ROOT, "worktree", "remove", "--force", old_src], check=False)
envs = {k: dict(os.environ, FX_STATE_DIR=os.path.join(WORK, f"state-{k}")) for k in bins}
for key, bindir in bins.items():
    subprocess.run([f"{bindir}/fx", "instance", "start"], env=envs[key], check=True)
    subprocess.run(
        [f"{bindir}/fxsub", "--cc=1-50", "--quiet", "--wait", "/bin/true"], env=envs[key]
    )
rows = [("baseline: python3 -c pass", median_runtime([sys.executable, "-c", "pass"]), "s")]
for key, bindir in bins.items():
    dry = [f"{bindir}/fxsub", "--dry-run", "-n16", "myapp"]
    rows.append((f"{key}: fxsub --dry-run -n16 myapp", median_runtime(dry, env=envs[key]), "s"))
for key, bindir in bins.items():
    run = [f"{bindir}/fxrun", "/bin/true"]
    rows.append((f"{key}: fxrun /bin/true", median_runtime(run, env=envs[key]), "s"))
start = time.perf_counter()
subprocess.run(["xargs", "-P2", "-n1", "/bin/true"], input="x\n" * 500, text=True, check=True)
rows.append(("baseline: xargs -P2 /bin/true", 500 / (time.perf_counter() - start), "jobs/s"))
rates: dict[str, list[float]] = {k: [] for k in bins}
for _ in range(3):
    for key, bindir in bins.items():
        rates[key].append(rate(bindir, envs[key]))
for key in bins:
    rows.append((f"{key}: fxsub --cc=1-500 --wait (best of 3)", max(rates[key]), "jobs/s"))
report(rows)
for key, bindir in bins.items():
    subprocess.run([f"{bindir}/fx", "instance", "stop"], env=envs[key])
