"""Request parameter checks at the protocol edge of the local instance.

Every handler reads its parameters through these helpers, so a value of the
wrong type or outside the range its field allows gets a clean error (mostly
EINVAL) before it reaches the job manager or SQLite (whose integers are 64-bit).
:func:`check_jobspec_shape` makes sure a jobspec holds what the instance itself
reads from it, so a submission either fails cleanly or is accepted whole.
"""

from __future__ import annotations

import errno
import math
import signal

from fluxcli.jobspec.status import STATES as JOB_STATES
from fluxcli.jobspec.status import JobResult

from ..protocol import INT64_MAX, INT64_MIN, BadRequest, check_json_text
from . import deps
from .errors import RequestError
from .job import FLAG_NOVALIDATE

REQUIRED = object()  # default of a parameter that must be given
MAX_NOTE = 64 * 1024  # cancel reasons and exception notes
MAX_TYPE = 64  # exception types
MAX_WATCH_IDS = 100_000  # jobs in one watch_many request
MAX_RANKS = 1 << 20
SEVERITY_MAX = 7
LOGS = ("eventlog", "exec", "output", "input")
STDIN_MODES = ("null", "pipe")


def required(params: dict, key: str):
    """A parameter that must be given (of any type)."""
    return _get(params, key, REQUIRED)


def _get(params: dict, key: str, default):
    value = params.get(key, default)
    if value is REQUIRED:
        raise RequestError(errno.EINVAL, f"invalid request: '{key}' is required")
    return value


def integer(
    params: dict,
    key: str,
    default=REQUIRED,
    low: int = INT64_MIN,
    high: int = INT64_MAX,
    message: str | None = None,
) -> int:
    """An integer parameter within ``[low, high]`` (``message`` when outside)."""
    value = _get(params, key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise RequestError(errno.EINVAL, f"'{key}' must be an integer")
    if not low <= value <= high:
        raise RequestError(errno.EINVAL, message or f"'{key}' must be in the range [{low}:{high}]")
    return value


def jobid(params: dict, key: str = "id") -> int:
    """A job id: ids outside what the instance ever issues name no job."""
    value = _get(params, key, REQUIRED)
    if isinstance(value, bool) or not isinstance(value, int):
        raise RequestError(errno.EINVAL, f"'{key}' must be an integer")
    if not 0 <= value <= INT64_MAX:
        raise RequestError(errno.ENOENT, "unknown job id")
    return value


def jobids(params: dict, key: str = "ids") -> list[int]:
    """A non-empty list of job ids, without repeats (first occurrence kept)."""
    value = _get(params, key, REQUIRED)
    if not isinstance(value, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in value
    ):
        raise RequestError(errno.EINVAL, f"{key} must be a list of integers")
    if not value:
        raise RequestError(errno.EINVAL, f"{key} must not be empty")
    if len(value) > MAX_WATCH_IDS:
        raise RequestError(errno.EINVAL, f"{key}: at most {MAX_WATCH_IDS} jobs per request")
    for i in value:
        if not 0 <= i <= INT64_MAX:
            raise RequestError(errno.ENOENT, f"job {i} not found")
    return list(dict.fromkeys(value))


def string(
    params: dict, key: str, default=REQUIRED, max_length: int = MAX_NOTE, nullable=False
) -> str | None:
    """A string parameter of at most ``max_length`` characters (or null if allowed)."""
    value = _get(params, key, default)
    if value is None and nullable:
        return None
    if not isinstance(value, str):
        raise RequestError(errno.EINVAL, f"'{key}' must be a string")
    if len(value) > max_length:
        raise RequestError(errno.EINVAL, f"'{key}' is longer than {max_length} characters")
    return value


def boolean(params: dict, key: str, default: bool) -> bool:
    """A boolean parameter (null means the default)."""
    value = params.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise RequestError(errno.EINVAL, f"'{key}' must be a boolean")
    return value


def choice(params: dict, key: str, default: str, allowed: tuple[str, ...], message: str) -> str:
    """A string parameter that must be one of ``allowed``."""
    value = params.get(key, default)
    if not isinstance(value, str) or value not in allowed:
        raise RequestError(errno.EINVAL, message.format(value=str(value)[:64]))
    return value


def log_name(params: dict) -> str:
    """The eventlog a watch follows."""
    return choice(params, "log", "eventlog", LOGS, "eventlog path {value} not found")


def signum(params: dict) -> int:
    """A signal number."""
    return integer(
        params,
        "signum",
        15,
        1,
        signal.NSIG - 1,
        f"signum must be in the range [1:{signal.NSIG - 1}]",
    )


def exception_type(params: dict) -> str:
    """An exception type: a non-empty word (no whitespace, no '=')."""
    value = string(params, "type", REQUIRED, MAX_TYPE)
    if not value or any(c.isspace() or c == "=" for c in value):
        raise RequestError(errno.EINVAL, "invalid exception type")
    return value


def _names(params: dict, key: str, known: tuple[str, ...], what: str) -> list[str] | None:
    value = params.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise RequestError(errno.EINVAL, f"{key} must be a list of strings")
    for name in value:
        if name not in known:
            raise RequestError(errno.EINVAL, f"unknown job {what} {name[:32]!r}")
    return list(dict.fromkeys(value))  # each once: one SQL variable per name


def states(params: dict) -> list[str] | None:
    """Job states to list (null: all)."""
    return _names(params, "states", JOB_STATES, "state")


def results(params: dict) -> list[str] | None:
    """Job results to list (null: all)."""
    return _names(params, "results", tuple(r.name for r in JobResult), "result")


def list_filter(params: dict) -> dict:
    """The criteria of a ``list`` request, checked (see contract.JobFilter)."""
    ids = jobids(params) if params.get("ids") is not None else None
    since = params.get("since")
    if since is not None and (not isinstance(since, (int, float)) or not _finite(since)):
        raise RequestError(errno.EINVAL, "since must be a finite number")
    return {
        "limit": integer(
            params, "limit", 100, 0, INT64_MAX, "limit must be a non-negative 64-bit integer"
        ),
        "states": states(params),
        "results": results(params),
        "userid": None
        if params.get("userid") is None
        else integer(params, "userid", None, -1, INT64_MAX, "invalid userid"),
        "name": string(params, "name", None, MAX_TYPE * 64, nullable=True),
        "queue": string(params, "queue", None, MAX_TYPE * 64, nullable=True),
        "since": since,
        "ids": ids,
        "order": _order(params),
    }


def _order(params: dict) -> str:
    order = params.get("order", "newest")
    if order not in ("newest", "job-list"):
        raise RequestError(errno.EINVAL, "order must be newest or job-list")
    return order


def ranks(params: dict) -> list[int] | None:
    """Task ranks (null: all)."""
    value = params.get("ranks")
    if value is None:
        return None
    if (
        not isinstance(value, list)
        or len(value) > MAX_RANKS
        or not all(
            isinstance(r, int) and not isinstance(r, bool) and 0 <= r <= INT64_MAX for r in value
        )
    ):
        raise RequestError(errno.EINVAL, "ranks must be a list of task ranks")
    return value


# jobspecs
def jobspec(value, flags: int) -> str:
    """A jobspec: a string of strict JSON whose shape the instance can use."""
    if not isinstance(value, str):
        raise RequestError(errno.EINVAL, "jobspec must be a string")
    try:
        obj = check_json_text(value, "jobspec")
    except BadRequest as exc:
        if not flags & FLAG_NOVALIDATE:
            _validator_objects(value)  # NaN duration: the reference's words
        raise RequestError(exc.errnum, str(exc))
    check_jobspec_shape(value, obj, flags)
    return value


def check_jobspec_shape(text: str, obj, flags: int) -> None:
    """Raise RequestError unless ``obj`` (parsed ``text``) holds what the instance reads.

    This is no validator (FLUX_JOB_NOVALIDATE skips that): it checks what the
    job manager itself relies on (task command and count, resource types and
    counts, job name, duration, dependencies), so that submitting either fails
    before anything is recorded or succeeds.
    """
    try:
        _shape(obj)
    except _Shape as exc:
        if not flags & FLAG_NOVALIDATE:
            _validator_objects(text)
        raise RequestError(errno.EINVAL, f"jobspec: {exc}")


def _validator_objects(text: str) -> None:
    """Where the validator also refuses a jobspec, its message (the reference's) wins.

    Runs only on the way to refusing a jobspec, so it costs nothing otherwise.
    """
    from fluxcli.jobspec import validate_jobspec

    try:
        validate_jobspec(text, require_version=1)
    except (ValueError, TypeError, KeyError, AttributeError, IndexError) as exc:
        raise RequestError(errno.EINVAL, str(exc))
    except Exception:  # the validator choked (too deep, ...): the caller's message stands
        pass


class _Shape(Exception):
    pass


def _need(ok: bool, what: str) -> None:
    if not ok:
        raise _Shape(what)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _finite(value) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int beyond any float
        return False


def _shape(obj) -> None:
    _need(isinstance(obj, dict), "must be a JSON object")
    attributes = obj.get("attributes", {})
    _need(isinstance(attributes, dict), "attributes must be an object")
    system = attributes.get("system", {})
    _need(isinstance(system, dict), "attributes.system must be an object")
    job = system.get("job")
    _need(job is None or isinstance(job, dict), "attributes.system.job must be an object")
    name = (job or {}).get("name")
    _need(name is None or isinstance(name, str), "job name must be a string")
    duration = system.get("duration", 0)
    _need(duration is None or _finite(duration), "duration must be a normal, finite value")
    tasks = obj.get("tasks")
    _need(isinstance(tasks, list) and tasks and isinstance(tasks[0], dict), "tasks missing")
    command = tasks[0].get("command")
    _need(
        isinstance(command, list) and command and all(isinstance(a, str) for a in command),
        "command must be a non-empty list of strings",
    )
    count = tasks[0].get("count")
    _need(isinstance(count, dict), "task count must be an object")
    for key in ("total", "per_slot"):
        if key in count:
            _need(_is_int(count[key]) and 0 < count[key] <= INT64_MAX, f"count {key} invalid")
    resources = obj.get("resources")
    _need(isinstance(resources, list), "resources must be a list")
    _need(_tally(resources, 1) <= INT64_MAX, "resource counts too large")
    if "total" not in count:
        slots = 1
        for res in resources:  # as Job.ntasks counts them
            slots = _slots(res, 1)
        _need(slots * count.get("per_slot", 1) <= INT64_MAX, "task count too large")
    _check_dependencies(system.get("dependencies"))


def _tally(resources: list, mult: int) -> int:
    """Check every vertex (type, count, with) and return a bound on counts below."""
    total = 0
    for res in resources:
        _need(isinstance(res, dict), "resource must be an object")
        _need(isinstance(res.get("type"), str), "resource type must be a string")
        _need("count" in res, "resource count missing")
        count = res["count"]
        if _is_int(count):
            _need(0 <= count <= INT64_MAX, "resource count out of range")
        else:
            count = 1
        children = res.get("with", [])
        _need(isinstance(children, list), "resource 'with' must be a list")
        total += mult * count + _tally(children, mult * count)
        _need(total <= INT64_MAX, "resource counts too large")
    return total


def _slots(res: dict, mult: int) -> int:
    count = res["count"] if _is_int(res["count"]) else 1
    if res["type"] == "slot":
        return mult * count
    for child in res.get("with", []):
        return _slots(child, mult * count)
    return mult


def _check_dependencies(dependencies) -> None:
    if not dependencies:
        return
    _need(isinstance(dependencies, list), "dependencies must be a list")
    for dep in dependencies:
        _need(isinstance(dep, dict), "dependency must be an object")
        scheme, value = dep.get("scheme"), dep.get("value", "")
        _need(isinstance(scheme, str) and isinstance(value, str), "dependency must be strings")
        if scheme in deps.DESCRIPTION:
            try:
                target = deps.parse_target(scheme, value)
            except deps.DependencyError:
                continue  # the job manager says so
            if target > INT64_MAX:
                raise RequestError(errno.ENOENT, f"dependency: {scheme}: id {value}: job not found")
