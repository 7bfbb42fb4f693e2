"""Instance memory under clients that do not read, and with many idle connections.

Starts a private instance and prints its RSS (peak while each scenario runs)
beside its RSS when idle (the baseline):
  * 10 clients, each watching the output of its own job printing MB_PER_JOB
    megabytes (default 50), that never read a byte;
  * one client replaying a finished job's whole output (reading as fast as it can);
  * 1,000 idle connections (each has sent one ping).
Target: none of these grows the instance by more than a few MB per client, and
never by the amount of output. Run: .venv/bin/python bench/instance_memory.py [MB_PER_JOB]
"""

import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

from common import BIN, report

MB_PER_JOB = int(sys.argv[1]) if len(sys.argv) > 1 else 50
state = tempfile.mkdtemp(prefix="fxinstmem-")
sock_path = os.path.join(state, "local.sock")
env = dict(os.environ, FX_STATE_DIR=state)
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if soft != resource.RLIM_INFINITY and soft < 1400:  # the instance inherits this
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(1400, hard), hard))
subprocess.run([f"{BIN}/fx", "instance", "start"], env=env, check=True)
pid = int(open(os.path.join(state, "instance.lock")).read())


def rss_mb() -> float:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Peak:
    """The highest RSS seen while a scenario runs."""

    def __enter__(self):
        self.value, self.done = rss_mb(), threading.Event()
        self.thread = threading.Thread(target=self._run)
        self.thread.start()
        return self

    def _run(self) -> None:
        while not self.done.is_set():
            self.value = max(self.value, rss_mb())
            time.sleep(0.02)

    def __exit__(self, *exc) -> None:
        self.done.set()
        self.thread.join()


def connect() -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    while True:
        try:
            sock.connect(sock_path)
            return sock
        except BlockingIOError:
            time.sleep(0.01)


def call(sock: socket.socket, method: str, **params) -> dict:
    sock.sendall(json.dumps({"id": 1, "method": method, "params": params}).encode() + b"\n")
    reader = sock.makefile("rb")
    return json.loads(reader.readline())


def submit(command: str) -> int:
    from fluxcli.jobspec.jobid import JobID

    out = subprocess.run(
        [f"{BIN}/fxsub", "sh", "-c", command], env=env, capture_output=True, text=True, check=True
    )
    return int(JobID(out.stdout.strip()))


def wait_inactive(jobids: list[int]) -> None:
    sock = connect()
    for jobid in jobids:
        while call(sock, "info", id=jobid)["result"]["state"] != "INACTIVE":
            time.sleep(0.1)
    sock.close()


time.sleep(0.5)
rows = [("baseline: idle instance RSS", rss_mb(), "MB")]
output = f"head -c {MB_PER_JOB * 1000000} /dev/zero | tr '\\0' x | fold -w 1000"

# 10 clients that never read, each following a job's output
with Peak() as peak:
    jobids = [submit("sleep 1; " + output) for _ in range(10)]
    stuck = []
    for jobid in jobids:
        sock = connect()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.sendall(b'{"id":1,"method":"watch","params":{"id":%d,"log":"output"}}\n' % jobid)
        stuck.append(sock)
    wait_inactive(jobids)
rows.append((f"peak, 10 non-reading clients x {MB_PER_JOB} MB output", peak.value, "MB"))
rows.append(("after they finished (clients still connected)", rss_mb(), "MB"))
for sock in stuck:
    sock.close()
time.sleep(0.5)

# one client replaying a whole finished output
with Peak() as peak:
    sock = connect()
    sock.sendall(
        b'{"id":1,"method":"watch","params":{"id":%d,"log":"output","follow":false}}\n' % jobids[0]
    )
    reader, total = sock.makefile("rb"), 0
    for line in reader:
        message = json.loads(line)
        if message.get("end"):
            break
        total += len(message["event"].get("context", {}).get("data", ""))
    sock.close()
assert total == MB_PER_JOB * 1000000 + MB_PER_JOB * 1000 - 1, total  # fold: no last newline
rows.append((f"peak, replaying {MB_PER_JOB} MB of output to a reader", peak.value, "MB"))

# 1,000 idle connections
idle = []
for _ in range(1000):
    sock = connect()
    sock.sendall(b'{"id":1,"method":"ping"}\n')
    idle.append(sock)
for sock in idle:
    sock.recv(4096)
time.sleep(0.5)
rows.append(("1,000 idle connections", rss_mb(), "MB"))
t0 = time.perf_counter()
subprocess.run([f"{BIN}/fxjobs", "-a"], env=env, stdout=subprocess.DEVNULL, check=True)
rows.append(("fxjobs -a with 1,000 idle connections", (time.perf_counter() - t0) * 1e3, "ms"))
for sock in idle:
    sock.close()
report(rows)
subprocess.run([f"{BIN}/fx", "instance", "stop"], env=env)
shutil.rmtree(state, ignore_errors=True)  # some 10 x MB_PER_JOB of database
