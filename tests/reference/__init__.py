"""Scenarios run the same way under the real ``flux`` and under fluxcli, and compared.

A scenario is a setup script (submits jobs), a list of command lines written with
placeholders (``$SUB``, ``$JOBS``, ``$CANCEL``, ``$JOB``, ``$FX``, ``$WATCH``) and the masks
that take out what must differ (job ids, times, the tools' own names). Each command line's
stdout, stderr and exit status are kept apart.

Used by tools/record-reference (records the reference's side into
tests/data/reference/NAME.json), tests/test_reference_replay.py (our side against those
recordings, no flux needed) and the live comparisons (both sides now, when flux is found).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data" / "reference"

FLUX_TOOLS = {
    "$SUB": "flux submit",
    "$JOBS": "flux jobs",
    "$CANCEL": "flux cancel",
    "$JOB": "flux job",
    "$WATCH": "flux watch",
    "$FX": "flux",
}
OUR_TOOLS = {
    "$SUB": "fxsub",
    "$JOBS": "fxjobs",
    "$CANCEL": "fxcancel",
    "$JOB": "fx job",
    "$WATCH": "fxwatch",
    "$FX": "fx",
}
# the environment both sides run in: UTF-8 (job ids), no colour, a fixed width
PLAIN_ENV = {**os.environ, "LANG": "C.UTF-8", "NO_COLOR": "1", "COLUMNS": "100"}


def find_flux() -> str | None:
    """The flux-core build to compare with: $FX_FLUX_PREFIX/bin/flux, /opt/flux or PATH."""
    candidates = (
        os.path.join(os.environ.get("FX_FLUX_PREFIX", "/nonexistent"), "bin", "flux"),
        "/opt/flux/bin/flux",
        shutil.which("flux") or "",
    )
    return next((path for path in candidates if path and os.access(path, os.X_OK)), None)


class Scenario:
    """Jobs, command lines and masks of one comparison.

    ``unordered`` names the steps whose lines arrive in an order the reference does not fix
    (several jobs' output, concurrent event streams): their lines are compared sorted.
    """

    def __init__(self, name, setup, steps, masks, unordered=()):
        self.name = name
        self.setup = setup
        self.steps = list(steps)
        self.masks = [(re.compile(pattern, flags), repl) for pattern, repl, flags in masks]
        self.unordered = frozenset(unordered)

    def script(self, tools: dict[str, str]) -> str:
        """A bash script running the setup, then each step into steps/N.{out,err,rc}."""

        def filled(text: str) -> str:
            for name, value in tools.items():
                text = text.replace(name, value)
            return text

        body = f"mkdir -p steps\n{{\n{filled(self.setup)}\n}} >steps/setup.log 2>&1\n"
        for number, step in enumerate(self.steps):
            out = f"steps/{number}"
            body += f"{{ {filled(step)}\n}} </dev/null >{out}.out 2>{out}.err; echo $? >{out}.rc\n"
        return body

    def masked(self, step: str, text: str) -> str:
        """``text`` with the masks applied (and its lines sorted for an unordered step)."""
        for pattern, replacement in self.masks:
            text = pattern.sub(replacement, text)
        if step in self.unordered:
            text = "".join(sorted(text.splitlines(keepends=True)))
        return text

    def results(self, base: Path) -> dict[str, dict]:
        """Each step's masked stdout, stderr and exit status, read from ``base``/steps."""
        here = _MachineMask(base)

        def read(path: Path, step: str) -> str:
            return self.masked(step, here.masked(path.read_text("utf-8", "replace")))

        found = {}
        for number, step in enumerate(self.steps):
            path = base / "steps" / str(number)
            found[step] = {
                "stdout": read(path.with_suffix(".out"), step),
                "stderr": read(path.with_suffix(".err"), step),
                "rc": int(path.with_suffix(".rc").read_text()),
            }
        return found

    def run_flux(self, flux: str, base: Path) -> dict[str, dict]:
        """Run the scenario in a one-broker instance of the real flux; its masked results."""
        proc = subprocess.run(
            [flux, "start", "--test-size=1", "bash", "-c", self.script(FLUX_TOOLS)],
            capture_output=True, text=True, timeout=600, cwd=base, env=PLAIN_ENV,
        )  # fmt: skip
        if not (base / "steps").is_dir():
            raise RuntimeError(f"flux start failed: {proc.stderr}")
        return self.results(base)

    def run_ours(self, base: Path, env: dict[str, str]) -> dict[str, dict]:
        """Run the scenario with fluxcli's tools (``env`` names the instance); its results."""
        subprocess.run(
            ["bash", "-c", self.script(OUR_TOOLS)],
            capture_output=True, text=True, timeout=600, cwd=base, env={**PLAIN_ENV, **env},
        )  # fmt: skip
        return self.results(base)

    def recording(self) -> dict:
        """The recorded reference results (tests/data/reference/NAME.json)."""
        return json.loads((DATA / f"{self.name}.json").read_text())


class _MachineMask:
    """What differs from machine to machine: the working directory, host and user names.

    A user name is replaced together with the spaces padding it, so that columns stay
    aligned whatever its length (up to the width of the column it is in).
    """

    def __init__(self, base: Path):
        import getpass
        import socket

        self.base = str(base)
        self.host = re.compile(rf"\b{re.escape(socket.gethostname())}\b")
        self.user = re.compile(rf"(?<![\w-]){re.escape(getpass.getuser())}\b *")

    def masked(self, text: str) -> str:
        text = text.replace(self.base, "CWD")
        text = self.host.sub("HOST", text)
        return self.user.sub(lambda match: "USER".ljust(len(match.group())), text)


def load_scenarios() -> dict[str, Scenario]:
    """Every scenario by name."""
    from . import control, jobs, watch

    return {module.SCENARIO.name: module.SCENARIO for module in (jobs, control, watch)}
