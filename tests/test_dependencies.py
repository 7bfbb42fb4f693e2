"""after* dependencies give the reference's outcomes and messages (flux-core dependency-after)."""

import json


def events(run, jobid):
    proc = run("fx", "job", "eventlog", "--format=json", jobid)
    return [json.loads(line) for line in proc.stdout.splitlines()]


def finished(run, *args) -> str:
    jobid = run("fxsub", *args).stdout.strip()
    run("fx", "job", "status", jobid)
    return jobid


def test_afternotok_on_a_job_that_succeeded_says_succeeded(run):
    good = finished(run, "true")
    proc = run("fxsub", f"--dependency=afternotok:{good}", "true")
    assert proc.returncode != 0
    assert f"dependency: afternotok: job {good} succeeded" in proc.stderr


def test_afterexcept_without_an_exception(run):
    good = finished(run, "true")
    proc = run("fxsub", f"--dependency=afterexcept:{good}", "true")
    assert f"dependency: afterexcept: job {good}: no exception" in proc.stderr


def test_after_a_job_that_never_started(run):
    held = run("fxsub", "--urgency=hold", "true").stdout.strip()
    run("fxcancel", held)
    run("fx", "job", "status", held)
    proc = run("fxsub", f"--dependency=afterok:{held}", "true")
    assert f"dependency: after: {held} never started" in proc.stderr
    # afterany is met by any end, even one that never ran
    assert run("fxrun", f"--dependency=afterany:{held}", "true").returncode == 0


def test_a_dependency_that_can_no_longer_be_met_is_an_exception(run):
    first = run("fxsub", "sh", "-c", "sleep 0.5; exit 3").stdout.strip()
    second = run("fxsub", f"--dependency=afterok:{first}", "true").stdout.strip()
    assert run("fx", "job", "status", second).returncode != 0
    notes = [e["context"]["note"] for e in events(run, second) if e["name"] == "exception"]
    assert notes == [f"dependency after-success={first} can never be satisfied"]
    third = run("fxsub", f"--dependency=afternotok:{first}", "true").stdout.strip()
    assert run("fx", "job", "status", third).returncode == 0
    descriptions = [
        e["context"]["description"]
        for e in events(run, third)
        if e["name"] in ("dependency-add", "dependency-remove")
    ]
    assert descriptions == [f"after-failure={first}", f"after-failure={first}"]


def test_a_dependent_of_a_job_canceled_before_running(run):
    held = run("fxsub", "--urgency=hold", "true").stdout.strip()
    waiting = run("fxsub", f"--dependency=afterok:{held}", "true").stdout.strip()
    run("fxcancel", held)
    assert run("fx", "job", "status", waiting).returncode != 0
    notes = [e["context"]["note"] for e in events(run, waiting) if e["name"] == "exception"]
    assert notes == [f"dependency after-success={held} job never started"]
