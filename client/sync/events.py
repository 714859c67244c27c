"""Listening to the platform's event stream (GET /events) in a background thread.

Events are only hints: a `changes` event whose seq is newer than the last one seen asks
the sync manager to pull now. Any reconnect also asks for a pull, since events sent
while disconnected are lost. Never touches widgets; `on_hint` is a plain callback.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Callable

import requests

from client.errors import GovDeskError
from client.sync.api import PlatformApi

log = logging.getLogger(__name__)


class EventListener:
    def __init__(self, api: PlatformApi, on_hint: Callable[[str], None], *,
                 on_drop: Callable[[], None] | None = None,
                 read_timeout: float = 90.0, retry_seconds: float = 5.0,
                 max_retry_seconds: float = 120.0) -> None:
        self.api = api
        self.on_hint = on_hint
        # Called when the stream ends or fails: the platform may be gone (the manager
        # probes to tell a lapsed token or a restart from a dead link).
        self.on_drop = on_drop
        self.read_timeout = read_timeout
        self.retry_seconds = retry_seconds
        self.max_retry_seconds = max_retry_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._resp: requests.Response | None = None  # the stream being read
        self._resp_lock = threading.Lock()
        self.last_seq: int | None = None
        self.connected = False

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="govdesk-events", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        # The stream read would block until the next heartbeat: end it now, so the thread
        # stops at once and the connection is not left open (a platform shutting down
        # waits for open streams; the demo's quit took 3 s more).
        self._stop.set()
        self._interrupt()
        if self._thread is not None:
            self._thread.join(timeout)

    def _opened(self, resp: requests.Response) -> None:
        with self._resp_lock:
            self._resp = resp
        if self._stop.is_set():
            self._interrupt()

    def _interrupt(self) -> None:
        with self._resp_lock:
            resp, self._resp = self._resp, None
        if resp is not None:
            with contextlib.suppress(Exception):  # already closed or never read
                resp.raw.shutdown()

    def _run(self) -> None:
        delay = self.retry_seconds
        while not self._stop.is_set():
            try:
                first = True
                for event in self.api.events(read_timeout=self.read_timeout,
                                             on_open=self._opened):
                    if self._stop.is_set():
                        return
                    self.connected = True
                    delay = self.retry_seconds
                    if event.event != "changes":
                        continue
                    seq = None
                    try:
                        body = json.loads(event.data)
                        seq = body.get("seq") if isinstance(body, dict) else None
                    except ValueError:
                        pass
                    # The first event after a (re)connect always asks for a pull.
                    if first or not isinstance(seq, int) or seq != self.last_seq:
                        self.last_seq = seq if isinstance(seq, int) else self.last_seq
                        self.on_hint("event" if not first else "reconnect")
                    first = False
                # The stream ended (access token lapsed, or the platform went away):
                # reconnect at once.
                self.connected = False
                self._dropped()
                continue
            except GovDeskError as exc:
                if self._stop.is_set():
                    return  # ended by stop()
                log.info("event stream: %s; retrying in %.0f s", exc.code, delay)
            except Exception:  # a bug here must not kill the app's sync
                log.exception("event stream failed")
            self.connected = False
            self._dropped()
            if self._stop.wait(delay):
                return
            delay = min(self.max_retry_seconds, delay * 2)

    def _dropped(self) -> None:
        if self.on_drop is None or self._stop.is_set():
            return
        try:
            self.on_drop()
        except Exception:  # a listener's bug must not stop the stream
            log.exception("event stream drop handler failed")
