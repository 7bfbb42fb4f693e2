"""In-memory state of one active job in the local instance."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fluxcli.jobspec.status import SubmitFlag

# job flags (RFC 21 submit context), plain ints: ``flags & ~VALID_FLAGS`` must see every bit
FLAG_DEBUG = int(SubmitFlag.DEBUG)
FLAG_WAITABLE = int(SubmitFlag.WAITABLE)
FLAG_NOVALIDATE = int(SubmitFlag.NOVALIDATE)
VALID_FLAGS = FLAG_DEBUG | FLAG_WAITABLE | FLAG_NOVALIDATE | int(SubmitFlag.PRE_SIGNED)

PRIORITY_MAX = 4294967295


def priority_of(urgency: int) -> int:
    """Flux's default priority plugin: hold → 0, expedite → max, else urgency."""
    if urgency == 31:
        return PRIORITY_MAX
    return urgency


@dataclass
class Job:
    """An active job: its record, jobspec, event counters, resources and execution."""

    id: int
    userid: int
    urgency: int
    flags: int
    jobspec: dict
    name: str
    t_submit: float
    state: str = "NEW"
    priority: int = 0
    seq: dict[str, int] = field(default_factory=dict)
    deps: set[str] = field(default_factory=set)
    request: Any = None
    alloc: Any = None
    execution: Any = None
    t_run: float | None = None
    fatal: dict | None = None
    stdin_mode: str = "null"
    duration: float = 0.0
    stdin_buffer: list = field(default_factory=list)
    stdin_waiters: list = field(default_factory=list)
    umask: int = 0o022
    queue_key: tuple = ()
    unsatisfiable: str | None = None

    def next_seq(self, log: str) -> int:
        """Sequence number for the next event of ``log``."""
        value = self.seq.get(log, 0)
        self.seq[log] = value + 1
        return value

    @property
    def ntasks(self) -> int:
        """Tasks the jobspec asks for (before allocation)."""
        count = self.jobspec["tasks"][0]["count"]
        if "total" in count:
            return count["total"]
        slots = 1
        for res in self.jobspec["resources"]:
            slots = _slots(res, 1)
        return slots * count.get("per_slot", 1)


def _slots(res: dict, mult: int) -> int:
    count = res["count"] if isinstance(res["count"], int) else 1
    if res["type"] == "slot":
        return mult * count
    for child in res.get("with", []):
        return _slots(child, mult * count)
    return mult
