"""The instance's memory stays bounded whatever its clients do (or fail to do).

Each test starts a private instance and reads its resident set size (VmRSS)
from /proc while clients that stop reading, idle connections and replays of
large outputs come and go.
"""

from __future__ import annotations

import resource
import socket
import subprocess
import threading
import time

import pytest
from instance_helpers import PrivateInstance, RawClient

MB = 1024  # VmRSS is in KiB
EAGAIN = 11


class RssWatch:
    """Samples an instance's RSS in the background; ``peak`` is the highest seen."""

    def __init__(self, instance: PrivateInstance):
        self.instance = instance
        self.peak = instance.rss_kb()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, self.instance.rss_kb())
            time.sleep(0.02)

    def close(self) -> int:
        self.stop.set()
        self.thread.join()
        return self.peak


@pytest.fixture
def instance(tmp_path):
    inst = PrivateInstance(tmp_path / "state")
    yield inst
    inst.stop()


def _jobid(text: str) -> int:
    from fluxcli.jobspec.jobid import JobID

    return int(JobID(text.strip()))


def _wait_inactive(instance: PrivateInstance, jobid: int, timeout: float = 120) -> None:
    client = instance.connect()
    try:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if client.call("info", id=jobid)["result"]["state"] == "INACTIVE":
                return
            time.sleep(0.1)
        raise AssertionError("job did not finish")
    finally:
        client.close()


def _nonreading_watch(instance: PrivateInstance, jobid: int) -> socket.socket:
    """A client that asks for a job's output and then never reads."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(instance.sock_path)
    sock.sendall(b'{"id":1,"method":"watch","params":{"id":%d,"log":"output"}}\n' % jobid)
    return sock


def test_client_that_stops_reading(instance):
    instance.start()
    time.sleep(0.5)
    baseline = instance.rss_kb()
    # 100 MB of output; the job waits for its watcher to be in place first
    script = "sleep 1; head -c 100000000 /dev/zero | tr '\\0' x | fold -w 1000"
    jobid = _jobid(instance.run("fxsub", "sh", "-c", script).stdout)
    stuck = _nonreading_watch(instance, jobid)
    watch = RssWatch(instance)
    other = instance.connect()
    slowest = 0.0
    try:
        while True:
            t0 = time.perf_counter()
            state = other.call("info", id=jobid)["result"]["state"]
            slowest = max(slowest, time.perf_counter() - t0)
            if state == "INACTIVE":
                break
            time.sleep(0.05)
        t0 = time.perf_counter()
        proc = instance.run("fxjobs", "-a")
        fxjobs_time = time.perf_counter() - t0
    finally:
        peak = watch.close()
        other.close()
    assert proc.returncode == 0 and str(proc.stdout).count("\n") >= 2
    assert slowest < 1.0, f"another client waited {slowest:.2f}s for an answer"
    assert fxjobs_time < 10
    growth = (peak - baseline) / MB
    assert growth < 40, f"RSS grew by {growth:.0f} MB for 100 MB of output nobody read"
    stuck.close()
    assert instance.run("fxrun", "echo", "ok").stdout == "ok\n"


def test_large_output_replays_whole_in_bounded_memory(instance):
    instance.start()
    count = 6_000_000  # `seq` prints ~52 MB
    expected = subprocess.run(["seq", "1", str(count)], capture_output=True, check=True).stdout
    proc = instance.run("fxsub", "seq", "1", str(count))
    jobid = _jobid(proc.stdout)
    _wait_inactive(instance, jobid)
    time.sleep(0.5)
    for follow in (False, True):
        baseline = instance.rss_kb()
        watch = RssWatch(instance)
        client = instance.connect()
        chunks = []
        try:
            client.send(
                {
                    "id": 7,
                    "method": "watch",
                    "params": {"id": jobid, "log": "output", "follow": follow},
                }
            )
            while True:
                message = client.read()
                assert message is not None and "error" not in message, message
                if message.get("end"):
                    break
                chunks.append(message["event"].get("context", {}).get("data", ""))
        finally:
            peak = watch.close()
            client.close()
        data = "".join(chunks).encode()
        assert len(data) == len(expected) and data == expected
        growth = (peak - baseline) / MB
        assert growth < 16, f"replaying {len(expected) >> 20} MB grew RSS by {growth:.0f} MB"
        assert peak / MB < len(expected) / 2**20


def test_idle_connections(instance):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 1000 + 300
    if hard != resource.RLIM_INFINITY and hard < wanted:
        pytest.skip(f"descriptor limit {hard} is too low for 1000 connections")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, wanted), hard))
    clients: list[RawClient] = []
    try:
        instance.start()  # inherits the raised limit
        time.sleep(0.5)
        baseline = instance.rss_kb()
        for _ in range(1000):
            clients.append(RawClient(instance.sock_path))
        for i, client in enumerate(clients):  # each is served: it gets its answer
            client.send({"id": i, "method": "ping"})
        for i, client in enumerate(clients):
            assert client.read()["id"] == i
        time.sleep(0.2)
        growth = (instance.rss_kb() - baseline) / MB
        t0 = time.perf_counter()
        proc = instance.run("fxjobs", "-a")
        elapsed = time.perf_counter() - t0
        assert proc.returncode == 0, proc.stderr
        assert elapsed < 10
        assert growth < 40, f"1000 idle connections cost {growth:.0f} MB"
    finally:
        for client in clients:
            client.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_connection_cap(tmp_path):
    instance = PrivateInstance(tmp_path / "state", env={"FX_MAX_CONNECTIONS": "5"})
    clients: list[RawClient] = []
    try:
        instance.start()
        for _ in range(5):
            clients.append(RawClient(instance.sock_path))
            assert "result" in clients[-1].call("ping")
        refused = RawClient(instance.sock_path)
        reply = refused.read()
        assert reply["id"] is None and reply["error"]["errno"] == EAGAIN
        assert "too many connections (5)" in reply["error"]["message"]
        assert refused.read() is None  # and it hangs up
        refused.close()
        proc = instance.run("fxjobs")
        assert proc.returncode != 0 and "too many connections" in proc.stderr
        clients.pop().close()
        deadline = time.time() + 10
        while True:  # the freed place is taken by the next client
            client = RawClient(instance.sock_path)
            client.send({"id": 1, "method": "ping"})
            reply = client.read()
            if reply and "result" in reply:
                clients.append(client)
                break
            client.close()
            assert time.time() < deadline, reply
            time.sleep(0.05)
    finally:
        for client in clients:
            client.close()
        instance.stop()


def test_slow_reader_gets_every_event_in_order(instance):
    """A client that falls behind switches to catch-up reads and back, losing nothing."""
    instance.start()
    count = 3_000_000
    expected = subprocess.run(["seq", "1", str(count)], capture_output=True, check=True).stdout
    jobid = _jobid(instance.run("fxsub", "sh", "-c", f"sleep 1; seq 1 {count}").stdout)
    client = instance.connect()
    client.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    client.send({"id": 1, "method": "watch", "params": {"id": jobid, "log": "output"}})
    seqs, chunks = [], []
    try:
        while True:
            message = client.read()
            assert message is not None and "error" not in message, message
            if message.get("end"):
                break
            seqs.append(message["seq"])
            chunks.append(message["event"].get("context", {}).get("data", ""))
            if len(seqs) % 500 == 0:
                time.sleep(0.1)  # fall behind now and then
    finally:
        client.close()
    assert seqs == list(range(len(seqs)))
    assert "".join(chunks).encode() == expected
