"""Output round-trips byte for byte: live on fxrun's stdout, replayed from the store
(``fx job attach``, ``fxwatch``, the Python API), into ``--output`` files; UTF-8 text
stays text; labelled lines stay whole; a reader far behind the job still gets all of it."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time

import pytest
from conftest import BIN, _pid

from fluxcli.backends.iodata import decode_data
from fluxcli.jobspec.jobid import id_parse


def fxb(*args: str, env: dict | None = None, stdin=None, timeout: float = 120):
    """Run a command; stdout and stderr as bytes."""
    return subprocess.run(
        [str(BIN / args[0]), *args[1:]],
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL if stdin is None else stdin,
        capture_output=True,
        timeout=timeout,
    )


def run_job(*args: str, env: dict | None = None) -> tuple[subprocess.CompletedProcess, str]:
    """``fxrun -v ARGS``: the finished process (stderr without the id line) and the job id."""
    proc = fxb("fxrun", "-v", *args, env=env)
    first, _, rest = proc.stderr.partition(b"\n")
    assert first.startswith(b"jobid: "), proc.stderr
    proc.stderr = rest
    return proc, first[len(b"jobid: ") :].decode()


def output_events(jobid: str, env: dict | None = None) -> list[dict]:
    """The contexts of a job's output eventlog, through the Python API."""
    import fluxcli
    from fluxcli.job import event_watch

    state = (env or {}).get("FX_STATE_DIR", os.environ["FX_STATE_DIR"])
    with fluxcli.open(f"local://{state}/local.sock") as handle:
        return [e.context for e in event_watch(handle, id_parse(jobid), "output")]


def stream_bytes(contexts: list[dict], stream: str = "stdout") -> bytes:
    return b"".join(decode_data(c) for c in contexts if c.get("stream") == stream and "data" in c)


@pytest.fixture(scope="module")
def binary_file(tmp_path_factory) -> tuple:
    """Every byte value, then 300,000 random bytes (not UTF-8: base64 on the way)."""
    path = tmp_path_factory.mktemp("bin") / "data"
    data = bytes(range(256)) * 3 + random.Random(7).randbytes(300_000)
    path.write_bytes(data)
    return path, data


def test_binary_output_round_trips_everywhere(binary_file, tmp_path):
    path, data = binary_file
    live, jobid = run_job("cat", str(path))
    assert live.returncode == 0, live.stderr
    assert live.stdout == data
    attach = fxb("fx", "job", "attach", jobid)
    assert attach.returncode == 0 and attach.stdout == data
    watch = fxb("fxwatch", jobid)  # events on stderr, output alone on stdout
    assert watch.returncode == 0 and watch.stdout == data
    contexts = output_events(jobid)
    assert stream_bytes(contexts) == data
    assert any(c.get("encoding") == "base64" for c in contexts)
    # an --output file: the tasks write it directly
    out = tmp_path / "out.bin"
    proc = fxb("fxrun", f"--output={out}", "cat", str(path))
    assert proc.returncode == 0 and proc.stdout == b""
    assert out.read_bytes() == data


def test_stderr_round_trips_too(binary_file):
    path, data = binary_file
    proc = fxb("fxrun", "sh", "-c", f"cat {path} >&2")
    assert proc.returncode == 0
    assert proc.stderr == data and proc.stdout == b""


def test_utf8_split_by_the_read_boundary_stays_text(tmp_path):
    # a 64 KiB read ends inside a character (2, 3 and 4 bytes long, at every offset)
    text = "a" * 65535 + "é" * 40000 + "€" * 30000 + "😀" * 20000 + "b€😀é\n"
    path = tmp_path / "utf8"
    path.write_text(text, encoding="utf-8")
    live, jobid = run_job("cat", str(path))
    assert live.returncode == 0 and live.stdout.decode("utf-8") == text
    contexts = output_events(jobid)
    data = [c for c in contexts if "data" in c]
    assert len(data) > 2  # the text came in several reads
    assert all("encoding" not in c for c in data), [c.get("encoding") for c in data]
    assert "".join(c["data"] for c in data if c["stream"] == "stdout") == text
    assert fxb("fx", "job", "attach", jobid).stdout.decode("utf-8") == text


def test_labelled_lines_stay_whole_across_reads(tmp_path):
    script = 'printf "hel"; sleep 0.3; printf "lo\\nwor"; sleep 0.3; printf "ld\\n"; printf end'
    expected = {f"{rank}: {word}" for rank in (0, 1) for word in ("hello", "world")}
    live = fxb("fxrun", "-l", "-n2", "sh", "-c", script)
    assert live.returncode == 0, live.stderr
    lines = live.stdout.decode().replace("0: end", "").replace("1: end", "").splitlines()
    assert set(lines) == expected and len(lines) == 4, live.stdout
    assert sorted(live.stdout.decode().count(f"{r}: end") for r in (0, 1)) == [1, 1]
    out = tmp_path / "labelled"
    proc = fxb("fxrun", "-l", "-n2", f"--output={out}", "sh", "-c", script)
    assert proc.returncode == 0, proc.stderr
    text = out.read_text()
    lines = text.replace("0: end", "").replace("1: end", "").splitlines()
    assert set(lines) == expected and len(lines) == 4, text


def test_a_reader_far_behind_the_job_still_gets_everything(tmp_path):
    """fxrun's reader stalls for 12 s; the job ended long before; fxrun exits 0
    once every line got through."""
    count = 1_000_000
    lines, status, ids = tmp_path / "lines", tmp_path / "status", tmp_path / "id"
    pipeline = f"(fxrun -v seq 1 {count} 2>{ids}; echo $? > {status}) | (sleep 12; wc -l > {lines})"
    start = time.monotonic()
    subprocess.run(["sh", "-c", pipeline], env=os.environ, timeout=180, check=True)
    end = time.time()
    assert time.monotonic() - start >= 12
    assert int(lines.read_text()) == count
    assert int(status.read_text()) == 0
    jobid = ids.read_text().split()[1]
    jobs = json.loads(fxb("fxjobs", "-a", "--json").stdout)["jobs"]
    job = next(j for j in jobs if j["id"] == id_parse(jobid))
    assert job["result"] == "COMPLETED"
    assert end - job["t_inactive"] > 10  # the job ended long before fxrun finished


def test_fxrun_fails_when_it_could_not_read_all_of_the_output(private_instance, tmp_path):
    """The output stream breaks (the instance is killed) after the job ended, while
    fxrun is still far behind: fxrun must not exit 0 with part of the output."""
    state, env = private_instance
    fxb("fx", "instance", "start", env=env)
    fxrun = subprocess.Popen(
        [str(BIN / "fxrun"), "seq", "1", "2000000"],
        env={**os.environ, **env},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        head = fxrun.stdout.read(1000)  # started; now nothing is read for a while
        assert head.startswith(b"1\n2\n")
        deadline = time.time() + 60
        while time.time() < deadline:
            listing = fxb("fxjobs", "-a", "--json", env=env).stdout
            if b'"INACTIVE"' in listing:
                break
            time.sleep(0.2)
        assert b'"INACTIVE"' in listing
        os.kill(_pid(state), signal.SIGKILL)
        rest, err = fxrun.communicate(timeout=60)
    finally:
        if fxrun.poll() is None:
            fxrun.kill()
            fxrun.wait()
    got = (head + rest).count(b"\n")
    assert got < 2_000_000  # the test's premise: part of the output never came
    assert fxrun.returncode != 0, f"fxrun exited 0 with {got} lines of 2000000"
    assert b"Traceback" not in err, err.decode()
    assert b"output" in err, err.decode()
