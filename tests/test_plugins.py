"""Plugins: pluggy hooks, Flux CLIPlugin files, entry points, conflicts and failures."""

import inspect
import json
import textwrap

import pytest

from fluxcli.backends.contract import JobFilter
from fluxcli.jobspec import JobspecV1
from fluxcli.plugins import CLIPlugin, CLIPluginOption, hookspecs
from fluxcli.plugins.registry import CLIPluginRegistry

FLUX_STYLE = '''
from flux.cli.plugin import CLIPlugin

class MatchPolicy(CLIPlugin):
    """Pick the scheduler match policy."""

    def __init__(self, prog, prefix="ex"):
        super().__init__(prog, prefix=prefix)
        self.add_option("--match-policy", metavar="POLICY", help="match policy")
        self.add_option("--feasibility", action="store_true", help="check feasibility")

    def preinit(self, args):
        if args.match_policy == "wholenode":
            args.nodes = 1

    def modify_jobspec(self, args, jobspec):
        if args.match_policy:
            jobspec.setattr("fluxion_match_policy", args.match_policy)
        if args.feasibility:
            jobspec.setattr("user.feasible", True)

    def validate(self, jobspec):
        policy = jobspec.attributes["system"].get("fluxion_match_policy")
        if policy == "junk":
            raise ValueError(f"Invalid option for fluxion-match-policy: {policy}")
'''

HOOK_MODULE = '''
"""Tags every job."""
from fluxcli.plugins import hookimpl

@hookimpl
def fluxcli_modify_jobspec(prog, jobspec):
    jobspec.setattr("user.tagged_by", prog)
'''


@pytest.fixture
def plugin_dir(tmp_path, monkeypatch, fresh_registry):
    directory = tmp_path / "plugins"
    directory.mkdir()
    monkeypatch.setenv("FX_CLI_PLUGINPATH", str(directory))
    return directory


def test_option_naming():
    opt = CLIPluginOption("--my-option", prefix="site")
    assert (opt.name, opt.dest, opt._unprefixed_dest) == (
        "--site-my-option",
        "site_my_option",
        "my_option",
    )
    explicit = CLIPluginOption("--x", prefix="site", dest="why")
    assert explicit.dest == "why" and explicit._unprefixed_dest is None
    assert CLIPluginOption("--multi-user").name == "--multi-user"
    with pytest.raises(ValueError, match="Plugins must register only long options."):
        CLIPluginOption("-x")


def test_builtin_shape_plugin_goes_through_registry(fresh_registry):
    registry = CLIPluginRegistry("submit")
    assert [o.name for o in registry.options if o.dest.startswith("resources")] == [
        "--resources-shape",
        "--resources-json",
    ]
    js = JobspecV1.from_submit(["app"], resources_shape="slot=2/core")
    assert js.resources == [
        {"type": "slot", "count": 2, "label": "task", "with": [{"type": "core", "count": 1}]}
    ]


def test_flux_cliplugin_file_runs_unchanged(plugin_dir, run):
    (plugin_dir / "policy.py").write_text(FLUX_STYLE)
    js = json.loads(
        run(
            "fxsub",
            "--dry-run",
            "--ex-match-policy=firstnodex",
            "--ex-feasibility",
            "app",
            env={"FX_CLI_PLUGINPATH": str(plugin_dir)},
        ).stdout
    )
    assert js["attributes"]["system"]["fluxion_match_policy"] == "firstnodex"
    assert js["attributes"]["user"]["feasible"] is True
    js = json.loads(
        run(
            "fxsub",
            "--dry-run",
            "--ex-match-policy=wholenode",
            "app",
            env={"FX_CLI_PLUGINPATH": str(plugin_dir)},
        ).stdout
    )
    assert js["resources"][0]["type"] == "node"  # preinit set args.nodes through the proxy
    proc = run("fxsub", "--ex-junk", "app", env={"FX_CLI_PLUGINPATH": str(plugin_dir)})
    assert proc.returncode == 2 and "unrecognized arguments: --ex-junk" in proc.stderr
    help_text = run(
        "fxsub", "--help=ex-match-policy", env={"FX_CLI_PLUGINPATH": str(plugin_dir)}
    ).stdout
    assert "Pick the scheduler match policy." in help_text
    registry = CLIPluginRegistry("submit")
    assert {"ex_match_policy", "ex_feasibility"} <= {o.dest for o in registry.options}
    js = JobspecV1.from_submit(["app"], ex_match_policy="x")
    assert js.getattr("fluxion_match_policy") == "x"
    with pytest.raises(TypeError, match="unexpected keyword"):
        JobspecV1.from_submit(["app"], match_policy="x")  # only the prefixed dest is accepted


def test_validate_runs_before_submission(plugin_dir, run, handle):
    (plugin_dir / "policy.py").write_text(FLUX_STYLE)
    before = len(handle.backend.list_jobs(JobFilter(limit=1000)))
    env = {"FX_CLI_PLUGINPATH": str(plugin_dir)}
    assert run("fxsub", "--dry-run", "--ex-match-policy=junk", "true", env=env).returncode == 0
    proc = run("fxsub", "--ex-match-policy=junk", "true", env=env)
    assert proc.returncode == 1 and "Invalid option for fluxion-match-policy: junk" in proc.stderr
    assert len(handle.backend.list_jobs(JobFilter(limit=1000))) == before


def test_pluggy_module_in_path(plugin_dir, run):
    (plugin_dir / "tagger.py").write_text(HOOK_MODULE)
    js = json.loads(
        run("fxsub", "--dry-run", "app", env={"FX_CLI_PLUGINPATH": str(plugin_dir)}).stdout
    )
    assert js["attributes"]["user"]["tagged_by"] == "submit"


def test_broken_and_conflicting_plugins_are_skipped(plugin_dir, tmp_path, run):
    (plugin_dir / "a_broken.py").write_text("this is not python(\n")
    (plugin_dir / "b_policy.py").write_text(FLUX_STYLE)
    second = tmp_path / "second"
    second.mkdir()
    (second / "policy2.py").write_text(FLUX_STYLE.replace("MatchPolicy", "OtherPolicy"))
    env = {"FX_CLI_PLUGINPATH": f"{plugin_dir}:{second}"}
    proc = run("fxsub", "--dry-run", "--ex-match-policy=x", "app", env=env)
    assert proc.returncode == 0, proc.stderr
    warnings = proc.stderr.splitlines()
    assert any("a_broken.py skipped: SyntaxError" in w for w in warnings)
    assert any("OtherPolicy" in w and "conflicts with another plugin" in w for w in warnings)
    assert all(w.startswith("fxsub: warning: ") for w in warnings) and len(warnings) == 2


@pytest.mark.parametrize("name", ["--nodes", "--dry", "--help"])
def test_plugin_option_clashing_with_a_builtin_is_refused(plugin_dir, run, name):
    # Flux's argparse refuses the parser itself (t2717: "conflicting option string"),
    # so even --help fails
    (plugin_dir / "clash.py").write_text(
        textwrap.dedent(f"""
        from fluxcli.plugins import CLIPlugin
        class Clash(CLIPlugin):
            def __init__(self, prog):
                super().__init__(prog, prefix=None)
                self.add_option("{name}")
    """)
    )
    for argv in (["--dry-run", "app"], ["--help"]):
        proc = run("fxrun", *argv, env={"FX_CLI_PLUGINPATH": str(plugin_dir)})
        assert (proc.returncode, proc.stdout) == (1, "")
        assert proc.stderr == f"fxrun: error: argument {name}: conflicting option string: {name}\n"


def test_override_path_and_disable_entry_points(plugin_dir, run):
    (plugin_dir / "policy.py").write_text(FLUX_STYLE)
    out = run(
        "fxsub",
        "--list-plugins",
        env={"FX_CLI_PLUGINPATH_OVERRIDE": "", "FX_NO_ENTRYPOINT_PLUGINS": "1"},
    ).stdout
    assert "MatchPolicy" not in out and "site-project" not in out and "Searched only" in out


def test_installed_entry_point_package(run, handle, fresh_registry):
    out = run("fxsub", "--list-plugins").stdout
    assert "--site-project" in out
    js = json.loads(run("fxsub", "--dry-run", "--site-project=abc", "app").stdout)
    assert js["attributes"]["user"]["project"] == "abc"
    js = json.loads(run("fxalloc", "--dry-run", "-N1", "--amd-gpumode=TPX").stdout)
    assert js["attributes"]["system"]["gpumode"] == "TPX"
    assert "--amd-gpumode" not in run("fxsub", "--help").stdout  # only batch/alloc
    before = len(handle.backend.list_jobs(JobFilter(limit=1000)))
    proc = run("fxsub", "--site-project=a b", "true")
    assert (
        proc.returncode == 1
        and proc.stderr == "fxsub: error: invalid project 'a b': project names have no spaces\n"
    )
    assert len(handle.backend.list_jobs(JobFilter(limit=1000))) == before
    assert JobspecV1.from_submit(["a"], site_project="p").getattr("user.project") == "p"


def test_trace_plugins(run):
    proc = run("fxsub", "--dry-run", "app", env={"FX_TRACE_PLUGINS": "1"})
    assert "fluxcli_modify_jobspec" in proc.stderr


def test_hookspecs_are_documented_and_tested():
    source = open(__file__).read() + open(__file__.replace("test_plugins", "test_cli")).read()
    for name, func in inspect.getmembers(hookspecs, inspect.isfunction):
        if name.startswith("fluxcli_"):
            assert func.__doc__ and "Runs" in func.__doc__, name
    for hook in ("add_options", "preinit", "modify_jobspec", "validate"):
        assert hook in source


def test_register_unregister_round_trip(fresh_registry):
    registry = CLIPluginRegistry("submit")

    class Tag(CLIPlugin):
        def __init__(self, prog):
            super().__init__(prog, prefix="t")
            self.add_option("--tag")

        def modify_jobspec(self, args, jobspec):
            jobspec.setattr("user.tag", args.tag)

    registry._add(Tag, "test")
    record = registry.records[-1]
    js = JobspecV1.from_command(["a"])
    from types import SimpleNamespace

    args = SimpleNamespace(t_tag="x")
    registry.seed_defaults(args)
    registry.modify_jobspec(args, js)
    assert js.getattr("user.tag") == "x"
    registry.reject(record, "test done")
    assert "t_tag" not in {o.dest for o in registry.options}


def test_plugin_api_as_flux_t0019(plugin_dir, run):
    # a derived dest always has its unprefixed form; only a differing one is aliased
    bare = CLIPluginOption("--my-option", prefix=None)
    assert (bare.dest, bare._unprefixed_dest) == ("my_option", "my_option")

    class Site(CLIPlugin):
        def __init__(self, prog, prefix="site"):
            super().__init__(prog, prefix=prefix)
            self.add_option("--my-option")
            self.add_option("--other", dest="custom")

    registry = CLIPluginRegistry("submit")
    assert registry._make_alias(Site("submit")) == {"my_option": "site_my_option"}
    assert registry._make_alias(Site("submit", prefix=None)) == {}
    (plugin_dir / "helpful.py").write_text(
        textwrap.dedent("""
        from flux.cli.plugin import CLIPlugin
        class Helpful(CLIPlugin):
            def __init__(self, prog):
                super().__init__(prog, prefix="h")
                self.add_option("--opt")
            def help(self, option):
                print(f"custom help for {option.name}")
        """)
    )
    registry = CLIPluginRegistry("submit")
    assert "Helpful" in [type(p).__name__ for p in registry.plugins]
    proc = run("fxsub", "--help=h-opt", env={"FX_CLI_PLUGINPATH": str(plugin_dir)})
    assert (proc.returncode, proc.stdout) == (0, "custom help for --h-opt\n")
    proc = run("fxsub", "--help=nope", env={"FX_CLI_PLUGINPATH": str(plugin_dir)})
    assert (proc.returncode, proc.stderr) == (1, "fxsub: error: --help: no such option nope\n")
