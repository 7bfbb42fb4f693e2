"""fxcancel, fx job, fx resource and fx uri beside the real flux commands: the same jobs, the
same command lines, the same text and exit codes.

Runs when a flux-core build is found (as test_jobs_reference.py); job ids, timestamps and
user ids are masked, and the tools' prefixes are mapped (``flux-job: `` to ``fx job: ``, with
our ``error:`` dropped), the rest must be equal.
"""

from __future__ import annotations

import re

import pytest
from conftest import beside_flux
from test_jobs_reference import FLUX

pytestmark = pytest.mark.skipif(FLUX is None, reason="no flux-core build to compare with")

SETUP = """
a=$($SUB sleep 300)
q=$($SUB --begin-time=+1h true)
h=$($SUB --urgency=hold true)
w=$($SUB --flags=waitable true)
$JOB wait-event $a start >/dev/null
$JOB wait-event $w clean >/dev/null
"""
# (the output eventlog is left out: which of a task's streams reports its end first is a race)
# each step: a command line run with $CANCEL, $JOB, $FX (flux or fx), $a $q $h $w the jobs
STEPS = [
    "$CANCEL",
    "$CANCEL -n ƒ123 ƒ456",
    "$CANCEL -S",
    "$CANCEL -m",
    "$CANCEL --bogus",
    "$CANCEL -x ƒ123",
    "$CANCEL abc!",
    "$CANCEL ƒ123",
    "$CANCEL 123 foo",
    "$CANCEL -S foo",
    "$CANCEL -S inactive",
    "$CANCEL -u nosuchuser",
    "$CANCEL --all ƒ123",
    "$CANCEL -n --all",
    "$CANCEL -S run -n",
    "$CANCEL -u all -S pending -n",
    "$CANCEL -S depend -n",
    "$CANCEL -S priority,sched -n",
    "$CANCEL --states=running -n",
    "$CANCEL --state=PENDING --state=run -n",
    "$CANCEL -n --user=root",
    "$JOB kill ƒ123",
    "$JOB kill foo!",
    "$JOB kill -s BOGUS ƒ123",
    "$JOB kill -s 0 ƒ123",
    "$JOB kill -s 99 ƒ123",
    "$JOB kill $q",
    "$JOB kill -s usr1 $a",
    "$JOB raise ƒ123 a note",
    "$JOB raise -s 9 ƒ123",
    "$JOB raise -m x $q -- a note",
    "$JOB urgency ƒ123 5",
    "$JOB urgency bad! 5",
    "$JOB urgency ƒ123 bogus",
    "$JOB urgency ƒ123 -1",
    "$JOB urgency ƒ123 40",
    "$JOB urgency -v $q 5",
    "$JOB urgency -v $q expedite",
    "$JOB urgency -v $q hold",
    "$JOB urgency -v $q default",
    "$JOB urgency $a 5",
    "$JOB urgency $w 5",
    "$JOB info ƒ123 R",
    "$JOB info bad! R",
    "$JOB info $a bogus",
    "$JOB info $q R",
    "$JOB last",
    "$JOB last 3",
    "$JOB last [0:2]",
    "$JOB last [::-1]",
    "$JOB last [bad]",
    "$JOB last [1]",
    "$JOB wait ƒ123",
    "$JOB wait $a",
    "$JOB wait $w",
    "$JOB wait",
    "$JOB wait --all",
    "$JOB purge",
    "$JOB purge --num-limit=0",
    "$JOB purge --num-limit=x",
    "$JOB purge --age-limit=x",
    "$JOB purge ƒ123",
    "$JOB purge $a",
    "$JOB killall",
    "$JOB killall -s BOGUS",
    "$JOB killall -u nosuch",
    "$JOB killall -s 0",
    "$JOB killall -u all",
    "$JOB raiseall t",
    "$JOB raiseall -S bogus t",
    "$JOB raiseall -S inactive t",
    "$JOB raiseall -f -S pending t a note",
    "$JOB eventlog ƒ123",
    "$JOB eventlog $w",
    "$JOB eventlog -p exec $w",
    "$JOB eventlog -p guest.exec.eventlog $w",
    "$JOB eventlog -p bogus $w",
    "$JOB eventlog -p input $w",
    "$JOB eventlog -f json $w",
    "$JOB eventlog -f bogus $w",
    "$JOB eventlog -T bogus $w",
    "$JOB wait-event $w finish",
    "$JOB wait-event -p exec $w done",
    "$JOB wait-event -m status=0 $w finish",
    "$JOB wait-event -m status=1 -t 0.2 $w finish",
    "$JOB wait-event -t 0.2 $w nosuchevent",
    "$JOB wait-event -c 0 $w finish",
    "$JOB wait-event -m bogus $w finish",
    "$JOB id ƒ123",
    "$JOB id -t hex ƒ123",
    "$JOB id -t words 1234",
    "$JOB id -t bogus 1",
    "$JOB id bad!",
    "$JOB status ƒ123",
    "$CANCEL -m bye $a $h",
    "$JOB wait-event $a clean",
    "$CANCEL $a",
    "$JOB status -v $a",
    "$JOB eventlog $h",
    "$JOB eventlog $a",
    "$JOB info $h eventlog",
    "$JOB info $a guest.exec.eventlog",
    "$JOB info $w guest.input",
    "$JOB info $w jobspec",
    "$JOB info $a jobspec",
    "$JOB info $w R",
    "$JOB status -j $h",
    "$JOB status -j $w",
    "$JOB status -j $a",
    "$JOB status $w",
    "$JOB status -v $w",
    "$JOB status -vv $w",
    "$JOB status -e 5 $h",
    "$JOB status -vv -e 5 $h $w",
    "$JOB raise $q",
    "$JOB wait-event $q clean",
    "$JOB status -j $q",
    "$JOB last [-1:]",
    "$CANCEL --all -m done",
    "$CANCEL --all",
    "$CANCEL -q --all",
    "$JOB purge --num-limit=1 -f",
    "$JOB purge --age-limit=1h -f",
    "$FX resource list -s free",
    "$FX resource list -s bogus",
    "$FX resource list -o '{state} {nnodes}'",
    "$FX resource list -s up -n",
    "$FX resource info",
    "$FX uri bad!",
    "$FX uri ƒ123",
]

MASKS = [
    (re.compile(r"^usage: flux cancel ", re.M), "Usage: fxcancel "),
    (re.compile(r"^flux-cancel: ERROR: ", re.M), "fxcancel: error: "),
    (re.compile(r"^flux-cancel: ", re.M), "fxcancel: "),
    (re.compile(r"^flux-(job|resource|uri)( purge)?: (ERROR: )?", re.M), r"fx \1: "),
    (re.compile(r"^fx (job|resource|uri): error: ", re.M), r"fx \1: "),
    (re.compile(r"^\d+\.\d+ ", re.M), "TIME "),
    (re.compile(r"ƒ[1-9A-HJ-NP-Za-km-z]+"), "ID"),
    (re.compile(r"userid=\d+"), "userid=U"),
    (re.compile(r"-shell-f[1-9A-HJ-NP-Za-km-z]+"), "-shell-ID"),
    (re.compile(r'"id":\d+'), '"id":N'),
    (re.compile(r'"(timestamp|starttime|t_submit|t_run|t_cleanup)": ?\d+\.\d+'), r'"\1":T'),
    (re.compile(r'"(userid|pid)": ?\d+'), r'"\1":N'),
    (re.compile(r"\bpid=\d+"), "pid=N"),
    (re.compile(r"^.*broker\.err.*\n", re.M), ""),  # the reference broker's own log lines
]


def masked(text: str) -> str:
    for pattern, replacement in MASKS:
        text = pattern.sub(replacement, text)
    return text


def _script(sub: str, cancel: str, job: str, fx: str) -> str:
    tools = {"$SUB": sub, "$CANCEL": cancel, "$JOB": job, "$FX": fx}

    def filled(text: str) -> str:
        for name, value in tools.items():
            text = text.replace(name, value)
        return text

    body = filled(SETUP)
    for step in STEPS:
        header = step.replace("'", "'\\''")
        body += f"echo '=== {header}'\n{filled(step)} 2>&1; echo rc=$?\n"
    return body


def _sections(text: str) -> dict[str, str]:
    parts = re.split(r"^=== (.*)$", text, flags=re.M)
    return {parts[i]: masked(parts[i + 1]) for i in range(1, len(parts) - 1, 2)}


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    flux, ours = beside_flux(
        FLUX,
        tmp_path_factory.mktemp("control-reference"),
        _script("flux submit", "flux cancel", "flux job", "flux"),
        _script("fxsub", "fxcancel", "fx job", "fx"),
    )
    assert "=== $CANCEL\n" in flux
    return _sections(flux), _sections(ours)


@pytest.mark.parametrize("step", STEPS)
def test_same_output_as_flux(both, step):
    flux, ours = both
    assert ours[step] == flux[step]
    assert "rc=" in ours[step]
