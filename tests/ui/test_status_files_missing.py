"""The status bar says a sync was incomplete while files of pending work are missing."""

from __future__ import annotations

from client.services.sync_status import SyncStatusInfo
from client.ui.status_bar import SyncStatusBar


def _info(missing: int) -> SyncStatusInfo:
    return SyncStatusInfo(online=True, last_success_at=None, last_error=None, unsent=0,
                          problems=0, files_missing=missing)


def test_missing_files_are_shown_until_a_sync_fetches_them(qtbot, zh) -> None:  # noqa: ANN001
    bar = SyncStatusBar()
    qtbot.addWidget(bar)
    bar.show()
    bar.show_status(_info(22))
    assert bar.missing.isVisible()
    assert bar.missing.text() == "同步未完成：待办所需的 22 个文件尚未下载"
    bar.show_status(_info(0))
    assert not bar.missing.isVisible()
