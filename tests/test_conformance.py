"""Every recorded reference case: fxsub/fxrun/fxbatch/fxalloc --dry-run print the same jobspec."""

from __future__ import annotations

import json
import resource
import subprocess

import pytest
from conftest import BIN, load_cases

PROGS = {"submit": "fxsub", "run": "fxrun", "batch": "fxbatch", "alloc": "fxalloc"}
CASES = load_cases()
RLIMITS = {
    "cpu": resource.RLIMIT_CPU,
    "fsize": resource.RLIMIT_FSIZE,
    "data": resource.RLIMIT_DATA,
    "stack": resource.RLIMIT_STACK,
    "core": resource.RLIMIT_CORE,
    "nofile": resource.RLIMIT_NOFILE,
    "as": resource.RLIMIT_AS,
    "rss": resource.RLIMIT_RSS,
    "nproc": resource.RLIMIT_NPROC,
}


def _host_rlimits(jobspec: dict, args: list[str]) -> dict:
    explicit = {
        rule.split("=")[0]
        for arg in args
        if arg.startswith("--rlimit=")
        for rule in arg.split("=", 1)[1].split(",")
        if "=" in rule
    }
    limits = jobspec["attributes"]["system"].get("shell", {}).get("options", {}).get("rlimit", {})
    for name in limits:
        if name in RLIMITS and name not in explicit:
            soft = resource.getrlimit(RLIMITS[name])[0]
            limits[name] = -1 if soft == resource.RLIM_INFINITY else soft
    return jobspec


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    directory = tmp_path_factory.mktemp("conformance")
    for name, text in CASES["fixtures"].items():
        path = directory / name
        path.write_text(text)
        path.chmod(0o755 if name.endswith(".sh") else 0o644)
    return directory.resolve()


@pytest.mark.parametrize("case", CASES["cases"], ids=lambda c: f"{c['id']}-{c['prog']}")
def test_dry_run_matches_reference(case, scratch):
    env = dict(CASES["env"])  # exactly the reference's environment
    proc = subprocess.run(
        [str(BIN / PROGS[case["prog"]]), "--dry-run", *case["args"]],
        cwd=scratch,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=30,
    )
    assert "Traceback" not in proc.stderr
    if case["rc"] != 0:
        assert proc.returncode != 0
        assert proc.stderr.count("\n") == 1 and ": error: " in proc.stderr
        return
    if case.get("error_ok") and proc.returncode != 0:
        assert ": error: " in proc.stderr
        return
    assert proc.returncode == 0, proc.stderr
    got = [json.loads(line.replace(str(scratch), "<CWD>")) for line in proc.stdout.splitlines()]
    want = [_host_rlimits(js, case["args"]) for js in case["jobspecs"]]
    got = [_host_rlimits(js, case["args"]) for js in got]
    assert got == want
    # the reference's formatting: one document a line, default separators, same key order
    assert [list(j) for j in got] == [list(j) for j in want]
