"""Background operations: the one way widgets run database and network work.

Rules the rest of the UI relies on:
- database work runs on ONE writer thread, in submission order, so a sign-off and the
  inbox refresh that follows it can never interleave;
- network reads (blob downloads, login, sync triggers) run on a small thread pool;
- both are Python threads, not QThreadPool threads: the SQLCipher driver loses its GIL
  state when first used from a Qt-created thread (PySide 6.12, measured crash);
- results and errors come back to the GUI thread through a queued signal; callbacks are
  dropped when the QObject that asked (``owner``) has been destroyed meanwhile;
- widgets are never touched from a worker: a worker only calls plain Python;
- a job runs in a copy of the `contextvars` context it was submitted from, so work
  queued inside `with profile.cache_context():` uses that profile's cache (two profiles
  may be open in one process; client/db.py).
"""

from __future__ import annotations

import contextvars
import itertools
import logging
import queue
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QElapsedTimer, QObject, Signal

log = logging.getLogger(__name__)

Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


@dataclass
class _Pending:
    owner: QObject | None
    done: Done | None
    failed: Failed | None
    label: str


class _WriterThread:
    """One long-lived daemon thread running queued callables in order."""

    def __init__(self) -> None:
        self._queue: queue.Queue[Callable[[], None] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._loop, name="govdesk-db", daemon=True)
        self._thread.start()

    def put(self, fn: Callable[[], None]) -> None:
        self._queue.put(fn)

    def _loop(self) -> None:
        while True:
            fn = self._queue.get()
            if fn is None:
                return
            fn()

    def stop(self, timeout_s: float) -> None:
        self._queue.put(None)
        self._thread.join(timeout_s)


class _Job:
    def __init__(self, ops: BackgroundOps, job_id: int, fn: Callable[[], Any]) -> None:
        self._ops = ops
        self._id = job_id
        self._fn = fn

    def run(self) -> None:  # worker thread: plain Python only
        try:
            outcome = (True, self._fn())
        except BaseException as exc:  # noqa: BLE001 - handed to the GUI thread
            exc.__traceback_text__ = traceback.format_exc()  # type: ignore[attr-defined]
            outcome = (False, exc)
        # Only the job id crosses the thread boundary in the signal: PySide 6.12 frees a
        # queued `object` argument without holding the GIL (a crash once the object's
        # last reference goes), so the result waits in a locked dict instead.
        with self._ops._lock:
            self._ops._results[self._id] = outcome
        self._ops._finished.emit(self._id)


class BackgroundOps(QObject):
    """Runs callables off the GUI thread and calls back on it."""

    # job id; emitted from workers, received queued (result in self._results).
    _finished = Signal(int)
    busy_changed = Signal(bool)
    error = Signal(str, object)  # label, exception: for failures nobody handled

    def __init__(self, parent: QObject | None = None, *, network_threads: int = 4) -> None:
        super().__init__(parent)
        # The single database writer is a plain Python thread: the SQLCipher driver
        # crashes (GIL state lost) when first used from a Qt-created pool thread.
        self._writer = _WriterThread()
        # Network work: Python threads as well (same reason; see _WriterThread).
        self._net = ThreadPoolExecutor(max_workers=network_threads,
                                       thread_name_prefix="govdesk-net")
        self._ids = itertools.count(1)
        self._pending: dict[int, _Pending] = {}
        self._results: dict[int, tuple[bool, Any]] = {}
        self._lock = threading.Lock()
        self._finished.connect(self._deliver)

    # -- submission -------------------------------------------------------------
    def db(self, fn: Callable[[], Any], done: Done | None = None,
           failed: Failed | None = None, *, owner: QObject | None = None,
           label: str = "") -> int:
        """Queue database work on the writer thread (strictly in order)."""
        return self._submit(None, fn, done, failed, owner, label)

    def net(self, fn: Callable[[], Any], done: Done | None = None,
            failed: Failed | None = None, *, owner: QObject | None = None,
            label: str = "") -> int:
        """Run network work (downloads, login, sync triggers) on the network pool."""
        return self._submit(self._net, fn, done, failed, owner, label)

    def _submit(self, pool: ThreadPoolExecutor | None, fn: Callable[[], Any], done: Done | None,
                failed: Failed | None, owner: QObject | None, label: str) -> int:
        job_id = next(self._ids)
        with self._lock:
            was_idle = not self._pending
            self._pending[job_id] = _Pending(owner, done, failed, label or getattr(
                fn, "__name__", "op"))
        if was_idle:
            self.busy_changed.emit(True)
        job = _Job(self, job_id, fn)
        # A fresh copy per job: no job sees what another set, and none leaks into the next.
        context = contextvars.copy_context()
        if pool is None:
            self._writer.put(lambda: context.run(job.run))
        else:
            pool.submit(context.run, job.run)
        return job_id

    # -- delivery (GUI thread) ----------------------------------------------------
    def _deliver(self, job_id: int) -> None:
        with self._lock:
            pending = self._pending.pop(job_id, None)
            ok, payload = self._results.pop(job_id, (False, RuntimeError("result lost")))
            now_idle = not self._pending
        if pending is not None:
            alive = pending.owner is None or shiboken6.isValid(pending.owner)
            try:
                if ok:
                    if alive and pending.done is not None:
                        pending.done(payload)
                elif alive and pending.failed is not None:
                    pending.failed(payload)  # type: ignore[arg-type]
                else:
                    text = getattr(payload, "__traceback_text__", repr(payload))
                    log.error("background op %s failed: %s", pending.label, text)
                    self.error.emit(pending.label, payload)
            except Exception:  # a callback bug must not kill the event loop
                log.exception("callback of background op %s failed", pending.label)
        if now_idle:
            self.busy_changed.emit(False)

    # -- helpers ------------------------------------------------------------------
    def is_idle(self) -> bool:
        with self._lock:
            return not self._pending

    def wait_idle(self, timeout_ms: int = 30_000) -> bool:
        """Process events until every queued op has called back (tests, shutdown)."""
        timer = QElapsedTimer()
        timer.start()
        while not self.is_idle():
            if timer.elapsed() > timeout_ms:
                return False
            QCoreApplication.processEvents()
            time.sleep(0.005)
        QCoreApplication.processEvents()
        return True

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        """Let running work finish (a half-written sign-off must commit) and stop."""
        self._writer.stop(timeout_ms / 1000)
        self._net.shutdown(wait=False, cancel_futures=True)
