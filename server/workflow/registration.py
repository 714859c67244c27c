"""签收/登记: a clerk registers an incoming document (its elements checked per GB/T 9704,
a 收文编号 of the unit's yearly sequence) and routes it to the proposers (拟办, stage 1);
`register_documents_bulk` does the same for many documents at once (`init-demo --scale`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from protocol import text_rules
from protocol.canonical import document_digest
from server import clock, feed
from server.db import write_tx
from server.errors import Problem
from server.models import Blob, BlobGrant, Document, Task, Unit, User
from server.serialize import document_json, task_json
from server.workflow.clerk import check_clerk_of
from server.workflow.common import (
    MAX_ROUTE,
    _active_users,
    _Changes,
    _doc_blobs,
    _publish,
    contains_nul,
    new_id,
    uploaded_by,
)
from server.workflow.stages import _new_task

# The 15 types of document of the 2012 regulation (第八条); 命令 is also written 令.
DOC_TYPES = (
    "决议", "决定", "命令", "令", "公报", "公告", "通告", "意见", "通知", "通报",
    "报告", "请示", "批复", "议案", "函", "纪要",
)
SENDABLE_CLASSIFICATIONS = ("none", "internal")
URGENCIES = ("normal", "urgent", "very_urgent")
MAX_TEXT = 20_000


def _bad(detail: str, code: str = "document.invalid") -> Problem:
    return Problem(422, code, "Invalid document", detail)


def _text(meta: dict[str, Any], name: str, *, required: bool, max_len: int = 500) -> str:
    value = meta.get(name)
    if value is None:
        if required:
            raise _bad(f"{name} is required")
        return ""
    if not isinstance(value, str):
        raise _bad(f"{name} must be a string")
    # No bidi overrides, invisible or control characters (issue 13): what is stored is
    # what displays. Notes keep their line breaks.
    value = (text_rules.clean_text(value) if name == "notes"
             else text_rules.clean_label(value)).strip()
    if required and not value:
        raise _bad(f"{name} must not be empty")
    if len(value) > max_len:
        raise _bad(f"{name} is longer than {max_len} characters")
    return value


def _text_list(meta: dict[str, Any], name: str) -> list[str]:
    value = meta.get(name) or []
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise _bad(f"{name} must be a list of strings")
    if len(value) > MAX_ROUTE:
        raise _bad(f"{name} has more than {MAX_ROUTE} entries")
    cleaned = (text_rules.clean_label(v) for v in value)
    return [v for v in cleaned if v]


def validate_meta(meta: dict[str, Any]) -> dict[str, Any]:
    """The document elements (GB/T 9704) checked and normalised; Problem on bad input."""
    if contains_nul(meta):
        raise _bad("text must not contain NUL characters")
    classification = meta.get("classification") or "none"
    if classification not in SENDABLE_CLASSIFICATIONS:
        # 涉密公文 never travel over this network, whatever the caller meant.
        raise Problem(400, "document.classified", "Classified document",
                      "classified documents are not handled on this network")
    out = {
        "doc_number": _text(meta, "doc_number", required=True, max_len=100),
        "issuer": _text(meta, "issuer", required=True, max_len=200),
        "doc_type": _text(meta, "doc_type", required=True, max_len=10),
        "title": _text(meta, "title", required=True),
        "classification": classification,
        "urgency": meta.get("urgency") or "normal",
        "signatory": _text(meta, "signatory", required=False, max_len=100),
        "main_recipients": _text_list(meta, "main_recipients"),
        "cc": _text_list(meta, "cc"),
        "issued_on": _text(meta, "issued_on", required=True, max_len=10),
        "notes": _text(meta, "notes", required=False, max_len=MAX_TEXT),
    }
    if out["doc_type"] not in DOC_TYPES:
        raise _bad(f"doc_type must be one of {'、'.join(DOC_TYPES)}")
    if out["urgency"] not in URGENCIES:
        raise _bad(f"urgency must be one of {', '.join(URGENCIES)}")
    try:
        datetime.strptime(out["issued_on"], "%Y-%m-%d")
    except ValueError:
        raise _bad("issued_on must be a date YYYY-MM-DD") from None
    return out


def _unit_prefix(unit: Unit) -> str:
    """收文编号 prefix: county initial + unit initial + 收, e.g. 市政府办公室 of 富锦市 → 富政收."""
    root = unit
    seen = set()
    while root.parent_id and root.parent_id not in seen:
        seen.add(root.id)
        root = Unit.get_by_id(root.parent_id)
    county = root.name[:1]
    if root.id == unit.id:
        return f"{county}收"
    name = unit.name
    if name[:1] in "市县区" and len(name) > 1:
        name = name[1:]  # 市财政局 → 财政局
    return f"{county}{name[:1]}收"


def next_registration_number(unit: Unit, year: int) -> str:
    """Next 收文编号 of the unit's prefix in `year`, like 富政收〔2005〕123号.

    Runs inside `write_tx()`, which serialises writers, so max+1 cannot collide."""
    prefix = f"{_unit_prefix(unit)}〔{year}〕"
    pattern = re.compile(re.escape(prefix) + r"(\d+)号$")
    highest = 0
    rows = Document.select(Document.registration_number).where(
        Document.registration_number.startswith(prefix)
    )
    for (number,) in rows.tuples():
        m = pattern.match(number)
        if m:
            highest = max(highest, int(m.group(1)))
    return f"{prefix}{highest + 1}号"


def _blob_ref(sha256: Any, *, what: str, owner: User) -> dict[str, Any]:
    if not isinstance(sha256, str) or not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise _bad(f"{what} must be a lowercase hex sha256", "blob.invalid")
    blob = Blob.select(Blob.sha256, Blob.media_type, Blob.size).where(Blob.sha256 == sha256).first()
    if blob is None or not uploaded_by(owner, sha256):
        raise Problem(422, "blob.not_found", "Unknown blob", f"{what} {sha256} was not uploaded")
    return {"sha256": blob.sha256, "media_type": blob.media_type, "size": int(blob.size)}


def register_document_from_blobs(
    clerk: User,
    *,
    meta: dict[str, Any],
    body_sha256: str,
    attachments: Sequence[dict[str, Any]] = (),
    propose_to: Sequence[str],
    due_at: datetime | None = None,
    received_at: datetime | None = None,
    unit_id: str | None = None,
    document_id: str | None = None,
) -> Document:
    """签收/登记: record an incoming document whose blobs are already stored and route it
    to the proposers (拟办). `attachments`: [{"name", "sha256"}]."""
    fields = validate_meta(meta)
    unit_id = unit_id or clerk.unit_id
    with write_tx():
        unit = Unit.get_or_none(id=unit_id)
        if unit is None:
            raise Problem(422, "unit.not_found", "Unknown unit", f"no unit {unit_id}")
        check_clerk_of(clerk, unit_id)
        body = _blob_ref(body_sha256, what="body", owner=clerk)
        atts = []
        for i, att in enumerate(attachments):
            if not isinstance(att, dict) or contains_nul(att):
                raise _bad(f"attachment {i} must be an object without NUL characters")
            name = att.get("name")
            if not isinstance(name, str) or not name.strip() or len(name) > 255:
                raise _bad(f"attachment {i} needs a name")
            ref = _blob_ref(att.get("sha256"), what=f"attachment {i}", owner=clerk)
            atts.append({"name": text_rules.clean_filename(name), **ref})
        proposers = _active_users(propose_to, what="propose_to")
        if not proposers:
            raise Problem(422, "task.forward_required", "Routing required",
                          "name at least one user to propose (拟办)")
        received = received_at or clock.now()
        digest = document_digest({**fields, "body": body, "attachments": atts})
        year = received.astimezone(clock.CST).year
        doc = Document.create(
            id=document_id or new_id(),
            unit=unit_id,
            **fields,
            received_at=received,
            registration_number=next_registration_number(unit, year),
            body=body,
            attachments=atts,
            status="registered",
            digest=digest,
            registered_by=clerk.id,
            updated_at=clock.now(),
        )
        ch = _Changes(document=doc, audience_before=[], doc_changed=True)
        for user in proposers:
            _new_task(ch, assignee_id=user.id, kind="propose", stage=1, parent=None,
                      created_by=clerk.id, due_at=due_at)
        _publish(ch)
    return doc


def register_document(
    clerk: User,
    *,
    meta: dict[str, Any],
    body_bytes: bytes,
    body_media_type: str,
    attachments: Sequence[tuple[str, bytes, str]] = (),
    propose_to: Sequence[str],
    due_at: datetime | None = None,
    received_at: datetime | None = None,
    unit_id: str | None = None,
) -> Document:
    """Store the body and attachments as blobs, then register (see above)."""
    from server.blobs import store_blob

    validate_meta(meta)  # refuse a classified document before storing any of its bytes
    with write_tx():
        body_sha = store_blob(body_bytes, body_media_type, uploaded_by=clerk.id)
        atts = [
            {"name": name, "sha256": store_blob(data, media_type, uploaded_by=clerk.id)}
            for name, data, media_type in attachments
        ]
        return register_document_from_blobs(
            clerk, meta=meta, body_sha256=body_sha, attachments=atts, propose_to=propose_to,
            due_at=due_at, received_at=received_at, unit_id=unit_id,
        )


# --- bulk registration (init-demo --scale) --------------------------------------------


@dataclass(frozen=True)
class BulkDocument:
    """One incoming document for `register_documents_bulk` (text or PDF body, no
    attachments)."""

    meta: dict[str, Any]
    body_bytes: bytes
    body_media_type: str
    propose_to: Sequence[str]
    due_at: datetime | None = None
    received_at: datetime | None = None


def register_documents_bulk(clerk: User, unit_id: str, items: Sequence[BulkDocument]
                            ) -> list[str]:
    """签收/登记 of many documents in one go, for bulk loads (`init-demo --scale`): the
    same checks, rows and feed objects as `register_document`, but blobs, documents,
    tasks and feed rows are inserted in batches. Returns the new document ids."""
    from server.blobs import sha256_hex
    from server.visibility import unit_clerk_ids

    fields_list = [validate_meta(item.meta) for item in items]
    with write_tx():
        unit = Unit.get_or_none(id=unit_id)
        if unit is None:
            raise Problem(422, "unit.not_found", "Unknown unit", f"no unit {unit_id}")
        check_clerk_of(clerk, unit_id)
        wanted = list(dict.fromkeys(uid for item in items for uid in item.propose_to))
        known = {u.id for u in _active_users(wanted, what="propose_to")} if wanted else set()
        if any(not item.propose_to for item in items):
            raise Problem(422, "task.forward_required", "Routing required",
                          "name at least one user to propose (拟办)")
        # Blobs: store the missing ones, grant them to the clerk.
        shas = [sha256_hex(item.body_bytes) for item in items]
        unique = dict(zip(shas, items, strict=True))
        have: set[str] = set()
        granted: set[str] = set()
        keys = list(unique)
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            have |= {b for (b,) in Blob.select(Blob.sha256).where(Blob.sha256.in_(chunk)).tuples()}
            granted |= {g for (g,) in BlobGrant.select(BlobGrant.sha256).where(
                BlobGrant.sha256.in_(chunk), BlobGrant.user_id == clerk.id).tuples()}
        now = clock.now()
        new_blobs = [{"sha256": s, "media_type": it.body_media_type, "size": len(it.body_bytes),
                      "data": it.body_bytes, "uploaded_by": clerk.id, "created_at": now}
                     for s, it in unique.items() if s not in have]
        for i in range(0, len(new_blobs), 100):
            Blob.insert_many(new_blobs[i : i + 100]).execute()
        grants = [{"sha256": s, "user_id": clerk.id} for s in unique if s not in granted]
        for i in range(0, len(grants), 200):
            BlobGrant.insert_many(grants[i : i + 200]).execute()
        # Registration numbers continue each year's sequence of the unit.
        counters: dict[int, tuple[str, int]] = {}
        docs: list[Document] = []
        tasks: list[Task] = []
        for item, fields, sha in zip(items, fields_list, shas, strict=True):
            received = item.received_at or now
            year = received.astimezone(clock.CST).year
            if year not in counters:
                first = next_registration_number(unit, year)
                prefix = first[: first.index("〕") + 1]
                counters[year] = (prefix, int(first[len(prefix) : -1]) - 1)
            prefix, last = counters[year]
            counters[year] = (prefix, last + 1)
            body = {"sha256": sha, "media_type": item.body_media_type,
                    "size": len(item.body_bytes)}
            doc = Document(
                id=new_id(), unit=unit_id, **fields, received_at=received,
                registration_number=f"{prefix}{last + 1}号", body=body, attachments=[],
                status="registered",
                digest=document_digest({**fields, "body": body, "attachments": []}),
                registered_by=clerk.id, updated_at=now,
            )
            docs.append(doc)
            for uid in dict.fromkeys(item.propose_to):
                if uid not in known:
                    raise Problem(422, "routing.unknown_user", "Unknown user", uid)
                tasks.append(Task(
                    id=new_id(), document=doc.id, assignee=uid, kind="propose", stage=1,
                    parent_task_id=None, due_at=item.due_at, created_by=clerk.id,
                    created_at=now, updated_at=now,
                ))
        Document.bulk_create(docs, batch_size=100)
        Task.bulk_create(tasks, batch_size=200)
        # A fresh document's audience: its unit's clerks, the clerk, its proposers.
        clerks = set(unit_clerk_ids(unit_id)) | {clerk.id}
        proposers: dict[str, set[str]] = {}
        for task in tasks:
            proposers.setdefault(task.document_id, set()).add(task.assignee_id)
        published: list[tuple[str, str, dict[str, Any], set[str], list[str] | None]] = []
        for doc in docs:
            audience = clerks | proposers[doc.id]
            published.append(("document", doc.id, document_json(doc), audience, _doc_blobs(doc)))
        for task in tasks:
            published.append(("task", task.id, task_json(task),
                              clerks | proposers[task.document_id], None))
        feed.publish_new_many(published)
    return [doc.id for doc in docs]
