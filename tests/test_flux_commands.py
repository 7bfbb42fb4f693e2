"""The commands on a real Flux instance: selection, ids as Flux prints them, nested instances.

Each runs the installed tools with FLUX_URI set (skipped when Flux is missing);
what Flux itself reports is read back with the ``flux`` command.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from conftest import fx
from tmuxterm import tmux_sessions

from fluxcli.backends.flux import bindings


@pytest.fixture(scope="module", autouse=True)
def _inside_flux(on_flux):
    yield


def flux(*args: str, env: dict | None = None) -> str:
    """Run the real ``flux`` command in the instance; its stdout."""
    proc = subprocess.run(
        [bindings.flux_command(), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_ids_print_as_flux_prints_them():
    proc = fx("fxsub", "--urgency=hold", "true")
    assert proc.returncode == 0, proc.stderr
    jobid = proc.stdout.strip()
    assert jobid.startswith("ƒ")
    assert flux("jobs", "-no", "{id.f58} {state}", jobid).split() == [jobid, "SCHED"]
    assert fx("fxcancel", jobid).returncode == 0
    assert flux("jobs", "-no", "{result}", jobid).strip() == "CANCELED"


def test_flux_uri_selects_flux_and_fx_uri_names_it(on_flux):
    proc = fx("fxrun", "sh", "-c", 'echo "$FLUX_JOB_ID"')
    assert proc.returncode == 0 and proc.stdout.startswith("ƒ"), proc.stderr
    # FX_URI=flux:URI without FLUX_URI; --backend=local still reaches the local instance
    env = {"FLUX_URI": "", "FX_URI": f"flux:{on_flux.uri}"}
    proc = fx("fxrun", "hostname", env=env)
    assert proc.returncode == 0, proc.stderr
    assert fx("fxrun", "--backend=local", "true").returncode == 0


def test_flux_missing_is_one_line(tmp_path):
    env = {"FX_FLUX_PREFIX": str(tmp_path), "PATH": "/usr/bin:/bin"}
    proc = fx("fxjobs", "--backend=flux", env=env)
    assert proc.returncode == 1
    assert proc.stderr == (
        "fxjobs: error: backend 'flux' cannot run here: the Flux Python bindings are "
        "not importable and no flux is on FX_FLUX_PREFIX/bin\n"
    )
    # with FLUX_URI set but Flux unusable, the local instance serves
    assert fx("fxrun", "true", env=env).returncode == 0


def test_no_instance_at_the_uri_is_one_line(tmp_path):
    proc = fx("fxjobs", env={"FLUX_URI": f"local://{tmp_path}/nothing"})
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"fxjobs: error: cannot connect to Flux at local://{tmp_path}")
    assert len(proc.stderr.splitlines()) == 1


def test_control_reaches_flux(flux_handle):
    from fluxcli import job

    jobid = fx("fxsub", "--urgency=hold", "sleep", "30").stdout.strip()
    assert fx("fx", "job", "urgency", jobid, "default").returncode == 0
    assert fx("fx", "job", "wait-event", jobid, "start").returncode == 0
    job.job_raise(flux_handle, job.id_parse(jobid), "test", 0, "from fluxcli")
    assert fx("fx", "job", "wait-event", jobid, "clean").returncode == 0
    fields = "{result} {exception.type} {exception.note}"
    assert flux("jobs", "-no", fields, jobid).split() == ["FAILED", "test", "from", "fluxcli"]
    assert "urgency" in flux("job", "eventlog", jobid)
    killed = fx("fxsub", "sleep", "30").stdout.strip()
    assert fx("fx", "job", "wait-event", killed, "start").returncode == 0
    assert fx("fx", "job", "kill", "-s", "USR1", killed).returncode == 0
    assert fx("fx", "job", "status", killed).returncode == 128 + 10


def test_stdin_to_some_ranks_ends_the_others():
    proc = fx("fxrun", "-n2", "--input=1", "--label-io", "cat", input="a\nb\n")
    assert (proc.returncode, proc.stdout) == (0, "1: a\n1: b\n"), proc.stderr


def test_fxbatch_is_a_nested_flux_instance(tmp_path):
    proc = fx("fxbatch", "-N1", "--wrap", "flux", "getattr", "instance-level", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    jobid = proc.stdout.strip()
    assert fx("fx", "job", "wait-event", jobid, "clean").returncode == 0
    assert (tmp_path / f"flux-{jobid}.out").read_text() == "1\n"


def test_fxalloc_bg_and_the_instance_uri():
    proc = fx("fxalloc", "--bg", "-N1")
    assert proc.returncode == 0, proc.stderr
    jobid = proc.stdout.strip()
    posted = flux("uri", jobid)
    assert fx("fx", "uri", jobid).stdout == posted
    assert fx("fx", "uri", "--wait", jobid).stdout == posted
    uri = flux("uri", "--local", jobid).strip()
    inner = fx("fxrun", "flux", "getattr", "instance-level", env={"FLUX_URI": uri})
    assert (inner.returncode, inner.stdout) == (0, "1\n"), inner.stderr
    assert fx("fxcancel", jobid).returncode == 0
    assert fx("fx", "job", "wait-event", jobid, "clean").returncode == 0


@pytest.fixture
def tmux():
    yield from tmux_sessions()


def test_fxalloc_interactive_shell_through_flux_job_attach(tmux):
    """The nested instance's shell on a terminal: flux-core's own attach carries the pty."""
    term = tmux("fxalloc -n1")
    try:
        term.wait_for(r"[#$>] *$", timeout=60)
    except AssertionError:
        raise AssertionError(term.screen()) from None
    term.keys("echo inside-$FLUX_URI", "Enter")
    term.wait_for(r"^inside-local://")
    term.keys("exit 3", "Enter")
    screen = term.wait_for(r"^EXIT=\d+$", timeout=60).string
    # as flux alloc ends: the instance's exit is a detach for flux job attach
    assert "[detached: session exiting]\nEXIT=1" in screen


def test_fxrun_pty_interactive_without_a_terminal():
    """As flux run does it: the output through the pty, the end a detach (exit 1)."""
    proc = fx("fxrun", "-o", "pty.interactive", "sh", "-c", "echo on-a-pty; exit 4")
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.startswith("on-a-pty\n") and "[detached: session exiting]" in proc.stdout


def test_resources_purge_and_wait_as_flux():
    assert fx("fx", "resource", "list").stdout == flux("resource", "list")
    jobid = fx("fxsub", "--flags=waitable", "false").stdout.strip()
    proc = fx("fx", "job", "wait")  # the next waitable job: this one
    assert (proc.returncode, proc.stderr) == (1, "fx job: error: task(s) exited with exit code 1\n")
    r_ours = json.loads(fx("fx", "job", "info", jobid, "R").stdout)
    assert (
        r_ours["execution"]["R_lite"]
        == json.loads(flux("job", "info", jobid, "R"))["execution"]["R_lite"]
    )
    assert fx("fx", "job", "purge", "-f", jobid).stdout.startswith("purged 1 inactive jobs, ")
    assert (
        subprocess.run(
            [bindings.flux_command(), "jobs", jobid], capture_output=True, env=os.environ
        ).returncode
        != 0
    )
