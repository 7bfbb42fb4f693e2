"""``Jobspec``: the RFC 14 canonical jobspec with dotted-key accessors."""

from __future__ import annotations

import collections
import collections.abc as abc
import json
import math
import numbers
import os
from collections.abc import Iterator

from .fileref import check_file_name, fileref
from .fsd import parse_fsd
from .treedict import del_treedict, get_treedict, set_treedict
from .validate import (
    TOP_LEVEL_KEYS,
    validate_attributes,
    validate_keys,
    validate_resource,
    validate_task,
)

TYPE_CHECKING = False  # typing is not imported at run time: start-up matters
if TYPE_CHECKING:
    from typing import Any


def attr_key(key: str) -> str:
    """Qualify a key: bare → ``attributes.system.KEY``; ``user.``/``system.`` → ``attributes.``."""
    if not key.startswith("attributes."):
        if not key.startswith(("user.", "system.")):
            key = "system." + key
        key = "attributes." + key
    return key


def _io_property(stream: str, name: str, doc: str) -> property:
    path_key = f"attributes.system.shell.options.{stream}.{name}.path"

    def getter(self: Jobspec) -> str | None:
        return get_treedict(self.jobspec, path_key)

    def setter(self: Jobspec, path: str | os.PathLike) -> None:
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(
                f"The path must be a string or pathlib object, got {type(path).__name__}"
            )
        self.setattr_shell_option(f"{stream}.{name}", {"type": "file", "path": os.fspath(path)})

    return property(getter, setter, doc=doc)


class Jobspec:
    """A canonical (RFC 14) jobspec: resources, tasks, attributes and version.

    The constructor validates every section and raises TypeError/ValueError
    with the reference's messages; ``jobspec`` holds the underlying dict.
    """

    top_level_keys = TOP_LEVEL_KEYS

    def __init__(self, resources, tasks, attributes, version):
        if not isinstance(resources, abc.Sequence):
            raise TypeError("resources must be a sequence")
        if not isinstance(tasks, abc.Sequence):
            raise TypeError("tasks must be a sequence")
        if not isinstance(attributes, abc.Mapping):
            raise TypeError("attributes must be a mapping")
        if not isinstance(version, int):
            raise TypeError("version must be an integer")
        if version < 1:
            raise ValueError("version must be >= 1")
        self.jobspec = {
            "resources": resources,
            "tasks": tasks,
            "attributes": attributes,
            "version": version,
        }
        for res in self:
            validate_resource(res)
        for task in tasks:
            validate_task(task)
        validate_attributes(attributes)

    # construction from text
    @classmethod
    def from_yaml_stream(cls, yaml_stream):
        """Create a jobspec from a YAML (or JSON) file-like object or string."""
        import yaml  # lazily: YAML is only needed here

        obj = yaml.safe_load(yaml_stream)
        if not isinstance(obj, dict):
            raise ValueError("jobspec must be a mapping")
        validate_keys(cls.top_level_keys, obj.keys())
        return cls(**obj)

    @classmethod
    def from_yaml_file(cls, filename):
        """Create a jobspec from a path to a YAML file."""
        with open(filename, "rb") as infile:
            return cls.from_yaml_stream(infile)

    @classmethod
    def loads(cls, text: str):
        """Create a jobspec from its JSON encoding (the inverse of ``dumps``)."""
        obj = json.loads(text)
        validate_keys(cls.top_level_keys, obj.keys())
        return cls(**obj)

    def dumps(self, **kwargs) -> str:
        """Encode as JSON (non-ASCII kept), with ``json.dumps`` keyword arguments."""
        return json.dumps(self.jobspec, ensure_ascii=False, **kwargs)

    # raw sections
    @property
    def resources(self):
        """Jobspec resources section."""
        return self.jobspec.get("resources")

    @property
    def tasks(self):
        """Jobspec tasks section."""
        return self.jobspec.get("tasks")

    @property
    def attributes(self):
        """Jobspec attributes section."""
        return self.jobspec.get("attributes")

    @property
    def version(self):
        """Jobspec version section."""
        return self.jobspec.get("version")

    # resources
    def __iter__(self) -> Iterator[dict]:
        """Depth-first, pre-order traversal of all resource vertices."""
        stack = list(reversed(self.resources))
        while stack:
            res = stack.pop()
            yield res
            children = res.get("with", []) if isinstance(res, abc.Mapping) else []
            stack.extend(reversed(children))

    def resource_walk(self):
        """Yield ``(parent, resource, count)`` depth-first, pre-order.

        ``count`` multiplies the counts of all ancestors (``with`` nesting).
        """

        def walk(parent, resources, multiplier):
            for res in resources:
                count = multiplier * res["count"]
                yield parent, res, count
                yield from walk(res, res.get("with", []), count)

        return walk(None, self.resources, 1)

    def resource_counts(self):
        """Total count of each resource type (units are ignored)."""
        counts = collections.defaultdict(int)
        for _, res, count in self.resource_walk():
            counts[res["type"]] += count
        return counts

    # attributes
    def getattr(self, key: str):
        """Get an attribute by dotted key (``system.duration`` or ``attributes.system.duration``).

        Raises KeyError when any component is missing.
        """
        value = get_treedict(self.jobspec, attr_key(key))
        if value is None:
            raise KeyError(key)
        return value

    def setattr(self, key: str, val: Any) -> None:
        """Set an attribute by dotted key, creating intermediate levels."""
        key = attr_key(key)
        try:
            set_treedict(self.jobspec, key, val)
        except (TypeError, KeyError, AttributeError) as exc:
            raise TypeError(f"failed to set {key} to {val}: {exc}")

    def delattr(self, key: str) -> None:
        """Remove an attribute (and empty parents) by dotted key."""
        del_treedict(self.jobspec, attr_key(key), remove_empty=True)

    def setattr_shell_option(self, key: str, val: Any) -> None:
        """Set job-shell option ``key`` (``attributes.system.shell.options.KEY``)."""
        self.setattr("system.shell.options." + key, val)

    def add_file(self, path: str, data, perms: int | None = None, encoding: str | None = None):
        """Add an RFC 37 file to ``attributes.system.files``.

        ``data`` is a mapping, inline content (has a newline, or ``encoding``
        given), or a local path whose content is read now.
        """
        if not isinstance(data, (abc.Mapping, str)):
            raise TypeError("data must be a Mapping or string")
        check_file_name(path)
        if encoding is None and isinstance(data, str) and "\n" in data:
            encoding = "utf-8"
        entry = fileref(data, perms=perms, encoding=encoding)
        system = self.jobspec["attributes"].setdefault("system", {})
        system.setdefault("files", {})[path] = entry

    # well-known attributes
    @property
    def duration(self):
        """Job's time limit in seconds (0 = unlimited).

        Set from an int or float (seconds), an FSD string, or a timedelta.
        """
        return get_treedict(self.jobspec, "attributes.system.duration")

    @duration.setter
    def duration(self, duration):
        if isinstance(duration, str):
            time = parse_fsd(duration)
        elif type(duration).__name__ == "timedelta" and hasattr(duration, "total_seconds"):
            time = duration.total_seconds()
        elif isinstance(duration, numbers.Number) and not isinstance(duration, bool):
            time = float(duration)
        else:
            raise TypeError("duration must be an int, float, string, or timedelta")
        if time < 0:
            raise ValueError("duration must not be negative")
        if math.isnan(time) or math.isinf(time):
            raise ValueError("duration must be a normal, finite value")
        self.setattr("system.duration", time)

    @property
    def cwd(self):
        """Working directory of job."""
        return get_treedict(self.jobspec, "attributes.system.cwd")

    @cwd.setter
    def cwd(self, cwd):
        if isinstance(cwd, os.PathLike):
            cwd = os.fspath(cwd)
        if not isinstance(cwd, str):
            raise ValueError("cwd must be a string")
        self.setattr("system.cwd", cwd)

    @property
    def environment(self):
        """Environment of job."""
        return get_treedict(self.jobspec, "attributes.system.environment")

    @environment.setter
    def environment(self, environ):
        if not isinstance(environ, abc.Mapping):
            raise ValueError("environment must be a mapping")
        self.setattr("system.environment", environ)

    @property
    def queue(self):
        """Target queue of job submission."""
        return get_treedict(self.jobspec, "attributes.system.queue")

    @queue.setter
    def queue(self, queue):
        if not isinstance(queue, str):
            raise TypeError("queue must be a string")
        self.setattr("system.queue", queue)

    stdin = input = _io_property("input", "stdin", "Path to use for stdin.")
    stdout = output = _io_property("output", "stdout", "Path to use for stdout.")
    stderr = error = _io_property("output", "stderr", "Path to use for stderr.")

    @property
    def unbuffered(self) -> bool:
        """True if std output and error are unbuffered."""
        base = "attributes.system.shell.options.output"
        return all(
            get_treedict(self.jobspec, f"{base}.{s}.buffer.type") == "none"
            for s in ("stdout", "stderr")
        )

    @unbuffered.setter
    def unbuffered(self, value: bool) -> None:
        if not isinstance(value, bool):
            raise TypeError("unbuffered must be True or False")
        if value:
            for stream in ("stdout", "stderr"):
                self.setattr_shell_option(f"output.{stream}.buffer.type", "none")
            self.setattr_shell_option("output.batch-timeout", 0.05)
            self.setattr_shell_option("input.batch-timeout", 0.0)
            return
        opts = get_treedict(self.jobspec, "attributes.system.shell.options", {})
        for stream in ("stdout", "stderr"):
            if get_treedict(opts, f"output.{stream}.buffer") is not None:
                del_treedict(opts, f"output.{stream}.buffer", remove_empty=True)
        for key, default in (("output.batch-timeout", 0.05), ("input.batch-timeout", 0.0)):
            if get_treedict(opts, key) == default:
                del_treedict(opts, key, remove_empty=True)

    def __repr__(self) -> str:
        js = self.jobspec
        return (
            f"{type(self).__name__}({js['resources']!r}, {js['tasks']!r}, "
            f"attributes={js['attributes']!r}, version={js['version']!r})"
        )

    def __str__(self) -> str:
        return str(self.jobspec)
