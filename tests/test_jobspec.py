"""Jobspec / JobspecV1: validation, accessors, factories and the documented examples."""

import datetime
import io
import json
import os

import pytest

from fluxcli.jobspec import Jobspec, JobspecV1, validate_jobspec

SLOT = {"type": "slot", "count": 1, "label": "task", "with": [{"type": "core", "count": 1}]}
TASKS = [{"command": ["app"], "slot": "task", "count": {"per_slot": 1}}]
ATTRS = {"system": {"duration": 0}}


def v1(resources=None, tasks=None, attributes=None, version=1):
    return JobspecV1(
        resources or [dict(SLOT)],
        tasks or TASKS,
        attributes or {"system": {"duration": 0}},
        version,
    )


@pytest.mark.parametrize(
    "kwargs,exc,msg",
    [
        (dict(resources={}), TypeError, "resources must be a sequence"),
        (dict(tasks={}), TypeError, "tasks must be a sequence"),
        (dict(attributes=[]), TypeError, "attributes must be a mapping"),
        (dict(version="1"), TypeError, "version must be an integer"),
        (dict(version=0), ValueError, "version must be >= 1"),
        (dict(resources=[1]), TypeError, "resource must be a mapping"),
        (dict(resources=[{"count": 1}]), ValueError, "type is a required key for resources"),
        (dict(resources=[{"type": 1, "count": 1}]), TypeError, "type must be a string"),
        (dict(resources=[{"type": "x"}]), ValueError, "count is a required key for resources"),
        (dict(resources=[{"type": "x", "count": {"max": 1}}]), ValueError, "min must be in range"),
        (
            dict(resources=[{"type": "x", "count": {"min": 1, "foo": 1}}]),
            ValueError,
            r"Extraneous key \(foo\)",
        ),
        (
            dict(resources=[{"type": "x", "count": {"min": 2, "max": 1}}]),
            ValueError,
            "max must be >= min",
        ),
        (
            dict(resources=[{"type": "x", "count": {"min": 1, "operand": 2}}]),
            ValueError,
            "operand and operator",
        ),
        (
            dict(resources=[{"type": "x", "count": {"min": 1, "operand": 2, "operator": "/"}}]),
            ValueError,
            "operator must be one of",
        ),
        (
            dict(resources=[{"type": "x", "count": {"min": 1, "operand": 1, "operator": "*"}}]),
            ValueError,
            "operand must be > 1",
        ),
        (
            dict(resources=[{"type": "x", "count": {"min": 1, "operand": 2, "operator": "^"}}]),
            ValueError,
            "min must be > 1",
        ),
        (
            dict(resources=[{"type": "x", "count": "bogus"}]),
            ValueError,
            "count string must be a valid idset or range",
        ),
        (
            dict(resources=[{"type": "x", "count": 1.5}]),
            TypeError,
            "count must be an int or mapping",
        ),
        (
            dict(resources=[{"type": "node", "count": 0}]),
            ValueError,
            "node, slot, or core count must be > 0",
        ),
        (dict(resources=[{"type": "x", "count": -1}]), ValueError, "count must be >= 0"),
        (
            dict(resources=[{"type": "x", "count": 1, "unit": 1}]),
            TypeError,
            "unit must be a string",
        ),
        (
            dict(resources=[{"type": "x", "count": 1, "exclusive": "y"}]),
            TypeError,
            "exclusive must be a boolean",
        ),
        (dict(resources=[{"type": "slot", "count": 1}]), ValueError, "slots must have labels"),
        (dict(tasks=[1]), TypeError, "task must be a mapping"),
        (
            dict(tasks=[{"slot": "task", "count": {"per_slot": 1}}]),
            ValueError,
            r"Missing key \(command\)",
        ),
        (
            dict(tasks=[{"command": ["a"], "slot": "task", "count": 1}]),
            TypeError,
            "count must be a mapping",
        ),
        (
            dict(tasks=[{"command": ["a"], "slot": "task", "count": {}}]),
            ValueError,
            "count must have exactly one key set",
        ),
        (
            dict(tasks=[{"command": ["a"], "slot": "task", "count": {"x": 1}}]),
            ValueError,
            "count per_slot, per_resource, or total",
        ),
        (
            dict(tasks=[{"command": ["a"], "slot": "task", "count": {"total": 0}}]),
            ValueError,
            "count total must be > 0",
        ),
        (
            dict(tasks=[{"command": ["a"], "slot": "task", "count": {"per_slot": "1"}}]),
            TypeError,
            "count per_slot must be an int",
        ),
        (
            dict(tasks=[{"command": ["a"], "slot": 1, "count": {"per_slot": 1}}]),
            TypeError,
            "slot must be a string",
        ),
        (
            dict(tasks=[{"command": [], "slot": "task", "count": {"per_slot": 1}}]),
            TypeError,
            "command array cannot have length of zero",
        ),
        (
            dict(tasks=[{"command": "ab", "slot": "task", "count": {"per_slot": 1}}]),
            TypeError,
            "command must be a list of strings",
        ),
        (
            dict(attributes={"system": {"duration": 0}, "foo": {}}),
            ValueError,
            r"Extraneous key \(foo\)",
        ),
        (
            dict(attributes={"system": {"duration": 0, "dependencies": {}}}),
            TypeError,
            "dependencies must be a list",
        ),
        (
            dict(attributes={"system": {"duration": 0, "dependencies": [{"scheme": "a"}]}}),
            ValueError,
            r"Missing key \(value\)",
        ),
        (
            dict(attributes={"system": {"duration": 0, "constraints": {"foo": []}}}),
            TypeError,
            "unknown constraint operator 'foo'",
        ),
        (
            dict(attributes={"system": {"duration": 0, "constraints": {"properties": ["a|b"]}}}),
            TypeError,
            r"invalid character in property 'a\|b'",
        ),
        (
            dict(attributes={"system": {"duration": 0, "constraints": {"ranks": ["1-0"]}}}),
            ValueError,
            "IDset",
        ),
    ],
)
def test_jobspec_errors(kwargs, exc, msg):
    args = {
        "resources": [dict(SLOT)],
        "tasks": TASKS,
        "attributes": {"system": {"duration": 0}},
        "version": 1,
    }
    args.update(kwargs)
    with pytest.raises(exc, match=msg):
        Jobspec(**args)


@pytest.mark.parametrize(
    "kwargs,msg",
    [
        (dict(version=2), "version must be 1"),
        (dict(attributes={"user": {"a": 1}}), "attributes.system is a required key"),
        (dict(attributes={"system": {}}), "attributes.system.duration is a required key"),
        (
            dict(attributes={"system": {"duration": "1"}}),
            "attributes.system.duration must be a number",
        ),
        (
            dict(tasks=[{"command": ["a"], "slot": "task", "count": {"per_resource": 1}}]),
            "count per_slot or total must be set",
        ),
        (
            dict(resources=[{"type": "slot", "count": "1-2", "label": "task"}]),
            r"resource count must be an integer for type 'slot' \(got 'str'\)",
        ),
    ],
)
def test_v1_errors(kwargs, msg):
    with pytest.raises(ValueError, match=msg):
        v1(**kwargs)


def test_count_strings_and_ranges_ok():
    Jobspec(
        [
            {"type": "x", "count": "4,9,16"},
            {"type": "y", "count": "2-32:2:*"},
            {"type": "z", "count": "4+"},
        ],
        TASKS,
        ATTRS,
        999,
    )


def test_resource_walk_and_counts():
    resources = [
        {
            "type": "slot",
            "count": 2,
            "label": "a",
            "with": [{"type": "core", "count": 4}, {"type": "memory", "count": 1, "unit": "GB"}],
        },
        {
            "type": "slot",
            "count": 10,
            "label": "b",
            "with": [{"type": "core", "count": 1}, {"type": "memory", "count": 24, "unit": "GB"}],
        },
    ]
    js = Jobspec(resources, TASKS, ATTRS, 1)
    assert dict(js.resource_counts()) == {"slot": 12, "core": 18, "memory": 242}
    walk = [
        (p["type"] if p else None, r["type"], c)
        for p, r, c in Jobspec([resources[0]], TASKS, ATTRS, 1).resource_walk()
    ]
    assert walk[:2] == [(None, "slot", 2), ("slot", "core", 8)]
    use_case = [
        {
            "type": "node",
            "count": 1,
            "with": [
                {
                    "type": "slot",
                    "count": 10,
                    "label": "read-db",
                    "with": [
                        {"type": "core", "count": 1},
                        {"type": "memory", "count": 4, "unit": "GB"},
                    ],
                },
                {
                    "type": "slot",
                    "count": 1,
                    "label": "db",
                    "with": [
                        {"type": "core", "count": 6},
                        {"type": "memory", "count": 24, "unit": "GB"},
                    ],
                },
            ],
        }
    ]
    assert dict(Jobspec(use_case, TASKS, ATTRS, 1).resource_counts()) == {
        "node": 1,
        "slot": 11,
        "core": 16,
        "memory": 64,
    }


def test_attributes_and_properties(tmp_path):
    js = JobspecV1.from_command(["app"])
    js.setattr("cow", 1)
    assert js.getattr("attributes.system.cow") == 1 and js.getattr("cow") == 1
    js.setattr("attributes.goat", 6)
    assert js.jobspec["attributes"]["goat"] == 6
    with pytest.raises(KeyError):
        js.getattr("nope")
    js.setattr_shell_option("foo", 1)
    with pytest.raises(
        TypeError, match="failed to set attributes.system.shell.options.foo.bar to 1"
    ):
        js.setattr_shell_option("foo.bar", 1)
    js.duration = 100
    assert js.duration == 100.0
    js.duration = datetime.timedelta(minutes=1)
    assert js.duration == 60.0
    js.duration = "100s"
    assert js.duration == 100.0
    for bad, exc in (
        (-100, ValueError),
        ("10h5m", ValueError),
        ([], TypeError),
        (float("inf"), ValueError),
    ):
        with pytest.raises(exc):
            js.duration = bad
    js.cwd = tmp_path
    assert js.cwd == str(tmp_path)
    with pytest.raises(ValueError, match="cwd must be a string"):
        js.cwd = 1
    with pytest.raises(ValueError, match="environment must be a mapping"):
        js.environment = []
    with pytest.raises(TypeError, match="queue must be a string"):
        js.queue = 1
    js.queue = "batch"
    assert js.queue == "batch"
    js.stdout = "out.txt"
    assert js.output == "out.txt" and js.stdout == "out.txt"
    js.input = tmp_path / "in"
    assert js.stdin == str(tmp_path / "in")
    with pytest.raises(TypeError, match="got NoneType"):
        js.stderr = None
    js.unbuffered = True
    assert js.unbuffered
    js.unbuffered = False
    assert not js.unbuffered and "batch-timeout" not in json.dumps(js.jobspec)
    with pytest.raises(TypeError, match="unbuffered must be True or False"):
        js.unbuffered = 1


def test_add_file(tmp_path):
    js = JobspecV1.from_command(["app"])
    js.add_file("inline", "line1\nline2\n")
    assert js.getattr("files")["inline"] == {
        "mode": 0o100600,
        "data": "line1\nline2\n",
        "encoding": "utf-8",
    }
    path = tmp_path / "f.txt"
    path.write_text("content")
    js.add_file("f", str(path))
    assert js.getattr("files")["f"]["size"] == 7
    js.add_file("conf", {"a": 1}, perms=0o644)
    assert js.getattr("files")["conf"] == {"mode": 0o100644, "data": {"a": 1}}
    with pytest.raises(TypeError, match="data must be a Mapping or string"):
        js.add_file("x", 1)


def test_yaml_and_json_round_trip(tmp_path):
    js = JobspecV1.from_command(["app", "x"], num_tasks=2, environment={})
    again = JobspecV1.from_yaml_stream(io.StringIO(js.dumps()))
    assert again.jobspec == js.jobspec
    assert JobspecV1.loads(js.dumps()).jobspec == js.jobspec
    path = tmp_path / "js.yaml"
    path.write_text(
        "version: 1\nresources:\n  - type: slot\n    count: 1\n    label: task\n    with:\n      - type: core\n        count: 1\n"
        "tasks:\n  - command: [app]\n    slot: task\n    count: {per_slot: 1}\nattributes:\n  system:\n    duration: 0\n"
    )
    assert JobspecV1.from_yaml_file(path).tasks[0]["command"] == ["app"]
    with pytest.raises(ValueError, match=r"Missing key \(attributes\)"):
        JobspecV1.from_yaml_stream("version: 1\nresources: []\ntasks: []\n")
    import yaml

    with pytest.raises(yaml.YAMLError):  # safe loading only
        JobspecV1.from_yaml_stream("!!python/object/apply:os.system ['true']")
    assert validate_jobspec(js.dumps())[0] is True
    assert eval(repr(js), {"JobspecV1": JobspecV1}).jobspec == js.jobspec
    assert str(js) == str(js.jobspec)


def test_from_command_errors():
    for kwargs, msg in [
        (dict(num_tasks=0), "task count must be a integer >= 1"),
        (dict(cores_per_task=0), "cores per task must be an integer >= 1"),
        (dict(gpus_per_task=-1), "gpus per task must be an integer >= 0"),
        (dict(num_nodes=0), r"node count must be an integer >= 1 \(if set\)"),
        (dict(num_tasks=1, num_nodes=2), "node count must not be greater than task count"),
        (dict(exclusive=True), "exclusive can only be set with a node count"),
    ]:
        with pytest.raises(ValueError, match=msg):
            JobspecV1.from_command(["a"], **kwargs)


def test_per_resource():
    js = JobspecV1.per_resource(
        ["a"], ncores=4, nnodes=2, per_resource_type="node", per_resource_count=1
    )
    assert js.resources == [
        {
            "type": "node",
            "count": 2,
            "with": [
                {
                    "type": "slot",
                    "count": 1,
                    "with": [{"type": "core", "count": 2}],
                    "label": "task",
                }
            ],
        }
    ]
    assert js.getattr("shell.options.per-resource") == {"type": "node", "count": 1}
    for kwargs, msg in [
        (dict(ncores=9, nnodes=5), "evenly divisible"),
        (dict(ncores=1, nnodes=2), "cannot be less than nnodes"),
        (dict(nnodes=2), "requires ncores or exclusive"),
        (dict(), "must specify node or core count"),
        (
            dict(ncores=2, per_resource_type="socket", per_resource_count=1),
            "Invalid per_resource_type='socket'",
        ),
        (dict(ncores=2, gpus_per_node=1), "gpus_per_node must be specified with nnodes"),
    ]:
        with pytest.raises(ValueError, match=msg):
            JobspecV1.per_resource(["a"], **kwargs)


def test_nest_and_batch_commands():
    js = JobspecV1.from_nest_command(["app"], num_slots=2, broker_opts=["-v"], conf={"a": 1})
    assert js.tasks[0]["command"] == ["flux", "broker", "-v", "-c{{tmpdir}}/conf.json", "app"]
    assert js.getattr("shell.options") == {
        "per-resource": {"type": "node"},
        "mpi": "none",
        "exit-timeout": "none",
    }
    assert js.getattr("files")["conf.json"] == {"mode": 33152, "data": {"a": 1}}
    js = JobspecV1.from_batch_command("#!/bin/sh\ntrue\n", "job", args=["x"])
    assert js.tasks[0]["command"] == ["flux", "broker", "{{tmpdir}}/script", "x"]
    assert js.getattr("files")["script"] == {
        "mode": 33216,
        "data": "#!/bin/sh\ntrue\n",
        "encoding": "utf-8",
    }
    assert js.getattr("job.name") == "job"
    with pytest.raises(ValueError, match="job does not appear to start with '#!'"):
        JobspecV1.from_batch_command("true\n", "job")


def test_docs_from_submit_example():
    js = JobspecV1.from_submit(
        ["myapp", "--input", "data.h5"],
        ntasks=16,
        cores_per_task=4,
        time_limit="2h",
        shell_options={"verbose": 1},
        attributes={"system.queue": "gpu"},
        dependency=["afterok:f1234abcd"],
    )
    assert js.resources[0]["count"] == 16 and js.resources[0]["with"] == [
        {"type": "core", "count": 4}
    ]
    assert js.duration == 7200.0 and js.getattr("shell.options.verbose") == 1
    assert js.queue == "gpu" and js.getattr("dependencies") == [
        {"scheme": "afterok", "value": "f1234abcd"}
    ]
    assert js.environment == dict(os.environ) and "rlimit" in js.getattr("shell.options")
    with pytest.raises(TypeError, match=r"unexpected keyword argument\(s\): 'typo_option'"):
        JobspecV1.from_submit(["a"], typo_option="bad")


def test_docs_apply_options_examples(tmp_path):
    js = JobspecV1.from_command(
        ["myapp", "--input", "data.h5"], num_tasks=16, cores_per_task=4
    ).apply_options(
        time_limit="2h",
        env=["-LD_PRELOAD", "MY_RANK={{rank}}"],
        dependency=["afterok:f1234abcd"],
        shell_options={"verbose": 1},
        attributes={"system.queue": "gpu"},
    )
    assert js.getattr("shell.options.env-expand") == {"MY_RANK": "{{rank}}"}
    assert "LD_PRELOAD" not in js.environment and js.duration == 7200.0
    script = tmp_path / "setup.sh"
    script.write_text("#!/bin/sh\n")
    js.apply_options(add_file=[f"setup.sh={script}"], rlimit=["-*", "nofile=65536"])
    assert js.getattr("files")["setup.sh"]["data"] == "#!/bin/sh\n"
    assert js.getattr("shell.options.rlimit") == {"nofile": 65536}
    js.apply_options(signal="USR1@30s", taskmap="cyclic", requires=["host:node1", "rank:0"])
    assert js.getattr("shell.options.signal") == {"signum": 10, "timeleft": 30.0}
    assert js.getattr("shell.options.taskmap") == {"scheme": "cyclic", "value": ""}
    assert js.getattr("constraints") == {"and": [{"hostlist": ["node1"]}, {"ranks": ["0"]}]}
    before = dict(js.environment)
    js.apply_options(attributes={".user.comment": "my job", "foo": 1})
    assert js.jobspec["attributes"]["user"]["comment"] == "my job" and js.getattr("foo") == 1
    assert js.environment == before  # env untouched when not passed


def test_apply_options_args_namespace():
    from types import SimpleNamespace

    js = JobspecV1.from_command(["a"]).apply_options(
        SimpleNamespace(setattr=[".user.tag=hello"], setopt=["x=1"])
    )
    assert js.jobspec["attributes"]["user"]["tag"] == "hello" and js.getattr("shell.options.x") == 1


def test_from_alloc_and_batch(tmp_path):
    js = JobspecV1.from_alloc(
        nodes=4,
        time_limit="1h",
        conf={"resource": {"noverify": True}},
        shell_options={"verbose": 1},
    )
    assert js.resources[0]["exclusive"] is True and js.resources[0]["count"] == 4
    assert (
        js.tasks[0]["command"] == ["flux", "broker", "-c{{tmpdir}}/conf.json"]
        and js.duration == 3600
    )
    assert js.cwd == os.getcwd()
    bg = JobspecV1.from_alloc(nslots=1, bg=True, conf="a=1")
    assert (
        "-Sbroker.rc2_none=1" in bg.tasks[0]["command"]
        and bg.getattr("shell.options.pty.capture") == 1
    )
    with pytest.raises(ValueError, match="from_alloc\\(\\) requires nslots or nodes"):
        JobspecV1.from_alloc()
    script = tmp_path / "script.sh"
    script.write_text("#!/bin/bash\nflux run -n8 myapp\n")
    js = JobspecV1.from_batch(
        str(script), nodes=4, time_limit="2h", attributes={"system.queue": "batch"}
    )
    assert js.getattr("job.name") == "script.sh" and js.queue == "batch"
    assert js.stdout == "flux-{{id}}.out"
    js = JobspecV1.from_batch(
        content="#!/bin/bash\nflux run -n8 myapp\n",
        nslots=8,
        output="myapp-{{id}}.out",
        error="myapp-{{id}}.err",
    )
    assert js.getattr("job.name") == "batch" and js.stderr == "myapp-{{id}}.err"
    with pytest.raises(ValueError, match="does not appear to start with"):
        JobspecV1.from_batch(content="echo hello\n")
    assert (
        JobspecV1.from_batch(content="echo hello\n", wrap=True)
        .getattr("files")["script"]["data"]
        .startswith("#!/bin/sh\n")
    )
    with pytest.raises(TypeError, match="not both"):
        JobspecV1.from_batch(str(script), content="x")
    with pytest.raises(TypeError, match="requires 'script'"):
        JobspecV1.from_batch()
