"""A Slurm job's output, read from the files its tasks write as they grow.

Without ``--output``, each task writes ``out/ID.RANK.out`` and ``.err`` in the
backend's state directory (srun's ``%t``), so every chunk has its rank and
stream, as on the local backend. Streams redirected to the user's files are
not followed (as Flux, which writes them to the file only).
"""

from __future__ import annotations

import os
import queue
from collections.abc import Iterator, Sequence

from ..contract import JobEvent, OutputChunk
from ..iodata import encode_data
from .events import phase
from .translate import Shape, _io, is_batch, job_name

READ_SIZE = 1 << 16
TICK = 0.1  # seconds between looks at the files of a running job


def output_paths(spec: dict, name: str) -> list[str]:
    """The files a job's output goes to by the user's choice (``--output``/``--error``)."""
    output, _ = _io(spec)
    cwd = spec.get("attributes", {}).get("system", {}).get("cwd") or os.getcwd()
    paths = []
    for stream in ("stdout", "stderr"):
        spec_io = output.get(stream)
        if isinstance(spec_io, dict) and spec_io.get("type") == "file":
            path = str(spec_io["path"])
            for tag, value in (("id", name), ("jobid", name), ("name", job_name(spec))):
                path = path.replace(f"{{{{{tag}}}}}", value)
            path = os.path.join(cwd, path)
            if path not in paths:
                paths.append(path)
    return paths


class _Stream:
    """One task's stream in one file, read from where the last read ended."""

    def __init__(self, jobid: int, rank: int, stream: str, path: str):
        self.jobid, self.rank, self.stream, self.path = jobid, rank, stream, path
        self.offset = 0

    def read(self) -> Iterator[OutputChunk]:
        try:
            with open(self.path, "rb") as handle:
                handle.seek(self.offset)
                while data := handle.read(READ_SIZE):
                    self.offset += len(data)
                    yield OutputChunk(self.jobid, str(self.rank), self.stream, data)
        except FileNotFoundError:
            return


def _streams(backend, jobid: int) -> list[_Stream]:
    spec = backend.saved(jobid).get("jobspec") or {}
    if not spec or is_batch(spec):
        return []
    output, _ = _io(spec)
    name = backend.format_id(jobid)
    out_dir = backend.saved(jobid).get("out") or backend.files.out
    streams = []
    for rank in range(Shape(spec).ntasks):
        for stream in ("stdout", "stderr"):
            redirected = stream in output or (stream == "stderr" and "stdout" in output)
            if not redirected:
                path = backend.files.output_file(name, rank, stream, out_dir)
                streams.append(_Stream(jobid, rank, stream, path))
    return streams


def follow_output(backend, jobids: Sequence[int], follow: bool) -> Iterator[OutputChunk]:
    """Each job's output until it is inactive (or what there is now), then end of file."""
    streams = {jobid: _streams(backend, jobid) for jobid in jobids}
    pending = set(jobids)
    subscription = backend.poller.subscribe(jobids)
    try:
        while pending:
            try:
                snapshots = subscription.get(timeout=TICK)
            except queue.Empty:
                snapshots = {}
            for jobid in [j for j in jobids if j in pending]:
                snap = snapshots.get(jobid, ...)
                ended = snap is None or (snap is not ... and phase(snap) == "inactive")
                for stream in streams[jobid]:
                    yield from stream.read()
                if ended or (not follow and snap is not ...):
                    for stream in streams[jobid]:
                        yield OutputChunk(jobid, str(stream.rank), stream.stream, eof=True)
                    pending.discard(jobid)
                    subscription.done_with(jobid)
    finally:
        subscription.close()


def output_events(backend, jobids: Sequence[int], follow: bool) -> Iterator[JobEvent]:
    """The output eventlog (RFC 24): a header, then a data event per chunk."""
    seqs = {}
    for jobid in jobids:
        seqs[jobid] = 1
        header = {"version": 1, "encoding": {"stdout": "UTF-8", "stderr": "UTF-8"}}
        yield JobEvent(jobid, 0, "header", _time(), header, "output")
    for chunk in follow_output(backend, jobids, follow):
        context = {"stream": chunk.stream, "rank": chunk.rank}
        if chunk.eof:
            context["eof"] = True
        else:
            context.update(encode_data(chunk.data))
        yield JobEvent(chunk.jobid, seqs[chunk.jobid], "data", _time(), context, "output")
        seqs[chunk.jobid] += 1


def _time() -> float:
    import time

    return time.time()
