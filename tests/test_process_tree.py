"""A job owns its whole process tree: its tasks hang off a job shell of their own, and
cancel, time limits and the end of the job kill everything the job started."""

import os
import signal
import time

import pytest
from conftest import _pid, stop_instance


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_gone(pids: list[int], timeout: float = 10) -> list[int]:
    """Wait for every pid to end; return those still alive."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        left = [p for p in pids if alive(p)]
        if not left:
            return []
        time.sleep(0.05)
    return [p for p in pids if alive(p)]


def read_pids(path, count: int, timeout: float = 20) -> list[int]:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if path.exists():
            pids = [int(p) for p in path.read_text().split()]
            if len(pids) >= count:
                return pids
        time.sleep(0.05)
    raise AssertionError(f"{path} never listed {count} pids")


def test_killing_the_tasks_parent_ends_only_that_job(private_instance, run):
    state, env = private_instance
    other = run("fxsub", "sleep", "30", env=env).stdout.strip()
    instance = _pid(state)
    proc = run("fxrun", "sh", "-c", "kill -9 $PPID; sleep 30", env=env, timeout=60)
    assert proc.returncode == 137
    assert alive(instance), "the instance died with the job"
    assert run("fx", "job", "status", "--help", env=env).returncode == 0
    listing = run("fxjobs", env=env).stdout
    assert other in listing  # the other job still runs
    run("fxcancel", other, env=env)


def test_sigquit_to_the_shell_reaches_the_tasks(run):
    proc = run("fxrun", "sh", "-c", "kill -QUIT $PPID; sleep 30", timeout=60)
    assert proc.returncode == 131


def test_a_child_holding_stdout_does_not_keep_the_job_running(run, tmp_path):
    pidfile = tmp_path / "bg"
    start = time.time()
    proc = run("fxrun", "sh", "-c", f"sleep 1000 & echo $! > {pidfile}; echo x", timeout=60)
    assert proc.returncode == 0 and proc.stdout == "x\n"
    assert time.time() - start < 20
    assert wait_gone(read_pids(pidfile, 1)) == []


@pytest.mark.parametrize("how", ["cancel", "timeout"])
def test_escaped_and_daemonized_children_die_with_the_job(run, tmp_path, how):
    pidfile = tmp_path / "pids"
    # a setsid child (new session and process group) and a double-forked daemon
    script = (
        f"setsid sh -c 'echo $$ >> {pidfile}; exec sleep 1000' & "
        f"sh -c '(sleep 1000 & echo $! >> {pidfile}) &' ; "
        f"echo $$ >> {pidfile}; sleep 1000"
    )
    args = ["fxsub", *(["-t", "2s"] if how == "timeout" else []), "sh", "-c", script]
    jobid = run(*args).stdout.strip()
    pids = read_pids(pidfile, 3)
    assert all(alive(p) for p in pids)
    if how == "cancel":
        assert run("fxcancel", jobid).returncode == 0
    status = run("fx", "job", "status", jobid, timeout=60)
    assert status.returncode != 0
    assert wait_gone(pids) == []
    info = run("fxjobs", "-a", "--json").stdout
    assert jobid.lstrip("ƒf") and '"INACTIVE"' in info


def test_a_job_that_ends_takes_its_daemons_along(run, tmp_path):
    pidfile = tmp_path / "daemon"
    proc = run("fxrun", "sh", "-c", f"(setsid sleep 1000 & echo $! > {pidfile}) & wait")
    assert proc.returncode == 0
    assert wait_gone(read_pids(pidfile, 1)) == []


def test_the_python_shell_behaves_the_same(tmp_path, run):
    """Where no C compiler is found the launcher forks Python shells: same behaviour."""
    state = tmp_path / "state"
    env = {"FX_STATE_DIR": str(state), "FX_JOBSHELL": "python"}
    try:
        assert run("fxrun", "sh", "-c", "kill -QUIT $PPID; sleep 30", env=env).returncode == 131
        pidfile = tmp_path / "bg"
        proc = run("fxrun", "sh", "-c", f"setsid sleep 1000 & echo $! > {pidfile}", env=env)
        assert proc.returncode == 0
        assert wait_gone(read_pids(pidfile, 1)) == []
        assert run("fxrun", "sh", "-c", "kill -9 $PPID; sleep 30", env=env).returncode == 137
        proc = run("fxrun", "-n2", "--label-io", "echo", "hi", env=env)
        assert sorted(proc.stdout.splitlines()) == ["0: hi", "1: hi"]
        assert run("fxrun", "nosuchcommand", env=env).returncode == 127
    finally:
        stop_instance(state)


def test_killing_the_launcher_fails_running_jobs_cleanly(private_instance, run, tmp_path):
    state, env = private_instance
    pidfile = tmp_path / "task"
    jobid = run("fxsub", "sh", "-c", f"echo $$ > {pidfile}; sleep 1000", env=env).stdout.strip()
    task = read_pids(pidfile, 1)[0]
    shell = int(open(f"/proc/{task}/stat").read().rsplit(")", 1)[1].split()[1])
    launcher = int(open(f"/proc/{shell}/stat").read().rsplit(")", 1)[1].split()[1])
    os.kill(launcher, signal.SIGKILL)
    status = run("fx", "job", "status", jobid, env=env, timeout=60)
    assert status.returncode != 0
    assert wait_gone([task]) == []
    assert run("fxrun", "echo", "again", env=env).stdout == "again\n"
