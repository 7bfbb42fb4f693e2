"""Client side of the local instance: connect (starting it on first use) and talk."""

from __future__ import annotations

import errno
import fcntl
import itertools
import math
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

from fluxcli.errors import BackendError

from .peercred import peer_uid
from .protocol import decode, encode
from .statedir import UnsafeInstanceError, check_state_dir, check_state_files, open_private

START_TIMEOUT = 20.0
DEFAULT_CLIENT_TIMEOUT = 60.0
_DEFAULT = object()


def default_state_dir() -> str:
    """$FX_STATE_DIR, else $XDG_STATE_HOME/fluxcli (~/.local/state/fluxcli)."""
    if os.environ.get("FX_STATE_DIR"):
        return os.environ["FX_STATE_DIR"]
    base = os.environ.get("XDG_STATE_HOME") or os.path.expanduser("~/.local/state")
    return os.path.join(base, "fluxcli")


def client_timeout() -> float | None:
    """Seconds to wait for a reply: $FX_CLIENT_TIMEOUT (0 = forever), default 60."""
    text = os.environ.get("FX_CLIENT_TIMEOUT", "").strip()
    if not text:
        return DEFAULT_CLIENT_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise BackendError(f"FX_CLIENT_TIMEOUT={text}: must be a number of seconds (0 = no limit)")
    return value or None


class RemoteError(BackendError, OSError):
    """An error the instance replied with (errno and message)."""

    def __init__(self, errnum: int, message: str):
        OSError.__init__(self, errnum, message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class NotRunningError(BackendError):
    """Nothing listens at the socket (missing, or stale): an instance may be started."""


def _connect(path: str, timeout: float | None) -> socket.socket:
    """A connected socket; a full listen queue is retried for up to ``timeout`` seconds."""
    deadline = time.monotonic() + (timeout if timeout is not None else math.inf)
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.setblocking(False)  # a full queue is EAGAIN, not an endless wait
        try:
            sock.connect(path)
        except BlockingIOError:
            sock.close()
            if time.monotonic() >= deadline:
                raise BackendError(
                    f"the local instance at {path} is not accepting connections "
                    f"(its queue stayed full for {timeout:g} s)"
                )
            time.sleep(0.05)
            continue
        except (FileNotFoundError, ConnectionRefusedError) as exc:
            sock.close()
            stale = (
                " (stale socket: no instance is listening)"
                if exc.errno == errno.ECONNREFUSED
                else ""
            )
            raise NotRunningError(
                f"Unable to connect to the local instance at {path}: {exc.strerror}{stale}"
            )
        except OSError as exc:
            sock.close()
            raise BackendError(f"Unable to connect to the local instance at {path}: {exc.strerror}")
        sock.setblocking(True)
        return sock


def _check_peer(sock: socket.socket, path: str) -> None:
    """Refuse an instance that does not run as this user (before sending it anything)."""
    uid, me = peer_uid(sock), os.getuid()
    if uid != me:
        raise UnsafeInstanceError(
            f"the local instance at {path} runs as uid {uid}, not as you (uid {me}): refusing to use it"
        )


def _is_listening(path: str) -> bool:
    try:
        _connect(path, 0).close()
        return True
    except NotRunningError:
        return False
    except BackendError:
        return True  # something listens (its queue is full): let the caller report it


def _log_tail(path: str) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(max(0, os.fstat(handle.fileno()).st_size - 4096))
            lines = handle.read().decode(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return lines[-1].strip() if lines else ""


def start_instance(state_dir: str) -> None:
    """Start a detached instance for ``state_dir`` unless one answers (file-locked)."""
    check_state_dir(state_dir, create=True)
    check_state_files(state_dir)
    path = os.path.join(state_dir, "local.sock")
    lock_fd = open_private(os.path.join(state_dir, "start.lock"), os.O_RDWR)
    with open(lock_fd, "r+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _is_listening(path):
            return
        log_path = os.path.join(state_dir, "instance.log")
        log = open_private(log_path, os.O_WRONLY | os.O_APPEND)
        try:
            # -P and cwd="/": the installed fluxcli, never a package in the current
            # directory; and the instance does not hold that directory
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-P",  # never import fluxcli from the current directory
                    "-m",
                    "fluxcli.backends.local.instance.daemon",
                    "--state-dir",
                    os.path.abspath(state_dir),
                ],
                cwd="/",
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
                close_fds=True,
            )
        finally:
            os.close(log)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if _is_listening(path):
                return
            if proc.poll() is not None:
                break
            time.sleep(0.01)
        why = _log_tail(log_path) if proc.poll() is not None else ""
        why = f": {why}" if why else ""
        raise BackendError(f"could not start the local instance{why} (see {log_path})")


class Connection:
    """A synchronous connection; requests on it are serialized by a lock.

    Connecting, sending, and each reply to ``call``/``call_many`` take at most
    $FX_CLIENT_TIMEOUT seconds (``timeout=None``: replies may take forever, as
    for ``wait``); ``stream`` waits for its messages as long as it takes.
    """

    def __init__(self, path: str, timeout=_DEFAULT):
        self.path = path
        default = client_timeout()
        self.send_timeout = default
        self.timeout: float | None = default if timeout is _DEFAULT else timeout
        self.sock = _connect(path, default)
        try:
            _check_peer(self.sock, path)
        except BaseException:
            self.sock.close()
            raise
        self.buffer = bytearray()
        self.scanned = 0
        self.broken: str | None = None
        self.lock = threading.Lock()
        self.ids = itertools.count(1)

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def _fail(self, message: str) -> BackendError:
        """Give up on this connection (a late reply would be taken for another's)."""
        self.broken = message
        self.close()
        return BackendError(message)

    def _send(self, payload: bytes) -> None:
        """Send it all; the time limit is on each stall, not on the whole payload."""
        if self.broken:
            raise BackendError(self.broken)
        self.sock.settimeout(self.send_timeout)
        view = memoryview(payload)
        try:
            while view:
                view = view[self.sock.send(view) :]
        except TimeoutError:
            raise self._fail(
                f"the local instance at {self.path} did not take a request"
                f" within {self.send_timeout:g} s (FX_CLIENT_TIMEOUT)"
            )
        except OSError as exc:
            raise self._fail(f"lost the connection to the local instance at {self.path}: {exc}")

    def _readline(self, timeout: float | None) -> bytes:
        while True:
            end = self.buffer.find(b"\n", self.scanned)
            if end >= 0:
                line = bytes(self.buffer[: end + 1])
                del self.buffer[: end + 1]
                self.scanned = 0
                return line
            self.scanned = len(self.buffer)
            if self.broken:
                raise BackendError(self.broken)
            self.sock.settimeout(timeout)
            try:
                chunk = self.sock.recv(1 << 16)
            except TimeoutError:
                raise self._fail(
                    f"the local instance at {self.path} did not answer within {timeout:g} s"
                    " (FX_CLIENT_TIMEOUT)"
                )
            except OSError as exc:
                raise self._fail(f"lost the connection to the local instance at {self.path}: {exc}")
            if not chunk:
                raise self._fail("the local instance closed the connection")
            self.buffer += chunk

    def _read(self, timeout: float | None) -> dict:
        message = decode(self._readline(timeout))
        if message.get("id") is None and "error" in message:
            raise RemoteError(message["error"]["errno"], message["error"]["message"])
        return message

    def call(self, method: str, **params) -> dict:
        """Send a request and return its result (RemoteError on an error reply)."""
        with self.lock:
            rid = next(self.ids)
            self._send(encode({"id": rid, "method": method, "params": params}))
            while True:
                message = self._read(self.timeout)
                if message.get("id") == rid:
                    break
        if "error" in message:
            raise RemoteError(message["error"]["errno"], message["error"]["message"])
        return message["result"]

    def call_many(self, method: str, params_list: list[dict]) -> list[dict]:
        """Send several requests at once, then collect their results in order."""
        with self.lock:
            ids = [next(self.ids) for _ in params_list]
            payload = b"".join(
                encode({"id": rid, "method": method, "params": params})
                for rid, params in zip(ids, params_list, strict=True)
            )
            self._send(payload)
            replies: dict[int, dict] = {}
            while len(replies) < len(ids):
                message = self._read(self.timeout)
                if message.get("id") in ids:
                    replies[message["id"]] = message
        results = []
        for rid in ids:
            message = replies[rid]
            if "error" in message:
                raise RemoteError(message["error"]["errno"], message["error"]["message"])
            results.append(message["result"])
        return results

    def stream(self, method: str, **params) -> Iterator[dict]:
        """Send a streaming request; yield its messages until the end marker (no time limit)."""
        rid = next(self.ids)
        self._send(encode({"id": rid, "method": method, "params": params}))
        while True:
            message = self._read(None)
            if message.get("id") != rid:
                continue
            if "error" in message:
                raise RemoteError(message["error"]["errno"], message["error"]["message"])
            if message.get("end"):
                return
            yield message


def connect(uri: str | None = None, start: bool = True) -> Connection:
    """Connect to ``local://PATH`` or the default per-user instance (started if needed).

    The default state directory must be the user's own and private, and any
    instance must run as the user (UnsafeInstanceError otherwise).
    """
    if uri:
        path = uri[len("local://") :] if uri.startswith("local://") else uri
        return Connection(path)
    state_dir = default_state_dir()
    path = os.path.join(state_dir, "local.sock")
    if check_state_dir(state_dir):
        check_state_files(state_dir)
    try:
        return Connection(path)
    except NotRunningError:
        if not start:
            raise
    start_instance(state_dir)
    return Connection(path)


__all__ = [
    "Connection",
    "NotRunningError",
    "RemoteError",
    "UnsafeInstanceError",
    "client_timeout",
    "connect",
    "default_state_dir",
    "errno",
]
