"""The job shells of the local instance: a launcher process that starts one shell per job.

Run as ``python -I -S jobshell.py FD`` by the instance where the compiled
launcher (jobshell.c, the same protocol in C) cannot be built: standard
library only, so it starts fast and imports nothing of fluxcli. ``FD`` is a
SOCK_SEQPACKET socket to the instance. The launcher is a child subreaper and
forks a shell (``Shell``) for each spawn request. Each shell is a child
subreaper too, so every process a job starts stays below its shell whatever
it does (``setsid``, daemonizing). The tasks' parent is their job's shell,
never the instance: ``kill -9 $PPID`` in a task ends that job only.

Requests (instance → launcher): the job id as the datagram, with a memfd
holding the spec (``encode_spec``) and the job's file descriptors, passed with
SCM_RIGHTS. fds[0] is the job's control pipe; a task's ``stdio`` names
indexes into the job's fds (-1: /dev/null). Control messages (instance →
shell, on the pipe): ``s<N>\\n`` forwards signal N to the tasks, ``K\\n``
kills the whole process tree; end of file (the instance died) does the same.

Reports (shell or launcher → instance), one JSON datagram each, all with
``job`` and ``ev``: ``spawned`` (task pids), ``error``
(rank, errno, message: a task could not start), ``exit`` (rank, pid, wait
status), ``done`` (cpu seconds and peak RSS of the whole tree),
``shell-exit`` (from the launcher, when a shell ended abnormally: its wait status).
"""

from __future__ import annotations

import errno
import functools
import gc
import json
import os
import resource
import select
import signal
import socket
import sys
import time

SPEC_MAGIC = "FXJS1"
PR_SET_CHILD_SUBREAPER = 36
TREE_KILL_TIMEOUT = 10.0


@functools.cache
def _libc():
    # loaded on first use: the instance imports this module only for encode_spec
    import ctypes

    return ctypes.CDLL(None, use_errno=True)


def set_subreaper() -> None:
    """Make orphaned descendants reparent to this process instead of init."""
    _libc().prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def children(pid: int) -> list[int]:
    """Direct children of ``pid`` (every thread's list)."""
    found: list[int] = []
    try:
        threads = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for tid in threads:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as handle:
                found.extend(int(p) for p in handle.read().split())
        except OSError:
            pass
    return found


def descendants(pid: int, skip: set[int] | frozenset[int] = frozenset()) -> list[int]:
    """Every process below ``pid`` (children first), leaving out ``skip`` and their trees."""
    result: list[int] = []
    queue = [p for p in children(pid) if p not in skip]
    while queue:
        child = queue.pop()
        result.append(child)
        queue.extend(children(child))
    return result


def kill_tree(reap, skip: set[int] | frozenset[int] = frozenset()) -> None:
    """SIGKILL every descendant (but ``skip``) until none is left; ``reap`` collects exits.

    Killed processes' own children reparent to us (we are a subreaper), so
    repeating the scan catches anything forked while the first pass ran.
    """
    deadline = time.monotonic() + TREE_KILL_TIMEOUT
    while time.monotonic() < deadline:
        victims = descendants(os.getpid(), skip)
        if not victims:
            return
        for pid in victims:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        reap()
        time.sleep(0.001)


def ready(poller: select.poll, wakeup: int) -> list[int]:
    """Wait; the descriptors ready other than the signal wake-up pipe (which is drained)."""
    try:
        events = poller.poll()
    except InterruptedError:
        return []
    fds = []
    for fd, _ in events:
        if fd == wakeup:
            try:
                os.read(wakeup, 512)
            except OSError:
                pass
        else:
            fds.append(fd)
    return fds


def send(sock: socket.socket, message: dict) -> None:
    """One report to the instance (lost silently when the instance is gone)."""
    try:
        sock.send(json.dumps(message, separators=(",", ":")).encode())
    except OSError:
        pass


def encode_spec(spec: dict) -> bytes:
    """The spec as NUL-terminated fields: easy to read in C (jobshell.c) and here."""
    out = [SPEC_MAGIC, spec["job"], spec["cwd"], spec["cwd_fallback"], spec["umask"]]
    out.append(int(spec["setpgrp"]))
    limits = spec["rlimits"]
    out.append(len(limits))
    for resource_number, value in limits.items():
        out += [resource_number, value]
    out.append(len(spec["tasks"]))
    for task in spec["tasks"]:
        cores = task.get("cores") or []
        out += [task["rank"], int(bool(task.get("pty"))), *task["stdio"], len(cores), *cores]
        out += [len(task["argv"]), *task["argv"]]
        env = [f"{k}={v}" for k, v in task["env"].items()]
        out += [len(env), *env]
    return b"".join(os.fsencode(str(field)) + b"\0" for field in out)


def decode_spec(data: bytes) -> dict:
    """The inverse of ``encode_spec``."""
    fields = iter(os.fsdecode(f) for f in data.split(b"\0"))
    if next(fields) != SPEC_MAGIC:
        raise ValueError("not a job spec")

    def number() -> int:
        return int(next(fields))

    spec: dict = {"job": number(), "cwd": next(fields), "cwd_fallback": next(fields)}
    spec["umask"] = number()
    spec["setpgrp"] = bool(number())
    spec["rlimits"] = {number(): number() for _ in range(number())}
    tasks = []
    for _ in range(number()):
        task: dict = {"rank": number(), "pty": bool(number())}
        task["stdio"] = [number(), number(), number()]
        task["cores"] = [number() for _ in range(number())] or None
        task["argv"] = [next(fields) for _ in range(number())]
        task["env"] = dict(next(fields).split("=", 1) for _ in range(number()))
        tasks.append(task)
    spec["tasks"] = tasks
    return spec


class Shell:
    """One job: spawns its tasks, forwards signals, reports exits, owns the tree."""

    def __init__(self, spec: dict, fds: list[int], sock: socket.socket):
        self.spec = spec
        self.fds = fds
        self.sock = sock
        self.job = spec["job"]
        self.tasks: dict[int, int] = {}  # pid -> rank
        self.pgroups: list[int] = []
        self.spawning = True
        self.deferred: list[int] = []  # signals that came while tasks were being spawned
        self.wakeup_r, self.wakeup_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)

    def report(self, ev: str, **fields) -> None:
        send(self.sock, {"job": self.job, "ev": ev, **fields})

    def run(self) -> None:
        set_subreaper()
        os.setpgid(0, 0)
        signal.set_wakeup_fd(self.wakeup_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT):
            signal.signal(sig, self.forward)
        self.setup()
        started = self.spawn_all()
        self.spawning = False
        for signum in self.deferred:
            self.signal_tasks(signum)
        if started:
            self.report("spawned", pids=list(self.tasks))
            self.loop()
        kill_tree(self.reap)
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.report("done", cputime=usage.ru_utime + usage.ru_stime, maxrss=usage.ru_maxrss * 1024)

    def setup(self) -> None:
        spec = self.spec
        if spec.get("umask") is not None:
            os.umask(spec["umask"])
        for limit, value in (spec.get("rlimits") or {}).items():
            try:
                _, hard = resource.getrlimit(int(limit))
                if value == -1 or (hard != resource.RLIM_INFINITY and value > hard):
                    value = hard
                resource.setrlimit(int(limit), (value, hard))
            except (OSError, ValueError):
                pass
        try:
            os.chdir(spec["cwd"])
        except OSError as exc:
            fallback = spec.get("cwd_fallback") or "/tmp"
            os.chdir(fallback)
            self.stderr_note(
                f"flux-shell: Could not change dir to {spec['cwd']}: {exc.strerror}. "
                f"Going to {fallback} instead\n"
            )

    def stderr_note(self, text: str) -> None:
        """Write a shell message where the first task's stderr goes."""
        tasks = self.spec["tasks"]
        index = tasks[0]["stdio"][2] if tasks else -1
        fd = self.fds[index] if index >= 0 else 2
        try:
            os.write(fd, text.encode())
        except OSError:
            pass

    def spawn_all(self) -> bool:
        full_mask = os.sched_getaffinity(0)
        try:
            for task in self.spec["tasks"]:
                try:
                    os.sched_setaffinity(0, task.get("cores") or full_mask)
                except OSError:
                    pass
                try:
                    pid = self.spawn(task)
                except OSError as exc:
                    self.report(
                        "error",
                        rank=task["rank"],
                        errno=exc.errno or errno.EIO,
                        message=exc.strerror or str(exc),
                    )
                    return False
                self.tasks[pid] = task["rank"]
        finally:
            try:
                os.sched_setaffinity(0, full_mask)
            except OSError:
                pass
        return True

    def spawn(self, task: dict) -> int:
        stdio = [self.fds[i] if i >= 0 else -1 for i in task["stdio"]]
        if task.get("pty"):
            return self.spawn_on_pty(task, stdio[0])
        actions = []
        for target, fd in enumerate(stdio):
            if fd < 0:
                actions.append((os.POSIX_SPAWN_OPEN, target, os.devnull, os.O_RDWR, 0))
            else:
                actions.append((os.POSIX_SPAWN_DUP2, fd, target))
        setpgroup = 0 if self.spec.get("setpgrp", True) else None
        pid = os.posix_spawnp(
            task["argv"][0], task["argv"], task["env"], file_actions=actions, setpgroup=setpgroup
        )
        if setpgroup is not None:
            self.pgroups.append(pid)
        return pid

    def spawn_on_pty(self, task: dict, slave: int) -> int:
        """Run the task in a new session whose controlling terminal is the pty ``slave``."""
        pid = os.fork()
        if pid == 0:
            try:
                import fcntl
                import termios

                os.setsid()
                fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
                for target in range(3):
                    os.dup2(slave, target)
                os.execvpe(task["argv"][0], task["argv"], task["env"])
            except OSError as exc:
                os.write(2, f"{task['argv'][0]}: {exc.strerror}\n".encode())
            os._exit(127)
        self.pgroups.append(pid)
        return pid

    def loop(self) -> None:
        control = self.fds[0]
        poller = select.poll()
        poller.register(control, select.POLLIN)
        poller.register(self.wakeup_r, select.POLLIN)
        buffer = b""
        while self.tasks:
            for _ in ready(poller, self.wakeup_r):
                data = os.read(control, 4096)
                if not data:  # the instance is gone: so is the job
                    return
                buffer += data
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    if line == b"K":
                        return
                    if line.startswith(b"s"):
                        self.signal_tasks(int(line[1:]))
            self.reap()

    def reap(self) -> None:
        """Collect every exited child; report the tasks'."""
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            rank = self.tasks.pop(pid, None)
            if rank is not None:
                self.report("exit", rank=rank, pid=pid, status=status)

    def signal_tasks(self, signum: int) -> None:
        for pid in list(self.tasks):
            try:
                if pid in self.pgroups:
                    os.killpg(pid, signum)
                else:
                    os.kill(pid, signum)
            except OSError:
                try:
                    os.kill(pid, signum)
                except OSError:
                    pass

    def forward(self, signum, frame) -> None:
        """Signals sent to the shell itself (``kill -QUIT $PPID``) go to the tasks."""
        if self.spawning:
            self.deferred.append(signum)
        else:
            self.signal_tasks(signum)


class Launcher:
    """Forks a shell per spawn request and reports how each shell ended."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.shells: dict[int, int] = {}  # pid -> job id
        self.wakeup_r, self.wakeup_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)

    def run(self) -> None:
        set_subreaper()
        signal.set_wakeup_fd(self.wakeup_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        gc.freeze()  # fewer copy-on-write pages in the forked shells
        poller = select.poll()
        poller.register(self.sock.fileno(), select.POLLIN)
        poller.register(self.wakeup_r, select.POLLIN)
        while True:
            for _ in ready(poller, self.wakeup_r):
                if not self.receive():
                    self.shutdown()
                    return
            self.reap()

    def receive(self) -> bool:
        """Handle one spawn request; False when the instance has gone."""
        try:
            data, fds, _, _ = socket.recv_fds(self.sock, 64, 256)
        except InterruptedError:
            return True
        except OSError:
            return False
        if not data:
            return False
        try:
            job = int(data)
            pid = self.start_shell(job, fds[0], fds[1:])
        except (ValueError, IndexError, OSError) as exc:
            send(self.sock, {"job": _job_of(data), "ev": "failed", "message": str(exc)})
        else:
            self.shells[pid] = job
        for fd in fds:
            _close(fd)
        return True

    def start_shell(self, job: int, spec_fd: int, fds: list[int]) -> int:
        """Fork the shell of one job; return its pid."""
        spec = decode_spec(os.pread(spec_fd, os.fstat(spec_fd).st_size, 0))
        for fd in fds:
            os.set_inheritable(fd, False)
        pid = os.fork()
        if pid == 0:
            self.become_shell(spec, fds)
        return pid

    def become_shell(self, spec: dict, fds: list[int]) -> None:
        code = 0
        try:
            os.close(self.wakeup_r)
            os.close(self.wakeup_w)
            Shell(spec, fds, self.sock).run()
        except BaseException as exc:  # report, never fall back into the launcher's loop
            send(self.sock, {"job": spec["job"], "ev": "failed", "message": repr(exc)})
            code = 1
        os._exit(code)

    def reap(self) -> None:
        """Report ended shells; end the tasks a shell that died abnormally left to us."""
        if self.collect():
            kill_tree(self.collect, skip=set(self.shells))

    def collect(self) -> bool:
        """Reap every exited child; True when a shell ended abnormally."""
        abnormal = False
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return abnormal
            if pid == 0:
                return abnormal
            job = self.shells.pop(pid, None)
            if job is not None and status != 0:  # a normal end was reported by the shell
                send(self.sock, {"job": job, "ev": "shell-exit", "pid": pid, "status": status})
                abnormal = True

    def shutdown(self) -> None:
        """The instance is gone: every job goes with it."""
        kill_tree(self.collect)


def _close(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass


def _job_of(data: bytes) -> int:
    try:
        return int(data)
    except ValueError:
        return 0


def main() -> int:
    sock = socket.socket(fileno=int(sys.argv[1]))
    Launcher(sock).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
