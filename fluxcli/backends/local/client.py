"""Client side of the local instance: connect (starting it on first use) and talk."""

from __future__ import annotations

import errno
import fcntl
import itertools
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

from fluxcli.errors import BackendError

from .protocol import decode, encode

START_TIMEOUT = 20.0


def default_state_dir() -> str:
    """$FX_STATE_DIR, else $XDG_STATE_HOME/fluxcli (~/.local/state/fluxcli)."""
    if os.environ.get("FX_STATE_DIR"):
        return os.environ["FX_STATE_DIR"]
    base = os.environ.get("XDG_STATE_HOME") or os.path.expanduser("~/.local/state")
    return os.path.join(base, "fluxcli")


class RemoteError(BackendError, OSError):
    """An error the instance replied with (errno and message)."""

    def __init__(self, errnum: int, message: str):
        OSError.__init__(self, errnum, message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def _connect(path: str) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
    except OSError:
        sock.close()
        raise
    return sock


def start_instance(state_dir: str) -> None:
    """Start a detached instance for ``state_dir`` unless one answers (file-locked)."""
    os.makedirs(state_dir, mode=0o700, exist_ok=True)
    path = os.path.join(state_dir, "local.sock")
    with open(os.path.join(state_dir, "start.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            _connect(path).close()
            return
        except OSError:
            pass
        log = open(os.path.join(state_dir, "instance.log"), "ab")
        proc = subprocess.Popen(
            [sys.executable, "-m", "fluxcli.backends.local.daemon", "--state-dir", state_dir],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
            close_fds=True,
        )
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            try:
                _connect(path).close()
                return
            except OSError:
                if proc.poll() is not None:
                    break
                time.sleep(0.01)
        raise BackendError(f"could not start the local instance (see {state_dir}/instance.log)")


class Connection:
    """A synchronous connection; requests on it are serialized by a lock."""

    def __init__(self, path: str):
        self.path = path
        try:
            self.sock = _connect(path)
        except OSError as exc:
            raise BackendError(f"Unable to connect to the local instance at {path}: {exc.strerror}")
        self.file = self.sock.makefile("rb")
        self.lock = threading.Lock()
        self.ids = itertools.count(1)

    def close(self) -> None:
        try:
            self.file.close()
            self.sock.close()
        except OSError:
            pass

    def _read(self) -> dict:
        line = self.file.readline()
        if not line:
            raise BackendError("the local instance closed the connection")
        message = decode(line)
        if message.get("id") is None and "error" in message:
            raise RemoteError(message["error"]["errno"], message["error"]["message"])
        return message

    def call(self, method: str, **params) -> dict:
        """Send a request and return its result (RemoteError on an error reply)."""
        with self.lock:
            rid = next(self.ids)
            self.sock.sendall(encode({"id": rid, "method": method, "params": params}))
            while True:
                message = self._read()
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
            self.sock.sendall(payload)
            replies: dict[int, dict] = {}
            while len(replies) < len(ids):
                message = self._read()
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
        """Send a streaming request; yield its messages until the end marker."""
        rid = next(self.ids)
        self.sock.sendall(encode({"id": rid, "method": method, "params": params}))
        while True:
            message = self._read()
            if message.get("id") != rid:
                continue
            if "error" in message:
                raise RemoteError(message["error"]["errno"], message["error"]["message"])
            if message.get("end"):
                return
            yield message


def connect(uri: str | None = None, start: bool = True) -> Connection:
    """Connect to ``local://PATH`` or the default per-user instance (started if needed)."""
    if uri:
        path = uri[len("local://") :] if uri.startswith("local://") else uri
        return Connection(path)
    state_dir = default_state_dir()
    path = os.path.join(state_dir, "local.sock")
    try:
        return Connection(path)
    except BackendError:
        if not start:
            raise
    start_instance(state_dir)
    return Connection(path)


__all__ = ["Connection", "RemoteError", "connect", "default_state_dir", "errno"]
