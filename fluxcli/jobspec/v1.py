"""``JobspecV1``: RFC 25 jobspecs and the factories the submission tools use."""

from __future__ import annotations

import collections.abc as abc
import math
import os

from .conf import normalize_conf
from .jobspec import Jobspec
from .options import apply_options
from .validate import validate_v1


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class JobspecV1(Jobspec):
    """A version 1 jobspec (RFC 25): one node-or-slot resource tree and one task."""

    apply_options = apply_options

    def __init__(self, resources, tasks, attributes, version=1):
        if version != 1:
            raise ValueError("version must be 1")
        super().__init__(resources, tasks, attributes, version)
        validate_v1(resources, tasks, attributes)

    # low-level factories
    def _set_extra_options(
        self,
        duration=None,
        environment=None,
        env_expand=None,
        cwd=None,
        rlimits=None,
        name=None,
        input=None,
        output=None,
        error=None,
        label_io=False,
        unbuffered=False,
        queue=None,
        bank=None,
    ):
        if duration:
            self.duration = duration
        self.environment = dict(os.environ) if environment is None else environment
        if env_expand:
            if not isinstance(env_expand, abc.Mapping):
                raise ValueError("env_expand must be a mapping")
            self.setattr_shell_option("env-expand", dict(env_expand))
        if cwd is not None:
            self.cwd = cwd
        if rlimits:
            if not isinstance(rlimits, abc.Mapping):
                raise ValueError("rlimits must be a mapping")
            self.setattr_shell_option("rlimit", dict(rlimits))
        if name is not None:
            self.setattr("system.job.name", name)
        if input is not None:
            self.stdin = input
        for stream, path in (("stdout", output), ("stderr", error)):
            if path is not None and path not in ("none", "kvs"):
                setattr(self, stream, path)
                if label_io:
                    self.setattr_shell_option(f"output.{stream}.label", True)
        if unbuffered:
            self.unbuffered = True
        if queue is not None:
            self.setattr("system.queue", queue)
        if bank is not None:
            self.setattr("system.bank", bank)

    @classmethod
    def _create(cls, resources, command, task_count, **kwargs):
        tasks = [{"command": list(command), "slot": "task", "count": task_count}]
        jobspec = cls(resources, tasks, attributes={"system": {"duration": 0}})
        jobspec._set_extra_options(**kwargs)
        return jobspec

    @classmethod
    def from_command(
        cls,
        command,
        num_tasks=1,
        cores_per_task=1,
        gpus_per_task=None,
        num_nodes=None,
        exclusive=False,
        **kwargs,
    ):
        """Build the minimum legal V1 jobspec for ``command``.

        Tasks get ``cores_per_task`` cores (and ``gpus_per_task`` GPUs) each,
        spread over ``num_nodes`` nodes when given. Remaining keyword arguments
        (duration, environment, env_expand, cwd, rlimits, name, input, output,
        error, label_io, unbuffered, queue, bank) set the matching attributes.
        """
        if not _is_int(num_tasks) or num_tasks < 1:
            raise ValueError("task count must be a integer >= 1")
        if not _is_int(cores_per_task) or cores_per_task < 1:
            raise ValueError("cores per task must be an integer >= 1")
        if gpus_per_task is not None and (not _is_int(gpus_per_task) or gpus_per_task < 0):
            raise ValueError("gpus per task must be an integer >= 0")
        if num_nodes is not None:
            if not _is_int(num_nodes) or num_nodes < 1:
                raise ValueError("node count must be an integer >= 1 (if set)")
            if num_nodes > num_tasks:
                raise ValueError("node count must not be greater than task count")
        elif exclusive:
            raise ValueError("exclusive can only be set with a node count")
        children = [{"type": "core", "count": cores_per_task}]
        if gpus_per_task:
            children.append({"type": "gpu", "count": gpus_per_task})
        task_count = {"per_slot": 1}
        if num_nodes is not None:
            slot = _slot(math.ceil(num_tasks / num_nodes), children)
            if num_tasks % num_nodes != 0:
                task_count = {"total": num_tasks}
            resources = [_node(num_nodes, exclusive, slot)]
        else:
            resources = [_slot(num_tasks, children)]
        return cls._create(resources, command, task_count, **kwargs)

    @classmethod
    def per_resource(
        cls,
        command,
        ncores=None,
        nnodes=None,
        per_resource_type=None,
        per_resource_count=None,
        gpus_per_node=None,
        exclusive=False,
        **kwargs,
    ):
        """Build a jobspec from node/core counts and a number of tasks per node or core."""
        if per_resource_type is not None:
            if not isinstance(per_resource_type, str):
                raise ValueError("per_resource_type must be a string")
            if per_resource_type not in ("node", "core"):
                raise ValueError(f"Invalid per_resource_type='{per_resource_type}' specified")
        if per_resource_count is not None:
            if not _is_int(per_resource_count):
                raise ValueError("per_resource_count must be an integer")
            if per_resource_count < 1:
                raise ValueError("per_resource_count must be >= 1")
        if per_resource_type is not None and per_resource_count is None:
            raise ValueError("must specify a per_resource_count with per_resource_type")
        if per_resource_count is not None and per_resource_type is None:
            raise ValueError("must specify a per_resource_type with per_resource_count")
        if ncores is not None and (not _is_int(ncores) or ncores < 1):
            raise ValueError("ncores must be an integer >= 1")
        if gpus_per_node is not None:
            if not _is_int(gpus_per_node) or gpus_per_node < 0:
                raise ValueError("gpus_per_node must be an integer >= 0")
            if nnodes is None:
                raise ValueError("gpus_per_node must be specified with nnodes")
        if nnodes is not None:
            if not _is_int(nnodes) or nnodes < 1:
                raise ValueError("nnodes must be an integer >= 1")
        elif exclusive:
            raise ValueError("exclusive can only be set with a node count")
        if nnodes is not None and ncores is not None:
            if ncores < nnodes:
                raise ValueError("number of cores cannot be less than nnodes")
            if ncores % nnodes != 0:
                raise ValueError("number of cores must be evenly divisible by node count")
        elif nnodes is not None and not exclusive:
            raise ValueError("Specifying nnodes also requires ncores or exclusive")
        elif nnodes is None and ncores is None:
            raise ValueError("must specify node or core count with per_resource")

        if nnodes is not None:
            children = [{"type": "core", "count": ncores // nnodes if ncores else 1}]
            if gpus_per_node:
                children.append({"type": "gpu", "count": gpus_per_node})
            resources = [_node(nnodes, exclusive, _slot(1, children))]
        else:
            resources = [_slot(ncores, [{"type": "core", "count": 1}])]
        jobspec = cls._create(resources, command, {"per_slot": 1}, **kwargs)
        if per_resource_type is not None:
            jobspec.setattr_shell_option(
                "per-resource", {"type": per_resource_type, "count": per_resource_count}
            )
        return jobspec

    @classmethod
    def from_nest_command(
        cls,
        command,
        num_slots=1,
        cores_per_slot=1,
        gpus_per_slot=None,
        num_nodes=None,
        broker_opts=None,
        exclusive=False,
        conf=None,
        **kwargs,
    ):
        """Build a jobspec for a nested instance running ``command`` as initial program."""
        broker_cmd = ["flux", "broker", *(broker_opts or [])]
        if conf:
            broker_cmd.append("-c{{tmpdir}}/conf.json")
        jobspec = cls.from_command(
            broker_cmd + list(command),
            num_tasks=num_slots,
            cores_per_task=cores_per_slot,
            gpus_per_task=gpus_per_slot,
            num_nodes=num_nodes,
            exclusive=exclusive,
            **kwargs,
        )
        jobspec.setattr_shell_option("per-resource.type", "node")
        jobspec.setattr_shell_option("mpi", "none")
        jobspec.setattr_shell_option("exit-timeout", "none")
        if conf:
            jobspec.add_file("conf.json", conf)
        return jobspec

    @classmethod
    def from_batch_command(cls, script, jobname, args=None, **kwargs):
        """Build a jobspec for a nested instance whose initial program is ``script``."""
        if not script.startswith("#!"):
            raise ValueError(f"{jobname} does not appear to start with '#!'")
        kwargs.setdefault("name", jobname)
        jobspec = cls.from_nest_command(["{{tmpdir}}/script", *(args or [])], **kwargs)
        jobspec.add_file("script", script, perms=0o700, encoding="utf-8")
        return jobspec

    # high-level factories (command-line equivalents)
    @classmethod
    def from_submit(
        cls,
        command,
        *,
        ntasks=1,
        nodes=None,
        cores_per_task=1,
        gpus_per_task=None,
        exclusive=False,
        name=None,
        queue=None,
        bank=None,
        cwd=None,
        output=None,
        error=None,
        input=None,
        label_io=False,
        unbuffered=False,
        **kwargs,
    ):
        """Build what ``fxsub [options] COMMAND`` builds; extra kwargs go to apply_options."""
        jobspec = cls.from_command(
            command,
            num_tasks=ntasks,
            cores_per_task=cores_per_task,
            gpus_per_task=gpus_per_task,
            num_nodes=nodes,
            exclusive=exclusive,
            name=name,
            queue=queue,
            bank=bank,
            cwd=cwd,
            output=output,
            error=error,
            input=input,
            label_io=label_io,
            unbuffered=unbuffered,
        )
        return _apply_defaults(jobspec, "submit", kwargs)

    @classmethod
    def from_alloc(
        cls,
        *,
        nslots=None,
        nodes=None,
        cores_per_slot=1,
        gpus_per_slot=None,
        exclusive=False,
        broker_opts=None,
        conf=None,
        bg=False,
        name=None,
        queue=None,
        bank=None,
        cwd=None,
        output=None,
        error=None,
        input=None,
        label_io=False,
        unbuffered=False,
        command=None,
        **kwargs,
    ):
        """Build what ``fxalloc [options] [COMMAND]`` builds (a nested instance)."""
        nslots, exclusive = _slots_and_exclusive(nslots, nodes, exclusive, "from_alloc")
        broker_opts = list(broker_opts or [])
        if bg and not command:
            broker_opts.append("-Sbroker.rc2_none=1")
        jobspec = cls.from_nest_command(
            list(command or []),
            num_slots=nslots,
            cores_per_slot=cores_per_slot,
            gpus_per_slot=gpus_per_slot,
            num_nodes=nodes,
            broker_opts=broker_opts,
            exclusive=exclusive,
            conf=normalize_conf(conf),
            name=name,
            queue=queue,
            bank=bank,
            cwd=os.getcwd() if cwd is None else cwd,
            output=output,
            error=error,
            input=input,
            label_io=label_io,
            unbuffered=unbuffered,
        )
        if bg:
            jobspec.setattr_shell_option("pty.capture", 1)
        return _apply_defaults(jobspec, "alloc", kwargs)

    @classmethod
    def from_batch(
        cls,
        script=None,
        *,
        content=None,
        nslots=None,
        nodes=None,
        cores_per_slot=1,
        gpus_per_slot=None,
        exclusive=False,
        broker_opts=None,
        conf=None,
        wrap=False,
        name=None,
        queue=None,
        bank=None,
        cwd=None,
        output=None,
        error=None,
        input=None,
        label_io=False,
        unbuffered=False,
        args=None,
        **kwargs,
    ):
        """Build what ``fxbatch [options] SCRIPT`` builds, from a file or ``content``."""
        if script is not None and content is not None:
            raise TypeError("from_batch() accepts 'script' or 'content', not both")
        if script is None and content is None:
            raise TypeError(
                "from_batch() requires 'script' (file path) or 'content' (inline script)"
            )
        if script is not None:
            with open(script, encoding="utf-8") as handle:
                content = handle.read()
            default_name = os.path.basename(os.fspath(script))
        else:
            default_name = "batch"
        if wrap and not content.startswith("#!"):
            content = "#!/bin/sh\n" + content
        if nslots is None and nodes is None:
            nslots = 1
        nslots, exclusive = _slots_and_exclusive(nslots, nodes, exclusive, "from_batch")
        jobspec = cls.from_batch_command(
            content,
            name or default_name,
            args=args,
            num_slots=nslots,
            cores_per_slot=cores_per_slot,
            gpus_per_slot=gpus_per_slot,
            num_nodes=nodes,
            broker_opts=broker_opts,
            exclusive=exclusive,
            conf=normalize_conf(conf),
            queue=queue,
            bank=bank,
            cwd=os.getcwd() if cwd is None else cwd,
            output="flux-{{id}}.out" if output is None else output,
            error=error,
            input=input,
            label_io=label_io,
            unbuffered=unbuffered,
        )
        return _apply_defaults(jobspec, "batch", kwargs)


def _slot(count: int, children: list[dict]) -> dict:
    return {"type": "slot", "count": count, "with": children, "label": "task"}


def _node(count: int, exclusive: bool, slot: dict) -> dict:
    node: dict = {"type": "node", "count": count}
    if exclusive:
        node["exclusive"] = True
    node["with"] = [slot]
    return node


def _slots_and_exclusive(nslots, nodes, exclusive, caller: str):
    if nslots is None:
        if nodes is None:
            raise ValueError(f"{caller}() requires nslots or nodes")
        return nodes, True
    return nslots, exclusive


def _apply_defaults(jobspec: JobspecV1, prog: str, kwargs: dict) -> JobspecV1:
    env = kwargs.pop("env", [])
    rlimit = kwargs.pop("rlimit", [])
    return jobspec.apply_options(prog=prog, env=env, rlimit=rlimit, **kwargs)
