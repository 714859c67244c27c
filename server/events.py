"""Change hints for the events stream.

One watcher per process reads the global feed seq (`Meta.seq`, a primary-key lookup)
every `POLL_INTERVAL` while anyone listens. When it moved, the watcher reads which
users' feeds moved since its last look (`feed.latest_seqs_since`, one query whose cost
follows the changes, not the listeners) and wakes every listener, which reads its own
from `latest`. Every `SESSION_CHECK_INTERVAL`
it looks up which listening sessions have ended (signed out, reset, deactivated,
moved, expired), again in one query, and wakes their streams to end. The work per
change or check is thus one batch per process, not one query per stream (issue 14: at
3,640 held streams the per-stream queries saturated the platform). Polling the
database rather than signalling in-process also notices writes made by other
processes (CLI, other workers).
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import Counter
from collections.abc import Iterable

from starlette.concurrency import run_in_threadpool

from server import clock, feed
from server.models import EVERYONE, AuthSession

log = logging.getLogger(__name__)

POLL_INTERVAL = float(os.environ.get("GOVDESK_EVENTS_POLL", "0.5"))
HEARTBEAT_INTERVAL = float(os.environ.get("GOVDESK_EVENTS_HEARTBEAT", "15"))
# Issue 13: a stream ends with its session (logout, password reset, deactivation, move):
# each stream looks at its session this often. And one user holds at most
# STREAMS_PER_USER streams per process: a new one ends the user's oldest.
SESSION_CHECK_INTERVAL = float(os.environ.get("GOVDESK_EVENTS_SESSION_CHECK", "2"))
STREAMS_PER_USER = int(os.environ.get("GOVDESK_EVENTS_PER_USER", "4"))
# Beyond this many seqs since the last look, each listener's latest seq is read instead
# of what moved (after a long pause, or a bulk load).
INCREMENTAL_MAX = 5_000


def live_sessions(session_ids: Iterable[str]) -> set[str]:
    """Which of the sessions may still hold a stream (not revoked, access not expired)."""
    ids = list(session_ids)
    live: set[str] = set()
    now = clock.now()
    for i in range(0, len(ids), 500):
        live.update(r.id for r in AuthSession.select(AuthSession.id).where(
            AuthSession.id.in_(ids[i:i + 500]) & AuthSession.revoked_at.is_null()
            & (AuthSession.access_expires_at > now)))
    return live


class SeqWatcher:
    def __init__(self) -> None:
        self.seq = -1
        # Each listening user's latest visible seq as of the last change seen.
        self.latest: dict[str, int] = {}
        # Listening sessions found ended at a check: their streams end.
        self.ended: set[str] = set()
        self._changed = asyncio.Event()
        # Wakes so far: a stream busy (writing to a slow client) when a wake happened
        # sees the count moved and does not sleep through that change.
        self.wakes = 0
        self._listeners = 0
        self._users: Counter[str] = Counter()
        self._sessions: Counter[str] = Counter()
        self._task: asyncio.Task[None] | None = None

    def _wake(self) -> None:
        self.wakes += 1
        self._changed.set()
        self._changed = asyncio.Event()

    async def _run(self) -> None:
        last_check = time.monotonic()
        while self._listeners > 0:
            try:
                seq = await run_in_threadpool(feed.current_seq)
                if seq != self.seq:
                    await self._catch_up(seq)
                    self.seq = seq
                    self._wake()
                if time.monotonic() - last_check >= SESSION_CHECK_INTERVAL:
                    last_check = time.monotonic()
                    sessions = list(self._sessions)
                    live = await run_in_threadpool(live_sessions, sessions)
                    ended = {s for s in sessions if s not in live} - self.ended
                    if ended:
                        self.ended |= ended
                        self._wake()
            except Exception:  # a database hiccup must not end the stream for everyone
                log.exception("events: reading the feed seq or the sessions failed")
            await asyncio.sleep(POLL_INTERVAL)
        self._task = None
        self.seq = -1  # nobody listened for a while: the next listener starts afresh

    async def _catch_up(self, seq: int) -> None:
        """Bring `latest` up to feed seq `seq`: from what moved since the last look when
        that is a small step forward (a query whose cost follows the changes, not the
        listeners), else each listening user's latest seq (3,640 lookups at a rush)."""
        users = list(self._users)
        if not users:
            return
        if 0 <= self.seq < seq <= self.seq + INCREMENTAL_MAX:
            moved = await run_in_threadpool(feed.latest_seqs_since, self.seq)
            star = moved.get(EVERYONE, 0)
            for user in users:
                # A user with nothing moved keeps what it had; one absent from `latest`
                # with something moved now has exactly that as its latest.
                new = max(star, moved.get(user, 0))
                if new > self.latest.get(user, 0):
                    self.latest[user] = new
            return
        # Update, not replace: streams opened meanwhile put theirs.
        self.latest.update(await run_in_threadpool(feed.latest_visible_seqs, users))

    def subscribe(self, user_id: str = "", session_id: str = "") -> None:
        self._listeners += 1
        if user_id:
            self._users[user_id] += 1
        if session_id:
            self._sessions[session_id] += 1
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    def unsubscribe(self, user_id: str = "", session_id: str = "") -> None:
        self._listeners -= 1
        for counts, key in ((self._users, user_id), (self._sessions, session_id)):
            if key:
                counts[key] -= 1
                if counts[key] <= 0:
                    del counts[key]
                    if counts is self._users:
                        self.latest.pop(key, None)
                    else:
                        self.ended.discard(key)

    async def wait_change(self, timeout: float, since: int | None = None) -> bool:
        """True when the global seq moved (or a session ended) within `timeout` seconds,
        or already did after the caller saw `wakes` == `since`."""
        if since is not None and since != self.wakes:
            return True
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
