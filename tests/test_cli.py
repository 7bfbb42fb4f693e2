"""Command-line behaviour: POSIX parsing, errors, help, plugins (no backend needed)."""

import json
import os
import subprocess
import sys

import pytest
from conftest import BIN, ROOT


def dry(run, *args, **kw):
    proc = run(args[0], "--dry-run", *args[1:], **kw)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_options_stop_at_first_non_option(run):
    js = dry(run, "fxsub", "-n2", "hostname", "--job-name=foo")
    assert js["tasks"][0]["command"] == ["hostname", "--job-name=foo"]
    assert dry(run, "fxsub", "-1")["tasks"][0]["command"] == ["-1"]
    assert dry(run, "fxrun", "--", "--", "hostname", "-n1")["tasks"][0]["command"] == [
        "--",
        "hostname",
        "-n1",
    ]
    assert dry(run, "fxalloc", "-n1", "--", "myapp", "--n=2")["tasks"][0]["command"] == [
        "flux",
        "broker",
        "--",
        "myapp",
        "--n=2",
    ]
    assert dry(run, "fxsub", "-vn4", "app")["resources"][0]["count"] == 4
    assert dry(run, "fxsub", "--require=gpu", "app")["attributes"]["system"]["constraints"] == {
        "properties": ["gpu"]
    }
    assert dry(run, "fxalloc", "--broker-opt=-v", "-n1")["tasks"][0]["command"] == [
        "flux",
        "broker",
        "-v",
    ]


@pytest.mark.parametrize(
    "args,code,message",
    [
        (["fxsub", "--time", "app"], 2, "fxsub: error: unrecognized arguments: --time"),
        (["fxsub", "-n"], 2, "fxsub: error: argument -n/--ntasks: expected one argument"),
        (["fxsub"], 1, "fxsub: error: job command and arguments are missing"),
        (
            ["fxsub", "--dry-run", "-n", "abc", "app"],
            1,
            "fxsub: error: --ntasks: invalid int value 'abc'",
        ),
        (["fxbatch", "--dry-run", "-n", "x", "app.sh"], 2, "fxbatch: error: "),
        (
            ["fxsub", "--dry-run", "-t", "00:30", "app"],
            1,
            "fxsub: error: invalid Flux standard duration",
        ),
        (
            ["fxsub", "--dry-run", "--begin-time=foo", "app"],
            1,
            'fxsub: error: Invalid datetime: "foo"',
        ),
        (
            ["fxsub", "--dry-run", "--cc=foo", "app"],
            1,
            "fxsub: error: IDset(): Invalid argument: foo",
        ),
        (
            ["fxsub", "--dry-run", "--cc=1", "--bcc=1", "app"],
            1,
            "specify only one of --cc or --bcc",
        ),
        (
            ["fxsub", "--dry-run", "--cc=1", "awk", "{print $1}"],
            1,
            "Invalid replacement string in command: '{print $1}'",
        ),
        (
            ["fxsub", "--dry-run", "--cc=1", "--setattr=x={foo}", "app"],
            1,
            "Replacement key 'foo' not found",
        ),
        (
            ["fxsub", "--dry-run", "--requires=&x", "app"],
            1,
            "--requires='&x': Invalid token '&' at position 0",
        ),
        (
            ["fxsub", "--dry-run", "-o", "foo", "-o", "foo.bar=1", "app"],
            1,
            "failed to set attributes.system.shell.options.foo.bar to 1",
        ),
        (
            ["fxsub", "--dry-run", "--resources-shape=x", "--resources-json=y", "app"],
            1,
            "mutually exclusive",
        ),
        (
            ["fxsub", "--dry-run", "--add-file=/tmp", "app"],
            1,
            "--add-file=/tmp: [Errno 21] Is a directory: '/tmp'",
        ),
        (["fxsub", "--input=0", "app"], 1, "per-task input not supported for submit"),
        (["fxsub", "--flags=foo", "app"], 1, "--flags: Unknown flag foo"),
        (["fxalloc", "--dry-run"], 1, "Number of slots to allocate must be specified"),
        (["fxsub", "--help=nosuch"], 1, "--help: no such option nosuch"),
    ],
)
def test_errors_are_one_clear_line(run, args, code, message):
    proc = run(*args)
    assert proc.returncode == code
    assert message in proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_dry_run_skips_flag_and_urgency_checks(run):
    assert run("fxsub", "--dry-run", "--flags=foo", "--urgency=abc", "app").returncode == 0


def test_fx_debug_shows_traceback(run):
    proc = run("fxsub", "--dry-run", "-t", "bogus", "app", env={"FX_DEBUG": "1"})
    assert proc.returncode == 1 and "Traceback" in proc.stderr


@pytest.mark.parametrize(
    "cmd", ["fxsub", "fxrun", "fxbatch", "fxalloc", "fxbulksubmit", "fxcancel", "fxjobs", "fxwatch"]
)
def test_help_of_every_command(run, cmd):
    proc = run(cmd, "--help")
    assert proc.returncode == 0 and "Usage:" in proc.stdout and proc.stderr == ""


def test_help_lists_plugin_group(run):
    out = run("fxsub", "--help").stdout
    assert "Options provided by plugins (--help=OPTION for extended plugin documentation):" in out
    assert out.index("--resources-shape") > out.index("Options provided by plugins")
    assert "--debug-emulate" not in out and "--add-brokers" not in run("fxbatch", "--help").stdout


def test_help_topic(run):
    proc = run("fxsub", "--help=resources-shape")
    assert (
        proc.returncode == 0
        and "Documentation for plugin providing option `--resources-shape`" in proc.stdout
    )
    assert "Documentation" in run("fxsub", "--help", "resources-shape").stdout


def test_list_plugins(run):
    out = run("fxsub", "--list-plugins").stdout
    assert out.startswith("Options provided by plugins:") and "ShapePlugin loaded from" in out


def test_batch_directives_and_command_line(run, tmp_path):
    script = tmp_path / "job.sh"
    script.write_text(
        "#!/bin/sh\n#FLUX: -N1\n#FLUX: --job-name=dirjob\n#FLUX: --env=A=1\nhostname\n"
    )
    js = dry(run, "fxbatch", "--job-name=cli", "--env=B=2", str(script), cwd=tmp_path)
    system = js["attributes"]["system"]
    assert (
        system["job"]["name"] == "cli"
        and system["environment"]["A"] == "1"
        and system["environment"]["B"] == "2"
    )
    bad = tmp_path / "bad.sh"
    bad.write_text("#!/bin/sh\n#FLUX: --no-such-option\n")
    proc = run("fxbatch", "--dry-run", str(bad))
    assert proc.returncode == 2 and f"argument parsing failed at {bad} line 2" in proc.stderr
    proc = run("fxbatch", "--dry-run", "-n1", input="#!/bin/sh\n#FX: --job-name=stdin\necho hi\n")
    assert json.loads(proc.stdout)["attributes"]["system"]["job"]["name"] == "stdin"
    wrapped = dry(run, "fxbatch", "-n1", "--wrap", "echo", "hi")
    assert wrapped["attributes"]["system"]["files"]["script"]["data"] == "#!/bin/sh\necho hi\n"
    binary = tmp_path / "bin.sh"
    binary.write_bytes(b"\xff\xfe")
    assert (
        "does not appear to be a script" in run("fxbatch", "--dry-run", "-n1", str(binary)).stderr
    )


def test_bulksubmit_dry_run(run):
    proc = run(
        "fxbulksubmit",
        "--dry-run",
        "--sep=None",
        "{seq}",
        "{seq1}",
        "{}",
        "{.%}",
        "{./}",
        "{.//}",
        "{./%}",
        input="/a/b/c/d.txt /a/b/c/d c.txt\n",
    )
    assert proc.stdout.splitlines() == [
        "bulksubmit: submit 0 1 /a/b/c/d.txt /a/b/c/d d.txt /a/b/c d",
        "bulksubmit: submit 1 2 /a/b/c/d /a/b/c/d d /a/b/c d",
        "bulksubmit: submit 2 3 c.txt c c.txt  c",
    ]
    proc = run(
        "fxbulksubmit",
        "--dry-run",
        "{0}:{1}",
        ":::",
        "0",
        "1",
        "2",
        "3",
        "4",
        "4",
        ":::+",
        "a",
        "b",
        "c",
    )
    assert [line.split()[-1] for line in proc.stdout.splitlines()] == [
        "0:a",
        "1:b",
        "2:c",
        "3:a",
        "4:b",
        "4:c",
    ]
    proc = run("fxbulksubmit", "--dry-run", "sleep", "{0}.{1}", ":::", "0", "1", ":::", "0", "5")
    assert proc.stdout.splitlines() == [
        f"bulksubmit: submit sleep {a}.{b}" for a in "01" for b in "05"
    ]
    proc = run("fxbulksubmit", "--dry-run", "-n", "{}", "--job-name={}", "hostname", ":::", "2")
    assert proc.stdout == "bulksubmit: submit -n2 --job-name=2 hostname\n"
    proc = run("fxbulksubmit", "--dry-run", "--cc=1-2", "echo", "{}", ":::", "1")
    assert proc.stdout == "bulksubmit: submit --cc=1-2 echo 1\n"
    proc = run("fxbulksubmit", "--dry-run", "echo", "{1}", ":::", "0")
    assert proc.returncode == 1 and "Invalid replacement string in command: '{1}'" in proc.stderr
    assert run("fxbulksubmit", "--dry-run", "echo", input="").stderr.endswith(
        "no jobs provided for bulk submission\n"
    )


def test_importing_cli_is_light():
    code = (
        "import sys, fluxcli.commands.main, fluxcli.jobspec;"
        "bad = [m for m in ('rich', 'yaml', 'pluggy', 'click', 'sqlite3') if m in sys.modules];"
        "print(bad)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_jobspec_package_imports_no_cli_or_backend():
    code = (
        "import sys; from fluxcli.jobspec import JobspecV1; JobspecV1.from_command(['a']);"
        "print([m for m in sys.modules if m.startswith(('click', 'rich', 'fluxcli.backends', 'fluxcli.plugins.registry', 'pluggy'))])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_man_pages_cover_every_option_and_render():
    from fluxcli.commands.cli import build_command
    from fluxcli.manpages import render
    from fluxcli.manpages.submission import COMMANDS

    for prog, name in COMMANDS.items():
        page = (ROOT / "man" / f"{name}.1").read_text()
        assert page == render(name), f"man/{name}.1 is stale: run python -m fluxcli.manpages man"
        for param in build_command(prog, name).params:
            if not param.hidden:
                assert param.opts[-1].replace("-", "\\-") in page, (name, param.opts)
        proc = subprocess.run(
            ["man", "--warnings", "-l", str(ROOT / "man" / f"{name}.1")],
            capture_output=True,
            text=True,
            env={"MANWIDTH": "80", "PATH": "/usr/bin:/bin"},
        )
        assert proc.returncode == 0 and proc.stderr == "" and name.upper() in proc.stdout


def test_add_brokers(run):
    js = dry(
        run, "fxbatch", "-N2", "--add-brokers=2", '--conf=resource.exclude="5"', "--wrap", "true"
    )
    system = js["attributes"]["system"]
    assert system["files"]["conf.json"]["data"] == {"resource": {"exclude": "1-2,5"}}
    assert js["tasks"][0]["count"] == {"total": 4}
    assert system["shell"]["options"]["taskmap"] == {
        "scheme": "manual",
        "value": "[[0,1,3,1],[1,1,1,1]]",
    }
    assert "per-resource" not in system["shell"]["options"]
    assert (
        "--add-brokers may only be specified with -N"
        in run("fxbatch", "--dry-run", "-n2", "--add-brokers=1", "--wrap", "true").stderr
    )


def test_man_fxsub_works_in_the_environment(run, tmp_path):
    """After an install (editable ones included), ``man fxsub`` finds the page through PATH."""
    import shutil
    import subprocess

    assert run("fxsub", "--dry-run", "true").returncode == 0  # any command links the pages
    if not shutil.which("man"):
        pytest.skip("man is not installed")
    env = {**os.environ, "PATH": f"{BIN}:/usr/bin:/bin", "MANWIDTH": "80"}
    env.pop("MANPATH", None)
    where = subprocess.run(["man", "-w", "fxsub"], capture_output=True, text=True, env=env)
    assert where.returncode == 0 and where.stdout.strip().endswith("fxsub.1"), where.stderr
    page = subprocess.run(["man", "fxsub"], capture_output=True, text=True, env=env)
    assert "fxsub - enqueue a job" in page.stdout


@pytest.mark.parametrize(
    "argv",
    [
        ["fxsub", "--backend=nosuch", "true"],
        ["fxrun", "--backend", "nosuch", "true"],
        ["fxjobs", "--backend=nosuch"],
        ["fxcancel", "--backend=nosuch", "f1"],
        ["fx", "job", "status", "--backend=nosuch", "f1"],
        ["fxwatch", "--backend=nosuch", "f1"],
    ],
)
def test_every_tool_takes_backend(run, argv):
    proc = run(*argv)
    assert proc.returncode == 1
    assert proc.stderr.strip().endswith(
        "backend 'nosuch' is not available (available: flux, local, slurm)"
    )


def test_backend_local_is_the_local_instance(run):
    assert run("fxrun", "--backend=local", "echo", "hi").stdout == "hi\n"
    assert run("fxjobs", "--backend=local", "-a", "-c", "1").returncode == 0


def test_bad_color_refused_before_submitting(run):
    before = run("fxjobs", "-a", "--json").stdout
    proc = run("fxrun", "--color=bogus", "echo", "hi")
    assert proc.returncode == 2 and proc.stdout == ""
    assert "invalid --color value 'bogus'" in proc.stderr
    assert run("fxjobs", "-a", "--json").stdout == before
    assert run("fxrun", "--color=never", "echo", "hi").stdout == "hi\n"
