"""``apply_options``: the submission options applied to a jobspec in the reference order.

Order: env → rlimit → signal → taskmap → dependency → requires → setopt
strings → shell_options → time_limit → setattr strings → attributes →
add_file → plugin ``modify_jobspec``.
"""

from __future__ import annotations

import sys
from types import SimpleNamespace

from .constraints import requires_to_constraint
from .envrules import get_filtered_environment
from .fileref import parse_add_file
from .fsd import decode_duration
from .keyval import parse_jobspec_keyval
from .rlimits import get_filtered_rlimits
from .signals import parse_signal_option
from .uri import dependency_array_create, parse_uri_arg

TYPE_CHECKING = False  # typing is not imported at run time: start-up matters
if TYPE_CHECKING:
    from typing import Any

    from .v1 import JobspecV1

_LIST_OPTIONS = ("env", "rlimit", "dependency", "requires", "add_file")


def cli_attr_key(key: str) -> str:
    """``--setattr`` keys: bare → ``system.KEY``; ``.KEY`` → ``attributes.KEY``."""
    if key.startswith("."):
        return "attributes" + key
    if not key.startswith(("system.", "user.", "attributes.")):
        return "system." + key
    return key


def _as_list(value) -> list | None:
    if value is None:
        return None
    return [value] if isinstance(value, str) else list(value)


def _plugin_registry(prog: str):
    from fluxcli.plugins.registry import CLIPluginRegistry  # lazily: only with prog

    return CLIPluginRegistry.get(prog)


def apply_options(
    self: JobspecV1,
    args: Any = None,
    *,
    prog: str | None = None,
    _preinit: bool = True,
    env=None,
    rlimit=None,
    signal=None,
    taskmap=None,
    dependency=None,
    requires=None,
    shell_options=None,
    time_limit=None,
    attributes=None,
    add_file=None,
    **kwargs,
) -> JobspecV1:
    """Apply submission options to this jobspec in place and return it.

    Options come from keyword arguments and/or ``args`` (a namespace, as the
    commands use); keyword arguments win. ``env`` and ``rlimit`` apply only
    when given or when ``args`` is given. With ``prog`` ("submit", "run",
    "batch", "alloc", "bulksubmit") the CLI plugins for that command run and
    their option dests are accepted as keyword arguments.
    """
    opts = SimpleNamespace(**vars(args)) if args is not None else SimpleNamespace()
    explicit = {
        "env": env,
        "rlimit": rlimit,
        "signal": signal,
        "taskmap": taskmap,
        "dependency": dependency,
        "requires": requires,
        "shell_options": shell_options,
        "time_limit": time_limit,
        "attributes": attributes,
        "add_file": add_file,
    }
    for key, value in explicit.items():
        if value is not None:
            setattr(opts, key, _as_list(value) if key in _LIST_OPTIONS else value)
        elif not hasattr(opts, key):
            setattr(opts, key, None)

    registry = _plugin_registry(prog) if prog else None
    if kwargs:
        known = {opt.dest for opt in registry.options} if registry else set()
        unknown = [k for k in kwargs if k not in known]
        if unknown:
            names = ", ".join(repr(k) for k in unknown)
            raise TypeError(f"apply_options() got unexpected keyword argument(s): {names}")
        for key, value in kwargs.items():
            setattr(opts, key, value)
    if registry and _preinit:
        registry.seed_defaults(opts)
        registry.preinit(opts)

    if env is not None or args is not None:
        environment, expand = get_filtered_environment(opts.env or [])
        self.environment = environment
        if expand:
            self.setattr_shell_option("env-expand", expand)
    if rlimit is not None or args is not None:
        limits = get_filtered_rlimits(opts.rlimit or [])
        if limits:
            self.setattr_shell_option("rlimit", limits)
    if opts.signal:
        self.setattr_shell_option("signal", parse_signal_option(opts.signal))
    if opts.taskmap:
        self.setattr_shell_option("taskmap", parse_uri_arg(opts.taskmap, "taskmap"))
    if opts.dependency:
        deps = dependency_array_create(opts.dependency)
        for dep in deps:
            if dep["scheme"] == "after":
                print("dependency scheme 'after' is deprecated, use 'afterstart'", file=sys.stderr)
        self.setattr("system.dependencies", deps)
    if opts.requires:
        self.setattr("system.constraints", requires_to_constraint(opts.requires))
    for item in getattr(opts, "setopt", None) or []:
        key, value = parse_jobspec_keyval("--setopt", item)
        self.setattr_shell_option(key, value)
    for key, value in (opts.shell_options or {}).items():
        self.setattr_shell_option(key, value)
    if opts.time_limit is not None:
        self.duration = decode_duration(opts.time_limit)
    for item in getattr(opts, "setattr", None) or []:
        key, value = parse_jobspec_keyval("--setattr", item)
        self.setattr(cli_attr_key(key), value)
    for key, value in (opts.attributes or {}).items():
        self.setattr(cli_attr_key(key), value)
    for item in opts.add_file or []:
        try:
            name, data, perms = parse_add_file(item)
            self.add_file(name, data, perms=perms)
        except (OSError, ValueError) as exc:
            raise ValueError(f"--add-file={item}: {exc}")
    if registry:
        registry.modify_jobspec(opts, self)
    return self
