"""Attaching to a running job (fxrun, fxalloc): output, stdin, signals, exit status."""

from __future__ import annotations

import os
import queue
import signal
import sys
import threading
import time

from fluxcli.errors import FluxcliError

from .status import Outcome, finish_message

DOUBLE_CTRL_C = 2.0


class Attacher:
    """Streams a job's output, forwards stdin and Ctrl-C, and waits for the job."""

    def __init__(self, inv, jobid, stdin_ranks: list[int] | None = None, interactive: bool = False):
        # interactive: the job runs on a pty; keystrokes (Ctrl-C too) go to it raw
        self.interactive = interactive and sys.stdin.isatty()
        self.inv = inv
        self.jobid = jobid
        self.backend = inv.handle.backend
        self.outcome = Outcome()
        self.start = time.time()
        self.last_sigint = 0.0
        self.stdin_ranks = stdin_ranks
        self.output_complete = False
        self.output_error: str | None = None
        self.requests: queue.SimpleQueue = queue.SimpleQueue()

    def run(self) -> int:
        ns = self.inv.ns
        # signal handlers first: a Ctrl-C must reach the job as soon as it can run
        threading.Thread(target=self._serve_requests, daemon=True).start()
        old = signal.signal(signal.SIGINT, self._on_sigint)
        forwarded = [signal.SIGTERM, signal.SIGHUP, signal.SIGALRM, signal.SIGUSR1, signal.SIGUSR2]
        saved = {sig: signal.signal(sig, self._forward_signal) for sig in forwarded}
        saved[signal.SIGTSTP] = signal.signal(signal.SIGTSTP, self._on_sigtstp)
        output = threading.Thread(target=self._output, daemon=True)
        output.start()
        if self.inv.stdin_mode == "pipe":
            threading.Thread(target=self._forward_stdin, daemon=True).start()
        wait_event = getattr(ns, "wait_event", None) or "clean"
        terminal = RawTerminal() if self.interactive else None
        try:
            ended = False
            for entry in self.backend.events([int(self.jobid)]):
                event = entry.to_dict()
                self.outcome.update(event)
                self._show(event)
                ended = event["name"] == "clean"
                if ended or event["name"] == wait_event:
                    break
            if ended:  # all of the output, however far the reader lags behind the job
                output.join()
                if not self.output_complete and self.output_error is None:
                    self.output_error = "the output stream ended before the job's output did"
        finally:
            if terminal is not None:
                terminal.restore()
            signal.signal(signal.SIGINT, old)
            for sig, handler in saved.items():
                signal.signal(sig, handler)
        if self.output_error is not None:
            print(f"{self.inv.name}: error reading output: {self.output_error}", file=sys.stderr)
            return max(self.outcome.exit_code, 1)
        if self.outcome.status:
            message = finish_message(self.outcome.status)
            if message:
                print(f"{self.inv.name}: {message}", file=sys.stderr, flush=True)
        return self.outcome.exit_code

    def _show(self, event: dict) -> None:
        ns = self.inv.ns
        context = event.get("context", {})
        if getattr(ns, "verbose", 0) > 1:
            print(
                f"{self.inv.name}: {event['timestamp'] - self.start:.3f}s: {event['name']} {context or ''}".rstrip(),
                file=sys.stderr,
                flush=True,
            )
        if event["name"] == "exception":
            print(
                f"{self.inv.name}: {event['timestamp'] - self.start:.3f}s: job.exception {self.jobid} "
                f"type={context.get('type')} severity={context.get('severity')} {context.get('note', '')}".rstrip(),
                file=sys.stderr,
                flush=True,
            )

    def _output(self) -> None:
        from fluxcli.views.output import OutputCopier

        copier = OutputCopier(sys.stdout, sys.stderr, label=getattr(self.inv.ns, "label_io", False))
        try:
            for chunk in self.backend.output([int(self.jobid)]):
                copier.write(chunk)
            self.output_complete = True
        except (OSError, FluxcliError) as exc:  # a lost connection is a BackendError
            self.output_error = str(exc)

    def _forward_stdin(self) -> None:
        try:
            fd = sys.stdin.fileno()
        except (OSError, ValueError):
            return
        backend = self.backend  # write_stdin has a channel of its own
        try:
            while True:
                data = os.read(fd, 65536)
                if not data:
                    break
                backend.write_stdin(int(self.jobid), data, self.stdin_ranks)
            backend.write_stdin(int(self.jobid), None, self.stdin_ranks)
        except OSError:
            pass

    def _on_sigtstp(self, signum, frame) -> None:
        """Ctrl-C then Ctrl-Z detaches, leaving the job running."""
        if time.monotonic() - self.last_sigint <= DOUBLE_CTRL_C:
            print(f"\r{self.inv.name}: detaching from {self.jobid}", file=sys.stderr, flush=True)
            os._exit(0)
        signal.signal(signal.SIGTSTP, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTSTP)
        signal.signal(signal.SIGTSTP, self._on_sigtstp)

    def _on_sigint(self, signum, frame) -> None:
        now = time.monotonic()
        if now - self.last_sigint <= DOUBLE_CTRL_C:
            print(f"\r{self.inv.name}: canceling {self.jobid}", file=sys.stderr, flush=True)
            self.requests.put(("cancel", None))
        else:
            print(
                f"\r{self.inv.name}: one more ctrl-C within {DOUBLE_CTRL_C:.0f}s to cancel or ctrl-Z to detach",
                file=sys.stderr,
                flush=True,
            )
            self.requests.put(("kill", signal.SIGINT))
        self.last_sigint = now

    def _forward_signal(self, signum, frame) -> None:
        self.requests.put(("kill", signum))

    def _serve_requests(self) -> None:
        # signal handlers only queue requests: a handler may run in the middle of
        # another call on the same connection, which holds its lock
        while True:
            action, value = self.requests.get()
            try:
                if action == "cancel":
                    self.backend.cancel(int(self.jobid), "interrupted from the terminal")
                else:
                    self.backend.kill(int(self.jobid), value)
            except OSError:
                pass


def attach(inv, jobid, interactive: bool = False) -> int:
    """Attach to ``jobid`` until it is clean (or --wait-event); return its exit code."""
    ranks = None
    value = getattr(inv.ns, "input", None)
    if value is not None:
        from fluxcli.jobspec.idset import is_idset, parse_idset

        if is_idset(value):
            ranks = parse_idset(value)
    return Attacher(inv, jobid, ranks, interactive=interactive).run()


def wait_instance_ready(inv, jobid) -> int:
    """fxalloc --bg: wait until the nested instance answers, then print its id."""
    backend = inv.handle.backend
    start = time.time()
    for event in backend.events([int(jobid)]):
        if inv.ns.verbose and event.name == "alloc":
            print(f"{jobid}: {time.time() - start:6.3f}s: resources allocated", file=sys.stderr)
        if event.name == "memo" and "uri" in event.context:
            try:
                backend.instance_uri(int(jobid))
            except OSError as exc:
                raise FluxcliError(f"Unable to connect to {jobid}: {exc}")
            if inv.ns.verbose:
                print(f"{jobid}: {time.time() - start:6.3f}s: ready", file=sys.stderr)
            print(jobid, flush=True)
            return 0
        if event.name == "clean":
            break
    raise FluxcliError(f"{jobid}: unexpectedly exited")


class RawTerminal:
    """Put the local terminal in raw mode while attached to a job's pty."""

    def __init__(self):
        import termios
        import tty

        self.fd = sys.stdin.fileno()
        self.saved = termios.tcgetattr(self.fd)
        tty.setraw(self.fd)

    def restore(self) -> None:
        import termios

        termios.tcsetattr(self.fd, termios.TCSADRAIN, self.saved)
