"""fxjobs at scale: ``fxjobs -a -c 100`` and ``fxjobs --stats-only`` over 100,000 inactive jobs.

Target (issue 10): each well under 0.2 s as a whole command, shown beside
``python3 -c pass``. The database is written directly through the
instance's own Store API in a temporary FX_STATE_DIR (seconds, not the
minutes that submitting 100,000 jobs would take); a few jobs are then
submitted and run for real so that active ones exist too.

Run: .venv/bin/python bench/jobs_listing.py [NJOBS]
"""

import json
import os
import subprocess
import sys
import tempfile
import time

from common import BIN, median_runtime, report

from fluxcli.backends.local.instance.store import Store

NJOBS = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
RESULTS = ("COMPLETED", "FAILED", "CANCELED", "TIMEOUT")


def build(path: str, njobs: int) -> None:
    """``njobs`` inactive jobs, each with its main eventlog, as the instance writes them."""
    store = Store(path)
    jobspec = json.dumps({"version": 1, "attributes": {"system": {"cwd": "/tmp"}}})
    start = time.time() - njobs
    for n in range(njobs):
        jobid = (n + 1) << 24
        t = start + n
        store.insert_job(
            {
                "id": jobid,
                "userid": os.getuid(),
                "urgency": 16,
                "priority": 16,
                "flags": 0,
                "state": "INACTIVE",
                "name": f"job{n % 50}",
                "t_submit": t,
                "ntasks": 1,
                "ncores": 1,
                "nnodes": 1,
                "duration": 0.0,
                "umask": 0o22,
            },
            jobspec,
        )
        result = RESULTS[n % 7 % 4]
        store.update_job(
            jobid,
            t_depend=t,
            t_run=t + 0.1,
            t_cleanup=t + 0.5,
            t_inactive=t + 0.6,
            result=result,
            waitstatus=0 if result == "COMPLETED" else 256,
            nodelist="node0",
            cputime=0.25,
            maxrss=4 << 20,
        )
        for seq, name in enumerate(("submit", "depend", "priority", "alloc", "finish", "clean")):
            store.append_event(jobid, "eventlog", seq, name, {}, t + seq / 10)
        if n % 10_000 == 9_999:
            store.commit()
    store.close()


def _in_process(path: str) -> list[tuple[str, float, str]]:
    """The instance's share: its queries timed in this process (steady under load)."""
    store = Store(path)
    rows = []
    for name, query in (
        ("  store.list_jobs(limit=101), all states", lambda: store.list_jobs(limit=101)),
        (
            "  the same in job-list's order",
            lambda: store.list_jobs(limit=101, order="job-list"),
        ),
        ("  store.stats()", store.stats),
    ):
        times = []
        for _ in range(20):
            began = time.perf_counter()
            query()
            times.append(time.perf_counter() - began)
        rows.append((name, sorted(times)[len(times) // 2], "s"))
    store.close()
    return rows


def main() -> None:
    state = tempfile.mkdtemp(prefix="fxjobs-bench-")
    os.chmod(state, 0o700)
    env = dict(os.environ, FX_STATE_DIR=state, FX_NO_ENTRYPOINT_PLUGINS="")
    began = time.perf_counter()
    build(os.path.join(state, "jobs.db"), NJOBS)
    print(f"built {NJOBS} inactive jobs in {time.perf_counter() - began:.1f} s")
    fx = f"{BIN}/fx"
    try:
        for _ in range(3):
            subprocess.run(
                [f"{BIN}/fxsub", "sleep", "60"], env=env, check=True, capture_output=True
            )
        listing = subprocess.run([f"{BIN}/fxjobs", "-a", "-c", "5"], env=env, capture_output=True)
        print(listing.stdout.decode(), end="")
        rows = [
            ("baseline: python3 -c pass", median_runtime([sys.executable, "-c", "pass"]), "s"),
            (
                "fxjobs -a -c 100",
                median_runtime([f"{BIN}/fxjobs", "-a", "-c", "100"], env=env),
                "s",
            ),
            (
                "fxjobs --stats-only",
                median_runtime([f"{BIN}/fxjobs", "--stats-only"], env=env),
                "s",
            ),
            ("fxjobs (active only)", median_runtime([f"{BIN}/fxjobs"], env=env), "s"),
            (
                "fxjobs -a -f failed -c 100",
                median_runtime([f"{BIN}/fxjobs", "-a", "-f", "failed", "-c", "100"], env=env),
                "s",
            ),
        ]
        rows += _in_process(os.path.join(state, "jobs.db"))
        report(rows)
        print("target (issue 10): fxjobs -a -c 100 and fxjobs --stats-only well under 0.2 s")
    finally:
        subprocess.run([fx, "instance", "stop"], env=env, capture_output=True)
        subprocess.run(["rm", "-rf", state], check=False)


if __name__ == "__main__":
    main()
