"""Eventlog streaming (``watch``, ``watch_many``) with memory bounded per connection.

A subscription follows one log (``eventlog``, ``exec``, ``output`` or
``input``) of one or more jobs. Each (job, log) stream is a cursor: the next
sequence number to send. While the client keeps up, events are pushed as the
job manager commits them (watchers run after the commit, so nothing sent can
be lost). When the connection's write buffer passes :data:`HIGH_WATER`, pushing
stops and only the cursor is remembered; once the client has drained the
buffer, the stream catches up by reading committed events from the database in
bounded chunks, then returns to pushing. The initial replay of history is the
same catch-up, so a job with 500 MB of output is never held in memory at once.

End of stream, as before: an ``eventlog`` stream ends after ``clean``, ``exec``
after ``done``, the others when the job is clean; with ``follow=False`` (or a
job already inactive) the stream replays what exists and ends. A subscription
sends ``{"id": ..., "end": true}`` once all its streams have ended.
"""

from __future__ import annotations

import asyncio
import json
import pathlib
import sqlite3
import sys
import traceback
from typing import TYPE_CHECKING

from ..protocol import encode
from .manager import LOG_END

if TYPE_CHECKING:
    from .server import Connection

HIGH_WATER = 1 << 20  # bytes queued for a client before pushing stops
LOW_WATER = HIGH_WATER // 4  # ... and resumes (via catch-up) below this
CHUNK_EVENTS = 256  # at most this many events per catch-up read
CHUNK_BYTES = 1 << 20  # ... or about this many bytes of context
RETRY_DELAY = 0.1  # after a failed read (the database was busy)


class EventReader:
    """Reads committed events through a read-only connection of its own.

    In WAL mode a second connection sees only committed transactions, so what it
    reads is exactly what a client may be told (the writer's open transaction
    stays invisible).
    """

    def __init__(self, db: sqlite3.Connection):
        path = next(row[2] for row in db.execute("PRAGMA database_list") if row[1] == "main")
        uri = pathlib.Path(path).as_uri() + "?mode=ro"
        self.db = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA cache_size=-1024")  # KiB: reads are sequential, once
        self.db.execute("PRAGMA busy_timeout=100")

    def close(self) -> None:
        """Close the connection."""
        self.db.close()

    def chunk(self, jobid: int, log: str, start: int, stop: int | None) -> tuple[list, bool]:
        """Rows ``(seq, timestamp, name, context_text)`` from ``start``, and whether they
        are all there is (committed) now.

        At most :data:`CHUNK_EVENTS` rows, and no more once :data:`CHUNK_BYTES` of
        context has been read (a single larger event is returned whole).
        """
        sql = "SELECT seq, timestamp, name, context FROM events WHERE jobid=? AND log=? AND seq>=?"
        args: tuple = (jobid, log, start)
        if stop is not None:
            sql += " AND seq<?"
            args += (stop,)
        cursor = self.db.execute(sql + f" ORDER BY seq LIMIT {CHUNK_EVENTS}", args)
        rows, size = [], 0
        try:
            for row in cursor:
                rows.append(row)
                size += len(row[3] or "") + 64
                if size >= CHUNK_BYTES:
                    return rows, False
        finally:
            cursor.close()  # ends the read transaction
        return rows, len(rows) < CHUNK_EVENTS


class _Stream:
    """One (job, log) of a subscription: its cursor and state."""

    __slots__ = ("sub", "jobid", "cursor", "stop", "live", "closing", "done", "watched")

    def __init__(self, sub: Subscription, jobid: int, stop: int | None):
        self.sub = sub
        self.jobid = jobid
        self.cursor = 0  # next seq to send
        self.stop = stop  # replay-only streams end here (None: at the last event)
        self.live = False  # caught up: committed events may be pushed as they come
        self.closing = False  # the job is clean: end once caught up
        self.done = False
        self.watched = False

    def on_event(self, seq: int, event: dict) -> None:
        """A committed event of the followed log."""
        if self.done or seq < self.cursor:
            return
        sub = self.sub
        if self.live and seq == self.cursor and sub.conn.buffered() < HIGH_WATER:
            sub.emit(self, seq, event)
            self.cursor = seq + 1
            if sub.ends(event["name"]):
                sub.finish(self)
            return
        self.live = False
        sub.mark(self)

    def on_main(self, seq: int, event: dict) -> None:
        """A committed event of the main eventlog (for logs that end when the job is clean)."""
        if event["name"] == "clean" and not self.done:
            self.closing = True
            self.live = False
            self.sub.mark(self)


class Subscription:
    """A ``watch`` or ``watch_many`` request being answered."""

    def __init__(
        self, conn: Connection, rid, ids: list[int], log: str, follow: bool, many: bool
    ) -> None:
        self.conn = conn
        self.manager = conn.manager
        self.rid = rid
        self.log = log
        self.many = many
        self.prefix = f'{{"id":{json.dumps(rid)},'.encode()
        self.streams: list[_Stream] = []
        self.dirty: dict[int, _Stream] = {}  # streams to catch up, in order
        self.remaining = 0
        self.wake = asyncio.Event()
        self.task: asyncio.Task | None = None
        self.closed = False
        manager = self.manager
        for jobid in ids:
            job = manager.jobs.get(jobid)
            if job is not None and not follow:
                stream = _Stream(self, jobid, job.seq.get(log, 0))
            else:
                stream = _Stream(self, jobid, None)
            if job is not None and follow:
                manager.add_watcher(jobid, log, stream.on_event)
                if log != "eventlog":
                    manager.add_watcher(jobid, "eventlog", stream.on_main)
                stream.watched = True
            self.streams.append(stream)
            self.dirty[jobid] = stream
        self.remaining = len(self.streams)
        conn.open_streams += self.remaining
        # what was posted before this request is read once it is committed
        manager.after_commit(self._start)

    def _start(self) -> None:
        if not self.closed:
            self.task = asyncio.get_running_loop().create_task(self._pump())

    def ends(self, name: str) -> bool:
        """Whether an event of this name ends a followed stream."""
        return name == LOG_END.get(self.log) or (self.log != "eventlog" and name == "clean")

    def emit(self, stream: _Stream, seq: int, event: dict) -> None:
        """Push one event as it is committed."""
        if self.many:
            message = {"id": self.rid, "job": stream.jobid, "seq": seq, "event": event}
        else:
            message = {"id": self.rid, "seq": seq, "event": event}
        self.conn.write(encode(message))

    def mark(self, stream: _Stream) -> None:
        """Have the pump catch ``stream`` up from the database."""
        if not stream.done and stream.jobid not in self.dirty:
            self.dirty[stream.jobid] = stream
        self.wake.set()

    def finish(self, stream: _Stream) -> None:
        """End one stream; the last one ends the subscription."""
        if stream.done:
            return
        stream.done = True
        self.dirty.pop(stream.jobid, None)
        self._unwatch(stream)
        self.remaining -= 1
        if self.remaining == 0:
            self.conn.write(self.prefix + b'"end":true}\n')
            self.close()

    def close(self) -> None:
        """Stop following (the stream ended, or the connection is gone)."""
        if self.closed:
            return
        self.closed = True
        self.conn.open_streams -= len(self.streams)
        for stream in self.streams:
            self._unwatch(stream)
        self.streams = []
        self.dirty.clear()
        self.conn.subscriptions.discard(self)
        if self.task is not None and self.task is not asyncio.current_task():
            self.task.cancel()
        self.wake.set()

    def _unwatch(self, stream: _Stream) -> None:
        if stream.watched:
            stream.watched = False
            self.manager.remove_watcher(stream.jobid, self.log, stream.on_event)
            if self.log != "eventlog":
                self.manager.remove_watcher(stream.jobid, "eventlog", stream.on_main)

    # catching up
    async def _pump(self) -> None:
        try:
            while not self.closed:
                if not self.dirty:
                    self.wake.clear()
                    await self.wake.wait()
                    continue
                await self.conn.drain()  # waits while the client is not reading
                if self.closed or not self.dirty:
                    continue
                stream = next(iter(self.dirty.values()))
                try:
                    self._catch_up(stream)
                except sqlite3.Error as exc:
                    print(f"watch: reading events failed: {exc}", file=sys.stderr, flush=True)
                    await asyncio.sleep(RETRY_DELAY)
                    continue
                await asyncio.sleep(0)  # one chunk at a time: others get their turn
        except (ConnectionError, asyncio.CancelledError):
            pass
        except Exception:  # never let a stream take its connection down
            traceback.print_exc()
        finally:
            self.close()

    def _catch_up(self, stream: _Stream) -> None:
        """Send one chunk of committed events; go live (or end) once caught up."""
        reader = self.conn.server.reader()
        rows, complete = reader.chunk(stream.jobid, self.log, stream.cursor, stream.stop)
        if rows:
            self.conn.write(b"".join(self._line(stream.jobid, row) for row in rows))
            stream.cursor = rows[-1][0] + 1
            if stream.watched and any(self.ends(row[2]) for row in rows):
                self.finish(stream)
                return
        if not complete:  # more to read: to the back of the line
            self.dirty.pop(stream.jobid, None)
            self.dirty[stream.jobid] = stream
            return
        # all that is committed has been sent: no awaiting since the read, so any
        # later event reaches on_event with seq == cursor
        self.dirty.pop(stream.jobid, None)
        if not stream.watched or stream.closing:
            self.finish(stream)
        else:
            stream.live = True

    def _line(self, jobid: int, row: tuple) -> bytes:
        seq, timestamp, name, context = row
        event = f'{{"timestamp":{float(timestamp)!r},"name":{json.dumps(name)}'
        if context:
            event += f',"context":{context}'
        job = f'"job":{jobid},' if self.many else ""
        return self.prefix + f'{job}"seq":{seq},"event":{event}}}}}\n'.encode()
