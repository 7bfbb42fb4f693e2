"""The tools on a real Slurm (tools/slurm-up): the local backend's behaviour where Slurm can express it.

Skipped with the reason when no Slurm answers here; CI's .ci/run brings one up.
"""

from __future__ import annotations

import json
import os
import re
import subprocess

import pytest

from fluxcli.backends import backend_class

REASON = backend_class("slurm").unavailable()
pytestmark = pytest.mark.skipif(bool(REASON), reason=f"no Slurm here: {REASON}")
SLURM = {"FX_BACKEND": "slurm"}
SLURM_ID = re.compile(r"^\d+(_\d+)?$")


@pytest.fixture
def srun(run):
    """Run a tool with the Slurm backend selected by FX_BACKEND."""

    def call(*args, env=None, **kwargs):
        return run(*args, env={**SLURM, **(env or {})}, **kwargs)

    return call


def squeue_state(jobid: str) -> str:
    out = subprocess.run(
        ["squeue", "-h", "-t", "all", "-j", jobid, "-o", "%T"], capture_output=True, text=True
    )
    return out.stdout.strip()


def test_fxrun_output_exit_code_and_flux_task_variables(srun):
    proc = srun(
        "fxrun", "-n2", "--label-io", "sh", "-c",
        'echo "$FLUX_TASK_RANK $FLUX_TASK_LOCAL_ID $FLUX_JOB_SIZE $FLUX_JOB_NNODES"; exit 3',
    )  # fmt: skip
    assert proc.returncode == 3
    assert sorted(proc.stdout.splitlines()) == ["0: 0 0 2 1", "1: 1 1 2 1"]
    assert proc.stderr == "fxrun: task(s) exited with exit code 3\n"


def test_signal_exit_and_stderr(srun):
    proc = srun("fxrun", "sh", "-c", "echo oops >&2; kill -USR1 $$")
    assert proc.returncode == 128 + 10 and "oops\n" in proc.stderr


def test_environment_is_exactly_the_jobspecs(srun):
    marked = {"FX_TEST_MARK": "here"}
    assert srun("fxrun", "printenv", "FX_TEST_MARK", env=marked).stdout == "here\n"
    proc = srun("fxrun", "--env=-*", "--env=ONLY=1", "/usr/bin/env", env=marked)
    names = {line.split("=", 1)[0] for line in proc.stdout.splitlines()}
    assert "ONLY" in names and "FX_TEST_MARK" not in names and "HOME" not in names
    assert "FLUX_JOB_ID" in names and "FLUX_TASK_RANK" in names


def test_ids_are_slurm_ids_and_fxjobs_lists_them(srun):
    proc = srun("fxsub", "--wait", "--job-name=fx-listed", "true")
    jobid = proc.stdout.strip()
    assert proc.returncode == 0 and SLURM_ID.match(jobid)
    assert squeue_state(jobid) == "COMPLETED"  # Slurm knows it by that id
    listed = srun("fxjobs", "-a", "--name=fx-listed", "-no", "{id} {name} {result}")
    assert f"{jobid} fx-listed COMPLETED" in listed.stdout.splitlines()
    record = json.loads(srun("fxjobs", "--json", jobid).stdout)
    assert record


def test_cc_copies_become_one_job_array(srun):
    proc = srun("fxsub", "--cc=1-4", "--watch", "sh", "-c", "echo copy {cc} $FLUX_JOB_CC")
    ids = proc.stdout.splitlines()[:4]
    assert proc.returncode == 0, proc.stderr
    arrays = {i.split("_")[0] for i in ids}
    assert len(arrays) == 1 and [i.split("_")[1] for i in ids] == ["1", "2", "3", "4"]
    copies = sorted(line for line in proc.stdout.splitlines()[4:])
    assert copies == [f"copy {n} {n}" for n in range(1, 5)]


def test_dependencies(srun):
    first = srun("fxsub", "sh", "-c", "sleep 1; exit 1").stdout.strip()
    ok = srun("fxsub", f"--dependency=afterok:{first}", "true").stdout.strip()
    notok = srun("fxsub", f"--dependency=afternotok:{first}", "true").stdout.strip()
    assert srun("fx", "job", "status", notok).returncode == 0
    status = srun("fx", "job", "status", ok)
    assert status.returncode != 0
    assert "dependency" in srun("fx", "job", "eventlog", ok).stdout


def test_hold_then_release(srun):
    jobid = srun("fxsub", "--urgency=hold", "true").stdout.strip()
    assert squeue_state(jobid) == "PENDING"
    shown = srun("fxjobs", "-no", "{id} {status_abbrev} {urgency}", jobid).stdout
    assert shown.split() == [jobid, "S", "0"]
    assert srun("fx", "job", "urgency", jobid, "default").returncode == 0
    assert srun("fx", "job", "status", jobid).returncode == 0


def test_cancel_gives_canceled_with_the_reason(srun):
    jobid = srun("fxsub", "sleep", "60").stdout.strip()
    assert srun("fx", "job", "wait-event", jobid, "start").returncode == 0
    assert srun("fxcancel", "-m", "not today", jobid).returncode == 0
    assert srun("fx", "job", "status", jobid).returncode != 0
    out = srun("fxjobs", "-no", "{result} {exception.note}", jobid).stdout.split(None, 1)
    assert out == ["CANCELED", "not today\n"]


def test_output_file_templates(srun, tmp_cwd):
    proc = srun(
        "fxsub", "--wait", "--job-name=named", "--output=o-{{id}}-{{name}}.txt", "echo", "hi"
    )
    jobid = proc.stdout.strip()
    assert (tmp_cwd / f"o-{jobid}-named.txt").read_text() == "hi\n"


@pytest.mark.parametrize(
    "option, message",
    [
        ("--queue=nope", "--queue=nope: no such partition (partitions: debug, other)"),
        ("--requires=^gpu", "--requires: Slurm cannot exclude a feature (^property)"),
        (
            "--output=o-{{task.rank}}",
            "--output: the template {{task.rank}} has no Slurm equivalent",
        ),
        ("--setattr=system.exec.test.run_duration=1", "--setattr=system.exec: test execution"),
    ],
)
def test_refusals_name_the_option_before_submitting(srun, option, message):
    before = srun("fxjobs", "-a", "-c", "1000", "-no", "{id}").stdout
    proc = srun("fxsub", option, "true")
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.startswith(f"fxsub: error: {message}")
    assert proc.stderr.endswith("on the slurm backend\n") and proc.stderr.count("\n") == 1
    assert srun("fxjobs", "-a", "-c", "1000", "-no", "{id}").stdout == before


def test_queue_and_bank_map_to_partition_and_account(srun):
    jobid = srun("fxsub", "--wait", "-q", "other", "-B", "fxbank", "true").stdout.strip()
    out = subprocess.run(
        ["squeue", "-h", "-t", "all", "-j", jobid, "-o", "%P %a"], capture_output=True, text=True
    )
    assert out.stdout.split() == ["other", "fxbank"]


def test_batch_script_with_sbatch_directives(srun, tmp_cwd):
    (tmp_cwd / "job.sh").write_text(
        '#!/bin/sh\n#SBATCH -n2 --output=out-%j.txt\necho "size $FLUX_JOB_SIZE id $FLUX_JOB_ID"\n'
    )
    jobid = srun("fxbatch", "job.sh").stdout.strip()
    assert srun("fx", "job", "status", jobid).returncode == 0
    assert (tmp_cwd / f"out-{jobid}.txt").read_text() == f"size 2 id {jobid}\n"


def test_unavailable_is_one_line(run):
    proc = run("fxsub", "--backend=slurm", "true", env={"PATH": "/nonexistent"})
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1
    assert proc.stderr.startswith("fxsub: error: backend 'slurm' cannot run here: ")
    assert "not found on PATH" in proc.stderr and os.environ.get("PATH")


def _forgotten(jobid: str, env: dict, limit: float = 90) -> None:
    """Wait until Slurm no longer remembers ``jobid`` (MinJobAge after it ended)."""
    import time

    deadline = time.time() + limit
    while time.time() < deadline:
        out = subprocess.run(
            ["squeue", "-h", "-t", "all", "-j", jobid, "-o", "%i"],
            capture_output=True,
            text=True,
            env={**os.environ, **env},
        )
        if not out.stdout.strip():
            return
        time.sleep(1)
    pytest.fail(f"Slurm still remembers job {jobid} after {limit} s")


def test_result_from_sacct_once_slurm_forgets_the_job(srun):
    """Never watched while it ran: the result comes from accounting."""
    jobid = srun("fxsub", "sh", "-c", "exit 5").stdout.strip()
    _forgotten(jobid, {})
    assert srun("fx", "job", "status", jobid).returncode == 5
    shown = srun("fxjobs", "-no", "{id} {result} {returncode}", jobid).stdout.split()
    assert shown == [jobid, "FAILED", "5"]


@pytest.mark.skipif(
    not os.environ.get("FX_SLURM_NOACCT_CONF"), reason="FX_SLURM_NOACCT_CONF is not set"
)
def test_result_kept_without_accounting(srun):
    """No sacct: the final state the backend saw stays right after Slurm forgets the job."""
    noacct = {"SLURM_CONF": os.environ["FX_SLURM_NOACCT_CONF"]}
    proc = srun("fxsub", "--wait", "sh", "-c", "exit 4", env=noacct)
    jobid = proc.stdout.strip()
    assert proc.returncode == 4
    _forgotten(jobid, noacct)
    assert srun("fx", "job", "status", jobid, env=noacct).returncode == 4
    listed = srun("fxjobs", "-a", "-no", "{id} {result}", env=noacct).stdout.splitlines()
    assert f"{jobid} FAILED" in listed


def test_urgency_maps_to_nice(srun):
    low = srun("fxsub", "--urgency=8", "true").stdout.strip()
    held = srun("fxsub", "--urgency=hold", "true").stdout.strip()
    assert srun("fx", "job", "urgency", held, "20").returncode == 0
    for jobid in (low, held):
        assert srun("fx", "job", "status", jobid).returncode == 0
    nice = subprocess.run(
        ["squeue", "-h", "-t", "all", "-j", f"{low},{held}", "-o", "%i %y"],
        capture_output=True,
        text=True,
    ).stdout.split()
    assert dict(zip(nice[::2], nice[1::2], strict=True)) == {low: "800", held: "-400"}
    shown = srun("fxjobs", "-no", "{id} {urgency}", low, held).stdout.split()
    assert shown == [low, "8", held, "20"]


def test_time_limit_ends_the_job_as_timeout(srun):
    """Slurm counts whole minutes: -t 1m ends a longer job as TIMEOUT, status as the local backend."""
    jobid = srun("fxsub", "-t", "1m", "sleep", "600").stdout.strip()
    status = srun("fx", "job", "status", jobid, timeout=300)
    listed = srun("fxjobs", "-n", "-o", "{result} {returncode} {exception.type}", jobid)
    assert (status.returncode, listed.stdout) == (142, "TIMEOUT 142 timeout\n"), status.stderr
