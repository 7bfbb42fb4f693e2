"""A full disk under FX_STATE_DIR: clear errors, nothing recorded is lost, the instance
stays up, service resumes once there is room again; and a write-ahead log that stays
bounded under sustained load.

The full-disk tests mount a small tmpfs (root only) and fill it.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from pathlib import Path

import pytest
from conftest import BIN, stop_instance
from instance_helpers import PrivateInstance

from fluxcli.jobspec.jobid import id_parse

NO_SPACE = "no space left on the device holding FX_STATE_DIR"
DEVICE_SIZE = "48m"

needs_root = pytest.mark.skipif(os.getuid() != 0, reason="mounting a small tmpfs needs root")


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


@pytest.fixture
def small_device(tmp_path):
    """A 48 MiB tmpfs holding the state directory; the instance is stopped, then unmounted."""
    mnt = tmp_path / "device"
    mnt.mkdir()
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DEVICE_SIZE},mode=0700", "tmpfs", str(mnt)],
        capture_output=True,
        text=True,
    )
    if proc.returncode:
        pytest.skip(f"mount -t tmpfs failed: {proc.stderr.strip() or proc.returncode}")
    instance = PrivateInstance(mnt / "state")
    try:
        yield mnt, instance
    finally:
        for fill in mnt.glob("fill*"):  # room to shut down cleanly
            fill.unlink()
        stop_instance(instance.state)
        for _ in range(50):
            if subprocess.run(["umount", str(mnt)], capture_output=True).returncode == 0:
                break
            time.sleep(0.1)  # a job's process may still hold a file there
        else:
            subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def fill(path: Path) -> None:
    """Write ``path`` until the device refuses even one more page (ENOSPC)."""
    with open(path, "ab", buffering=0) as handle:
        for size in (1 << 20, 1 << 12):
            refused = 0
            while refused < 3:  # tmpfs counts pages per CPU: insist a little
                try:
                    handle.write(b"\0" * size)
                except OSError:
                    refused += 1
    assert os.statvfs(path.parent).f_bavail == 0


class Hog(threading.Thread):
    """Another writer on the device: takes any space that is freed, until stopped."""

    def __init__(self, path: Path):
        super().__init__(daemon=True)
        self.path = path
        self.stopping = threading.Event()

    def run(self) -> None:
        with open(self.path, "ab", buffering=0) as handle:
            while not self.stopping.is_set():
                try:
                    handle.write(b"\0" * 4096)
                except OSError:
                    time.sleep(0.002)

    def stop(self) -> None:
        self.stopping.set()
        self.join()


def records(instance: PrivateInstance) -> dict[int, dict]:
    """Every job's record, by id (from ``fxjobs -a --json``)."""
    proc = instance.run("fxjobs", "-a", "-c", "0", "--json", timeout=30)
    assert proc.returncode == 0, proc.stderr
    return {job["id"]: job for job in json.loads(proc.stdout)["jobs"]}


def wait_state(instance: PrivateInstance, jobid: str, state: str, timeout: float = 20) -> str:
    """Wait until the job is in ``state``; return the state it is in."""
    deadline = time.time() + timeout
    while True:
        found = records(instance).get(id_parse(jobid), {}).get("state", "")
        if found == state or time.time() > deadline:
            return found
        time.sleep(0.1)


def eventlog(instance: PrivateInstance, jobid: str) -> list[dict]:
    proc = instance.run("fx", "job", "eventlog", "--format=json", jobid, timeout=30)
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]


@needs_root
def test_a_full_device_is_reported_and_survived(small_device):
    mnt, instance = small_device
    instance.start()
    earlier = {}
    for command in (["echo", "before"], ["sh", "-c", "echo err >&2; exit 3"], ["true"]):
        jobid = instance.run("fxsub", *command).stdout.strip()
        assert jobid
        earlier[jobid] = None
    instance.run("fx", "job", "status", *earlier)
    for jobid in earlier:
        attach = instance.run("fx", "job", "attach", jobid)
        earlier[jobid] = (
            eventlog(instance, jobid),
            attach.stdout,
            attach.stderr,
            attach.returncode,
        )
    assert earlier[next(iter(earlier))][1] == "before\n"
    listing_before = instance.run("fxjobs", "-a").stdout
    # a job that is running when the device fills, and writes output after that
    go = mnt.parent / "go"
    talker = instance.run(
        "fxsub", "sh", "-c", f"while [ ! -e {go} ]; do sleep 0.05; done; seq 1 200000"
    ).stdout.strip()
    assert wait_state(instance, talker, "RUN") == "RUN"
    attached = subprocess.Popen(
        [str(BIN / "fx"), "job", "attach", talker],
        env=instance.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )

    fill(mnt / "fill")
    time.sleep(0.3)  # free space is read at most every 0.1 s
    start = time.monotonic()
    refused = instance.run("fxsub", "true", timeout=30)
    assert time.monotonic() - start < 5
    assert refused.returncode != 0 and refused.stdout == ""
    lines = refused.stderr.splitlines()
    assert len(lines) == 1 and NO_SPACE in lines[0], refused.stderr

    go.touch()
    try:
        _, err = attached.communicate(timeout=30)
    finally:
        if attached.poll() is None:
            attached.kill()
            attached.wait()
    assert attached.returncode != 0 and NO_SPACE in err, err
    status = instance.run("fx", "job", "status", "-v", talker, timeout=30)
    assert status.returncode != 0
    exceptions = [e for e in eventlog(instance, talker) if e["name"] == "exception"]
    assert exceptions and NO_SPACE in exceptions[0]["context"]["note"], exceptions
    assert exceptions[0]["context"]["severity"] == 0
    names = [e["name"] for e in eventlog(instance, talker)]
    assert names[0] == "submit" and names[-1] == "clean"

    assert alive(instance.pid)
    start = time.monotonic()
    listing = instance.run("fxjobs", "-a", timeout=30)
    assert listing.returncode == 0 and time.monotonic() - start < 5
    for line in listing_before.splitlines()[1:]:
        assert line in listing.stdout  # the earlier jobs, as they were
    assert talker in listing.stdout
    for jobid, (log, out, err, code) in earlier.items():
        attach = instance.run("fx", "job", "attach", jobid)
        assert eventlog(instance, jobid) == log
        # the exit message comes where flux job attach puts it (before a replayed
        # job's output, after a live one's): the same lines, byte for byte
        assert (attach.stdout, attach.returncode) == (out, code)
        assert sorted(attach.stderr.splitlines()) == sorted(err.splitlines())

    (mnt / "fill").unlink()
    deadline = time.monotonic() + 5
    while True:
        proc = instance.run("fxrun", "echo", "after", timeout=30)
        if proc.returncode == 0 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert (proc.returncode, proc.stdout) == (0, "after\n"), proc.stderr
    log = instance.log()
    assert NO_SPACE in log
    assert "Traceback" not in log and "Error" not in log, log


def two_jobs_on_a_device_kept_full(mnt: Path, instance) -> tuple[list[Path], list[str], Hog]:
    """Two running jobs that end when their ``go`` file appears; then the device is filled
    and a Hog keeps taking whatever is freed (stop it when done)."""
    instance.start()
    go = [mnt.parent / "go1", mnt.parent / "go2"]
    ids = [
        instance.run("fxsub", "sh", "-c", f"while [ ! -e {g} ]; do sleep 0.05; done").stdout.strip()
        for g in go
    ]
    for jobid in ids:
        assert wait_state(instance, jobid, "RUN") == "RUN"
    fill(mnt / "fill")
    hog = Hog(mnt / "fill2")
    hog.start()
    return go, ids, hog


@needs_root
def test_commits_failing_for_a_while_never_take_the_instance_down(small_device):
    """The device stays full (another writer takes whatever is freed, the reserve too):
    the job manager's writes wait; the instance stays up, idle or not, and they are
    committed once there is room."""
    mnt, instance = small_device
    go, ids, hog = two_jobs_on_a_device_kept_full(mnt, instance)
    try:
        go[0].touch()
        time.sleep(0.5)
        go[1].touch()  # its end is recorded while nothing can be committed
        time.sleep(0.5)
        # while nothing commits: a refusal at once, and reads are answered
        start = time.time()
        refused = instance.run("fxsub", "true", timeout=30)
        assert refused.returncode != 0 and time.time() - start < 5
        assert "no space left on the device holding FX_STATE_DIR" in refused.stderr
        listing = instance.run("fxjobs", "-a", timeout=30)
        assert listing.returncode == 0 and time.time() - start < 10
        time.sleep(3.0)  # the instance is idle now: no job, no client
        assert alive(instance.pid), instance.log()
    finally:
        hog.stop()
    for path in mnt.glob("fill*"):
        path.unlink()
    for jobid in ids:
        assert wait_state(instance, jobid, "INACTIVE", timeout=10) == "INACTIVE"
        names = [e["name"] for e in eventlog(instance, jobid)]
        assert "flux-restart" not in names and names[-1] == "clean", names
    status = instance.run("fx", "job", "status", *ids)
    assert status.returncode == 0, status.stderr
    assert alive(instance.pid)
    assert "Traceback" not in instance.log(), instance.log()


@needs_root
def test_stopping_while_commits_fail(small_device):
    """Stopped while nothing can be committed: the instance shuts down all the same
    (no traceback); the next one, with room again, ends the job it left behind."""
    mnt, instance = small_device
    go, ids, hog = two_jobs_on_a_device_kept_full(mnt, instance)
    try:
        go[0].touch()  # its end takes the reserve
        time.sleep(0.5)
        go[1].touch()  # its end cannot be committed
        time.sleep(0.5)
        assert instance.run("fx", "instance", "stop", timeout=30).returncode == 0
        deadline = time.time() + 10
        while alive(instance.pid) and time.time() < deadline:
            time.sleep(0.05)
        assert not alive(instance.pid)
        # it went through its whole shutdown (a failure would leave the socket behind)
        assert not (instance.state / "local.sock").exists()
    finally:
        hog.stop()
    for path in mnt.glob("fill*"):
        path.unlink()
    assert "Traceback" not in instance.log(), instance.log()
    instance.start()
    for jobid in ids:
        assert wait_state(instance, jobid, "INACTIVE", timeout=10) == "INACTIVE"
        names = [e["name"] for e in eventlog(instance, jobid)]
        assert names[0] == "submit" and names[-1] == "clean" and names.count("clean") == 1, names


@needs_root
def test_a_log_line_the_full_device_refuses_holds_nothing_up(small_device):
    """The instance's log lives on the full device too: a line that cannot be written
    (it needs a new block) must not stop what the instance was doing."""
    mnt, instance = small_device
    instance.start()
    jobid = instance.run("fxsub", "--urgency=hold", "true").stdout.strip()
    assert wait_state(instance, jobid, "SCHED") == "SCHED"
    # the log ends exactly at a page: the next line needs space the device lacks
    log = instance.state / "instance.log"
    with open(log, "a") as handle:
        handle.write("-" * (-os.path.getsize(log) % 4096 - 1 or 4095) + "\n")
    assert os.path.getsize(log) % 4096 == 0
    fill(mnt / "fill")
    # one change to commit (the job stays held), the first commit to fail: the
    # reserve makes room for it
    start = time.monotonic()
    proc = instance.run("fx", "job", "urgency", jobid, "hold", timeout=10)
    assert proc.returncode == 0, proc.stderr
    assert time.monotonic() - start < 5
    assert alive(instance.pid)
    (mnt / "fill").unlink()
    assert instance.run("fx", "job", "urgency", jobid, "default").returncode == 0
    status = instance.run("fx", "job", "status", jobid, timeout=30)
    assert status.returncode == 0, status.stderr
    proc = instance.run("fxrun", "echo", "after", timeout=30)
    assert (proc.returncode, proc.stdout) == (0, "after\n"), proc.stderr
    assert "Traceback" not in instance.log()


@needs_root
def test_labelled_output_to_a_full_device_fails_the_job(small_device, private_instance):
    """The instance writes labelled lines into --output files itself: when the file's
    device is full the job fails saying so; its output is never cut short silently."""
    mnt, _ = small_device  # the state directory is elsewhere, with room
    state, env = private_instance
    fill(mnt / "fill")
    out = mnt / "out"
    proc = subprocess.run(
        [str(BIN / "fxrun"), "-v", "-l", f"--output={out}", "seq", "1", "2000000"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode != 0, "the job's output was cut short, and fxrun exited 0"
    assert "No space left on device" in proc.stderr, proc.stderr
    jobid = proc.stderr.split()[1]
    record = {j["id"]: j for j in json.loads(proc_json(env))["jobs"]}[id_parse(jobid)]
    assert record["result"] == "FAILED" and record["exception"]["type"] == "exec", record
    log = (state / "instance.log").read_text()
    assert "Traceback" not in log and "event loop" not in log, log


def proc_json(env: dict) -> str:
    return subprocess.run(
        [str(BIN / "fxjobs"), "-a", "--json"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=30,
    ).stdout


def test_the_write_ahead_log_stays_bounded_under_sustained_load(private_instance, run):
    state, env = private_instance
    run("fx", "instance", "start", env=env)
    wal = state / "jobs.db-wal"
    sizes = []
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            try:
                sizes.append(wal.stat().st_size)
            except OSError:
                pass
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        proc = run("fxsub", "--cc=1-3000", "--quiet", "--wait", "true", env=env, timeout=600)
    finally:
        done.set()
        watcher.join()
    assert proc.returncode == 0, proc.stderr
    jobs = json.loads(run("fxjobs", "-a", "-c", "0", "--json", env=env).stdout)["jobs"]
    assert [j["result"] for j in jobs].count("COMPLETED") == 3000
    # about 37 KB of log per job: 110 MB unchecked; the manager truncates past 8 MiB
    assert max(sizes) < 32 << 20, f"write-ahead log grew to {max(sizes)} bytes"
    assert len(sizes) > 20
