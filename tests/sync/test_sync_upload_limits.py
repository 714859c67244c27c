"""The platform's upload limits (issue 13, finding 14) seen from the client: a refused file
stays on this PC, its op waits in the outbox without losing an attempt, is not sent
again in a tight loop, and says why."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from synckit import login, now

from client.services import outbox, queue_view
from client.services.notices import NewAttachment
from client.sync.engine import UPLOAD_LIMIT_RETRY_S
from server.embedded import EmbeddedPlatform


def _platform(demo_template: tuple[Path, list], tmp_path: Path) -> EmbeddedPlatform:
    src, accounts = demo_template
    dst = tmp_path / "platform" / "platform.db"
    dst.parent.mkdir()
    for suffix in ("", "-wal", "-shm"):
        if Path(str(src) + suffix).exists():
            shutil.copy(str(src) + suffix, str(dst) + suffix)
    running = EmbeddedPlatform(dst, demo=False, env={"GOVDESK_UPLOAD_MB_PER_DAY": "1"})
    running.accounts = accounts
    return running


def test_a_file_over_the_daily_limit_waits_in_the_outbox(demo_template, tmp_path) -> None:
    with _platform(demo_template, tmp_path) as platform:
        publisher = next(a["username"] for a in platform.accounts
                         if "publisher" in a.get("roles", []))
        profile = login(platform, publisher)
        try:
            assert profile.services is not None
            assert profile.info is not None and profile.info.unit_id
            notices = profile.services.notices
            big = b"%PDF-1.4\n" + os.urandom(1536 * 1024)  # more than the 1 MB a day
            refs = [notices.save_draft(title=f"关于做好汛期值班工作的通知（{i}）", body="各单位：",
                                       audience_unit_ids=[profile.info.unit_id],
                                       attachments=[NewAttachment(f"附件{i}.pdf", data,
                                                                  "application/pdf")])
                    for i, data in enumerate([big, b"%PDF-1.4 small"])]
            op_ids = [notices.publish(ref, now=now()) for ref in refs]
            before = profile.api.requests_sent
            report = profile.sync()
            assert report.upload_limited == "blob.quota_exceeded"
            # One PUT refused; the second op with a file did not try (it would be refused
            # alike); both wait, no attempt counted, for the hour (no Retry-After: the
            # file alone passes the limit), their files kept.
            waiting = {q.op_id: q for q in queue_view.waiting()}
            for op_id in op_ids:
                assert waiting[op_id].attempts == 0
                assert waiting[op_id].last_error and "blob.quota_exceeded" in waiting[op_id].last_error
                assert "每日上传限额" in waiting[op_id].last_error
            assert outbox.due_ops(time.time()) == []
            assert outbox.due_ops(time.time() + UPLOAD_LIMIT_RETRY_S + 1)
            assert profile.blobs is not None
            assert all(profile.blobs.has(sha) for sha in profile.blobs.pending_uploads())
            assert len(profile.blobs.pending_uploads()) == 2
            puts = profile.api.requests_sent - before
            # The next sync does not upload again: the ops are not due.
            before = profile.api.requests_sent
            profile.sync()
            assert profile.api.requests_sent - before < puts
            assert outbox.due_ops(time.time()) == []
        finally:
            profile.close()
