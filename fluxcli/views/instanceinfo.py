"""The ``instance.*`` fields of a job that runs an instance of its own (fxjobs -o).

``instance.stats.total`` (jobs in it), ``instance.utilization`` and
``instance.gpu_utilization`` (allocated share of its cores and GPUs),
``instance.progress`` (inactive share of its jobs), and
``instance.resources.{all,up,down,allocated,free}.{ncores,ngpus,nnodes}``.
"""

from __future__ import annotations


class Counts:
    """Nodes, cores and GPUs of one resource state."""

    def __init__(self, nodes: list[dict]):
        self.nnodes = len({node["rank"] for node in nodes})
        self.ncores = sum(node["ncores"] for node in nodes)
        self.ngpus = sum(node["ngpus"] for node in nodes)


class Resources:
    """An instance's resources by state, from ``Backend.resource_list()``."""

    def __init__(self, by_state: dict[str, list[dict]]):
        free, allocated, down = (by_state.get(k, []) for k in ("free", "allocated", "down"))
        self.free, self.allocated, self.down = Counts(free), Counts(allocated), Counts(down)
        self.up = Counts(free + allocated)
        self.all = Counts(free + allocated + down)


class Stats:
    """An instance's job counts (a JobStats), shown as ``PD:n R:n CD:n F:n``."""

    def __init__(self, stats):
        count, result = stats.states.get, stats.results.get
        self.total = sum(stats.states.values())
        self.inactive = count("INACTIVE", 0)
        self.pending = count("DEPEND", 0) + count("PRIORITY", 0) + count("SCHED", 0)
        self.running = count("RUN", 0) + count("CLEANUP", 0)
        self.successful = result("COMPLETED", 0)
        self.failed = result("FAILED", 0) + result("TIMEOUT", 0) + result("CANCELED", 0)

    def __str__(self) -> str:
        return f"PD:{self.pending} R:{self.running} CD:{self.successful} F:{self.failed}"

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


class InstanceInfo:
    """What a running instance says of itself (its stats and resources)."""

    def __init__(self, stats, resources: dict[str, list[dict]]):
        self.stats = Stats(stats)
        self.resources = Resources(resources)

    @property
    def utilization(self):
        everything = self.resources.all.ncores
        return self.resources.allocated.ncores / everything if everything else ""

    @property
    def gpu_utilization(self):
        everything = self.resources.all.ngpus
        return self.resources.allocated.ngpus / everything if everything else ""

    @property
    def progress(self):
        return self.stats.inactive / self.stats.total if self.stats.total else ""
