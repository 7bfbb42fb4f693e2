"""Nested instances: a job whose command is ``flux broker [OPTS] [PROGRAM]``.

The local backend starts a child instance on exactly the job's resources and
runs PROGRAM in it with FX_URI/FLUX_URI pointing there, so ``fxrun`` inside a
batch script runs inside the allocation.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import time

from fluxcli.jobspec.jobid import id_encode

from ..statedir import open_private


def is_broker_command(command: list[str]) -> bool:
    """True for ``flux broker ...`` commands (what fxbatch and fxalloc build)."""
    return (
        len(command) >= 2
        and os.path.basename(command[0]) in ("flux", "fx")
        and command[1] == "broker"
    )


def split_broker_command(command: list[str]) -> tuple[list[str], list[str]]:
    """Split into broker options and the initial program."""
    opts, rest = [], command[2:]
    i = 0
    while i < len(rest):
        word = rest[i]
        if word == "--":
            return opts, rest[i + 1 :]
        if not word.startswith("-"):
            break
        opts.append(word)
        i += 1
    return opts, rest[i:]


class NestedInstance:
    """A child instance process serving the job's allocation."""

    def __init__(self, execution):
        self.execution = execution
        self.proc: asyncio.subprocess.Process | None = None
        self.stopped = asyncio.Event()
        self.state_dir = os.path.join(execution.tmpdir, "instance")
        self.uri = f"local://{os.path.join(self.state_dir, 'local.sock')}"

    async def start(self) -> None:
        job = self.execution.job
        os.makedirs(self.state_dir, mode=0o700, exist_ok=True)
        nodes = []
        for rank in sorted(job.alloc.cores):
            node = self.execution.nodes[rank]
            nodes.append(
                {
                    "rank": len(nodes),
                    "hostname": node.hostname,
                    "cores": job.alloc.cores[rank],
                    "gpus": job.alloc.gpus.get(rank, []),
                }
            )
        nodes_file = os.path.join(self.state_dir, "nodes.json")
        with open(nodes_file, "w") as handle:
            json.dump(nodes, handle)
        log = open_private(os.path.join(self.state_dir, "instance.log"), os.O_WRONLY | os.O_APPEND)
        try:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-P",  # never import fluxcli from the current directory
                "-m",
                "fluxcli.backends.local.instance.daemon",
                "--foreground",
                "--state-dir",
                self.state_dir,
                "--nodes",
                nodes_file,
                "--jobid",
                id_encode(job.id, "f58plain"),
                "--idle-timeout",
                "0",
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        finally:
            os.close(log)
        path = self.uri[len("local://") :]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.returncode is not None:
                raise RuntimeError("nested instance failed to start")
            try:
                with socket.socket(socket.AF_UNIX) as sock:
                    sock.connect(path)
                return
            except OSError:
                await asyncio.sleep(0.02)
        raise RuntimeError("nested instance did not start in time")

    def kill(self, signum: int) -> None:
        """A signal for the job ends an initial-program-less instance."""
        self.stopped.set()

    async def stop(self) -> None:
        if self.proc is None or self.proc.returncode is not None:
            return
        try:
            self.proc.send_signal(signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            await asyncio.wait_for(self.proc.wait(), 10)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()


async def run_nested(execution, command: list[str]) -> int:
    """Run a nested instance job; return its wait status."""
    opts, program = split_broker_command(command)
    rc2_none = any(
        o.replace(" ", "") in ("-Sbroker.rc2_none=1", "-Sbroker.rc2_none=true") for o in opts
    )
    nested = NestedInstance(execution)
    execution.nested = nested
    await nested.start()
    execution.manager.post(execution.job, "memo", {"uri": nested.uri})
    try:
        if program:
            return await _run_program(execution, nested, program)
        if rc2_none:
            execution.post("shell.start", {"taskmap": {"version": 1, "map": [[0, 1, 1, 1]]}})
            await nested.stopped.wait()
            return (128 + (execution.killed_with or signal.SIGTERM)) << 8
        shell = os.environ.get("SHELL") or "/bin/sh"
        return await _run_program(execution, nested, [shell])
    finally:
        await nested.stop()


async def _run_program(execution, nested: NestedInstance, program: list[str]) -> int:
    # the initial program runs once, on the first node, pointed at the child
    first = execution.tasks[0] if execution.tasks else None
    if first is not None:
        execution.tasks = [first]
    try:
        execution.uri_for_tasks = nested.uri
        return await execution._run_tasks(program)
    finally:
        execution.uri_for_tasks = None
