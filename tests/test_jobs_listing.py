"""fxjobs on real jobs: every option, named and user formats, JSON, statistics, bad input."""

from __future__ import annotations

import json
import os
import pwd
import re
import time

import pytest
from conftest import fx, stop_instance

# name -> (fxsub arguments); run once for the whole module in an instance of its own
JOBS = {
    "ok": ["true"],
    "bad": ["sh", "-c", "exit 3"],
    "nf": ["nosuchcommand_xyz"],
    "killed": ["sh", "-c", "kill -9 $$"],
    "verylongjobname12345": ["-n2", "true"],
}


@pytest.fixture(scope="module")
def jobs(tmp_path_factory):
    """The module's instance with its jobs: ``(run, {name: id})``."""
    base = tmp_path_factory.mktemp("jobs")
    env = {"FX_STATE_DIR": str(base / "state"), "XDG_CONFIG_HOME": str(base / "config")}

    def run(*args, **kwargs):
        return fx(*args, env={**env, **kwargs.pop("env", {})}, **kwargs)

    ids = {}
    for name, args in JOBS.items():
        ids[name] = run("fxsub", f"--job-name={name}", *args).stdout.strip()
    ids["out"] = run(
        "fxsub", "--job-name=out", f"--output={base}/out.txt", "echo", "hi", cwd=base
    ).stdout.strip()
    ids["held"] = run("fxsub", "--job-name=held", "--urgency=0", "true").stdout.strip()
    ids["tocancel"] = run("fxsub", "--job-name=tocancel", "--urgency=0", "true").stdout.strip()
    assert run("fxcancel", "-m", "no reason", ids["tocancel"]).returncode == 0
    deadline = time.time() + 60
    while time.time() < deadline:
        listing = run("fxjobs", "-o", "{name}", "-n").stdout.split()
        if listing == ["held"]:
            break
        time.sleep(0.2)
    yield run, ids
    stop_instance(base / "state")


def lines(proc) -> list[str]:
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()


def names(run, *args) -> list[str]:
    return lines(run("fxjobs", "-n", "-o", "{name}", *args))


def test_default_listing_is_active_jobs(jobs):
    run, ids = jobs
    out = lines(run("fxjobs"))
    assert out[0] == "       JOBID USER     NAME       ST NTASKS NNODES     TIME INFO"
    user = pwd.getpwuid(os.getuid()).pw_name
    assert out[1:] == [f"{ids['held']:>12} {user:<8} held        S      1      -        - held"]


def test_all_states_in_job_list_order(jobs):
    run, _ = jobs
    # pending first, then inactive by the time they ended, latest first
    assert names(run, "-a") == [
        "held",
        "tocancel",
        "out",
        "verylongjobname12345",
        "killed",
        "nf",
        "bad",
        "ok",
    ]


def test_columns_of_finished_jobs(jobs):
    run, _ = jobs
    fmt = "{name} {status_abbrev} {status} {state_single} {result_abbrev} {ntasks} {nnodes} {returncode} {waitstatus} {success}"
    out = lines(run("fxjobs", "-a", "-n", "-o", fmt, "--sort", "name"))
    assert out == [
        "bad F FAILED I F 1 1 3 768 False",
        "held S SCHED S  1    ",
        "killed F FAILED I F 1 1 137 35072 False",
        "nf F FAILED I F 1 1 127 32512 False",
        "ok CD COMPLETED I CD 1 1 0 0 True",
        "out CD COMPLETED I CD 1 1 0 0 True",
        "tocancel CA CANCELED I CA 1  -128  False",
        "verylongjobname12345 CD COMPLETED I CD 2 1 0 0 True",
    ]


def test_endreason_format(jobs):
    run, _ = jobs
    out = lines(run("fxjobs", "-a", "-o", "endreason", "--sort", "name"))
    assert out[0] == "       JOBID USER     NAME       ST   T_INACTIVE INACTIVE-REASON"
    assert [line[49:] for line in out[1:]] == [
        "Exit 3",
        "",
        "Killed",
        "command not found",
        "Exit 0",
        "Exit 0",
        "Canceled: no reason",
        "Exit 0",
    ]
    assert "verylongj+" in out[-1]


def test_filters(jobs):
    run, _ = jobs
    assert names(run, "-f", "failed") == ["killed", "nf", "bad"]
    assert names(run, "-f", "completed,canceled") == [
        "tocancel",
        "out",
        "verylongjobname12345",
        "ok",
    ]
    assert names(run, "-f", "pending") == ["held"]
    assert names(run, "-f", "running") == []
    assert names(run, "-f", "PENDING", "-f", "timeout") == ["held"]
    proc = run("fxjobs", "-a", "-f", "failed", "-n", "-o", "{name}")
    assert proc.stderr == "fxjobs: warning: Both -a and --filter specified, ignoring -a\n"
    assert proc.stdout.split() == ["killed", "nf", "bad"]


def test_name_user_since_and_count(jobs):
    run, _ = jobs
    assert names(run, "-a", "--name=bad") == ["bad"]
    assert names(run, "-A", "--name=bad") == []  # -A lists active jobs of everyone
    assert names(run, "-u", "all", "-a", "--name=ok") == ["ok"]
    assert names(run, "-u", str(os.getuid()), "-a", "--name=ok") == ["ok"]
    assert names(run, "-u", "12345", "-a") == []
    assert len(names(run, "--since=-1h")) == 8  # implies -a
    assert names(run, "--since=-1h", "-f", "pending") == ["held"]
    proc = run("fxjobs", "-a", "-c", "2", "-o", "{name}")
    assert proc.stdout.split() == ["NAME", "held", "tocancel"]
    assert proc.stderr == (
        "warning: output truncated at 2 jobs.\n"
        "Use --count to increase returned results or use filters to alter results.\n"
    )
    assert run("fxjobs", "-a", "-c", "2", "-n").stderr == ""
    assert len(names(run, "-a", "-c", "0")) == 8


def test_queue_selects_nothing_on_the_local_instance(jobs):
    run, _ = jobs
    assert names(run, "-a", "-q", "batch") == []
    proc = run("fxjobs", "--stats", "-q", "batch")
    assert (proc.returncode, proc.stderr) == (
        1,
        "fxjobs: error: error retrieving job stats: no stats available for queue batch\n",
    )


def test_job_ids(jobs):
    run, ids = jobs
    assert names(run, ids["ok"], ids["bad"]) == ["ok", "bad"]
    proc = run("fxjobs", "-n", "-o", "{name}", ids["ok"], "fBADBADBAD")
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "ok\n", "JobID fBADBADBAD unknown\n")
    proc = run("fxjobs", "fBADBADBAD")
    assert (proc.returncode, proc.stdout, proc.stderr) == (1, "", "JobID fBADBADBAD unknown\n")
    proc = run("fxjobs", "-a", "-n", "-o", "{name}", ids["ok"])
    assert proc.stderr == "fxjobs: warning: Filtering options ignored with jobid list\n"
    assert proc.stdout == "ok\n"
    proc = run("fxjobs", "not-an-id")
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[-1].endswith("invalid JobID value: 'not-an-id'")


def test_json_is_shaped_as_flux_jobs(jobs):
    run, ids = jobs
    listing = json.loads(run("fxjobs", "-a", "--json").stdout)
    assert list(listing) == ["jobs"] and len(listing["jobs"]) == 8
    by_name = {job["name"]: job for job in listing["jobs"]}
    ok = by_name["ok"]
    assert ok["jobid"] == ids["ok"] and isinstance(ok["id"], int)
    assert (ok["state"], ok["result"], ok["status"], ok["returncode"], ok["success"]) == (
        "INACTIVE",
        "COMPLETED",
        "COMPLETED",
        0,
        True,
    )
    assert ok["exception"] == {"occurred": False} and ok["dependencies"] == []
    assert ok["annotations"]["sched"]["resource_summary"] == "rank0/core0"
    assert isinstance(ok["cputime"], float) and ok["maxrss"] > 0
    assert ok["ranks"] == "0" and ok["nnodes"] == 1 and ok["ntasks"] == 1
    for key in ("t_submit", "t_depend", "t_priority", "t_sched", "t_run", "t_cleanup"):
        assert isinstance(ok[key], float), key
    assert by_name["out"]["output_paths"] == [os.path.join(ok["cwd"], "out.txt")] or by_name["out"][
        "output_paths"
    ][0].endswith("out.txt")
    nf = by_name["nf"]["exception"]
    assert nf["occurred"] and nf["type"] == "exec" and nf["severity"] == 0
    held = by_name["held"]
    assert "t_run" not in held and "result" not in held and held["priority"] == 0
    single = json.loads(run("fxjobs", "--json", ids["bad"]).stdout)
    assert single["name"] == "bad" and single["returncode"] == 3


def test_stats(jobs):
    run, _ = jobs
    proc = run("fxjobs", "--stats", "-o", "{name}", "-n")
    stats, accounting, *listing = proc.stdout.splitlines()
    assert stats == "0 running, 3 completed, 4 failed, 1 pending, 0 inactive purged"
    assert re.fullmatch(r"\S+ CPU time, \S+ peak memory \(sums\)", accounting)
    assert listing == ["held"]
    only = run("fxjobs", "--stats-only")
    assert (only.returncode, only.stdout) == (0, stats + "\n")  # the reference's one line


def test_stats_only_exits_1_without_active_jobs(private_instance):
    state, env = private_instance
    proc = fx("fxjobs", "--stats-only", env=env)
    assert proc.returncode == 1
    assert proc.stdout.startswith("0 running, 0 completed, 0 failed, 0 pending")


def test_named_formats_and_help(jobs):
    run, _ = jobs
    help_text = lines(run("fxjobs", "--format=help"))
    assert help_text[1] == "Configured fxjobs output formats:"
    assert [line.split()[0] for line in help_text[3:]] == [
        "default",
        "cute",
        "long",
        "deps",
        "endreason",
        "accounting",
    ]
    assert lines(run("fxjobs", "-o", "deps"))[0].split() == (
        "JOBID NAME URG PRI STATE DEPENDENCIES".split()
    )
    assert lines(run("fxjobs", "-o", "long"))[0].split() == (
        "JOBID USER NAME STATUS NTASKS NNODES T_SUBMIT T_REMAINING TIME INFO".split()
    )
    account = lines(run("fxjobs", "-a", "-o", "accounting", "--name=out"))
    assert account[0].split() == "JOBID USER NAME ST RUNTIME CPUTIME MAXRSS OUTPUT".split()
    assert account[1].endswith("out.txt") and re.search(r" \d+(\.\d)?[KMG] ", account[1])
    config = lines(run("fxjobs", "--format=get-config=deps"))
    assert config[0] == "[formats.deps]"


def test_user_formats_from_config_files(jobs, tmp_path):
    run, _ = jobs
    home = tmp_path / "home"
    (home / "fluxcli").mkdir(parents=True)
    (home / "fluxcli" / "fxjobs.toml").write_text(
        '[formats.mine]\ndescription = "Mine"\nformat = "{name}:{status_abbrev}"\n'
    )
    system = tmp_path / "etc"
    (system / "fluxcli").mkdir(parents=True)
    (system / "fluxcli" / "fxjobs.yaml").write_text("formats:\n  sys:\n    format: '[{name}]'\n")
    env = {"XDG_CONFIG_HOME": str(home), "XDG_CONFIG_DIRS": str(system)}
    assert lines(run("fxjobs", "-o", "mine", env=env)) == ["NAME:ST", "held:S"]
    assert lines(run("fxjobs", "-n", "-o", "sys", env=env)) == ["[held]"]
    assert "  mine         Mine" in lines(run("fxjobs", "-o", "help", env=env))
    env_default = {**env, "FXJOBS_FORMAT_DEFAULT": "mine"}
    assert lines(run("fxjobs", "-n", env=env_default)) == ["held:S"]
    (home / "fluxcli" / "fxjobs.json").write_text('{"formats": {"default": {"format": "{id}"}}}')
    proc = run("fxjobs", env=env)
    assert proc.returncode == 1
    assert proc.stderr == (
        f"fxjobs: error: {home}/fluxcli/fxjobs.json: override of builtin format "
        "'default' not permitted\n"
    )


def test_sort_width_and_color(jobs):
    run, _ = jobs
    assert names(run, "-a", "--sort=-name")[:2] == ["verylongjobname12345", "tocancel"]
    assert names(run, "-a", "-o", "sort:nnodes,name {name}")[:3] == ["held", "tocancel", "bad"]
    out = lines(
        run("fxjobs", "-a", "-w", "12", "-o", "{name} {name}", "--name=verylongjobname12345")
    )
    assert out == ["NAME NAME", "verylongjob+"]
    colored = run("fxjobs", "-a", "--color=always", "-n", "-o", "{name}", "--name=ok").stdout
    assert colored == "\033[01;32mok\033[0;0m\n"
    assert run("fxjobs", "-a", "--color", "-n", "-o", "{name}", "--name=bad").stdout.startswith(
        "\033[01;31m"
    )
    assert run("fxjobs", "-a", "--color=never", "-n", "-o", "{name}", "--name=ok").stdout == "ok\n"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["-o", "{nosuchfield}"], 1, "Error in user format: Unknown format field: nosuchfield"),
        (["-o", "{name"], 1, "Error in user format: expected '}' before end of string"),
        (
            ["-o", "nosuch name"],
            1,
            "--format: No such format nosuch name (Did you mean '{nosuch} {name}'?)",
        ),
        (["-o", "get-config=nope"], 1, "--format: No such format nope"),
        (["-o", "{name!x}"], 1, "Unknown conversion specifier x"),
        (["--sort=nosuchkey"], 1, "Invalid sort key: nosuchkey"),
        (["-f", "bogus"], 1, "Invalid filter specified: bogus"),
        (["-u", "nosuchuserxyz"], 1, "Invalid user nosuchuserxyz specified"),
        (["--json", "--stats"], 1, "--json incompatible with --stats or --stats-only"),
        (["--since=+1h"], 1, "--since=+1h appears to be in the future"),
        (["--since=garbage"], 1, "could not convert string to float: 'garbage'"),
        (["--color=bogus"], 2, "Invalid argument to --color: 'bogus'"),
        (["-c", "many"], 2, "invalid int value: 'many'"),
    ],
)
def test_bad_input_is_one_line(jobs, args, code, message):
    run, _ = jobs
    proc = run("fxjobs", "-a", *args)
    assert proc.returncode == code
    assert proc.stderr.splitlines()[-1].endswith(message), proc.stderr
    assert "Traceback" not in proc.stderr
    if code == 1:
        assert proc.stderr.splitlines()[-1] == f"fxjobs: error: {message}"


def test_include_hosts_or_ranks(jobs):
    run, _ = jobs
    on_rank0 = names(run, "-a", "-i", "0")
    assert "ok" in on_rank0 and "held" not in on_rank0 and "tocancel" not in on_rank0
    host = json.loads(run("fxjobs", "-a", "--json", "--name=ok").stdout)["jobs"][0]["nodelist"]
    assert names(run, "-a", "-i", host) == on_rank0
    assert names(run, "-a", "-i", "7") == []
    proc = run("fxjobs", "-i", "x[")
    assert (proc.returncode, proc.stderr) == (
        1,
        "fxjobs: error: -i/--include: invalid targets: x[\n",
    )


def test_recursive_listing_of_an_instance(private_instance):
    state, env = private_instance
    alloc = fx("fxalloc", "--bg", "-n1", env=env, timeout=120)
    assert alloc.returncode == 0, alloc.stderr
    outer = alloc.stdout.strip().splitlines()[-1]
    record = json.loads(fx("fxjobs", "--json", outer, env=env).stdout)
    uri = record["uri"]
    assert uri.startswith("local://") and "user" not in record["annotations"]
    inner = {**env, "FX_URI": uri}
    first = fx("fxsub", "--job-name=inner", "sleep", "60", env=inner).stdout.strip()
    second = fx("fxsub", "--job-name=inner2", "true", env=inner).stdout.strip()
    out = lines(fx("fxjobs", "-R", "--stats", "-o", "{id.f58} {name}", env=env))
    assert out[0] == "1 running, 0 completed, 0 failed, 0 pending, 0 inactive purged"
    assert out[1].endswith("peak memory (sums)") and out[2] == "JOBID NAME"
    assert out[3:] == [
        f"{outer} flux",
        "",
        f"{outer}:",
        "1 running, 0 completed, 0 failed, 1 pending",
        f"{second} inner2",
        f"{first} inner",
    ]
    assert lines(fx("fxjobs", "-R", "-L", "0", "-n", "-o", "{name}", env=env)) == ["flux"]
    nested = json.loads(fx("fxjobs", "-R", "--json", env=env).stdout)["jobs"][0]
    assert [job["name"] for job in nested["jobs"]] == ["inner2", "inner"]
    fields = "{name} {instance.stats.total} {instance.utilization!P} {instance.progress!P:h} "
    fields += "{instance.resources.all.ncores} {instance.resources.free.ncores} {instance.stats}"
    assert lines(fx("fxjobs", "-n", "-o", fields, env=env)) == [
        "flux 2 100% 0% 1 0 PD:1 R:1 CD:0 F:0"
    ]
    blue = fx("fxjobs", "--color=always", "-n", "-o", "{name}", env=env).stdout
    assert blue == "\033[01;34mflux\033[0;0m\n"
    fx("fxcancel", outer, env=env)
