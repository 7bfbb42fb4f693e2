"""JobSession: one attached job, as ``flux job attach`` runs it (fxrun, fxalloc, ``fx job attach``).

The session owns everything between a terminal and a running job:

- signals: the first Ctrl-C only says ``one more ctrl-C within 2s to cancel or
  ctrl-Z to detach`` and sends nothing to the job; a second within 2 s cancels
  it; Ctrl-C then Ctrl-Z detaches (exit 1, the job runs on); a Ctrl-Z without
  a Ctrl-C before it suspends as usual; SIGTERM, SIGHUP, SIGALRM, SIGUSR1 and
  SIGUSR2 are forwarded to the job;
- stdin forwarding (its own backend channel), and the raw terminal while the
  job's pty has the keyboard;
- the main loop: producer threads put events, output and signals on one queue;
  the main thread alone touches the display and makes backend requests.
"""

from __future__ import annotations

import os
import queue
import signal
import sys
import threading
import time

from fluxcli.errors import FluxcliError, describe
from fluxcli.jobspec.status import Outcome, finish_message
from fluxcli.views.display import open_display
from fluxcli.views.terminal import Terminal, is_terminal
from fluxcli.views.timeline import AttachTimeline

DOUBLE_CTRL_C = 2.0
FORWARDED = (signal.SIGTERM, signal.SIGHUP, signal.SIGALRM, signal.SIGUSR1, signal.SIGUSR2)
TICK = 0.25  # seconds between redraws of a live status line
OUTPUT_WINDOW = 64  # output chunks read ahead of the terminal: a slow reader slows the stream


class SessionOptions:
    """How to attach: what to show, what to forward, when to stop.

    ``stdin``: forward this process's stdin to the job; ``interactive``: the
    job's pty gets the keyboard (raw terminal once it starts); ``read_only``:
    no signal reaches the job; ``show_status`` None: a status line when stdin,
    stdout and stderr are terminals.
    """

    def __init__(
        self,
        tool: str,
        wait_event: str = "clean",
        verbose: int = 0,
        label_io: bool = False,
        stdin: bool = False,
        stdin_ranks: list[int] | None = None,
        interactive: bool = False,
        read_only: bool = False,
        show_status: bool | None = None,
        quiet: bool = False,
        color: str | None = None,
    ):
        self.tool, self.wait_event, self.verbose = tool, wait_event, verbose
        self.label_io, self.stdin, self.stdin_ranks = label_io, stdin, stdin_ranks
        self.interactive, self.read_only, self.show_status = interactive, read_only, show_status
        self.quiet, self.color = quiet, color


def interactive_stdio() -> bool:
    """stdin, stdout and stderr are all terminals (and FLUX_ATTACH_NONINTERACTIVE is unset)."""
    if os.environ.get("FLUX_ATTACH_NONINTERACTIVE") or os.environ.get("FX_ATTACH_NONINTERACTIVE"):
        return False
    return all(is_terminal(s) for s in (sys.stdin, sys.stdout, sys.stderr))


class Feed:
    """Threads putting a backend's streams on one queue, for one consumer: the main thread.

    Each item is ``(kind, value)``: ``(KIND, record)``, then ``(KIND-end, None)``
    or ``(KIND-error, exception)`` when the stream is over. Output is read at
    most ``OUTPUT_WINDOW`` chunks ahead of the consumer, so a reader that
    stops (a full pipe) holds the stream back instead of filling memory.
    Signal handlers may put items too (a SimpleQueue is reentrant).
    """

    def __init__(self, backend, jobids: list[int]):
        self.backend = backend
        self.jobids = jobids
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        self.room = threading.Semaphore(OUTPUT_WINDOW)

    def spawn(self, target, *args) -> None:
        """Run ``target`` in a daemon thread (nothing waits for it at exit)."""
        threading.Thread(target=target, args=args, daemon=True).start()

    def _pump(self, kind: str, stream) -> None:
        try:
            for item in stream():
                if kind == "output":
                    self.room.acquire()
                self.queue.put((kind, item))
            self.queue.put((f"{kind}-end", None))
        except Exception as exc:  # the consumer shows it as one line
            self.queue.put((f"{kind}-error", exc))

    def next(self, tick: float | None, idle) -> tuple[str, object]:
        """The next item; ``idle()`` runs every ``tick`` seconds while none comes."""
        while True:
            try:
                kind, item = self.queue.get(timeout=tick)
            except queue.Empty:
                idle()
                continue
            if kind == "output":
                self.room.release()
            return kind, item

    def events(self, log: str, kind: str) -> None:
        """Feed the jobs' ``log`` as ``kind`` items."""
        self.spawn(self._pump, kind, lambda: self.backend.events(self.jobids, log))

    def output(self) -> None:
        """Feed the jobs' output as ``output`` items."""
        self.spawn(self._pump, "output", lambda: self.backend.output(self.jobids))


class JobSession:
    """Attach to one job until it is clean (or ``wait_event``); ``run()`` is its exit code."""

    def __init__(
        self, backend, jobid: int, options: SessionOptions, terminal: Terminal | None = None
    ):
        self.backend = backend
        self.jobid = int(jobid)
        self.options = options
        self.terminal = terminal or Terminal(options.tool, options.verbose, options.color)
        self.jobid_text = backend.format_id(self.jobid)
        self.outcome = Outcome()
        self.feed = Feed(backend, [self.jobid])
        self.last_sigint = float("-inf")
        self.raw: RawTerminal | None = None
        self.exec_shown = False  # -vvv: the exec events, followed from the job's start to their end

    def run(self) -> int:
        """Follow the job; return its exit code (1 after a detach or an error)."""
        delegated = self.backend.terminal_command(self.jobid)
        if delegated:
            return run_attach_tool(*delegated)
        opts = self.options
        show_status = opts.show_status
        if show_status is None:
            show_status = opts.verbose < 2 and interactive_stdio()
        timeline = AttachTimeline(
            opts.tool, self.jobid_text, opts.verbose, 0 if opts.show_status else 2
        )
        self.display = open_display(
            self.terminal, timeline, live=show_status, quiet=opts.quiet, label_io=opts.label_io
        )
        self.display.add_job(self.jobid)
        self.feed.events("eventlog", "event")
        self.feed.output()
        if opts.stdin:
            self.feed.spawn(self._forward_stdin)
        saved = {} if opts.read_only else self._install_signals()
        try:
            return self._loop(TICK if show_status else None)
        finally:
            self._cooked()
            for signum, handler in saved.items():
                signal.signal(signum, handler)
            self.display.close()

    def _forward_stdin(self) -> None:
        try:
            fd = sys.stdin.fileno()
        except (OSError, ValueError):
            return
        try:
            ranks = self._stdin_ranks()
            while data := os.read(fd, 65536):
                self.backend.write_stdin(self.jobid, data, ranks)
            self.backend.write_stdin(self.jobid, None, ranks)
        except (OSError, FluxcliError):  # the job is gone or takes no input: nothing to send
            pass

    def _stdin_ranks(self) -> list[int] | None:
        """``--input=RANKS`` cut to the job's tasks once it starts, with a warning, as Flux does."""
        ranks = self.options.stdin_ranks
        if ranks is None:
            return None
        for event in self.backend.events([self.jobid], "exec"):
            if event.name == "shell.start":
                blocks = (event.context.get("taskmap") or {}).get("map") or []
                size = sum(nnodes * ppn * repeat for _, nnodes, ppn, repeat in blocks)
                kept = [rank for rank in ranks if rank < size]
                if kept != ranks:
                    from fluxcli.jobspec.idset import encode_idset

                    before, after = encode_idset(ranks), encode_idset(kept)
                    self.terminal.warning(f"adjusting --stdin-ranks from {before} to {after}")
                return kept
        return ranks

    def _on_signal(self, signum, frame) -> None:
        self.feed.queue.put(("signal", (signum, time.monotonic())))

    def _install_signals(self) -> dict:
        saved = {signum: signal.signal(signum, self._on_signal) for signum in FORWARDED}
        saved[signal.SIGINT] = signal.signal(signal.SIGINT, self._on_signal)
        saved[signal.SIGTSTP] = signal.getsignal(signal.SIGTSTP)  # armed by a first Ctrl-C
        return saved

    # the main loop
    def _loop(self, tick: float | None) -> int:
        events_over = output_over = exec_over = False
        while not (events_over and output_over and (exec_over or not self.exec_shown)):
            kind, item = self.feed.next(tick, self.display.tick)
            if kind == "event":
                events_over = self._event(item)
                if events_over and self.outcome.status is None and item.name != "clean":
                    return self.outcome.exit_code  # the awaited event came before the job ended
            elif kind == "exec":
                self.display.event(item)
            elif kind == "output":
                self.display.output(item)
            elif kind in ("output-end", "event-end", "exec-end"):
                output_over = output_over or kind == "output-end"
                events_over = events_over or kind == "event-end"
                exec_over = exec_over or kind == "exec-end"
            elif kind == "signal":
                code = self._signal(*item)
                if code is not None:
                    return code
            elif kind in ("event-error", "exec-error"):
                self.terminal.error(describe(item))
                return 1
            elif kind == "output-error":
                self.terminal.info(f"error reading output: {describe(item)}")
                return max(self.outcome.exit_code, 1)
        return self.outcome.exit_code

    def _event(self, event) -> bool:
        """Show one main event; True once the session has seen what it waits for."""
        self.outcome.update(event.to_dict())
        if event.name == "finish" and self.outcome.status:
            # at the finish event, before its -vv line, as the reference says it
            self._cooked()  # the job's pty is done with the keyboard: column 0
            message = finish_message(self.outcome.status)
            if message:
                self.terminal.info(message)
        self.display.event(event)
        if event.name == "start" and self.options.verbose > 2 and not self.exec_shown:
            self.exec_shown = True
            self.feed.events("exec", "exec")
        if event.name == "start" and self.options.interactive and sys.stdin.isatty():
            self.raw = RawTerminal()
        return event.name in (self.options.wait_event, "clean")

    def _cooked(self) -> None:
        """The terminal back as it was (once)."""
        if self.raw is not None:
            self.raw.restore()
            self.raw = None

    def _signal(self, signum: int, when: float) -> int | None:
        """Act on a signal; an exit code when the session ends (a detach)."""
        if signum == signal.SIGINT:
            if when - self.last_sigint > DOUBLE_CTRL_C:
                self.last_sigint = when
                signal.signal(signal.SIGTSTP, self._on_signal)
                self.terminal.info("one more ctrl-C within 2s to cancel or ctrl-Z to detach")
            else:
                self._request("cancel", self.backend.cancel, self.jobid, "interrupted by ctrl-C")
        elif signum == signal.SIGTSTP:
            if when - self.last_sigint <= DOUBLE_CTRL_C:
                self.terminal.info("detaching...")
                return 1
            signal.signal(signal.SIGTSTP, signal.SIG_DFL)
            self.terminal.info("one more ctrl-Z to suspend")
        else:
            self._request("kill", self.backend.kill, self.jobid, signum)
        return None

    def _request(self, what: str, method, *args) -> None:
        try:
            method(*args)
        except (OSError, FluxcliError) as exc:
            self.terminal.info(f"{what}: {describe(exc)}")


class RawTerminal:
    """The local terminal in raw mode while a job's pty has the keyboard."""

    def __init__(self) -> None:
        import termios
        import tty

        self.fd = sys.stdin.fileno()
        self.saved = termios.tcgetattr(self.fd)
        tty.setraw(self.fd)

    def restore(self) -> None:
        """Give the terminal back as it was."""
        import termios

        termios.tcsetattr(self.fd, termios.TCSADRAIN, self.saved)


def run_attach_tool(argv: list[str], env: dict[str, str]) -> int:
    """Give the terminal to a backend's own attach tool; its exit status is the job's."""
    import subprocess

    # the attach tool alone decides what Ctrl-C means while it has the terminal
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        return subprocess.run(
            argv,
            env={**os.environ, **env},
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        ).returncode
    except OSError as exc:
        raise FluxcliError(f"{argv[0]}: {describe(exc)}")
    finally:
        signal.signal(signal.SIGINT, previous)
