"""Builders of PROTOCOL objects, as the platform's change feed carries them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from protocol.canonical import document_digest

T0 = datetime(2005, 10, 19, 9, 30, tzinfo=UTC)


def rfc(dt: datetime) -> str:
    return dt.isoformat(timespec="seconds")


def sha(n: int | str) -> str:
    import hashlib

    return hashlib.sha256(str(n).encode()).hexdigest()


def unit(uid: str, name: str, parent: str | None = None, **kw: Any) -> dict[str, Any]:
    return {"id": uid, "version": 1, "updated_at": rfc(T0), "name": name,
            "parent_id": parent, "kind": kw.pop("kind", "bureau"), "sort_order": 0} | kw


def user(uid: str, name: str, unit_id: str = "u-gov", **kw: Any) -> dict[str, Any]:
    return {"id": uid, "version": 1, "updated_at": rfc(T0), "username": uid,
            "display_name": name, "unit_id": unit_id, "roles": kw.pop("roles", ["staff"]),
            "title": kw.pop("title", "")} | kw


def document(did: str, title: str = "关于做好秋季防火工作的通知", *, version: int = 1,
             received: datetime | None = None, **kw: Any) -> dict[str, Any]:
    doc = {
        "id": did, "version": version, "updated_at": rfc(T0), "unit_id": "u-gov",
        "doc_number": kw.pop("doc_number", "佳政函〔2004〕85号"),
        "issuer": kw.pop("issuer", "佳木斯市人民政府"), "doc_type": kw.pop("doc_type", "通知"),
        "title": title, "classification": kw.pop("classification", "none"),
        "urgency": kw.pop("urgency", "normal"), "signatory": "张建国",
        "main_recipients": ["各县（市）区人民政府"], "cc": [], "issued_on": "2004-10-10",
        "notes": kw.pop("notes", ""), "received_at": rfc(received or T0),
        "registration_number": "收〔2005〕1号",
        "body": {"sha256": sha(f"body-{did}"), "media_type": "text/plain", "size": 10},
        "attachments": kw.pop("attachments", []), "status": kw.pop("status", "in_progress"),
        "registered_by": "wangli",
    } | kw
    doc["digest"] = document_digest(doc)
    return doc


def task(tid: str, doc_id: str, assignee: str, *, kind: str = "instruct",
         status: str = "pending", version: int = 1, due: datetime | None = None,
         **kw: Any) -> dict[str, Any]:
    return {"id": tid, "version": version, "updated_at": rfc(T0), "document_id": doc_id,
            "assignee_id": assignee, "kind": kind, "status": status,
            "due_at": rfc(due) if due else None, "created_by": "wangli"} | kw


def notice(nid: str, title: str, body: str = "请各单位按时参加。", **kw: Any) -> dict[str, Any]:
    return {"id": nid, "version": kw.pop("version", 1), "updated_at": rfc(T0), "title": title,
            "body": body, "publisher_id": kw.pop("publisher_id", "zhaoxin"),
            "audience_unit_ids": kw.pop("audience_unit_ids", ["u-gov"]),
            "requires_ack": kw.pop("requires_ack", False), "urgent": kw.pop("urgent", False),
            "published_at": rfc(kw.pop("published_at", T0)),
            "expires_at": kw.pop("expires_at", None), "attachments": kw.pop("attachments", [])
            } | kw


def receipt(rid: str, user_id: str, *, notice_id: str | None = None,
            document_id: str | None = None, kind: str = "read") -> dict[str, Any]:
    return {"id": rid, "version": 1, "updated_at": rfc(T0), "notice_id": notice_id,
            "document_id": document_id, "user_id": user_id, "kind": kind, "at": rfc(T0)}


def key(kid: str, user_id: str, public_key: str, algorithm: str = "ed25519",
        revoked_at: datetime | None = None, version: int = 1) -> dict[str, Any]:
    return {"id": kid, "version": version, "updated_at": rfc(T0), "user_id": user_id,
            "algorithm": algorithm, "public_key": public_key,
            "revoked_at": rfc(revoked_at) if revoked_at else None}


_seq = iter(range(1, 10**9))


def up(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"seq": next(_seq), "type": kind, "id": data["id"], "op": "upsert", "data": data}


def delete(kind: str, obj_id: str) -> dict[str, Any]:
    return {"seq": next(_seq), "type": kind, "id": obj_id, "op": "delete", "data": None}


def directory_changes() -> list[dict[str, Any]]:
    return [
        up("unit", unit("u-county", "富锦市", kind="county")),
        up("unit", unit("u-gov", "市政府办公室", "u-county", kind="office")),
        up("unit", unit("u-fin", "市财政局", "u-county")),
        up("user", user("zhangjianguo", "张建国", roles=["leader"], title="市长")),
        up("user", user("lihua", "李华", roles=["leader"], title="副市长")),
        up("user", user("chenming", "陈明", "u-fin", title="局长")),
        up("user", user("zhouqiang", "周强", "u-fin", title="科员")),
        up("user", user("wangli", "王丽", roles=["clerk"])),
        up("user", user("zhaoxin", "赵欣", roles=["publisher"])),
    ]


def later(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)
