"""Submitting jobspecs with sbatch: copies that differ only by ``{cc}`` become one job array.

``fxsub --cc=1-500`` gives 500 jobspecs; when they are the same but for the
copy number in the command words and environment values (and
``FLUX_JOB_CC``), they go to Slurm as one ``sbatch --array=1-500`` whose
script reads the number from ``$SLURM_ARRAY_TASK_ID``. Anything else is
submitted one sbatch per job.
"""

from __future__ import annotations

import copy
import json
import time

from fluxcli.errors import BackendError

from .client import SlurmError, run, sbatch_environment
from .jobids import array_element, plain
from .translate import sbatch_options, script

CC = "\x00fx-cc\x00"  # stands for the copy number in a template jobspec
MIN_ARRAY = 2


def as_dict(jobspec) -> dict:
    """A jobspec given as text, a dict or a Jobspec, as a dict."""
    if isinstance(jobspec, dict):
        return jobspec
    if isinstance(jobspec, (str, bytes)):
        return json.loads(jobspec)
    return jobspec.jobspec


def problem(jobspec: dict) -> str | None:
    """Why Slurm cannot take ``jobspec`` at all (None if it can)."""
    tasks = jobspec.get("tasks")
    if not isinstance(tasks, list) or len(tasks) != 1:
        return "the jobspec must have exactly one task group"
    command = tasks[0].get("command") if isinstance(tasks[0], dict) else None
    if not isinstance(command, list) or not command:
        return "the jobspec's task has no command"
    return None


def _cc(jobspec: dict) -> int | None:
    env = jobspec.get("attributes", {}).get("system", {}).get("environment") or {}
    value = env.get("FLUX_JOB_CC")
    return int(value) if isinstance(value, str) and value.isdigit() else None


def _template(first, other, c0: str, ci: str, path: tuple):
    """``first`` with its copy number replaced by CC where ``other`` differs by it; None if not."""
    if isinstance(first, dict) and isinstance(other, dict):
        if first.keys() != other.keys():
            return None
        out = {}
        for key in first:
            value = _template(first[key], other[key], c0, ci, (*path, key))
            if value is None and first[key] is not None:
                return None
            out[key] = value
        return out
    if isinstance(first, list) and isinstance(other, list):
        if len(first) != len(other):
            return None
        out_list = [
            _template(a, b, c0, ci, (*path, i))
            for i, (a, b) in enumerate(zip(first, other, strict=False))
        ]
        return (
            None
            if any(v is None and a is not None for v, a in zip(out_list, first, strict=False))
            else out_list
        )
    if first == other:
        return first
    varying = path[:3] == ("tasks", 0, "command") or path[:3] == (
        "attributes",
        "system",
        "environment",
    )
    if varying and isinstance(first, str) and isinstance(other, str) and c0 in first:
        if first.replace(c0, ci) == other:
            return first.replace(c0, CC)
    return None


def array_template(specs: list[dict]) -> tuple[dict, list[int]] | None:
    """(template jobspec, array indices) when ``specs`` are copies differing only by ``{cc}``."""
    if len(specs) < MIN_ARRAY:
        return None
    ccs = [_cc(s) for s in specs]
    if None in ccs:  # --bcc, or no copies: only identical jobspecs qualify
        if any(s != specs[0] for s in specs[1:]):
            return None
        return specs[0], list(range(len(specs)))
    if len(set(ccs)) != len(ccs):
        return None
    template = None
    for spec, cc in zip(specs[1:], ccs[1:], strict=False):
        candidate = _template(specs[0], spec, str(ccs[0]), str(cc), ())
        if candidate is None or (template is not None and candidate != template):
            return None
        template = candidate
    return template, ccs


def array_text(indices: list[int]) -> str:
    """Indices as Slurm's ``--array`` list (ranges where consecutive)."""
    parts: list[str] = []
    start = prev = indices[0]
    for index in [*indices[1:], None]:
        if index is not None and index == prev + 1:
            prev = index
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if index is not None:
            start = prev = index
    return ",".join(parts)


def sbatch(options: list[str], text: str) -> int:
    """Run sbatch with the script on its stdin; the new job's id."""
    out = run(["sbatch", *options], input=text, env=sbatch_environment()).strip()
    head = out.split(";")[0].strip()
    if not head.isdigit():
        raise SlurmError(f"sbatch said: {out!r}")
    return int(head)


def submit_one(spec: dict, urgency: int, out_dir: str) -> int:
    return plain(sbatch(sbatch_options(spec, urgency, out_dir), script(spec, out_dir)))


def submit_array(template: dict, indices: list[int], urgency: int, out_dir: str) -> list[int]:
    """One sbatch for every copy; their ids (array elements)."""
    spec = copy.deepcopy(template)
    text = script(spec, out_dir, array=True).replace(CC, "'\"$SLURM_ARRAY_TASK_ID\"'")
    options = sbatch_options(spec, urgency, out_dir, array=array_text(indices))
    array_id = sbatch(options, text)
    return [array_element(array_id, i) for i in indices]


def submit_all(
    specs: list[dict], urgency: int, out_dir: str
) -> list[tuple[int | BackendError, float]]:
    """Submit ``specs`` (same urgency and flags); each result with the time it was submitted."""
    found = array_template(specs)
    if found is not None:
        template, indices = found
        try:
            ids = submit_array(template, indices, urgency, out_dir)
            now = time.time()
            return [(jobid, now) for jobid in ids]
        except SlurmError:
            pass  # e.g. an index beyond MaxArraySize: one sbatch per copy
    results: list[tuple[int | BackendError, float]] = []
    for spec in specs:
        try:
            results.append((submit_one(spec, urgency, out_dir), time.time()))
        except BackendError as exc:
            results.append((exc, time.time()))
    return results
