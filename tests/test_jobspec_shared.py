"""Low-level factories' argument checks as Flux's, and the shared jobspec helpers.

The factory cases were compared with flux-core's Jobspec.py (same exception
type and message); status, templates and loading are the modules every
backend and command shares.
"""

import errno
import os
import signal

import pytest

from fluxcli.jobspec import JobspecV1, validate_jobspec
from fluxcli.jobspec.loading import jobspec_to_string
from fluxcli.jobspec.status import (
    ACTIVE_STATES,
    MAIN_EVENTS,
    JobResult,
    JobState,
    Outcome,
    SubmitFlag,
    exit_code,
    finish_message,
    parse_flags,
    parse_urgency,
    returncode,
    submit_flags,
    wait_error,
)
from fluxcli.jobspec.templates import has_task_tags, protected_format, render

SCRIPT = "#!/bin/sh\ntrue\n"


@pytest.mark.parametrize(
    "call, error, message",
    [
        # a command must be a list of strings: a str is not split into characters
        (
            lambda: JobspecV1.from_command("hostname"),
            TypeError,
            "command must be a list of strings",
        ),
        (lambda: JobspecV1.per_resource("ab", ncores=1), TypeError, "command must be a list"),
        (lambda: JobspecV1.from_command(iter(["a"])), TypeError, "has no len"),
        (lambda: JobspecV1.from_command([]), TypeError, "command array cannot have length of zero"),
        (lambda: JobspecV1.from_command(None), TypeError, "NoneType"),
        (lambda: JobspecV1.from_command([1]), TypeError, "command must be a list of strings"),
        (lambda: JobspecV1.from_command(["a"], num_tasks=0), ValueError, "task count must be a"),
        (lambda: JobspecV1.from_command(["a"], num_tasks="2"), ValueError, "task count must be a"),
        (lambda: JobspecV1.from_command(["a"], gpus_per_task="1"), ValueError, "gpus per task"),
        (lambda: JobspecV1.from_command(["a"], num_nodes=0), ValueError, "node count must be an"),
        (lambda: JobspecV1.from_command(["a"], exclusive=True), ValueError, "exclusive can only"),
        (lambda: JobspecV1.from_command(["a"], duration="1f"), ValueError, "standard duration"),
        # a duration of the wrong type is a TypeError, even when falsy
        (lambda: JobspecV1.from_command(["a"], duration=[]), TypeError, "duration must be an int"),
        (lambda: JobspecV1.from_command(["a"], duration=-1), ValueError, "must not be negative"),
        (lambda: JobspecV1.from_command(["a"], environment="x"), ValueError, "environment must"),
        (lambda: JobspecV1.from_command(["a"], env_expand=1), ValueError, "env_expand must be a"),
        (lambda: JobspecV1.from_command(["a"], rlimits=True), ValueError, "rlimits must be a"),
        (lambda: JobspecV1.from_command(["a"], cwd=5), ValueError, "cwd must be a string"),
        (lambda: JobspecV1.from_command(["a"], output=5), TypeError, "The path must be a string"),
        (
            lambda: JobspecV1.from_command(["a"], bogus=5),
            TypeError,
            r"^JobspecV1.from_command\(\) got an unexpected keyword argument 'bogus'$",
        ),
        # per_resource checks in Flux's order
        (
            lambda: JobspecV1.per_resource(["a"], ncores=2, per_resource_type=5),
            ValueError,
            "^must specify a per_resource_count with per_resource_type$",
        ),
        (
            lambda: JobspecV1.per_resource(
                ["a"], ncores=2, per_resource_type=5, per_resource_count=1
            ),
            ValueError,
            "^per_resource_type must be a string$",
        ),
        (
            lambda: JobspecV1.per_resource(["a"], ncores=2, gpus_per_node=1, nnodes=0),
            ValueError,
            "^gpus_per_node must be specified with nnodes$",
        ),
        (
            lambda: JobspecV1.per_resource(["a"], ncores=2, per_resource_count=1),
            ValueError,
            "must specify a per_resource_type with per_resource_count",
        ),
        (lambda: JobspecV1.per_resource(["a"], nnodes=2), ValueError, "requires ncores or"),
        (lambda: JobspecV1.per_resource(["a"]), ValueError, "must specify node or core count"),
        (
            lambda: JobspecV1.per_resource(["a"], ncores=1, bogus=1),
            TypeError,
            "unexpected keyword argument 'bogus'",
        ),
        (lambda: JobspecV1.from_nest_command(None), TypeError, "NoneType"),
        (lambda: JobspecV1.from_nest_command([], num_slots=0), ValueError, "task count must be"),
        (lambda: JobspecV1.from_batch_command("echo", "j"), ValueError, "j does not appear"),
        (lambda: JobspecV1.from_batch_command(None, "j"), AttributeError, "startswith"),
        # from_batch_command names the job itself: a name= as well is two values for one
        (
            lambda: JobspecV1.from_batch_command(SCRIPT, "j", name="x"),
            TypeError,
            "multiple values for keyword argument 'name'",
        ),
    ],
)
def test_factory_argument_checks(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_factories_keep_what_flux_keeps():
    # an empty config still becomes conf.json (Flux tests `conf is not None`)
    js = JobspecV1.from_nest_command([], conf={})
    assert js.tasks[0]["command"] == ["flux", "broker", "-c{{tmpdir}}/conf.json"]
    assert js.getattr("files")["conf.json"]["data"] == {}
    # empty env_expand / rlimits mappings are set, not skipped
    js = JobspecV1.from_command(["a"], env_expand={}, rlimits={}, duration=0)
    assert js.getattr("shell.options") == {"env-expand": {}, "rlimit": {}}
    assert js.duration == 0.0 and isinstance(js.duration, float)
    # per_resource puts its shell option first, as Flux lays it out
    js = JobspecV1.per_resource(
        ["a"], ncores=4, nnodes=2, per_resource_type="core", per_resource_count=2, cwd="/w"
    )
    assert list(js.jobspec["attributes"]["system"]) == ["duration", "shell", "environment", "cwd"]
    assert js.environment == dict(os.environ)
    # broker options are copied, never changed; a tuple command is a list
    opts = ["-v"]
    js = JobspecV1.from_nest_command(("app",), broker_opts=opts, conf={"a": 1})
    assert opts == ["-v"] and js.tasks[0]["command"][-1] == "app"
    args = ("x", "y")
    js = JobspecV1.from_batch_command(SCRIPT, "j", args=args)
    assert js.tasks[0]["command"][-2:] == ["x", "y"] and js.getattr("job.name") == "j"


def test_submit_flags_urgency_and_states():
    assert [int(f) for f in (SubmitFlag.PRE_SIGNED, SubmitFlag.DEBUG)] == [1, 2]
    assert [int(f) for f in (SubmitFlag.WAITABLE, SubmitFlag.NOVALIDATE)] == [4, 8]
    assert parse_flags(["debug,waitable"]) == 6 and parse_flags("novalidate") == 8
    assert parse_flags(None) == 0
    with pytest.raises(ValueError, match="^--flags: Unknown flag foo$"):
        parse_flags(["debug,foo"])
    assert submit_flags(waitable=True, pre_signed=True) == 5 and submit_flags() == 0
    assert [parse_urgency(v) for v in ("hold", "default", "expedite", "7")] == [0, 16, 31, 7]
    with pytest.raises(ValueError, match="--urgency: invalid value 'abc'"):
        parse_urgency("abc")
    assert [s.name for s in JobState][0] == "NEW" and int(JobState.INACTIVE) == 64
    assert ACTIVE_STATES == ("NEW", "DEPEND", "PRIORITY", "SCHED", "RUN", "CLEANUP")
    assert int(JobResult.CANCELED) == 4
    assert "validate" not in MAIN_EVENTS and {"submit", "clean", "exception"} <= MAIN_EVENTS


@pytest.mark.parametrize(
    "status, code, rc, message, waited",
    [
        (0, 0, 0, None, "task(s) exited with exit code 0"),
        (256, 1, 1, "task(s) exited with exit code 1", "task(s) exited with exit code 1"),
        (143 << 8, 143, 143, "task(s) Terminated", "task(s) exited with exit code 143"),
        (signal.SIGKILL, 137, -9, "job shell Killed", "task(s) killed by signal 9"),
    ],
)
def test_wait_statuses(status, code, rc, message, waited):
    assert (exit_code(status), returncode(status), finish_message(status)) == (code, rc, message)
    assert wait_error(status) == waited


def test_outcome_follows_the_main_events():
    outcome = Outcome()
    outcome.update({"name": "exception", "context": {"type": "cancel", "severity": 0}})
    assert outcome.exit_code == 1  # canceled before it ran
    outcome.update({"name": "finish", "context": {"status": 0}})
    assert outcome.exit_code == 1  # a fatal exception wins over a zero status
    assert wait_error(None, "cancel", "by user") == "Fatal exception type=cancel by user"


def test_templates():
    job = {"id": 1, "name": "app", "nnodes": 2, "ntasks": 4, "tmpdir": "/t"}
    text = "{{id}} {{id.dec}} {{name}} {{size}} {{tmpdir}} {{foo}} {{task.rank}}"
    assert render(text, job) == "ƒ2 1 app 4 /t {{foo}} {{task.rank}}"
    assert render("{{task.index}}", job, task={"rank": 3, "localid": 1}) == "1"
    assert has_task_tags("out.{{task.id}}") and not has_task_tags("out.{{id}}")
    assert protected_format("x{cc}.{{id}}", cc=3) == "x3.{{id}}"
    assert protected_format("{0}-{seq}{{name}}", "a", seq=1) == "a-1{{name}}"
    with pytest.raises(KeyError):
        protected_format("{nope}")


def test_loading():
    js = JobspecV1.from_command(["a"], environment={})
    assert validate_jobspec(js.dumps())[1].jobspec == js.jobspec
    assert validate_jobspec(js.dumps().encode(), require_version=1)[0] is True
    assert validate_jobspec("null") == (1, "Unable to parse JSON")
    assert jobspec_to_string(js) == js.dumps()
    with pytest.raises(OSError) as info:
        jobspec_to_string(None)
    assert info.value.errno == errno.EINVAL
    with pytest.raises(TypeError, match="jobspec must be a Jobspec or string"):
        jobspec_to_string(5)
    with pytest.raises(ValueError, match="Missing key"):
        validate_jobspec('{"version": 1}')
