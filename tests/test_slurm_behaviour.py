"""The local backend's behavioural tests (test_run_jobs.py) that Slurm can express, run on Slurm.

The same test functions, with every tool run under FX_BACKEND=slurm; what
differs on Slurm (F58 ids, sub-minute time limits, pty, stdin, nested
instances, annotations) stays in test_run_jobs.py, and test_slurm.py covers
Slurm's own ways. Skipped with the reason when no Slurm answers here.
"""

from __future__ import annotations

import pytest
import test_run_jobs as local
from conftest import fx

from fluxcli.backends import backend_class

REASON = backend_class("slurm").unavailable()
pytestmark = pytest.mark.skipif(bool(REASON), reason=f"no Slurm here: {REASON}")


@pytest.fixture
def run():
    """The tools with the Slurm backend selected."""

    def call(*args, env=None, **kwargs):
        return fx(*args, env={"FX_BACKEND": "slurm", **(env or {})}, **kwargs)

    return call


# exit statuses and messages; a command that cannot start exits 127 from the
# task wrapper on Slurm (there is no job shell to say "start failed")
EXIT_CASES = [case for case in local.test_fxrun_exit_status.pytestmark[0].args[1] if case[1] != 127]


@pytest.mark.parametrize("command,code,message", EXIT_CASES)
def test_fxrun_exit_status(run, command, code, message):
    local.test_fxrun_exit_status(run, command, code, message)


test_fxrun_runs_tasks = local.test_fxrun_runs_tasks
test_bulksubmit_wait_exit_code = local.test_bulksubmit_wait_exit_code
test_fxsub_log_files = local.test_fxsub_log_files


def test_missing_command_exits_127(run):
    proc = run("fxrun", "/no/such/cmd")
    assert proc.returncode == 127 and "/no/such/cmd" in proc.stderr


def test_rlimits(run):
    assert run("fxrun", "--rlimit=nofile=123", "-n2", "sh", "-c", "ulimit -n").stdout == (
        "123\n123\n"
    )
