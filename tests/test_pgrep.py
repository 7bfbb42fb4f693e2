"""fx pgrep and fx pkill on real jobs: patterns, id ranges, formats, cancel, bad expressions."""

from __future__ import annotations

import json

from conftest import fx


def test_pgrep_and_pkill(private_instance):
    _, env = private_instance

    def run(*args):
        return fx(*args, env=env)

    alpha = run("fxsub", "--job-name=alpha", "sleep", "300").stdout.strip()
    beta = run("fxsub", "--job-name=beta", "--urgency=0", "true").stdout.strip()
    done = run("fxsub", "--job-name=alphadone", "true").stdout.strip()
    assert run("fx", "job", "wait-event", "-t", "30", done, "clean").returncode == 0

    proc = run("fx", "pgrep", "alpha")
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, f"{alpha}\n", "")
    assert run("fx", "pgrep", "-a", "name:^alpha").stdout.split() == [alpha, done]
    assert run("fx", "pgrep", "-f", "completed", ".").stdout.split() == [done]
    assert run("fx", "pgrep", f"{alpha}..{alpha}", "-a").stdout.split() == [alpha]
    assert run("fx", "pgrep", "-a", "-c", "1", "a").stdout.split() == [beta]
    full = run("fx", "pgrep", "-o", "full", "alpha").stdout.splitlines()
    assert full[0].split() == "JOBID USER NAME ST NTASKS NNODES TIME INFO".split()
    assert full[1].split()[0] == alpha
    assert run("fx", "pgrep", "-n", "-o", "{name}", "-a", "alpha").stdout.split() == [
        "alpha",
        "alphadone",
    ]
    none = run("fx", "pgrep", "nomatch")
    assert (none.returncode, none.stdout, none.stderr) == (1, "", "")
    bad = run("fx", "pgrep", "(")
    assert bad.returncode == 2
    assert bad.stderr == (
        "fx-pgrep: error: expression error: missing ), unterminated subpattern at position 0\n"
    )
    two = run("fx", "pgrep", "a", "b")
    assert (two.returncode, two.stderr) == (
        2,
        "fx-pgrep: error: expression error: Only one pattern can be provided\n",
    )
    assert run("fx", "pgrep", "-f", "nosuch", "a").stderr == (
        "fx-pgrep: error: Invalid filter specified: nosuch\n"
    )

    killed = run("fx", "pkill", "--wait", "^(alpha|beta)$")
    assert (killed.returncode, killed.stderr) == (0, "fx-pkill: Canceled 2 jobs\n")
    records = json.loads(run("fxjobs", "-a", "--json").stdout)["jobs"]
    assert {r["name"]: r["result"] for r in records} == {
        "alpha": "CANCELED",
        "beta": "CANCELED",
        "alphadone": "COMPLETED",
    }
    assert run("fx", "pkill", "alpha").returncode == 1  # nothing active matches any more
