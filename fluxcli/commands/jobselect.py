"""Which jobs fxjobs, fx pgrep and fx pkill list: their options as one JobFilter.

The rules are those of ``flux jobs``: active jobs of the caller by default;
``-a`` adds inactive ones unless ``--filter`` is given; ``--since`` implies
``-a`` unless ``--filter`` is given; ``-A`` is ``-u all``; job ids on the
command line replace every other criterion.
"""

from __future__ import annotations

import os

from fluxcli.errors import FluxcliError

ALL_USERS = -1


def parse_user(text: str | None, invalid: str = "Invalid user {} specified") -> int:
    """``-u USER``: a login name, a uid, or "all" (-1); the caller's uid for None.

    ``invalid`` words the error for a name that is neither (``{}``: the name).
    """
    if text is None:
        return os.getuid()
    if text == "all":
        return ALL_USERS
    import pwd

    try:
        return pwd.getpwnam(text).pw_uid
    except KeyError:
        try:
            return int(text)
        except ValueError:
            raise FluxcliError(invalid.format(text)) from None


def parse_since(text: str, invalid: str = "could not convert string to float: '{}'") -> float:
    """``--since WHEN``: a date/time phrase, ``-FSD``, or epoch seconds, in the past.

    ``invalid`` words the error for a value that is none of these (``{}``: the value).
    """
    from fluxcli.jobspec.fsd import parse_datetime

    try:
        when = parse_datetime(text)
    except ValueError:
        try:
            when = float(text)
        except ValueError:
            raise FluxcliError(invalid.format(text)) from None
    import time

    if when > time.time():
        raise FluxcliError(f"--since={text} appears to be in the future")
    return when


class Selection:
    """The selection options of a listing command, turned into a JobFilter.

    ``warn`` is called with each warning the reference prints.
    """

    def __init__(
        self,
        show_all: bool = False,
        every_user: bool = False,
        user: str | None = None,
        filters: tuple[str, ...] = (),
        since: str | None = None,
        name: str | None = None,
        queues: tuple[str, ...] = (),
        count: int | None = None,
        include: str | None = None,
    ):
        self.show_all = show_all
        self.user_given = user is not None or every_user
        self.user = "all" if every_user else user
        self.filters = [word for value in filters for word in value.split(",")]
        self.since = since
        self.name = name
        self.queues = sorted({q for value in queues for q in value.split(",") if q})
        self.include = parse_targets(include) if include else None
        if include and user is None and not every_user:
            self.user = "all"  # as flux jobs: -i looks at every user's jobs
        self.count_given = count is not None
        self.count = 1000 if count is None else count

    @property
    def filtered(self) -> bool:
        """Whether any selection option was given (they are ignored with job ids)."""
        given = (self.show_all, self.filters, self.since, self.name, self.queues)
        return (
            self.count_given
            or self.user_given
            or any(value not in (None, False, "", []) for value in given)
        )

    def job_filter(self, warn) -> object:
        """The JobFilter (with one more than ``count`` jobs, to tell when the list was cut)."""
        from fluxcli.backends.contract import JobFilter
        from fluxcli.jobspec.status import parse_filters

        since = None
        show_all = self.show_all
        if self.since:
            since = parse_since(self.since)
            show_all = show_all or not self.filters
        words = list(self.filters)
        if show_all:
            if self.filters:
                warn("Both -a and --filter specified, ignoring -a")
            else:
                words = ["pending", "running", "inactive"]
        words = words or ["pending", "running"]
        try:
            states, results = parse_filters(words)
        except ValueError as exc:
            raise FluxcliError(str(exc)) from None
        return JobFilter(
            states=states or None,
            results=results or None,
            userid=parse_user(self.user),
            name=self.name,
            queue=self.queues[0] if len(self.queues) == 1 else None,
            since=since,
            limit=self.count + 1 if self.count > 0 and self.include is None else 0,
            order="job-list",
        )

    def wanted(self, record) -> bool:
        """Whether a listed record passes what the backend could not select (several
        queues, -i)."""
        if len(self.queues) > 1 and (record.queue or "") not in self.queues:
            return False
        return self.include is None or self.include(record)


def parse_targets(text: str):
    """``-i HOSTS|RANKS``: a test of whether a job ran on any of these ranks or hosts."""
    from fluxcli.jobspec.hostlist import decode_hostlist
    from fluxcli.jobspec.idset import parse_idset

    try:
        ranks = set(parse_idset(text))
        return lambda record: bool(record.ranks and ranks & set(parse_idset(record.ranks)))
    except ValueError:
        pass
    try:
        hosts = set(decode_hostlist(text))
    except ValueError:
        raise FluxcliError(f"-i/--include: invalid targets: {text}") from None
    return lambda record: bool(record.nodelist and hosts & set(decode_hostlist(record.nodelist)))


def fetch(backend, selection: Selection, jobids: list[str], warn, error):
    """The JobRecords to show and whether the list was cut at ``count``.

    With job ids, each is looked up (``error("JobID X unknown")`` for those
    that are not found) and the selection options only checked.
    """
    job_filter = selection.job_filter(warn)
    if jobids:
        records = []
        for text in jobids:
            record = backend.info(backend.parse_id(text))
            if record is None:
                error(f"JobID {text} unknown")
            else:
                records.append(record)
    else:
        records = [r for r in backend.list_jobs(job_filter) if selection.wanted(r)]
        records.sort(key=job_list_order)  # whatever order a backend keeps, flux jobs' order
    count = selection.count
    if count > 0 and len(records) > count:
        return records[:-1], True  # as flux jobs: the one extra job asked for
    return records, False


def job_list_order(record) -> tuple:
    """flux-core job-list's order: pending jobs (highest priority, then oldest, first),
    running ones (latest started first), then inactive ones (latest ended first)."""
    if record.state == "INACTIVE":
        return (2, -(record.t_inactive or 0.0), 0)
    if record.state in ("RUN", "CLEANUP"):
        return (1, -(record.t_run or 0.0), 0)
    return (0, -(record.priority or 0), record.id)
