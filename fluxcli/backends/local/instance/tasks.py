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
        slots = _slots_per_node(jobspec["resources"], node_info)
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
    order = _task_order(options.get("taskmap"), per_node)
    tasks = []
    for rank, index in enumerate(order):
        info = node_info[index]
        localid = sum(1 for i in order[:rank] if i == index)
        tasks.append(Task(rank, localid, info))
    return tasks


def _slots_per_node(resources: list[dict], node_info: list[dict]) -> list[int]:
    """Slots on each allocated node: as requested under a node, else what the cores hold."""
    top = resources[0] if resources else {}
    children = top.get("with", []) if top.get("type") == "node" else []
    if len(children) == 1 and children[0].get("type") == "slot":
        count = children[0].get("count")
        if isinstance(count, int):
            return [count for _ in node_info]
    slot_cores = _cores_per_slot(resources)
    return [max(1, len(info["cores"]) // slot_cores) for info in node_info]


def _task_order(taskmap, per_node: list[int]) -> list[int]:
    """The node index of each task rank, by the RFC 34 scheme asked for (block by default)."""
    scheme = taskmap.get("scheme") if isinstance(taskmap, dict) else "block"
    value = taskmap.get("value", "") if isinstance(taskmap, dict) else ""
    if scheme == "cyclic":
        step = int(value or 1)
        left, order = list(per_node), []
        while any(left):
            for index, n in enumerate(left):
                take = min(step, n)
                order += [index] * take
                left[index] -= take
        return order
    if scheme == "manual":
        import json

        order = []
        blocks = json.loads(value) if isinstance(value, str) else value
        for block in blocks:
            first, nnodes, ppn, repeat = block
            for _ in range(repeat):
                for index in range(first, first + nnodes):
                    order += [index] * ppn
        if len(order) != sum(per_node) or not all(0 <= i < len(per_node) for i in order):
            raise ValueError(f"taskmap: manual map {value} does not fit the job's tasks and nodes")
        return order
    if scheme not in (None, "block"):
        raise ValueError(f"taskmap: scheme {scheme} is not supported")
    return [index for index, n in enumerate(per_node) for _ in range(n)]


def _cores_per_slot(resources: list[dict]) -> int:
    for res in resources:
        if res["type"] == "slot":
            return sum(c["count"] for c in res.get("with", []) if c["type"] == "core") or 1
        found = _cores_per_slot(res.get("with", []))
        if found:
            return found
    return 1


def taskmap(tasks: list[Task]) -> dict:
    """The RFC 34 taskmap of a layout: ``[first node, nodes, tasks per node, repeat]`` blocks."""
    index = {rank: i for i, rank in enumerate(sorted({t.node["rank"] for t in tasks}))}
    runs: list[list[int]] = []  # [node index, consecutive tasks there]
    for task in tasks:
        node = index[task.node["rank"]]
        if runs and runs[-1][0] == node:
            runs[-1][1] += 1
        else:
            runs.append([node, 1])
    blocks: list[list[int]] = []
    for node, count in runs:
        last = blocks[-1] if blocks else None
        if last and last[3] == 1 and last[2] == count and last[0] + last[1] == node:
            last[1] += 1
        else:
            blocks.append([node, 1, count, 1])
    merged: list[list[int]] = []
    for block in blocks:  # identical blocks in a row are one block repeated
        if merged and merged[-1][:3] == block[:3]:
            merged[-1][3] += block[3]
        else:
            merged.append(block)
    return {"version": 1, "map": merged}


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
