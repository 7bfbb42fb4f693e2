"""Forgetting inactive jobs: ``fx job purge`` and the instance's own age and number limits.

A purged job's record, eventlogs and captured output leave the database, as
``flux job purge`` removes them from Flux's KVS. Deletion goes in bounded
batches (one transaction each), so a large purge never stalls the instance.
The limits come from ``FX_PURGE_AGE_LIMIT`` (FSD) and ``FX_PURGE_NUM_LIMIT``
(see ``fluxcli.settings.purge_limits``); unset, nothing is purged on its own.
"""

from __future__ import annotations

import errno
import math
import time

from . import checks
from .errors import RequestError

BATCH_MAX = 100  # jobs per purge request (flux job purge --batch caps there too)
AUTO_BATCH = 500  # jobs the instance forgets per tick when over its limits


class Purger:
    """Purges the oldest inactive jobs of one manager's store."""

    def __init__(self, manager, age_limit: float | None = None, num_limit: int | None = None):
        self.manager = manager
        self.store = manager.store
        self.age_limit = age_limit
        self.num_limit = num_limit

    def request(self, params: dict) -> dict:
        """A ``purge`` request: ``ids``, or ``age_limit``/``num_limit``/``batch``; ``force``."""
        force = checks.boolean(params, "force", False)
        if params.get("ids") is not None:
            count = self.purge_ids(checks.jobids(params), force)
        else:
            age = params.get("age_limit")
            if age is not None and (not isinstance(age, (int, float)) or not math.isfinite(age)):
                raise RequestError(errno.EINVAL, "age_limit must be a finite number")
            num = None if params.get("num_limit") is None else checks.integer(params, "num_limit")
            count = self.purge(age, num, checks.integer(params, "batch", 50), force)
        return {"count": count, "inactive": self.inactive_count()}

    def inactive_count(self) -> int:
        """How many inactive jobs the instance still holds."""
        return self.store.counts().get("INACTIVE", 0)

    def purge(self, age_limit: float | None, num_limit: int | None, batch: int, force: bool) -> int:
        """Purge (or, without ``force``, count) up to ``batch`` jobs beyond the limits."""
        if age_limit is not None and age_limit < 0:
            raise RequestError(errno.EINVAL, "if set, age limit must be >= 0")
        if num_limit is not None and num_limit < 0:
            raise RequestError(errno.EINVAL, "if set, num limit must be >= 0")
        count = self.store.purgeable(age_limit, num_limit, time.time())
        if not force:
            return count
        if not 1 <= batch <= BATCH_MAX:
            raise RequestError(errno.EINVAL, f"batch must be >= 1 and <= {BATCH_MAX}")
        return self._delete(self.store.oldest_inactive(min(count, batch)))

    def purge_ids(self, ids: list[int], force: bool) -> int:
        """Purge these inactive jobs (or check that they could be)."""
        for jobid in ids:
            record = self.store.job(jobid)
            if record is None:
                raise RequestError(errno.ENOENT, "id not found")
            if record["state"] != "INACTIVE":
                raise RequestError(errno.EINVAL, "cannot purge active job")
        return self._delete(ids) if force else len(ids)

    def tick(self) -> int:
        """Enforce the configured limits, one bounded batch at a time (called every second)."""
        if self.age_limit is None and self.num_limit is None:
            return 0
        count = self.store.purgeable(self.age_limit, self.num_limit, time.time())
        if not count:
            return 0
        return self._delete(self.store.oldest_inactive(min(count, AUTO_BATCH)))

    def _delete(self, ids: list[int]) -> int:
        if ids:
            self.store.delete_jobs(ids)
            self.manager.flush()
        return len(ids)
