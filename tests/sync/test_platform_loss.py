"""Loss of the platform is seen within seconds, without waiting for the next sync: the
event stream drops, a short probe of /meta confirms it, and the manager goes offline
(issue 10, item 6). The sync interval is 10 minutes, so only the drop can tell."""

from __future__ import annotations

import threading
import time

from synckit import login

from client.sync.manager import State, SyncManager


def _wait(predicate, timeout: float) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_a_killed_platform_turns_the_manager_offline_within_seconds(fresh_platform) -> None:  # noqa: ANN001
    platform = fresh_platform
    profile = login(platform, "zhangjianguo")
    synced = threading.Event()
    manager = SyncManager(profile.engine, interval=600)
    manager.add_listener(lambda e: synced.set() if e.kind == "synced" else None)
    try:
        manager.start()
        assert synced.wait(30)
        assert _wait(lambda: manager.state == State.ONLINE and manager.wait_idle(0)
                     and manager._events is not None and manager._events.connected, 20)
        killed_at = time.monotonic()
        platform.kill()
        assert _wait(lambda: manager.state == State.OFFLINE, 6.0), manager.counters.history
        assert time.monotonic() - killed_at < 6.0
    finally:
        manager.stop(timeout=10)
        profile.close()
