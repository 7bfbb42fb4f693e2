"""Bad input gets one clear line naming the option (or the reference's words), never a traceback.

Also the command-line behaviours checked against the reference Flux: bulksubmit's
``{seq}`` under ``--shuffle``, an empty ``--broker-opts=``, ``--dump``.
"""

import json

import pytest

from fluxcli.backends.contract import JobFilter

ENV = {"FX_CLI_PLUGINPATH_OVERRIDE": "", "FX_NO_ENTRYPOINT_PLUGINS": "1"}


def fails(run, *args, input=None, env=None, code=1):
    """Run a command that must fail with exactly one error line; return that line."""
    proc = run(*args, input=input, env={**ENV, **(env or {})})
    assert proc.returncode == code, proc.stderr
    assert proc.stdout == "" and "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


@pytest.mark.parametrize("dry_run", [[], ["--dry-run"]])
@pytest.mark.parametrize(
    "args, message",
    [
        (["fxsub", "-n", "99999999999999999999", "true"], "--ntasks: 99999999999999999999 is out"),
        (["fxrun", "-N", "99999999999999999999", "true"], "--nodes: 99999999999999999999 is out"),
        (["fxalloc", "-n", "99999999999999999999"], "--nslots: 99999999999999999999 is out"),
        (["fxsub", "-n", "abc", "true"], "--ntasks: invalid int value 'abc'"),
        (["fxsub", "--cc=abc", "true"], "IDset(): Invalid argument: abc"),  # the reference's
        (
            ["fxsub", "--cc=1-1000000000", "true"],
            "--cc=1-1000000000: 1000000000 copies asked for, at most 100000 allowed",
        ),
        (["fxsub", "--bcc=0-200000", "true"], "--bcc=0-200000: 200001 copies asked for"),
    ],
)
def test_numbers_and_copies(run, args, message, dry_run):
    line = fails(run, args[0], *dry_run, *args[1:])
    assert line.startswith(f"{args[0]}: error: {message}")


def test_int_options_of_batch_and_alloc_use_argparse_words(run):
    line = fails(run, "fxbatch", "-n", "x", "--wrap", "true", code=2)
    assert line == "fxbatch: error: argument -n/--nslots: invalid int value: 'x'"


def test_env_file_errors(run, tmp_path):
    binary = tmp_path / "binary.env"
    binary.write_bytes(b"\xff\xfe\x00bad\n")
    loop = tmp_path / "loop.env"
    loop.write_text(f"FOO=1\n^{loop}\n")
    regex = tmp_path / "regex.env"
    regex.write_text("-/[/\n")
    bad_line = tmp_path / "bad.env"
    bad_line.write_text("A=${X:-y}\n")
    cases = {
        str(tmp_path / "missing.env"): f"[Errno 2] No such file or directory: '{tmp_path}/missing",
        str(tmp_path): f"[Errno 21] Is a directory: '{tmp_path}'",
        str(binary): f"{binary}: not a text file (not UTF-8)",
        str(loop): f"{loop}: the rule file includes itself",
        str(regex): "invalid pattern '/[/': unterminated character set",
        str(bad_line): "Unable to substitute A=${X:-y}",  # the reference's words
    }
    for path, message in cases.items():
        line = fails(run, "fxsub", "--dry-run", f"--env-file={path}", "true")
        assert line.startswith(f"fxsub: error: --env: {message}"), line


def test_bad_settings_are_named_before_any_instance_starts(run, tmp_path):
    state = tmp_path / "state"
    for name, value, must in (
        ("FX_IDLE_TIMEOUT", "abc", "a number of seconds (0 = never)"),
        ("FX_IDLE_TIMEOUT", "-1", "a number of seconds (0 = never)"),
        ("FX_LOCAL_NODES", "two", "a whole number of nodes"),
    ):
        env = {name: value, "FX_STATE_DIR": str(state)}
        line = fails(run, "fxsub", "true", env=env)
        assert line == f"fxsub: error: {name}={value}: must be {must}"
    assert not state.exists()
    # a dry run opens no backend, so it does not care
    assert run("fxsub", "--dry-run", "true", env={"FX_IDLE_TIMEOUT": "abc"}).returncode == 0


@pytest.mark.parametrize(
    "argv, stdin, name",
    [
        (["nobang.sh"], None, "nobang.sh"),
        (["--job-name=foo", "nobang.sh"], None, "foo"),
        ([], "echo hi\n", "batch"),
    ],
)
def test_batch_script_without_shebang(run, tmp_cwd, argv, stdin, name):
    (tmp_cwd / "nobang.sh").write_text("echo hi\n")
    line = fails(run, "fxbatch", "-n1", "--dry-run", *argv, input=stdin)
    assert line == f"fxbatch: error: {name} does not appear to start with '#!'"


def test_directive_errors_name_stdin_as_the_reference_does(run):
    script = "#!/bin/sh\n# flux: --bad-arg\n"
    line = fails(run, "fxbatch", "-n1", "--dry-run", input=script, code=2)
    assert line.startswith("fxbatch: error: argument parsing failed at stdin line 2")


def test_warnings_carry_the_command_name(run):
    proc = run("fxsub", "--progress", "--quiet", "true", env=ENV)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "fxsub: warning: stdout is not a tty. Ignoring --progress option\n"


def test_bulksubmit_seq_counts_inputs_before_shuffle(run):
    words = [chr(ord("a") + i) for i in range(12)]
    proc = run("fxbulksubmit", "--dry-run", "--shuffle", "echo", "{seq}", "{}", ":::", *words)
    assert proc.returncode == 0, proc.stderr
    pairs = [line.split()[-2:] for line in proc.stdout.splitlines()]
    assert sorted(pairs, key=lambda p: int(p[0])) == [[str(i), w] for i, w in enumerate(words)]


def test_empty_broker_opts_add_nothing(run):
    for value in ("", ",", "-v,"):
        proc = run("fxalloc", "-n1", "--dry-run", f"--broker-opts={value}", env=ENV)
        command = json.loads(proc.stdout)["tasks"][0]["command"]
        assert command == ["flux", "broker", *(["-v"] if value == "-v," else [])]


def test_dump_is_in_the_jobspec_and_refused_at_submission(run, handle):
    proc = run("fxalloc", "-N1", "--bg", "--dump", "--dry-run", env=ENV)
    command = json.loads(proc.stdout)["tasks"][0]["command"]
    assert "-Scontent.dump=flux-{{jobid}}-dump.tgz" in command
    before = len(handle.backend.list_jobs(JobFilter(limit=1000)))
    line = fails(run, "fxbatch", "-n1", "--dump=d.tgz", "--wrap", "true")
    assert line.startswith("fxbatch: error: --dump: the local backend cannot archive")
    assert len(handle.backend.list_jobs(JobFilter(limit=1000))) == before  # nothing half-submitted


def test_choice_errors_are_one_line(run):
    """The usage, then one error line (click lists the choices on lines of their own)."""
    proc = run("fx", "completion")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.splitlines() == [
        "Usage: fx completion [OPTIONS] {bash|zsh}",
        "fx completion: error: Missing argument '{bash|zsh}'. Choose from: bash, zsh",
    ]


@pytest.mark.parametrize("group, code", [("job", 1), ("resource", 2), ("instance", 2)])
def test_a_group_without_its_command_shows_its_commands(run, group, code):
    """As flux job (exit 1) and flux resource (exit 2): the usage and every command."""
    proc = run("fx", group)
    assert proc.returncode == code and proc.stdout == ""
    assert proc.stderr.startswith(f"Usage: fx {group} [OPTIONS] COMMAND")
    assert "Commands:" in proc.stderr and "error" not in proc.stderr


def test_purge_num_limit_below_minus_one_is_refused_as_the_reference(run):
    line = fails(run, "fx", "job", "purge", "--num-limit=-3")
    assert line == "fx job: error: purge: if set, num limit must be >= 0"


def test_attach_refuses_stdin_ranks_that_are_not_an_idset(run):
    """As flux job attach: checked before the job is looked at."""
    line = fails(run, "fx", "job", "attach", "-i", "x", "f1")
    assert line == "fx job: error: Invalid value 'x' for --stdin-ranks: Invalid argument"
