"""Instance memory as finished jobs accumulate, and listing speed with many jobs.

Runs N real /bin/true jobs (default 100,000) through one private instance in
batches, printing the instance's RSS after each batch beside its RSS when
idle and empty (the baseline), then times listing the newest 100 jobs.
Targets (issue 4): RSS under 150 MB at 100,000 inactive jobs; listing the
newest 100 under 50 ms. Run: .venv/bin/python bench/memory.py [N]
"""

import os
import subprocess
import sys
import tempfile
import time

from common import BIN, report

from fluxcli.backends.local.backend import LocalBackend

TOTAL = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
BATCH = 10_000
state = tempfile.mkdtemp(prefix="fxmem-")
env = dict(os.environ, FX_STATE_DIR=state)
subprocess.run([f"{BIN}/fx", "instance", "start"], env=env, check=True)
pid = int(open(os.path.join(state, "instance.lock")).read())


def rss_mb() -> float:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


rows = [("baseline: idle instance RSS, no jobs", rss_mb(), "MB")]
done = 0
start = time.time()
while done < TOTAL:
    n = min(BATCH, TOTAL - done)
    subprocess.run(
        [f"{BIN}/fxsub", f"--cc=1-{n}", "--quiet", "--wait", "/bin/true"], env=env, check=True
    )
    done += n
    rows.append((f"RSS after {done} inactive jobs", rss_mb(), "MB"))
    print(f"{done} jobs, {time.time() - start:.0f}s", file=sys.stderr)

backend = LocalBackend(f"local://{state}/local.sock")
times = []
for _ in range(20):
    t0 = time.perf_counter()
    jobs = backend.list_jobs(100)
    times.append(time.perf_counter() - t0)
assert len(jobs) == 100
rows.append(("list newest 100 (API, median)", sorted(times)[10] * 1e3, "ms"))
t0 = time.perf_counter()
subprocess.run(
    [f"{BIN}/fxjobs", "-a", "--count=100"], env=env, stdout=subprocess.DEVNULL, check=True
)
rows.append(("fxjobs -a --count=100 (whole command)", (time.perf_counter() - t0) * 1e3, "ms"))
rows.append(("database size", os.path.getsize(os.path.join(state, "jobs.db")) / 2**20, "MB"))
report(rows)
subprocess.run([f"{BIN}/fx", "instance", "stop"], env=env)
