"""RFC 14 (canonical) and RFC 25 (V1) jobspec rules, with the reference's messages."""

from __future__ import annotations

import collections.abc as abc
import math

from .idset import parse_idset

TYPE_CHECKING = False  # typing is not imported at run time: start-up matters
if TYPE_CHECKING:
    from typing import Any

TOP_LEVEL_KEYS = {"resources", "tasks", "version", "attributes"}


def validate_keys(
    expected, given, keys_optional: bool = False, allow_additional: bool = False
) -> None:
    """Raise ``Missing key (k)`` / ``Extraneous key (k)`` for the first offender."""
    expected, given = set(expected), set(given)
    if not keys_optional:
        for key in expected - given:
            raise ValueError(f"Missing key ({key})")
    if not allow_additional:
        for key in given - expected:
            raise ValueError(f"Extraneous key ({key})")


def validate_range(rng: abc.Mapping) -> None:
    """Check an RFC 14 count range ``{min, max, operand, operator}``."""
    if "min" not in rng:
        raise ValueError("min must be in range")
    validate_keys(["min", "max", "operand", "operator"], rng.keys(), keys_optional=True)
    for key in ("min", "max", "operand"):
        if key in rng:
            if not isinstance(rng[key], int):
                raise TypeError(f"{key} must be an int")
            if rng[key] < 1:
                raise ValueError(f"{key} must be > 0")
    if "max" in rng and rng["max"] < rng["min"]:
        raise ValueError("max must be >= min")
    if ("operand" in rng) != ("operator" in rng):
        raise ValueError("operand and operator must both be in range if either is")
    if "operator" in rng:
        operator = rng["operator"]
        if not isinstance(operator, str) or len(operator) != 1:
            raise TypeError("operator must be a single character str")
        if operator not in ("+", "*", "^"):
            raise ValueError("operator must be one of ['+', '*', '^']")
        if operator in ("*", "^") and rng["operand"] < 2:
            raise ValueError("operand must be > 1 for '*' or '^' operator")
        if operator == "^" and rng["min"] < 2:
            raise ValueError("min must be > 1 for '^' operator")


def validate_count_string(count: str) -> None:
    """Accept an idset (``"4,9,16"``) or a range string (``"2-32:2:*"``, ``"4+"``)."""
    try:
        parse_idset(count)
        return
    except ValueError:
        pass
    values = count.split(":")
    if len(values) > 3 or ("-" not in values[0] and "+" not in values[0]):
        raise ValueError("count string must be a valid idset or range")
    rng: dict[str, Any] = {}
    try:
        if "-" in values[0]:
            low, _, high = values[0].partition("-")
            rng["max"] = int(high)
        else:
            low = values[0].rstrip("+")
        rng["min"] = int(low)
        if len(values) > 1:
            rng["operand"] = int(values[1])
            rng["operator"] = "+"
    except ValueError:
        raise ValueError("count string must be a valid idset or range")
    if len(values) > 2:
        rng["operator"] = values[2]
    validate_range(rng)


def validate_resource(res: Any) -> None:
    """Check one resource vertex (not its children)."""
    if not isinstance(res, abc.Mapping):
        raise TypeError("resource must be a mapping")
    if "type" not in res:
        raise ValueError("type is a required key for resources")
    if not isinstance(res["type"], str):
        raise TypeError("type must be a string")
    if "count" not in res:
        raise ValueError("count is a required key for resources")
    count = res["count"]
    if isinstance(count, abc.Mapping):
        validate_range(count)
    elif isinstance(count, str):
        validate_count_string(count)
    elif not isinstance(count, int) or isinstance(count, bool):
        raise TypeError("count must be an int or mapping")
    else:
        if res["type"] in ("node", "slot", "core") and count < 1:
            raise ValueError("node, slot, or core count must be > 0")
        if count < 0:
            raise ValueError("count must be >= 0")
    for key in ("id", "unit", "label"):
        if key in res and not isinstance(res[key], str):
            raise TypeError(f"{key} must be a string")
    if "exclusive" in res and res["exclusive"] not in (True, False):
        raise TypeError("exclusive must be a boolean")
    if res["type"] == "slot" and "label" not in res:
        raise ValueError("slots must have labels")


def validate_task(task: Any) -> None:
    """Check one entry of the tasks section."""
    if not isinstance(task, abc.Mapping):
        raise TypeError("task must be a mapping")
    validate_keys(["command", "slot", "count"], task.keys(), allow_additional=True)
    count = task["count"]
    if not isinstance(count, abc.Mapping):
        raise TypeError("count must be a mapping")
    if len(count) != 1:
        raise ValueError("count must have exactly one key set")
    if count.keys().isdisjoint({"per_slot", "per_resource", "total"}):
        raise ValueError("count per_slot, per_resource, or total must be set")
    for key in ("total", "per_slot"):
        if key in count:
            if not isinstance(count[key], int):
                raise TypeError(f"count {key} must be an int")
            if count[key] <= 0:
                raise ValueError(f"count {key} must be > 0")
    if not isinstance(task["slot"], str):
        raise TypeError("slot must be a string")
    if "attributes" in task and not isinstance(task["attributes"], abc.Mapping):
        raise TypeError("attributes must be a mapping")
    command = task["command"]
    if len(command) == 0:
        raise TypeError("command array cannot have length of zero")
    if (
        isinstance(command, str)
        or not isinstance(command, abc.Sequence)
        or not all(isinstance(x, str) for x in command)
    ):
        raise TypeError("command must be a list of strings")


def validate_constraint(constraint: Any) -> None:
    """Check an RFC 31 constraint object."""
    if not isinstance(constraint, abc.Mapping):
        raise TypeError("constraints must be a mapping")
    for operator, args in constraint.items():
        if not isinstance(operator, str):
            raise TypeError(f"constraint operation {operator} is not a string")
        if not isinstance(args, abc.Sequence):
            raise TypeError(f"argument to constraint {operator} must be a sequence")
        if operator in ("and", "or", "not"):
            for sub in args:
                validate_constraint(sub)
        elif operator == "properties":
            for name in args:
                if any(c in "&'\"`|()" for c in name):
                    raise TypeError(f"invalid character in property '{name}'")
        elif operator == "hostlist":
            from .hostlist import decode_hostlist

            for hosts in args:
                decode_hostlist(hosts)
        elif operator == "ranks":
            for ranks in args:
                parse_idset(ranks)
        else:
            raise TypeError(f"unknown constraint operator '{operator}'")


def validate_attributes(attributes: abc.Mapping) -> None:
    """Check the attributes section (only ``system`` and ``user``)."""
    validate_keys(["system", "user"], attributes.keys(), keys_optional=True)
    system = attributes.get("system")
    if not isinstance(system, abc.Mapping):
        return
    if "dependencies" in system:
        deps = system["dependencies"]
        if not isinstance(deps, abc.Sequence) or isinstance(deps, str):
            raise TypeError("attributes.system.dependencies must be a list")
        for dep in deps:
            validate_keys(["scheme", "value"], dep.keys(), allow_additional=True)
            if not isinstance(dep["scheme"], str):
                raise TypeError("dependency scheme must be a string")
            if not isinstance(dep["value"], str):
                raise TypeError("dependency value must be a string")
            if dep["scheme"] == "begin-time":
                validate_begin_time(dep["value"])
    if "constraints" in system:
        validate_constraint(system["constraints"])
    if "files" in system:
        validate_files(system["files"])


def validate_files(files: Any) -> None:
    """RFC 37 ``attributes.system.files``: names stay inside the job's tmpdir."""
    from .fileref import check_file_name

    if not isinstance(files, abc.Mapping):
        raise TypeError("attributes.system.files must be a mapping")
    for name, entry in files.items():
        try:
            check_file_name(name)
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"attributes.system.files: {exc}")
        if not isinstance(entry, abc.Mapping):
            raise TypeError(f"attributes.system.files: entry '{name}' must be a mapping")


def validate_begin_time(value: str) -> None:
    """A begin-time value must be a finite, non-negative number of seconds (epoch)."""
    try:
        when = float(value)
    except ValueError:
        raise ValueError(f"Invalid begin-time={value}")
    if not math.isfinite(when) or when < 0:
        raise ValueError(f"Invalid begin-time={value}")


def validate_counts(resources: abc.Sequence) -> None:
    """V1: every resource count must be an integer, recursively."""
    for res in resources:
        count = res["count"]
        if not isinstance(count, int):
            raise ValueError(
                f"resource count must be an integer for type '{res['type']}' "
                f"(got '{type(count).__name__}')"
            )
        validate_counts(res.get("with", []))


def validate_v1(resources: abc.Sequence, tasks: abc.Sequence, attributes: abc.Mapping) -> None:
    """RFC 25 rules on top of RFC 14."""
    if "system" not in attributes:
        raise ValueError("attributes.system is a required key")
    system = attributes["system"]
    if not isinstance(system, abc.Mapping):
        raise ValueError("attributes.system must be a mapping")
    if "duration" not in system:
        raise ValueError("attributes.system.duration is a required key")
    duration = system["duration"]
    if isinstance(duration, bool) or not isinstance(duration, (int, float)):
        raise ValueError("attributes.system.duration must be a number")
    try:
        finite = math.isfinite(duration)
    except OverflowError:  # an int beyond any float
        finite = False
    if not finite:
        raise ValueError("duration must be a normal, finite value")
    for task in tasks:
        if "per_slot" not in task["count"] and "total" not in task["count"]:
            raise ValueError("count per_slot or total must be set")
    validate_counts(resources)
