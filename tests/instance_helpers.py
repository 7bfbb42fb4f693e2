"""Helpers for tests that talk to a private instance over its socket, byte for byte."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from conftest import BIN


class PrivateInstance:
    """An instance with a state directory of its own; ``stop()`` it when done."""

    def __init__(self, state: Path, env: dict | None = None):
        self.state = state
        self.env = {**os.environ, "FX_STATE_DIR": str(state), **(env or {})}
        self.sock_path = str(state / "local.sock")
        self.pid = 0

    def start(self) -> PrivateInstance:
        subprocess.run([str(BIN / "fx"), "instance", "start"], env=self.env, check=True, timeout=60)
        self.pid = int((self.state / "instance.lock").read_text().strip())
        return self

    def run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        """Run a command (fxsub, fxrun, ...) against this instance."""
        return subprocess.run(
            [str(BIN / args[0]), *args[1:]],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )

    def rss_kb(self) -> int:
        """The instance's resident set size (VmRSS), in KiB."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("no VmRSS")

    def log(self) -> str:
        """What the instance wrote to its log (stderr)."""
        path = self.state / "instance.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def connect(self) -> RawClient:
        return RawClient(self.sock_path)

    def stop(self) -> None:
        """Stop the instance and make sure its process is gone."""
        if not self.pid:
            return
        subprocess.run([str(BIN / "fx"), "instance", "stop"], env=self.env, capture_output=True)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        os.kill(self.pid, signal.SIGKILL)


class RawClient:
    """A bare socket speaking the line protocol (no client library in between)."""

    def __init__(self, path: str, timeout: float = 30):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock.connect(path)
                break
            except BlockingIOError:  # the listen backlog is full: the server is accepting
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.01)
        self.file = self.sock.makefile("rb")

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def send(self, message: dict) -> None:
        self.send_raw(json.dumps(message).encode() + b"\n")

    def read(self) -> dict | None:
        """The next message, or None once the instance hung up."""
        line = self.file.readline()
        return json.loads(line) if line else None

    def call(self, method: str, rid=1, **params) -> dict:
        """Send a request; return the first message addressed to ``rid``."""
        self.send({"id": rid, "method": method, "params": params})
        while True:
            message = self.read()
            assert message is not None, "connection closed"
            if message.get("id") == rid:
                return message

    def close(self) -> None:
        try:
            self.file.close()
            self.sock.close()
        except OSError:
            pass
