"""What Slurm cannot express, found before anything is submitted (the README's table, in code)."""

from __future__ import annotations

from collections.abc import Iterator

from .jobids import parse_id
from .translate import DEPENDENCY_SCHEMES, file_pattern, is_batch

# shell options (-o NAME) with a Slurm equivalent: the value each may take
SHELL_OPTIONS = {
    "output": None,
    "input": None,
    "rlimit": None,  # set with ulimit in the script; srun passes them on to the tasks
    "signal": None,
    "per-resource": None,  # fxbatch/fxalloc: one task per node
    "mpi": {"none", "pmi2", "pmix"},
    "exit-timeout": None,
    "exit-on-error": None,
    "cpu-affinity": {"on", "off", "per-task"},
    "taskmap": None,
}
# system attributes that change how a job runs and have no Slurm equivalent
REFUSED_ATTRIBUTES = {
    "exec": "test execution is a Flux feature",
    "alloc-bypass": "allocations cannot bypass Slurm's scheduler",
    "R": "a resource set cannot be given to Slurm",
}
TASKMAP_SCHEMES = {"block", "cyclic"}


def refusals(jobspec: dict, partitions: set[str] | None = None) -> Iterator[tuple[str, str]]:
    """``(option, reason)`` for each thing in ``jobspec`` Slurm cannot honour.

    ``partitions``: the cluster's partitions (a queue must name one).
    """
    system = jobspec.get("attributes", {}).get("system", {})
    tasks = jobspec.get("tasks") or []
    if len(tasks) > 1:
        yield "tasks", "a jobspec with more than one task group has no Slurm equivalent"
    command = (tasks[0].get("command") if tasks else None) or []
    if command[:2] == ["flux", "broker"] and not is_batch(jobspec):
        yield "fxalloc", "a job that is an instance of its own (fxalloc) cannot run on Slurm"
    queue = system.get("queue")
    if queue is not None and partitions is not None and str(queue) not in partitions:
        known = ", ".join(sorted(partitions)) or "none"
        yield f"--queue={queue}", f"no such partition (partitions: {known})"
    for name, reason in REFUSED_ATTRIBUTES.items():
        if name in system:
            yield f"--setattr=system.{name}", reason
    files = set(system.get("files") or {}) - ({"script"} if is_batch(jobspec) else set())
    for name in sorted(files):
        yield f"--add-file={name}", "files are not staged into Slurm jobs"
    yield from _shell_refusals(system.get("shell", {}).get("options", {}))
    yield from _dependency_refusals(system.get("dependencies") or [])
    if system.get("constraints"):
        yield from _constraint_refusals(system["constraints"])


def _shell_refusals(options: dict) -> Iterator[tuple[str, str]]:
    for name, value in options.items():
        if name not in SHELL_OPTIONS:
            yield f"-o {name}", "this shell option has no Slurm equivalent"
            continue
        allowed = SHELL_OPTIONS[name]
        if allowed is not None and str(value) not in allowed:
            yield f"-o {name}={value}", f"Slurm takes {', '.join(sorted(allowed))} only"
    taskmap = options.get("taskmap")
    if taskmap is not None:
        scheme = taskmap.get("scheme") if isinstance(taskmap, dict) else taskmap
        if scheme not in TASKMAP_SCHEMES:
            yield f"--taskmap={scheme}", "Slurm maps tasks block or cyclic only"
    for stream, spec in (options.get("output") or {}).items():
        if isinstance(spec, dict) and spec.get("type") == "file":
            try:
                file_pattern(str(spec.get("path", "")), False)
            except ValueError as exc:
                yield f"--{'error' if stream == 'stderr' else 'output'}", str(exc)
    stdin = (options.get("input") or {}).get("stdin")
    if isinstance(stdin, dict) and stdin.get("type") != "file":
        yield "--input", "only a file can be a Slurm job's input"


def _dependency_refusals(dependencies: list) -> Iterator[tuple[str, str]]:
    for dep in dependencies:
        scheme, value = dep.get("scheme"), dep.get("value")
        if scheme in DEPENDENCY_SCHEMES:
            try:
                parse_id(str(value))
            except ValueError:
                yield f"--dependency={scheme}:{value}", "Slurm dependencies name Slurm job ids"
        elif scheme not in ("singleton", "begin-time"):
            yield f"--dependency={scheme}:{value}", "this dependency has no Slurm equivalent"


def _constraint_refusals(constraint, inside_or: bool = False) -> Iterator[tuple[str, str]]:
    if not isinstance(constraint, dict):
        yield "--requires", "a constraint must be an object"
        return
    for operator, value in constraint.items():
        if operator == "properties":
            if any(str(p).startswith("^") for p in value):
                yield "--requires", "Slurm cannot exclude a feature (^property)"
        elif operator == "hostlist" and not inside_or:
            continue
        elif operator == "and" and not inside_or:
            for child in value:
                yield from _constraint_refusals(child)
        elif operator == "or" and not inside_or:
            for child in value:
                if set(child) != {"properties"}:
                    yield "--requires", "Slurm's alternatives (|) are between features only"
                yield from _constraint_refusals(child, inside_or=True)
        else:
            yield "--requires", f"the constraint operator '{operator}' has no Slurm equivalent"
