"""#SBATCH directives: Slurm users' scripts run on every backend (fxbatch, and fxsub running a script)."""

from __future__ import annotations

import json

import pytest

from fluxcli.jobspec.sbatch import sbatch_directives, slurm_time, translate

SCRIPT = """#!/bin/bash
# a comment before the directives
#SBATCH -n 2 --cpus-per-task=2
#SBATCH --job-name=sbtest -t 1:30
#SBATCH --output=out-%j-%x.txt --error=err-%j.%%.txt
#SBATCH -p debug -A fxbank --exclusive -N1
#SBATCH --dependency=afterok:12:13,singleton
#SBATCH -C "a&b" --export=NONE,KEEP=1 --signal=R:USR1@30
echo hi
#SBATCH --mem=4G
"""


def system_of(proc) -> dict:
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)["attributes"]["system"]


@pytest.mark.parametrize(
    "text, seconds",
    [("5", 300), ("1:30", 90), ("1:02:03", 3723), ("2-1", 2 * 86400 + 3600), ("1-0:0:5", 86405)],
)
def test_slurm_times(text, seconds):
    assert slurm_time(text) == seconds


def test_directives_stop_at_the_first_command():
    found = sbatch_directives(SCRIPT)
    assert [lineno for lineno, _ in found] == [3, 4, 5, 6, 7, 8]  # not line 10's --mem
    assert found[0][1] == ["-n", "2", "-c", "2"]


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("--mem", "4G", "--mem has no fluxcli equivalent: fluxcli jobs do not request memory"),
        ("--array", "1-3", "use --cc=IDS"),
        ("--output", "o-%N.txt", "the filename pattern %N has no fluxcli equivalent"),
        ("--nodes", "2-4", "only a number of nodes"),
        ("--signal", "B:USR1@10", "signals to the batch shell alone"),
        ("--frobnicate", "1", "--frobnicate has no fluxcli equivalent"),
    ],
)
def test_options_without_equivalent_are_refused(name, value, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        translate(name, value)


def test_fxbatch_takes_sbatch_directives(run, tmp_cwd):
    (tmp_cwd / "job.sh").write_text(SCRIPT)
    system = system_of(run("fxbatch", "--dry-run", "job.sh"))
    assert system["job"]["name"] == "sbtest" and system["duration"] == 90.0
    assert system["queue"] == "debug" and system["bank"] == "fxbank"
    assert system["environment"] == {"KEEP": "1"}
    assert system["constraints"] == {"properties": ["a", "b"]}
    output = system["shell"]["options"]["output"]
    assert output["stdout"]["path"] == "out-{{id}}-{{name}}.txt"
    assert output["stderr"]["path"] == "err-{{id}}.%.txt"
    assert system["shell"]["options"]["signal"] == {"signum": 10, "timeleft": 30.0}
    assert [d["scheme"] for d in system["dependencies"]] == ["afterok", "afterok", "singleton"]
    resources = json.loads(run("fxbatch", "--dry-run", "job.sh").stdout)["resources"]
    assert resources[0]["exclusive"] and resources[0]["with"][0]["count"] == 2


def test_command_line_and_flux_directives_win(run, tmp_cwd):
    (tmp_cwd / "job.sh").write_text("#!/bin/sh\n#SBATCH -J slurmname -t 5\n#FLUX: -t 1m\ntrue\n")
    system = system_of(run("fxbatch", "--dry-run", "--job-name=cli", "job.sh"))
    assert system["job"]["name"] == "cli" and system["duration"] == 60.0


def test_fxsub_reads_the_directives_of_a_script(run, tmp_cwd):
    script = tmp_cwd / "job.sh"
    script.write_text("#!/bin/sh\n#SBATCH -n3 --time=2\necho $FLUX_TASK_RANK\n")
    script.chmod(0o755)
    proc = run("fxsub", "--dry-run", "./job.sh")
    assert system_of(proc)["duration"] == 120.0
    assert json.loads(proc.stdout)["resources"][0]["count"] == 3
    ranks = run("fxrun", "./job.sh")  # fxrun does not read them: one task
    assert ranks.stdout == "0\n"


def test_refused_directive_is_one_line_naming_it(run, tmp_cwd):
    (tmp_cwd / "job.sh").write_text("#!/bin/sh\n#SBATCH -n1\n#SBATCH --mem=4G\ntrue\n")
    for tool in ("fxbatch", "fxsub"):
        proc = run(tool, "--dry-run", "job.sh" if tool == "fxbatch" else "./job.sh")
        assert proc.returncode == 1 and proc.stdout == ""
        assert proc.stderr == (
            f"{tool}: error: {'' if tool == 'fxbatch' else './'}job.sh: line 3: #SBATCH --mem=4G: "
            "--mem has no fluxcli equivalent: fluxcli jobs do not request memory\n"
        )


def test_sbatch_script_runs_on_the_local_backend(run, tmp_cwd):
    (tmp_cwd / "job.sh").write_text("#!/bin/sh\n#SBATCH -n2 --output=out-%j.txt\necho hello\n")
    jobid = run("fxbatch", "job.sh").stdout.strip()
    assert run("fx", "job", "status", jobid).returncode == 0
    assert (tmp_cwd / f"out-{jobid}.txt").read_text() == "hello\n"
