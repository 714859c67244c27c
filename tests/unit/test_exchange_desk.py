"""公文交换 and the clerk's desk on a real cache: the 待签收 box (keyset pages, counts,
overdue), 签收 and 拒收 queued offline, the sender's 回执, 登记/分办, 在办 with 催办 / 撤销 /
改派, 办结 and 归档, and reminders reaching their assignee. Feed objects are checked
against protocol.wire (exchangekit); every op's data against its protocol model."""

from __future__ import annotations

from pathlib import Path

import peewee
import pytest
from cachekit import T0, directory_changes, document, later, task, up
from exchangekit import delivery, hours, reminder, town_directory

from client.blobstore import BlobStore
from client.errors import GovDeskError
from client.models import AuditEntry, BlobEntry, Delivery, Document, OutboxOp
from client.services import outbox
from client.services.clerk_desk import ClerkDeskService, RouteTask
from client.services.exchange import ExchangeService
from client.sync import apply
from protocol import ops
from protocol.wire.outgoing import (
    DeliveryReceiveData,
    DeliveryRefuseData,
    DocumentCloseData,
    DocumentRegisterData,
    DocumentRouteData,
    TaskCancelData,
    TaskRemindData,
    TaskRerouteData,
)

PDF = b"%PDF-1.4\n% scanned\n" + bytes(range(256)) * 4


@pytest.fixture
def feed(cache: peewee.Database) -> None:
    apply.set_identity(user_id="townclerk")
    apply.apply_page([*directory_changes(), *town_directory()], cursor="dir")


def _ops(op_type: str) -> list[OutboxOp]:
    return list(OutboxOp.select().where(OutboxOp.type == op_type).order_by(OutboxOp.id))


# --- the 待签收 box ------------------------------------------------------------------------

def test_box_is_most_urgent_then_newest_and_pages_by_keyset(feed: None) -> None:
    changes = [up("delivery", delivery(f"dl{i}", f"通知{i}", sent=later(i),
                                       urgency=("very_urgent" if i % 7 == 0 else "normal")))
               for i in range(1, 60)]
    changes += [up("delivery", delivery("other-town", recipient="u-town2")),
                up("delivery", delivery("done", status="received", version=2))]
    apply.apply_page(changes, cursor="c1")
    svc = ExchangeService("townclerk")
    seen, after = [], None
    while True:
        page = svc.box_page(after=after, limit=7, now=later(60))
        seen += page.rows
        if page.next_after is None:
            break
        after = page.next_after
    ids = [r.id for r in seen]
    assert len(ids) == 59 == len(set(ids))   # every pending one of my unit, once
    urgent = [f"dl{i}" for i in (56, 49, 42, 35, 28, 21, 14, 7)]
    assert ids[:8] == urgent and ids[8:11] == ["dl59", "dl58", "dl57"]
    first = seen[0]
    assert first.title == "通知56" and first.doc_number == "富政发〔2026〕12号"
    assert first.sender_unit == "市政府办公室" and first.issuer == "富锦市人民政府"
    counts = svc.box_counts(now=later(60))
    assert (counts.to_receive, counts.very_urgent, counts.waiting) == (59, 8, 0)


def test_overdue_follows_the_platform_due_time_or_the_rule(feed: None) -> None:
    apply.apply_page([
        up("delivery", delivery("fast", urgency="very_urgent", sent=T0)),      # 4 h rule
        up("delivery", delivery("slow", sent=T0)),                              # 72 h rule
        up("delivery", delivery("set", sent=T0, due=T0 + hours(1))),            # platform's
    ], cursor="c1")
    svc = ExchangeService("townclerk")
    rows = {r.id: r for r in svc.box_page(now=T0 + hours(5)).rows}
    assert rows["fast"].overdue and rows["set"].overdue and not rows["slow"].overdue
    assert rows["fast"].due_at == T0 + hours(4)
    assert svc.box_counts(now=T0 + hours(5)).overdue == 2
    assert svc.box_counts(now=T0 + hours(73)).overdue == 3


def test_receive_is_queued_shown_as_waiting_and_settled_by_the_pull(feed: None) -> None:
    apply.apply_page([up("delivery", delivery("dl1")), up("delivery", delivery("dl2"))],
                     cursor="c1")
    svc = ExchangeService("townclerk")
    queued = svc.receive("dl1", now=later(5))
    assert queued.changes.exchange == {"dl1"} and queued.changes.outbox
    [op] = _ops(ops.DELIVERY_RECEIVE)
    DeliveryReceiveData(**op.data)
    assert op.data["delivery_id"] == "dl1" and op.local_ref == "delivery:dl1"
    rows = {r.id: r for r in svc.box_page(now=later(5)).rows}
    assert rows["dl1"].waiting and not rows["dl2"].waiting     # 待发送, still listed
    assert svc.box_counts(now=later(5)).to_receive == 1
    with pytest.raises(GovDeskError) as err:
        svc.receive("dl1")
    assert err.value.code == "delivery.not_pending"
    assert len(_ops(ops.DELIVERY_RECEIVE)) == 1
    outbox.record_results([{"op_id": op.op_id, "status": "applied"}])
    summary = apply.apply_page([up("delivery", delivery(
        "dl1", status="received", version=2, received_by="townclerk",
        received_at="2005-10-19T09:35:00+00:00", document_id="doc-dl1"))], cursor="c2")
    assert summary.changes.exchange == {"dl1"}
    assert [r.id for r in svc.box_page().rows] == ["dl2"]
    assert Delivery.get_by_id("dl1").local_state == ""
    assert AuditEntry.select().where(AuditEntry.action == "delivery.receive").count() == 1


def test_refusal_needs_a_reason_and_a_refused_op_keeps_it(feed: None) -> None:
    apply.apply_page([up("delivery", delivery("dl1"))], cursor="c1")
    svc = ExchangeService("townclerk")
    for blank in ("", "   "):
        with pytest.raises(GovDeskError) as err:
            svc.refuse("dl1", blank)
        assert err.value.code == "opinion.reason_required"
    assert not _ops(ops.DELIVERY_REFUSE)
    svc.refuse("dl1", " 非本单位来文 ", now=later(1))
    [op] = _ops(ops.DELIVERY_REFUSE)
    assert DeliveryRefuseData(**op.data).reason == "非本单位来文"
    assert svc.box_page().rows[0].local_state == "refuse_pending"
    outbox.record_results([{"op_id": op.op_id, "status": "conflict",
                            "code": "delivery.not_pending"}])
    row = svc.box_page().rows[0]
    assert row.local_state == "conflict" and row.local_reason == "非本单位来文"
    assert [p.op_id for p in outbox.problems()] == [op.op_id]


def test_only_a_clerk_of_the_recipient_unit_receives(feed: None) -> None:
    apply.apply_page([up("delivery", delivery("dl1")),
                      up("delivery", delivery("dl2", recipient="u-town2"))], cursor="c1")
    with pytest.raises(GovDeskError) as err:
        ExchangeService("zhouqiang").receive("dl1")
    assert err.value.code == "clerk.required"
    with pytest.raises(GovDeskError) as err:
        ExchangeService("townclerk").receive("dl2")
    assert err.value.code == "delivery.not_found"
    assert not _ops(ops.DELIVERY_RECEIVE)


def test_receipt_table_of_the_sender(feed: None) -> None:
    apply.set_identity(user_id="wangli")
    apply.apply_page([
        up("delivery", delivery("a", recipient="u-town", status="received", version=2,
                                received_by="townclerk",
                                received_at="2005-10-19T10:00:00+00:00", document_id="x")),
        up("delivery", delivery("b", recipient="u-town2", status="refused", version=2,
                                refused_by="townclerk2", refused_at="2005-10-19T11:00:00+00:00",
                                reason="非本单位来文")),
        up("delivery", delivery("c", recipient="u-town3", role="cc")),
        up("delivery", delivery("d", recipient="u-fin", urgency="urgent", sent=T0)),
        up("delivery", delivery("other", outgoing_id="og-2")),
    ], cursor="c1")
    table = ExchangeService("wangli").deliveries_for_outgoing("og-1", now=T0 + hours(30))
    by = {r.delivery_id: r for r in table}
    assert [r.role for r in table] == ["main", "main", "main", "cc"]
    assert (by["a"].status, by["a"].by_name, by["a"].unit_name) == ("received", "于海燕", "砚山镇")
    assert by["a"].at is not None and by["a"].at.hour == 10 and not by["a"].overdue
    assert (by["b"].status, by["b"].reason, by["b"].by_name) == ("refused", "非本单位来文", "曲晓东")
    assert by["d"].overdue and by["d"].due_at == T0 + hours(24)       # 加急: 24 h
    assert not by["c"].overdue and by["c"].by_name == "" and by["c"].at is None


# --- 登记 and 分办 -----------------------------------------------------------------------

def _received_document(did: str = "doc1", **kw: object) -> dict[str, object]:
    return document(did, "关于做好春季防火工作的通知", status="registered",
                    unit_id="u-gov", delivery_id="dl1", doc_number="富政发〔2026〕12号",
                    issuer="富锦市人民政府", notes="此件公开发布", **kw)


def test_registration_form_is_prefilled_and_routing_sends_only_corrections(
        cache: peewee.Database) -> None:
    apply.apply_page([*directory_changes(), *town_directory(),
                      up("document", _received_document())], cursor="c1")
    assert Document.get(Document.id == "doc1").delivery_id == "dl1"
    desk = ClerkDeskService("wangli")
    [row] = desk.to_route().rows
    assert (row.document_id, row.delivery_id, row.waiting) == ("doc1", "dl1", "")
    form = desk.registration_form("doc1")
    assert (form.title, form.doc_number, form.issuer, form.notes, form.delivery_id) == (
        "关于做好春季防火工作的通知", "富政发〔2026〕12号", "富锦市人民政府", "此件公开发布",
        "dl1")
    assert form.registration_number and form.body_sha256
    people = desk.routing_people()
    assert [p.id for p in people.office_heads] == ["liuyang"]
    assert {p.id for p in people.leaders} == {"zhangjianguo", "lihua"}
    with pytest.raises(GovDeskError) as err:
        desk.route("doc1", [RouteTask("chenming", "read")])
    assert err.value.code == "desk.route_empty"
    desk.route("doc1", [RouteTask("liuyang", "propose", later(60 * 24)),
                        RouteTask("chenming", "read"), RouteTask("chenming", "read")],
               title="关于做好2026年春季防火工作的通知", doc_number="富政发〔2026〕12号",
               urgency="normal", notes="此件公开发布", now=later(1))
    [op] = _ops(ops.DOCUMENT_ROUTE)
    data = DocumentRouteData(**op.data)
    assert data.title == "关于做好2026年春季防火工作的通知"
    assert data.doc_number is None and data.notes is None and data.urgency is None
    assert [(t.assignee_id, t.kind) for t in data.tasks] == [("liuyang", "propose"),
                                                           ("chenming", "read")]
    assert data.tasks[0].due_at is not None
    assert desk.to_route().rows[0].waiting == "route"
    with pytest.raises(GovDeskError) as err:
        desk.route("doc1", [RouteTask("lihua", "instruct")])
    assert err.value.code == "document.not_registered"


def test_scanned_pdf_is_registered_offline_with_its_blob_uploaded_first(
        cache: peewee.Database, tmp_path: Path, cache_key: bytes) -> None:
    apply.apply_page([*directory_changes()], cursor="c1")
    blobs = BlobStore(tmp_path / "blobs", cache_key)
    desk = ClerkDeskService("wangli", blobs)
    fields = dict(doc_number="黑政办发〔2026〕8号", issuer="黑龙江省人民政府办公厅",
                  doc_type="通知", title="关于加强春季森林草原防火工作的通知")
    with pytest.raises(GovDeskError) as err:
        desk.register_scanned(b"GIF89a not a pdf", **fields)
    assert err.value.code == "desk.not_pdf"
    with pytest.raises(GovDeskError) as err:
        desk.register_scanned_file(tmp_path / "missing.pdf", **fields)
    assert err.value.code == "desk.file_unreadable"
    with pytest.raises(GovDeskError) as err:
        desk.register_scanned(PDF, **(fields | {"title": "  "}))
    assert err.value.code == "desk.title_required"
    assert not _ops(ops.DOCUMENT_REGISTER)
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(PDF)
    done = desk.register_scanned_file(scan, **fields, urgency="urgent",
                                      tasks=[RouteTask("zhangjianguo", "instruct", later(99))])
    [op] = _ops(ops.DOCUMENT_REGISTER)
    data = DocumentRegisterData(**op.data)
    assert data.body_sha256 == done.body_sha256 and op.blobs_first == [done.body_sha256]
    assert data.tasks[0].kind == "instruct" and data.issuer == "黑龙江省人民政府办公厅"
    entry = BlobEntry.get_by_id(done.body_sha256)
    assert entry.upload_pending and entry.pinned and blobs.open_bytes(done.body_sha256) == PDF
    [row] = desk.to_route().rows
    assert (row.waiting, row.title, row.document_id) == ("register", fields["title"],
                                                        done.document_id)
    assert desk.counts().to_route == 1


# --- 在办, 催办, 撤销, 改派 -------------------------------------------------------------------

@pytest.fixture
def in_progress(cache: peewee.Database) -> ClerkDeskService:
    apply.apply_page([
        *directory_changes(), *town_directory(),
        up("document", document("d1", "关于财政资金管理的通知")),
        up("document", document("d2", "关于秋季防火的通知", urgency="urgent")),
        up("task", task("t1", "d1", "zhangjianguo", due=T0 + hours(2))),
        up("task", task("t2", "d2", "lihua", due=T0 + hours(48))),
        up("task", task("t3", "d2", "chenming", kind="read")),
        up("task", task("t4", "d1", "chenming", kind="handle")),
        up("task", task("t5", "d1", "zhouqiang", kind="handle", status="done")),
    ], cursor="c1")
    return ClerkDeskService("wangli")


def test_in_progress_lists_open_tasks_by_deadline_with_overdue_flags(
        in_progress: ClerkDeskService) -> None:
    rows = in_progress.in_progress(now=T0 + hours(3)).rows
    assert [r.task_id for r in rows] == ["t1", "t2", "t4"]    # no due date last; no reads
    assert rows[0].overdue and not rows[1].overdue and not rows[2].overdue
    assert rows[0].assignee_name == "张建国" and rows[0].title == "关于财政资金管理的通知"
    page = in_progress.in_progress(limit=2, now=T0)
    assert [r.task_id for r in in_progress.in_progress(after=page.next_after).rows] == ["t4"]
    assert [r.task_id for r in in_progress.in_progress(now=T0 + hours(3),
                                                       overdue_only=True).rows] == ["t1"]
    counts = in_progress.counts(now=T0 + hours(3))
    assert (counts.in_progress, counts.overdue) == (3, 1)


def test_remind_cancel_and_reroute_are_queued_with_their_reasons(
        in_progress: ClerkDeskService) -> None:
    desk = in_progress
    desk.remind("t1", "请于今日下班前批示。", now=T0 + hours(3))
    [op] = _ops(ops.TASK_REMIND)
    data = TaskRemindData(**op.data)
    assert data.task_id == "t1" and data.text == "请于今日下班前批示。" and data.reminder_id
    rows = {r.task_id: r for r in desk.in_progress(now=T0 + hours(3)).rows}
    assert rows["t1"].waiting == "remind"
    with pytest.raises(GovDeskError) as err:
        desk.remind("t5")
    assert err.value.code == "task.not_pending"
    for bad, code in (("", "desk.reason_required"), ("x" * 1001, "opinion.too_long")):
        with pytest.raises(GovDeskError) as err:
            desk.cancel("t4", bad)
        assert err.value.code == code
    with pytest.raises(GovDeskError) as err:
        desk.reroute("t2", "lihua", "出差")
    assert err.value.code == "task.same_assignee"
    desk.cancel("t4", "重复分办")
    desk.reroute("t2", "zhangjianguo", "李华副市长出差，改由市长批示")
    TaskCancelData(**_ops(ops.TASK_CANCEL)[0].data)
    moved = TaskRerouteData(**_ops(ops.TASK_REROUTE)[0].data)
    assert moved.assignee_id == "zhangjianguo" and moved.reason.startswith("李华")
    rows = {r.task_id: r for r in desk.in_progress().rows}
    assert (rows["t4"].waiting, rows["t2"].waiting) == ("cancel", "reroute")
    # The platform's reminder comes back with the pull: counted on the task.
    apply.apply_page([up("reminder", reminder("r1", "t1", "zhangjianguo", document_id="d1",
                                              at=T0 + hours(3)))], cursor="c2")
    assert {r.task_id: r for r in desk.in_progress().rows}["t1"].reminders == 1


def test_only_clerks_act_on_the_desk(in_progress: ClerkDeskService) -> None:
    with pytest.raises(GovDeskError) as err:
        ClerkDeskService("zhouqiang").remind("t1")
    assert err.value.code == "clerk.required"


def test_complete_then_archive(in_progress: ClerkDeskService) -> None:
    desk = in_progress
    with pytest.raises(GovDeskError) as err:
        desk.archive("d1")
    assert err.value.code == "document.not_completed"
    desk.complete("d1")
    with pytest.raises(GovDeskError) as err:
        desk.complete("d1")
    assert err.value.code == "desk.already_completed"
    DocumentCloseData(**_ops(ops.DOCUMENT_COMPLETE)[0].data)
    apply.apply_page([up("document", document("d1", "关于财政资金管理的通知", version=2,
                                              status="completed"))], cursor="c2")
    assert [r.document_id for r in desk.closed("completed").rows] == ["d1"]
    desk.archive("d1")
    assert DocumentCloseData(**_ops(ops.DOCUMENT_ARCHIVE)[0].data).document_id == "d1"
    assert desk.closed("completed").rows[0].waiting == "archive"
    assert desk.counts().completed == 1


# --- reminders reaching their assignee ------------------------------------------------------

def test_reminders_to_me_are_announced_once_and_recorded(cache: peewee.Database) -> None:
    apply.apply_page([
        *directory_changes(),
        up("document", document("d1", "关于财政资金管理的通知")),
        up("task", task("t1", "d1", "zhangjianguo")),
        up("reminder", reminder("r-old", "t1", "zhangjianguo", at=T0 - hours(24 * 30))),
        up("reminder", reminder("r1", "t1", "zhangjianguo", document_id="d1",
                                text="请尽快批示。", at=T0)),
        up("reminder", reminder("r-other", "t1", "lihua", at=T0)),
    ], cursor="c1")
    desk = ClerkDeskService("zhangjianguo")
    [alert] = desk.reminders_to_announce(now=T0 + hours(1))
    assert (alert.id, alert.from_name, alert.text, alert.title, alert.task_kind) == (
        "r1", "王丽", "请尽快批示。", "关于财政资金管理的通知", "instruct")
    desk.mark_announced([alert.id], now=T0 + hours(1))
    assert desk.reminders_to_announce(now=T0 + hours(2)) == []
    shown = AuditEntry.select().where(AuditEntry.action == "reminder.shown")
    assert [e.object for e in shown] == ["reminder:r1"]


def test_waiting_ops_name_what_they_act_on(feed: None) -> None:
    from client.services import queue_view

    apply.apply_page([up("delivery", delivery("dl1", "关于报送春耕生产情况的函")),
                      up("document", _received_document())], cursor="c1")
    ExchangeService("townclerk").receive("dl1")
    apply.set_identity(user_id="wangli")
    ClerkDeskService("wangli").route("doc1", [RouteTask("lihua", "instruct")])
    subjects = [(q.type, q.doc_number, q.subject) for q in queue_view.waiting()]
    assert subjects == [(ops.DELIVERY_RECEIVE, "", "关于报送春耕生产情况的函"),
                        (ops.DOCUMENT_ROUTE, "富政发〔2026〕12号", "关于做好春季防火工作的通知")]
