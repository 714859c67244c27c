"""Notices, outbox backoff, phrases, directory, documents and the audit log."""

from __future__ import annotations

import csv
import json
from datetime import timedelta
from pathlib import Path

import peewee
import pytest
from cachekit import T0, directory_changes, document, notice, receipt, rfc, task, up

from client.blobstore import BlobStore
from client.errors import GovDeskError
from client.models import Notice, OutboxOp
from client.services import audit, outbox
from client.services.directory import DirectoryService
from client.services.documents import DocumentService
from client.services.notices import NewAttachment, NoticeService
from client.services.phrases import DEFAULT_PHRASES, PhraseService
from client.sync import apply
from client.types import OpState

ME = "zhangjianguo"


@pytest.fixture
def blobs(tmp_path: Path, cache_key: bytes, cache: peewee.Database) -> BlobStore:
    return BlobStore(tmp_path / "blobs", cache_key)


@pytest.fixture
def notices(cache: peewee.Database) -> None:
    apply.apply_page([
        *directory_changes(),
        up("notice", notice("n-old", "旧通知", published_at=T0 - timedelta(days=3))),
        up("notice", notice("n-urgent", "紧急通知", urgent=True,
                            published_at=T0 - timedelta(days=2))),
        up("notice", notice("n-ack", "需确认的会议通知", requires_ack=True,
                            published_at=T0 - timedelta(days=4))),
        up("notice", notice("n-expired", "过期通知",
                            expires_at=rfc(T0 - timedelta(days=1)))),
    ], cursor="c1")


def test_notice_list_order_and_expiry(notices: None) -> None:
    svc = NoticeService(ME)
    rows, after = svc.list(now=T0)
    # Date order, newest first: urgency and "please confirm" are marks, not positions.
    assert [r.id for r in rows] == ["n-urgent", "n-old", "n-ack"]
    assert after is None
    svc.read("n-urgent", now=T0)  # reading does not move a notice
    assert [r.id for r in svc.list(now=T0)[0]] == ["n-urgent", "n-old", "n-ack"]
    first, after = svc.list(now=T0, limit=2)
    rest, end = svc.list(now=T0, after=after, limit=2)
    assert [r.id for r in first + rest] == ["n-urgent", "n-old", "n-ack"] and end is None
    assert svc.unread_count(now=T0) == 2
    assert "n-expired" in [r.id for r in svc.list(now=T0, include_expired=True)[0]]


def test_acknowledge_queues_once(notices: None) -> None:
    svc = NoticeService(ME)
    assert svc.acknowledge("n-ack", now=T0)
    assert not svc.acknowledge("n-ack", now=T0)
    [op] = outbox.due_ops(now=T0 + timedelta(seconds=1))
    assert op.type == "notice.ack" and op.data["notice_id"] == "n-ack"
    row = svc.list(now=T0)[0][-1]
    assert row.id == "n-ack" and row.acked and row.local_state == "pending_sync"
    # The platform's receipt confirms it.
    apply.apply_page([up("receipt", receipt("r1", ME, notice_id="n-ack", kind="ack"))],
                     cursor="c2")
    assert not Notice.get(Notice.id == "n-ack").ack_pending


def test_publish_offline_with_attachment(cache: peewee.Database, blobs: BlobStore) -> None:
    apply.apply_page(directory_changes(), cursor="c1")
    svc = NoticeService("zhaoxin", blobs)
    ref = svc.save_draft(title="关于召开全市防汛工作会议的通知", body="定于十月二十日召开。",
                         audience_unit_ids=["u-county"], requires_ack=True,
                         attachments=[NewAttachment("议程.pdf", b"%PDF agenda", "application/pdf")])
    op_id = svc.publish(ref, now=T0)
    op = OutboxOp.get(OutboxOp.op_id == op_id)
    assert op.data["client_ref"] == ref and op.data["requires_ack"] is True
    [att] = op.data["attachments"]
    assert op.blobs_first == [att["sha256"]] and blobs.pending_uploads() == [att["sha256"]]
    with pytest.raises(GovDeskError):
        svc.publish(ref, now=T0)
    # The notice arrives through the feed with our client_ref: the draft is published.
    apply.set_identity(user_id="zhaoxin")
    apply.apply_page([up("notice", notice("n9", "关于召开全市防汛工作会议的通知",
                                          publisher_id="zhaoxin", client_ref=ref,
                                          requires_ack=True, audience_unit_ids=["u-county"]))],
                     cursor="c2")
    assert svc.drafts() == []
    apply.apply_page([up("receipt", receipt("r1", "lihua", notice_id="n9", kind="ack")),
                      up("receipt", receipt("r2", "chenming", notice_id="n9", kind="read"))],
                     cursor="c3")
    status = svc.receipt_status("n9")
    assert [r.user_name for r in status.acked] == ["李华"]
    assert "lihua" not in status.missing and "chenming" in status.missing
    assert status.audience_users == 6
    # Each person's unit, for the receipts list (readers and those still missing).
    assert status.units["lihua"] == "市政府办公室" and status.units["chenming"] == "市财政局"
    assert status.units["zhouqiang"] == "市财政局"


def test_outbox_backoff_and_set_aside_do_not_block(cache: peewee.Database) -> None:
    with cache.atomic():
        a = outbox.enqueue("document.mark_read", {"document_id": "d1", "at": rfc(T0)})
        b = outbox.enqueue("document.mark_read", {"document_id": "d2", "at": rfc(T0)})
    now = T0.timestamp()
    outbox.mark_sent([a, b])
    outbox.record_failure([a], error="HTTP 500", now=now)
    # b (sent, no answer) is due again; a waits for its backoff.
    assert [o.op_id for o in outbox.due_ops(now)] == [b]
    later = now + outbox.BACKOFF_MAX_S + 1
    assert [o.op_id for o in outbox.due_ops(later)] == [a, b]
    for i in range(outbox.MAX_ATTEMPTS):
        outbox.record_failure([a], error="HTTP 500", now=later + i * 10_000)
    assert outbox.get(a).state == OpState.SET_ASIDE
    assert [o.op_id for o in outbox.due_ops(later + 10**7)] == [b]
    assert outbox.counts().set_aside == 1 and outbox.counts().unsent == 2
    outbox.retry(a)
    assert [o.op_id for o in outbox.due_ops(later)] == [a, b]
    outbox.record_results([{"op_id": a, "status": "applied"},
                           {"op_id": b, "status": "duplicate"}])
    assert outbox.counts().unsent == 0 and outbox.due_ops(later + 10**7) == []


def test_phrases(cache: peewee.Database) -> None:
    svc = PhraseService(ME)
    assert [p.text for p in svc.list()] == list(DEFAULT_PHRASES)
    added = svc.add("请财政局阅处。")
    svc.remove(svc.list()[0].id)
    ids = [p.id for p in svc.list()]
    svc.reorder([added.id, *ids[:-1]])
    texts = [p.text for p in svc.list()]
    assert texts[0] == "请财政局阅处。" and "同意。" not in texts
    assert [p.text for p in PhraseService("lihua").list()] == list(DEFAULT_PHRASES)
    with pytest.raises(GovDeskError):
        svc.add("   ")


def test_directory(cache: peewee.Database) -> None:
    apply.apply_page(directory_changes(), cursor="c1")
    svc = DirectoryService()
    [root] = svc.units_tree()
    assert root.name == "富锦市" and {c.name for c in root.children} == {"市政府办公室", "市财政局"}
    assert {p.display_name for p in svc.search("财政")} == {"陈明", "周强"}
    assert [p.display_name for p in svc.search("副市长")] == ["李华"]
    assert svc.search("100%") == []
    assert svc.person("chenming").unit_name == "市财政局"


def test_open_document_audits_and_marks_read_once(cache: peewee.Database,
                                                  blobs: BlobStore, tmp_path: Path) -> None:
    apply.apply_page([*directory_changes(), up("document", document("d1", "关于财政的通知")),
                      up("task", task("t1", "d1", ME))], cursor="c1")
    svc = DocumentService(ME, blobs)
    detail = svc.open("d1", now=T0)
    assert detail.local_digest == detail.digest and detail.tasks[0].assignee_name == "张建国"
    svc.open("d1", now=T0 + timedelta(minutes=1))
    assert [o.type for o in outbox.due_ops(T0 + timedelta(hours=1))] == ["document.mark_read"]
    views = audit.entries(action="document.view")
    assert len(views) == 2 and views[0].object == "document:d1"
    n = audit.export_csv(tmp_path / "audit.csv")
    with open(tmp_path / "audit.csv", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert n == len(rows) >= 3 and rows[0]["action"] == "document.view"
    assert rows[-1]["action"] == "audit.export"  # the export is itself audited
    assert json.loads(rows[0]["detail"])["doc_number"] == "佳政函〔2004〕85号"
    assert audit.export_json(tmp_path / "audit.json") == n + 1
    with pytest.raises(GovDeskError):
        svc.get("missing")


def test_services_bundle(cache: peewee.Database, blobs: BlobStore) -> None:
    from client.services import Services
    from client.types import InboxView

    apply.apply_page([*directory_changes(), up("document", document("d1")),
                      up("task", task("t1", "d1", ME))], cursor="c1")
    svc = Services(ME, blobs)
    assert svc.inbox.count(InboxView.TODO) == 1
    assert svc.documents.get("d1").tasks[0].id == "t1"
    assert svc.phrases.list()[0].text == "同意。"
    assert svc.directory.person(ME).display_name == "张建国"
