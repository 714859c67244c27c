"""`--screenshot` views of 发文: `drafting`, `review_diff`, `sign_issue`, `receipts`.

They show the demo county's own outgoing documents when its platform sends them. A
platform without 发文 yet (op.unknown_type) sends none: then one county 通知 at the
stage each view needs is applied to the profile's cache through the ordinary change-feed
path, built from the demo directory in the cache and checked against the wire schemas
(protocol.wire) — the same objects the platform's feed carries — and the log says so.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from client.textfmt import CHINA_TZ
from client.ui.screenshots import save, settle
from protocol import docbody
from protocol.canonical import outgoing_digest
from protocol.outgoing_rules import format_doc_number, receive_within_hours
from protocol.wire.changes import validate_object

log = logging.getLogger(__name__)

VIEWS = ("drafting", "review_diff", "sign_issue", "receipts", "clerk_todo")
USERS = {"drafting": "zhaoxin", "review_diff": "zhangjianguo", "sign_issue": "zhangjianguo",
         "receipts": "wangli", "clerk_todo": "wangli"}

TITLE = "关于做好今冬明春森林防火工作的通知"
BODY_V1 = {"v": 1, "blocks": [
    {"kind": "p", "text": "为切实做好今冬明春森林防火工作，确保全市森林资源和人民群众生命财产"
                          "安全，经市政府同意，现将有关事项通知如下。"},
    {"kind": "h1", "text": "提高思想认识"},
    {"kind": "p", "text": "各镇、各有关部门要充分认识森林防火工作的重要性和紧迫性，"
                          "克服麻痹思想和侥幸心理。"},
    {"kind": "h1", "text": "落实工作责任"},
    {"kind": "h2", "text": "明确责任主体"},
    {"kind": "p", "text": "各镇人民政府主要负责同志为本辖区森林防火第一责任人。"},
    {"kind": "h2", "text": "加强值班值守"},
    {"kind": "p", "text": "防火期内实行24小时值班和领导带班制度。"},
]}
BODY_V2 = {"v": 1, "blocks": [
    *BODY_V1["blocks"][:3],
    {"kind": "h1", "text": "严格火源管控"},
    {"kind": "p", "text": "防火期内严禁野外吸烟、烧荒、上坟烧纸等一切野外用火行为。"},
    *BODY_V1["blocks"][3:7],
    {"kind": "p", "text": "防火期内实行24小时值班和领导带班制度，值班电话保持畅通，"
                          "发现火情立即报告。"},
]}


def _rfc(dt: datetime) -> str:
    return dt.astimezone().isoformat(timespec="seconds")


def _ids(runner: Any) -> dict[str, Any]:
    """Units and people of the demo county, read from the profile's cache."""
    s = runner.profile.services
    choices = s.drafting.choices()
    people = {p.username: p for p in s.directory.people(limit=5000)}
    towns = next((r for r in choices.recipients if r.name.endswith("镇人民政府")), None)
    units = {r.name: r.unit_ids[0] for r in choices.recipients if not r.is_group}
    return {"towns": towns, "units": units, "people": people}


def _sample(runner: Any, *, stage: str) -> str:
    """Apply one county 通知 at `stage` ("signing" or "issued"); returns its id."""
    from client.sync import apply

    d = _ids(runner)
    people, units = d["people"], d["units"]
    office = units.get("市政府办公室") or next(iter(units.values()))
    drafter, reviewer = people["zhaoxin"].id, people["liuyang"].id
    leader, clerk = people["zhangjianguo"].id, people["wangli"].id
    towns = d["towns"]
    main = [towns.wire()] if towns else []
    cc_name = next((n for n in units if n.endswith("财政局")), None)
    cc = [{"name": cc_name, "unit_ids": [units[cc_name]]}] if cc_name else []
    now = datetime.now(CHINA_TZ)
    # Office hours: drafted five days ago at 09:00, issued the next morning.
    t0 = (now - timedelta(days=5)).replace(hour=9, minute=0, second=0, microsecond=0)
    oid = f"sample-{stage}"
    sha2 = docbody.body_sha256(BODY_V2)
    issued = stage == "issued"
    year = now.year
    o: dict[str, Any] = {
        "id": oid, "version": 9 if issued else 4, "updated_at": _rfc(now), "unit_id": office,
        "drafter_id": drafter, "doc_type": "通知", "title": TITLE,
        "main_recipients": main, "cc": cc, "classification": "none", "urgency": "normal",
        "notes": "联系人：赵欣，电话：2345678", "attachments": [], "signatory_id": leader,
        "reviewer_id": reviewer, "countersigner_ids": [], "series": "富政发",
        "status": stage, "current_version": 2, "body_sha256": sha2, "created_at": _rfc(t0),
        "doc_number": format_doc_number("富政发", year, 12) if issued else None,
        "issued_on": (t0 + timedelta(days=1)).date().isoformat() if issued else None,
        "signed_by": leader if issued else None, "sealed_by": clerk if issued else None,
        "sealed_at": _rfc(t0 + timedelta(days=1, hours=1)) if issued else None,
        "issued_by": clerk if issued else None,
        "issued_at": _rfc(t0 + timedelta(days=1, hours=2)) if issued else None,
        "issued_body": None,
    }
    o["digest"] = outgoing_digest(o, body_sha256=sha2)
    objs: list[tuple[str, dict[str, Any]]] = [("outgoing", o)]
    for n, body, author, note in ((1, BODY_V1, drafter, ""),
                                  (2, BODY_V2, reviewer, "增加“严格火源管控”一节，补充值班要求")):
        objs.append(("outgoing_version", {
            "id": f"{oid}-v{n}", "version": 1, "updated_at": _rfc(t0), "outgoing_id": oid,
            "number": n, "body": body, "body_sha256": docbody.body_sha256(body),
            "author_id": author, "created_at": _rfc(t0 + timedelta(hours=n)), "note": note}))

    def step(sid: str, kind: str, who: str, status: str, at: datetime,
             **kw: Any) -> tuple[str, dict[str, Any]]:
        return ("outgoing_step", {
            "id": f"{oid}-{sid}", "version": 2, "updated_at": _rfc(at), "outgoing_id": oid,
            "kind": kind, "assignee_id": who, "status": status, "created_at": _rfc(at),
            "due_at": None, "decision": kw.get("decision"), "text": kw.get("text", ""),
            "version_number": kw.get("version"), "outgoing_digest": None,
            "handwriting": None, "signed_at": None, "signature": None,
            "completed_at": _rfc(at) if status == "done" else None})

    objs.append(step("s1", "review", reviewer, "done", t0 + timedelta(hours=3),
                     decision="approve", text="已核。增加火源管控一节，请领导审签。", version=2))
    objs.append(step("s2", "sign", leader, "done" if issued else "pending",
                     t0 + timedelta(hours=5), decision="approve" if issued else None,
                     text="同意印发" if issued else "", version=2 if issued else None))
    if issued and towns:
        sent = t0 + timedelta(days=1, hours=1)
        due = sent + timedelta(hours=receive_within_hours("normal"))
        receivers = [p for p in people.values() if "clerk" in p.roles]
        for i, unit_id in enumerate([*towns.unit_ids, *(cc[0]["unit_ids"] if cc else [])]):
            status = "received" if i < 6 else ("refused" if i == 6 else "pending")
            clerk_here = next((p.id for p in receivers if p.unit_id == unit_id), clerk)
            objs.append(("delivery", {
                "id": f"{oid}-d{i}", "version": 2, "updated_at": _rfc(sent),
                "outgoing_id": oid, "sender_unit_id": office, "recipient_unit_id": unit_id,
                "role": "cc" if i >= len(towns.unit_ids) else "main", "status": status,
                "sent_at": _rfc(sent), "due_at": _rfc(due),
                "document": {"doc_number": o["doc_number"], "issuer": "富锦市人民政府",
                             "doc_type": "通知", "title": TITLE, "classification": "none",
                             "urgency": "normal", "signatory": None,
                             "main_recipients": [g["name"] for g in main],
                             "cc": [g["name"] for g in cc], "issued_on": o["issued_on"],
                             "notes": o["notes"], "body": None, "attachments": [],
                             "digest": o["digest"]},
                "received_by": clerk_here if status == "received" else None,
                "received_at": _rfc(sent + timedelta(minutes=25 * (i + 1)))
                if status == "received" else None,
                "document_id": None,
                "refused_by": clerk_here if status == "refused" else None,
                "refused_at": _rfc(sent + timedelta(hours=4)) if status == "refused" else None,
                "reason": "非本单位业务，请核实主送单位" if status == "refused" else None}))
    changes = [{"seq": i, "type": kind, "id": data["id"], "op": "upsert",
                "data": validate_object(kind, data)} for i, (kind, data) in enumerate(objs, 1)]
    with runner.profile.cache_context():
        apply.apply_page(changes, cursor=apply.current_cursor() or "screenshot")
    log.warning("the demo platform sent no 发文 at stage %s: showing a sample applied "
                "through the change feed", stage)
    return oid


def _pick(runner: Any, view: str, want: Any) -> Any:
    rows = runner.profile.services.outgoing.rows(view)
    return next((r for r in rows if want(r)), None)


def render(runner: Any, window: Any, path: Path, view: str) -> int:
    page = window.outgoing_page
    window.nav.select("outgoing")
    settle(runner.ops)
    if view == "drafting":
        return _drafting(runner, window, path)
    if view in ("review_diff", "sign_issue"):
        row = _pick(runner, "sign", lambda r: r.step_id and not r.local)
        if row is None:
            _sample(runner, stage="signing")
            row = _pick(runner, "sign", lambda r: r.step_id and not r.local)
        page.show_view("sign")
        settle(runner.ops)
        page.reload(keep=row.id)  # the row shown selected, as after a click
        settle(runner.ops)
        page.open_step(row.step_id)
        settle(runner.ops, 800)
        panel = page.step
        if view == "review_diff":
            panel.tabs.setCurrentWidget(panel.diff)
        else:
            panel.tabs.setCurrentWidget(panel.body)
            panel.pad.add_stroke([(30 + i * 7, 80 - (i % 4) * 9 + (i % 3) * 5)
                                  for i in range(28)])
            panel.pad.add_stroke([(120, 40), (140, 100), (165, 45), (190, 96), (225, 52)])
            panel.pad.add_stroke([(250, 70), (320, 66)])
        settle(runner.ops, 300)
        return save(window, path)
    if view == "receipts":
        row = _pick(runner, "issued", lambda r: r.status == "issued")
        if row is None:
            _sample(runner, stage="issued")
            row = _pick(runner, "issued", lambda r: r.status == "issued")
        page.show_view("issued")
        settle(runner.ops)
        page.reload(keep=row.id)
        settle(runner.ops)
        page.open_record(row.id)
        settle(runner.ops, 800)
        return save(window, path)
    if view == "clerk_todo":  # 收发待办: 待编号 / 待用印 / 待核发, most urgent first
        page.show_view("clerk")
        settle(runner.ops)
        if page.list.count():
            page.list.setCurrentRow(0)
        settle(runner.ops, 800)
        return save(window, path)
    raise ValueError(view)


def _drafting(runner: Any, window: Any, path: Path) -> int:
    page = window.outgoing_page
    page.new_draft()
    settle(runner.ops, 800)
    editor = page.editor
    d = _ids(runner)
    editor.title.setText(TITLE)
    if d["towns"] is not None:
        editor._main = [d["towns"].wire()]
    cc_name = next((n for n in d["units"] if n.endswith("财政局")), None)
    if cc_name:
        editor._cc = [{"name": cc_name, "unit_ids": [d["units"][cc_name]]}]
    editor._select(editor.signatory, d["people"]["zhangjianguo"].id)
    editor._select(editor.reviewer, d["people"]["liuyang"].id)
    editor.notes.setText("联系人：赵欣，电话：2345678")
    editor._show_lists()
    editor.body.set_body(BODY_V2)
    editor.body.setFocus()
    cursor = editor.body.textCursor()
    cursor.setPosition(editor.body.document().findBlockByNumber(5).position() + 2)
    editor.body.setTextCursor(cursor)
    editor.save_now()
    settle(runner.ops, 800)
    return save(window, path)
