"""A job runs with its submitter's umask, never the instance's (which is 077): files the
job creates, and the output files the instance creates for it."""

from __future__ import annotations

import os
import stat
import subprocess

import pytest
from conftest import BIN


def under_umask(mask: int, *args: str, env: dict, cwd=None) -> subprocess.CompletedProcess:
    """Run an installed command with ``mask`` as its umask."""
    return subprocess.run(
        [str(BIN / args[0]), *args[1:]],
        env={**os.environ, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        preexec_fn=lambda: os.umask(mask),
    )


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def instance_under_077(private_instance):
    """A private instance, started by a command run under umask 077."""
    state, env = private_instance
    assert under_umask(0o077, "fx", "instance", "start", env=env).returncode == 0
    return state, env


@pytest.mark.parametrize("how", ["fxrun", "fxsub --cc", "python api"])
def test_a_job_gets_the_submitters_umask(instance_under_077, tmp_path, how):
    state, env = instance_under_077
    made, out, err, labelled = (tmp_path / n for n in ("made", "out", "err", "labelled"))
    script = f"touch {made}; mkdir {made}.d; echo out; echo err >&2"
    if how == "fxrun":
        args = ["fxrun", f"--output={out}", f"--error={err}", "sh", "-c", script]
        assert under_umask(0o027, *args, env=env).returncode == 0
        proc = under_umask(0o027, "fxrun", "-l", f"--output={labelled}", "echo", "x", env=env)
        assert proc.returncode == 0, proc.stderr
        assert labelled.read_text() == "0: x\n"
        assert mode(labelled) == 0o640
    elif how == "fxsub --cc":  # several jobspecs in one request
        made, out = tmp_path / "made.{cc}", tmp_path / "out.{cc}"
        script = f"touch {made}; mkdir {made}.d; echo out"
        args = ["fxsub", "--cc=1-2", f"--output={out}", "sh", "-c", script]
        proc = under_umask(0o027, *args, env=env)
        ids = proc.stdout.split()
        assert len(ids) == 2, proc.stderr
        assert under_umask(0o077, "fx", "job", "status", *ids, env=env).returncode == 0
        assert mode(tmp_path / "made.2") == 0o640 and mode(tmp_path / "out.2") == 0o640
        made, out = tmp_path / "made.1", tmp_path / "out.1"
    else:
        code = (
            "import fluxcli, os\n"
            "from fluxcli.job import JobspecV1, submit, result\n"
            "os.umask(0o027)\n"
            f"spec = JobspecV1.from_command(['sh', '-c', {script!r}])\n"
            "spec.environment = dict(os.environ)\n"
            f"spec.stdout = {str(out)!r}\n"
            "with fluxcli.open() as h:\n"
            "    jobid = submit(h, spec)\n"
            "    assert result(h, jobid).returncode == 0\n"
        )
        proc = subprocess.run(
            [str(BIN / "python"), "-c", code],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=60,
            preexec_fn=lambda: os.umask(0o077),  # the process's umask when it submits: 027
        )
        assert proc.returncode == 0, proc.stderr
    assert mode(made) == 0o640
    assert mode(f"{made}.d") == 0o750
    assert out.read_text().startswith("out\n")
    assert mode(out) == 0o640
    if how == "fxrun":
        assert err.read_text() == "err\n" and mode(err) == 0o640


def test_the_umask_of_a_job_outlives_an_instance_restart(instance_under_077, tmp_path):
    """A job still queued when its instance stops runs later with its own umask."""
    state, env = instance_under_077
    made, out = tmp_path / "made", tmp_path / "out"
    args = ["fxsub", "--urgency=hold", f"--output={out}", "sh", "-c", f"touch {made}; echo x"]
    proc = under_umask(0o027, *args, env=env)
    jobid = proc.stdout.strip()
    assert jobid, proc.stderr
    assert under_umask(0o077, "fx", "instance", "stop", env=env).returncode == 0
    assert under_umask(0o077, "fx", "job", "urgency", jobid, "default", env=env).returncode == 0
    assert under_umask(0o077, "fx", "job", "status", jobid, env=env).returncode == 0
    assert mode(made) == 0o640 and mode(out) == 0o640
