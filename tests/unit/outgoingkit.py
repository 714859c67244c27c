"""Builders of the 发文 feed objects (docs/protocol.md "Outgoing documents"), each checked
against the shared wire schema (protocol.wire) as it is built: a test written against
this kit is written against the contract, before the platform implements it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from cachekit import T0, rfc, unit, up, user

from protocol import docbody
from protocol.canonical import outgoing_digest
from protocol.wire.changes import validate_object

OFFICE = "u-gov"          # 市政府办公室: drafts, numbers, seals
TOWNS = ("u-ca", "u-ys", "u-xl")
BUREAUS = ("u-fin", "u-edu")
DRAFTER, REVIEWER, LEADER, CLERK, OTHER_LEADER = (
    "liuyang", "sunli", "zhangjianguo", "wangli", "chenming")

BODY_V1 = {"v": 1, "blocks": [
    {"kind": "p", "text": "为切实做好今冬明春森林防火工作，现将有关事项通知如下。"},
    {"kind": "h1", "text": "提高思想认识"},
    {"kind": "p", "text": "各镇要充分认识森林防火工作的重要性。"},
    {"kind": "h1", "text": "落实工作责任"},
    {"kind": "h2", "text": "明确责任人"},
    {"kind": "p", "text": "各镇主要负责同志为第一责任人。"},
]}


def directory() -> list[dict[str, Any]]:
    """富锦市 in small: the office (with its series and seal), two bureaus, three towns."""
    objs = [
        ("unit", unit("u-county", "富锦市", kind="county")),
        ("unit", unit("u-szf", "富锦市人民政府", "u-county", kind="government")),
        ("unit", unit(OFFICE, "市政府办公室", "u-szf", kind="office", has_seal=True,
                      short_name="富政办",
                      series=[{"prefix": "富政发", "label": "市政府文件"},
                              {"prefix": "富政办发", "label": "市政府办公室文件"}])),
        ("unit", unit("u-fin", "市财政局", "u-szf", series=[{"prefix": "富财发", "label": ""}])),
        ("unit", unit("u-edu", "市教育局", "u-szf")),
        ("unit", unit("u-ca", "长安镇", "u-county", kind="town")),
        ("unit", unit("u-ys", "砚山镇", "u-county", kind="town")),
        ("unit", unit("u-xl", "兴隆镇", "u-county", kind="town")),
        ("unit", unit("u-jms", "佳木斯市人民政府办公室", None, kind="external")),
        ("user", user(DRAFTER, "刘洋", title="科员")),
        ("user", user(REVIEWER, "孙丽", roles=["reviewer", "staff"], title="办公室主任")),
        ("user", user(LEADER, "张建国", roles=["leader"], title="市长")),
        ("user", user(CLERK, "王丽", roles=["clerk"], title="文书")),
        ("user", user(OTHER_LEADER, "陈明", "u-fin", roles=["leader"], title="局长")),
        ("user", user("zhouqiang", "周强", "u-ca", roles=["clerk"], title="镇文书")),
    ]
    return [up(kind, validate_object(kind, data)) for kind, data in objs]


def outgoing(oid: str, *, status: str = "reviewing", version: int = 1,
             body: dict[str, Any] | None = None, current_version: int = 1,
             **kw: Any) -> dict[str, Any]:
    body = body or BODY_V1
    o: dict[str, Any] = {
        "id": oid, "version": version, "updated_at": rfc(T0), "unit_id": OFFICE,
        "drafter_id": DRAFTER, "doc_type": kw.pop("doc_type", "通知"),
        "title": kw.pop("title", "关于做好今冬明春森林防火工作的通知"),
        "main_recipients": kw.pop("main_recipients", [
            {"name": "各镇人民政府", "unit_ids": list(TOWNS)}]),
        "cc": kw.pop("cc", [{"name": "市财政局", "unit_ids": ["u-fin"]}]),
        "classification": "none", "urgency": kw.pop("urgency", "normal"),
        "notes": kw.pop("notes", ""), "attachments": kw.pop("attachments", []),
        "signatory_id": LEADER, "reviewer_id": kw.pop("reviewer_id", REVIEWER),
        "countersigner_ids": kw.pop("countersigner_ids", []), "series": "富政发",
        "status": status, "current_version": current_version,
        "body_sha256": docbody.body_sha256(body), "created_at": rfc(T0),
        "doc_number": kw.pop("doc_number", None), "issued_on": kw.pop("issued_on", None),
        "signed_by": None, "sealed_by": None, "sealed_at": None, "issued_by": None,
        "issued_at": kw.pop("issued_at", None), "issued_body": None,
    } | kw
    o["digest"] = outgoing_digest(o, body_sha256=o["body_sha256"])
    return validate_object("outgoing", o)


def version(oid: str, number: int, body: dict[str, Any], *, author: str = DRAFTER,
            note: str = "") -> dict[str, Any]:
    return validate_object("outgoing_version", {
        "id": f"{oid}-v{number}", "version": 1, "updated_at": rfc(T0), "outgoing_id": oid,
        "number": number, "body": body, "body_sha256": docbody.body_sha256(body),
        "author_id": author, "created_at": rfc(T0 + timedelta(minutes=number)),
        "note": note})


def step(sid: str, oid: str, kind: str, assignee: str, *, status: str = "pending",
         version: int = 1, **kw: Any) -> dict[str, Any]:
    return validate_object("outgoing_step", {
        "id": sid, "version": version, "updated_at": rfc(T0), "outgoing_id": oid,
        "kind": kind, "assignee_id": assignee, "status": status,
        "created_at": rfc(kw.pop("created_at", T0)), "due_at": None,
        "decision": kw.pop("decision", None), "text": kw.pop("text", ""),
        "version_number": kw.pop("version_number", None),
        "outgoing_digest": kw.pop("outgoing_digest", None), "handwriting": None,
        "signed_at": None, "signature": None, "completed_at": None} | kw)


def delivery(did: str, oid: str, unit_id: str, *, status: str = "pending",
             role: str = "main", sent: datetime = T0, **kw: Any) -> dict[str, Any]:
    return validate_object("delivery", {
        "id": did, "version": 1, "updated_at": rfc(sent), "outgoing_id": oid,
        "sender_unit_id": OFFICE, "recipient_unit_id": unit_id, "role": role,
        "status": status, "sent_at": rfc(sent),
        "due_at": rfc(kw.pop("due_at", sent + timedelta(hours=72))),
        "document": {"doc_number": "富政发〔2026〕12号", "issuer": "富锦市人民政府",
                     "doc_type": "通知", "title": "关于做好今冬明春森林防火工作的通知",
                     "classification": "none", "urgency": "normal", "signatory": None,
                     "main_recipients": ["各镇人民政府"], "cc": ["市财政局"],
                     "issued_on": "2026-11-30", "notes": "", "body": None,
                     "attachments": [], "digest": "d" * 64},
        "received_by": kw.pop("received_by", None), "received_at": kw.pop("received_at", None),
        "document_id": kw.pop("document_id", None), "refused_by": kw.pop("refused_by", None),
        "refused_at": kw.pop("refused_at", None), "reason": kw.pop("reason", None)} | kw)


def series(unit_id: str, prefix: str, year: int, last: int) -> dict[str, Any]:
    return validate_object("doc_series", {
        "id": f"{unit_id}-{prefix}-{year}", "version": last + 1, "updated_at": rfc(T0),
        "unit_id": unit_id, "prefix": prefix, "year": year, "last_number": last, "gaps": []})


def reviewing(oid: str = "o1") -> list[dict[str, Any]]:
    """A draft submitted for 核稿: the outgoing, its version 1 and the review step."""
    return [up("outgoing", outgoing(oid)), up("outgoing_version", version(oid, 1, BODY_V1)),
            up("outgoing_step", step(f"{oid}-s1", oid, "review", REVIEWER))]


BODY_V2 = {"v": 1, "blocks": [
    *BODY_V1["blocks"][:3],
    {"kind": "h1", "text": "加强火源管控"},
    {"kind": "p", "text": "严禁野外用火，严防死守。"},
    *BODY_V1["blocks"][3:],
]}


def signing(oid: str = "o1") -> list[dict[str, Any]]:
    """Reviewed with one revision (version 2) and waiting for 签发."""
    return [up("outgoing", outgoing(oid, status="signing", version=3, body=BODY_V2,
                                    current_version=2)),
            up("outgoing_version", version(oid, 1, BODY_V1)),
            up("outgoing_version", version(oid, 2, BODY_V2, author=REVIEWER,
                                           note="增加火源管控一节")),
            up("outgoing_step", step(f"{oid}-s1", oid, "review", REVIEWER, status="done",
                                     version=2, decision="approve", text="已核，作了修改。",
                                     version_number=2)),
            up("outgoing_step", step(f"{oid}-s2", oid, "sign", LEADER,
                                     created_at=T0 + timedelta(minutes=5)))]
