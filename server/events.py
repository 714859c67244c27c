"""Change hints for the events stream.

One watcher per process reads the global feed seq (`Meta.seq`, a primary-key lookup)
every `POLL_INTERVAL` while anyone listens, and wakes every listener when it moved;
each listener then asks for its own latest visible seq. Polling the database rather
than signalling in-process also notices writes made by other processes (CLI, other
workers).
"""

from __future__ import annotations

import asyncio
import logging
import os

from starlette.concurrency import run_in_threadpool

from server import feed

log = logging.getLogger(__name__)

POLL_INTERVAL = float(os.environ.get("GOVDESK_EVENTS_POLL", "0.5"))
HEARTBEAT_INTERVAL = float(os.environ.get("GOVDESK_EVENTS_HEARTBEAT", "15"))
# Issue 13: a stream ends with its session (logout, password reset, deactivation, move):
# each stream looks at its session this often. And one user holds at most
# STREAMS_PER_USER streams per process: a new one ends the user's oldest.
SESSION_CHECK_INTERVAL = float(os.environ.get("GOVDESK_EVENTS_SESSION_CHECK", "2"))
STREAMS_PER_USER = int(os.environ.get("GOVDESK_EVENTS_PER_USER", "4"))


class SeqWatcher:
    def __init__(self) -> None:
        self.seq = -1
        self._changed = asyncio.Event()
        self._listeners = 0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while self._listeners > 0:
            try:
                seq = await run_in_threadpool(feed.current_seq)
            except Exception:  # a database hiccup must not end the stream for everyone
                log.exception("events: reading the feed seq failed")
                seq = self.seq
            if seq != self.seq:
                self.seq = seq
                self._changed.set()
                self._changed = asyncio.Event()
            await asyncio.sleep(POLL_INTERVAL)
        self._task = None

    def subscribe(self) -> None:
        self._listeners += 1
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    def unsubscribe(self) -> None:
        self._listeners -= 1

    async def wait_change(self, timeout: float) -> bool:
        """True when the global seq moved within `timeout` seconds."""
        event = self._changed
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            return False
        return True


_watchers: dict[int, SeqWatcher] = {}


class StreamSlots:
    """The open streams of each user on one event loop, oldest first."""

    def __init__(self) -> None:
        self._by_user: dict[str, list[asyncio.Event]] = {}

    def open(self, user_id: str) -> asyncio.Event:
        """A new stream's stop flag; the user's oldest stream is told to stop when the
        cap is exceeded (a client that reconnects is never refused)."""
        stop = asyncio.Event()
        mine = self._by_user.setdefault(user_id, [])
        mine.append(stop)
        while len(mine) > STREAMS_PER_USER:
            mine.pop(0).set()
        return stop

    def close(self, user_id: str, stop: asyncio.Event) -> None:
        mine = self._by_user.get(user_id, [])
        if stop in mine:
            mine.remove(stop)
        if not mine:
            self._by_user.pop(user_id, None)

    def count(self, user_id: str) -> int:
        return len(self._by_user.get(user_id, []))


_slots: dict[int, StreamSlots] = {}


def slots() -> StreamSlots:
    loop = asyncio.get_running_loop()
    s = _slots.get(id(loop))
    if s is None:
        s = _slots[id(loop)] = StreamSlots()
    return s


def watcher() -> SeqWatcher:
    """The watcher of the running event loop (tests may run several loops)."""
    loop = asyncio.get_running_loop()
    w = _watchers.get(id(loop))
    if w is None:
        w = _watchers[id(loop)] = SeqWatcher()
    return w
