"""The command line's progress line: phases with counts, bytes and time left; a new
phase is drawn at once, whatever the throttle (issue 14, item 5)."""

from __future__ import annotations

import pytest

from client.cli import Out, _ProgressLine, progress_text
from client.sync.engine import SyncProgress, eta


def test_texts_say_counts_bytes_and_time_left() -> None:
    zh, en = Out(None, lang="zh_CN"), Out(None, lang="en")
    files = SyncProgress("blobs", files_done=3, files_total=28, bytes_done=45 * 1024,
                         bytes_total=150 * 1024, eta_s=12.2)
    assert progress_text(files, zh) == "下载正文和附件：3/28 个，45 KB / 150 KB，约剩 12 秒"
    assert progress_text(files, en) == "fetching files: 3/28, 45 KB of 150 KB, about 12 s left"
    pull = SyncProgress("pull", pages=1, objects=454, bytes_done=120 * 1024)
    assert progress_text(pull, zh) == "下载变更：1 页，454 项，已收 120 KB"
    assert progress_text(SyncProgress("push", ops_sent=1, ops_total=3), en) == "pushing ops: 1/3"


def test_a_new_phase_is_never_swallowed_by_the_throttle(capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    line = _ProgressLine(Out(None, lang="zh_CN"), True)
    line(SyncProgress("pull", pages=1, objects=454))
    line(SyncProgress("pull", pages=1, objects=455))  # within 0.1 s: skipped
    line(SyncProgress("blobs", files_total=28, bytes_total=150 * 1024))  # drawn at once
    line.finish()
    err = capsys.readouterr().err
    assert "454 项" in err and "455 项" not in err
    assert "下载正文和附件：0/28 个" in err


def test_eta_from_the_rate_so_far() -> None:
    assert eta(50, 100, 2.0) == pytest.approx(2.0)
    assert eta(0, 100, 2.0) is None and eta(10, 100, 0.1) is None  # no rate yet
    assert eta(100, 100, 3.0) == 0.0
