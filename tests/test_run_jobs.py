"""Real jobs through the commands on the embedded local instance."""

import json
import os
import re
import time

import pytest
from conftest import MAIN_SEQUENCE

NCORES = len(os.sched_getaffinity(0))


def events(run, jobid, path="eventlog"):
    out = run("fx", "job", "eventlog", "--format=json", "-p", path, jobid).stdout
    return [json.loads(line) for line in out.splitlines()]


def names(run, jobid, path="eventlog"):
    return [e["name"] for e in events(run, jobid, path)]


def test_fxrun_runs_tasks(run):
    proc = run(
        "fxrun", "-n2", "--label-io", "sh", "-c", "echo rank=$FLUX_TASK_RANK size=$FLUX_JOB_SIZE"
    )
    assert proc.returncode == 0
    assert sorted(proc.stdout.splitlines()) == ["0: rank=0 size=2", "1: rank=1 size=2"]


@pytest.mark.parametrize(
    "command,code,message",
    [
        (["sh", "-c", "exit 42"], 42, "task(s) exited with exit code 42"),
        (["sh", "-c", "kill -9 $$"], 137, "task(s) Killed"),
        (["sh", "-c", "kill -15 $$"], 143, "task(s) Terminated"),
        (["/no/such/cmd"], 127, "start failed: /no/such/cmd: No such file or directory"),
    ],
)
def test_fxrun_exit_status(run, command, code, message):
    proc = run("fxrun", *command)
    assert proc.returncode == code and message in proc.stderr


def test_job_eventlogs_follow_rfc21(run):
    jobid = run("fxsub", "-n2", "sh", "-c", "exit 2").stdout.strip()
    assert run("fx", "job", "status", jobid).returncode == 2
    log = events(run, jobid)
    assert [e["name"] for e in log] == MAIN_SEQUENCE
    assert log[0]["context"] == {"userid": os.getuid(), "urgency": 16, "flags": 0, "version": 1}
    assert log[6]["context"] == {"status": 512}
    assert log[7]["context"] == {"ranks": "all", "final": True}
    assert re.fullmatch(
        r"rank0/core(\d|\[\d+-\d+\])", log[4]["context"]["annotations"]["sched"]["resource_summary"]
    )
    exec_log = names(run, jobid, "exec")
    assert exec_log[:4] == ["init", "starting", "shell.init", "shell.start"]
    assert (
        exec_log[-3:] == ["shell-exit", "complete", "done"]
        and exec_log.count("shell.task-exit") == 2
    )


def test_task_environment_and_files(run, tmp_cwd):
    proc = run(
        "fxrun",
        "--env=-*",
        "--env=PATH",
        "--env=KEEP=yes",
        "--env=TMPL={{tmpdir}}/x",
        "--add-file=data.txt=hello\\n",
        "sh",
        "-c",
        'echo $KEEP $FLUX_JOB_NNODES $FLUX_TASK_LOCAL_ID; test "$TMPL" = "$FLUX_JOB_TMPDIR/x" && cat $FLUX_JOB_TMPDIR/data.txt; echo $FLUX_JOB_ID; pwd',
        cwd=tmp_cwd,
    )
    lines = proc.stdout.splitlines()
    assert lines[:2] == ["yes 1 0", "hello"]
    assert lines[2].startswith(("ƒ", "f")) and lines[3] == str(tmp_cwd)


def test_rlimits_and_affinity(run):
    proc = run("fxrun", "--rlimit=nofile=123", "-c1", "sh", "-c", "ulimit -n; nproc")
    assert proc.stdout.split() == ["123", "1"]


def test_output_files_and_templates(run, tmp_cwd):
    jobid = run(
        "fxsub",
        "-n2",
        "--output=out-{{id}}.txt",
        "--error=err.txt",
        "sh",
        "-c",
        "echo o$FLUX_TASK_RANK; echo e >&2",
        cwd=tmp_cwd,
    ).stdout.strip()
    assert run("fx", "job", "status", jobid).returncode == 0
    assert sorted((tmp_cwd / f"out-{jobid}.txt").read_text().split()) == ["o0", "o1"]
    assert (tmp_cwd / "err.txt").read_text().split() == ["e", "e"]
    jobid = run(
        "fxsub", "-n2", "--label-io", "--output=task{{task.rank}}.log", "echo", "hi", cwd=tmp_cwd
    ).stdout.strip()
    run("fx", "job", "status", jobid)
    assert (tmp_cwd / "task0.log").read_text() == "0: hi\n" and (
        tmp_cwd / "task1.log"
    ).read_text() == "1: hi\n"


def test_stdin_forwarding(run):
    assert run("fxrun", "cat", input="hello\n").stdout == "hello\n"
    proc = run("fxrun", "-n2", "--label-io", "--input=0", "cat", input="a\nb\n")
    assert proc.stdout == "0: a\n0: b\n"


def test_time_limit_and_signal(run):
    proc = run("fxrun", "-t", "1s", "sleep", "30")
    assert (
        proc.returncode == 142
        and "type=timeout" in proc.stderr
        and "resource allocation expired" in proc.stderr
    )
    proc = run("fxrun", "-t", "2s", "--signal=USR1@1s", "sleep", "30")
    assert proc.returncode == 138


def test_cancel_running_and_pending(run, handle):
    from fluxcli.job import result

    running = run("fxsub", "sleep", "60").stdout.strip()
    held = run("fxsub", "--urgency=hold", "true").stdout.strip()
    for _ in range(100):
        if "start" in names(run, running):
            break
        time.sleep(0.05)
    assert run("fxcancel", running, held).returncode == 0
    assert run("fx", "job", "status", running).returncode == 143
    info = result(handle, running)
    assert info.result == "CANCELED" and info.returncode == -15 or info.returncode == 143
    held_info = result(handle, held)
    assert held_info.result == "CANCELED" and held_info.returncode == -128
    assert run("fxcancel", running).returncode == 1


def test_hold_and_release(run):
    jobid = run("fxsub", "--urgency=hold", "true").stdout.strip()
    time.sleep(0.3)
    assert names(run, jobid)[-1] == "priority"
    assert run("fx", "job", "urgency", jobid, "default").returncode == 0
    assert run("fx", "job", "status", jobid).returncode == 0
    log = events(run, jobid)
    prio = [(e["name"], e.get("context")) for e in log if e["name"] in ("priority", "urgency")]
    assert prio == [
        ("priority", {"priority": 0}),
        ("urgency", {"userid": os.getuid(), "urgency": 16}),
        ("priority", {"priority": 16}),
    ]


def test_unsatisfiable_request(run):
    proc = run("fxrun", f"-n{NCORES * 32}", "true")
    assert proc.returncode == 1
    assert (
        f"unsatisfiable request: need {NCORES * 32} slot(s) of 1 core(s), only {NCORES} such slot(s) available"
        in proc.stderr
    )


def test_dependencies(run):
    ok = run("fxsub", "true").stdout.strip()
    bad = run("fxsub", "false").stdout.strip()
    assert run("fx", "job", "status", ok, bad).returncode == 1
    after_ok = run("fxsub", f"--dependency=afterok:{ok}", "true").stdout.strip()
    assert run("fx", "job", "status", after_ok).returncode == 0
    proc = run("fxsub", f"--dependency=afterok:{bad}", "true")
    assert (
        proc.returncode == 1
        and f"dependency: afterok: job {bad} failed or was canceled" in proc.stderr
    )
    not_ok = run("fxsub", f"--dependency=afternotok:{bad}", "true").stdout.strip()
    assert run("fx", "job", "status", not_ok).returncode == 0
    first = run("fxsub", "sleep", "0.5").stdout.strip()
    second = run("fxsub", f"--dependency=afterany:{first}", "true").stdout.strip()
    assert run("fx", "job", "status", second).returncode == 0
    log = events(run, second)
    assert (
        log[1]["name"] == "dependency-add"
        and log[1]["context"]["description"] == f"after-finish={first}"
    )
    assert "dependency-remove" in [e["name"] for e in log]
    for uri, message in [
        ("afterok:1234", "job not found"),
        ("afterok:bar", '"bar" is not a valid jobid'),
        ("foo:1", 'dependency scheme "foo" not supported'),
    ]:
        proc = run("fxsub", f"--dependency={uri}", "true")
        assert proc.returncode == 1 and message in proc.stderr


def test_begin_time_and_singleton(run):
    jobid = run("fxsub", "--begin-time=+1s", "true").stdout.strip()
    t0 = time.time()
    assert run("fx", "job", "status", jobid).returncode == 0
    assert time.time() - t0 > 0.5
    log = events(run, jobid)
    assert log[1]["name"] == "dependency-add" and log[1]["context"]["description"].startswith(
        "begin-time="
    )
    out = run(
        "fxsub",
        "--cc=1-3",
        "--job-name=single",
        "--dependency=singleton",
        "--watch",
        "--quiet",
        "sh",
        "-c",
        "echo {cc}; sleep 0.2",
    ).stdout
    assert out.split() == ["1", "2", "3"]
    proc = run("fxsub", "--dependency=singleton", "--setattr=job.name=", "true")
    assert proc.returncode in (0, 1)


def test_backfill_uses_time_limits(run):
    if NCORES < 2:
        pytest.skip("needs two cores")
    blocker = run("fxsub", "-n1", "-t", "20s", "sleep", "2").stdout.strip()
    time.sleep(0.3)
    head = run("fxsub", f"-n{NCORES}", "true").stdout.strip()
    short = run("fxsub", "-n1", "-t", "1s", "true").stdout.strip()
    unlimited = run("fxsub", "-n1", "true").stdout.strip()
    assert run("fx", "job", "status", blocker, head, short, unlimited).returncode == 0

    def start(jobid):
        return next(e["timestamp"] for e in events(run, jobid) if e["name"] == "start")

    assert start(short) < start(head) < start(unlimited)


def test_fxsub_cc_wait_watch(run):
    proc = run("fxsub", "--cc=1-3", "--watch", "-l", "sh", "-c", "echo cc=$FLUX_JOB_CC; exit {cc}")
    assert proc.returncode == 3
    lines = proc.stdout.splitlines()
    assert len([line for line in lines if line.startswith(("ƒ", "f")) and ": 0: cc=" in line]) == 3
    proc = run("fxsub", "--bcc=1-2", "--wait", "--quiet", "sh", "-c", 'test -z "$FLUX_JOB_CC"')
    assert proc.returncode == 0 and proc.stdout == ""
    proc = run("fxsub", "-vv", "--wait", "true")
    assert re.search(r": \d+\.\d{3}s: start", proc.stderr) and "complete: status=0" in proc.stderr


def test_fxsub_log_files(run, tmp_cwd):
    proc = run("fxsub", "--cc=1-2", "--log=job{cc}.id", "true", cwd=tmp_cwd)
    assert proc.stdout == "" and all((tmp_cwd / f"job{i}.id").read_text().strip() for i in (1, 2))


def test_bulksubmit_wait_exit_code(run):
    assert (
        run("fxbulksubmit", "--wait", "sh", "-c", "kill -{} $$", ":::", "0", "0", "15").returncode
        == 143
    )
    proc = run("fxbulksubmit", "--watch", "echo", "{}", ":::", "foo", "bar")
    assert sorted(line for line in proc.stdout.splitlines() if line in ("foo", "bar")) == [
        "bar",
        "foo",
    ]


def test_fxbatch_runs_in_nested_instance(run, tmp_cwd):
    script = tmp_cwd / "job.sh"
    script.write_text(
        "#!/bin/sh\n#FLUX: -n1\n#FLUX: --job-name=nested\n"
        "echo uri=$FX_URI\nfxrun -n1 hostname\nfxrun -n2 true 2>&1 || echo n2 refused\n"
    )
    jobid = run("fxbatch", str(script), cwd=tmp_cwd).stdout.strip()
    assert run("fx", "job", "status", jobid).returncode == 0
    out = (tmp_cwd / f"flux-{jobid}.out").read_text()
    import socket

    assert (
        "uri=local://" in out and socket.gethostname() in out.splitlines() and "n2 refused" in out
    )
    assert "unsatisfiable request: need 2 slot(s)" in out
    assert "memo" in names(run, jobid)


def test_fxalloc_command_and_bg(run):
    proc = run("fxalloc", "-n1", "sh", "-c", "fxrun hostname && exit 7")
    assert proc.returncode == 7 and proc.stdout.strip()
    proc = run("fxalloc", "-n1", "--bg")
    assert proc.returncode == 0
    jobid = proc.stdout.strip()
    memo = next(e for e in events(run, jobid) if e["name"] == "memo")
    inner = run("fxrun", "echo", "inside", env={"FX_URI": memo["context"]["uri"]})
    assert inner.stdout == "inside\n"
    assert run("fxcancel", jobid).returncode == 0
    assert run("fx", "job", "status", jobid).returncode != 0


def test_fxjobs_and_fxwatch(run):
    jobid = run("fxsub", "echo", "watched").stdout.strip()
    proc = run("fxwatch", jobid)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "watched\n", "")
    proc = run("fxwatch", "-vv", jobid)
    lines = proc.stderr.splitlines()
    assert lines[0] == "fxwatch: Watching 1 jobs"
    assert re.fullmatch(rf"{jobid}: \d+\.\d{{3}}s: submit \{{.*\}}", lines[1])
    finish = next(i for i, line in enumerate(lines) if " finish " in line)
    assert re.fullmatch(rf"{jobid}: \d+\.\d{{3}}s: complete: status=0", lines[finish + 1])
    main = [line for line in lines if ": exec." not in line]  # exec lines: init to shell.init
    assert re.fullmatch(rf"{jobid}: \d+\.\d{{3}}s: clean ", main[-1])
    listing = run("fxjobs", "-a", "--count", "5").stdout
    assert listing.split()[0] == "JOBID" and jobid in listing
    from fluxcli.jobspec import JobID

    assert int(JobID(jobid)) in [
        j["id"] for j in json.loads(run("fxjobs", "-a", "--json").stdout)["jobs"]
    ]


def test_instance_status(run):
    info = json.loads(run("fx", "instance", "status", "--json").stdout)
    assert info["running"] and info["pid"] > 0 and info["uri"].startswith("local://")
    assert sum(len(n["cores"]) for n in info["resources"]) == NCORES


def test_fxrun_ctrl_c_warns_then_cancels():
    """As flux job attach: the first Ctrl-C reaches nothing, a second within 2 s cancels."""
    import signal as sig
    import subprocess

    from conftest import BIN

    proc = subprocess.Popen(
        [
            str(BIN / "fxrun"),
            "sh",
            "-c",
            "trap 'echo got INT' INT; trap 'echo got USR1' USR1; echo ready; exec 2>/dev/null;"
            " while :; do sleep 0.1; done",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout.readline() == "ready\n"  # the job runs: signals now reach it
    proc.send_signal(sig.SIGUSR1)  # forwarded
    assert proc.stdout.readline() == "got USR1\n"
    proc.send_signal(sig.SIGINT)  # once: a warning, nothing sent to the job
    warning = "fxrun: one more ctrl-C within 2s to cancel or ctrl-Z to detach\n"
    assert proc.stderr.readline() == warning
    proc.send_signal(sig.SIGINT)  # twice within 2 s: cancel
    out, err = proc.communicate(timeout=60)
    assert "got INT" not in out and proc.returncode == 143
    assert re.fullmatch(
        r"\d+\.\d{3}s: job\.exception \S+ type=cancel severity=0 interrupted by ctrl-C\n"
        r"fxrun: task\(s\) Terminated\n",
        err,
    )


def test_gpus_are_scheduled_and_exported(tmp_path, run):
    from test_instance import stop_instance

    state = tmp_path / "gpu"
    env = {"FX_STATE_DIR": str(state), "FX_LOCAL_GPUS": "0,1"}
    try:
        proc = run(
            "fxrun", "-n2", "-g1", "--label-io", "sh", "-c", "echo $CUDA_VISIBLE_DEVICES", env=env
        )
        # as Flux's default gpu-affinity: tasks see the GPUs allocated on their node
        assert sorted(proc.stdout.split()) == ["0,1", "0,1", "0:", "1:"]
        assert (
            run("fxrun", "-g1", "sh", "-c", "echo $CUDA_VISIBLE_DEVICES", env=env).stdout == "0\n"
        )
        assert run("fxrun", "-g3", "true", env=env).returncode == 1
    finally:
        stop_instance(state)


def test_progress_needs_a_tty(run):
    proc = run("fxsub", "--progress", "--wait", "true")
    assert proc.returncode == 0 and "stdout is not a tty. Ignoring --progress option" in proc.stderr


def test_pty_shell_option(run):
    proc = run("fxrun", "-o", "pty", "sh", "-c", "test -t 0 && test -t 1 && echo on a tty")
    assert proc.returncode == 0 and "on a tty" in proc.stdout
    proc = run(
        "fxalloc",
        "-n1",
        "-o",
        "pty.interactive",
        "sh",
        "-c",
        "read line; echo got $line",
        input="hi\n",
    )
    assert "got hi" in proc.stdout


def test_progress_bar_on_a_terminal(run):
    import shutil
    import subprocess

    from conftest import BIN

    if not shutil.which("script"):
        pytest.skip("script(1) is needed to give the command a terminal")
    command = f"{BIN}/fxsub --progress --jps --wait --cc=1-3 --quiet true"
    out = subprocess.run(
        ["script", "-qc", command, "/dev/null"], capture_output=True, text=True, timeout=60
    ).stdout
    assert "PD:0   R:0   CD:3   F:0" in out and "100.0%" in out and "job/s" in out


def test_stdin_from_file_and_unbuffered(run, tmp_cwd):
    (tmp_cwd / "in.txt").write_text("from a file\n")
    proc = run("fxrun", "--input=in.txt", "-u", "cat", cwd=tmp_cwd)
    assert proc.returncode == 0 and proc.stdout == "from a file\n"


def test_fxrun_ctrl_c_then_ctrl_z_detaches(run):
    import signal as sig
    import subprocess

    from conftest import BIN

    proc = subprocess.Popen(
        [str(BIN / "fxrun"), "-v", "sh", "-c", "echo ready; sleep 30"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    jobid = proc.stderr.readline().removeprefix("jobid: ").strip()
    assert proc.stdout.readline() == "ready\n"
    proc.send_signal(sig.SIGINT)
    assert proc.stderr.readline().startswith("fxrun: one more ctrl-C within 2s")
    proc.send_signal(sig.SIGTSTP)
    out, err = proc.communicate(timeout=30)
    # as flux job attach: a detach is not a success (exit 1); the job runs on
    assert (proc.returncode, err) == (1, "fxrun: detaching...\n")
    assert names(run, jobid)[-1] == "start"
    run("fxcancel", jobid)
