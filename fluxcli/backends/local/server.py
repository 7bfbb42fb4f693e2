"""The instance's Unix-socket server: peer checks, request validation, dispatch."""

from __future__ import annotations

import asyncio
import errno
import os
import socket
import struct
import time

from ..iodata import decode_data
from .manager import LOG_END, JobManager, RequestError
from .protocol import MAX_MESSAGE, decode, encode


def peer_uid(writer: asyncio.StreamWriter) -> int:
    """The uid of the connected process (SO_PEERCRED)."""
    sock = writer.get_extra_info("socket")
    creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return struct.unpack("3i", creds)[1]


def _int(params: dict, key: str, default=None) -> int:
    value = params.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise RequestError(errno.EINVAL, f"'{key}' must be an integer")
    return value


class Connection:
    """One client connection: requests in, replies and event streams out."""

    def __init__(self, server: Server, reader, writer, uid: int):
        self.server = server
        self.manager: JobManager = server.manager
        self.reader = reader
        self.writer = writer
        self.uid = uid
        self.streams: list = []

    def send(self, message: dict) -> None:
        if not self.writer.is_closing():
            self.writer.write(encode(message))

    def reply(self, rid, result=None, error: RequestError | None = None) -> None:
        if error is not None:
            self.send({"id": rid, "error": {"errno": error.errnum, "message": str(error)}})
        else:
            self.send({"id": rid, "result": result})

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
                    request = decode(line)
                except ValueError as exc:
                    self.reply(None, error=RequestError(errno.EPROTO, f"malformed request: {exc}"))
                    continue
                self.dispatch(request)
                await self.writer.drain()
        except (ConnectionResetError, BrokenPipeError):
            pass
        finally:
            for cancel in self.streams:
                cancel()
            self.writer.close()

    def dispatch(self, request: dict) -> None:
        rid = request.get("id")
        method = request.get("method")
        params = request.get("params") or {}
        handler = getattr(self, f"do_{method}", None) if isinstance(method, str) else None
        try:
            if handler is None:
                raise RequestError(errno.ENOSYS, f"unknown method {method!r}")
            if not isinstance(params, dict):
                raise RequestError(errno.EINVAL, "params must be an object")
            result = handler(rid, params)
        except RequestError as exc:
            self.manager.after_commit(lambda err=exc: self.reply(rid, error=err))
            return
        except (KeyError, TypeError, ValueError) as exc:
            err = RequestError(errno.EINVAL, f"invalid request: {exc}")
            self.manager.after_commit(lambda err=err: self.reply(rid, error=err))
            return
        except Exception as exc:  # a bad request never takes the instance down
            import traceback

            traceback.print_exc()
            err = RequestError(errno.EIO, f"internal error: {type(exc).__name__}: {exc}")
            self.manager.after_commit(lambda err=err: self.reply(rid, error=err))
            return
        if result is not NotImplemented:
            self.manager.after_commit(lambda: self.reply(rid, result))

    # methods
    def do_ping(self, rid, params):
        return {"pid": os.getpid()}

    def do_submit(self, rid, params):
        jobspec = params["jobspec"]
        if not isinstance(jobspec, str):
            raise RequestError(errno.EINVAL, "jobspec must be a string")
        stdin = params.get("stdin", "null")
        jobid = self.manager.submit(
            jobspec,
            _int(params, "urgency", 16),
            _int(params, "flags", 0),
            self.uid,
            stdin,
            _umask(params),
        )
        return {"id": jobid}

    def do_submit_many(self, rid, params):
        results = []
        for jobspec in params["jobspecs"]:
            try:
                jobid = self.manager.submit(
                    jobspec,
                    _int(params, "urgency", 16),
                    _int(params, "flags", 0),
                    self.uid,
                    umask=_umask(params),
                )
                results.append({"id": jobid})
            except RequestError as exc:
                results.append({"error": {"errno": exc.errnum, "message": str(exc)}})
        return {"results": results}

    def do_cancel(self, rid, params):
        self.manager.cancel(_int(params, "id"), self.uid, params.get("reason"))
        return {}

    def do_kill(self, rid, params):
        self.manager.kill(_int(params, "id"), self.uid, _int(params, "signum", 15))
        return {}

    def do_raise(self, rid, params):
        job = self.manager.active(_int(params, "id"), self.uid)
        self.manager.raise_exception(
            job,
            str(params["type"]),
            _int(params, "severity", 0),
            str(params.get("note") or ""),
            self.uid,
        )
        return {}

    def do_urgency(self, rid, params):
        old = self.manager.set_urgency(_int(params, "id"), self.uid, _int(params, "urgency"))
        return {"old_urgency": old}

    def do_stdin(self, rid, params):
        ranks = params.get("ranks")
        data = params.get("data")
        if data is not None:
            if not isinstance(data, str):
                raise RequestError(errno.EINVAL, "stdin data must be a string")
            data = decode_data(params)
        # answered once the job has room for more: a job that never reads its
        # stdin holds back its feeder, never the instance
        self.manager.write_stdin(
            _int(params, "id"),
            self.uid,
            data,
            ranks,
            lambda: self.manager.after_commit(lambda: self.reply(rid, {})),
        )
        return NotImplemented

    def do_info(self, rid, params):
        jobid = _int(params, "id")
        record = self.manager.store.job(jobid)
        if record is None:
            raise RequestError(errno.ENOENT, "unknown job id")
        if params.get("jobspec"):
            record["jobspec"] = self.manager.store.jobspec(jobid)
        return record

    def do_list(self, rid, params):
        states = params.get("states")
        return {"jobs": self.manager.store.list_jobs(_int(params, "limit", 100), states)}

    def do_status(self, rid, params):
        server = self.server
        return {
            "pid": os.getpid(),
            "uri": server.uri,
            "state_dir": server.state_dir,
            "started": server.started,
            "resources": [n.to_dict() for n in self.manager.nodes],
            "counts": self.manager.store.counts(),
            "jobid": server.jobid,
        }

    def do_shutdown(self, rid, params):
        asyncio.get_running_loop().call_later(0.05, self.server.stop)
        return {}

    def do_wait(self, rid, params):
        jobid = _int(params, "id")
        record = self.manager.store.job(jobid)
        if record is None:
            raise RequestError(errno.ENOENT, "unknown job id")
        if not record["flags"] & 4:
            raise RequestError(errno.EINVAL, "job is not waitable")
        if record["waited"]:
            raise RequestError(errno.ECHILD, "job result was already consumed")

        def answer() -> None:
            final = self.manager.store.job(jobid)
            self.manager.store.update_job(jobid, waited=1)
            success = final["result"] == "COMPLETED"
            errstr = "" if success else _wait_error(final)
            self.manager.after_commit(
                lambda: self.reply(rid, {"id": jobid, "success": success, "errstr": errstr})
            )

        if record["state"] == "INACTIVE":
            answer()
        else:
            self.manager.waiters.setdefault(jobid, []).append(answer)
        return NotImplemented

    def do_watch(self, rid, params):
        self._watch(
            rid,
            [_int(params, "id")],
            params.get("log", "eventlog"),
            params.get("follow", True),
            many=False,
        )
        return NotImplemented

    def do_watch_many(self, rid, params):
        ids = params["ids"]
        if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
            raise RequestError(errno.EINVAL, "ids must be a list of integers")
        self._watch(rid, ids, params.get("log", "eventlog"), params.get("follow", True), many=True)
        return NotImplemented

    def _watch(self, rid, ids: list[int], log: str, follow: bool, many: bool) -> None:
        manager = self.manager
        if log not in ("eventlog", "exec", "output", "input"):
            raise RequestError(errno.EINVAL, f"eventlog path {log} not found")
        for jobid in ids:
            if manager.store.job(jobid) is None:
                raise RequestError(errno.ENOENT, f"job {jobid} not found")
        remaining = set(ids)
        registered: list = []

        def finish(jobid: int) -> None:
            if jobid not in remaining:
                return
            remaining.discard(jobid)
            if not remaining:
                for jid, cb in registered:
                    manager.remove_watcher(jid, log, cb)
                self.send({"id": rid, "end": True})

        def emit(jobid: int, seq: int, event: dict) -> None:
            self.send(
                {"id": rid, "job": jobid, "seq": seq, "event": event}
                if many
                else {"id": rid, "seq": seq, "event": event}
            )

        for jobid in ids:
            history = list(manager.store.events(jobid, log))
            last = history[-1][0] if history else -1
            manager.after_commit(lambda j=jobid, h=history: [emit(j, s, e) for s, e in h])
            if not follow or jobid not in manager.jobs:
                self.manager.after_commit(lambda j=jobid: finish(j))
                continue

            def callback(seq, event, jobid=jobid, floor=last):
                if seq <= floor:
                    return
                emit(jobid, seq, event)
                if event["name"] == LOG_END.get(log) or (
                    log != "eventlog" and event["name"] == "clean"
                ):
                    finish(jobid)

            manager.add_watcher(jobid, log, callback)
            registered.append((jobid, callback))
            if log != "eventlog":
                # other logs end when the job is clean
                def on_main(seq, event, jobid=jobid):
                    if event["name"] == "clean":
                        manager.remove_watcher(jobid, "eventlog", on_main)
                        manager.after_commit(lambda: finish(jobid))

                manager.add_watcher(jobid, "eventlog", on_main)
                registered.append((jobid, on_main))
        self.streams.append(lambda: [manager.remove_watcher(j, log, cb) for j, cb in registered])


def _umask(params: dict) -> int:
    umask = _int(params, "umask", 0o022)
    if not 0 <= umask <= 0o777:
        raise RequestError(errno.EINVAL, "umask must be between 0 and 0777")
    return umask


def _wait_error(record: dict) -> str:
    if record.get("exception_type"):
        return f"Fatal exception type={record['exception_type']} {record.get('exception_note') or ''}".rstrip()
    status = record.get("waitstatus") or 0
    if status & 0x7F:
        return f"task(s) killed by signal {status & 0x7F}"
    return f"task(s) exited with exit code {(status >> 8) & 0xFF}"


class Server:
    """Accepts connections from the instance owner only."""

    def __init__(self, manager: JobManager, path: str, state_dir: str, jobid: str | None = None):
        self.manager = manager
        self.path = path
        self.uri = f"local://{path}"
        self.state_dir = state_dir
        self.jobid = jobid
        self.started = time.time()
        self.connections = 0
        self.last_activity = time.monotonic()
        self.stopping = asyncio.Event()
        self.server: asyncio.AbstractServer | None = None

    async def start(self) -> None:
        if os.path.exists(self.path):
            os.unlink(self.path)
        old = os.umask(0o077)
        try:
            self.server = await asyncio.start_unix_server(
                self.handle, path=self.path, limit=MAX_MESSAGE
            )
        finally:
            os.umask(old)
        os.chmod(self.path, 0o600)

    async def handle(self, reader, writer) -> None:
        uid = peer_uid(writer)
        if uid != os.getuid():
            writer.write(
                encode(
                    {
                        "id": None,
                        "error": {
                            "errno": errno.EPERM,
                            "message": f"connection refused: uid {uid} is not the instance owner (uid {os.getuid()})",
                        },
                    }
                )
            )
            await writer.drain()
            # take what the client already sent: closing with unread data would
            # reset the connection before the client reads the refusal
            try:
                await asyncio.wait_for(reader.read(MAX_MESSAGE), 1.0)
            except (TimeoutError, ConnectionError):
                pass
            writer.close()
            return
        self.connections += 1
        try:
            await Connection(self, reader, writer, uid).serve()
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
