"""fxcancel, as flux cancel: by id, --all/-u/-S, -n, -q, -m; its counts, errors and exit codes."""

from __future__ import annotations

import os

import pytest
from conftest import submit_ok as submit


@pytest.mark.parametrize(
    "args,code,stderr",
    [
        ([], 1, "fxcancel: error: No target jobs were provided\n"),
        (["-n", "ƒ123"], 0, "fxcancel: Would cancel 1 job\n"),
        (["--dry", "ƒ123", "ƒ456"], 0, "fxcancel: Would cancel 2 jobs\n"),
        (["ƒ123"], 1, "fxcancel: error: ƒ23: unknown job id\n"),  # 1 is F58's zero
        (["123"], 1, "fxcancel: error: ƒ38: unknown job id\n"),
        (["-S", "foo"], 1, "fxcancel: error: Invalid state foo specified\n"),
        (["-S", "inactive"], 1, "fxcancel: error: Invalid state inactive specified\n"),
        (["-u", "nosuchuser"], 1, "fxcancel: error: Invalid user nosuchuser specified\n"),
        (
            ["--all", "ƒ123"],
            1,
            "fxcancel: error: Do not specify a list of jobids with --all,--user,--states options\n",
        ),
        (["--all"], 0, "fxcancel: Matched 0 jobs\n"),
        (["-q", "--all"], 0, ""),
        (["-u", "all"], 0, "fxcancel: Matched 0 jobs\n"),
        (["-u", str(os.getuid()), "-S", "active,RUN"], 0, "fxcancel: Matched 0 jobs\n"),
    ],
)
def test_messages_and_exit_codes(private_fx, args, code, stderr):
    assert private_fx("fxcancel", *args) == (code, "", stderr)


def test_bad_jobid_is_a_usage_error(private_fx):
    code, out, err = private_fx("fxcancel", "abc!")
    assert (code, out) == (2, "")
    assert err.splitlines()[-1] == "fxcancel: error: argument JOBID...: invalid JobID value: 'abc!'"


def test_cancel_by_state_user_and_id(private_fx):
    fx = private_fx
    first, second = submit(fx, "sleep", "300"), submit(fx, "sleep", "300")
    held = submit(fx, "--urgency=hold", "true")
    assert fx("fxcancel", "-n", "--all") == (0, "", "fxcancel: Would cancel 3 jobs\n")
    assert fx("fxcancel", "-S", "pending") == (0, "", "fxcancel: Canceled 1 job (0 errors)\n")
    assert fx("fx", "job", "wait-event", held, "clean")[0] == 0
    assert "exception" in fx("fx", "job", "eventlog", held)[1]
    assert fx("fxcancel", "-S", "run", "-n") == (0, "", "fxcancel: Would cancel 2 jobs\n")
    assert fx("fxcancel", first) == (0, "", "")
    assert fx("fx", "job", "wait-event", first, "clean")[0] == 0
    assert fx("fxcancel", first) == (1, "", f"fxcancel: error: {first}: job is inactive\n")
    me = str(os.getuid())
    assert fx("fxcancel", "-u", me, "-m", "bye") == (0, "", "fxcancel: Canceled 1 job (0 errors)\n")
    assert fx("fx", "job", "wait-event", second, "clean")[0] == 0
    log = fx("fx", "job", "eventlog", second)[1]
    assert 'exception type="cancel" severity=0 note="bye"' in log
    assert fx("fxcancel", "--all") == (0, "", "fxcancel: Matched 0 jobs\n")


def test_one_error_among_many_ids(private_fx):
    fx = private_fx
    job = submit(fx, "sleep", "300")
    code, out, err = fx("fxcancel", job, "ƒ123")
    assert (code, out, err) == (1, "", "fxcancel: error: ƒ23: unknown job id\n")
    assert fx("fx", "job", "wait-event", job, "clean")[0] == 0
