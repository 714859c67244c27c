"""The status bar says what the sync is doing: phase, counts, bytes, time left (issue 14,
item 5), and the context never drops the line of a new phase."""

from __future__ import annotations

import time
from types import SimpleNamespace

from client.sync.engine import SyncProgress
from client.sync.manager import ManagerEvent, State
from client.ui.context import AppContext
from client.ui.status_bar import SyncStatusBar


def test_file_phase_shows_counts_bytes_and_time_left(qtbot, zh, tmp_path) -> None:  # noqa: ANN001
    bar = SyncStatusBar()
    qtbot.addWidget(bar)
    bar.resize(1200, 32)
    bar.show()
    bar.set_syncing(True)
    bar.set_progress(SyncProgress("pull", pages=2, objects=1454, bytes_done=300 * 1024))
    assert bar.detail.text() == "正在接收变更：2 页，1454 项，已接收 300 KB"
    assert bar.progress.maximum() == 0  # how much is left is not known: busy
    bar.set_progress(SyncProgress("blobs", files_done=3, files_total=28,
                                  bytes_done=45 * 1024, bytes_total=150 * 1024, eta_s=12.4))
    assert bar.detail.text() == "正在下载文件 3/28，45 KB / 150 KB，约剩 12 秒"
    assert bar.progress.maximum() == 1000 and bar.progress.value() == 300
    assert bar.detail.isVisible() and not bar.sync_button.isEnabled()
    qtbot.wait(50)  # the layout settles
    assert bar.detail.width() >= bar.detail.fontMetrics().horizontalAdvance(bar.detail.text())
    bar.grab().save(str(tmp_path / "status-progress.png"))
    bar.set_syncing(False)
    assert not bar.detail.isVisible() and bar.sync_button.isEnabled()


def _context() -> AppContext:
    profile = SimpleNamespace(
        info=SimpleNamespace(user_id="u-zhangjianguo", display_name="张建国", roles=[]),
        username="zhangjianguo",
        settings=SimpleNamespace(auto_lock_minutes=0, is_locked=lambda key: False))
    return AppContext(profile, ops=None)  # type: ignore[arg-type]


def test_progress_is_throttled_but_a_new_phase_always_goes_through(qtbot, zh) -> None:  # noqa: ANN001
    ctx = _context()
    seen: list[SyncProgress] = []
    ctx.sync_event.connect(lambda kind, p: seen.append(p) if kind == "progress" else None)

    def send(p: SyncProgress) -> None:
        ctx._from_sync(ManagerEvent("progress", State.SYNCING, progress=p))

    send(SyncProgress("pull", pages=1))
    for i in range(50):  # a burst of chunks: a handful of posts at most
        send(SyncProgress("pull", pages=1, bytes_done=i * 8192))
    send(SyncProgress("blobs"))  # the new phase at once, throttle or not
    qtbot.waitUntil(lambda: any(p.phase == "blobs" for p in seen), timeout=2000)
    assert [p.phase for p in seen][0] == "pull" and seen[-1].phase == "blobs"
    assert len(seen) <= 4
    time.sleep(0.3)
    send(SyncProgress("blobs", files_done=1, files_total=2))
    qtbot.waitUntil(lambda: seen[-1].files_done == 1, timeout=2000)
