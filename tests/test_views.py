"""Views: event lines, eventlog formats, displays, colour, progress counts, the F58 prefix."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time

import pytest
from conftest import BIN

from fluxcli.backends.contract import JobEvent, OutputChunk
from fluxcli.views.display import Null, RichLive, open_display
from fluxcli.views.progress import JobCounts
from fluxcli.views.terminal import Terminal, color_wanted
from fluxcli.views.timeline import (
    AttachTimeline,
    EventlogFormatter,
    WatchTimeline,
    attach_event_line,
    exception_line,
    status_line,
)

SUBMIT = {"userid": 1001, "urgency": 16, "flags": 0, "version": 1}


class Screen(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def ev(name, ts, context=None, jobid=7, log="eventlog"):
    return JobEvent(jobid, 0, name, ts, context or {}, log)


class Bytes(io.StringIO):
    """A text stream with a byte buffer under it (as sys.stdout has)."""

    def __init__(self):
        super().__init__()
        self.buffer = io.BytesIO()


def test_attach_lines_relative_to_submit_never_negative():
    assert attach_event_line(ev("submit", 100.0, SUBMIT), 100.0) == (
        '0.000s: job.submit {"userid":1001,"urgency":16,"flags":0,"version":1}'
    )
    assert attach_event_line(ev("start", 99.5), 100.0) == "0.000s: job.start"
    assert attach_event_line(ev("shell.init", 101.25, log="exec"), 100.0, "exec") == (
        "1.250s: exec.shell.init"
    )
    exc = ev("exception", 102.5, {"type": "cancel", "severity": 0, "note": "by hand"})
    assert (
        exception_line(exc, 100.0, "ƒ2")
        == "2.500s: job.exception ƒ2 type=cancel severity=0 by hand"
    )


def test_attach_display_on_a_pipe_exact():
    err = io.StringIO()
    terminal = Terminal("fxrun", stream=err)
    display = open_display(terminal, AttachTimeline("fxrun", "ƒ8", verbose=2), live=False)
    display.add_job(7, Bytes(), err)
    display.event(ev("submit", 50.0, SUBMIT))
    display.event(ev("priority", 50.5, {"priority": 16}))
    display.event(ev("exception", 51.0, {"type": "timeout", "severity": 0, "note": "expired"}))
    display.event(ev("clean", 51.25))
    assert err.getvalue() == (
        '0.000s: job.submit {"userid":1001,"urgency":16,"flags":0,"version":1}\n'
        '0.500s: job.priority {"priority":16}\n'
        "1.000s: job.exception ƒ8 type=timeout severity=0 expired\n"
        "1.250s: job.clean\n"
    )


def test_exec_events_only_at_vvv():
    quiet, loud = AttachTimeline("fxrun", "ƒ8", 2), AttachTimeline("fxrun", "ƒ8", 3)
    for timeline in (quiet, loud):
        timeline.lines(ev("submit", 10.0))
    init = ev("shell.init", 10.5, {"size": 1}, log="exec")
    assert quiet.lines(init) == [] and loud.lines(init) == ['0.500s: exec.shell.init {"size":1}']


def test_status_line_messages_and_width(monkeypatch):
    timeline = AttachTimeline("fxrun", "ƒ8", status_delay=0)
    monkeypatch.setattr(time, "time", lambda: 108.4)
    timeline.lines(ev("submit", 100.0))
    timeline.lines(ev("validate", 100.1))
    timeline.lines(ev("depend", 100.1))
    timeline.lines(ev("priority", 100.2, {"priority": 16}))
    line = timeline.status_text(60)
    assert line == "fxrun: ƒ8 waiting for resources" + " " * 19 + " 00:00:08"
    assert len(line) == 59
    timeline.lines(ev("alloc", 109.0))
    assert "starting" in timeline.status_text(60)
    timeline.lines(ev("start", 109.1))
    assert timeline.status_text(60) is None
    assert status_line("fx", "f1", "x" * 90, 3661, 40).endswith(" 01:01:01")


def test_watch_lines_and_final_status():
    err = io.StringIO()
    counts = JobCounts([7])
    timeline = WatchTimeline(lambda j: f"ƒ{j}", verbose=2, counts=counts)
    display = open_display(Terminal("fxsub", stream=err), timeline)
    display.add_job(7, Bytes(), err)
    display.event(ev("submit", 10.0, {"b": 1, "a": 2}))
    display.event(ev("alloc", 10.5))
    display.event(ev("finish", 11.0, {"status": 256}))
    assert err.getvalue() == (
        'ƒ7: 0.000s: submit {"a":2,"b":1}\n'
        "ƒ7: 0.500s: alloc \n"
        'ƒ7: 1.000s: finish {"status":256}\n'
        "ƒ7: 1.000s: failed: status=256\n"
    )
    assert counts.text() == "PD:0   R:0   CD:0   F:1  "


def test_fatal_exception_while_pending_is_summarized():
    counts = JobCounts([1, 2])
    timeline = WatchTimeline(str, counts=counts)
    exc = ev("exception", 5.0, {"type": "alloc", "severity": 0, "note": "unsatisfiable"}, jobid=1)
    assert timeline.lines(exc) == ["job.exception: type=alloc severity=0 unsatisfiable"]
    assert counts.text() == "PD:1   R:0   CD:0   F:1  "


def test_output_labels_and_per_job_streams():
    out, err = Bytes(), io.StringIO()
    display = open_display(
        Terminal("fxsub", stream=io.StringIO()), WatchTimeline(str), label_io=True
    )
    display.add_job(7, out, err, prefix="ƒ7: ")
    display.output(OutputChunk(7, "0", "stdout", b"a\nb"))
    display.output(OutputChunk(7, "0", "stdout", b"c\n"))
    display.output(OutputChunk(7, "1", "stdout", b"tail", eof=True))
    assert out.buffer.getvalue() == b"\xc6\x927: 0: a\n\xc6\x927: 0: bc\n\xc6\x927: 1: tail"


def test_null_display_copies_data_only():
    out, err = Bytes(), io.StringIO()
    display = Null(Terminal("fx job", stream=err), AttachTimeline("fx job", "ƒ7", 3))
    display.add_job(7, out, err)
    display.event(ev("exception", 1.0, {"type": "cancel", "severity": 0, "note": ""}))
    display.output(OutputChunk(7, "0", "stdout", b"\xff raw\n"))
    assert err.getvalue() == "" and out.buffer.getvalue() == b"\xff raw\n"


def test_progress_output_above_the_bar(monkeypatch):
    screen = Screen()
    monkeypatch.setattr(sys, "stdout", screen)
    terminal = Terminal("fxsub", color="never", stream=screen)
    counts = JobCounts([7])
    display = RichLive(terminal, WatchTimeline(str, counts=counts))
    display.add_job(7, screen, screen)
    display.output(OutputChunk(7, "0", "stdout", b"\x1b[2Jhello\nwor"))
    display.output(OutputChunk(7, "0", "stdout", b"ld\n"))
    display.event(ev("alloc", 1.0))
    display.event(ev("finish", 2.0, {"status": 0}))
    display.finish(7)
    display.close()
    text = screen.getvalue()
    assert "hello\n" in text and "world\n" in text and "\x1b[2J" not in text
    assert text.rindex("PD:0   R:0   CD:1   F:0") > text.index("world")


@pytest.mark.parametrize(
    "when,env,tty,expected",
    [
        ("always", {"NO_COLOR": "1"}, False, True),
        ("never", {}, True, False),
        ("auto", {"NO_COLOR": "1"}, True, False),
        ("auto", {}, True, True),
        ("auto", {}, False, False),
        (None, {"FX_COLOR": "always"}, False, True),
    ],
)
def test_color_decision(monkeypatch, when, env, tty, expected):
    for var in ("NO_COLOR", "FORCE_COLOR", "FX_COLOR"):
        monkeypatch.delenv(var, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    stream = io.StringIO()
    stream.isatty = lambda: tty
    assert color_wanted(when, stream) is expected


def test_terminal_levels():
    err = io.StringIO()
    terminal = Terminal("fxwatch", verbosity=1, stream=err)
    terminal.info("Watching 2 jobs")
    terminal.warning("stdout is not a tty. Ignoring --progress option")
    terminal.error("JobID f1 unknown")
    terminal.debug("not shown", level=2)
    assert err.getvalue() == (
        "fxwatch: Watching 2 jobs\n"
        "fxwatch: warning: stdout is not a tty. Ignoring --progress option\n"
        "fxwatch: error: JobID f1 unknown\n"
    )


@pytest.mark.parametrize(
    "time_format,expected",
    [
        ("raw", "1738774194.078433 submit userid=1001 urgency=16 flags=0 version=1"),
        ("offset", "0.000000 submit userid=1001 urgency=16 flags=0 version=1"),
        ("iso", "2025-02-05T16:49:54.078433Z submit userid=1001 urgency=16 flags=0 version=1"),
        ("human", "[Feb05 16:49] submit userid=1001 urgency=16 flags=0 version=1"),
    ],
)
def test_eventlog_text_formats(monkeypatch, time_format, expected):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    try:
        formatter = EventlogFormatter("text", time_format)
        assert formatter.format(ev("submit", 1738774194.078433, SUBMIT)) == expected
        later = formatter.format(ev("release", 1738774194.185372, {"ranks": "all", "final": True}))
        assert later.endswith(' release ranks="all" final=true')
        if time_format == "human":
            assert later.startswith("[  +0.106939]")
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_eventlog_json_color_and_errors():
    assert EventlogFormatter("json").format(ev("start", 1.5)) == '{"timestamp":1.5,"name":"start"}'
    colored = EventlogFormatter(color=True).format(ev("exception", 1.0, {"severity": 0}))
    assert colored == (
        "\x1b[32m1.000000\x1b[0m \x1b[1m\x1b[31mexception\x1b[0m \x1b[34mseverity\x1b[0m="
        "\x1b[37m0\x1b[0m"
    )
    with pytest.raises(ValueError, match="invalid format type 'x'"):
        EventlogFormatter("x")
    with pytest.raises(ValueError, match="invalid time-format type 'y'"):
        EventlogFormatter("text", "y")


@pytest.mark.parametrize(
    "env,prefix",
    [
        ({"LANG": "C"}, "f"),
        ({"LANG": "POSIX"}, "f"),
        ({"LANG": "C.UTF-8"}, "ƒ"),
        ({"LANG": "C.UTF-8", "LC_ALL": "C"}, "f"),
        ({"LANG": "C", "LC_CTYPE": "C.UTF-8"}, "ƒ"),
        ({"LANG": "C.UTF-8", "FLUX_F58_FORCE_ASCII": "1"}, "f"),
    ],
)
def test_f58_prefix_follows_the_c_locale(env, prefix):
    """Python's UTF-8 mode hides a C locale; the prefix follows what the C library sees."""
    code = "from fluxcli.jobspec import JobID; print(JobID(12345))"
    full = {"PATH": "/usr/bin:/bin", **env}
    out = subprocess.run(
        [sys.executable, "-c", code], env=full, capture_output=True, check=True
    ).stdout
    assert out.decode() == f"{prefix}4fr\n"


def test_fxsub_prints_ascii_ids_in_the_c_locale(run):
    env = {"LANG": "C", "LC_ALL": "", "LC_CTYPE": ""}
    proc = run("fxsub", "--wait", "true", env=env)
    assert proc.returncode == 0 and proc.stdout.startswith("f") and proc.stdout.isascii()


def test_session_modules_import_no_rich():
    code = (
        "import sys, fluxcli.commands.session, fluxcli.commands.watcher, fluxcli.commands.jobcmd;"
        "print([m for m in ('rich', 'yaml', 'pluggy') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    assert os.path.exists(BIN / "fxrun")


def test_submit_bar_counts_jobs_as_they_are_submitted():
    from fluxcli.views.progress import SubmitBar

    screen = Screen()
    console = Terminal("fxsub", color="never", stream=screen).console
    bar = SubmitBar(console, 3, waiting=True)
    bar.submitted([7])  # the first frame counts the first job, not all three
    assert "PD:1   R:0   CD:0   F:0     " in screen.getvalue()
    assert "PD:3" not in screen.getvalue()
    bar.submitted([8, 9])
    bar.close()
    assert "PD:3   R:0   CD:0   F:0" in screen.getvalue()
    screen = Screen()
    console = Terminal("fxsub", color="never", stream=screen).console
    bar = SubmitBar(console, 3, waiting=False)
    bar.submitted([7])
    assert re.search(r"Submitting 3 jobs: .* 33\.3% 0:00:00", screen.getvalue())
    bar.print("ƒ7")
    bar.submitted([8, 9])
    bar.close()
    text = screen.getvalue()
    assert re.search(r"Submitting 3 jobs: .* 100\.0% 0:00:00", text)
    assert text.index("ƒ7") < text.rindex("100.0%")  # the id above the bar


def test_job_counts_move_with_events():
    counts = JobCounts([1, 2, 3])
    counts.update(ev("alloc", 1.0, jobid=1))
    counts.update(ev("alloc", 1.0, jobid=2))
    counts.update(ev("finish", 2.0, {"status": 0}, jobid=1))
    counts.update(ev("finish", 2.0, {"status": 9}, jobid=2))
    counts.update(ev("exception", 2.0, {"severity": 0, "type": "cancel"}, jobid=3))
    counts.update(ev("finish", 3.0, {"status": 0}, jobid=1))  # already counted
    assert [counts.count(s) for s in ("PD", "R", "CD", "F")] == [0, 0, 1, 2]
