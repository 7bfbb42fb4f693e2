"""Running a job's tasks in the local instance: a job shell spawns them; output and stdin
stream through the instance; limits and signals are enforced here."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import tempfile
from collections.abc import Callable

from fluxcli.jobspec.jobid import id_encode
from fluxcli.jobspec.templates import render

from .jobfiles import extract_files
from .output import LabelWriter, OutputFiles
from .streams import STDIN_BACKLOG, OutputReader, StdinWriter, Utf8Splitter
from .tasks import Task, exit_code, layout, rlimit_numbers, task_environment, taskmap

KILL_GRACE = 5.0
# after its shell ended, how long a job's output may take to reach end of file
EOF_GRACE = 2.0


class Execution:
    """Runs one job's tasks; reports through the manager's ``post`` and ``exec_done``."""

    def __init__(self, manager, job, nodes):
        self.manager = manager
        self.job = job
        self.nodes = nodes
        self.tasks: list[Task] = []
        self.killed_with: int | None = None
        self.timers: list[asyncio.TimerHandle] = []
        self.nested = None
        self.tmpdir = ""
        self.uri_for_tasks: str | None = None
        self.spawned = False
        self.control: int | None = None  # write end of the shell's control pipe
        self.stdin: dict[int, StdinWriter] = {}
        self.readers: list[OutputReader] = []
        self.splitters: dict[tuple[int, str], Utf8Splitter] = {}
        self.labels: dict[tuple[int, str], LabelWriter] = {}
        self.files: OutputFiles | None = None
        self.statuses: dict[int, int] = {}
        self.shell_status: int | None = None
        self.shell_ended = False
        self.failure: str | None = None
        self.usage: dict | None = None
        self.output_lost = False
        self.finished: asyncio.Future | None = None

    # helpers
    @property
    def options(self) -> dict:
        return self.job.jobspec["attributes"]["system"].get("shell", {}).get("options", {})

    @property
    def requested_cwd(self) -> str:
        return self.job.jobspec["attributes"]["system"].get("cwd") or tempfile.gettempdir()

    @property
    def cwd(self) -> str:
        """Where the job runs (the temp directory if its cwd does not exist, as Flux does)."""
        cwd = self.requested_cwd
        return cwd if os.path.isdir(cwd) else tempfile.gettempdir()

    def info(self) -> dict:
        return {
            "id": self.job.id,
            "name": self.job.name,
            "nnodes": len(self.job.alloc.cores),
            "ntasks": len(self.tasks),
            "tmpdir": self.tmpdir,
            "jobspec": self.job.jobspec,
        }

    def post(self, name: str, context: dict | None = None) -> None:
        self.manager.post(self.job, name, context or {}, log="exec")

    def output_header(self, ntasks: int) -> None:
        """The first events of the input and output eventlogs, as the job shell writes them."""
        for log, streams in (("input", ("stdin",)), ("output", ("stdout", "stderr"))):
            context = {
                "version": 1,
                "encoding": dict.fromkeys(streams, "UTF-8"),
                "count": dict.fromkeys(streams, ntasks),
                "options": {},
            }
            self.manager.post(self.job, "header", context, log=log)

    def output(self, context: dict) -> None:
        self.manager.post(self.job, "data", context, log="output")

    # lifecycle
    async def run(self) -> None:
        job = self.job
        self.post("init")
        self.post("starting")
        status = 0
        try:
            self.tmpdir = tempfile.mkdtemp(prefix=f"fxjob-{id_encode(job.id, 'f58plain')}-")
            self.tasks = layout(job.jobspec, job.alloc, self.nodes)
            extract_files(self.job.jobspec, self.tmpdir)
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
            self._release_streams()
            # removing a directory can take a millisecond on overlay filesystems:
            # keep it off the event loop
            if self.tmpdir:
                asyncio.get_running_loop().run_in_executor(None, shutil.rmtree, self.tmpdir, True)
        for rank in sorted(job.alloc.cores):
            self.post("shell-exit", {"rank": rank, "wait_status": status})
        self.post("complete", {"status": status})
        self.post("done")
        self.manager.exec_done(job, status)

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
        """Have a job shell run ``command`` as the job's tasks; return the wait status."""
        info = self.info()
        options = self.options
        cwd = self.cwd
        self.files = OutputFiles(options, cwd, self.job.umask)
        child_fds: list[int] = []  # our copies of what the shell gets, closed once sent
        passed: list[int] = []
        control_r, control_w = os.pipe2(os.O_CLOEXEC)
        os.set_blocking(control_w, False)
        self.control = control_w
        child_fds.append(control_r)
        passed.append(control_r)

        def pass_fd(fd: int, ours: bool = True) -> int:
            passed.append(fd)
            if ours:
                child_fds.append(fd)
            return len(passed) - 1

        try:
            stdin_index = self._input_file(pass_fd)
            if stdin_index is None:
                return 1 << 8
            task_specs = [
                self._task_spec(task, command, info, stdin_index, pass_fd) for task in self.tasks
            ]
        except OSError:
            for fd in child_fds:
                os.close(fd)
            raise
        affinity = options.get("cpu-affinity", "on") != "off"
        spec = {
            "job": self.job.id,
            "cwd": self.requested_cwd,
            "cwd_fallback": tempfile.gettempdir(),
            "umask": self.job.umask,
            "rlimits": rlimit_numbers(options.get("rlimit") or {}),
            "setpgrp": not options.get("nosetpgrp"),
            "tasks": task_specs if affinity else [{**t, "cores": None} for t in task_specs],
        }
        self.finished = asyncio.get_running_loop().create_future()
        self.output_header(len(self.tasks))
        try:
            self.manager.launcher.spawn(self.job.id, spec, passed, self)
        finally:
            for fd in child_fds:
                os.close(fd)
        self.spawned = True
        for data, ranks in self.job.stdin_buffer:
            self.write_stdin(data, ranks)
        self.job.stdin_buffer.clear()
        for waiter in self.job.stdin_waiters:
            self.when_stdin_drained(waiter)
        self.job.stdin_waiters.clear()
        if self.killed_with is not None:
            self.kill(self.killed_with)
        await self.finished
        self.manager.launcher.forget(self.job.id)
        codes = [exit_code(s) for s in self.statuses.values()]
        if self.shell_status is not None:
            codes.append(exit_code(self.shell_status))
        if self.failure is not None:
            rank, message = self.failure
            self.manager.raise_exception(self.job, "exec", 0, message)
            codes.append(_exec_failure_code(message) if rank is not None else 1)
        return max(codes, default=0) << 8

    def _input_file(self, pass_fd: Callable[..., int]) -> int | None:
        """The descriptor index of ``--input=FILE`` (-1 without one; None when it won't open)."""
        spec = self.options.get("input", {}).get("stdin")
        if not (isinstance(spec, dict) and spec.get("type") == "file"):
            return -1
        path = os.path.join(self.cwd, spec["path"])  # relative to the job's cwd
        try:
            return pass_fd(os.open(path, os.O_RDONLY | os.O_CLOEXEC))
        except OSError as exc:
            self.manager.raise_exception(
                self.job, "exec", 0, f"error opening input file '{spec['path']}': {exc.strerror}"
            )
            return None

    def _task_spec(
        self, task: Task, command: list[str], info: dict, stdin_index: int, pass_fd
    ) -> dict:
        rank = task.rank
        task_vars = {"rank": rank, "localid": task.localid}
        argv = [render(word, info, task_vars, task.node) for word in command]
        env = task_environment(
            info,
            task,
            len(self.tasks),
            info["nnodes"],
            self.uri_for_tasks or self.manager.uri,
            self.tmpdir,
        )
        spec = {"rank": rank, "argv": argv, "env": env, "cores": task.node["cores"]}
        if rank == 0 and self.options.get("pty"):
            master, slave = os.openpty()
            os.set_inheritable(master, False)
            index = pass_fd(slave)
            self.stdin[rank] = StdinWriter(os.dup(master), closes_with_eot=True)
            self._read(master, rank, "stdout")
            return {**spec, "stdio": [index, index, index], "pty": True}
        stdio = [stdin_index]
        if self.job.stdin_mode == "pipe" and stdin_index < 0:
            read_end, write_end = os.pipe2(os.O_CLOEXEC)
            self.stdin[rank] = StdinWriter(write_end)
            stdio[0] = pass_fd(read_end)
        assert self.files is not None
        for stream in ("stdout", "stderr"):
            file_spec = self.files.stream_spec(stream)
            if file_spec is not None and not file_spec.get("label"):
                fd = self.files.open_for(file_spec, info, rank, task.localid, task.node)
                stdio.append(pass_fd(fd, ours=False))
                continue
            read_end, write_end = os.pipe2(os.O_CLOEXEC)
            stdio.append(pass_fd(write_end))
            if file_spec is not None:  # labelled lines are written here
                fd = self.files.open_for(file_spec, info, rank, task.localid, task.node)
                self.labels[(rank, stream)] = LabelWriter(fd, rank)
            self._read(read_end, rank, stream)
        return {**spec, "stdio": stdio}

    def _read(self, fd: int, rank: int, stream: str) -> None:
        self.readers.append(
            OutputReader(
                fd,
                lambda data: self._output(rank, stream, data),
                lambda: self._eof(rank, stream),
            )
        )

    # reports of the job shell
    def shell_report(self, report: dict) -> None:
        """Handle one report of this job's shell (see jobshell.py)."""
        ev = report.get("ev")
        if ev == "spawned":
            self.post("shell.start", {"taskmap": taskmap(self.tasks)})
        elif ev == "exit":
            self._task_exit(report["rank"], report["status"], report["pid"])
        elif ev == "error":
            task = next(t for t in self.tasks if t.rank == report["rank"])
            command = self.job.jobspec["tasks"][0]["command"]
            message = (
                f"task {task.rank} (host {task.node['hostname']}): start failed: "
                f"{command[0]}: {report['message']}"
            )
            self.failure = (task.rank, message)
            # the shell's own fatal message, in the output eventlog as Flux's shell logs it
            shell_rank = task.node.get("rank", 0)
            log = {"rank": shell_rank, "level": 0, "message": message}
            self.manager.post(self.job, "log", log, log="output")
        elif ev == "failed":  # the shell could not start, or broke down
            self.failure = (None, f"job shell failed: {report.get('message')}")
            self._shell_end()
        elif ev == "done":
            self.usage = {"cputime": report.get("cputime"), "maxrss": report.get("maxrss")}
            self._shell_end()
        elif ev == "shell-exit":
            if not self.shell_ended and report.get("status"):
                self.shell_status = report["status"]
            self._shell_end()

    def shell_lost(self) -> None:
        """The launcher died with this job's shell in its care."""
        self.kill_tree()
        if not self.shell_ended:
            self.failure = (None, "lost contact with job shell")
            self._shell_end()

    def _shell_end(self) -> None:
        if self.shell_ended:
            return
        self.shell_ended = True
        for writer in self.stdin.values():
            writer.close()
        self._close_control()
        if any(r.open for r in self.readers):
            # every writer is dead now; don't wait forever for one that escaped
            loop = asyncio.get_running_loop()
            self.timers.append(loop.call_later(EOF_GRACE, self._close_readers))
        self._check_finished()

    def _close_readers(self) -> None:
        for reader in self.readers:
            reader.close()

    def _check_finished(self) -> None:
        if (
            self.shell_ended
            and not any(r.open for r in self.readers)
            and self.finished is not None
            and not self.finished.done()
        ):
            self.finished.set_result(None)

    def _task_exit(self, rank: int, status: int, pid: int) -> None:
        self.statuses[rank] = status
        localid = next((t.localid for t in self.tasks if t.rank == rank), 0)
        self.post(
            "shell.task-exit",
            {
                "localid": localid,
                "rank": rank,
                "state": "Exited",
                "pid": pid,
                "wait_status": status,
                "signaled": status & 0x7F,
                "exitcode": exit_code(status),
            },
        )

    def accounting(self) -> dict:
        """CPU seconds and peak memory of the job's process tree, and its output files."""
        usage = self.usage or {}
        return {
            "cputime": usage.get("cputime"),
            "maxrss": usage.get("maxrss"),
            "output_paths": json.dumps(self.files.paths() if self.files else []),
        }

    # output
    def _output(self, rank: int, stream: str, data: bytes) -> None:
        label = self.labels.get((rank, stream))
        if label is not None:
            if not self.output_lost:
                try:
                    label.write(data)
                except OSError as exc:  # its file's device is full: say so, never cut it short
                    self._lose_output(f"writing the {stream} file: {exc.strerror}")
            return
        if self.manager.out_of_space():
            self._lose_output()
            return
        fields = self.splitters.setdefault((rank, stream), Utf8Splitter()).feed(data)
        if fields:
            self.output({"stream": stream, "rank": str(rank), **fields})

    def _lose_output(self, why: str | None = None) -> None:
        """Output that cannot be recorded ends the job, saying why."""
        if self.output_lost:
            return
        self.output_lost = True
        why = why or self.manager.space_message()
        self.manager.raise_exception(self.job, "exec", 0, f"output lost: {why}")

    def _eof(self, rank: int, stream: str) -> None:
        label = self.labels.get((rank, stream))
        if label is not None:
            try:
                if not self.output_lost:
                    label.close()
            except OSError as exc:
                self._lose_output(f"writing the {stream} file: {exc.strerror}")
        else:
            splitter = self.splitters.pop((rank, stream), None)
            rest = splitter.flush() if splitter is not None else None
            if rest and not self.output_lost:
                self.output({"stream": stream, "rank": str(rank), **rest})
            self.output({"stream": stream, "rank": str(rank), "eof": True})
        self._check_finished()

    def _release_streams(self) -> None:
        self._close_readers()
        for writer in self.stdin.values():
            writer.close()
        self._close_control()
        if self.files is not None:
            self.files.close()

    def _close_control(self) -> None:
        if self.control is not None:
            os.close(self.control)
            self.control = None

    # control
    def _tell_shell(self, message: bytes) -> None:
        if self.control is None:
            return
        try:
            os.write(self.control, message)
        except OSError:
            pass

    def kill(self, signum: int) -> None:
        """Send ``signum`` to every task (each task's process group)."""
        self.killed_with = signum
        if self.nested is not None:
            self.nested.kill(signum)
        self._tell_shell(b"s%d\n" % signum)

    def kill_tree(self) -> None:
        """End every process of the job, whatever it did to escape its process group."""
        if self.nested is not None:
            self.nested.kill(signal.SIGKILL)
        self._tell_shell(b"K\n")

    def terminate(self, signum: int) -> None:
        """Send ``signum`` now; after a grace period end the job's whole process tree."""
        self.kill(signum)
        loop = asyncio.get_running_loop()
        self.timers.append(loop.call_later(KILL_GRACE, self.kill_tree))

    def write_stdin(self, data: bytes | None, ranks: list[int] | None = None) -> None:
        """Forward input to tasks (all, or ``ranks``); ``None`` closes stdin."""
        for rank, writer in self.stdin.items():
            if data is None or (ranks is not None and rank not in ranks):
                writer.write(None)  # EOF for everyone; ranks not chosen get none
            else:
                writer.write(data)

    def when_stdin_drained(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once no task's unread stdin is over the backlog limit."""
        full = [w for w in self.stdin.values() if w.backlog >= STDIN_BACKLOG]
        if not full:
            callback()
            return
        remaining = {"n": len(full)}

        def one_drained() -> None:
            remaining["n"] -= 1
            if remaining["n"] == 0:
                callback()

        for writer in full:
            writer.on_drain.append(one_drained)


def _exec_failure_code(message: str) -> int:
    """A task that could not start exits as a shell would have it: 126 when the command
    exists but cannot be run (permission), 127 otherwise (not found)."""
    import errno

    denied = (os.strerror(errno.EACCES), os.strerror(errno.EPERM), os.strerror(errno.ENOEXEC))
    return 126 if message.endswith(denied) else 127
