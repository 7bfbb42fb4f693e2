"""A job's byte streams in the instance: task output read without blocking, stdin written
without blocking, and output encoded exactly for the RFC 24 output eventlog."""

from __future__ import annotations

import asyncio
import os
from collections import deque
from collections.abc import Callable

from ...iodata import encode_data

READ_SIZE = 65536
# stdin a job has not read yet that the instance holds; the client's next
# chunk waits until the backlog is below this
STDIN_BACKLOG = 1 << 20


class OutputReader:
    """Reads a task's stdout or stderr from the event loop; reports chunks and end of file."""

    def __init__(self, fd: int, on_output: Callable[[bytes], None], on_eof: Callable[[], None]):
        self.fd = fd
        self.on_output = on_output
        self.on_eof = on_eof
        self.open = True
        self.loop = asyncio.get_running_loop()
        os.set_blocking(fd, False)
        self.loop.add_reader(fd, self._readable)

    def _readable(self) -> None:
        try:
            data = os.read(self.fd, READ_SIZE)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if data:
            self.on_output(data)
        else:
            self.close()

    def close(self) -> None:
        """Stop reading (end of file, or the job is over); reports the end once."""
        if not self.open:
            return
        self.open = False
        self.loop.remove_reader(self.fd)
        os.close(self.fd)
        self.on_eof()


class StdinWriter:
    """Feeds a task's stdin without ever blocking the instance; ``None`` data closes it."""

    def __init__(self, fd: int, closes_with_eot: bool = False):
        self.fd = fd
        self.tty = closes_with_eot  # a pty: end of input is ^D, the descriptor stays
        self.queue: deque[bytes | None] = deque()
        self.backlog = 0
        self.closed = False
        self.waiting = False
        self.on_drain: list[Callable[[], None]] = []
        self.loop = asyncio.get_running_loop()
        if not self.tty:
            os.set_blocking(fd, False)

    def write(self, data: bytes | None) -> None:
        """Queue ``data`` (None: end of input)."""
        if self.closed:
            return
        if data is None and self.tty:
            data = b"\x04"
        self.queue.append(data)
        self.backlog += len(data or b"")
        self._flush()

    def _flush(self) -> None:
        while self.queue and not self.closed:
            data = self.queue[0]
            if data is None:
                self.queue.popleft()
                self.close()
                break
            try:
                written = os.write(self.fd, data)
            except BlockingIOError:
                break
            except OSError:  # the task closed its stdin or exited: drop the rest
                self.close()
                break
            self.backlog -= written
            if written < len(data):
                self.queue[0] = data[written:]
            else:
                self.queue.popleft()
        want = bool(self.queue) and not self.closed
        if want and not self.waiting:
            self.loop.add_writer(self.fd, self._flush)
        elif not want and self.waiting:
            self.loop.remove_writer(self.fd)
        self.waiting = want
        if self.backlog < STDIN_BACKLOG and self.on_drain:
            callbacks, self.on_drain = self.on_drain, []
            for callback in callbacks:
                callback()

    def close(self) -> None:
        """Close the task's stdin; anything still queued is dropped."""
        if self.closed:
            return
        self.closed = True
        if self.waiting:
            self.loop.remove_writer(self.fd)
            self.waiting = False
        self.queue.clear()
        self.backlog = 0
        if not self.tty:
            try:
                os.close(self.fd)
            except OSError:
                pass
        for callback in self.on_drain:
            callback()
        self.on_drain = []


class Utf8Splitter:
    """Cuts a byte stream into output-eventlog data: UTF-8 text where it is, base64 where not.

    A multi-byte character split across two reads is held back and sent with
    the next read, so text comes back unchanged; anything that is not UTF-8
    is sent as base64 (RFC 24's ``encoding``), so every byte round-trips.
    """

    def __init__(self):
        self.held = b""

    def feed(self, data: bytes) -> dict | None:
        """The data fields for ``data`` (None when everything is held back)."""
        data = self.held + data
        cut = _complete_prefix(data)
        self.held, data = data[cut:], data[:cut]
        return encode_data(data) if data else None

    def flush(self) -> dict | None:
        """Whatever is held back, at end of file."""
        data, self.held = self.held, b""
        return encode_data(data) if data else None


def _complete_prefix(data: bytes) -> int:
    """Length of ``data`` without a trailing incomplete UTF-8 sequence (at most 3 bytes)."""
    end = len(data)
    for back in range(1, min(4, end) + 1):
        byte = data[end - back]
        if byte < 0x80:
            return end
        if byte >= 0xC0:  # a lead byte: is its sequence complete?
            need = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return end if back >= need else end - back
    return end
