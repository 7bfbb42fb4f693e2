"""``apply_options``: the submission options applied to a jobspec in the reference order.

Order: env → rlimit → signal → taskmap → dependency → requires → setopt
strings → shell_options → time_limit → setattr strings → attributes →
add_file, then (only with ``prog=``) plugin ``preinit`` and ``modify_jobspec``.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
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

# options that take a list; a bare string is one item (as Flux does for env,
# rlimit, dependency and requires; for the others too, rather than one item per character)
_LIST_OPTIONS = ("env", "rlimit", "dependency", "requires", "add_file", "setopt", "setattr")


def cli_attr_key(key: str) -> str:
    """``--setattr`` keys: bare → ``system.KEY``; ``.KEY`` → ``attributes.KEY``."""
    if key.startswith("."):
        return "attributes" + key
    if not key.startswith(("system.", "user.", "attributes.")):
        return "system." + key
    return key


def _plugin_registry(prog: str):
    # the one climb out of the model, for Python callers that pass prog= only:
    # the commands run their plugins themselves
    from fluxcli.plugins.registry import CLIPluginRegistry

    return CLIPluginRegistry.get(prog)


def apply_options(
    self: JobspecV1,
    args: Any = None,
    *,
    prog: str | None = None,
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
    "batch", "alloc", "bulksubmit") the CLI plugins for that command run
    (``preinit`` then ``modify_jobspec``, after the built-in options) and
    their option dests are accepted as keyword arguments.
    """
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
    registry = _plugin_registry(prog) if prog else None
    if kwargs:
        known = {opt.dest for opt in registry.options} if registry else set()
        unknown = sorted(set(kwargs) - known)
        if unknown:
            names = ", ".join(repr(k) for k in unknown)
            raise TypeError(f"apply_options() got unexpected keyword argument(s): {names}")
    # None for every known option < the namespace < keyword arguments given
    opts = SimpleNamespace(
        **{**dict.fromkeys(explicit), **(vars(args) if args is not None else {})}
    )
    for key, value in {**explicit, **kwargs}.items():
        if value is not None:
            setattr(opts, key, value)
    for key in _LIST_OPTIONS:
        if isinstance(getattr(opts, key, None), str):
            setattr(opts, key, [getattr(opts, key)])
    cli = args is not None  # the commands' path: environment and limits always propagated
    _apply(self, opts, env=env is not None or cli, rlimit=rlimit is not None or cli)
    if registry:
        registry.seed_defaults(opts)
        registry.preinit(opts)
        registry.modify_jobspec(opts, self)
    return self


def _apply(self: JobspecV1, opts: SimpleNamespace, env: bool, rlimit: bool) -> None:
    """The built-in options of ``opts``, in the reference order (see the module docstring)."""
    if env:
        environment, expand = get_filtered_environment(opts.env or [])
        self.environment = environment
        if expand:
            self.setattr_shell_option("env-expand", expand)
    if rlimit:
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
    for key, value in _mapping("shell_options", opts.shell_options).items():
        self.setattr_shell_option(key, value)
    if opts.time_limit is not None:
        self.duration = decode_duration(opts.time_limit)
    for item in getattr(opts, "setattr", None) or []:
        key, value = parse_jobspec_keyval("--setattr", item)
        self.setattr(cli_attr_key(key), value)
    for key, value in _mapping("attributes", opts.attributes).items():
        self.setattr(cli_attr_key(key), value)
    for item in opts.add_file or []:
        try:
            name, data, perms = parse_add_file(item)
            self.add_file(name, data, perms=perms)
        except (OSError, ValueError) as exc:
            raise ValueError(f"--add-file={item}: {exc}")


def _mapping(name: str, value: Any) -> Mapping:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a mapping")
    return value
