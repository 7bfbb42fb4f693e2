"""fx job kill/raise/urgency/info/last/wait: flux job's output, errors and exit codes."""

from __future__ import annotations

import json

import pytest
from conftest import submit_ok as submit

UNKNOWN = "ƒ123"


@pytest.fixture
def fx(private_fx):
    return private_fx


def finished(fx, jobid: str) -> None:
    assert fx("fx", "job", "wait-event", jobid, "clean")[0] == 0


@pytest.mark.parametrize(
    "args,stderr",
    [
        (["kill", UNKNOWN], f"kill {UNKNOWN}: unknown job id"),
        (["kill", "foo!"], "invalid jobid: foo!"),
        (["kill", "-s", "BOGUS", UNKNOWN], "kill: Invalid signal BOGUS"),
        (["kill", "-s", "usr1", UNKNOWN], "kill: Invalid signal usr1"),
        (["kill", "-s", "0", UNKNOWN], "kill: Invalid signal 0"),
        (["kill", "-s", "99", UNKNOWN], f"kill {UNKNOWN}: Invalid signal number"),
        (["raise", UNKNOWN, "some", "note"], f"raise {UNKNOWN}: unknown job id"),
        (["raise", "-s", "9", UNKNOWN], f"raise {UNKNOWN}: invalid exception severity"),
        (
            ["raise", "-m", "x", UNKNOWN, "--", "a"],
            "Do not set note on command line and with --message",
        ),
        (["urgency", UNKNOWN, "5"], f"{UNKNOWN}: unknown job"),
        (["urgency", "bad!", "5"], 'error parsing jobid: "bad!"'),
        (["urgency", UNKNOWN, "bogus"], 'error parsing urgency: "bogus"'),
        (["urgency", UNKNOWN, "1x"], 'error parsing urgency: "1x"'),
        (["urgency", UNKNOWN, "-1"], f"{UNKNOWN}: urgency value is out of range"),
        (["urgency", UNKNOWN, "40"], f"{UNKNOWN}: urgency value is out of range"),
        (["info", UNKNOWN, "R"], "invalid job id"),
        (["info", "bad!", "R"], 'error parsing jobid: "bad!"'),
        (["last", "[bad]"], "could not parse python-style slice expression"),
        (["last", "[1]"], "could not parse python-style slice expression"),
        (["last", "[5:]"], "job history is empty"),
        (["purge", "--age-limit=-1"], "purge: Invalid argument for option 'age-limit': '-1'"),
        (["purge", "--batch=0", "-f", "--num-limit=0"], "purge: batch must be >= 1 and <= 100"),
        (["last"], "job history is empty"),
        (["purge", "--num-limit=x"], "purge: Option 'num-limit' requires an integer argument"),
        (["purge", "--age-limit=x"], "purge: Invalid argument for option 'age-limit': 'x'"),
        (["purge", UNKNOWN], "purge: id not found"),
        (["wait", "--all", UNKNOWN], "jobid not supported with --all: No such file or directory"),
        (["killall", "-s", "BOGUS"], "killall: Invalid signal BOGUS"),
        (["killall", "-u", "nosuch"], "unknown user nosuch"),
        (["raiseall", "-S", "bogus", "t"], "error parsing --states: bogus is unknown"),
        (["raiseall", "-S", "inactive", "t"], "Exceptions cannot be raised on inactive jobs"),
    ],
)
def test_bad_input_one_line_exit_1(fx, args, stderr):
    assert fx("fx", "job", *args) == (1, "", f"fx job: error: {stderr}\n")


@pytest.mark.parametrize(
    "args", [["kill"], ["raise"], ["urgency", UNKNOWN], ["last", "x"], ["info"]]
)
def test_missing_arguments_print_usage_exit_1(fx, args):
    code, out, err = fx("fx", "job", *args)
    assert (code, out) == (1, "")
    assert err.startswith(f"Usage: fx job {args[0]}")


def test_kill_raise_urgency_on_real_jobs(fx):
    running = submit(fx, "sleep", "300")
    held = submit(fx, "--urgency=hold", "true")
    assert fx("fx", "job", "wait-event", running, "start")[0] == 0
    assert fx("fx", "job", "urgency", "-v", held, "expedite") == (0, "", "old urgency: job held\n")
    finished(fx, held)
    assert fx("fx", "job", "urgency", held, "hold") == (
        1,
        "",
        f"fx job: error: {held}: job is inactive\n",
    )
    allocated = (
        f"fx job: error: {running}: urgency cannot be changed once resources are allocated\n"
    )
    assert fx("fx", "job", "urgency", running, "HOLD") == (1, "", allocated)
    assert fx("fx", "job", "kill", held) == (
        1,
        "",
        f"fx job: error: kill {held}: job is inactive\n",
    )
    code, out, err = fx("fx", "job", "raise", "-t", "test", "-s", "3", running, "--", "a", "note")
    assert (code, err) == (0, "")
    assert fx("fx", "job", "kill", "-s", "USR1", running, UNKNOWN) == (
        1,
        "",
        f"fx job: error: kill {UNKNOWN}: unknown job id\n",
    )
    finished(fx, running)
    log = fx("fx", "job", "eventlog", running)[1]
    assert 'exception type="test" severity=3 note="a note"' in log
    assert "finish status=138" in log or "finish status=35328" in log  # SIGUSR1, as a wait status


def test_urgency_of_pending_job_prints_old_value(fx):
    later = submit(fx, "--begin-time=+1h", "true")  # pending for an hour
    assert fx("fx", "job", "urgency", "-v", later, "5") == (0, "", "old urgency: 16\n")
    assert fx("fx", "job", "urgency", "-v", later, "expedite") == (0, "", "old urgency: 5\n")
    assert fx("fx", "job", "urgency", "-v", later, "hold") == (
        0,
        "",
        "old urgency: job expedited\n",
    )
    assert fx("fx", "job", "urgency", later, "default") == (0, "", "")
    assert "urgency=16" in fx("fx", "job", "eventlog", later)[1]
    assert fx("fxcancel", later)[0] == 0


def test_info_keys(fx):
    jobid = submit(fx, "--output=/dev/null", "true")
    finished(fx, jobid)
    code, out, err = fx("fx", "job", "info", jobid, "eventlog")
    lines = out.split("\n")
    assert code == 0 and lines[-2:] == ["", ""]  # the log ends with a newline, then print's
    events = [json.loads(line) for line in lines[:-2]]
    assert [e["name"] for e in events][0] == "submit" and events[-1]["name"] == "clean"
    assert lines[0].startswith('{"timestamp":') and ", " not in lines[0]
    spec = json.loads(fx("fx", "job", "info", jobid, "jobspec")[1])
    assert spec["tasks"][0]["command"] == ["true"]
    assert "environment" not in spec["attributes"]["system"]  # as flux job info leaves it out
    original = json.loads(fx("fx", "job", "info", "--original", jobid, "jobspec")[1])
    assert original["attributes"]["system"]["environment"]["PATH"]
    rset = json.loads(fx("fx", "job", "info", jobid, "R")[1])
    assert rset["version"] == 1 and rset["execution"]["R_lite"][0]["rank"] == "0"
    names = [
        json.loads(x)["name"]
        for x in fx("fx", "job", "info", jobid, "guest.exec.eventlog")[1].split()
    ]
    assert names[:2] == ["init", "starting"] and names[-1] == "done"
    assert fx("fx", "job", "info", jobid, "output_paths")[1] == "/dev/null\n"
    usage = json.loads(fx("fx", "job", "info", jobid, "accounting")[1])
    assert usage["cputime"] >= 0 and usage["maxrss"] > 0
    record = json.loads(fx("fx", "job", "info", jobid, "record")[1])
    assert record["result"] == "COMPLETED" and record["output_paths"] == ["/dev/null"]
    assert fx("fx", "job", "info", jobid, "bogus") == (
        1,
        "",
        "fx job: error: bogus: key not found\n",
    )


def test_last(fx):
    ids = [submit(fx, "true") for _ in range(3)]
    newest_first = "".join(f"{i}\n" for i in reversed(ids))
    assert fx("fx", "job", "last") == (0, f"{ids[-1]}\n", "")
    assert fx("fx", "job", "last", "2") == (0, f"{ids[2]}\n{ids[1]}\n", "")
    assert fx("fx", "job", "last", "[0:2]") == (0, f"{ids[2]}\n{ids[1]}\n", "")
    assert fx("fx", "job", "last", "[:]") == (0, newest_first, "")
    assert fx("fx", "job", "last", "[::-1]") == (0, "".join(f"{i}\n" for i in ids), "")
    assert fx("fx", "job", "last", "[-1:]") == (0, f"{ids[0]}\n", "")
    for jobid in ids:
        finished(fx, jobid)


def test_wait(fx):
    not_waitable = "fx job: error: invalid job id, or job may be inactive and not waitable\n"
    none_left = "fx job: error: there are no more waitable jobs\n"
    assert fx("fx", "job", "wait") == (2, "", none_left)
    assert fx("fx", "job", "wait", UNKNOWN) == (2, "", not_waitable)
    plain = submit(fx, "sleep", "300")
    assert fx("fx", "job", "wait", plain) == (
        2,
        "",
        "fx job: error: job was not submitted with FLUX_JOB_WAITABLE\n",
    )
    assert fx("fxcancel", plain)[0] == 0
    good = submit(fx, "--flags=waitable", "true")
    bad = submit(fx, "--flags=waitable", "false")
    assert fx("fx", "job", "wait", good) == (0, "", "")
    assert fx("fx", "job", "wait", good) == (2, "", not_waitable)  # a result is taken once
    failed = "fx job: error: task(s) exited with exit code 1\n"
    assert fx("fx", "job", "wait") == (1, f"{bad}\n", failed)
    assert fx("fx", "job", "wait") == (2, "", none_left)
    assert fx("fx", "job", "wait", "--all") == (0, "", "")
    bad = submit(fx, "--flags=waitable", "false")
    good = submit(fx, "--flags=waitable", "sleep", "0.5")  # still running when the wait starts
    code, out, err = fx("fx", "job", "wait", "-v", "--all")
    assert (code, out) == (1, "")
    assert sorted(err.splitlines()) == sorted(
        [f"{bad}: task(s) exited with exit code 1", f"{good}: job completed successfully"]
    )


def test_killall_and_raiseall(fx):
    assert fx("fx", "job", "killall") == (0, "", "fx job: Command matched 0 jobs\n")
    running = [submit(fx, "sleep", "300") for _ in range(2)]
    held = submit(fx, "--urgency=hold", "true")
    for jobid in running:
        assert fx("fx", "job", "wait-event", jobid, "start")[0] == 0
    assert fx("fx", "job", "killall") == (0, "", "fx job: Command matched 2 jobs (-f to confirm)\n")
    assert fx("fx", "job", "raiseall", "t") == (
        0,
        "",
        "fx job: Command matched 3 jobs (-f to confirm)\n",
    )
    done = "fx job: Raised exception on 1 jobs (0 errors)\n"
    assert fx("fx", "job", "raiseall", "-f", "-S", "pending", "t", "a", "note") == (0, "", done)
    assert 'exception type="t" severity=7 note="a note"' in fx("fx", "job", "eventlog", held)[1]
    killed = "fx job: User defined signal 1 2 jobs (0 errors)\n"
    assert fx("fx", "job", "killall", "-s", "USR1", "-f") == (0, "", killed)
    for jobid in running:
        finished(fx, jobid)
    assert fx("fxcancel", held)[0] == 0


def test_status_json_keys_in_the_reference_order():
    from fluxcli.backends.contract import JobEvent
    from fluxcli.commands.jobcmd import job_result

    def events(*items):
        return [JobEvent(7, n, name, t, ctx) for n, (name, t, ctx) in enumerate(items)]

    canceled = events(
        ("submit", 1.5, {}),
        ("exception", 2.5, {"type": "cancel", "severity": 0, "note": "bye", "userid": 0}),
        ("clean", 3.0, {}),
    )
    assert json.dumps(job_result(7, canceled), separators=(",", ":")) == (
        '{"id":7,"exception_occurred":true,"t_submit":1.5,"exception_type":"cancel",'
        '"exception_note":"bye","exception_severity":0,"result":4}'
    )
    ran = events(("submit", 1.0, {}), ("alloc", 2.0, {}), ("finish", 3.0, {"status": 0}))
    assert job_result(7, ran) == {
        "id": 7,
        "exception_occurred": False,
        "t_submit": 1.0,
        "t_run": 2.0,
        "t_cleanup": 3.0,
        "waitstatus": 0,
        "result": 1,
    }
    # a later, more severe exception does not replace a non-fatal one
    noted = events(
        ("exception", 1.0, {"type": "a", "severity": 3, "note": ""}),
        ("exception", 2.0, {"type": "b", "severity": 5, "note": ""}),
    )
    assert job_result(7, noted)["exception_type"] == "a"
