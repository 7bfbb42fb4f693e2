"""The instance's Unix-socket server: peer checks, request validation, dispatch.

Requests are read by :func:`protocol.decode_request` (the rules on what a request
may hold) and each handler reads its parameters through :mod:`checks`, so no
client input reaches the job manager unchecked. Replies and event streams are
written with flow control: the server stops reading a client's requests while
more than :data:`subscriptions.HIGH_WATER` bytes wait to be sent to it, and
event streams fall back to reading the database (see :mod:`subscriptions`).
"""

from __future__ import annotations

import asyncio
import errno
import os
import sqlite3
import time
import traceback

from fluxcli.jobspec.status import SubmitFlag, wait_error

from ...iodata import decode_data
from ..peercred import peer_uid
from ..protocol import MAX_MESSAGE, BadRequest, decode_request, encode
from . import checks
from .connlimit import fit_fd_limit, max_connections
from .errors import RequestError
from .job import VALID_FLAGS
from .manager import JobManager
from .resources import resource_set
from .subscriptions import HIGH_WATER, LOW_WATER, EventReader, Subscription

LISTEN_BACKLOG = 1024  # connections waiting to be accepted (bursts of clients)
MAX_PENDING = checks.MAX_WATCH_IDS  # open (job, log) streams and waits per connection


class Connection:
    """One client connection: requests in, replies and event streams out."""

    def __init__(self, server: Server, reader, writer, uid: int):
        self.server = server
        self.manager: JobManager = server.manager
        self.reader = reader
        self.writer = writer
        self.uid = uid
        self.subscriptions: set[Subscription] = set()
        self.waits: set[tuple[int, object]] = set()  # (jobid, answer) not yet answered
        self.open_streams = 0  # (job, log) streams of this connection's subscriptions
        writer.transport.set_write_buffer_limits(high=HIGH_WATER, low=LOW_WATER)

    def buffered(self) -> int:
        """Bytes written to this client and not yet taken by it."""
        return self.writer.transport.get_write_buffer_size()

    def write(self, data: bytes) -> None:
        """Queue bytes for the client (dropped once the connection is closing)."""
        if not self.writer.is_closing():
            self.writer.write(data)

    async def drain(self) -> None:
        """Wait while more than the high-water mark is queued for the client."""
        await self.writer.drain()

    def send(self, message: dict) -> None:
        """Send one message; never raises (replies run among other clients' replies)."""
        try:
            self.write(encode(message))
        except Exception:
            traceback.print_exc()

    def reply(self, rid, result=None, error: RequestError | BadRequest | None = None) -> None:
        if error is not None:
            self.send({"id": rid, "error": {"errno": error.errnum, "message": str(error)}})
        else:
            self.send({"id": rid, "result": result})

    def reply_later(self, rid, result=None, error=None) -> None:
        """Reply once everything written so far is committed (replies stay in order).

        While commits fail (a full disk), a refusal is sent at once: it wrote
        nothing, and the client must hear why within seconds, not wait.
        """
        if error is not None and self.manager.commits_failing():
            self.reply(rid, None, error)
            return
        self.manager.after_commit(lambda: self.reply(rid, result, error))

    async def serve(self) -> None:
        try:
            while True:
                try:
                    line = await self.reader.readline()
                except (asyncio.LimitOverrunError, ValueError):
                    self.reply(None, error=RequestError(errno.EMSGSIZE, "request too large"))
                    break
                if not line:
                    break
                try:
                    rid, method, params = decode_request(line)
                except BadRequest as exc:
                    self.reply_later(exc.rid, error=exc)
                else:
                    self.dispatch(rid, method, params)
                await self.writer.drain()
        except (ConnectionError, TimeoutError):
            pass
        finally:
            for sub in list(self.subscriptions):
                sub.close()
            for jobid, answer in self.waits:  # nobody left to hear (or consume) the result
                waiters = self.manager.waiters.get(jobid, [])
                if jobid is None:
                    waiters = self.manager.any_waiters
                    answer = (self.uid, answer)
                if answer in waiters:
                    waiters.remove(answer)
            self.writer.close()

    def dispatch(self, rid, method: str, params: dict) -> None:
        handler = HANDLERS.get(method)
        writes = self.manager.store.writes
        try:
            if handler is None:
                raise RequestError(errno.ENOSYS, f"unknown method {method[:64]!r}")
            result = handler(self, rid, params)
        except (RequestError, BadRequest) as exc:
            self.reply_later(rid, error=exc)
            return
        except RecursionError:
            self.reply_later(rid, error=RequestError(errno.EINVAL, "request nested too deeply"))
            return
        except (KeyError, TypeError, ValueError) as exc:
            err = RequestError(errno.EINVAL, f"invalid request: {exc}")
            self.reply_later(rid, error=err)
            return
        except Exception as exc:  # a bad request never takes the instance down
            traceback.print_exc()
            err = RequestError(errno.EIO, f"internal error: {type(exc).__name__}: {exc}")
            self.reply_later(rid, error=err)
            return
        if result is NotImplemented:
            return
        if self.manager.store.writes == writes and self.manager.commits_failing():
            self.reply(rid, result)  # wrote nothing: no need to wait for a failing commit
        else:
            self.reply_later(rid, result)

    # methods
    def do_ping(self, rid, params):
        return {"pid": os.getpid()}

    def do_submit(self, rid, params):
        urgency, flags, stdin, umask = _submit_options(params)
        jobspec = checks.jobspec(checks.required(params, "jobspec"), flags)
        return {"id": self.manager.submit(jobspec, urgency, flags, self.uid, stdin, umask)}

    def do_submit_many(self, rid, params):
        jobspecs = checks.required(params, "jobspecs")
        if not isinstance(jobspecs, list):
            raise RequestError(errno.EINVAL, "jobspecs must be a list")
        urgency, flags, stdin, umask = _submit_options(params)
        results = []
        for jobspec in jobspecs:
            try:
                checks.jobspec(jobspec, flags)
                jobid = self.manager.submit(jobspec, urgency, flags, self.uid, stdin, umask)
                results.append({"id": jobid})
            except RequestError as exc:
                results.append({"error": {"errno": exc.errnum, "message": str(exc)}})
        return {"results": results}

    def do_cancel(self, rid, params):
        jobid = checks.jobid(params)
        reason = checks.string(params, "reason", None, nullable=True)
        self.manager.cancel(jobid, self.uid, reason)
        return {}

    def do_kill(self, rid, params):
        jobid = checks.jobid(params)
        self.manager.kill(jobid, self.uid, checks.signum(params))
        return {}

    def do_raise(self, rid, params):
        jobid = checks.jobid(params)
        etype = checks.exception_type(params)
        severity = checks.integer(
            params, "severity", 0, 0, checks.SEVERITY_MAX, "severity must be in the range [0:7]"
        )
        note = checks.string(params, "note", None, nullable=True) or ""
        job = self.manager.active(jobid, self.uid)
        self.manager.raise_exception(job, etype, severity, note, self.uid)
        return {}

    def do_urgency(self, rid, params):
        jobid = checks.jobid(params)
        old = self.manager.set_urgency(jobid, self.uid, _urgency(params))
        return {"old_urgency": old}

    def do_stdin(self, rid, params):
        jobid = checks.jobid(params)
        data = checks.string(params, "data", None, MAX_MESSAGE, nullable=True)
        ranks = checks.ranks(params)
        if data is not None:
            data = decode_data(params)
        # answered once the job has room for more: a job that never reads its
        # stdin holds back its feeder, never the instance
        self.manager.write_stdin(jobid, self.uid, data, ranks, lambda: self.reply_later(rid, {}))
        return NotImplemented

    def do_info(self, rid, params):
        jobid = checks.jobid(params)
        with_jobspec = checks.boolean(params, "jobspec", False)
        record = self.manager.store.job(jobid)
        if record is None:
            raise RequestError(errno.ENOENT, "unknown job id")
        if with_jobspec:
            record["jobspec"] = self.manager.store.jobspec(jobid)
        if checks.boolean(params, "R", False):
            alloc = self.manager.store.allocation(jobid)
            record["R"] = alloc and resource_set(record, alloc, self.manager.nodes)
        return record

    def do_list(self, rid, params):
        return {"jobs": self.manager.store.list_jobs(**checks.list_filter(params))}

    def do_stats(self, rid, params):
        return self.manager.store.stats()

    def do_status(self, rid, params):
        server = self.server
        return {
            "pid": os.getpid(),
            "uri": server.uri,
            "state_dir": server.state_dir,
            "started": server.started,
            "resources": [n.to_dict() for n in self.manager.nodes],
            "free": self.manager.pool.free(),
            "counts": self.manager.store.counts(),
            "jobid": server.jobid,
        }

    def do_shutdown(self, rid, params):
        asyncio.get_running_loop().call_later(0.05, self.server.stop)
        return {}

    def do_wait(self, rid, params):
        if params.get("id") is None:  # the next waitable job of this user to finish
            return self._wait_any(rid)
        jobid = checks.jobid(params)
        record = self.manager.store.job(jobid)
        if record is None:
            raise RequestError(errno.ENOENT, "unknown job id")
        if not record["flags"] & SubmitFlag.WAITABLE:
            raise RequestError(errno.EINVAL, "job is not waitable")
        if record["waited"]:
            raise RequestError(errno.ECHILD, "job result was already consumed")
        answer = self._waiter(rid, jobid)
        if record["state"] == "INACTIVE":
            answer(jobid)
        else:
            self._budget(1)
            self.manager.waiters.setdefault(jobid, []).append(answer)
            self.waits.add((jobid, answer))
        return NotImplemented

    def _waiter(self, rid, key: int | None):
        """What answers a wait with a finished job's result (``key``: its id, or None: any)."""

        def answer(jobid: int) -> None:
            self.waits.discard((key, answer))
            if self.writer.is_closing():
                return  # the client left: its result stays for another wait
            final = self.manager.store.job(jobid)
            self.manager.store.update_job(jobid, waited=1)
            success = final["result"] == "COMPLETED"
            errstr = "" if success else _wait_error(final)
            self.reply_later(rid, {"id": jobid, "success": success, "errstr": errstr})

        return answer

    def _wait_any(self, rid):
        finished, active = self.manager.store.waitable(self.uid)
        answer = self._waiter(rid, None)
        if finished:
            answer(finished[0])
            return NotImplemented
        taken = sum(1 for jobid in active if jobid in self.manager.waiters)
        taken += sum(1 for uid, _ in self.manager.any_waiters if uid == self.uid)
        if len(active) <= taken:
            raise RequestError(errno.ECHILD, "there are no more waitable jobs")
        self._budget(1)
        self.manager.any_waiters.append((self.uid, answer))
        self.waits.add((None, answer))
        return NotImplemented

    def do_purge(self, rid, params):
        return self.manager.purger.request(params)

    def do_watch(self, rid, params):
        jobid = checks.jobid(params)
        self._watch(rid, [jobid], params, many=False)
        return NotImplemented

    def do_watch_many(self, rid, params):
        self._watch(rid, checks.jobids(params), params, many=True)
        return NotImplemented

    def _budget(self, more: int) -> None:
        """Refuse what would leave more than MAX_PENDING watches and waits open here."""
        if self.open_streams + len(self.waits) + more > MAX_PENDING:
            raise RequestError(
                errno.EAGAIN,
                f"too many watches and waits open on this connection (at most {MAX_PENDING})",
            )

    def _watch(self, rid, ids: list[int], params: dict, many: bool) -> None:
        log = checks.log_name(params)
        follow = checks.boolean(params, "follow", True)
        for jobid in ids:
            if self.manager.store.job(jobid) is None:
                raise RequestError(errno.ENOENT, f"job {jobid} not found")
        self._budget(len(ids))
        self.subscriptions.add(Subscription(self, rid, ids, log, follow, many))


HANDLERS = {
    name[3:]: func
    for name, func in vars(Connection).items()
    if name.startswith("do_") and callable(func)
}


def _urgency(params: dict, default=checks.REQUIRED) -> int:
    return checks.integer(params, "urgency", default, 0, 31, "urgency range is [0:31]")


def _flags(params: dict) -> int:
    flags = checks.integer(params, "flags", 0)
    if flags & ~VALID_FLAGS:
        raise RequestError(errno.EINVAL, "invalid job flags")
    return flags


def _submit_options(params: dict) -> tuple[int, int, str, int]:
    """``(urgency, flags, stdin, umask)`` of a submit request, each checked."""
    urgency, flags = _urgency(params, 16), _flags(params)
    stdin = checks.choice(
        params, "stdin", "null", checks.STDIN_MODES, "stdin must be one of null, pipe"
    )
    return urgency, flags, stdin, _umask(params)


def _umask(params: dict) -> int:
    return checks.integer(params, "umask", 0o022, 0, 0o777, "umask must be between 0 and 0777")


def _wait_error(record: dict) -> str:
    return wait_error(
        record.get("waitstatus"),
        record.get("exception_type") or "",
        record.get("exception_note") or "",
    )


class Server:
    """Accepts connections from the instance owner only, up to a number of them."""

    def __init__(self, manager: JobManager, path: str, state_dir: str, jobid: str | None = None):
        self.manager = manager
        self.path = path
        self.uri = f"local://{path}"
        self.state_dir = state_dir
        self.jobid = jobid
        self.started = time.time()
        self.connections = 0
        self.max_connections = max_connections()
        self.last_activity = time.monotonic()
        self.stopping = asyncio.Event()
        self.server: asyncio.AbstractServer | None = None
        self._reader: EventReader | None = None

    def reader(self) -> EventReader:
        """The read-only database connection event streams catch up with (opened on first use)."""
        if self._reader is None:
            if self.stopping.is_set():
                raise sqlite3.ProgrammingError("the instance is stopping")
            self._reader = EventReader(self.manager.store.db)
        return self._reader

    async def start(self) -> None:
        self.max_connections = fit_fd_limit(self.max_connections)
        if os.path.exists(self.path):
            os.unlink(self.path)
        old = os.umask(0o077)
        try:
            self.server = await asyncio.start_unix_server(
                self.handle, path=self.path, limit=MAX_MESSAGE, backlog=LISTEN_BACKLOG
            )
        finally:
            os.umask(old)
        os.chmod(self.path, 0o600)

    async def handle(self, reader, writer) -> None:
        uid = peer_uid(writer)
        if uid != os.getuid():
            message = f"connection refused: uid {uid} is not the instance owner (uid {os.getuid()})"
            await _refuse(reader, writer, errno.EPERM, message)
            return
        if self.connections >= self.max_connections:
            message = (
                f"connection refused: the instance has too many connections "
                f"({self.max_connections}); try again later"
            )
            await _refuse(reader, writer, errno.EAGAIN, message)
            return
        self.connections += 1
        try:
            await Connection(self, reader, writer, uid).serve()
        except asyncio.CancelledError:
            # the instance is stopping: a connection still open ends quietly (Python
            # 3.11's stream callback would log a cancelled handler as an error)
            pass
        finally:
            self.connections -= 1
            self.last_activity = time.monotonic()

    def idle_for(self) -> float:
        if self.connections or self.manager.jobs:
            self.last_activity = time.monotonic()
            return 0.0
        return time.monotonic() - self.last_activity

    def stop(self) -> None:
        self.stopping.set()
        if self._reader is not None:  # the store may close (and checkpoint) alone
            self._reader.close()
            self._reader = None


async def _refuse(reader, writer, errnum: int, message: str) -> None:
    """Tell a client why it is refused, then hang up."""
    try:
        writer.write(encode({"id": None, "error": {"errno": errnum, "message": message}}))
        await writer.drain()
        # take what the client already sent: closing with unread data would
        # reset the connection before the client reads the refusal
        await asyncio.wait_for(reader.read(65536), 1.0)
    except (TimeoutError, ConnectionError):
        pass
    writer.close()
