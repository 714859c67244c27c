"""The platform's upload limits (issue 13, finding 14) seen from the client: a refused file
stays on this PC, its op waits in the outbox without losing an attempt, is not sent
again in a tight loop, and says why; what the limit allows still goes."""

from __future__ import annotations

import os
import time

from synckit import demo_copy, login, now

from client.services import outbox, queue_view
from client.services.notices import NewAttachment
from client.sync.engine import UPLOAD_LIMIT_RETRY_S
from server.embedded import EmbeddedPlatform


def _publish(profile, files: list[bytes]) -> list[str]:  # type: ignore[no-untyped-def]
    """Publish one notice per file (each op needs its file uploaded first)."""
    assert profile.services is not None and profile.info is not None
    notices = profile.services.notices
    refs = [notices.save_draft(title=f"关于做好汛期值班工作的通知（{i}）", body="各单位：",
                               audience_unit_ids=[profile.info.unit_id],
                               attachments=[NewAttachment(f"附件{i}.pdf", data,
                                                          "application/pdf")])
            for i, data in enumerate(files)]
    return [notices.publish(ref, now=now()) for ref in refs]


def _publisher(platform: EmbeddedPlatform) -> str:
    return next(a["username"] for a in platform.accounts if "publisher" in a.get("roles", []))


def test_a_file_over_the_daily_limit_waits_in_the_outbox(demo_template, tmp_path) -> None:
    with demo_copy(demo_template, tmp_path, env={"GOVDESK_UPLOAD_MB_PER_DAY": "1"}) as platform:
        profile = login(platform, _publisher(platform))
        try:
            big = b"%PDF-1.4\n" + os.urandom(1536 * 1024)  # more than the 1 MB a day
            waits, goes = _publish(profile, [big, b"%PDF-1.4 small"])
            report = profile.sync()
            assert report.upload_limited == "blob.quota_exceeded"
            # The big file's op waits, no attempt counted, for the hour (no Retry-After:
            # the file alone passes the limit), with the reason shown; its file is kept.
            waiting = {q.op_id: q for q in queue_view.waiting()}
            assert goes not in waiting  # the small file fitted: its notice went out
            assert waiting[waits].attempts == 0
            error = waiting[waits].last_error or ""
            assert "blob.quota_exceeded" in error and "每日上传限额" in error
            assert outbox.due_ops(time.time()) == []
            assert [op.op_id for op in outbox.due_ops(time.time() + UPLOAD_LIMIT_RETRY_S + 1)
                    ] == [waits]
            assert profile.blobs is not None
            [pending] = profile.blobs.pending_uploads()
            assert profile.blobs.open_bytes(pending) == big
            # The next sync does not upload it again: its op is not due.
            before = profile.api.requests_sent
            profile.sync()
            assert profile.api.requests_sent - before == 1  # the empty /changes page
        finally:
            profile.close()


def test_too_many_uploads_a_minute_wait_for_retry_after(demo_template, tmp_path) -> None:
    with demo_copy(demo_template, tmp_path, env={"GOVDESK_UPLOADS_PER_MINUTE": "2"}) as platform:
        profile = login(platform, _publisher(platform))
        try:
            op_ids = _publish(profile, [b"%PDF-1.4 " + os.urandom(100) for _ in range(4)])
            before = profile.api.requests_sent
            report = profile.sync()
            assert report.upload_limited == "blob.rate_limited"
            waiting = {q.op_id: q for q in queue_view.waiting()}
            # Two went; the third was refused; the fourth did not try (it would be too).
            assert [o for o in op_ids if o in waiting] == op_ids[2:]
            assert all(waiting[o].attempts == 0 for o in op_ids[2:])
            assert all("blob.rate_limited" in (waiting[o].last_error or "") for o in op_ids[2:])
            assert profile.api.requests_sent - before < 10  # 3 PUTs, the ops, the pull
            # They are due again within the minute Retry-After names, not before.
            assert outbox.due_ops(time.time()) == []
            assert len(outbox.due_ops(time.time() + 61)) == 2
        finally:
            profile.close()
