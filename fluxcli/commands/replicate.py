"""``{cc}`` / bulksubmit ``{}`` substitution into the command and the mutable options."""

from __future__ import annotations

import copy
from types import SimpleNamespace

from fluxcli.errors import FluxcliError
from fluxcli.jobspec.idset import idset_size, parse_idset
from fluxcli.jobspec.templates import protected_format

# (dest, how the option is shown) in the reference's order
MUTABLE = [
    ("queue", "-q"),
    ("bank", "-B"),
    ("ntasks", "-n"),
    ("nodes", "-N"),
    ("cores_per_task", "-c"),
    ("gpus_per_task", "-g"),
    ("cores", "--cores="),
    ("tasks_per_node", "--tasks-per-node="),
    ("tasks_per_core", "--tasks-per-core="),
    ("gpus_per_node", "--gpus-per-node="),
    ("time_limit", "-t"),
    ("env", "--env="),
    ("urgency", "--urgency="),
    ("setopt", "-o "),
    ("setattr", "--setattr="),
    ("job_name", "--job-name="),
    ("input", "--input="),
    ("output", "--output="),
    ("error", "--error="),
    ("cc", "--cc="),
    ("bcc", "--bcc="),
    ("log", "--log="),
    ("log_stderr", "--log-stderr="),
    ("dependency", "--dependency="),
    ("taskmap", "--taskmap="),
    ("requires", "--requires="),
    ("wait_event", "--wait-event="),
    ("cwd", "--cwd="),
    ("flags", "--flags="),
    ("signal", "--signal="),
]
_DEFAULTS = {"urgency": "16"}


MAX_COPIES = 100_000  # --cc/--bcc: each copy is a whole jobspec in memory


def cc_list(ns: SimpleNamespace) -> list[int | None]:
    """The copy ids of --cc/--bcc, or ``[None]`` for a single job."""
    if ns.cc and ns.bcc:
        raise FluxcliError("specify only one of --cc or --bcc")
    value = ns.cc or ns.bcc
    if not value:
        return [None]
    count = idset_size(value)  # the reference's message for a malformed idset
    if count > MAX_COPIES:
        option = "--cc" if ns.cc else "--bcc"
        raise FluxcliError(
            f"{option}={value}: {count} copies asked for, at most {MAX_COPIES} allowed"
        )
    return parse_idset(value)


def option_string(flag: str, value) -> str:
    """Show one option as the reference does (lists as Python lists)."""
    return f"{flag}{value!r}" if isinstance(value, list) else f"{flag}{value}"


def substitute(
    ns: SimpleNamespace, command: list[str], *args, **kwargs
) -> tuple[SimpleNamespace, list[str]]:
    """Return copies of ``ns`` and ``command`` with ``str.format`` fields replaced."""
    new_command = []
    for word in command:
        try:
            new_command.append(protected_format(word, *args, **kwargs))
        except (IndexError, KeyError, ValueError, AttributeError):
            raise FluxcliError(f"Invalid replacement string in command: '{word}'")
    new_ns = copy.copy(ns)
    for dest, flag in MUTABLE:
        value = getattr(ns, dest, None)
        if value is None:
            continue
        try:
            if isinstance(value, list):
                value = [protected_format(v, *args, **kwargs) for v in value]
            elif isinstance(value, str):
                value = protected_format(value, *args, **kwargs)
        except KeyError as exc:
            raise FluxcliError(
                f"Replacement key {exc} not found in '{option_string(flag, getattr(ns, dest))}'"
            )
        except (IndexError, ValueError, AttributeError):
            raise FluxcliError(
                f"Invalid replacement index in {option_string(flag, getattr(ns, dest))}'"
            )
        setattr(new_ns, dest, value)
    return new_ns, new_command


def describe_changes(ns: SimpleNamespace, command: list[str]) -> str:
    """``-n2 --job-name=1 hostname``: the given mutable options and the command."""
    parts = []
    for dest, flag in MUTABLE:
        value = getattr(ns, dest, None)
        if value in (None, [], False) or value == _DEFAULTS.get(dest):
            continue
        parts.append(option_string(flag, value))
    return " ".join(parts + list(command))
