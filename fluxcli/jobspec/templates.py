"""The two template languages of job options, shared by every backend and command.

- Mustache tags (``{{id}}``, ``{{tmpdir}}``, ``{{task.rank}}`` ...) are the job
  shell's: the submitting tools pass them through verbatim and a backend
  renders them when the job runs (``render``, ``has_task_tags``).
- Python format fields (``{cc}``, bulksubmit's ``{}``, ``{0.%}``, ``{seq}``)
  are the submitting tools': they are replaced before the jobspec is built,
  with any mustache tag protected (``protected_format``).
"""

from __future__ import annotations

import re

from .jobid import id_encode

_TAG = re.compile(r"\{\{([^{}]+)\}\}")
# mustache braces are swapped for these while str.format runs (as Flux does)
_OPEN, _CLOSE = "=stache=", "=/stache="


def render(text: str, job: dict, task: dict | None = None, node: dict | None = None) -> str:
    """Replace the known tags of ``text``; unknown tags stay as they are (as in Flux).

    ``job`` holds ``id``, ``name``, ``nnodes``, ``ntasks`` and ``tmpdir``;
    ``task`` (``rank``, ``localid``) and ``node`` (``rank``, ``hostname``,
    ``cores``, ``cores_idset``, ``gpus_idset``) when rendering per task or node.
    """

    def value(match: re.Match) -> str:
        tag = match.group(1).strip()
        found = _lookup(tag, job, task, node)
        return match.group(0) if found is None else str(found)

    return _TAG.sub(value, text)


def has_task_tags(text: str) -> bool:
    """True when a template names task- or node-specific values (one file per task/node)."""
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


def protected_format(text: str, *args: object, **kwargs: object) -> str:
    """``text.format(*args, **kwargs)`` leaving every ``{{...}}`` mustache tag untouched.

    Raises what ``str.format`` raises (IndexError, KeyError, ValueError,
    AttributeError) for a field it cannot fill.
    """
    text = text.replace("{{", _OPEN).replace("}}", _CLOSE)
    text = text.format(*args, **kwargs)
    return text.replace(_OPEN, "{{").replace(_CLOSE, "}}")
