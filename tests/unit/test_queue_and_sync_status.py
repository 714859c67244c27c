"""What is waiting to be sent, in words (services.queue_view), and the one sync state
(services.sync_status) read from the cache: both survive a relaunch."""

from __future__ import annotations

from datetime import timedelta

import peewee
from cachekit import T0, directory_changes, document, notice, task, up

from client.services import outbox, queue_view, sync_status
from client.sync import apply
from client.types import OpState
from protocol import ops


def test_waiting_ops_say_what_they_act_on_since_when_and_why_they_failed(
        cache: peewee.Database) -> None:
    apply.apply_page([
        *directory_changes(),
        up("document", document("d1", "关于做好秋季防火工作的通知", doc_number="佳政办发〔2005〕86号")),
        up("task", task("t1", "d1", "zhangjianguo")),
        up("notice", notice("n1", "关于召开全县安全生产会议的通知", requires_ack=True)),
    ], cursor="c1")
    with cache.atomic():
        sign = outbox.enqueue(ops.TASK_COMPLETE, {"task_id": "t1", "decision": "approve"},
                              now=T0)
        ack = outbox.enqueue(ops.NOTICE_ACK, {"notice_id": "n1"}, now=T0 + timedelta(minutes=1))
        read = outbox.enqueue(ops.DOCUMENT_MARK_READ, {"document_id": "d1"},
                              now=T0 + timedelta(minutes=2))
        done = outbox.enqueue(ops.NOTICE_ACK, {"notice_id": "n1"}, now=T0)
    outbox.mark_sent([ack])
    outbox.record_failure([ack], error="HTTP 502 from the county gateway",
                          now=T0.timestamp())
    outbox.record_results([{"op_id": done, "status": "applied"}])

    waiting = queue_view.waiting()
    assert [w.op_id for w in waiting] == [sign, ack, read]  # the order they go in
    first, second, third = waiting
    assert (first.type, first.doc_number, first.subject) == (
        ops.TASK_COMPLETE, "佳政办发〔2005〕86号", "关于做好秋季防火工作的通知")
    assert first.since == T0 and first.state == OpState.QUEUED and first.last_error is None
    assert second.subject == "关于召开全县安全生产会议的通知" and second.doc_number == ""
    assert second.last_error == "HTTP 502 from the county gateway" and second.attempts == 1
    assert third.doc_number == "佳政办发〔2005〕86号"
    assert len(waiting) == outbox.counts().unsent  # the number the status bar shows


def test_sync_status_reads_the_persisted_last_success(cache: peewee.Database) -> None:
    before = sync_status.read(online=False)
    assert before.last_success_at is None and before.unsent == 0 and not before.waiting
    apply.record_success(T0)
    with cache.atomic():
        outbox.enqueue(ops.DOCUMENT_MARK_READ, {"document_id": "d1"})
    after = sync_status.read(online=False)
    assert after.last_success_at == T0 and after.unsent == 1 and after.waiting
    assert not after.online and sync_status.read(online=True).online


def test_a_notice_published_offline_is_listed_at_once_and_cannot_be_sent_twice(
        cache: peewee.Database) -> None:
    from client.errors import GovDeskError
    from client.services.notices import DRAFT_PREFIX, NoticeService

    apply.apply_page(directory_changes(), cursor="c1")
    svc = NoticeService("zhaoxin")
    fields = dict(title="关于召开全市防汛工作会议的通知", body="定于十月二十日召开。",
                  audience_unit_ids=["u-county"], requires_ack=True)
    ref = svc.save_draft(**fields)
    svc.publish(ref, now=T0)

    rows, _ = svc.list(now=T0)
    [mine] = [r for r in rows if r.title == fields["title"]]
    assert mine.id == DRAFT_PREFIX + ref and mine.local_state == "pending_sync"
    assert mine.publisher_id == "zhaoxin" and mine.requires_ack
    detail = svc.read(mine.id, now=T0)
    assert detail.body == fields["body"] and detail.audience_unit_ids == ["u-county"]

    # The same form again (same client_ref), or the same notice composed a second time.
    for again in (dict(client_ref=ref), {}):
        try:
            svc.save_draft(**fields, **again)
        except GovDeskError as exc:
            assert exc.code in ("notice.already_queued", "notice.duplicate_pending")
        else:
            raise AssertionError(f"a second submission was accepted: {again}")
    assert outbox.counts().unsent == 1

    # The pull brings my notice: one row, the platform's.
    apply.set_identity(user_id="zhaoxin")
    apply.apply_page([up("notice", notice("n9", fields["title"], publisher_id="zhaoxin",
                                          client_ref=ref, requires_ack=True,
                                          audience_unit_ids=["u-county"]))], cursor="c2")
    rows, _ = svc.list(now=T0)
    assert [r.id for r in rows if r.title == fields["title"]] == ["n9"]
