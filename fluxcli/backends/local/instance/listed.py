"""What job listings add to a stored job, which jobs they select, and job-list's order, in SQL.

A listed job carries, beside its row, values taken from its jobspec and main
eventlog (``LISTED``: SQL expressions over the ``jobs`` row): its working
directory, the dependencies not yet met, when it entered PRIORITY and SCHED,
the scheduler's annotations and the user annotations of its ``memo`` events.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from fluxcli.jobspec.status import STATES

LISTED = {
    "cwd": "json_extract(jobspec, '$.attributes.system.cwd')",
    # dependencies still outstanding: each added one not yet removed (RFC 21 events)
    "dependencies": "(SELECT json_group_array(json_extract(a.context, '$.description')) "
    "FROM events a WHERE a.jobid=jobs.id AND a.log='eventlog' AND a.name='dependency-add' "
    "AND NOT EXISTS (SELECT 1 FROM events r WHERE r.jobid=jobs.id AND r.log='eventlog' "
    "AND r.name='dependency-remove' AND json_extract(r.context, '$.description') "
    "= json_extract(a.context, '$.description')))",
    "t_priority": "(SELECT timestamp FROM events WHERE jobid=jobs.id AND log='eventlog' "
    "AND name='depend')",
    "t_sched": "(SELECT timestamp FROM events WHERE jobid=jobs.id AND log='eventlog' "
    "AND name='priority' ORDER BY seq LIMIT 1)",
    "alloc": "(SELECT context FROM events WHERE jobid=jobs.id AND log='eventlog' AND name='alloc')",
    "memo": "(SELECT group_concat(context, char(10)) FROM events WHERE jobid=jobs.id "
    "AND log='eventlog' AND name='memo')",
}
# flux-core job-list's groups of states and the order within each
LIST_GROUPS = (
    (("NEW", "DEPEND", "PRIORITY", "SCHED"), "priority DESC, id ASC"),
    (("RUN", "CLEANUP"), "t_run DESC"),
    (("INACTIVE",), "t_inactive DESC"),
)


def listed_record(record: dict, extras: tuple) -> dict:
    """``record`` (a stored job) completed with the values of ``LISTED``, in its order."""
    extra = dict(zip(LISTED, extras, strict=True))
    record["cwd"] = extra["cwd"]
    record["t_priority"] = extra["t_priority"]
    record["t_sched"] = extra["t_sched"]
    record["ranks"] = _alloc_ranks(record["ranks"])
    record["annotations"] = json.loads(extra["alloc"] or "{}").get("annotations", {})
    for memo in (extra["memo"] or "").splitlines():  # memo events are user annotations
        record["annotations"].setdefault("user", {}).update(json.loads(memo))
    record["dependencies"] = json.loads(extra["dependencies"] or "[]")
    return record


def _alloc_ranks(alloc: str | None) -> str:
    """The ranks of an allocation (stored as JSON) as an RFC 22 idset."""
    if not alloc:
        return ""
    from fluxcli.jobspec.idset import encode_idset

    return encode_idset(int(rank) for rank in json.loads(alloc).get("cores", {}))


def filter_clauses(
    ids, states, results, userid, name, queue, since
) -> tuple[list[str], list, list[str] | None]:
    """SQL conditions on the ``jobs`` table for a ``contract.JobFilter``'s fields: the
    clauses, their arguments, and the states still to select (None: every state)."""
    clauses: list[str] = []
    args: list = []

    def among(column: str, values: list) -> str:
        args.extend(values)
        return f"{column} IN ({','.join('?' * len(values))})"

    if ids is not None:
        clauses.append(among("id", ids))
    if states and set(states) >= set(STATES) and not results:
        states = None  # every state: no clause, the newest come straight off the id order
    if states and results:
        clauses.append(f"({among('state', states)} OR {among('result', results)})")
    elif states:
        clauses.append(among("state", states))
    elif results:
        clauses.append(among("result", results))
    for column, value in (("userid", userid), ("name", name)):
        if value is not None and value != -1:
            clauses.append(f"{column}=?")
            args.append(value)
    if queue is not None:
        clauses.append("0")  # the local instance has no queues
    if since is not None:
        clauses.append("(state != 'INACTIVE' OR t_inactive > ?)")
        args.append(since)
    return clauses, args, states


def job_list_order(
    db, select: str, clauses: list[str], args: list, states, results, limit: int,
    convert: Callable[[tuple], dict],
) -> list[dict]:  # fmt: skip
    """The rows ``select`` + ``clauses`` picks, ``limit`` in all (0: all), in job-list's
    order: pending (highest priority, then oldest), running (latest started), then
    inactive (latest ended); one indexed query per group of states."""
    found: list[dict] = []
    for group, order in LIST_GROUPS:
        wanted = [
            state
            for state in group
            if (not states and not results)
            or (states and state in states)
            or (results and state == "INACTIVE")
        ]
        if not wanted or (limit and len(found) >= limit):
            continue
        marks = ",".join("?" * len(wanted))
        sql = " AND ".join([f"{select} WHERE state IN ({marks})", *clauses])
        sql += f" ORDER BY {order}"
        if limit:
            sql += f" LIMIT {int(limit) - len(found)}"
        found.extend(convert(row) for row in db.execute(sql, [*wanted, *args]))
    return found
