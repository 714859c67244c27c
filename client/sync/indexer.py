"""Body-text indexing after the sync, on a thread of its own (issue 13, High 3).

The sync downloads bodies; reading their text (a child process per PDF, with limits:
client/bodytext.py) happens here, so a slow or hostile PDF delays only the search
index, never the sync: new tasks still arrive and opinions still go up. The sync
manager kicks the indexer after every successful sync; kicks while it works are merged.
"""

from __future__ import annotations

import contextvars
import logging
import threading

from client import bodytext
from client import db as cache_db
from client.blobstore import BlobStore
from client.errors import GovDeskError

log = logging.getLogger(__name__)


class BodyIndexer:
    def __init__(self, store: BlobStore | None, database: cache_db.CacheDatabase | None, *,
                 limits: bodytext.Limits = bodytext.DEFAULT_LIMITS) -> None:
        self.store = store
        self.database = database
        self.limits = limits
        self.indexed = 0  # bodies done (text or recorded failure) since start
        self.runs = 0
        self._wake = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._stopping = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        ctx = contextvars.copy_context()
        self._thread = threading.Thread(target=ctx.run, args=(self._run,),
                                        name="govdesk-body-indexer", daemon=True)
        self._thread.start()

    def kick(self) -> None:
        """Index what is waiting (returns at once)."""
        self._idle.clear()
        self._wake.set()

    def wait_idle(self, timeout: float = 60.0) -> bool:
        return self._idle.wait(timeout)

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)  # a child still running is ended by its limits
            self._thread = None

    def _run(self) -> None:
        try:
            while not self._stopping:
                self._wake.wait()
                self._wake.clear()
                if self._stopping:
                    return
                try:
                    self._index_all()
                except GovDeskError as exc:
                    log.warning("indexing body text failed: %s", exc.code)
                except Exception:  # a bug: the indexer thread stays alive
                    log.exception("indexing body text failed unexpectedly")
                finally:
                    if not self._wake.is_set():
                        self._idle.set()
        finally:
            self._idle.set()
            db = self.database or cache_db.active_cache()
            if db is not None and not db.is_closed():
                db.close()  # this thread's connection

    def _index_all(self) -> None:
        self.runs += 1
        while not self._stopping:
            if self.database is not None:
                with cache_db.use_cache(self.database):
                    n = self._batch()
            else:
                n = self._batch()
            self.indexed += n
            if n == 0:
                return

    def _batch(self) -> int:
        if self.store is None:  # an engine without a blob store has no bodies
            return 0
        return bodytext.index_downloaded_bodies(self.store, limit=20, limits=self.limits,
                                                should_stop=lambda: self._stopping)
