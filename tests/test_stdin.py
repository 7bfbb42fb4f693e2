"""Stdin through the instance: exact bytes, back-pressure from a job that never reads
(the instance stays responsive and small), and jobs that stop reading early."""

from __future__ import annotations

import os
import random
import subprocess
import threading
import time

from conftest import BIN
from instance_helpers import PrivateInstance


def test_a_job_that_never_reads_stdin_holds_back_only_its_feeder(tmp_path):
    instance = PrivateInstance(tmp_path / "state").start()
    try:
        done = instance.run("fxsub", "true").stdout.strip()
        assert instance.run("fx", "job", "status", done).returncode == 0
        baseline = instance.rss_kb()
        # 100 MB offered to a job that never reads: only the backlog may enter the instance
        feeder = subprocess.Popen(
            ["sh", "-c", f"head -c 100000000 /dev/urandom | {BIN}/fxrun sleep 8"],
            env=instance.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            deadline = time.time() + 30
            while "sleep" not in instance.run("fxjobs").stdout and time.time() < deadline:
                time.sleep(0.1)
            time.sleep(1)  # the feeder has filled everything it may by now
            slowest, peak = 0.0, 0
            for _ in range(5):
                for command in (["fxjobs"], ["fx", "job", "status", done]):
                    start = time.monotonic()
                    proc = instance.run(*command, timeout=30)
                    slowest = max(slowest, time.monotonic() - start)
                    assert proc.returncode == 0, proc.stderr
                peak = max(peak, instance.rss_kb())
                time.sleep(0.3)
            assert slowest < 1.0, f"a request took {slowest:.2f} s"
            assert feeder.poll() is None, "the job ended early"
            assert peak < 100_000, f"the instance grew to {peak} KiB"
            assert peak - baseline < 20_000, f"the instance grew from {baseline} to {peak} KiB"
            out, err = feeder.communicate(timeout=60)
            assert feeder.returncode == 0, err
        finally:
            if feeder.poll() is None:
                feeder.kill()
                feeder.wait()
    finally:
        instance.stop()


def test_binary_stdin_round_trips(tmp_path):
    data = bytes(range(256)) * 4 + random.Random(3).randbytes(3_000_000)  # > the backlog
    path = tmp_path / "in"
    path.write_bytes(data)
    with open(path, "rb") as stdin:
        proc = subprocess.run(
            [str(BIN / "fxrun"), "cat"], stdin=stdin, capture_output=True, timeout=120
        )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == data


def test_utf8_stdin_round_trips(tmp_path):
    text = "é€😀" * 100_000
    proc = subprocess.run(
        [str(BIN / "fxrun"), "cat"], input=text.encode(), capture_output=True, timeout=120
    )
    assert proc.returncode == 0 and proc.stdout.decode() == text


def test_stdin_to_a_job_that_stops_reading_does_not_hang(tmp_path):
    for source in ("yes", "head -c 5000000 /dev/urandom"):
        start = time.monotonic()
        proc = subprocess.run(
            ["sh", "-c", f"{source} | {BIN}/fxrun head -c 10; echo $? > {tmp_path}/rc"],
            capture_output=True,
            timeout=60,
        )
        assert time.monotonic() - start < 20
        assert len(proc.stdout) == 10
        assert (tmp_path / "rc").read_text().strip() == "0", proc.stderr


def test_stdin_that_never_ends_does_not_keep_fxrun_once_the_job_is_done(tmp_path):
    """fxrun's stdin is a pipe nobody writes to or closes."""
    read_end, write_end = os.pipe()
    try:
        proc = subprocess.Popen(
            [str(BIN / "fxrun"), "echo", "done"],
            stdin=read_end,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        os.close(read_end)
        timer = threading.Timer(30, proc.kill)
        timer.start()
        out, err = proc.communicate()
        timer.cancel()
        assert proc.returncode == 0, err
        assert out == b"done\n"
    finally:
        os.close(write_end)


def test_input_ranks_beyond_the_job_are_dropped_with_a_warning(run):
    """As flux job attach: --stdin-ranks is cut to the job's tasks, saying so."""
    proc = run("fxrun", "-n2", "--input=1-2", "--label-io", "cat", input="hi\n")
    assert proc.returncode == 0 and proc.stdout == "1: hi\n"
    assert "fxrun: warning: adjusting --stdin-ranks from 1-2 to 1" in proc.stderr
    proc = run("fxrun", "-n2", "--input=5", "cat", input="hi\n")
    assert proc.returncode == 0 and proc.stdout == ""
    assert "fxrun: warning: adjusting --stdin-ranks from 5 to " in proc.stderr
