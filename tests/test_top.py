"""fx top on a terminal (tmux): resources, active jobs with their use, refreshed in place; q quits."""

from __future__ import annotations

import os
import re

import pytest
from tmuxterm import tmux_sessions

NCORES = len(os.sched_getaffinity(0))
HOG = "x = bytearray(70_000_000)\nwhile True: pass"


@pytest.fixture
def tmux():
    yield from tmux_sessions()


def test_fx_top_shows_resources_and_jobs_then_quits(run, tmux):
    hog = run("fxsub", "-n1", "python3", "-c", HOG).stdout.strip()
    held = run("fxsub", "--urgency=hold", "-n1", "--job-name=waiting", "true").stdout.strip()
    try:
        term = tmux("fx top", height=30)
        screen = term.wait_for(
            rf"^ +{hog}  R +1 +1 00:00:0[1-9] +\d+\.\ds +[6-9]\d\.\dM  python3$", timeout=30
        ).string
        assert re.search(r"^ +nodes \[\|+ *1/1\] +\d+ pending$", screen, re.M)
        assert re.search(rf"^ +cores \[\|+ *[1-{NCORES}]/{NCORES}\] +\d+ running$", screen, re.M)
        assert re.search(r"^ +gpus \[ +0/0\] +\d+ complete, \d+ failed$", screen, re.M)
        assert re.search(rf"^ +{held} +S +1 +1 +\d\d:\d\d:\d\d +- +-  waiting$", screen, re.M)
        term.wait_for(rf"^ +{hog}  R +1 +1 00:00:0[3-9] ")  # refreshed in place
        term.keys("q")
        screen = term.wait_for(r"^EXIT=0$").string
        assert "cores [" not in screen  # the screen is given back as it was
    finally:
        run("fxcancel", hog, held)


def test_fx_top_needs_a_terminal(run):
    proc = run("fx", "top")
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        1,
        "",
        "fx top: error: stdin is not a terminal\n",
    )
