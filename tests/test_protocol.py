"""The instance's protocol edge: nothing a request holds may wedge or kill the instance.

Requests go over a bare socket to a private instance; every reply must be a
well-formed result or a clean error (never "internal error"), and afterwards
the instance must still answer and run jobs.
"""

from __future__ import annotations

import json
import os
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from instance_helpers import PrivateInstance, RawClient

EINVAL, ENOENT, EPROTO = 22, 2, 71
NOT_UNICODE = "request contains text that is not valid Unicode"
# every method but shutdown, and every parameter name any method reads
METHODS = (
    "ping submit submit_many cancel kill raise urgency stdin info list status wait watch watch_many"
).split()
PARAM_NAMES = (
    "id ids jobspec jobspecs urgency flags stdin reason signum type severity note data ranks "
    "limit states log follow"
).split()
# raw JSON text put in place of a placeholder string: what json.dumps cannot write
RAW_TOKENS = [
    "NaN",
    "Infinity",
    "-Infinity",
    "1e999",
    "-1e999",
    '"\\ud800"',
    '"\\udfff x"',
    '"a\\udc00b"',
    '"\\\\ud800"',  # an escaped backslash: a valid string
    '"\\ud83d\\ude00"',  # a valid surrogate pair
    "[" * 5000 + "]" * 5000,
    "[" * 70 + "]" * 70,
    '{"a":' * 70 + "1" + "}" * 70,
    "1" * 5000,
    "18446744073709551616",
    "-9223372036854775809",
]


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    inst = PrivateInstance(tmp_path_factory.mktemp("proto") / "state").start()
    yield inst
    inst.stop()


@pytest.fixture(scope="module")
def jobs(instance):
    """Ids of held jobs (urgency 0: they never run) and of a running one."""
    proc = instance.run("fxsub", "--urgency=0", "--cc=1-20", "true")
    held = [_decode_id(instance, j) for j in proc.stdout.split()]
    running = _decode_id(instance, instance.run("fxsub", "sleep", "300").stdout.strip())
    return held + [running]


def _decode_id(instance, text: str) -> int:
    from fluxcli.jobspec.jobid import JobID

    return int(JobID(text.strip()))


def _base_jobspec(instance) -> dict:
    return json.loads(instance.run("fxsub", "--dry-run", "true").stdout)


def _assert_well_formed(message: dict) -> None:
    assert isinstance(message, dict) and "id" in message, message
    if "error" in message:
        error = message["error"]
        assert isinstance(error["errno"], int) and error["errno"] > 0, message
        assert isinstance(error["message"], str) and error["message"], message
        assert not error["message"].startswith("internal error"), message
    else:
        assert "result" in message or "event" in message or message.get("end"), message


def _exchange(instance, payload: bytes) -> list[dict]:
    """Send one line, then a ping; the messages that came before the ping's answer."""
    client = instance.connect()
    try:
        client.send_raw(payload + b"\n" + b'{"id":"probe","method":"ping"}\n')
        seen = []
        while True:
            message = client.read()
            assert message is not None, f"instance hung up on {payload[:200]!r}"
            if message.get("id") == "probe" and "result" in message:
                return seen
            seen.append(message)
    finally:
        client.close()


# strategies
LONE_SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff", "x\ud800y"]
big_ints = st.sampled_from(
    [2**63, 2**63 - 1, 2**64, -(2**63), -(2**63) - 1, -1, 10**30, -(10**30), 65, 32, 8]
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 40),
    big_ints,
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.sampled_from(["", "eventlog", "output", "exec", "RUN", "pipe", "null", "x" * 300_000]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=8,
)
MUTABLE_PATHS = [
    ("attributes", "system", "duration"),
    ("attributes", "system", "job"),
    ("attributes", "system", "job", "name"),
    ("attributes", "system", "dependencies"),
    ("attributes", "system", "shell"),
    ("attributes",),
    ("tasks", 0, "command"),
    ("tasks", 0, "count"),
    ("tasks", 0, "count", "per_slot"),
    ("resources", 0, "count"),
    ("resources", 0, "type"),
    ("resources", 0, "with"),
    ("resources", 0, "with", 0, "count"),
    ("resources",),
    ("tasks",),
    ("version",),
]
DEPENDENCIES = [
    [{"scheme": "begin-time", "value": "nan"}],
    [{"scheme": "begin-time", "value": "1e999"}],
    [{"scheme": "afterok", "value": "f" + "z" * 20}],
    [{"scheme": "afterok", "value": "99999999999999999999999"}],
    [{"scheme": "afterany", "value": 5}],
    [{"scheme": "singleton"}],
    ["x"],
]


def _raw(i: int) -> str:
    return f"__RAW{i}__"


def _mutated_jobspec(draw, base: dict) -> str:
    """A real jobspec with one part replaced by junk (or a raw token)."""
    spec = json.loads(json.dumps(base))
    path = draw(st.sampled_from(MUTABLE_PATHS))
    target = spec
    for key in path[:-1]:
        target = target.setdefault(key, {}) if isinstance(key, str) else target[key]
    target[path[-1]] = draw(
        values
        | st.sampled_from(DEPENDENCIES)
        | st.just(_raw(0))
        | st.sampled_from([2**63, 2**40, 0, -1, "1", [], {}])
    )
    text = json.dumps(spec)
    return text.replace(f'"{_raw(0)}"', draw(st.sampled_from(RAW_TOKENS)))


@st.composite
def requests(draw, job_ids: list[int], base_jobspec: dict) -> bytes:
    """One request line: mostly real methods with plausible or junk params, some nasty text."""
    if draw(st.integers(0, 9)) < 9:
        method = draw(st.sampled_from(METHODS))
    else:
        method = draw(st.text(max_size=10) | values)
    plausible = {
        "id": st.sampled_from(job_ids),
        "ids": st.lists(st.sampled_from(job_ids), max_size=3),
        "jobspec": st.just(json.dumps(base_jobspec)),
        "jobspecs": st.just([json.dumps(base_jobspec)]),
        "urgency": st.integers(0, 31),
        "flags": st.sampled_from([0, 4, 8]),
        "stdin": st.sampled_from(["null", "pipe"]),
        "reason": st.text(max_size=20),
        "signum": st.integers(1, 64),
        "type": st.sampled_from(["test", "cancel", "timeout"]),
        "severity": st.integers(0, 7),
        "note": st.text(max_size=20),
        "data": st.text(max_size=20),
        "ranks": st.lists(st.integers(0, 3), max_size=2),
        "limit": st.integers(0, 5),
        "states": st.lists(st.sampled_from(["RUN", "SCHED", "INACTIVE"]), max_size=2),
        "log": st.sampled_from(["eventlog", "exec", "output", "input"]),
        "follow": st.booleans(),
    }
    params: dict = {}
    for name in draw(st.lists(st.sampled_from(PARAM_NAMES), max_size=5)):
        params[name] = draw(plausible[name] | values)
    if draw(st.integers(0, 3)) < 3:  # a real job to act on
        params["id"] = draw(st.sampled_from(job_ids))
    if draw(st.booleans()):
        params["ids"] = draw(st.lists(st.sampled_from(job_ids) | big_ints, max_size=3))
    if method in ("submit", "submit_many") and draw(st.integers(0, 3)):
        text = _mutated_jobspec(draw, base_jobspec)
        params["jobspec"] = text
        params["jobspecs"] = [text, _mutated_jobspec(draw, base_jobspec)]
        params["urgency"] = draw(st.sampled_from([0, 0, 0, -1, 32, 2**63, "x", None]))  # held
        params["flags"] = draw(st.sampled_from([0, 0, 8, 8, 4, 12, 16, -1, 2**64]))
    rid = draw(st.integers(-(2**63), 2**63 - 1) | st.text(max_size=10) | st.none())
    message = {"id": rid, "method": method, "params": params}
    chance = draw(st.integers(0, 9))  # (hypothesis favours small numbers)
    if chance == 9:
        message["params"] = draw(values)
    elif chance == 8:  # a lone surrogate somewhere
        where = draw(st.sampled_from(["id", "method", "param", "key"]))
        text = draw(st.sampled_from(LONE_SURROGATES))
        if where == "param":
            params[draw(st.sampled_from(PARAM_NAMES))] = text
        elif where == "key":
            params[text] = 1
        else:
            message[where] = text
    elif chance == 6:  # a request id that is not one
        message["id"] = draw(st.sampled_from([2**63, -(2**63) - 1, 1.5, True, "r" * 257, {}, [1]]))
    elif chance == 7:  # raw JSON text in place of a value
        params[draw(st.sampled_from(PARAM_NAMES))] = _raw(1)
    text = json.dumps(message, ensure_ascii=draw(st.booleans()))
    text = text.replace(f'"{_raw(1)}"', draw(st.sampled_from(RAW_TOKENS)))
    # a lone surrogate unescaped becomes bytes that are not UTF-8
    return text.encode("utf-8", "surrogatepass")


junk_lines = st.binary(max_size=200).map(lambda b: b.replace(b"\n", b" ")) | st.sampled_from(
    [
        b"",
        b"[]",
        b"null",
        b'"x"',
        b'{"id":1,"method":"ping"',
        b'{"id":1,"method":"ping","params":{"x":"\xed\xa0\x80"}}',
        b'{"id":1,"method":"ping","params":{"x":"\xff"}}',
        b'{"id":NaN,"method":"ping"}',
        b'{"\\ud800":1,"method":"ping"}',
    ]
)


def test_fuzz_requests(instance, jobs):
    base = _base_jobspec(instance)
    requests_ = requests(jobs, base)

    @settings(
        max_examples=int(os.environ.get("FX_FUZZ_EXAMPLES", "200")),
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(payload=st.one_of(requests_, requests_, requests_, junk_lines))
    def fuzz(payload: bytes) -> None:
        for message in _exchange(instance, payload):
            _assert_well_formed(message)

    fuzz()
    # still answering, still running jobs, never a traceback
    client = instance.connect()
    assert "result" in client.call("ping")
    client.close()
    proc = instance.run("fxrun", "echo", "still running")
    assert proc.returncode == 0 and proc.stdout == "still running\n"
    assert "Traceback" not in instance.log()


def test_lone_surrogates_never_reach_the_store(instance):
    proc = instance.run("fxsub", "--urgency=0", "true")
    held = _decode_id(instance, proc.stdout.strip())
    client = instance.connect()
    for raw in (
        b'{"id":1,"method":"cancel","params":{"id":%d,"reason":"\\ud800"}}' % held,
        b'{"id":1,"method":"raise","params":{"id":%d,"type":"t","note":"\\udfff"}}' % held,
        b'{"id":"\\ud800","method":"ping"}',
        b'{"id":1,"method":"ping","params":{"\\udc00":1}}',
        b'{"id":1,"method":"cancel","params":{"id":%d,"reason":"\xed\xa0\x80"}}' % held,
        b'{"id":1,"method":"ping","params":{"x":"\xc3"}}',
    ):
        client.send_raw(raw + b"\n")
        reply = client.read()
        assert reply["error"] == {"errno": EINVAL, "message": NOT_UNICODE}, raw
    # a valid pair and an escaped backslash are fine
    client.send_raw(b'{"id":2,"method":"ping","params":{"x":"\\ud83d\\ude00 \\\\ud800"}}\n')
    assert "result" in client.read()
    # the job is untouched and commits still work
    assert client.call("info", id=held)["result"]["state"] == "SCHED"
    reason = "\U0001f600 ok"
    assert client.call("cancel", id=held, reason=reason) == {"id": 1, "result": {}}
    info = client.call("info", id=held)["result"]
    assert info["state"] == "INACTIVE" and info["exception_note"] == reason
    client.close()


def test_numbers_and_nesting(instance, jobs):
    client = instance.connect()

    def ask(raw: bytes) -> dict:
        client.send_raw(raw + b"\n")
        return client.read()

    for token in (b"NaN", b"Infinity", b"-Infinity", b"1e999"):
        reply = ask(b'{"id":3,"method":"list","params":{"limit":%s}}' % token)
        assert reply["id"] is None and reply["error"]["errno"] == EPROTO
        assert "not valid JSON" in reply["error"]["message"] or "range" in reply["error"]["message"]
    for depth in (100, 100_000):
        reply = ask(b'{"id":4,"method":"ping","params":{"x":' + b"[" * depth + b"]" * depth + b"}}")
        assert (
            reply["error"]["errno"] == EPROTO and "nested too deeply" in reply["error"]["message"]
        )
    for bad in (2**63, 2**64, -1, -(2**63) - 1):
        for method in ("info", "cancel", "wait", "watch", "urgency"):
            reply = client.call(method, id=bad, urgency=1)
            assert reply["error"] == {"errno": ENOENT, "message": "unknown job id"}, (method, bad)
    cases = [
        ("urgency", {"id": jobs[1], "urgency": 32}, "urgency range is [0:31]"),
        ("urgency", {"id": jobs[1], "urgency": 2**70}, "urgency range is [0:31]"),
        ("kill", {"id": jobs[-1], "signum": 2**63}, "signum must be in the range"),
        ("kill", {"id": jobs[-1], "signum": 0}, "signum must be in the range"),
        ("raise", {"id": jobs[1], "type": "t", "severity": 8}, "severity must be"),
        ("raise", {"id": jobs[1], "type": "a b"}, "invalid exception type"),
        ("list", {"limit": -1}, "limit must be a non-negative"),
        ("list", {"limit": 2**63}, "limit must be a non-negative"),
        ("list", {"states": ["RUN", 3]}, "states must be a list of strings"),
        ("list", {"states": ["nope"]}, "unknown job state"),
        ("watch_many", {"ids": []}, "ids must not be empty"),
        ("watch_many", {"ids": list(range(100_001))}, "at most 100000 jobs"),
        ("watch_many", {"ids": [jobs[1], "x"]}, "ids must be a list of integers"),
        ("watch", {"id": jobs[1], "follow": "yes"}, "'follow' must be a boolean"),
        ("cancel", {"id": jobs[1], "reason": {"a": 1}}, "'reason' must be a string"),
        ("stdin", {"id": jobs[1], "data": 5}, "'data' must be a string"),
        ("stdin", {"id": jobs[1], "ranks": [-1]}, "ranks must be a list of task ranks"),
        ("submit", {"jobspec": "{}", "urgency": 16.0}, "'urgency' must be an integer"),
        ("submit", {"jobspec": "{}", "stdin": "tty"}, "stdin must be one of null, pipe"),
        ("info", {"id": jobs[1], "jobspec": [1]}, "'jobspec' must be a boolean"),
    ]
    assert "result" in client.call("list", states=["RUN"] * 50_000)  # each state once
    for method, params, expected in cases:
        reply = client.call(method, **params)
        assert reply["error"]["errno"] == EINVAL and expected in reply["error"]["message"], (
            method,
            params,
            reply,
        )
    client.close()


def test_nonfinite_jobspec_values_are_refused(instance):
    spec = _base_jobspec(instance)
    client = instance.connect()
    for value in ("nan", "inf", "-inf", "1e999"):
        spec["attributes"]["system"]["dependencies"] = [{"scheme": "begin-time", "value": value}]
        reply = client.call("submit", jobspec=json.dumps(spec), urgency=0)
        assert reply["error"] == {"errno": EINVAL, "message": f"Invalid begin-time={value}"}
    del spec["attributes"]["system"]["dependencies"]
    text = json.dumps(spec)
    for token in ("NaN", "Infinity", "1e999"):
        bad = text.replace('"duration": 0', f'"duration": {token}')
        reply = client.call("submit", jobspec=bad, urgency=0)
        assert reply["error"] == {
            "errno": EINVAL,
            "message": "duration must be a normal, finite value",
        }
        # with validation skipped, the protocol's rule (strict JSON) still holds
        reply = client.call("submit", jobspec=bad, urgency=0, flags=8)
        assert reply["error"]["errno"] == EINVAL
        assert reply["error"]["message"].startswith("jobspec: invalid JSON: ")
    client.close()
    proc = instance.run("fxsub", "-S", "system.duration=NaN", "true")
    assert proc.returncode == 1 and "duration must be a normal, finite value" in proc.stderr
    proc = instance.run("fxsub", "--dependency=begin-time:nan", "true")
    assert proc.returncode == 1 and "Invalid begin-time=nan" in proc.stderr


def test_validator_refuses_nonfinite():
    from fluxcli.jobspec import JobspecV1, validate_jobspec

    spec = JobspecV1.from_command(["true"])
    for value in (float("nan"), float("inf"), 10**400):
        spec.jobspec["attributes"]["system"]["duration"] = value
        with pytest.raises(ValueError, match="duration must be a normal, finite value"):
            validate_jobspec(json.dumps(spec.jobspec))
    spec.jobspec["attributes"]["system"]["duration"] = 0
    spec.jobspec["attributes"]["system"]["dependencies"] = [
        {"scheme": "begin-time", "value": "nan"}
    ]
    with pytest.raises(ValueError, match="Invalid begin-time=nan"):
        validate_jobspec(json.dumps(spec.jobspec))


def test_malformed_request_ids_do_not_disturb_others(instance):
    bad_ids = [
        b'{"a":1}',
        b"[1]",
        b"9223372036854775808",
        b"1.5",
        b"true",
        b'"' + b"r" * 257 + b'"',
    ]
    other = instance.connect()
    stop = threading.Event()
    errors: list = []

    def steady() -> None:  # another client, asking all along
        n = 0
        while not stop.is_set():
            n += 1
            reply = other.call("ping", rid=f"other-{n}")
            if reply.get("result", {}).get("pid") != instance.pid:
                errors.append(reply)

    thread = threading.Thread(target=steady)
    thread.start()
    try:
        client = instance.connect()
        for _ in range(20):
            for rid in bad_ids:
                client.send_raw(b'{"id":%s,"method":"ping"}\n' % rid)
                reply = client.read()
                assert reply["id"] is None and reply["error"]["errno"] == EINVAL
                assert "invalid request id" in reply["error"]["message"]
        # fine ids are answered by name
        for rid in (0, -(2**63), 2**63 - 1, "r" * 256, None):
            assert client.call("ping", rid=rid)["result"]["pid"] == instance.pid
        client.close()
    finally:
        stop.set()
        thread.join()
        other.close()
    assert not errors


def test_oversized_and_garbage_lines(instance):
    client = instance.connect()
    client.send_raw(b"\x00\xff\xfe garbage\n")
    reply = client.read()
    assert reply == {"id": None, "error": {"errno": EINVAL, "message": NOT_UNICODE}}
    assert "result" in client.call("ping")
    try:
        client.send_raw(b"[" * (17 * 1024 * 1024) + b"\n")
        reply = client.read()
        assert reply is None or "too large" in reply["error"]["message"]
    except (TimeoutError, BrokenPipeError, ConnectionResetError):
        pass
    client.close()
    fresh = RawClient(instance.sock_path)
    assert "result" in fresh.call("ping")
    fresh.close()


def test_wait_of_a_client_that_left_keeps_the_result(instance):
    jobid = _decode_id(
        instance, instance.run("fxsub", "--urgency=0", "--flags=waitable", "true").stdout
    )
    leaving = instance.connect()
    leaving.send({"id": 1, "method": "wait", "params": {"id": jobid}})
    assert "result" in leaving.call("ping", rid=2)  # the wait is registered
    leaving.close()
    client = instance.connect()
    assert client.call("urgency", id=jobid, urgency=16) == {"id": 1, "result": {"old_urgency": 0}}
    reply = client.call("wait", rid=3, id=jobid)
    assert reply["result"] == {"id": jobid, "success": True, "errstr": ""}
    client.close()
