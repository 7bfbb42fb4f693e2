"""The local instance itself: durability, concurrency, security, malformed input."""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest
from conftest import BIN, _pid, exited, stop_instance  # noqa: F401

from fluxcli.backends.contract import JobFilter


def _backend(state):
    from fluxcli.backends.local.backend import LocalBackend

    return LocalBackend(f"local://{state}/local.sock")


def test_sigkill_loses_no_job(private_instance, run):
    state, env = private_instance
    proc = run("fxsub", "--cc=1-40", "--quiet", "sh", "-c", "sleep 0.{cc}", env=env)
    assert proc.returncode == 0
    time.sleep(0.5)
    backend = _backend(state)
    before = {j.id for j in backend.list_jobs(JobFilter())}
    assert len(before) == 40
    os.kill(_pid(state), signal.SIGKILL)
    time.sleep(0.2)
    # any command restarts the instance, which adopts the jobs left behind
    assert run("fx", "instance", "start", env=env).returncode == 0
    backend = _backend(state)
    deadline = time.time() + 60
    while time.time() < deadline:
        jobs = backend.list_jobs(JobFilter())
        if all(j.state == "INACTIVE" for j in jobs):
            break
        time.sleep(0.2)
    assert {j.id for j in jobs} == before
    assert all(j.state == "INACTIVE" for j in jobs)
    for job in jobs:
        log = [e.name for e in backend.events([job.id], follow=False)]
        assert log[0] == "submit" and log[-1] == "clean"
        if "flux-restart" in log and job.t_run is not None and "finish" not in log:
            assert "exception" in log
    assert any(j.result == "COMPLETED" for j in jobs)


def test_events_reported_survive_sigkill(private_instance, run):
    state, env = private_instance
    jobid = run("fxsub", "true", env=env).stdout.strip()
    assert run("fx", "job", "status", jobid, env=env).returncode == 0
    seen = run("fx", "job", "eventlog", "--format=json", jobid, env=env).stdout.splitlines()
    os.kill(_pid(state), signal.SIGKILL)
    time.sleep(0.2)
    again = run("fx", "job", "eventlog", "--format=json", jobid, env=env).stdout.splitlines()
    assert again == seen and json.loads(seen[-1])["name"] == "clean"


def test_two_concurrent_submitters(private_instance, run):
    state, env = private_instance
    run("fx", "instance", "start", env=env)
    results = []

    def submit():
        results.append(run("fxsub", "--cc=1-500", "true", env=env, timeout=300))

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [line for proc in results for line in proc.stdout.split()]
    assert all(proc.returncode == 0 for proc in results)
    assert len(ids) == 1000 and len(set(ids)) == 1000
    recorded = _backend(state).list_jobs(JobFilter())
    assert len(recorded) == 1000 and len({j.id for j in recorded}) == 1000


def test_other_uid_is_refused(run):
    import pathlib
    import shutil
    import tempfile

    if os.getuid() != 0:
        pytest.skip("needs root to connect as another user")
    top = pathlib.Path(tempfile.mkdtemp(prefix="fxuid-"))
    os.chmod(top, 0o755)  # pytest's tmp dirs are private; the other user must reach the socket
    state = top / "state"
    env = {"FX_STATE_DIR": str(state)}
    run("fx", "instance", "start", env=env)
    os.chmod(state, 0o755)
    os.chmod(state / "local.sock", 0o777)
    code = (
        "import socket, os; s = socket.socket(socket.AF_UNIX); s.connect(os.environ['SOCK']);"
        's.sendall(b\'{"id":1,"method":"status"}\\n\'); print(s.makefile().readline())'
    )
    # a system interpreter: the test's own may live where the other user cannot go
    python = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
    proc = subprocess.run(
        [python, "-c", code],
        env={"SOCK": str(state / "local.sock")},
        capture_output=True,
        text=True,
        preexec_fn=lambda: (os.setgid(65534), os.setuid(65534)),
        timeout=30,
    )
    try:
        reply = json.loads(proc.stdout)
        assert (
            reply["error"]["errno"] == 1 and "not the instance owner" in reply["error"]["message"]
        )
        os.chmod(state, 0o700)
        assert run("fx", "instance", "status", env=env).returncode == 0
    finally:
        stop_instance(state)
        shutil.rmtree(top, ignore_errors=True)


def test_malformed_requests_get_errors(private_instance, run):
    state, env = private_instance
    run("fx", "instance", "start", env=env)
    sock = socket.socket(socket.AF_UNIX)
    sock.connect(str(state / "local.sock"))
    reader = sock.makefile("rb")

    def ask(raw: bytes) -> dict:
        sock.sendall(raw)
        return json.loads(reader.readline())

    assert "malformed request" in ask(b"not json\n")["error"]["message"]
    assert "malformed request" in ask(b"[1,2]\n")["error"]["message"]
    assert "unknown method" in ask(b'{"id":1,"method":"nope"}\n')["error"]["message"]
    assert ask(b'{"id":2,"method":"submit","params":{"jobspec":42}}\n')["error"]["errno"] == 22
    assert "invalid request" in ask(b'{"id":3,"method":"submit","params":{}}\n')["error"]["message"]
    assert ask(b'{"id":4,"method":"submit","params":{"jobspec":"{}"}}\n')["error"]["errno"] == 22
    assert ask(b'{"id":5,"method":"cancel","params":{"id":"x"}}\n')["error"]["errno"] == 22
    assert (
        ask(b'{"id":6,"method":"watch","params":{"id":1,"log":"../etc"}}\n')["error"]["errno"] == 22
    )
    try:  # the instance answers an oversized request with an error and hangs up
        sock.sendall(b"x" * (17 * 1024 * 1024) + b"\n")
        reply = reader.readline()
        assert reply == b"" or b"too large" in reply
    except (BrokenPipeError, ConnectionResetError):
        pass
    sock.close()
    assert run("fxrun", "true", env=env).returncode == 0  # still serving


def test_jobspec_rejections_are_clear(private_instance, run):
    state, env = private_instance
    proc = run("fxsub", "--urgency=40", "true", env=env)
    assert proc.returncode == 1 and "urgency range is [0:31]" in proc.stderr
    proc = run("fxsub", '--setattr=system.duration="x"', "true", env=env)
    assert proc.returncode == 1 and "duration must be a number" in proc.stderr


def test_idle_exit(tmp_path, run):
    env = {"FX_STATE_DIR": str(tmp_path / "idle"), "FX_IDLE_TIMEOUT": "1"}
    assert run("fxrun", "true", env=env).returncode == 0
    if not exited(_pid(tmp_path / "idle"), 15):
        pytest.fail("instance did not exit when idle")
    assert not (tmp_path / "idle" / "local.sock").exists()


def test_virtual_nodes(tmp_path, run):
    env = {
        "FX_STATE_DIR": str(tmp_path / "vn"),
        "FX_LOCAL_NODES": "2",
        "FX_LOCAL_CORES_PER_NODE": "1",
    }
    try:
        proc = run("fxrun", "-N2", "-x", "--label-io", "sh", "-c", "echo $FLUX_JOB_NNODES", env=env)
        assert proc.returncode == 0 and sorted(proc.stdout.split()) == ["0:", "1:", "2", "2"]
        assert run("fxrun", "-N3", "true", env=env).returncode == 1
    finally:
        stop_instance(tmp_path / "vn")


def test_restart_right_after_stop_and_relative_input(tmp_path, run):
    state = tmp_path / "restart"
    env = {"FX_STATE_DIR": str(state)}
    (tmp_path / "in.txt").write_text("relative\n")
    try:
        for _ in range(3):
            run("fx", "instance", "stop", env=env)
            assert run("fx", "instance", "start", env=env, cwd="/").returncode == 0
            # stdin paths are relative to the job's cwd, not the instance's
            assert (
                run("fxrun", "--input=in.txt", "cat", env=env, cwd=tmp_path).stdout == "relative\n"
            )
        assert run("fx", "instance", "stop", env=env).returncode == 0
        assert "not running" in run("fx", "instance", "stop", env=env).stderr
    finally:
        stop_instance(state)


def test_a_clean_stop_logs_no_error(private_instance, run):
    state, env = private_instance
    assert run("fxrun", "true", env=env).returncode == 0
    assert run("fx", "instance", "stop", env=env).returncode == 0
    log = (state / "instance.log").read_text()
    assert "event loop:" not in log and "Traceback" not in log, log
