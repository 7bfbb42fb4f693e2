"""What the local instance cannot honour, found before anything is submitted."""

from __future__ import annotations

from collections.abc import Iterator

# RFC 31 constraint operators the local scheduler evaluates
CONSTRAINT_OPERATORS = {"properties", "hostlist", "ranks", "and", "or", "not"}
TASKMAP_SCHEMES = {"block", "cyclic", "manual"}


def refusals(jobspec: dict) -> Iterator[tuple[str, str]]:
    """``(option, reason)`` for each thing in ``jobspec`` the local backend would ignore."""
    system = jobspec.get("attributes", {}).get("system", {})
    if system.get("queue") is not None:
        yield f"--queue={system['queue']}", "there are no queues"
    if system.get("bank") is not None:
        yield f"--bank={system['bank']}", "there are no banks"
    constraints = system.get("constraints")
    if constraints:
        for operator in _operators(constraints):
            if operator not in CONSTRAINT_OPERATORS:
                yield "--requires", f"unknown constraint operator '{operator}'"
    options = system.get("shell", {}).get("options", {})
    taskmap = options.get("taskmap")
    if isinstance(taskmap, dict) and taskmap.get("scheme") not in TASKMAP_SCHEMES:
        yield (
            f"--taskmap={taskmap.get('scheme')}",
            f"tasks are mapped by {', '.join(sorted(TASKMAP_SCHEMES))} only",
        )


def _operators(constraint) -> Iterator[str]:
    if not isinstance(constraint, dict):
        return
    for operator, value in constraint.items():
        yield operator
        if operator in ("and", "or", "not") and isinstance(value, list):
            for child in value:
                yield from _operators(child)
