"""The Flux backend beside flux-core's own tools, on one real Flux instance, in one run.

- ``fxsub --cc=1-500 --wait /bin/true`` (Flux backend) beside ``flux submit
  --cc=1-500 --wait /bin/true``, alternated, 3 rounds each; target: within 1.1x.
- start-up: ``fxsub --dry-run /bin/true`` beside ``flux submit --dry-run /bin/true``
  (median of 20); target: well under it.
Needs flux-core: on PATH, or FX_FLUX_PREFIX=/opt/flux (where it is installed).
Run: FX_FLUX_PREFIX=/opt/flux .venv/bin/python bench/flux_backend.py
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time

from common import BIN, median_runtime, report

N = 500
prefix = os.environ.get("FX_FLUX_PREFIX")
FLUX = os.path.join(prefix, "bin", "flux") if prefix else shutil.which("flux")
if not FLUX or not os.access(FLUX, os.X_OK):
    sys.exit("flux_backend.py: flux not found (put it on PATH or set FX_FLUX_PREFIX)")

tmp = tempfile.mkdtemp(prefix="fxbench-flux-")
urifile = os.path.join(tmp, "uri")
instance = subprocess.Popen(
    [FLUX, "start", "--test-size=1", "sh", "-c", f'printf %s "$FLUX_URI" > {urifile}; exec cat'],
    stdin=subprocess.PIPE,
    start_new_session=True,
)
while not os.path.exists(urifile) or not open(urifile).read():
    if instance.poll() is not None:
        sys.exit("flux_backend.py: flux start failed")
    time.sleep(0.05)
env = dict(os.environ, FLUX_URI=open(urifile).read())
env["PATH"] = f"{env.get('PATH', '')}:{os.path.dirname(FLUX)}"

flux_submit = [FLUX, "submit", f"--cc=1-{N}", "--wait", "/bin/true"]
fxsub = [f"{BIN}/fxsub", f"--cc=1-{N}", "--wait", "/bin/true"]


def timed(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


try:
    subprocess.run([FLUX, "submit", "--cc=1-50", "--quiet", "--wait", "true"], env=env, check=True)
    flux_times, fx_times = [], []
    for _ in range(3):  # alternated, so both see the same instance state
        flux_times.append(timed(flux_submit))
        fx_times.append(timed(fxsub))
    flux_dry = median_runtime([FLUX, "submit", "--dry-run", "/bin/true"], env=env)
    fx_dry = median_runtime([f"{BIN}/fxsub", "--dry-run", "/bin/true"], env=env)
    report(
        [
            (
                f"baseline: flux submit --cc=1-{N} --wait /bin/true (median of 3)",
                sorted(flux_times)[1],
                "s",
            ),
            (
                f"fxsub --cc=1-{N} --wait /bin/true, Flux backend (median of 3)",
                sorted(fx_times)[1],
                "s",
            ),
            (
                "  ratio fxsub / flux submit (target <= 1.1)",
                sorted(fx_times)[1] / sorted(flux_times)[1],
                "x",
            ),
            ("baseline: flux submit --dry-run /bin/true (median of 20)", flux_dry, "s"),
            ("fxsub --dry-run /bin/true, FLUX_URI set (median of 20)", fx_dry, "s"),
        ]
    )
finally:
    instance.stdin.close()
    try:
        instance.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(instance.pid, 9)
    shutil.rmtree(tmp, ignore_errors=True)
