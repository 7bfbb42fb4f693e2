"""fxwatch on a terminal (tmux): the live region a person sees, the results after it, Ctrl-C."""

from __future__ import annotations

import re

import pytest
from tmuxterm import tmux_sessions

CPU_HOG = "import time\nt = time.time()\nwhile time.time() - t < 4: pass\nprint('second')"


@pytest.fixture
def tmux():
    yield from tmux_sessions()


def submit(run, *args: str) -> str:
    proc = run("fxsub", *args)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_one_job_state_clock_use_and_timeline_under_its_output(run, tmux):
    jobid = submit(run, "sh", "-c", f'echo first; python3 -c "{CPU_HOG}"')
    term = tmux(f"fxwatch {jobid}", height=24)
    head = term.wait_for(
        rf"^{jobid}  running  00:00:0[1-4]  cpu \d+\.\ds  mem \d+\.\dM$", timeout=30
    )
    lines = head.string.splitlines()
    at = lines.index(head.group(0))
    assert lines[:at] == ["first"]  # output scrolls above the region
    rows = lines[at + 1 : at + 7]
    assert [row.split()[1] for row in rows] == [
        "submit", "validate", "depend", "priority", "alloc", "start"
    ]  # fmt: skip
    assert re.fullmatch(r" +0\.000s  submit +\{.*\"urgency\":16.*\}", rows[0])
    screen = term.wait_for(r"^EXIT=0$").string
    assert re.search(
        rf"^first\nsecond\n{jobid}: exit 0, runtime \d+\.\d{{3}}s\nEXIT=0$", screen, re.M
    )
    assert "running" not in screen  # the region is gone


def test_a_pending_job_then_its_release(run, tmux):
    jobid = submit(run, "--urgency=hold", "echo", "ran")
    term = tmux(f"fxwatch {jobid}")
    term.wait_for(rf"^{jobid}  pending  00:00:0\d$")
    term.wait_for(r"^ +\d+\.\d{3}s  priority +\{\"priority\":0\}$")
    run("fx", "job", "urgency", jobid, "default")
    term.wait_for(rf"^ran\n{jobid}: exit 0, runtime \d+\.\d{{3}}s\nEXIT=0$")


def test_many_jobs_counts_running_table_and_a_result_each(run, tmux):
    ids = submit(run, "--cc=1-3", "sh", "-c", "sleep 2; exit $((FLUX_JOB_CC - 1))").split()
    term = tmux("fxwatch " + " ".join(ids))
    screen = term.wait_for(r"^PD:\d R:[12] CD:0 F:0  0/3 done  00:00:0\d$").string
    assert re.search(r"^  JOBID +NAME +ELAPSED +CPU +MEM$", screen, re.M)
    assert re.search(rf"^  ({'|'.join(ids)}) +sh +00:00:0\d", screen, re.M)
    screen = term.wait_for(r"^EXIT=2$", timeout=30).string
    results = [line for line in screen.splitlines() if line.startswith(tuple(ids))]
    assert [line.split(":")[0] for line in results] == ids
    for code, line in enumerate(results):
        assert re.fullmatch(rf"\S+: exit {code}, runtime 2\.\d{{3}}s", line)
    assert "PD:" not in screen


def test_ctrl_c_stops_watching_and_leaves_the_job_running(run, tmux):
    jobid = submit(run, "sh", "-c", "echo begun; sleep 60")
    term = tmux(f"fxwatch {jobid}")
    term.wait_for(rf"^{jobid}  running")
    term.keys("C-c")
    screen = term.wait_for(r"^EXIT=130$").string
    assert f"{jobid}: still running, no longer watched\nEXIT=130" in screen
    assert " finish" not in run("fx", "job", "eventlog", jobid).stdout
    run("fxcancel", jobid)


def test_submission_bar_without_wait_ids_above_it(tmux):
    term = tmux("fxsub --progress --cc=1-3 true")
    lines = term.wait_for(r"^EXIT=0$").string.splitlines()
    bar = next(i for i, line in enumerate(lines) if line.startswith("Submitting 3 jobs: "))
    assert re.search(r" 100\.0% 0:00:0\d$", lines[bar])
    assert all(re.fullmatch(r"ƒ\w+", line) for line in lines[bar - 3 : bar])
    assert lines[bar + 1] == "EXIT=0"


@pytest.mark.parametrize("option", ["--color=always", ""])
def test_colour_only_when_wanted(run, tmux, option):
    jobid = submit(run, "sleep", "30")
    try:
        term = tmux(f"fxwatch {option} {jobid}")  # the tests run with NO_COLOR=1
        term.wait_for(rf"^{jobid}  running")
        coloured = term.screen(escapes=True)
        assert ("\x1b[32mrunning" in coloured) == bool(option)
        assert ("\x1b[3" in coloured) == bool(option)
    finally:
        run("fxcancel", jobid)
