"""The one jobspec builder (jobspec/recipes.py) and the pipeline that runs plugins around it."""

import ast
import json
import os
import subprocess
import sys
import textwrap
from types import SimpleNamespace

import pytest
from conftest import ROOT

from fluxcli.jobspec import JobspecV1
from fluxcli.jobspec import jobspec as jobspec_module

ENV = {"FX_CLI_PLUGINPATH_OVERRIDE": "", "FX_NO_ENTRYPOINT_PLUGINS": "1"}


def dry(run, *args, env=None):
    proc = run(args[0], "--dry-run", *args[1:], env={**ENV, **(env or {})})
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.parametrize(
    "argv, build",
    [
        (
            ["fxsub", "-n4", "-N2", "-c2", "-t", "5", "--job-name=j", "-q", "q", "app", "x"],
            lambda: JobspecV1.from_submit(
                ["app", "x"],
                ntasks=4,
                nodes=2,
                cores_per_task=2,
                name="j",
                queue="q",
                cwd=os.getcwd(),
                time_limit=300,
            ),
        ),
        (
            ["fxalloc", "-N2", "--bg", "--broker-opts=-v", "--conf=a.b=1", "-t", "1h"],
            lambda: JobspecV1.from_alloc(
                nodes=2, bg=True, broker_opts=["-v"], conf="a.b=1", time_limit="1h"
            ),
        ),
        (
            ["fxbatch", "-n2", "--output=o", "--wrap", "echo", "hi"],
            lambda: JobspecV1.from_batch(
                content="echo hi\n", wrap=True, nslots=2, output="o", name="echo", args=["hi"]
            ),
        ),
    ],
)
def test_commands_and_from_factories_build_alike(run, tmp_cwd, monkeypatch, argv, build):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    from_cli = dry(run, *argv)
    from_api = json.loads(build().dumps())
    assert from_cli == from_api
    # same key order too, down to the attributes: one builder
    assert list(from_cli["attributes"]["system"]) == list(from_api["attributes"]["system"])


def test_each_value_written_once(monkeypatch):
    from fluxcli.commands.base import run_command
    from fluxcli.commands.submit import handle

    writes = {"duration": [], "environment": []}
    for name in writes:
        prop = getattr(jobspec_module.Jobspec, name)

        def spy(self, value, prop=prop, name=name):
            writes[name].append(value)
            prop.fset(self, value)

        monkeypatch.setattr(jobspec_module.Jobspec, name, property(prop.fget, spy))
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    argv = ["--dry-run", "-t", "5", "--env=-*", "--env=A=1", "true"]
    assert run_command("submit", "fxsub", argv, handle) == 0
    assert writes["duration"] == [300.0]
    # the filtered environment, once (an empty placeholder keeps Flux's key order)
    assert [env for env in writes["environment"] if env] == [{"A": "1"}]


TRACE_PLUGIN = """
import json, os
from flux.cli.plugin import CLIPlugin

class Trace(CLIPlugin):
    def __init__(self, prog):
        super().__init__(prog, prefix="tr")
        self.add_option("--mark", help="a mark")

    def _log(self, what, value):
        with open(os.environ["TRACE"], "a") as handle:
            handle.write(json.dumps([what, value]) + "\\n")

    def preinit(self, args):
        self._log("preinit", args.time_limit)

    def modify_jobspec(self, args, jobspec):
        self._log("modify_jobspec", [args.time_limit, args.mark, jobspec.duration])

    def validate(self, jobspec):
        self._log("validate", jobspec.duration)
"""


@pytest.fixture
def traced(tmp_path):
    """The environment of a command with the trace plugin, and the trace file."""
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "trace.py").write_text(TRACE_PLUGIN)
    trace = tmp_path / "trace"
    env = {"FX_CLI_PLUGINPATH": str(plugins), "TRACE": str(trace), "FX_NO_ENTRYPOINT_PLUGINS": "1"}
    return env, trace


def test_pipeline_runs_each_hook_once_in_order_and_plugins_see_what_was_typed(run, traced):
    env, trace = traced
    proc = run("fxsub", "-t", "5", "--tr-mark=m", "true", env=env)
    assert proc.returncode == 0, proc.stderr
    calls = [json.loads(line) for line in trace.read_text().splitlines()]
    assert calls == [
        ["preinit", "5"],
        ["modify_jobspec", ["5", "m", 300.0]],
        ["validate", 300.0],
    ]
    trace.unlink()
    assert run("fxrun", "--dry-run", "-t", "2", "true", env=env).returncode == 0
    calls = [json.loads(line)[0] for line in trace.read_text().splitlines()]
    assert calls == ["preinit", "modify_jobspec"]  # validate only when submitting


def test_cc_copies_get_their_own_namespace_and_the_typed_values(run, traced):
    env, trace = traced
    proc = run("fxsub", "--cc=1-2", "-t", "{cc}", "--rlimit=-*", "--quiet", "true", env=env)
    assert proc.returncode == 0, proc.stderr
    calls = [json.loads(line) for line in trace.read_text().splitlines()]
    assert calls[0] == ["preinit", "{cc}"]
    assert [c[1] for c in calls if c[0] == "modify_jobspec"] == [
        ["1", None, 60.0],
        ["2", None, 120.0],
    ]


def test_apply_options_prog_runs_plugins_after_the_options(plugin_path):
    (plugin_path / "order.py").write_text(
        textwrap.dedent("""
        from fluxcli.plugins import CLIPlugin
        class Order(CLIPlugin):
            def __init__(self, prog):
                super().__init__(prog, prefix="o")
                self.add_option("--seen", default="dflt")
            def preinit(self, args):
                args.seen_in_preinit = args.seen
            def modify_jobspec(self, args, jobspec):
                jobspec.setattr("user.order", [args.seen_in_preinit, jobspec.duration])
        """)
    )
    js = JobspecV1.from_command(["a"]).apply_options(prog="submit", time_limit="1m")
    assert js.getattr("user.order") == ["dflt", 60.0]  # defaults seeded, options applied first
    js = JobspecV1.from_command(["a"]).apply_options(prog="submit", o_seen="x")
    assert js.getattr("user.order") == ["x", 0]
    with pytest.raises(TypeError, match=r"unexpected keyword argument\(s\): '_preinit'"):
        JobspecV1.from_command(["a"]).apply_options(prog="submit", _preinit=False)


@pytest.fixture
def plugin_path(tmp_path, monkeypatch, fresh_registry):
    directory = tmp_path / "plugins"
    directory.mkdir()
    monkeypatch.setenv("FX_CLI_PLUGINPATH", str(directory))
    monkeypatch.setenv("FX_NO_ENTRYPOINT_PLUGINS", "1")
    return directory


def test_plugin_registry_follows_the_plugin_path(plugin_path, tmp_path, monkeypatch):
    # t0018's TestApplyOptionsWithPlugin: each test writes its own plugin directory
    JobspecV1.from_submit(["a"])  # the registry for "submit" is now in use
    (plugin_path / "late.py").write_text(
        textwrap.dedent("""
        from flux.cli.plugin import CLIPlugin
        class Late(CLIPlugin):
            def __init__(self, prog):
                super().__init__(prog, prefix="late")
                self.add_option("--opt", default="one")
            def modify_jobspec(self, args, jobspec):
                jobspec.setattr_shell_option("late", args.opt)
        """)
    )
    js = JobspecV1.from_submit(["a"], late_opt="x")
    assert js.getattr("shell.options.late") == "x"
    (plugin_path / "late.py").write_text(
        (plugin_path / "late.py").read_text().replace('"late", args.opt', '"late", "v2"') + "\n"
    )
    assert JobspecV1.from_submit(["a"]).getattr("shell.options.late") == "v2"
    other = tmp_path / "other"
    other.mkdir()
    monkeypatch.setenv("FX_CLI_PLUGINPATH", str(other))
    with pytest.raises(TypeError, match="unexpected keyword"):
        JobspecV1.from_submit(["a"], late_opt="x")


def _shell_options(js) -> dict:
    return js.jobspec["attributes"]["system"].get("shell", {}).get("options", {})


@pytest.mark.parametrize(
    "option, value, check",
    [
        # t0018 tests 36-39: Flux takes a bare string as one item for these four
        ("requires", "host:n1", lambda js: js.getattr("constraints") == {"hostlist": ["n1"]}),
        ("dependency", "afterok:12345", lambda js: len(js.getattr("dependencies")) == 1),
        ("env", "-PATH", lambda js: "PATH" not in js.environment),
        ("rlimit", "-*", lambda js: "rlimit" not in _shell_options(js)),
        # fluxcli does so for the other list-valued ones too (not one item per character)
        ("add_file", "f=a\nb", lambda js: list(js.getattr("files")) == ["f"]),
        ("setopt", "verbose=2", lambda js: _shell_options(js)["verbose"] == 2),
        ("setattr", "user.x=1", lambda js: js.jobspec["attributes"]["user"] == {"x": 1}),
    ],
)
def test_bare_strings_for_list_options(option, value, check):
    assert check(JobspecV1.from_command(["a"]).apply_options(SimpleNamespace(**{option: value})))
    if option not in ("setopt", "setattr"):  # keyword arguments too (setopt/setattr: args only)
        assert check(JobspecV1.from_command(["a"]).apply_options(**{option: value}))


def test_mapping_options_must_be_mappings():
    with pytest.raises(TypeError, match="shell_options must be a mapping"):
        JobspecV1.from_command(["a"]).apply_options(shell_options="verbose")
    with pytest.raises(TypeError, match="attributes must be a mapping"):
        JobspecV1.from_command(["a"]).apply_options(attributes=["x"])


def test_jobspec_package_imports_nothing_of_fluxcli_at_module_level():
    bad = []
    for path in sorted((ROOT / "fluxcli" / "jobspec").glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in tree.body:
            nodes = [node]
            if isinstance(node, ast.If):  # TYPE_CHECKING blocks are never run
                continue
            for item in nodes:
                if isinstance(item, ast.ImportFrom) and (
                    item.level > 1 or (item.module or "").startswith("fluxcli")
                ):
                    bad.append(f"{path.name}:{item.lineno}")
                if isinstance(item, ast.Import) and any(
                    a.name.startswith("fluxcli") for a in item.names
                ):
                    bad.append(f"{path.name}:{item.lineno}")
    assert bad == []
    code = (
        "import sys, pkgutil, importlib, fluxcli.jobspec as p;"
        "[importlib.import_module('fluxcli.jobspec.' + m.name) for m in pkgutil.iter_modules(p.__path__)];"
        "print(sorted(m for m in sys.modules if m.startswith('fluxcli')"
        " and m != 'fluxcli' and not m.startswith('fluxcli.jobspec')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_recipes_check_the_command_line_values():
    from fluxcli.jobspec.recipes import cli_instance_shape, cli_task_shape, cli_time_limit

    base = {name: None for name in ("ntasks", "nodes", "cores", "cores_per_task")}
    base.update(gpus_per_task=None, tasks_per_node=None, tasks_per_core=None, gpus_per_node=None)
    ns = SimpleNamespace(**base, exclusive=False)
    assert cli_task_shape(ns).ntasks == 1
    ns.nodes = "3"
    shape = cli_task_shape(ns)
    assert (shape.ntasks, shape.exclusive) == (3, True)  # -N alone: one task per whole node
    ns.ntasks = "99999999999999999999"
    with pytest.raises(ValueError, match="^--ntasks: 99999999999999999999 is out of range$"):
        cli_task_shape(ns)
    ns.ntasks = "x"
    with pytest.raises(ValueError, match="^--ntasks: invalid int value 'x'$"):
        cli_task_shape(ns)
    assert (cli_time_limit("1.5"), cli_time_limit("5s"), cli_time_limit(None)) == (90.0, "5s", None)
    inst = SimpleNamespace(
        nslots=None,
        nodes=2,
        cores_per_slot=1,
        gpus_per_slot=None,
        add_brokers=None,
        exclusive=False,
        broker_opts=["", "-v,", "-x"],
        dump="d.tgz",
        conf=None,
    )
    shape = cli_instance_shape(inst)
    assert (shape.nslots, shape.exclusive) == (2, True)
    assert shape.broker_opts == ["-v", "-x", "-Scontent.dump=d.tgz"]  # empty entries dropped
