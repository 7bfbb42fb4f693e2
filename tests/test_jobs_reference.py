"""fxjobs beside the real ``flux jobs``: the same jobs, the same commands, the same text.

Runs when a flux-core build is found (``$FX_FLUX_PREFIX/bin/flux``, /opt/flux/bin/flux
or ``flux`` on PATH); job ids, times and dates are masked, the rest must be equal.
"""

from __future__ import annotations

import os
import re
import shutil
import sys

import pytest
from conftest import beside_flux

FLUX = next(
    (
        path
        for path in (
            os.path.join(os.environ.get("FX_FLUX_PREFIX", "/nonexistent"), "bin", "flux"),
            "/opt/flux/bin/flux",
            shutil.which("flux") or "",
        )
        if path and os.access(path, os.X_OK)
    ),
    None,
)
pytestmark = pytest.mark.skipif(FLUX is None, reason="no flux-core build to compare with")

SCENARIO = """
$SUB --job-name=ok true >/dev/null
$SUB --job-name=bad sh -c 'exit 3' >/dev/null
$SUB --job-name=nf nosuchcommand_xyz >/dev/null
$SUB --job-name=killed sh -c 'kill -9 $$' >/dev/null
$SUB --job-name=verylongjobname12345 -n2 true >/dev/null
h=$($SUB --job-name=held --urgency=0 -t 5m true)
$SUB --job-name=dep --dependency=afterok:$h true >/dev/null
$SUB --job-name=later --begin-time=+1h true >/dev/null
c=$($SUB --job-name=tocancel --urgency=0 true)
$CANCEL -m "no reason" $c >/dev/null 2>&1
$SUB --job-name=to -t 1s sleep 30 >/dev/null
r=$($SUB --job-name=runcancel sleep 30)
$SUB --job-name=sig sh -c 'kill -TERM $$' >/dev/null
$SUB --job-name=exit200 sh -c 'exit 200' >/dev/null
$SUB --job-name=e126 /etc/passwd >/dev/null
sleep 1.5
$CANCEL $r >/dev/null 2>&1
sleep 2
"""

COMMANDS = [
    ["-a"],
    [],
    ["-a", "-o", "endreason"],
    ["-a", "-o", "deps"],
    ["-a", "-o", "long"],
    ["-a", "-o", "{name} {status_abbrev} {status} {state} {state_single} {result} {result_abbrev}"],
    ["-a", "-o", "{name} {ntasks} {ncores} {nnodes} {returncode} {waitstatus} {success}"],
    ["-a", "-o", "{name} {urgency} {priority} {ranks} {nodelist} {dependencies}"],
    ["-a", "-o", "{name} {exception.occurred} {exception.severity} {exception.type}"],
    ["-a", "-o", "{name} {exception.note} {returncode} {waitstatus} {inactive_reason}"],
    ["-a", "-o", "{name:<12} ?:{queue:<8.8} +:{username:<8} {name:<10.10+} {nnodes:>6h}"],
    ["-a", "-o", "{name} {inactive_reason} {contextual_info} {annotations} {sched}"],
    ["-a", "-o", "{name} {duration!F} {duration!H} {expiration!D} {t_remaining!F:>5h}"],
    ["-a", "-o", "?:{queue} +:{name} {sched.resource_summary:>10}|"],
    ["-a", "-n", "-o", "{name:>5.5+}|{ntasks:<4}|{ntasks:04d}|{priority:x}"],
    ["-a", "--sort=-name", "-o", "{name}"],
    ["-a", "--sort=nnodes,name", "-o", "{name} {nnodes}"],
    ["-a", "-o", "sort:-status_abbrev,name {name} {status_abbrev}"],
    ["-a", "-f", "failed", "-o", "{name}"],
    ["-f", "completed,canceled", "-o", "{name}"],
    ["-f", "pending,failed"],
    ["-a", "--name=bad"],
    ["-A", "-c", "2"],
    ["-a", "-c", "3"],
    ["-u", "12345", "-a"],
    ["--since=-1h", "-o", "{name}"],
    ["-a", "-w", "20", "-o", "{name} {name} {name}"],
    ["--stats-only"],
    ["-o", "{nosuchfield}"],
    ["-o", "nosuch name"],
    ["-o", "{name"],
    ["--sort=nosuchkey"],
    ["-a", "-f", "bogus"],
    ["-u", "nosuchuserxyz"],
    ["--json", "--stats"],
    ["--since=+1h"],
    ["fBADBADBAD"],
]

MASKS = [
    (re.compile(r"flux-jobs: ERROR: "), "fxjobs: error: "),
    (re.compile(r"flux-jobs: WARNING: "), "fxjobs: warning: "),
    (re.compile(r" *ƒ[1-9A-HJ-NP-Za-km-z]+"), " ID"),  # ids differ in length too
    (re.compile(r"\b\d+(\.\d+)?[smhd]\b"), "T"),
    (re.compile(r"[A-Z][a-z]{2}\d{2} \d{2}:\d{2}"), "DATE"),
    (re.compile(r"begin@[\d:]+"), "begin@TIME"),
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d"), "ISO"),
]


def masked(text: str) -> str:
    for pattern, replacement in MASKS:
        text = pattern.sub(replacement, text)
    return text


def _script(sub: str, cancel: str, jobs: str) -> str:
    body = SCENARIO.replace("$SUB", sub).replace("$CANCEL", cancel)
    for args in COMMANDS:
        quoted = " ".join("'" + a.replace("'", "'\\''") + "'" for a in args)
        body += f"echo '=== {' '.join(args)}'\n{jobs} {quoted} 2>err.txt; echo rc=$?; cat err.txt\n"
    return body


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    flux, ours = beside_flux(
        FLUX,
        tmp_path_factory.mktemp("reference"),
        _script("flux submit", "flux cancel", "flux jobs"),
        _script("fxsub", "fxcancel", "fxjobs"),
    )
    assert "=== -a\n" in flux
    return _sections(flux), _sections(ours)


def _sections(text: str) -> dict[str, str]:
    parts = re.split(r"^=== (.*)$", text, flags=re.M)
    return {parts[i]: masked(parts[i + 1]) for i in range(1, len(parts) - 1, 2)}


@pytest.mark.parametrize("args", [" ".join(a) for a in COMMANDS])
def test_same_output_as_flux_jobs(both, args):
    flux, ours = both
    if sys.stdout.encoding and "utf" not in sys.stdout.encoding.lower():
        pytest.skip("job ids need UTF-8")
    assert ours[args] == flux[args]
