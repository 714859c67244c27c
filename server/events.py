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


def watcher() -> SeqWatcher:
    """The watcher of the running event loop (tests may run several loops)."""
    loop = asyncio.get_running_loop()
    w = _watchers.get(id(loop))
    if w is None:
        w = _watchers[id(loop)] = SeqWatcher()
    return w
