"""From an options namespace to a jobspec, as the reference tools build it."""

from __future__ import annotations

import os
import sys
from types import SimpleNamespace

from fluxcli.errors import FluxcliError
from fluxcli.jobspec import BatchConfig, JobspecV1
from fluxcli.jobspec.idset import is_idset
from fluxcli.jobspec.rlimits import list_split

_INT_OPTIONS = {
    "ntasks": "--ntasks",
    "nodes": "--nodes",
    "cores": "--cores",
    "cores_per_task": "--cores-per-task",
    "gpus_per_task": "--gpus-per-task",
    "tasks_per_node": "--tasks-per-node",
    "tasks_per_core": "--tasks-per-core",
    "gpus_per_node": "--gpus-per-node",
}
_PER_RESOURCE = ("tasks_per_node", "tasks_per_core", "gpus_per_node", "cores")
_PER_TASK = ("ntasks", "cores_per_task", "gpus_per_task")


def time_limit_seconds(value):
    """``-t``: a plain number is minutes; anything else stays an FSD string."""
    if value is None:
        return None
    try:
        return float(value) * 60
    except ValueError:
        return value


def _ints(ns: SimpleNamespace) -> dict:
    out = {}
    for name, flag in _INT_OPTIONS.items():
        value = getattr(ns, name, None)
        if value in (None, ""):
            out[name] = None
            continue
        try:
            out[name] = int(value)
        except ValueError:
            raise FluxcliError(f"{flag}: invalid int value '{value}'")
    return out


def _common_extra(ns: SimpleNamespace, stdin: str | None, io: bool) -> dict:
    extra = {
        "duration": ns.time_limit,
        "environment": dict(os.environ),
        "cwd": ns.cwd if ns.cwd is not None else os.getcwd(),
        "unbuffered": ns.unbuffered,
        "queue": ns.queue,
        "bank": ns.bank,
    }
    if io:
        extra.update(input=stdin, output=ns.output, error=ns.error, label_io=ns.label_io)
    return extra


def finish(jobspec: JobspecV1, ns: SimpleNamespace, prog: str) -> JobspecV1:
    """Apply the remaining options (and plugins) in the reference order."""
    jobspec.apply_options(ns, prog=prog, _preinit=False)
    if getattr(ns, "debug_emulate", False):
        jobspec.setattr_shell_option("stop-tasks-in-exec", 1)
    return jobspec


def submit_jobspec(ns: SimpleNamespace, command: list[str], prog: str) -> JobspecV1:
    """Build the jobspec of fxsub/fxrun/fxbulksubmit for ``command``."""
    if not command:
        raise FluxcliError("job command and arguments are missing")
    ns.time_limit = time_limit_seconds(ns.time_limit)
    stdin = ns.input if ns.input is not None and not is_idset(ns.input) else None
    n = _ints(ns)
    if n["tasks_per_node"] is not None and n["tasks_per_core"] is not None:
        raise FluxcliError("Do not specify both the number of tasks per node and per core")
    for name in ("tasks_per_node", "tasks_per_core"):
        if n[name] is not None and n[name] < 1:
            raise FluxcliError(f"{_INT_OPTIONS[name]} must be >= 1")
    if n["gpus_per_node"] is not None and not n["nodes"]:
        raise FluxcliError("--gpus-per-node requires --nodes")
    extra = _common_extra(ns, stdin, io=True)
    extra["name"] = ns.job_name
    exclusive = ns.exclusive
    if any(n[k] is not None for k in _PER_RESOURCE):
        if any(n[k] is not None for k in _PER_TASK):
            raise FluxcliError(
                "Per-resource options can't be used with per-task options. (See --help for details)"
            )
        if n["nodes"] and n["cores"] is None:
            exclusive = True
        kind = "node" if n["tasks_per_node"] else "core" if n["tasks_per_core"] else None
        jobspec = JobspecV1.per_resource(
            command,
            ncores=n["cores"],
            nnodes=n["nodes"],
            per_resource_type=kind,
            per_resource_count=n["tasks_per_node"] or n["tasks_per_core"],
            gpus_per_node=n["gpus_per_node"],
            exclusive=exclusive,
            **extra,
        )
    else:
        ntasks = n["ntasks"]
        if not ntasks and n["nodes"]:
            ntasks, exclusive = n["nodes"], True
        jobspec = JobspecV1.from_command(
            command,
            num_tasks=ntasks or 1,
            cores_per_task=n["cores_per_task"] or 1,
            gpus_per_task=n["gpus_per_task"],
            num_nodes=n["nodes"],
            exclusive=exclusive,
            **extra,
        )
    return finish(jobspec, ns, prog)


def batch_config(conf) -> BatchConfig:
    """The --conf values (in order) as one BatchConfig; a BatchConfig passes through."""
    if isinstance(conf, BatchConfig):
        return conf
    config = BatchConfig()
    for value in conf or []:
        config.update(value)
    return config


def instance_shape(ns: SimpleNamespace) -> tuple[int, bool, list[str], dict | None]:
    """Slots, exclusivity, broker options and config of fxbatch/fxalloc."""
    if not ns.nslots and not ns.nodes:
        raise FluxcliError("Number of slots to allocate must be specified")
    nslots, exclusive = ns.nslots, ns.exclusive
    if ns.nodes and not nslots:
        nslots, exclusive = ns.nodes, True
    if ns.cores_per_slot is not None and ns.cores_per_slot < 1:
        raise FluxcliError("cores per task must be an integer >= 1")
    conf = batch_config(ns.conf)
    broker_opts = list_split(ns.broker_opts)
    if ns.dump:
        broker_opts.append(f"-Scontent.dump={ns.dump}")
    if ns.add_brokers is not None and not ns.nodes:
        raise FluxcliError("--add-brokers may only be specified with -N, --nnodes")
    if ns.add_brokers:
        # the extra brokers share node 0 and must not run jobs: exclude their ranks
        from fluxcli.jobspec.idset import encode_idset, parse_idset

        excluded = conf.get("resource.exclude")
        ranks = set(range(1, ns.add_brokers + 1))
        if isinstance(excluded, str):
            ranks |= set(parse_idset(excluded))
        elif isinstance(excluded, int):
            ranks.add(excluded)
        conf.update_keyval(f'resource.exclude="{encode_idset(ranks)}"')
    return nslots, exclusive, broker_opts, conf.config


def _instance_kwargs(
    ns: SimpleNamespace, nslots: int, exclusive: bool, broker_opts: list[str], conf
) -> dict:
    """The resource and broker arguments fxbatch and fxalloc pass alike."""
    return {
        "num_slots": nslots,
        "cores_per_slot": ns.cores_per_slot,
        "gpus_per_slot": ns.gpus_per_slot,
        "num_nodes": ns.nodes,
        "broker_opts": broker_opts,
        "exclusive": exclusive,
        "conf": conf,
    }


def _add_brokers(jobspec: JobspecV1, ns: SimpleNamespace, conf: dict | None) -> None:
    extra, nodes = ns.add_brokers, ns.nodes
    if not extra:
        return
    jobspec.setattr_shell_option(
        "taskmap", {"scheme": "manual", "value": f"[[0,1,{1 + extra},1],[1,{nodes - 1},1,1]]"}
    )
    jobspec.tasks[0]["count"] = {"total": nodes + extra}
    options = jobspec.attributes["system"]["shell"]["options"]
    options.pop("per-resource", None)


def batch_jobspec(ns: SimpleNamespace, script: str, jobname: str, args: list[str]) -> JobspecV1:
    """Build the jobspec of fxbatch for ``script`` (its text)."""
    ns.time_limit = time_limit_seconds(ns.time_limit)
    nslots, exclusive, broker_opts, conf = instance_shape(ns)
    extra = _common_extra(ns, ns.input, io=True)
    if extra["output"] is None:
        extra["output"] = "flux-{{id}}.out"
    jobspec = JobspecV1.from_batch_command(
        script,
        jobname,
        args=args,
        **_instance_kwargs(ns, nslots, exclusive, broker_opts, conf),
        **extra,
    )
    _add_brokers(jobspec, ns, conf)
    return finish(jobspec, ns, "batch")


def alloc_jobspec(ns: SimpleNamespace, command: list[str]) -> JobspecV1:
    """Build the jobspec of fxalloc running ``command`` (empty: a shell)."""
    ns.time_limit = time_limit_seconds(ns.time_limit)
    nslots, exclusive, broker_opts, conf = instance_shape(ns)
    if ns.bg and not command:
        broker_opts.append("-Sbroker.rc2_none=1")
    extra = _common_extra(ns, None, io=False)
    extra["name"] = ns.job_name
    jobspec = JobspecV1.from_nest_command(
        command, **_instance_kwargs(ns, nslots, exclusive, broker_opts, conf), **extra
    )
    _add_brokers(jobspec, ns, conf)
    if ns.bg:
        jobspec.setattr_shell_option("pty.capture", 1)
    elif sys.stdin.isatty():
        jobspec.setattr_shell_option("pty.interactive", 1)
    return finish(jobspec, ns, "alloc")
