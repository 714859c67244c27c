"""Background synchronisation: a worker thread, online/offline, periodic and hinted syncs.

- One worker thread runs every sync (so syncs never overlap) and owns its own database
  connection (peewee opens one per thread). It runs in a copy of the context `start()`
  was called in, and the engine runs on its own profile's cache (`engine.database`), so
  the managers of two profiles open in one process each sync their own cache.
- Online: a sync every `interval` seconds, at once on `sync_now()` or an event-stream
  hint (client/sync/events.py).
- The event stream dropping (the platform killed, the link cut) makes the worker probe
  GET /meta at once with a short timeout; no answer turns it offline within seconds,
  without waiting for the next sync.
- A sync failing because the platform cannot be reached turns the manager offline; it
  then probes GET /meta with growing delays (5 s doubling up to `probe_max`), and the
  first success turns it online and syncs immediately.
- An authentication failure (refresh token refused) stops syncing until `resume()`
  after the user signed in again.
- Listeners are plain callbacks, called on the worker thread; the UI bridges them to Qt
  signals. Nothing here touches a widget.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from client import db as cache_db
from client.errors import AuthError, GovDeskError
from client.sync.engine import SyncEngine, SyncProgress, SyncReport, is_offline_error
from client.sync.events import EventListener
from client.sync.indexer import BodyIndexer

log = logging.getLogger(__name__)


class State(StrEnum):
    STARTING = "starting"
    ONLINE = "online"
    SYNCING = "syncing"
    OFFLINE = "offline"
    AUTH_REQUIRED = "auth_required"
    STOPPED = "stopped"


@dataclass(frozen=True)
class ManagerEvent:
    kind: str  # "state" | "progress" | "synced" | "error"
    state: State
    report: SyncReport | None = None
    error: GovDeskError | None = None
    progress: SyncProgress | None = None


Listener = Callable[[ManagerEvent], None]


@dataclass
class _Counters:
    syncs: int = 0
    failures: int = 0
    probes: int = 0
    last_success_at: float | None = None
    last_error: GovDeskError | None = None
    history: list[str] = field(default_factory=list)


class SyncManager:
    def __init__(self, engine: SyncEngine, *, interval: float = 60.0,
                 probe_min: float = 5.0, probe_max: float = 300.0,
                 use_events: bool = True, link_probe_timeout: float = 3.0) -> None:
        self.engine = engine
        self.interval = interval
        self.probe_min = probe_min
        self.probe_max = probe_max
        self.use_events = use_events
        self.link_probe_timeout = link_probe_timeout
        # Body text is read after each sync on the indexer's own thread (issue 13).
        self.indexer = BodyIndexer(engine.store, engine.database)
        self._check_link = False  # the event stream dropped: is the platform still there?
        self.state = State.STOPPED
        self.counters = _Counters()
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._requested = False
        self._stopping = False
        self._idle = threading.Event()
        self._idle.set()
        self._thread: threading.Thread | None = None
        self._events: EventListener | None = None
        self._probe_delay = probe_min

    # --- listeners ----------------------------------------------------------------------
    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _emit(self, event: ManagerEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # a listener's bug must not stop synchronisation
                log.exception("sync listener failed")

    def _set_state(self, state: State) -> None:
        if state != self.state:
            self.state = state
            self.counters.history.append(state.value)
            self._emit(ManagerEvent("state", state))

    # --- control ------------------------------------------------------------------------
    def start(self) -> None:
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stopping = False
            self._requested = True  # sync at once on start
            self._idle.clear()
            self.engine.stop_requested = False
        self._set_state(State.STARTING)
        context = contextvars.copy_context()
        self._thread = threading.Thread(target=context.run, args=(self._run,),
                                        name="govdesk-sync", daemon=True)
        self._thread.start()
        self.indexer.start()
        if self.use_events:
            self._events = EventListener(self.engine.api, self._on_hint,
                                         on_drop=self._on_drop)
            self._events.start()

    def stop(self, timeout: float = 30.0) -> None:
        with self._lock:
            self._stopping = True
            self.engine.stop_requested = True
            self._wake.notify_all()
        if self._events is not None:
            self._events.stop(timeout=0.5)
            self._events = None
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self.indexer.stop()
        self._set_state(State.STOPPED)

    def sync_now(self) -> None:
        """Ask for a sync as soon as possible (also probes at once when offline)."""
        with self._lock:
            self._requested = True
            self._idle.clear()
            self._wake.notify_all()

    def resume(self) -> None:
        """After the user signed in again: leave AUTH_REQUIRED and sync."""
        if self.state == State.AUTH_REQUIRED:
            self._set_state(State.STARTING)
        self.sync_now()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until no sync is requested or running (for tests and the CLI)."""
        return self._idle.wait(timeout)

    def _on_hint(self, why: str) -> None:
        log.debug("event hint: %s", why)
        self.sync_now()

    def _on_drop(self) -> None:
        if self.state not in (State.ONLINE, State.SYNCING):
            return  # offline already: the probes with growing delays go on
        with self._lock:
            self._check_link = True
            self._idle.clear()
            self._wake.notify_all()

    # --- the worker ---------------------------------------------------------------------
    def _next_wait(self) -> float:
        if self.state == State.OFFLINE:
            return self._probe_delay
        return self.interval

    def _run(self) -> None:
        try:
            while True:
                with self._lock:
                    if not self._requested and not self._stopping and not self._check_link:
                        self._idle.set()
                        self._wake.wait(self._next_wait())
                    if self._stopping:
                        return
                    check_link, self._check_link = self._check_link, False
                    # A periodic wake-up syncs; a link check alone does not.
                    sync_wanted = self._requested or not check_link
                    self._requested = False
                    self._idle.clear()
                if check_link and self.state == State.ONLINE and not self._link_alive():
                    continue
                if not sync_wanted:
                    continue
                if self.state == State.AUTH_REQUIRED:
                    continue
                if self.state == State.OFFLINE and not self._probe():
                    continue
                self._sync_once()
        finally:
            self._idle.set()
            db = self.engine.database or cache_db.active_cache()
            if db is not None and not db.is_closed():
                db.close()  # this thread's connection

    def _probe(self) -> bool:
        self.counters.probes += 1
        try:
            self.engine.api.meta()
        except GovDeskError as exc:
            self._probe_delay = min(self.probe_max, self._probe_delay * 2)
            log.info("still offline (%s); next probe in %.0f s", exc.code, self._probe_delay)
            return False
        return True

    def _link_alive(self) -> bool:
        """One bounded GET /meta after the event stream dropped; no answer: offline."""
        self.counters.probes += 1
        try:
            self.engine.api.meta(timeout=self.link_probe_timeout)
        except GovDeskError as exc:
            if not is_offline_error(exc):
                return True  # it answered, if oddly: the next sync will tell
            log.info("event stream dropped and the platform does not answer (%s): offline",
                     exc.code)
            self.counters.last_error = exc
            self._probe_delay = self.probe_min
            self._set_state(State.OFFLINE)  # the state event tells the UI
            return False
        return True

    def _sync_once(self) -> None:
        self._set_state(State.SYNCING)
        try:
            report = self.engine.run(
                lambda p: self._emit(ManagerEvent("progress", self.state, progress=p)))
        except AuthError as exc:
            self.counters.failures += 1
            self.counters.last_error = exc
            self._set_state(State.AUTH_REQUIRED)
            self._emit(ManagerEvent("error", self.state, error=exc))
            return
        except GovDeskError as exc:
            self.counters.failures += 1
            self.counters.last_error = exc
            if is_offline_error(exc):
                self._probe_delay = self.probe_min
                self._set_state(State.OFFLINE)
            else:
                # The platform answered but something went wrong (bad data, storage):
                # stay online, try again at the next interval.
                self._set_state(State.ONLINE)
            self._emit(ManagerEvent("error", self.state, error=exc))
            return
        except Exception as exc:  # a bug: keep the thread alive, report it
            log.exception("sync failed unexpectedly")
            err = GovDeskError("sync.internal_error", error=type(exc).__name__)
            self.counters.last_error = err
            self._set_state(State.ONLINE)
            self._emit(ManagerEvent("error", self.state, error=err))
            return
        self.counters.syncs += 1
        self.counters.last_success_at = time.time()
        self.counters.last_error = None
        self._set_state(State.ONLINE)
        self._emit(ManagerEvent("synced", self.state, report=report))
        self.indexer.kick()
