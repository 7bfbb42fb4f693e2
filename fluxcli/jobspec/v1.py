"""``JobspecV1``: RFC 25 jobspecs and the factories the submission tools use."""

from __future__ import annotations

import collections.abc as abc
import math
import os

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
    ) -> JobspecV1:
        """Set the attributes the factories take as keyword arguments; return self.

        Without ``environment`` the job gets a copy of ``os.environ``.
        """
        if duration is not None:
            self.duration = duration
        self.environment = dict(os.environ) if environment is None else environment
        if env_expand is not None:
            if not isinstance(env_expand, abc.Mapping):
                raise ValueError("env_expand must be a mapping")
            self.setattr_shell_option("env-expand", env_expand)
        if cwd is not None:
            self.cwd = cwd
        if rlimits is not None:
            if not isinstance(rlimits, abc.Mapping):
                raise ValueError("rlimits must be a mapping")
            self.setattr_shell_option("rlimit", rlimits)
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
        return self

    @classmethod
    def _create(cls, resources, command, task_count, system=None, **kwargs) -> JobspecV1:
        # the command is kept as given (a str or generator fails validation, as in Flux)
        if isinstance(command, (list, tuple)):
            command = list(command)
        tasks = [{"command": command, "slot": "task", "count": task_count}]
        attributes = {"system": {"duration": 0, **(system or {})}}
        return cls(resources, tasks, attributes=attributes)._set_extra_options(**kwargs)

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
    ) -> JobspecV1:
        """Build the minimum legal V1 jobspec for ``command``.

        Tasks get ``cores_per_task`` cores (and ``gpus_per_task`` GPUs) each,
        spread over ``num_nodes`` nodes when given. Remaining keyword arguments
        (duration, environment, env_expand, cwd, rlimits, name, input, output,
        error, label_io, unbuffered, queue, bank) set the matching attributes.
        """
        unknown = sorted(set(kwargs) - set(_EXTRA_OPTIONS))
        if unknown:
            raise TypeError(
                f"{cls.__name__}.from_command() got an unexpected keyword argument '{unknown[0]}'"
            )
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
    ) -> JobspecV1:
        """Build a jobspec from node/core counts and a number of tasks per node or core."""
        per_resource = _per_resource_option(per_resource_type, per_resource_count)
        if ncores is not None and (not _is_int(ncores) or ncores < 1):
            raise ValueError("ncores must be an integer >= 1")
        if gpus_per_node is not None:
            if not _is_int(gpus_per_node) or gpus_per_node < 0:
                raise ValueError("gpus_per_node must be an integer >= 0")
            if not nnodes:
                raise ValueError("gpus_per_node must be specified with nnodes")
        if nnodes is not None:
            if not _is_int(nnodes) or nnodes < 1:
                raise ValueError("nnodes must be an integer >= 1")
        elif exclusive:
            raise ValueError("exclusive can only be set with a node count")
        if nnodes and ncores:
            if ncores < nnodes:
                raise ValueError("number of cores cannot be less than nnodes")
            if ncores % nnodes != 0:
                raise ValueError("number of cores must be evenly divisible by node count")
        elif nnodes and not exclusive:
            raise ValueError("Specifying nnodes also requires ncores or exclusive")
        elif not nnodes and not ncores:
            raise ValueError("must specify node or core count with per_resource")

        if nnodes:
            children = [{"type": "core", "count": ncores // nnodes if ncores else 1}]
            if gpus_per_node:
                children.append({"type": "gpu", "count": gpus_per_node})
            resources = [_node(nnodes, exclusive, _slot(1, children))]
        else:
            resources = [_slot(ncores, [{"type": "core", "count": 1}])]
        system = {"shell": {"options": {"per-resource": per_resource}}} if per_resource else None
        return cls._create(resources, command, {"per_slot": 1}, system=system, **kwargs)

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
    ) -> JobspecV1:
        """Build a jobspec for a nested instance running ``command`` as initial program.

        ``broker_opts`` are copied, never changed; a ``conf`` dict becomes the
        instance's ``conf.json``.
        """
        broker_opts = list(broker_opts) if broker_opts is not None else []
        if conf is not None:
            broker_opts.append("-c{{tmpdir}}/conf.json")
        jobspec = cls.from_command(
            ["flux", "broker", *broker_opts, *command],
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
        if conf is not None:
            jobspec.add_file("conf.json", conf)
        return jobspec

    @classmethod
    def from_batch_command(cls, script, jobname, args=None, **kwargs) -> JobspecV1:
        """Build a jobspec for a nested instance whose initial program is ``script`` (its text)."""
        if not script.startswith("#!"):
            raise ValueError(f"{jobname} does not appear to start with '#!'")
        args = () if args is None else args
        jobspec = cls.from_nest_command(["{{tmpdir}}/script", *args], name=jobname, **kwargs)
        jobspec.add_file("script", script, perms=0o700, encoding="utf-8")
        return jobspec

    # high-level factories: what the commands build (see recipes), then apply_options
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
    ) -> JobspecV1:
        """Build what ``fxsub [options] COMMAND`` builds; extra kwargs go to apply_options.

        Plugins for "submit" run (their option dests are accepted as keyword
        arguments); the environment and default limits are propagated unless
        ``env``/``rlimit`` rules say otherwise.
        """
        from .recipes import TaskShape, task_jobspec

        shape = TaskShape(
            ntasks=ntasks,
            cores_per_task=cores_per_task,
            gpus_per_task=gpus_per_task,
            nodes=nodes,
            exclusive=exclusive,
        )
        jobspec = task_jobspec(command, shape, _job_attrs(locals()), cls)
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
    ) -> JobspecV1:
        """Build what ``fxalloc [options] [COMMAND]`` builds (a nested instance).

        Without ``nslots``, one slot per node of ``nodes``, exclusively;
        ``conf`` is a dict, a BatchConfig or ``--conf`` string(s).
        """
        from .recipes import InstanceShape, alloc_jobspec

        shape = InstanceShape.resolve(
            nslots,
            nodes,
            exclusive,
            "from_alloc() requires nslots or nodes",
            cores_per_slot=cores_per_slot,
            gpus_per_slot=gpus_per_slot,
            broker_opts=broker_opts,
            conf=conf,
        )
        attrs = _job_attrs(locals(), cwd_default=True)
        jobspec = alloc_jobspec(list(command or []), shape, attrs, bg=bg, cls=cls)
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
    ) -> JobspecV1:
        """Build what ``fxbatch [options] SCRIPT`` builds, from a file path or ``content``.

        The job is named after the script file (``batch`` for content);
        ``wrap`` adds ``#!/bin/sh`` when the text has no ``#!`` line.
        """
        from .recipes import InstanceShape, batch_jobspec, wrap_script

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
            content = wrap_script(content)
        shape = InstanceShape.resolve(
            1 if nslots is None and nodes is None else nslots,
            nodes,
            exclusive,
            "from_batch() requires nslots or nodes",
            cores_per_slot=cores_per_slot,
            gpus_per_slot=gpus_per_slot,
            broker_opts=broker_opts,
            conf=conf,
        )
        attrs = _job_attrs(locals(), cwd_default=True)
        attrs.name = name or default_name
        jobspec = batch_jobspec(content, list(args or []), shape, attrs, cls)
        return _apply_defaults(jobspec, "batch", kwargs)


def _slot(count: int, children: list[dict]) -> dict:
    return {"type": "slot", "count": count, "with": children, "label": "task"}


def _node(count: int, exclusive: bool, slot: dict) -> dict:
    node: dict = {"type": "node", "count": count}
    if exclusive:
        node["exclusive"] = True
    node["with"] = [slot]
    return node


def _per_resource_option(kind, count) -> dict | None:
    """The ``per-resource`` shell option of ``per_resource`` (None without one)."""
    if kind is not None and count is not None:
        if not isinstance(kind, str):
            raise ValueError("per_resource_type must be a string")
        if kind not in ("node", "core"):
            raise ValueError(f"Invalid per_resource_type='{kind}' specified")
        if not _is_int(count):
            raise ValueError("per_resource_count must be an integer")
        if count < 1:
            raise ValueError("per_resource_count must be >= 1")
        return {"type": kind, "count": count}
    if kind is not None:
        raise ValueError("must specify a per_resource_count with per_resource_type")
    if count is not None:
        raise ValueError("must specify a per_resource_type with per_resource_count")
    return None


def _job_attrs(arguments: dict, cwd_default: bool = False):
    """The per-job attributes among a from_* method's arguments (``locals()``).

    ``cwd_default``: no ``cwd`` means the current directory (from_alloc, from_batch).
    """
    from .recipes import JobAttrs

    attrs = JobAttrs(**{name: arguments[name] for name in JobAttrs.__dataclass_fields__})
    if cwd_default and attrs.cwd is None:
        attrs.cwd = os.getcwd()
    return attrs


# the keyword arguments the low-level factories pass on to _set_extra_options
_EXTRA_OPTIONS = JobspecV1._set_extra_options.__code__.co_varnames[
    1 : JobspecV1._set_extra_options.__code__.co_argcount
]


def _apply_defaults(jobspec: JobspecV1, prog: str, kwargs: dict) -> JobspecV1:
    # as Flux: the environment and default limits are propagated unless rules are given
    env = kwargs.pop("env", [])
    rlimit = kwargs.pop("rlimit", [])
    return jobspec.apply_options(prog=prog, env=env, rlimit=rlimit, **kwargs)
