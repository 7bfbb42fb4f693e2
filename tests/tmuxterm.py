"""Commands on a real terminal: tmux sessions of their own, read with capture-pane."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
import uuid

import pytest


def wait_for(predicate, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


class Tmux:
    """A command in a detached tmux session of its own (a private server socket)."""

    def __init__(self, command: str, width: int = 100, height: int = 20):
        self.socket = f"fxtest-{uuid.uuid4().hex[:8]}"
        self.tmux(
            "-f", "/dev/null", "new-session", "-d", "-x", str(width), "-y", str(height), command
        )

    def tmux(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=True
        ).stdout

    def screen(self, escapes: bool = False) -> str:
        """What the terminal shows (with ``escapes``, its colours as escape sequences)."""
        return self.tmux("capture-pane", "-p", *(["-e"] if escapes else []))

    def wait_for(self, pattern: str, timeout: float = 20.0) -> re.Match:
        return wait_for(lambda: re.search(pattern, self.screen(), re.M), timeout)

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", *keys)

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


def tmux_sessions():
    """Body of a ``tmux`` fixture: yields a starter of commands on terminals, closes them after."""
    if not shutil.which("tmux"):
        pytest.skip("tmux is needed to give the commands a terminal")
    sessions: list[Tmux] = []

    def start(command: str, width: int = 100, height: int = 20) -> Tmux:
        sessions.append(Tmux(f"{command}; echo EXIT=$?; sleep 60", width, height))
        return sessions[-1]

    yield start
    for session in sessions:
        session.close()
