"""Running a job's tasks in the local instance: spawn, stream output, enforce limits."""

from __future__ import annotations

import asyncio
import base64
import os
import shutil
import signal
import subprocess
import tempfile

from fluxcli.jobspec.jobid import id_encode

from .mustache import has_task_tags, render
from .procs import TaskProcess
from .tasks import (
    Task,
    exit_code,
    layout,
    pinned,
    preexec,
    rlimits_to_apply,
    task_environment,
    taskmap,
)

KILL_GRACE = 5.0


class Execution:
    """Runs one job's tasks; reports through the manager's ``post`` and ``exec_done``."""

    def __init__(self, manager, job, nodes):
        self.manager = manager
        self.job = job
        self.nodes = nodes
        self.procs: list[TaskProcess] = []
        self.tasks: list[Task] = []
        self.killed_with: int | None = None
        self.timers: list[asyncio.TimerHandle] = []
        self.stdin_ranks: set[int] | None = None
        self.nested = None
        self.tmpdir = ""
        self._files: dict[str, object] = {}
        self._labels: dict[tuple[int, str], object] = {}  # (rank, stream) -> labelled output file
        self.uri_for_tasks: str | None = None
        self.spawned = False

    # helpers
    @property
    def options(self) -> dict:
        return self.job.jobspec["attributes"]["system"].get("shell", {}).get("options", {})

    @property
    def cwd(self) -> str:
        """The job's working directory (the temp directory if it does not exist)."""
        cwd = self.job.jobspec["attributes"]["system"].get("cwd") or os.getcwd()
        return cwd if os.path.isdir(cwd) else tempfile.gettempdir()

    def info(self) -> dict:
        system = self.job.jobspec["attributes"]["system"]
        command = self.job.jobspec["tasks"][0]["command"]
        name = system.get("job", {}).get("name") or os.path.basename(command[0])
        return {
            "id": self.job.id,
            "name": name,
            "nnodes": len(self.job.alloc.cores),
            "ntasks": len(self.tasks),
            "tmpdir": self.tmpdir,
            "jobspec": self.job.jobspec,
        }

    def post(self, name: str, context: dict | None = None) -> None:
        self.manager.post(self.job, name, context or {}, log="exec")

    def output_header(self, ntasks: int) -> None:
        """The first event of the output eventlog, as the job shell writes it."""
        self.manager.post(
            self.job,
            "header",
            {
                "version": 1,
                "encoding": {"stdout": "UTF-8", "stderr": "UTF-8"},
                "count": {"stdout": ntasks, "stderr": ntasks},
                "options": {},
            },
            log="output",
        )

    def output(self, context: dict) -> None:
        self.manager.post(self.job, "data", context, log="output")

    # lifecycle
    async def run(self) -> None:
        job = self.job
        self.post("init")
        self.post("starting")
        self.tasks = layout(job.jobspec, job.alloc, self.nodes)
        self.tmpdir = tempfile.mkdtemp(prefix=f"fxjob-{id_encode(job.id, 'f58plain')}-")
        status = 0
        try:
            self._extract_files()
            self.manager.job_started(job)
            nnodes = len(job.alloc.cores)
            self.post(
                "shell.init",
                {
                    "service": f"{os.getuid()}-shell-{id_encode(job.id, 'f58plain')}",
                    "leader-rank": min(job.alloc.cores),
                    "size": nnodes,
                },
            )
            self._arm_timers()
            from .nested import is_broker_command, run_nested

            command = job.jobspec["tasks"][0]["command"]
            if is_broker_command(command):
                status = await run_nested(self, command)
            else:
                status = await self._run_tasks(command)
        except Exception as exc:  # never leave a job stuck in RUN
            self.manager.raise_exception(job, "exec", 0, f"job shell failed: {exc}")
            status = max(status, 1 << 8)
        finally:
            for timer in self.timers:
                timer.cancel()
            self._close_files()
            # removing a directory can take a millisecond on overlay filesystems:
            # keep it off the event loop
            asyncio.get_running_loop().run_in_executor(None, shutil.rmtree, self.tmpdir, True)
        for rank in sorted(job.alloc.cores):
            self.post("shell-exit", {"rank": rank, "wait_status": status})
        self.post("complete", {"status": status})
        self.post("done")
        self.manager.exec_done(job, status)

    def _extract_files(self) -> None:
        files = self.job.jobspec["attributes"]["system"].get("files") or {}
        for name, entry in files.items():
            path = os.path.join(self.tmpdir, name)
            data = entry.get("data")
            if entry.get("encoding") == "base64":
                content = base64.b64decode(data)
            elif isinstance(data, str):
                content = data.encode()
            else:
                import json

                content = json.dumps(data).encode()
            with open(path, "wb") as handle:
                handle.write(content)
            os.chmod(path, entry.get("mode", 0o600) & 0o7777)

    def _arm_timers(self) -> None:
        loop = asyncio.get_running_loop()
        duration = self.job.duration
        if not duration:
            return
        sig = self.options.get("signal")
        if isinstance(sig, dict):
            when = max(0.0, duration - float(sig.get("timeleft", 60)))
            self.timers.append(loop.call_later(when, self.kill, int(sig.get("signum", 10))))
        self.timers.append(loop.call_later(duration, self.manager.expire, self.job))

    # tasks
    async def _run_tasks(self, command: list[str]) -> int:
        info = self.info()
        ntasks, nnodes = len(self.tasks), info["nnodes"]
        limits = rlimits_to_apply(self.options.get("rlimit") or {})
        affinity = self.options.get("cpu-affinity", "on") != "off"
        self.group = not self.options.get("nosetpgrp")
        cwd = self.cwd
        self.procs = []
        done = asyncio.get_running_loop().create_future()
        pending = {"n": 0}

        def settle() -> None:
            pending["n"] -= 1
            if pending["n"] == 0 and not done.done():
                done.set_result(None)

        for task in self.tasks:
            argv = [
                render(word, info, {"rank": task.rank, "localid": task.localid}, task.node)
                for word in command
            ]
            env = task_environment(
                info, task, ntasks, nnodes, self.uri_for_tasks or self.manager.uri, self.tmpdir
            )
            stdout, stderr = self._output_targets(task, info)
            try:
                with pinned(task.node["cores"] if affinity else None):
                    proc = TaskProcess(
                        argv,
                        on_output=lambda stream, data, t=task: self._output(t, stream, data),
                        on_eof=lambda stream, t=task: (self._eof(t, stream), settle()),
                        on_exit=lambda status, pid, t=task: (
                            self._task_exit(t, status, pid),
                            settle(),
                        ),
                        pty=task.rank == 0 and bool(self.options.get("pty")),
                        stdin=self._stdin_for(task),
                        stdout=stdout,
                        stderr=stderr,
                        cwd=cwd,
                        env=env,
                        preexec_fn=preexec(limits) if limits else None,
                        process_group=0 if self.group else None,
                        close_fds=True,
                    )
            except OSError as exc:
                self.kill(signal.SIGKILL)
                if pending["n"]:
                    await done
                self.manager.raise_exception(
                    self.job,
                    "exec",
                    0,
                    f"task {task.rank} (host {task.node['hostname']}): start failed: "
                    f"{argv[0]}: {exc.strerror}",
                )
                return 127 << 8
            pending["n"] += 1 + proc.open_streams
            self.procs.append(proc)
        self.manager.record_pids(self.job, self.pids())
        self.spawned = True
        for data, ranks in self.job.stdin_buffer:
            self.write_stdin(data, ranks)
        self.job.stdin_buffer.clear()
        self.post("shell.start", {"taskmap": taskmap(self.tasks)})
        count = len(self.tasks)
        self.output_header(count)
        if self.killed_with is not None:
            self.kill(self.killed_with)
        if pending["n"]:
            await done
        codes = [exit_code(p.status) for p in self.procs if p.status is not None]
        return max(codes, default=0) << 8

    def _task_exit(self, task: Task, status: int, pid: int) -> None:
        self.post(
            "shell.task-exit",
            {
                "localid": task.localid,
                "rank": task.rank,
                "state": "Exited",
                "pid": pid,
                "wait_status": status,
                "signaled": status & 0x7F,
                "exitcode": exit_code(status),
            },
        )

    def _stdin_for(self, task: Task):
        spec = self.options.get("input", {}).get("stdin")
        if isinstance(spec, dict) and spec.get("type") == "file":
            try:
                return open(os.path.join(self.cwd, spec["path"]), "rb")  # relative to the job's cwd
            except OSError:
                return subprocess.DEVNULL
        if self.job.stdin_mode == "pipe":
            return subprocess.PIPE
        return subprocess.DEVNULL

    def _file_spec(self, stream: str) -> dict | None:
        """The file an output stream goes to (stderr shares stdout's unless given its own)."""
        out_spec = self.options.get("output", {})
        if not isinstance(out_spec, dict):
            return None
        spec = out_spec.get(stream)
        if spec is None and stream == "stderr":
            spec = out_spec.get("stdout")
        return spec if isinstance(spec, dict) and spec.get("type") == "file" else None

    def _output_file(self, spec: dict, task: Task, info: dict):
        """Open (once) the file a template names for ``task``; task/node tags make one per task."""
        per_task = has_task_tags(spec["path"])
        task_vars = {"rank": task.rank, "localid": task.localid} if per_task else None
        path = os.path.join(
            self.cwd, render(spec["path"], info, task_vars, task.node if per_task else None)
        )
        if path not in self._files:
            mode = "ab" if self.options.get("output", {}).get("mode") == "append" else "wb"
            self._files[path] = open(path, mode)
        return self._files[path]

    def _output_targets(self, task: Task, info: dict):
        targets = []
        for stream in ("stdout", "stderr"):
            spec = self._file_spec(stream)
            if spec is None:
                targets.append(subprocess.PIPE)
            elif spec.get("label"):
                # labelled lines are written by _output
                self._labels[(task.rank, stream)] = self._output_file(spec, task, info)
                targets.append(subprocess.PIPE)
            else:
                targets.append(self._output_file(spec, task, info))
        return targets

    def _output(self, task: Task, stream: str, data: bytes) -> None:
        label_file = self._labels.get((task.rank, stream))
        text = data.decode("utf-8", errors="replace")
        if label_file is not None:
            for line in text.splitlines(keepends=True):
                label_file.write(f"{task.rank}: {line}".encode())
            label_file.flush()
        else:
            self.output({"stream": stream, "rank": str(task.rank), "data": text})

    def _eof(self, task: Task, stream: str) -> None:
        if (task.rank, stream) not in self._labels:
            self.output({"stream": stream, "rank": str(task.rank), "eof": True})

    def _close_files(self) -> None:
        for handle in self._files.values():
            try:
                handle.close()
            except OSError:
                pass
        self._files.clear()
        self._labels.clear()

    # control
    def kill(self, signum: int) -> None:
        """Send ``signum`` to every task (its process group)."""
        self.killed_with = signum
        if self.nested is not None:
            self.nested.kill(signum)
        for proc in self.procs:
            proc.signal(signum, getattr(self, "group", True))

    def terminate(self, signum: int) -> None:
        """Send ``signum`` now and SIGKILL after a grace period."""
        self.kill(signum)
        loop = asyncio.get_running_loop()
        self.timers.append(loop.call_later(KILL_GRACE, self.kill, signal.SIGKILL))

    def write_stdin(self, data: str | None, ranks: list[int] | None = None) -> None:
        """Forward input to tasks (all, or ``ranks``); ``None`` closes stdin."""
        for task, proc in zip(self.tasks, self.procs, strict=False):
            if data is None or (ranks is not None and task.rank not in ranks):
                proc.write(None)  # EOF for everyone; ranks not chosen get none
            else:
                proc.write(data.encode())

    def pids(self) -> list[int]:
        """Process ids of running tasks."""
        return [p.pid for p in self.procs if p.running]
