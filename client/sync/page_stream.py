"""Pages of the change feed downloaded one after another on a thread of their own.

A first sync is a chain: each page needs the cursor of the one before. The cursor is in
the page's envelope, known as soon as its JSON is read, long before its changes are
checked and turned into rows. So this thread asks for the next page at once, while the
platform builds it the pull checks the page before and writes the one before that
(client.sync.engine): the platform's time and the client's overlap instead of adding up.

At most DEPTH pages wait here (bounded memory); a page is handed on only after every page
before it, and an error (a network fault, a 410) after the pages that came before it.
Nothing here touches the cache: a page that is never taken is simply dropped, its cursor
never stored.
"""

from __future__ import annotations

import contextvars
import queue
import threading
from collections.abc import Callable

from client.sync.api import ChangePage

DEPTH = 2


class StreamClosed(Exception):
    """The stream ended before this page: the sync was asked to stop."""


_END = object()


class PageStream:
    def __init__(self, fetch: Callable[[str], ChangePage], cursor: str,
                 stop_requested: Callable[[], bool]) -> None:
        self._queue: queue.Queue[object] = queue.Queue(maxsize=DEPTH)
        self._closed = threading.Event()
        # In a copy of the caller's context: the same run, the same platform session.
        self._thread = threading.Thread(
            target=contextvars.copy_context().run, args=(self._run, fetch, cursor,
                                                         stop_requested),
            name="govdesk-pull-net", daemon=True)
        self._thread.start()

    def _run(self, fetch: Callable[[str], ChangePage], cursor: str,
             stop_requested: Callable[[], bool]) -> None:
        while not (self._closed.is_set() or stop_requested()):
            try:
                page = fetch(cursor)
            except BaseException as exc:  # noqa: BLE001 - handed on, in order, to the pull
                self._put(exc)
                return
            self._put(page)
            if not page.has_more:
                return
            cursor = page.cursor
        self._put(_END)

    def _put(self, item: object) -> None:
        while not self._closed.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def get(self) -> ChangePage:
        """The next page; raises what its download raised, or StreamClosed."""
        while True:
            try:
                item = self._queue.get(timeout=0.1)
            except queue.Empty:
                if self._closed.is_set() or not self._thread.is_alive() and self._queue.empty():
                    raise StreamClosed from None
                continue
            if item is _END:
                raise StreamClosed
            if isinstance(item, BaseException):
                raise item
            assert isinstance(item, ChangePage)
            return item

    def close(self) -> None:
        """Stop asking for pages and wait for the request under way (no download outlives
        the sync run)."""
        self._closed.set()
        self._thread.join()
