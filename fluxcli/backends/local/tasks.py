"""Task layout, environment and process set-up for one job (what the job shell does)."""

from __future__ import annotations

import resource
from dataclasses import dataclass

from fluxcli.jobspec.idset import encode_idset
from fluxcli.jobspec.jobid import id_encode
from fluxcli.jobspec.status import exit_code  # noqa: F401 - execution imports it from here
from fluxcli.jobspec.templates import render

_RLIMIT = {n[7:].lower(): getattr(resource, n) for n in dir(resource) if n.startswith("RLIMIT_")}


@dataclass
class Task:
    """One task: global rank, index on its node, and the node it runs on."""

    rank: int
    localid: int
    node: dict


def layout(jobspec: dict, alloc, nodes) -> list[Task]:
    """Place tasks on the allocated nodes (block order, as Flux's default taskmap)."""
    options = jobspec["attributes"]["system"].get("shell", {}).get("options", {})
    per_resource = options.get("per-resource")
    count = jobspec["tasks"][0]["count"]
    node_info = []
    for rank in sorted(alloc.cores):
        node = nodes[rank]
        cores = alloc.cores[rank]
        gpus = alloc.gpus.get(rank, [])
        node_info.append(
            {
                "rank": rank,
                "hostname": node.hostname,
                "cores": cores,
                "gpus": gpus,
                "cores_idset": encode_idset(cores),
                "gpus_idset": encode_idset(gpus),
            }
        )
    per_node: list[int]
    if per_resource:
        n = int(per_resource.get("count", 1))
        if per_resource.get("type") == "node":
            per_node = [n for _ in node_info]
        else:
            per_node = [n * len(info["cores"]) for info in node_info]
    else:
        slot_cores = _cores_per_slot(jobspec["resources"])
        slots = [max(1, len(info["cores"]) // slot_cores) for info in node_info]
        if "total" in count:
            total, per_node = count["total"], []
            remaining = total
            capacity = sum(slots)
            for i, s in enumerate(slots):
                share = -(-total * s // capacity) if i < len(slots) - 1 else remaining
                share = min(share, remaining)
                per_node.append(share)
                remaining -= share
        else:
            per_node = [s * count.get("per_slot", 1) for s in slots]
    tasks, rank = [], 0
    for info, n in zip(node_info, per_node, strict=True):
        for local in range(n):
            tasks.append(Task(rank, local, info))
            rank += 1
    return tasks


def _cores_per_slot(resources: list[dict]) -> int:
    for res in resources:
        if res["type"] == "slot":
            return sum(c["count"] for c in res.get("with", []) if c["type"] == "core") or 1
        found = _cores_per_slot(res.get("with", []))
        if found:
            return found
    return 1


def taskmap(tasks: list[Task]) -> dict:
    """RFC 34 taskmap of a block layout."""
    blocks: list[list[int]] = []
    by_node: dict[int, int] = {}
    for task in tasks:
        by_node[task.node["rank"]] = by_node.get(task.node["rank"], 0) + 1
    for index, (_, n) in enumerate(sorted(by_node.items())):
        if blocks and blocks[-1][2] == n and blocks[-1][0] + blocks[-1][1] == index:
            blocks[-1][1] += 1
        else:
            blocks.append([index, 1, n, 1])
    return {"version": 1, "map": blocks}


def task_environment(
    job: dict, task: Task, ntasks: int, nnodes: int, uri: str, tmpdir: str
) -> dict[str, str]:
    """The environment of one task: the job's plus Flux's task variables."""
    system = job["jobspec"]["attributes"]["system"]
    env = {str(k): str(v) for k, v in (system.get("environment") or {}).items()}
    env.update(
        FLUX_JOB_ID=id_encode(job["id"], "f58"),
        FLUX_JOB_SIZE=str(ntasks),
        FLUX_JOB_NNODES=str(nnodes),
        FLUX_TASK_RANK=str(task.rank),
        FLUX_TASK_LOCAL_ID=str(task.localid),
        FLUX_JOB_TMPDIR=tmpdir,
        FX_URI=uri,
        FLUX_URI=uri,
    )
    if task.node["gpus"]:
        env["CUDA_VISIBLE_DEVICES"] = ",".join(str(g) for g in task.node["gpus"])
    options = system.get("shell", {}).get("options", {})
    for var, template in (options.get("env-expand") or {}).items():
        env[var] = render(template, job, {"rank": task.rank, "localid": task.localid}, task.node)
    return env


def rlimit_numbers(rlimits: dict) -> dict[int, int]:
    """The jobspec's ``rlimit`` option by resource number (-1: unlimited); unknown names dropped."""
    numbers = {}
    for name, value in rlimits.items():
        limit = _RLIMIT.get(name)
        if limit is not None:
            numbers[limit] = -1 if value in (-1, None) else int(value)
    return numbers
