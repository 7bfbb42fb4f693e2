"""The instance's resources (cores and GPUs on one or more virtual nodes) and allocation."""

from __future__ import annotations

import math
import os
import socket
from dataclasses import dataclass, field

from fluxcli.jobspec.idset import encode_idset, parse_idset


@dataclass
class Node:
    """One node: its rank, hostname, cpu ids and gpu ids."""

    rank: int
    hostname: str
    cores: list[int]
    gpus: list[int] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "rank": self.rank,
            "hostname": self.hostname,
            "cores": self.cores,
            "gpus": self.gpus,
        }


@dataclass
class Request:
    """What a jobspec asks for, in the shapes the local scheduler understands."""

    nslots: int
    cores_per_slot: int
    gpus_per_slot: int
    nnodes: int | None
    exclusive: bool
    ranks: frozenset[int] | None = None  # the nodes RFC 31 constraints allow (None: all)


@dataclass
class Allocation:
    """Cores and GPUs granted on each node rank."""

    cores: dict[int, list[int]]
    gpus: dict[int, list[int]]

    def summary(self) -> str:
        """``rank0/core[0-1]`` as the reference annotates alloc events."""
        parts = []
        for rank in sorted(self.cores):
            cores = self.cores[rank]
            text = f"core{cores[0]}" if len(cores) == 1 else f"core[{encode_idset(cores)}]"
            gpus = self.gpus.get(rank) or []
            if gpus:
                text += f",gpu{gpus[0]}" if len(gpus) == 1 else f",gpu[{encode_idset(gpus)}]"
            parts.append(f"rank{rank}/{text}")
        return " ".join(parts)

    def to_dict(self) -> dict:
        return {
            "cores": {str(k): v for k, v in self.cores.items()},
            "gpus": {str(k): v for k, v in self.gpus.items()},
        }

    @classmethod
    def from_dict(cls, data: dict) -> Allocation:
        return cls(
            {int(k): v for k, v in data["cores"].items()},
            {int(k): v for k, v in data["gpus"].items()},
        )


def resource_set(record: dict, alloc: dict, nodes: list[Node]) -> dict:
    """RFC 20 R of a job: its allocation (``Allocation.to_dict``) on these nodes."""
    ranks = sorted(alloc["cores"], key=int)
    lite = []
    for rank in ranks:
        children = {"core": encode_idset(alloc["cores"][rank])}
        if alloc["gpus"].get(rank):
            children["gpu"] = encode_idset(alloc["gpus"][rank])
        lite.append({"rank": rank, "children": children})
    start = record.get("t_run") or 0.0
    duration = record.get("duration") or 0.0
    hosts = {node.rank: node.hostname for node in nodes}
    execution = {
        "R_lite": lite,
        "starttime": start,
        "expiration": start + duration if duration and start else 0.0,
        "nslots": record.get("ntasks") or len(lite),
        "nodelist": [hosts.get(int(rank), rank) for rank in ranks],
    }
    return {"version": 1, "execution": execution}


class Unsatisfiable(ValueError):
    """The request can never be met by this instance."""


def discover_gpus() -> list[int]:
    """GPU ids: FX_LOCAL_GPUS, else CUDA_VISIBLE_DEVICES, else what nvidia-smi lists."""
    value = os.environ.get("FX_LOCAL_GPUS", os.environ.get("CUDA_VISIBLE_DEVICES"))
    if value is None:
        return _nvidia_smi_gpus()
    if not value.strip():
        return []
    try:
        return [int(x) for x in value.split(",") if x.strip() != ""]
    except ValueError:
        return list(range(len(value.split(","))))


def _nvidia_smi_gpus() -> list[int]:
    import shutil
    import subprocess

    if not shutil.which("nvidia-smi"):
        return []
    try:
        out = subprocess.run(
            ["nvidia-smi", "-L"], capture_output=True, text=True, timeout=10
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [i for i, line in enumerate(out.splitlines()) if line.startswith("GPU ")]


def discover_nodes() -> list[Node]:
    """This machine's cores and GPUs, split into FX_LOCAL_NODES virtual nodes if set."""
    cpus = sorted(os.sched_getaffinity(0))
    if os.environ.get("FX_LOCAL_CORES"):
        cpus = parse_idset(os.environ["FX_LOCAL_CORES"])
    gpus = discover_gpus()
    count = max(1, int(os.environ.get("FX_LOCAL_NODES", "1")))
    host = socket.gethostname()
    if count == 1:
        return [Node(0, host, cpus, gpus)]
    per_node = max(1, int(os.environ.get("FX_LOCAL_CORES_PER_NODE", "0")) or len(cpus) // count)
    nodes = []
    for rank in range(count):
        cores = [cpus[(rank * per_node + i) % len(cpus)] for i in range(per_node)]
        node_gpus = gpus[rank::count]
        nodes.append(Node(rank, f"{host}-{rank}", cores, node_gpus))
    return nodes


def request_from_jobspec(resources: list[dict]) -> Request:
    """Read node/slot/core/gpu counts; raise Unsatisfiable for shapes we cannot place."""
    if len(resources) != 1:
        raise Unsatisfiable("unsatisfiable request: only one top-level resource is supported")
    top = resources[0]
    nnodes, exclusive, slot = None, False, top
    if top.get("type") == "node":
        nnodes, exclusive = _int(top["count"]), bool(top.get("exclusive", False))
        children = top.get("with", [])
        if len(children) != 1 or children[0].get("type") != "slot":
            raise Unsatisfiable("unsatisfiable request: a node must hold one slot")
        slot = children[0]
    if slot.get("type") != "slot":
        raise Unsatisfiable(
            f"unsatisfiable request: unsupported resource type '{slot.get('type')}'"
        )
    cores = gpus = 0
    for child in slot.get("with", []):
        if child.get("type") == "core":
            cores += _int(child["count"])
        elif child.get("type") == "gpu":
            gpus += _int(child["count"])
        elif child.get("type") == "node":
            nnodes, exclusive = _int(slot["count"]) * _int(child["count"]), True
            cores = max(cores, 1)
        else:
            raise Unsatisfiable(
                f"unsatisfiable request: unsupported resource type '{child.get('type')}'"
            )
    nslots = _int(slot["count"]) * (nnodes or 1) if top is not slot else _int(slot["count"])
    return Request(nslots, max(cores, 1), gpus, nnodes, exclusive)


def _int(count) -> int:
    if isinstance(count, int):
        return count
    raise Unsatisfiable("unsatisfiable request: resource counts must be integers")


def allowed_ranks(constraint: dict, nodes: list[Node]) -> frozenset[int]:
    """The node ranks an RFC 31 constraint admits (local nodes have no properties)."""
    from fluxcli.jobspec.hostlist import decode_hostlist

    def admits(node: Node, term: dict) -> bool:
        for operator, value in term.items():
            values = value if isinstance(value, list) else [value]
            if operator == "and" and not all(admits(node, t) for t in values):
                return False
            if operator == "or" and not any(admits(node, t) for t in values):
                return False
            if operator == "not" and any(admits(node, t) for t in values):
                return False
            if operator == "hostlist" and not any(
                node.hostname in decode_hostlist(v) for v in values
            ):
                return False
            if operator == "ranks" and not any(node.rank in parse_idset(v) for v in values):
                return False
            if operator == "properties":
                # only negated properties ("^name") hold on a node without properties
                if not all(isinstance(v, str) and v.startswith("^") for v in values):
                    return False
        return True

    try:
        return frozenset(n.rank for n in nodes if admits(n, constraint))
    except ValueError as exc:
        raise Unsatisfiable(f"unsatisfiable request: {exc}")


class ResourcePool:
    """Free cores and GPUs per node; places requests."""

    def __init__(self, nodes: list[Node]):
        self.nodes = nodes
        self.free_cores = {n.rank: list(n.cores) for n in nodes}
        self.free_gpus = {n.rank: list(n.gpus) for n in nodes}

    def free(self) -> dict[str, dict[str, list[int]]]:
        """The idle cores and GPUs of each node (by rank, as text)."""
        return {
            str(n.rank): {"cores": self.free_cores[n.rank], "gpus": self.free_gpus[n.rank]}
            for n in self.nodes
        }

    @property
    def total_cores(self) -> int:
        return sum(len(n.cores) for n in self.nodes)

    def usable(self, req: Request) -> list[Node]:
        """The nodes ``req`` may use."""
        if req.ranks is None:
            return self.nodes
        return [n for n in self.nodes if n.rank in req.ranks]

    def check(self, req: Request) -> None:
        """Raise Unsatisfiable if ``req`` cannot fit even on an idle instance."""
        nodes = self.usable(req)
        if not nodes:
            raise Unsatisfiable("unsatisfiable request: no node matches the constraints")
        if req.nnodes is not None:
            if req.nnodes > len(nodes):
                raise Unsatisfiable(
                    f"unsatisfiable request: need {req.nnodes} node(s), only {len(nodes)} available"
                )
            per_node = math.ceil(req.nslots / req.nnodes)
            fitting = [
                n
                for n in nodes
                if len(n.cores) >= per_node * req.cores_per_slot
                and len(n.gpus) >= per_node * req.gpus_per_slot
            ]
            if len(fitting) < req.nnodes:
                raise Unsatisfiable(
                    f"unsatisfiable request: need {req.nnodes} node(s) with {per_node} slot(s) of "
                    f"{req.cores_per_slot} core(s), only {len(fitting)} available"
                )
            return
        slots = sum(
            min(
                len(n.cores) // req.cores_per_slot,
                len(n.gpus) // req.gpus_per_slot if req.gpus_per_slot else len(n.cores),
            )
            for n in nodes
        )
        if slots < req.nslots:
            detail = f"{req.cores_per_slot} core(s)"
            if req.gpus_per_slot:
                detail += f", {req.gpus_per_slot} gpu(s)"
            raise Unsatisfiable(
                f"unsatisfiable request: need {req.nslots} slot(s) of {detail}, only {slots} such "
                f"slot(s) available (total cores: {self.total_cores})"
            )

    def allocate(self, req: Request) -> Allocation | None:
        """Take resources for ``req`` now, or return None if they are busy."""
        plan_cores: dict[int, list[int]] = {}
        plan_gpus: dict[int, list[int]] = {}
        if req.nnodes is not None:
            per_node = math.ceil(req.nslots / req.nnodes)
            chosen = []
            for node in self.usable(req):
                free_c, free_g = self.free_cores[node.rank], self.free_gpus[node.rank]
                if req.exclusive:
                    if (
                        len(free_c) == len(node.cores)
                        and len(free_g) == len(node.gpus)
                        and len(node.cores) >= per_node * req.cores_per_slot
                    ):
                        chosen.append((node.rank, list(free_c), list(free_g)))
                elif (
                    len(free_c) >= per_node * req.cores_per_slot
                    and len(free_g) >= per_node * req.gpus_per_slot
                ):
                    chosen.append(
                        (
                            node.rank,
                            free_c[: per_node * req.cores_per_slot],
                            free_g[: per_node * req.gpus_per_slot],
                        )
                    )
                if len(chosen) == req.nnodes:
                    break
            if len(chosen) < req.nnodes:
                return None
            for rank, cores, gpus in chosen:
                plan_cores[rank], plan_gpus[rank] = cores, gpus
        else:
            remaining = req.nslots
            for node in self.usable(req):
                free_c, free_g = self.free_cores[node.rank], self.free_gpus[node.rank]
                fit = len(free_c) // req.cores_per_slot
                if req.gpus_per_slot:
                    fit = min(fit, len(free_g) // req.gpus_per_slot)
                take = min(fit, remaining)
                if take:
                    plan_cores[node.rank] = free_c[: take * req.cores_per_slot]
                    plan_gpus[node.rank] = free_g[: take * req.gpus_per_slot]
                    remaining -= take
                if not remaining:
                    break
            if remaining:
                return None
        for rank, cores in plan_cores.items():
            self.free_cores[rank] = [c for c in self.free_cores[rank] if c not in cores]
            self.free_gpus[rank] = [
                g for g in self.free_gpus[rank] if g not in plan_gpus.get(rank, [])
            ]
        return Allocation(plan_cores, plan_gpus)

    def release(self, alloc: Allocation) -> None:
        """Give an allocation's resources back."""
        for rank, cores in alloc.cores.items():
            node = self.nodes[rank]
            self.free_cores[rank] = [
                c for c in node.cores if c in set(self.free_cores[rank]) | set(cores)
            ]
            self.free_gpus[rank] = [
                g
                for g in node.gpus
                if g in set(self.free_gpus[rank]) | set(alloc.gpus.get(rank, []))
            ]
