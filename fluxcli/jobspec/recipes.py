"""The one jobspec builder: what fxsub/fxrun/fxbulksubmit, fxbatch and fxalloc build.

Two doors lead here: the commands, with their options namespace
(``submit_from_args``, ``alloc_from_args``, ``batch_from_args``), and
``JobspecV1.from_submit/from_alloc/from_batch``, with keyword arguments.
Both go through the same builders (``task_jobspec``, ``alloc_jobspec``,
``batch_jobspec``), which lay out resources, tasks and per-job attributes;
``apply_options`` then adds environment, limits, dependencies, time limit
... Each value is written once, and the namespace is never changed: plugins
see what the user typed. Plugins are not run here: the command pipeline
runs them, and ``apply_options(prog=...)`` does for Python callers.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields

from .conf import BatchConfig, as_batch_config
from .idset import encode_idset, is_idset, parse_idset
from .rlimits import list_split
from .v1 import JobspecV1

TYPE_CHECKING = False  # typing is not imported at run time: start-up matters
if TYPE_CHECKING:
    from typing import Any

BATCH_OUTPUT = "flux-{{id}}.out"  # fxbatch's default --output
SHEBANG = "#!/bin/sh\n"  # what --wrap puts in front of a script
COUNT_MAX = 2**63 - 1  # a resource count no instance can hold beyond this (int64)
_TASK_INTS = (
    "ntasks",
    "nodes",
    "cores",
    "cores_per_task",
    "gpus_per_task",
    "tasks_per_node",
    "tasks_per_core",
    "gpus_per_node",
)
_SLOT_INTS = ("nslots", "nodes", "cores_per_slot", "gpus_per_slot", "add_brokers")


@dataclass
class JobAttrs:
    """Per-job attributes every recipe sets alike (the factories' keyword arguments)."""

    name: str | None = None
    queue: str | None = None
    bank: str | None = None
    cwd: str | None = None
    input: str | None = None
    output: str | None = None
    error: str | None = None
    label_io: bool = False
    unbuffered: bool = False

    def factory_kwargs(self) -> dict:
        """Keyword arguments for ``from_command`` and friends.

        The environment is an empty placeholder that keeps the reference's
        key order: ``apply_options`` fills it, once.
        """
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return {"environment": {}, **values}


@dataclass
class TaskShape:
    """Resources of fxsub/fxrun/fxbulksubmit: per task (-n -c -g) or per resource (--cores ...)."""

    ntasks: int | None = 1
    cores_per_task: int | None = 1
    gpus_per_task: int | None = None
    nodes: int | None = None
    exclusive: bool = False
    cores: int | None = None
    tasks_per_node: int | None = None
    tasks_per_core: int | None = None
    gpus_per_node: int | None = None

    @property
    def per_resource(self) -> bool:
        """True when resources are counted per node/core rather than per task."""
        return any(
            value is not None
            for value in (self.tasks_per_node, self.tasks_per_core, self.gpus_per_node, self.cores)
        )


@dataclass
class InstanceShape:
    """Resources and broker set-up of a nested instance (fxbatch, fxalloc)."""

    nslots: int
    nodes: int | None = None
    cores_per_slot: int | None = 1
    gpus_per_slot: int | None = None
    exclusive: bool = False
    broker_opts: list[str] = field(default_factory=list)
    conf: BatchConfig = field(default_factory=BatchConfig)
    add_brokers: int = 0

    @classmethod
    def resolve(
        cls, nslots: int | None, nodes: int | None, exclusive: bool, missing: str, **kwargs: Any
    ) -> InstanceShape:
        """Without a slot count, one slot per node, exclusively; ``missing`` when neither is given.

        ``broker_opts`` may be a list or one comma-separated string; empty
        entries are dropped (``--broker-opts=`` adds nothing). ``conf`` is
        anything ``as_batch_config`` takes.
        """
        if nslots is None:
            if nodes is None:
                raise ValueError(missing)
            nslots, exclusive = nodes, True
        kwargs["broker_opts"] = [o for o in list_split(kwargs.get("broker_opts")) if o]
        # a copy: --add-brokers adds exclusions, the caller's --conf stays as given
        kwargs["conf"] = as_batch_config(kwargs.get("conf")).copy()
        kwargs["add_brokers"] = max(kwargs.get("add_brokers") or 0, 0)
        return cls(nslots, nodes=nodes, exclusive=exclusive, **kwargs)

    def nest_kwargs(self) -> dict:
        """Keyword arguments of ``from_nest_command``/``from_batch_command``."""
        return {
            "num_slots": self.nslots,
            "cores_per_slot": self.cores_per_slot,
            "gpus_per_slot": self.gpus_per_slot,
            "num_nodes": self.nodes,
            "broker_opts": self.broker_opts,
            "exclusive": self.exclusive,
            "conf": self.conf.config,
        }

    def place_extra_brokers(self) -> str | None:
        """``--add-brokers``: exclude their ranks in the config; the taskmap putting them on node 0.

        None without extra brokers.
        """
        if not self.add_brokers:
            return None
        if not self.nodes:
            raise ValueError("--add-brokers may only be specified with -N, --nnodes")
        extra, nodes = self.add_brokers, self.nodes
        # the extra brokers must not run jobs: exclude their ranks (and keep the user's)
        excluded = self.conf.get("resource.exclude")
        ranks = set(range(1, extra + 1))
        if isinstance(excluded, str):
            ranks |= set(parse_idset(excluded))
        elif isinstance(excluded, int):
            ranks.add(excluded)
        self.conf.update_keyval(f'resource.exclude="{encode_idset(ranks)}"')
        return f"manual:[[0,1,{1 + extra},1],[1,{nodes - 1},1,1]]"


def task_jobspec(
    command: Any, shape: TaskShape, attrs: JobAttrs, cls: type[JobspecV1] = JobspecV1
) -> JobspecV1:
    """Lay out a job's resources and tasks (per task or per resource) and set its attributes."""
    if not shape.per_resource:
        return cls.from_command(
            command,
            num_tasks=shape.ntasks,
            cores_per_task=shape.cores_per_task,
            gpus_per_task=shape.gpus_per_task,
            num_nodes=shape.nodes,
            exclusive=shape.exclusive,
            **attrs.factory_kwargs(),
        )
    kind, count = None, None
    if shape.tasks_per_node is not None:
        kind, count = "node", shape.tasks_per_node
    elif shape.tasks_per_core is not None:
        kind, count = "core", shape.tasks_per_core
    return cls.per_resource(
        command,
        ncores=shape.cores,
        nnodes=shape.nodes,
        per_resource_type=kind,
        per_resource_count=count,
        gpus_per_node=shape.gpus_per_node,
        exclusive=shape.exclusive,
        **attrs.factory_kwargs(),
    )


def alloc_jobspec(
    command: list[str],
    shape: InstanceShape,
    attrs: JobAttrs,
    *,
    bg: bool = False,
    interactive: bool = False,
    cls: type[JobspecV1] = JobspecV1,
) -> JobspecV1:
    """A nested instance running ``command`` (none: a shell; with ``bg`` and none: no program)."""
    nest = shape.nest_kwargs()
    if bg and not command:
        nest["broker_opts"] = [*nest["broker_opts"], "-Sbroker.rc2_none=1"]
    jobspec = cls.from_nest_command(command, **nest, **attrs.factory_kwargs())
    _extra_brokers(jobspec, shape)
    if bg:
        jobspec.setattr_shell_option("pty.capture", 1)
    elif interactive:
        jobspec.setattr_shell_option("pty.interactive", 1)
    return jobspec


def batch_jobspec(
    script: str,
    args: list[str],
    shape: InstanceShape,
    attrs: JobAttrs,
    cls: type[JobspecV1] = JobspecV1,
) -> JobspecV1:
    """A nested instance whose initial program is ``script`` (text) with ``args``.

    ``attrs.name`` is the job name (required); output goes to
    ``flux-{{id}}.out`` unless ``attrs.output`` says otherwise.
    """
    kwargs = attrs.factory_kwargs()
    jobname = kwargs.pop("name")
    if kwargs["output"] is None:
        kwargs["output"] = BATCH_OUTPUT
    jobspec = cls.from_batch_command(script, jobname, args=args, **shape.nest_kwargs(), **kwargs)
    _extra_brokers(jobspec, shape)
    return jobspec


def _extra_brokers(jobspec: JobspecV1, shape: InstanceShape) -> None:
    # --add-brokers: one task per broker, no longer one per node
    if shape.add_brokers:
        jobspec.tasks[0]["count"] = {"total": shape.nodes + shape.add_brokers}
        del jobspec.attributes["system"]["shell"]["options"]["per-resource"]


def wrap_script(text: str) -> str:
    """``--wrap``: make ``text`` a /bin/sh script."""
    return SHEBANG + text


# ---- the commands' door: an options namespace, values as typed ----


def cli_time_limit(value: str | None) -> float | str | None:
    """``-t``: a plain number is minutes (returned in seconds); anything else stays an FSD string."""
    if value is None:
        return None
    try:
        return float(value) * 60
    except ValueError:
        return value


def cli_ints(ns: Any, names: tuple[str, ...]) -> dict[str, int | None]:
    """The integer options ``names`` of ``ns``; unset or empty → None.

    Errors name the option: ``--ntasks: invalid int value 'abc'``.
    """
    out: dict[str, int | None] = {}
    for name in names:
        value = getattr(ns, name, None)
        flag = "--" + name.replace("_", "-")
        if value is None or value == "":
            out[name] = None
            continue
        try:
            number = int(value)
        except ValueError:
            raise ValueError(f"{flag}: invalid int value '{value}'") from None
        if abs(number) > COUNT_MAX:
            raise ValueError(f"{flag}: {value} is out of range")
        out[name] = number
    return out


def cli_attrs(ns: Any, *, stdin: str | None, name: str | None) -> JobAttrs:
    """The per-job attributes of a command line (the cwd defaults to the current directory)."""
    return JobAttrs(
        name=name,
        queue=ns.queue,
        bank=ns.bank,
        cwd=ns.cwd if ns.cwd is not None else os.getcwd(),
        input=stdin,
        output=getattr(ns, "output", None),
        error=getattr(ns, "error", None),
        label_io=getattr(ns, "label_io", False),
        unbuffered=ns.unbuffered,
    )


def cli_task_shape(ns: Any) -> TaskShape:
    """fxsub/fxrun/fxbulksubmit resource options, with the tools' defaults and checks."""
    n = cli_ints(ns, _TASK_INTS)
    if n["tasks_per_node"] is not None and n["tasks_per_core"] is not None:
        raise ValueError("Do not specify both the number of tasks per node and per core")
    for name in ("tasks_per_node", "tasks_per_core"):
        if n[name] is not None and n[name] < 1:
            raise ValueError(f"--{name.replace('_', '-')} must be >= 1")
    if n["gpus_per_node"] and not n["nodes"]:
        raise ValueError("--gpus-per-node requires --nodes")
    shape = TaskShape(exclusive=bool(ns.exclusive), **n)
    if shape.per_resource:
        if shape.ntasks is not None or shape.cores_per_task is not None or shape.gpus_per_task:
            raise ValueError(
                "Per-resource options can't be used with per-task options. (See --help for details)"
            )
        if shape.nodes and shape.cores is None:
            shape.exclusive = True  # -N alone asks for whole nodes
        return shape
    if not shape.ntasks and shape.nodes:
        shape.ntasks, shape.exclusive = shape.nodes, True  # one task per whole node
    shape.ntasks = shape.ntasks or 1
    shape.cores_per_task = shape.cores_per_task or 1
    return shape


def cli_instance_shape(ns: Any) -> InstanceShape:
    """fxbatch/fxalloc resource and broker options (``--dump`` becomes a broker option)."""
    n = cli_ints(ns, _SLOT_INTS)
    if n["cores_per_slot"] is not None and n["cores_per_slot"] < 1:
        raise ValueError("cores per task must be an integer >= 1")
    broker_opts = list_split(ns.broker_opts)
    if ns.dump:
        broker_opts.append(f"-Scontent.dump={ns.dump}")
    return InstanceShape.resolve(
        n["nslots"] or None,
        n["nodes"] or None,
        bool(ns.exclusive),
        "Number of slots to allocate must be specified",
        cores_per_slot=n["cores_per_slot"],
        gpus_per_slot=n["gpus_per_slot"],
        broker_opts=broker_opts,
        conf=ns.conf,
        add_brokers=n["add_brokers"],
    )


def _cli_finish(jobspec: JobspecV1, ns: Any, **overrides: Any) -> JobspecV1:
    # the options every command applies after the layout (plugins run in the pipeline)
    jobspec.apply_options(ns, time_limit=cli_time_limit(ns.time_limit), **overrides)
    if getattr(ns, "debug_emulate", False):
        jobspec.setattr_shell_option("stop-tasks-in-exec", 1)
    return jobspec


def submit_from_args(ns: Any, command: list[str], *, copy: bool = False) -> JobspecV1:
    """The jobspec of fxsub/fxrun/fxbulksubmit for ``command``.

    ``copy``: one of several ``--cc``/bulksubmit jobs, which (as in Flux)
    get default resource limits and no ``--add-file`` files.
    """
    if not command:
        raise ValueError("job command and arguments are missing")
    stdin = ns.input if ns.input is not None and not is_idset(ns.input) else None
    jobspec = task_jobspec(
        command, cli_task_shape(ns), cli_attrs(ns, stdin=stdin, name=ns.job_name)
    )
    return _cli_finish(jobspec, ns, **({"rlimit": [], "add_file": []} if copy else {}))


def alloc_from_args(ns: Any, command: list[str], *, interactive: bool = False) -> JobspecV1:
    """The jobspec of fxalloc running ``command`` (``interactive``: stdin is a terminal)."""
    shape = cli_instance_shape(ns)
    taskmap = shape.place_extra_brokers()
    attrs = cli_attrs(ns, stdin=None, name=ns.job_name)
    attrs.output = attrs.error = None  # fxalloc ignores the I/O options
    attrs.label_io = False
    jobspec = alloc_jobspec(command, shape, attrs, bg=ns.bg, interactive=interactive)
    return _cli_finish(jobspec, ns, **({"taskmap": taskmap} if taskmap else {}))


def batch_from_args(ns: Any, script: str, name: str, args: list[str]) -> JobspecV1:
    """The jobspec of fxbatch for ``script`` (its text), named ``name`` unless --job-name says."""
    shape = cli_instance_shape(ns)
    taskmap = shape.place_extra_brokers()
    attrs = cli_attrs(ns, stdin=ns.input, name=ns.job_name or name)
    jobspec = batch_jobspec(script, args, shape, attrs)
    return _cli_finish(jobspec, ns, **({"taskmap": taskmap} if taskmap else {}))
