"""The behaviour every backend owes the commands, views and API (fluxcli.backends.contract).

One suite for every backend: ``test_contract.py`` runs it on each registered
backend that can run here (local always; slurm and flux where their real
system is available, skipped with the reason otherwise). A backend package can
run it too: import these tests and provide a ``backend`` fixture.
"""

from __future__ import annotations

import signal
import time

import pytest

from fluxcli.backends.contract import (
    Backend,
    BackendInfo,
    Capability,
    JobEvent,
    JobFilter,
    JobRecord,
    OutputChunk,
    SubmitRequest,
    UnknownJob,
    Unsupported,
)
from fluxcli.jobspec import JobspecV1

MAIN_START = ["submit", "validate", "depend", "priority", "alloc", "start"]
MAIN_END = ["finish", "release", "free", "clean"]


def command(*argv: str, **kwargs) -> JobspecV1:
    return JobspecV1.from_command(list(argv), **kwargs)


def named(jobspec: JobspecV1, name: str) -> JobspecV1:
    jobspec.setattr("system.job.name", name)
    return jobspec


def submit_one(backend: Backend, jobspec, **kwargs) -> int:
    [result] = backend.submit([SubmitRequest(jobspec, **kwargs)])
    assert isinstance(result, int), result
    return result


def main_events(backend: Backend, jobid: int) -> list[str]:
    return [e.name for e in backend.events([jobid])]


def test_is_a_backend_with_a_name(backend):
    assert isinstance(backend, Backend) and backend.name
    assert all(isinstance(c, Capability) for c in backend.capabilities)


def test_submit_many_at_once_gives_ids_or_errors_in_order(backend):
    bad = command("true")
    bad.jobspec["tasks"][0]["command"] = []  # rejected by the backend, not by the client
    results = backend.submit(
        [SubmitRequest(command("true")), SubmitRequest(bad), SubmitRequest(command("true"))]
    )
    assert isinstance(results[0], int) and isinstance(results[2], int)
    assert isinstance(results[1], Exception) and str(results[1])
    for jobid in (results[0], results[2]):
        assert main_events(backend, jobid)[-1] == "clean"


def test_events_follow_rfc21_and_are_typed(backend):
    jobid = submit_one(backend, command("true"))
    events = list(backend.events([jobid]))
    assert all(isinstance(e, JobEvent) and e.jobid == jobid for e in events)
    names = [e.name for e in events]
    assert names[: len(MAIN_START)] == MAIN_START and names[-len(MAIN_END) :] == MAIN_END
    assert [e.seq for e in events] == sorted(e.seq for e in events)
    assert all(e.timestamp >= events[0].timestamp for e in events)
    finish = next(e for e in events if e.name == "finish")
    assert finish.context["status"] == 0
    # replay without following gives the same events
    assert [e.name for e in backend.events([jobid], follow=False)] == names


def test_events_of_many_jobs_end_with_each(backend):
    ids = [submit_one(backend, command("sleep", f"0.{i}")) for i in range(1, 4)]
    cleaned = [e.jobid for e in backend.events(ids) if e.name == "clean"]
    assert sorted(cleaned) == sorted(ids)


def test_output_is_bytes_exact_with_end_of_file(backend):
    payload = "héllo wörld\n"
    jobid = submit_one(backend, command("printf", payload))
    chunks = list(backend.output([jobid]))
    assert all(isinstance(c, OutputChunk) for c in chunks)
    stdout = b"".join(c.data for c in chunks if c.stream == "stdout")
    assert stdout == payload.encode()
    assert any(c.eof and c.stream == "stdout" for c in chunks)


def test_info_is_a_job_record(backend):
    jobid = submit_one(backend, command("sh", "-c", "exit 3"))
    main_events(backend, jobid)
    record = backend.info(jobid)
    assert isinstance(record, JobRecord)
    assert record.id == jobid and record.state == "INACTIVE" and record.result == "FAILED"
    assert record.waitstatus == 3 << 8 and record.ntasks == 1
    assert record.t_submit <= (record.t_run or 0) <= (record.t_inactive or 0)
    assert not record.active
    assert backend.jobspec(jobid)["tasks"][0]["command"] == ["sh", "-c", "exit 3"]


def test_unknown_jobs(backend):
    unknown = 1 << 40
    assert backend.info(unknown) is None
    with pytest.raises(UnknownJob, match="job ID not found"):
        list(backend.events([unknown]))


def test_list_jobs_filters(backend):
    jobid = submit_one(backend, command("true"), urgency=16)
    main_events(backend, jobid)
    records = backend.list_jobs(JobFilter(states=["INACTIVE"], limit=50))
    assert records and all(r.state == "INACTIVE" for r in records)
    assert jobid in [r.id for r in records]
    assert [r.id for r in records] == sorted((r.id for r in records), reverse=True)
    completed = backend.list_jobs(JobFilter(results=["COMPLETED"], ids=[jobid]))
    assert [r.id for r in completed] == [jobid]
    assert backend.list_jobs(JobFilter(results=["FAILED"], ids=[jobid])) == []


def test_list_jobs_states_or_results(backend):
    """``-f pending,failed``: a state or a result selects a job; name and since narrow."""
    before = time.time() - 1
    failed = submit_one(backend, named(command("sh", "-c", "exit 1"), "fx-list-failed"))
    main_events(backend, failed)
    ok = submit_one(backend, named(command("true"), "fx-list-ok"))
    main_events(backend, ok)
    both = JobFilter(states=["SCHED"], results=["FAILED"], ids=[failed, ok])
    assert [r.id for r in backend.list_jobs(both)] == [failed]
    by_name = backend.list_jobs(JobFilter(name="fx-list-ok", limit=5))
    assert [r.id for r in by_name][:1] == [ok]
    assert ok in [r.id for r in backend.list_jobs(JobFilter(since=before, limit=0))]
    later = backend.list_jobs(JobFilter(since=time.time() + 60, states=["INACTIVE"]))
    assert ok not in [r.id for r in later]


def test_cancel_and_kill(backend):
    jobid = submit_one(backend, command("sleep", "60"))
    for event in backend.events([jobid]):
        if event.name == "start":
            break
    backend.kill(jobid, signal.SIGUSR1)
    record = _final(backend, jobid)
    assert record.waitstatus == (128 + signal.SIGUSR1) << 8  # as a job shell reports it
    pending = submit_one(backend, command("true"), urgency=0)
    backend.cancel(pending, "not needed")
    record = _final(backend, pending)
    assert record.result == "CANCELED" and record.exception_note == "not needed"


def test_urgency_and_hold(backend):
    if Capability.URGENCY not in backend.capabilities:
        pytest.skip("no urgency changes on this backend")
    jobid = submit_one(backend, command("true"), urgency=0)
    assert backend.set_urgency(jobid, 16) == 0
    assert _final(backend, jobid).result == "COMPLETED"


def test_wait_for_waitable_jobs(backend):
    if Capability.WAITABLE not in backend.capabilities:
        pytest.skip("no waitable jobs on this backend")
    jobid = submit_one(backend, command("false"), flags=4)
    assert backend.wait(jobid) == (jobid, False, "task(s) exited with exit code 1")


def test_stdin_capability(backend):
    if Capability.STDIN not in backend.capabilities:
        with pytest.raises(Unsupported):
            backend.write_stdin(1, b"x")
        return
    jobid = submit_one(backend, command("cat"), stdin="pipe")
    backend.write_stdin(jobid, b"\x00\xffbinary\n")
    backend.write_stdin(jobid, None)
    data = b"".join(c.data for c in backend.output([jobid]) if c.stream == "stdout")
    assert data == b"\x00\xffbinary\n"


def test_check_refuses_what_cannot_be_honoured(backend):
    spec = command("true")
    spec.setattr("system.queue", "no-such-queue-here")
    with pytest.raises(Unsupported, match="--queue"):
        backend.check(spec)
    backend.check(command("true"))  # an ordinary job passes


def test_ids_print_and_parse(backend):
    jobid = submit_one(backend, command("true"))
    text = backend.format_id(jobid)
    assert backend.parse_id(text) == jobid
    main_events(backend, jobid)


def test_describe(backend):
    info = backend.describe()
    assert isinstance(info, BackendInfo) and info.name == backend.name
    assert info.resources


def _final(backend: Backend, jobid: int) -> JobRecord:
    deadline = time.time() + 60
    for event in backend.events([jobid]):
        if event.name == "clean" or time.time() > deadline:
            break
    record = backend.info(jobid)
    assert record is not None
    return record


def test_record_says_where_output_went(backend, tmp_path):
    target = tmp_path / "out-{{id}}.txt"
    jobid = submit_one(backend, command("echo", "hi", output=str(target), cwd=str(tmp_path)))
    record = _final(backend, jobid)
    [path] = record.output_paths
    assert path == str(tmp_path / f"out-{backend.format_id(jobid)}.txt")
    with open(path) as handle:
        assert handle.read() == "hi\n"
    if record.cputime is not None:  # accounting, where the backend measures it
        assert record.cputime >= 0 and record.maxrss > 0
