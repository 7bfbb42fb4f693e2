"""Task processes driven straight from the event loop: vfork'd Popen, pidfd, non-blocking pipes.

asyncio's subprocess transports cost several loop turns and a watcher per
process; for short tasks that latency bounds job throughput.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import Callable

from .tasks import wait_status


class TaskProcess:
    """One running task: reports output chunks, end of each stream, and its exit."""

    def __init__(
        self,
        argv: list[str],
        *,
        on_output: Callable[[str, bytes], None],
        on_eof: Callable[[str], None],
        on_exit: Callable[[int, int], None],
        pty: bool = False,
        **popen_kwargs,
    ):
        self.loop = asyncio.get_running_loop()
        self.status: int | None = None
        self.on_output, self.on_eof, self.on_exit = on_output, on_eof, on_exit
        self.open_streams = 0
        if pty:
            self._spawn_on_pty(argv, popen_kwargs)
        else:
            self.popen = subprocess.Popen(argv, **popen_kwargs)
        self.pid = self.popen.pid
        for stream in ("stdout", "stderr"):
            pipe = getattr(self.popen, stream)
            if pipe is not None:
                fd = pipe.fileno()
                os.set_blocking(fd, False)
                self.loop.add_reader(fd, self._readable, fd, stream, pipe)
                self.open_streams += 1
        self.stdin = self.popen.stdin
        self.pty_stdin = getattr(self, "pty_stdin", None)
        try:
            self.pidfd = os.pidfd_open(self.pid)
            self.loop.add_reader(self.pidfd, self._exited)
        except (AttributeError, OSError):
            self.pidfd = None
            self.loop.create_task(self._poll_exit())

    def _spawn_on_pty(self, argv: list[str], kwargs: dict) -> None:
        """Run the task on a new pseudo-terminal (its controlling tty); output is "stdout"."""
        import fcntl
        import termios

        master, slave = os.openpty()

        def controlling_tty() -> None:
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        for key in ("stdin", "stdout", "stderr", "process_group", "preexec_fn"):
            kwargs.pop(key, None)
        self.popen = subprocess.Popen(
            argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            start_new_session=True,
            preexec_fn=controlling_tty,
            **kwargs,
        )
        os.close(slave)
        os.set_blocking(master, False)
        self.master = master
        self.loop.add_reader(master, self._readable, master, "stdout", _FdCloser(master))
        self.open_streams += 1
        self.pty_stdin = master

    @property
    def running(self) -> bool:
        return self.status is None

    def _readable(self, fd: int, stream: str, pipe) -> None:
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if data:
            self.on_output(stream, data)
            return
        self.loop.remove_reader(fd)
        pipe.close()
        self.open_streams -= 1
        self.on_eof(stream)

    def _exited(self) -> None:
        try:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            pid, status = self.pid, 0
        if pid == 0:
            return
        self.loop.remove_reader(self.pidfd)
        os.close(self.pidfd)
        self._finish(status)

    async def _poll_exit(self) -> None:
        while True:
            returncode = self.popen.poll()
            if returncode is not None:
                self._finish(wait_status(returncode))
                return
            await asyncio.sleep(0.01)

    def _finish(self, status: int) -> None:
        self.status = status
        self.popen.returncode = 0  # reaped here; keep Popen from waiting again
        self.on_exit(status, self.pid)

    def signal(self, signum: int, group: bool = True) -> None:
        """Send ``signum`` to the task (its whole process group by default)."""
        if self.status is not None:
            return
        try:
            if group:
                os.killpg(self.pid, signum)
            else:
                os.kill(self.pid, signum)
        except OSError:
            try:
                os.kill(self.pid, signum)
            except OSError:
                pass

    def write(self, data: bytes | None) -> None:
        """Write to the task's stdin (None closes it)."""
        if self.pty_stdin is not None:
            try:
                os.write(
                    self.pty_stdin, b"\x04" if data is None else data
                )  # ^D ends input on a tty
            except OSError:
                pass
            return
        if self.stdin is None or self.stdin.closed:
            return
        try:
            if data is None:
                self.stdin.close()
            else:
                self.stdin.write(data)
                self.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            pass


class _FdCloser:
    """Gives a bare file descriptor the ``close()`` of a pipe object."""

    def __init__(self, fd: int):
        self.fd = fd

    def close(self) -> None:
        try:
            os.close(self.fd)
        except OSError:
            pass
