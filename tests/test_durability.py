"""Exactly once: an instance killed (SIGKILL) at random moments, over and over, while
jobs are submitted, loses no acknowledged job and runs no job twice."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from conftest import BIN, stop_instance

from fluxcli.backends.contract import JobFilter
from fluxcli.errors import FluxcliError
from fluxcli.jobspec.jobid import id_parse

DAEMON = "fluxcli.backends.local.instance.daemon"


def instance_pid(state: Path) -> int | None:
    """The pid of the instance serving ``state``, if one is alive (zombies are not).

    The pid file may be stale and its number reused: the process must be our
    daemon, for this very state directory, before anything is sent to it.
    """
    try:
        pid = int((state / "instance.lock").read_text().strip())
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            argv = handle.read().split(b"\0")
        with open(f"/proc/{pid}/stat") as handle:
            status = handle.read().rsplit(")", 1)[1].split()[0]
    except (OSError, ValueError):
        return None
    if status in ("Z", "X") or DAEMON.encode() not in argv or str(state).encode() not in argv:
        return None
    return pid


def gone(pid: int, timeout: float) -> bool:
    """Wait for ``pid`` to end (a zombie has ended)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                if handle.read().rsplit(")", 1)[1].split()[0] in ("Z", "X"):
                    return True
        except OSError:
            return True
        time.sleep(0.05)
    return False


def backend(state: Path):
    from fluxcli.backends.local.backend import LocalBackend

    return LocalBackend(f"local://{state}/local.sock")


def wait_all_inactive(state: Path, timeout: float = 60) -> list[dict]:
    deadline = time.time() + timeout
    while True:
        conn = backend(state)
        try:
            jobs = [r.to_dict() for r in conn.list_jobs(JobFilter())]
        finally:
            conn.close()
        if all(j["state"] == "INACTIVE" for j in jobs) or time.time() > deadline:
            return jobs
        time.sleep(0.2)


def eventlog(state: Path, jobid: int) -> list[tuple[int, dict]]:
    conn = backend(state)
    try:
        return [(e.seq, e.to_dict()) for e in conn.events([jobid], follow=False)]
    finally:
        conn.close()


def ids_in(path: Path) -> list[int]:
    """The job ids the jobs wrote (one line each; a torn last line would fail id_parse)."""
    if not path.exists():
        return []
    return [id_parse(line) for line in path.read_text().splitlines()]


def check_clean_eventlog(jobid: int, log: list[tuple[int, dict]]) -> None:
    names = [event["name"] for _, event in log]
    where = f"job {jobid}: {names}"
    assert [seq for seq, _ in log] == list(range(len(log))), where
    assert names[0] == "submit" and names[-1] == "clean", where
    assert names.count("submit") == 1 and names.count("clean") == 1, where
    assert names.count("alloc") <= 1 and names.count("start") <= 1, where
    if "alloc" in names and "finish" not in names:
        # it may have run, but nobody saw it end: never run again, end with an exception
        assert "flux-restart" in names, where
        fatal = [e for _, e in log if e["name"] == "exception" and e["context"]["severity"] == 0]
        assert fatal, where


def test_random_sigkills_lose_no_acknowledged_job_and_run_none_twice(tmp_path, monkeypatch):
    state = tmp_path / "state"
    ran = tmp_path / "ran"
    env = {**os.environ, "FX_STATE_DIR": str(state)}
    monkeypatch.setenv("FX_STATE_DIR", str(state))  # the Python API submitter's instance
    command = ["sh", "-c", f"echo $FLUX_JOB_ID >> {ran}"]
    acknowledged: list[int] = []
    failures = {"cli": 0, "api": 0}
    stop = threading.Event()
    lock = threading.Lock()

    def cli_submitter() -> None:
        while not stop.is_set():
            # one job: submitted again only while no submission of it was acknowledged
            while not stop.is_set():
                proc = subprocess.run(
                    [str(BIN / "fxsub"), *command],
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=60,
                    stdin=subprocess.DEVNULL,
                )
                text = proc.stdout.strip()
                if text:  # an id printed is an acknowledgement, whatever happened next
                    with lock:
                        acknowledged.append(id_parse(text))
                    break
                failures["cli"] += 1

    def api_submitter() -> None:
        import fluxcli
        from fluxcli.job import JobspecV1, submit

        jobspec = JobspecV1.from_command(command)
        while not stop.is_set():
            while not stop.is_set():
                try:
                    with fluxcli.open() as handle:
                        jobid = submit(handle, jobspec)
                except (OSError, FluxcliError):  # the instance died: not acknowledged
                    failures["api"] += 1
                    time.sleep(0.02)
                    continue
                with lock:
                    acknowledged.append(int(jobid))
                break

    crashed: list[BaseException] = []

    def guarded(func):
        def target() -> None:
            try:
                func()
            except BaseException as exc:  # a submitter that gives up fails the test
                crashed.append(exc)

        return target

    threads = [threading.Thread(target=guarded(f)) for f in (cli_submitter, api_submitter)]
    try:
        kills = 0
        subprocess.run([str(BIN / "fx"), "instance", "start"], env=env, check=True, timeout=60)
        try:
            for thread in threads:
                thread.start()
            rng = random.Random()
            deadline = time.time() + 40
            while kills < 10 and time.time() < deadline:
                time.sleep(rng.uniform(0.1, 0.8))
                pid = instance_pid(state)
                if pid is not None:
                    os.kill(pid, signal.SIGKILL)
                    kills += 1
        finally:
            stop.set()
            for thread in threads:
                if thread.ident is not None:  # started
                    thread.join(timeout=120)
        assert not crashed, crashed
        assert kills >= 8, f"the instance was up for only {kills} of the kills"
        # the next command restarts the instance, which adopts what was left active
        subprocess.run([str(BIN / "fx"), "instance", "start"], env=env, check=True, timeout=60)
        jobs = wait_all_inactive(state)
        records = {j["id"]: j for j in jobs}
        assert acknowledged, "no submission was ever acknowledged"
        assert failures["cli"] + failures["api"] > 0, "no submission ever met a dead instance"
        missing = [j for j in acknowledged if j not in records]
        assert not missing, f"acknowledged but lost: {missing}"
        assert len(set(acknowledged)) == len(acknowledged), "one id acknowledged twice"
        active = [j for j in jobs if j["state"] != "INACTIVE"]
        assert not active, active
        for jobid in records:
            check_clean_eventlog(jobid, eventlog(state, jobid))
        time.sleep(0.5)  # a job started twice would write again now
        runs = Counter(ids_in(ran))
        twice = [j for j, n in runs.items() if n > 1]
        assert not twice, f"ran more than once: {twice}"
        assert set(runs) <= set(records), "a job ran that the instance has no record of"
        for jobid, record in records.items():
            if record["result"] == "COMPLETED":
                assert jobid in runs, f"job {jobid} COMPLETED without running"
        completed = [j for j in acknowledged if records[j]["result"] == "COMPLETED"]
        assert len(completed) > len(acknowledged) // 2, "hardly any job completed"
    finally:
        stop_instance(state)


class Watch(threading.Thread):
    """A raw watch of a job's eventlog: ``ready`` once its history is in, ``seen`` once
    event ``name`` (committed, so durable) arrives."""

    def __init__(self, sock_path: str, jobid: int, name: str):
        super().__init__(daemon=True)
        import socket

        self.name_wanted = name
        self.ready = threading.Event()
        self.seen = threading.Event()
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(sock_path)
        request = {"id": 1, "method": "watch", "params": {"id": jobid, "log": "eventlog"}}
        self.sock.sendall(json.dumps(request).encode() + b"\n")

    def run(self) -> None:
        with self.sock, self.sock.makefile("rb") as reader:
            for line in reader:
                message = json.loads(line)
                name = message.get("event", {}).get("name")
                if name == "priority":  # the last event of a held job's history
                    self.ready.set()
                if name == self.name_wanted:
                    self.seen.set()
                    return
                if message.get("end") or "error" in message:
                    return


@pytest.mark.parametrize("moment", ["alloc", "running"])
def test_a_job_killed_before_its_end_was_seen_never_runs_again(private_instance, run, moment):
    """RUN committed, then the instance killed: on restart the job ends with an exception.

    ``alloc``: killed the moment the decision to run is committed (the command
    may or may not have started); ``running``: killed while the command runs.
    """
    state, env = private_instance
    ran = state.parent / "ran"
    pidfile = state.parent / "pid"
    script = f"echo $$ > {pidfile}; echo $FLUX_JOB_ID >> {ran}; exec sleep 30"
    text = run("fxsub", "--urgency=hold", "sh", "-c", script, env=env).stdout.strip()
    assert text
    jobid = id_parse(text)
    pid = instance_pid(state)
    assert pid is not None
    if moment == "alloc":
        watch = Watch(str(state / "local.sock"), jobid, "alloc")
        watch.start()
        assert watch.ready.wait(30)  # following the job before it may start
        assert run("fx", "job", "urgency", text, "default", env=env).returncode == 0
        assert watch.seen.wait(30)
    else:
        assert run("fx", "job", "urgency", text, "default", env=env).returncode == 0
        deadline = time.time() + 30
        while jobid not in ids_in(ran) and time.time() < deadline:
            time.sleep(0.02)
        assert jobid in ids_in(ran)
    os.kill(pid, signal.SIGKILL)
    if moment == "running":  # the command dies with the instance that ran it
        assert gone(int(pidfile.read_text()), 10), "the job's command outlived its instance"
    assert run("fx", "instance", "start", env=env).returncode == 0
    record = {j["id"]: j for j in wait_all_inactive(state, 30)}[jobid]
    assert record["state"] == "INACTIVE" and record["result"] == "FAILED", record
    assert record["exception_type"] == "exec"
    assert "running when the instance stopped" in record["exception_note"]
    log = eventlog(state, jobid)
    check_clean_eventlog(jobid, log)
    names = [e["name"] for _, e in log]
    assert names.index("flux-restart") > names.index("alloc")
    assert "finish" not in names
    time.sleep(1.0)  # a second run would show up here
    assert ids_in(ran).count(jobid) == 1 if moment == "running" else ids_in(ran).count(jobid) <= 1
