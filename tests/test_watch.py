"""fxwatch off a terminal: exactly what ``flux watch`` prints (stdout and stderr apart), exit codes."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time

import pytest
from conftest import BIN, MAIN_SEQUENCE, fx

from fluxcli.jobspec import JobID

TIME = r"\d+\.\d{3}s"


def submit(*args: str) -> str:
    proc = fx("fxsub", *args)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def finished(*jobids: str) -> None:
    for jobid in jobids:
        fx("fx", "job", "wait-event", jobid, "clean")


@pytest.fixture(scope="module")
def jobs() -> dict[str, str]:
    """Finished jobs of every kind, submitted once for the module."""
    ids = {
        "since": f"{time.time():.6f}",
        "ok": submit("sh", "-c", "echo out1; echo err1 >&2"),
        "five": submit("sh", "-c", "echo out2; exit 5"),
        "killed": submit("sh", "-c", "kill -9 $$"),
    }
    finished(*(ids[k] for k in ("ok", "five", "killed")))
    return ids


def test_output_copied_stdout_and_stderr_apart(run, jobs):
    proc = run("fxwatch", jobs["ok"])
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "out1\n", "err1\n")


@pytest.mark.parametrize(("kind", "code"), [("five", 5), ("killed", 137)])
def test_exit_code_is_the_jobs(run, jobs, kind, code):
    proc = run("fxwatch", jobs[kind])
    assert proc.returncode == code


def test_many_jobs_worst_status_and_labels(run, jobs):
    proc = run("fxwatch", "-l", jobs["ok"], jobs["five"])
    assert proc.returncode == 5
    assert proc.stdout == f"{jobs['ok']}: 0: out1\n{jobs['five']}: 0: out2\n"
    assert proc.stderr == f"{jobs['ok']}: 0: err1\n"


def test_verbose_final_status_lines(run, jobs):
    proc = run("fxwatch", "-v", jobs["five"], jobs["killed"])
    first, *finals = proc.stderr.splitlines()
    assert first == "fxwatch: Watching 2 jobs"
    expected = {jobs["five"]: "failed: status=1280", jobs["killed"]: "failed: status=35072"}
    assert len(finals) == 2
    for line in finals:
        jobid, when, status = line.split(": ", 2)
        assert re.fullmatch(TIME, when) and expected.pop(jobid) == status


def test_vv_every_main_event_and_exec_events_to_shell_init(run, jobs):
    jobid = jobs["five"]
    proc = run("fxwatch", "-vv", jobid)
    assert proc.stdout == "out2\n"
    lines = proc.stderr.splitlines()
    assert lines[0] == "fxwatch: Watching 1 jobs"
    pattern = re.compile(rf"{jobid}: ({TIME}): (\S+) (.*)")
    parsed = [pattern.fullmatch(line) for line in lines[1:]]
    assert all(parsed), lines
    names = [m.group(2) for m in parsed]
    main = [n for n in names if not n.startswith("exec.")]
    assert main == [*MAIN_SEQUENCE[:7], "failed:", *MAIN_SEQUENCE[7:]]
    assert [n for n in names if n.startswith("exec.")] == [
        "exec.init",
        "exec.starting",
        "exec.shell.init",
    ]
    assert parsed[0].group(1) == "0.000s"
    assert parsed[0].group(3) == (f'{{"flags":0,"urgency":16,"userid":{os.getuid()},"version":1}}')
    assert f"{jobid}: {parsed[1].group(1)}: validate " == lines[2]  # name, a space, no context
    assert lines[names.index("failed:") + 1].endswith(": failed: status=1280")


def test_unknown_ids_warn_and_the_others_are_watched(run, jobs):
    proc = run("fxwatch", "f1111111", jobs["ok"])
    assert (proc.returncode, proc.stdout) == (0, "out1\n")
    assert proc.stderr == "fxwatch: error: JobID f1111111 unknown\nerr1\n"
    proc = run("fxwatch", "f1111111")
    assert proc.returncode == 0
    assert proc.stderr == "fxwatch: error: JobID f1111111 unknown\nfxwatch: No matching jobs\n"


def test_every_jobid_encoding(run, jobs):
    jobid = JobID(jobs["ok"])
    for text in (str(int(jobid)), jobid.hex, jobid.dothex, jobid.words, jobid.f58plain):
        proc = run("fxwatch", text)
        assert (proc.returncode, proc.stdout) == (0, "out1\n"), text


@pytest.mark.parametrize(
    ("args", "code", "last_line"),
    [
        (["notanid"], 2, "fxwatch: error: argument JOBID: invalid JobID value: 'notanid'"),
        ([], 1, "Try 'fxwatch --help' for more information."),
        (["-f", "foo"], 1, "fxwatch: error: Invalid filter specified: foo"),
        (["--since=blah"], 2, "fxwatch: error: --since: invalid value 'blah'"),
        (["--since=+1h"], 2, "fxwatch: error: --since=+1h appears to be in the future"),
    ],
)
def test_bad_selection(run, args, code, last_line):
    proc = run("fxwatch", *args)
    assert (proc.returncode, proc.stdout) == (code, "")
    assert proc.stderr.splitlines()[-1] == last_line
    if args[:1] == ["notanid"]:
        assert proc.stderr.startswith("Usage: fxwatch")
    else:
        assert len(proc.stderr.splitlines()) == (2 if not args else 1)


def test_filters_ignored_with_ids_and_progress_off_a_tty(run, jobs):
    proc = run("fxwatch", "-a", "--progress", jobs["ok"])
    assert (proc.returncode, proc.stdout) == (0, "out1\n")
    assert proc.stderr == (
        "fxwatch: warning: Filtering options ignored with jobid list\n"
        "fxwatch: warning: stdout is not a tty. Ignoring --progress option\n"
        "err1\n"
    )


def test_selection_by_filter_since_and_count(run, jobs):
    proc = run("fxwatch", "-f", "failed", f"--since={jobs['since']}", "-v")
    assert proc.returncode == 137  # the worst of the failed jobs
    watched = {line.split(":")[0] for line in proc.stderr.splitlines()[1:]}
    assert watched == {jobs["five"], jobs["killed"]}
    proc = run("fxwatch", "-A", "-c", "1", "-v")
    assert proc.stderr.startswith("fxwatch: Watching 1 jobs\n")
    proc = run("fxwatch", "-f", "inactive", f"--since={time.time():.6f}")  # none since now
    assert (proc.returncode, proc.stderr) == (0, "fxwatch: No matching jobs\n")


def test_events_and_json_lines_for_scripts(run, jobs):
    jobid = jobs["five"]
    proc = run("fxwatch", "--events", jobid)
    lines = proc.stdout.splitlines()
    assert proc.returncode == 5 and proc.stderr == ""
    assert [line.split()[2] for line in lines] == MAIN_SEQUENCE
    assert re.fullmatch(rf"{jobid} \d+\.\d{{6}} finish status=1280", lines[6])
    proc = run("fxwatch", "--json", jobid)
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [e["name"] for e in events] == MAIN_SEQUENCE
    assert events[6]["context"] == {"status": 1280}
    assert {e["id"] for e in events} == {int(JobID(jobid))}


def test_a_pending_job_is_watched_until_it_ends(run):
    jobid = submit("--urgency=hold", "sh", "-c", "echo released")
    watcher = subprocess.Popen(
        [str(BIN / "fxwatch"), "-v", jobid],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1)
    assert watcher.poll() is None  # still pending
    run("fx", "job", "urgency", jobid, "default")
    out, err = watcher.communicate(timeout=30)
    assert (watcher.returncode, out) == (0, "released\n")
    assert re.fullmatch(rf"fxwatch: Watching 1 jobs\n{jobid}: {TIME}: complete: status=0\n", err)


def test_ctrl_c_stops_watching_and_leaves_the_job(run):
    jobid = submit("sh", "-c", "echo begun; sleep 30")
    watcher = subprocess.Popen(
        [str(BIN / "fxwatch"), jobid],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Ctrl-C as on a terminal: a suite run in the background (nohup, CI) ignores
        # SIGINT, and a program started so keeps ignoring it, as it should
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert watcher.stdout.readline() == "begun\n"
    watcher.send_signal(signal.SIGINT)
    out, err = watcher.communicate(timeout=30)
    assert (watcher.returncode, out, err) == (130, "", "")
    assert " finish" not in run("fx", "job", "eventlog", jobid).stdout
    run("fxcancel", jobid)


def test_live_usage_of_a_running_local_job(run):
    from fluxcli.backends import open_backend

    hog = (
        "x = bytearray(60_000_000)\nimport time\nt = time.time()\nwhile time.time() - t < 30: pass"
    )
    jobid = submit("python3", "-c", hog)
    backend = open_backend()
    try:
        numeric = int(JobID(jobid))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            found = backend.usage([numeric]).get(numeric)
            if found and found.rss > 60_000_000 and found.cputime > 0.5:
                break
            time.sleep(0.2)
        else:
            raise AssertionError(f"no reading of {jobid}: {found}")
        run("fxcancel", jobid)
        finished(jobid)
        assert backend.usage([numeric]) == {}  # nothing left running
    finally:
        run("fxcancel", jobid)
        backend.close()
