"""Builders of the exchange's feed objects (`delivery`, `reminder`), as docs/protocol.md
"Outgoing documents" defines them; each is checked against protocol.wire on the way."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from cachekit import T0, rfc, sha, unit, up, user

from protocol.canonical import document_digest
from protocol.wire import validate_object


def delivered(title: str, *, doc_number: str = "富政发〔2026〕12号",
              issuer: str = "富锦市人民政府", urgency: str = "normal",
              doc_type: str = "通知") -> dict[str, Any]:
    doc: dict[str, Any] = {
        "doc_number": doc_number, "issuer": issuer, "doc_type": doc_type, "title": title,
        "classification": "none", "urgency": urgency, "signatory": None,
        "main_recipients": ["各镇人民政府"], "cc": [], "issued_on": "2026-03-02",
        "notes": "", "attachments": [],
        "body": {"sha256": sha(f"body-{title}"), "media_type": "application/pdf",
                 "size": 2048}}
    doc["digest"] = document_digest(doc)
    return doc


def delivery(did: str, title: str = "关于做好春季防火工作的通知", *,
             recipient: str = "u-town", sender: str = "u-gov", status: str = "pending",
             sent: datetime = T0, due: datetime | None = None, urgency: str = "normal",
             version: int = 1, outgoing_id: str | None = "og-1", role: str = "main",
             **kw: Any) -> dict[str, Any]:
    data = {
        "id": did, "version": version, "updated_at": rfc(T0), "outgoing_id": outgoing_id,
        "sender_unit_id": sender, "recipient_unit_id": recipient, "role": role,
        "status": status, "sent_at": rfc(sent), "due_at": rfc(due) if due else None,
        "document": delivered(title, urgency=urgency, **kw.pop("document", {})),
        "received_by": None, "received_at": None, "document_id": None, "refused_by": None,
        "refused_at": None, "reason": None} | kw
    return validate_object("delivery", data)


def reminder(rid: str, task_id: str, to: str, *, text: str = "请抓紧办理。",
             at: datetime = T0, frm: str = "wangli",
             document_id: str | None = None) -> dict[str, Any]:
    return validate_object("reminder", {
        "id": rid, "version": 1, "updated_at": rfc(at), "task_id": task_id, "step_id": None,
        "document_id": document_id, "outgoing_id": None, "from_id": frm, "to_id": to,
        "text": text, "at": rfc(at)})


def town_directory() -> list[dict[str, Any]]:
    """Three towns with a clerk each, beside the county's clerk (cachekit's wangli)."""
    out = []
    for uid, name, clerk, clerk_name in (("u-town", "砚山镇", "townclerk", "于海燕"),
                                         ("u-town2", "长安镇", "townclerk2", "曲晓东"),
                                         ("u-town3", "头林镇", "townclerk3", "隋丽")):
        out.append(up("unit", unit(uid, name, "u-county", kind="town")))
        out.append(up("user", user(clerk, clerk_name, uid, roles=["clerk"],
                                   title="党政办文书")))
    out.append(up("user", user("liuyang", "刘洋", title="办公室主任（拟办）")))
    return out


def hours(n: float) -> timedelta:
    return timedelta(hours=n)
