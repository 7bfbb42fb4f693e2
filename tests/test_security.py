"""The local instance keeps to its owner: private state, peer checks, timeouts, safe files."""

from __future__ import annotations

import json
import os
import re
import resource
import socket
import stat
import subprocess
import sys
import threading
import time

import pytest
from conftest import BIN
from test_instance import stop_instance

NOBODY = 65534
needs_root = pytest.mark.skipif(os.getuid() != 0, reason="needs root to act as another user")


@pytest.fixture
def state(tmp_path):
    """A state directory of this test's own; any instance started on it is stopped."""
    path = tmp_path / "state"
    yield path
    stop_instance(path)


def env_for(path, **extra) -> dict:
    return {"FX_STATE_DIR": str(path), **extra}


def one_error(proc, prog: str = "fxsub") -> str:
    """The single ``PROG: error: ...`` line a refused command prints."""
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{prog}: error: "), proc.stderr
    return lines[0]


class Listener:
    """A real Unix socket server that accepts and never answers; counts what it got."""

    def __init__(self, path, backlog: int = 16, accept: bool = True):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.bind(str(path))
        self.sock.listen(backlog)
        self.received = 0
        self.accepted = 0
        self.conns: list[socket.socket] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, args=(accept,), daemon=True)
        self.thread.start()

    def _serve(self, accept: bool) -> None:
        self.sock.settimeout(0.05)
        while not self.stop.is_set():
            if accept:
                try:
                    conn, _ = self.sock.accept()
                    conn.setblocking(False)
                    self.conns.append(conn)
                    self.accepted += 1
                except TimeoutError:
                    pass
            for conn in self.conns:
                try:
                    self.received += len(conn.recv(65536))
                except BlockingIOError:
                    pass
            time.sleep(0.01)

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        for conn in self.conns:
            conn.close()
        self.sock.close()


# 1. the state directory must be the user's own and private
@needs_root
def test_fake_socket_in_foreign_dir_gets_nothing(tmp_path, run):
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o700)
    fake = Listener(shared / "local.sock")
    os.chown(shared, NOBODY, NOBODY)
    try:
        proc = run("fxsub", "--env=SECRET=xyzzy", "true", env=env_for(shared))
        line = one_error(proc)
        assert f"state directory {shared} is owned by uid {NOBODY}, not you (uid 0)" in line
        time.sleep(0.2)
        assert fake.accepted == 0 and fake.received == 0
    finally:
        fake.close()
    assert sorted(os.listdir(shared)) == ["local.sock"]  # nothing started there


@pytest.mark.parametrize("mode", [0o777, 0o770, 0o1777])
def test_state_dir_writable_by_others_is_refused(tmp_path, run, mode):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, mode)
    proc = run("fxsub", "true", env=env_for(shared))
    assert f"is writable by others (mode {stat.S_IMODE(mode):04o})" in one_error(proc)
    for command in (["fx", "instance", "stop"], ["fx", "instance", "status"]):
        assert "writable by others" in one_error(run(*command, env=env_for(shared)), "fx instance")
    assert os.listdir(shared) == []


def test_symlinked_state_dir_is_refused(tmp_path, run):
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    (tmp_path / "link").symlink_to(real)
    for path in (tmp_path / "link", f"{tmp_path}/link/"):
        proc = run("fxsub", "true", env=env_for(path))
        assert "state directory" in one_error(proc) and "is a symbolic link" in proc.stderr
    assert os.listdir(real) == []


STATE_FILES = [
    "instance.lock",
    "start.lock",
    "instance.log",
    "jobs.db",
    "jobs.db-wal",
    "jobs.db-shm",
    "local.sock",
]


@pytest.mark.parametrize("name", STATE_FILES)
def test_symlinked_state_file_is_refused(tmp_path, run, name):
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    target = tmp_path / "target"
    target.write_text("precious\n")
    (state / name).symlink_to(target)
    try:
        if name == "jobs.db":  # through a command: one line
            line = one_error(run("fxsub", "true", env=env_for(state)))
            assert f"state file {state}/jobs.db is a symbolic link" in line
        # the instance itself refuses to start
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "fluxcli.backends.local.instance.daemon",
                "--state-dir",
                str(state),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 1
        assert f"state file {state}/{name} is a symbolic link" in proc.stderr
        assert target.read_text() == "precious\n"
        assert not (state / "local.sock").exists() or name == "local.sock"
    finally:
        stop_instance(state)


def test_client_opens_no_symlink_even_past_its_checks(tmp_path):
    from fluxcli.backends.local.statedir import UnsafeInstanceError, open_private

    target = tmp_path / "target"
    target.write_text("precious\n")
    (tmp_path / "start.lock").symlink_to(target)
    with pytest.raises(UnsafeInstanceError, match="is a symbolic link"):
        open_private(str(tmp_path / "start.lock"), os.O_RDWR)
    assert target.read_text() == "precious\n"


# 2. files private whatever the umask
def test_state_files_are_private_under_umask_000(state, run):
    state.mkdir(mode=0o700)
    (state / "jobs.db").touch(mode=0o644)
    (state / "instance.log").touch(mode=0o666)
    os.chmod(state / "instance.log", 0o666)
    old = os.umask(0)
    try:
        assert run("fxrun", "true", env=env_for(state)).returncode == 0
    finally:
        os.umask(old)
    names = set(os.listdir(state))
    assert set(STATE_FILES) <= names
    for name in names:
        mode = stat.S_IMODE(os.lstat(state / name).st_mode)
        assert mode == 0o600, f"{name} has mode {mode:04o}"
    assert stat.S_IMODE(os.stat(state).st_mode) == 0o700


# 1. the instance at the other end must run as the user
FAKE_PEER = """
import os, socket, sys
sock = socket.socket(socket.AF_UNIX)
sock.bind(sys.argv[1])            # as root, in root's private directory
os.setgid(65534); os.setuid(65534)
sock.listen(8)                    # SO_PEERCRED is taken here: uid 65534
sock.settimeout(30)
print("ready", flush=True)
total = 0
for _ in range(int(sys.argv[2])):
    conn, _ = sock.accept()
    conn.settimeout(30)
    while data := conn.recv(65536):
        total += len(data)
    conn.close()
print(total, flush=True)
"""


@needs_root
def test_instance_of_another_uid_is_refused_before_sending(tmp_path, run):
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    sock = state / "local.sock"
    fake = subprocess.Popen(
        [sys.executable, "-c", FAKE_PEER, str(sock), "2"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert fake.stdout.readline() == "ready\n"
        refused = f"the local instance at {sock} runs as uid {NOBODY}, not as you (uid 0)"
        assert refused in one_error(run("fxsub", "--env=SECRET=xyzzy", "true", env=env_for(state)))
        # an explicit URI too
        proc = run(
            "fxsub", "true", env={"FX_URI": f"local://{sock}", "FX_STATE_DIR": "/nonexistent"}
        )
        assert refused in one_error(proc)
        assert fake.stdout.readline() == "0\n"  # not one byte reached it
        assert fake.wait(30) == 0
    finally:
        fake.kill()
        fake.wait()


# 4. clients time out and say why
def test_wedged_instance_times_out(tmp_path, run):
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    wedged = Listener(state / "local.sock")
    try:
        start = time.monotonic()
        proc = run("fxsub", "true", env=env_for(state, FX_CLIENT_TIMEOUT="1"))
        line = one_error(proc)
        assert f"the local instance at {state}/local.sock did not answer within 1 s" in line
        assert time.monotonic() - start < 20
        assert wedged.accepted == 1 and wedged.received > 0
        proc = run("fx", "instance", "stop", env=env_for(state, FX_CLIENT_TIMEOUT="0.5"))
        assert "did not answer within 0.5 s" in one_error(proc, "fx instance")
    finally:
        wedged.close()


def test_instance_that_stops_reading_times_out(tmp_path, monkeypatch):
    from fluxcli.backends.local.client import Connection
    from fluxcli.errors import BackendError

    path = tmp_path / "local.sock"
    deaf = socket.socket(socket.AF_UNIX)
    deaf.bind(str(path))
    deaf.listen(1)  # never accepts, never reads: a request larger than the buffers stalls
    monkeypatch.setenv("FX_CLIENT_TIMEOUT", "1")
    conn = Connection(str(path))
    try:
        with pytest.raises(BackendError, match=r"did not take a request within 1 s"):
            conn.call("submit", jobspec="x" * (8 << 20))
        with pytest.raises(BackendError, match=r"did not take a request"):
            conn.call("ping")  # the connection is given up, not reused half-written
    finally:
        conn.close()
        deaf.close()


def test_full_listen_queue_and_stale_socket(tmp_path, run):
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    path = str(state / "local.sock")
    stuck = Listener(path, backlog=0, accept=False)
    queued = []
    try:
        while True:  # fill the listen queue
            client = socket.socket(socket.AF_UNIX)
            client.setblocking(False)
            try:
                client.connect(path)
            except BlockingIOError:
                client.close()
                break
            queued.append(client)
        proc = run("fxsub", "true", env=env_for(state, FX_CLIENT_TIMEOUT="1"))
        assert f"the local instance at {path} is not accepting connections" in one_error(proc)
    finally:
        for client in queued:
            client.close()
        stuck.close()
    # now nothing listens on the socket file: explicit URIs say so
    proc = run("fxsub", "true", env={"FX_URI": f"local://{path}"})
    assert "Connection refused (stale socket: no instance is listening)" in one_error(proc)


def test_streams_and_waits_outlast_the_client_timeout(state, run, monkeypatch):
    from fluxcli.backends.contract import SubmitRequest
    from fluxcli.backends.local.backend import LocalBackend
    from fluxcli.jobspec.v1 import JobspecV1

    env = env_for(state, FX_CLIENT_TIMEOUT="1")
    proc = run("fxrun", "sh", "-c", "sleep 2.5; echo done", env=env)
    assert proc.returncode == 0 and proc.stdout == "done\n", proc.stderr
    monkeypatch.setenv("FX_CLIENT_TIMEOUT", "1")
    backend = LocalBackend(f"local://{state}/local.sock")
    try:
        [jobid] = backend.submit([SubmitRequest(JobspecV1.from_command(["sleep", "2.5"]), flags=4)])
        assert backend.wait(jobid) == (jobid, True, "")
    finally:
        backend.close()


# 3. file descriptors
def _limits(pid: int) -> tuple[str, str]:
    with open(f"/proc/{pid}/limits") as handle:
        for line in handle:
            if line.startswith("Max open files"):
                soft, hard = line.split()[3:5]
                return soft, hard
    raise AssertionError("no open files limit")


def _instance_pid(state) -> int:
    return int((state / "instance.lock").read_text())


def _start_with_limit(state, soft: int, hard: int) -> None:
    def lower() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))

    subprocess.run(
        [str(BIN / "fx"), "instance", "start"],
        env={**os.environ, "FX_STATE_DIR": str(state)},
        preexec_fn=lower,
        check=True,
        timeout=60,
        capture_output=True,
    )


def test_open_files_limit_raised_to_hard(state):
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard <= 64:
        pytest.skip("the hard limit on open files is too low to lower the soft one")
    _start_with_limit(state, 64, hard)
    soft, hard_seen = _limits(_instance_pid(state))
    assert soft == hard_seen and soft != "64"


def test_out_of_fds_logs_one_line_not_tracebacks(state, run):
    _start_with_limit(state, 64, 64)
    pid = _instance_pid(state)
    assert _limits(pid) == ("64", "64")
    clients = []
    try:
        for _ in range(90):  # more than the instance can hold: accept() fails with EMFILE
            client = socket.socket(socket.AF_UNIX)
            client.connect(str(state / "local.sock"))
            clients.append(client)
        time.sleep(3.5)  # asyncio retries accept() every second
        log = (state / "instance.log").read_text()
        assert "Traceback" not in log
        # the connection cap keeps it below the descriptor limit: extra clients are
        # refused with a reason; should accept() still run out, that is one line
        errors = [line for line in log.splitlines() if "Too many open files" in line]
        assert len(errors) <= 1, log
        for line in errors:
            assert re.match(r"event loop: socket.accept\(\) out of system resource", line)
        refused = clients[-1].recv(4096).decode()
        assert "too many connections" in refused
    finally:
        for client in clients:
            client.close()
    time.sleep(1.5)  # let it accept the rest and see them go
    assert run("fx", "instance", "status", env=env_for(state)).returncode == 0


# 5. --add-file names stay inside the job's tmpdir
@pytest.mark.parametrize(
    "arg, message",
    [
        ("../x=hi\\n", "file name '../x' must not contain '..'"),
        ("a/../../x=hi\\n", "file name 'a/../../x' must not contain '..'"),
        ("/etc/x=hi\\n", "file name '/etc/x' must be a relative path"),
        ("=hi\\n", "file name must not be empty"),
        ("..", "file name '..' must not contain '..'"),
    ],
)
def test_add_file_outside_tmpdir_refused(run, tmp_cwd, arg, message):
    proc = run("fxsub", "--dry-run", f"--add-file={arg}", "true")
    assert one_error(proc).startswith(f"fxsub: error: --add-file={arg}: {message}")


def test_add_file_subdirectory_name_allowed(run):
    proc = run("fxsub", "--dry-run", "--add-file=sub/x=hi\\n", "true")
    assert proc.returncode == 0
    assert "sub/x" in json.loads(proc.stdout)["attributes"]["system"]["files"]


def test_add_file_names_checked_by_api_and_validation(tmp_path):
    from fluxcli.jobspec import validate_jobspec
    from fluxcli.jobspec.v1 import JobspecV1

    js = JobspecV1.from_command(["true"])
    for name in ("../x", "/etc/x", "", "a/./b"):
        with pytest.raises(ValueError):
            js.add_file(name, "hi\n")
    obj = json.loads(js.dumps())
    for name in ("../x", "/etc/x", "a//b"):
        obj["attributes"]["system"]["files"] = {name: {"mode": 0o100600, "data": "x"}}
        with pytest.raises(ValueError, match="attributes.system.files: file name"):
            validate_jobspec(json.dumps(obj))
    obj["attributes"]["system"]["files"] = {"ok": "not a mapping"}
    with pytest.raises(TypeError, match="entry 'ok' must be a mapping"):
        validate_jobspec(json.dumps(obj))


def test_instance_refuses_files_outside_tmpdir(state, tmp_path, run):
    from fluxcli.backends.contract import SubmitRequest
    from fluxcli.backends.local.backend import LocalBackend
    from fluxcli.backends.local.client import RemoteError
    from fluxcli.jobspec.v1 import JobspecV1

    assert run("fx", "instance", "start", env=env_for(state)).returncode == 0
    backend = LocalBackend(f"local://{state}/local.sock")
    try:
        escaped = tmp_path / "escaped"
        for name in (str(escaped), "../../../../../../.." + str(escaped)):
            obj = json.loads(JobspecV1.from_command(["true"]).dumps())
            obj["attributes"]["system"]["files"] = {name: {"mode": 0o100600, "data": "x"}}
            [error] = backend.submit([SubmitRequest(json.dumps(obj))])
            assert isinstance(error, RemoteError)
            assert error.errno == 22 and "attributes.system.files" in str(error)
        assert not escaped.exists()
    finally:
        backend.close()
