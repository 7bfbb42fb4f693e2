"""What the live views cost: --progress against --quiet, fxwatch's redraw rate and memory.

    python bench/views.py [N [R]]    (N jobs, default 10000; R rounds, default 3)

On a private instance, under a pseudo-terminal (so the views are live):

1. ``fxsub --cc=1-N --progress --wait /bin/true`` beside the baseline
   ``fxsub --cc=1-N --quiet --wait /bin/true`` (target: within 10%), run in
   alternation R times each; the fastest of each counts (a shared machine's
   load only ever adds time);
2. ``fxwatch`` of N jobs submitted just before (they run while it watches):
   the most frames drawn in any one second (target: at most 10) and its
   peak RSS, beside the same watch with stderr off the terminal (plain lines,
   no live region) as the memory baseline.
"""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time

from common import BIN, report


def on_terminal(argv: list[str], env: dict, stderr_tty: bool = True):
    """Run ``argv`` on a 40x120 pty: (seconds, [(time, bytes)], peak RSS in MB, CPU seconds)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    err = slave if stderr_tty else subprocess.DEVNULL
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=err, env=env)
    os.close(slave)
    chunks: list[tuple[float, bytes]] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                return
            if not data:
                return
            chunks.append((time.perf_counter(), data))

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    assert proc.returncode == 0, (argv[:3], proc.returncode)
    elapsed = time.perf_counter() - start
    reader.join(timeout=5)
    os.close(master)
    return elapsed, chunks, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def most_frames_in_a_second(chunks: list[tuple[float, bytes]], marker: bytes) -> int:
    """The largest number of frames (each draws ``marker`` once) within any one second."""
    times = [when for when, data in chunks for _ in range(data.count(marker))]
    best, first = 0, 0
    for last, when in enumerate(times):
        while when - times[first] > 1.0:
            first += 1
        best = max(best, last - first + 1)
    return best


def main() -> None:
    jobs = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    state = tempfile.mkdtemp(prefix="fxbench-views-")
    env = {**os.environ, "FX_STATE_DIR": state, "FX_IDLE_TIMEOUT": "60", "COLUMNS": "120"}
    env.pop("NO_COLOR", None)
    fxsub, fxwatch = f"{BIN}/fxsub", f"{BIN}/fxwatch"
    try:
        subprocess.run([fxsub, "--wait", "/bin/true"], env=env, capture_output=True, check=True)
        many = f"--cc=1-{jobs}"
        best = {"quiet": (float("inf"), 0.0), "progress": (float("inf"), 0.0)}
        for _ in range(rounds):
            for name in best:
                took, _, _, cpu = on_terminal(
                    [fxsub, many, f"--{name}", "--wait", "/bin/true"], env
                )
                best[name] = min(best[name], (took, cpu))
        (quiet, quiet_cpu), (progress, progress_cpu) = best["quiet"], best["progress"]
        ids = subprocess.run(
            [fxsub, many, "/bin/true"], env=env, capture_output=True, text=True, check=True
        ).stdout.split()
        took, chunks, rss, _ = on_terminal([fxwatch, *ids], env)
        frames = most_frames_in_a_second(chunks, b"done  ")
        plain_took, _, plain_rss, _ = on_terminal([fxwatch, *ids], env, stderr_tty=False)
    finally:
        subprocess.run([f"{BIN}/fx", "instance", "stop"], env=env, capture_output=True)
    print(
        f"{jobs} jobs of /bin/true on a private instance, on a pseudo-terminal (best of {rounds})"
    )
    report(
        [
            ("fxsub --quiet --wait (baseline)", quiet, "s"),
            ("  its CPU time", quiet_cpu, "s"),
            ("fxsub --progress --wait", progress, "s"),
            ("  its CPU time", progress_cpu, "s"),
            ("  --progress / --quiet", progress / quiet, "x  (target <= 1.10)"),
            ("fxwatch, live region", took, "s"),
            ("  most frames in one second", frames, "   (target <= 10)"),
            ("  peak RSS", rss, "MB"),
            ("fxwatch, plain lines (baseline)", plain_took, "s"),
            ("  peak RSS", plain_rss, "MB"),
        ]
    )


if __name__ == "__main__":
    main()
