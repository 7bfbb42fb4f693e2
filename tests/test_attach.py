"""Attached and watched jobs: exact output on a pipe; Ctrl-C, Ctrl-Z and live views in tmux."""

from __future__ import annotations

import json
import os
import re
import time

import pytest
from conftest import MAIN_SEQUENCE
from tmuxterm import tmux_sessions, wait_for

NCORES = len(os.sched_getaffinity(0))
UNKNOWN = "f1111111"  # a well-formed id no job has
EVENT_LINE = re.compile(r"\d+\.\d{3}s: (job|exec)\.([\w.-]+)( \{.*\})?")


def started(run, jobid) -> bool:
    out = run("fx", "job", "eventlog", jobid).stdout
    return " start" in out


def test_fxrun_event_lines_exact(run):
    proc = run("fxrun", "-vv", "true")
    jobid, *lines = proc.stderr.splitlines()
    assert jobid.startswith("jobid: ƒ")
    assert lines[0] == (
        f'0.000s: job.submit {{"userid":{os.getuid()},"urgency":16,"flags":0,"version":1}}'
    )
    matches = [EVENT_LINE.fullmatch(line) for line in lines]
    assert all(matches), lines
    assert [m.group(2) for m in matches] == MAIN_SEQUENCE
    assert "{'" not in proc.stderr
    exec_names = [
        m.group(2)
        for m in map(EVENT_LINE.fullmatch, run("fxrun", "-vvv", "true").stderr.splitlines()[1:])
        if m.group(1) == "exec"
    ]
    assert exec_names[:2] == ["init", "starting"] and exec_names[-1] == "done"


def test_fxrun_failure_message_at_the_finish_event(run):
    proc = run("fxrun", "-vv", "sh", "-c", "exit 2")
    lines = proc.stderr.splitlines()
    assert proc.returncode == 2
    at = lines.index("fxrun: task(s) exited with exit code 2")  # as flux job attach orders them
    assert re.fullmatch(r"\d+\.\d{3}s: job\.finish \{\"status\":512\}", lines[at + 1])
    assert [EVENT_LINE.fullmatch(line).group(2) for line in lines[at + 1 :]] == MAIN_SEQUENCE[6:]


def test_wait_event_returns_when_posted(run):
    t0 = time.monotonic()
    proc = run("fxrun", "-v", "--wait-event=start", "sleep", "30")
    jobid = proc.stderr.split("jobid: ")[1].split()[0]
    assert proc.returncode == 0 and time.monotonic() - t0 < 15
    run("fxcancel", jobid)
    t0 = time.monotonic()
    proc = run("fxsub", "--wait-event=start", "sleep", "30")
    assert proc.returncode == 0 and time.monotonic() - t0 < 15
    assert started(run, proc.stdout.strip())
    run("fxcancel", proc.stdout.strip())


@pytest.mark.parametrize(
    "args,stderr",
    [
        (
            ["fx", "job", "attach", UNKNOWN],
            f"fx job: error: Failed to attach to {UNKNOWN}: No such job\n",
        ),
        (
            ["fx", "job", "wait-event", UNKNOWN, "start"],
            f"fx job: error: job {UNKNOWN} not found\n",
        ),
        (["fx", "job", "eventlog", UNKNOWN], f"fx job: error: job {UNKNOWN} not found\n"),
        (["fx", "job", "status", UNKNOWN], f"fx job: error: {UNKNOWN}: No such job\n"),
        # as flux job status: no id prints the usage and exits 1
        (["fx", "job", "status"], "Usage: fx job status [OPTIONS] [JOBIDS]...\n"),
    ],
)
def test_unknown_job_is_one_line(run, args, stderr):
    proc = run(*args)
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        1,
        "",
        stderr,
    )


def test_job_status_verbose_and_exception_exit_code(run):
    ok = run("fxsub", "true").stdout.strip()
    bad = run("fxsub", "sh", "-c", "exit 2").stdout.strip()
    held = run("fxsub", "--urgency=hold", "true").stdout.strip()
    run("fxcancel", held)
    proc = run("fx", "job", "status", "-vv", ok, bad)
    assert proc.returncode == 2
    assert proc.stderr == (
        "fx job: fetching status for 2 jobs\nfx job: all done.\n"
        f"fx job: {ok}: exited with exit code 0\nfx job: {bad}: exited with exit code 2\n"
    )
    assert run("fx", "job", "status", "-v", "-e", "5", held).stderr == ""  # exit code 0: quiet
    proc = run("fx", "job", "status", "-vv", "-e", "5", held)
    assert (proc.returncode, proc.stderr) == (5, f"fx job: {held}: exception type=cancel\n")
    result = json.loads(run("fx", "job", "status", "--json", bad).stdout)
    assert result["waitstatus"] == 512 and result["exception_occurred"] is False


def test_eventlog_formats_and_follow(run):
    jobid = run("fxsub", "sleep", "0.5").stdout.strip()
    followed = run("fx", "job", "eventlog", "-F", jobid).stdout.splitlines()
    assert [line.split()[1] for line in followed] == MAIN_SEQUENCE
    offset = run("fx", "job", "eventlog", "-T", "offset", jobid).stdout.splitlines()
    assert offset[0] == f"0.000000 submit userid={os.getuid()} urgency=16 flags=0 version=1"
    assert offset[7] == f'{offset[7].split()[0]} release ranks="all" final=true'
    raw = [
        json.loads(line)
        for line in run("fx", "job", "eventlog", "-f", "json", jobid).stdout.splitlines()
    ]
    assert [e["name"] for e in raw] == MAIN_SEQUENCE and "context" not in raw[1]
    assert run("fx", "job", "eventlog", "-H", jobid).stdout.startswith("[")
    assert "exec.eventlog" not in run("fx", "job", "eventlog", "-p", "exec", jobid).stdout
    proc = run("fx", "job", "eventlog", "-T", "nope", jobid)
    assert (proc.returncode, proc.stderr) == (1, "fx job: error: invalid time-format type 'nope'\n")


def test_wait_event_options(run):
    jobid = run("fxsub", "--urgency=hold", "true").stdout.strip()
    proc = run("fx", "job", "wait-event", "-t", "0.3", jobid, "start")
    assert (proc.returncode, proc.stderr) == (
        1,
        "fx job: error: wait-event timeout on event 'start'\n",
    )
    proc = run("fx", "job", "wait-event", "-m", "priority=0", jobid, "priority")
    assert re.fullmatch(r"\d+\.\d{6} priority priority=0\n", proc.stdout)
    assert run("fx", "job", "wait-event", "-q", jobid, "submit").stdout == ""
    verbose = run("fx", "job", "wait-event", "-v", "-T", "offset", jobid, "depend").stdout
    assert [line.split()[1] for line in verbose.splitlines()] == ["submit", "validate", "depend"]
    run("fx", "job", "urgency", jobid, "default")
    second = run("fx", "job", "wait-event", "-c", "2", "-f", "json", jobid, "priority").stdout
    assert json.loads(second)["context"] == {"priority": 16}
    proc = run("fx", "job", "wait-event", jobid, "nosuchevent")
    assert proc.stderr == "fx job: error: event 'nosuchevent' never received\n"


def test_fxsub_job_stdin_stays_open_for_attach(run):
    jobid = run("fxsub", "cat").stdout.strip()
    wait_for(lambda: started(run, jobid))
    time.sleep(0.3)
    assert " finish" not in run("fx", "job", "eventlog", jobid).stdout  # cat waits for input
    proc = run("fx", "job", "attach", jobid, input="fed by attach\n")
    assert (proc.returncode, proc.stdout) == (0, "fed by attach\n")


def test_fxsub_watch_lines_exact(run):
    proc = run("fxsub", "-vv", "--wait", "sh", "-c", "exit 3")
    jobid = proc.stdout.strip()
    lines = proc.stderr.splitlines()
    assert proc.returncode == 3
    assert all(re.fullmatch(rf"{jobid}: \d+\.\d{{3}}s: [\w.:-]+ .*", line) for line in lines), lines
    assert lines[0].endswith(
        f'submit {{"flags":0,"urgency":16,"userid":{os.getuid()},"version":1}}'
    )
    assert re.search(rf"^{jobid}: \d+\.\d{{3}}s: failed: status=768$", proc.stderr, re.M)


# --- on a terminal, driven through tmux --------------------------------------------------------


@pytest.fixture
def tmux():
    yield from tmux_sessions()


@pytest.mark.parametrize("tool", ["fxrun", "fx job attach"])
def test_status_line_while_pending(run, tmux, tool):
    blocker = run("fxsub", f"-n{NCORES}", "sleep", "60").stdout.strip()
    try:
        wait_for(lambda: started(run, blocker))
        if tool == "fxrun":
            term, label = tmux("fxrun echo started-ok"), "fxrun"
        else:
            jobid = run("fxsub", "echo", "started-ok").stdout.strip()
            term, label = tmux(f"fx job attach {jobid}"), "fx job"
        line = term.wait_for(rf"^{label}: \S+ waiting for resources +00:00:0[2-9]$").group(0)
        assert len(line) == 99  # the clock ends one column short of the edge
        first = term.screen()
        term.wait_for(r"00:00:0[3-9]$")  # refreshed every second
        assert term.screen() != first
    finally:
        run("fxcancel", blocker)
    screen = term.wait_for(r"^EXIT=0$").string
    assert "started-ok" in screen and "waiting for resources" not in screen  # cleared at start


def test_ctrl_c_warns_then_cancels_on_a_terminal(tmux):
    term = tmux("fxrun sh -c \"trap 'echo got INT' INT; echo ready; while :; do sleep 0.2; done\"")
    term.wait_for("^ready$")
    term.keys("C-c")
    term.wait_for(r"fxrun: one more ctrl-C within 2s to cancel or ctrl-Z to detach$")
    term.keys("C-c")
    screen = term.wait_for(r"^EXIT=143$").string
    assert "got INT" not in screen
    assert re.search(
        r"\d\.\d{3}s: job\.exception \S+ type=cancel severity=0 interrupted by ctrl-C", screen
    )


def test_ctrl_c_then_ctrl_z_detaches_on_a_terminal(run, tmux):
    term = tmux("fxrun -v sh -c 'echo ready; sleep 60'")
    jobid = term.wait_for(r"^jobid: (\S+)$").group(1)
    term.wait_for("^ready$")
    term.keys("C-c")
    term.wait_for("one more ctrl-C")
    term.keys("C-z")
    term.wait_for(r"fxrun: detaching\.\.\.\nEXIT=1$")
    assert " finish" not in run("fx", "job", "eventlog", jobid).stdout  # still running
    run("fxcancel", jobid)


def test_progress_bar_with_watched_output(tmux):
    term = tmux("fxsub --progress --watch --cc=1-4 --quiet sh -c 'echo out{cc}; sleep 0.{cc}'")
    screen = term.wait_for(r"^EXIT=0$").string.splitlines()
    bar = next(i for i, line in enumerate(screen) if line.startswith("PD:0   R:0   CD:4   F:0  "))
    assert sorted(screen[:bar]) == ["out1", "out2", "out3", "out4"]  # whole lines, above the bar
    assert "100.0%" in screen[bar] and screen[bar + 1] == "EXIT=0"


def test_fxalloc_interactive_shell_on_a_terminal(tmux):
    term = tmux("fxalloc -n1")
    term.wait_for(r"[#$>]$")  # the nested instance's shell prompts (raw terminal, its pty)
    term.keys("echo inside-$FX_URI", "Enter")
    term.wait_for(r"^inside-local://")
    term.keys("C-c")  # a key for the shell on the pty, not a signal to fxalloc
    term.keys("exit 3", "Enter")
    screen = term.wait_for(r"^EXIT=3$").string
    assert "fxalloc: task(s) exited with exit code 3\nEXIT=3" in screen  # at column 0
    assert "one more ctrl-C" not in screen
