"""The job shell's mustache tags (``{{id}}``, ``{{tmpdir}}``, ``{{task.rank}}`` ...)."""

from __future__ import annotations

import re

from fluxcli.jobspec.jobid import id_encode

_TAG = re.compile(r"\{\{([^{}]+)\}\}")


def render(text: str, job: dict, task: dict | None = None, node: dict | None = None) -> str:
    """Replace known tags; unknown tags stay as they are (as in Flux)."""

    def value(match: re.Match) -> str:
        tag = match.group(1).strip()
        found = _lookup(tag, job, task, node)
        return match.group(0) if found is None else str(found)

    return _TAG.sub(value, text)


def has_task_tags(text: str) -> bool:
    """True when a template names task- or node-specific values."""
    return any(t.startswith(("task", "node")) for t in _TAG.findall(text))


def _lookup(tag: str, job: dict, task: dict | None, node: dict | None):
    if tag in ("id", "jobid"):
        return id_encode(job["id"], "f58")
    if tag.startswith(("id.", "jobid.")):
        try:
            return id_encode(job["id"], tag.split(".", 1)[1])
        except OSError:
            return None
    simple = {
        "name": job.get("name"),
        "nnodes": job.get("nnodes"),
        "size": job.get("ntasks"),
        "ntasks": job.get("ntasks"),
        "tmpdir": job.get("tmpdir"),
    }
    if tag in simple:
        return simple[tag]
    if task is not None:
        if tag in ("taskid", "task.id", "task.rank"):
            return task["rank"]
        if tag in ("task.index", "task.localid"):
            return task["localid"]
    if node is not None:
        key = tag[5:] if tag.startswith("node.") else None
        mapping = {
            "id": node["rank"],
            "rank": node["rank"],
            "broker_rank": node["rank"],
            "name": node["hostname"],
            "cores": node.get("cores_idset"),
            "gpus": node.get("gpus_idset"),
            "ncores": len(node.get("cores", [])),
        }
        if key in mapping:
            return mapping[key]
    return None
