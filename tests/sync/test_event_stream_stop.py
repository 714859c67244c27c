"""Stopping the event listener ends its stream at once (a quit took 4 s: the read blocked
until the platform, shutting down, gave up waiting for the open stream)."""

from __future__ import annotations

import time

from synckit import login

from client.sync.events import EventListener


def test_stop_ends_an_open_stream_at_once_and_the_platform_stops_quickly(
        fresh_platform) -> None:
    profile = login(fresh_platform, "zhangjianguo")
    try:
        hints: list[str] = []
        # A read timeout far beyond the test: only stop() can end the read.
        listener = EventListener(profile.api, hints.append, read_timeout=600)
        listener.start()
        deadline = time.monotonic() + 20
        while not listener.connected and time.monotonic() < deadline:
            time.sleep(0.05)
        assert listener.connected and hints == ["reconnect"]
        started = time.monotonic()
        listener.stop(timeout=5)
        assert time.monotonic() - started < 1.0
        assert listener._thread is not None and not listener._thread.is_alive()
        # No stream is left open: the platform shuts down without waiting for one.
        started = time.monotonic()
        fresh_platform.stop()
        assert time.monotonic() - started < 2.0
    finally:
        profile.close()
