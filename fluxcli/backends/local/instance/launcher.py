"""The instance's side of the job shells: one launcher process, spawn requests, reports.

See ``jobshell.py`` for the other side. Each job's tasks hang off a shell
process of their own, so nothing a job does to its parent reaches the
instance, and every process a job starts ends with it.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from typing import Protocol

from .jobshell import encode_spec
from .shellbuild import shell_program

LAUNCHER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "jobshell.py")
MAX_REPORT = 65536


class ShellClient(Protocol):
    """What a launcher reports to: one job's execution."""

    def shell_report(self, report: dict) -> None:
        """A report of this job's shell (``ev`` says which)."""


class LauncherGone(OSError):
    """The launcher process is not running (it is restarted on the next spawn)."""


class Launcher:
    """Starts the job-shell launcher and routes its reports to each job's execution."""

    def __init__(self, on_lost: Callable[[list[int]], None]):
        self.on_lost = on_lost
        self.clients: dict[int, ShellClient] = {}
        self.sock: socket.socket | None = None
        self.proc: subprocess.Popen | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.pidfd: int | None = None
        self.program: str | None = None  # the compiled shell ("": none, Python shells)

    def start(self) -> None:
        """Start the launcher process (called once the event loop runs)."""
        self.loop = asyncio.get_running_loop()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        if self.program is None:
            self.program = shell_program() or ""
        if self.program:  # the compiled launcher forks a shell per job
            argv = [self.program, "--launcher", str(theirs.fileno())]
        else:
            argv = [sys.executable, "-I", "-S", LAUNCHER, str(theirs.fileno())]
        self.proc = subprocess.Popen(
            argv,
            pass_fds=(theirs.fileno(),),
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        theirs.close()
        ours.setblocking(False)
        self.sock = ours
        self.loop.add_reader(ours.fileno(), self._readable)
        # its shells hold the socket too: only the pid tells that the launcher died
        self.pidfd = os.pidfd_open(self.proc.pid)
        self.loop.add_reader(self.pidfd, self._lost)

    def spawn(self, jobid: int, spec: dict, fds: list[int], client: ShellClient) -> None:
        """Ask for a shell running ``spec``; ``fds`` are the job's descriptors (control first)."""
        if self.sock is None:
            self.start()
        memfd = os.memfd_create(f"fxjob-{jobid}", os.MFD_CLOEXEC)
        try:
            os.write(memfd, encode_spec(spec))
            self.clients[jobid] = client
            assert self.sock is not None
            request = [str(jobid).encode()]
            try:
                socket.send_fds(self.sock, request, [memfd, *fds])
            except BlockingIOError:
                # the launcher is busy: wait for room rather than fail the job
                self.sock.setblocking(True)
                try:
                    socket.send_fds(self.sock, request, [memfd, *fds])
                finally:
                    self.sock.setblocking(False)
            except OSError as exc:
                self.clients.pop(jobid, None)
                raise LauncherGone(exc.errno, f"job shell launcher: {exc.strerror}")
        finally:
            os.close(memfd)

    def forget(self, jobid: int) -> None:
        """The job is over: its reports are no longer wanted."""
        self.clients.pop(jobid, None)

    def _readable(self) -> None:
        assert self.sock is not None
        for _ in range(256):  # bounded per turn: other work gets its share
            try:
                data = self.sock.recv(MAX_REPORT)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            if not data:
                self._lost()
                return
            try:
                report = json.loads(data)
                client = self.clients.get(report["job"])
            except (ValueError, KeyError, TypeError):
                continue
            if client is not None:
                client.shell_report(report)

    def _lost(self) -> None:
        """The launcher died: its jobs lost their shells; the next spawn starts a new one."""
        print("job shell launcher exited; restarting it on demand", file=sys.stderr, flush=True)
        self.close()
        lost, self.clients = list(self.clients), {}
        self.on_lost(lost)

    def close(self) -> None:
        """Stop the launcher (its shells kill their jobs when the control pipes close)."""
        if self.pidfd is not None and self.loop is not None:
            self.loop.remove_reader(self.pidfd)
            os.close(self.pidfd)
            self.pidfd = None
        if self.sock is not None and self.loop is not None:
            self.loop.remove_reader(self.sock.fileno())
            self.sock.close()
            self.sock = None
        if self.proc is not None:
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None
