"""The 收文 workflow: registration, sign-offs, routing, cancel/re-route, archive.

Spec: docs/contracts.md "Workflow rules" (after the 2012 党政机关公文处理工作条例:
签收/登记 → 拟办 → 批示 → 承办/传阅 → 办结 → 归档).

Routing model:
- A *stage* is the set of tasks created together (tasks share `Task.stage`). Forwarded
  (转办) tasks join the stage of the task that forwarded them, so a stage only ends
  when the forwarded work is done too. Read tasks (传阅) never hold a stage up.
- When every non-cancelled, non-read task of a stage is done, the next stage is built
  from the stage's approvals: a propose approval's `forward_to` become instruct tasks
  (its `countersign_to`, an unsigned extra, countersign tasks); an instruct approval's
  `forward_to` become handle tasks and its `circulate_to` read tasks. A stage that
  leads to no further instruct/handle/countersign work completes the document.
- `return` gives the task's creator a new task of the kind of the step that created
  it (the registering clerk gets `propose` for a first-stage task) in the same stage,
  and cancels the pending tasks that step created alongside the returned one (the
  return supersedes them); other branches of the stage carry on.

Every function here runs inside `write_tx()` and publishes what it changed; state
errors are `Problem`s (409 → op conflict, other 4xx → op rejected).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from protocol import ops
from protocol.canonical import document_digest, signoff_message
from protocol.signing import verify_signature_object
from protocol.workflow_rules import GATING_KINDS, MAX_OPINION_TEXT, check_signoff
from server import clock, feed
from server.db import write_tx
from server.errors import Problem
from server.models import Blob, BlobGrant, Document, Opinion, Receipt, SigningKey, Task, Unit, User
from server.ops import OpOutcome, register_op
from server.serialize import document_json, opinion_json, parse_time, receipt_json, task_json
from server.visibility import document_audience, receipt_audience

# The 15 types of document of the 2012 regulation (第八条); 命令 is also written 令.
DOC_TYPES = (
    "决议", "决定", "命令", "令", "公报", "公告", "通告", "意见", "通知", "通报",
    "报告", "请示", "批复", "议案", "函", "纪要",
)
SENDABLE_CLASSIFICATIONS = ("none", "internal")
URGENCIES = ("normal", "urgent", "very_urgent")
_GATING_KINDS = GATING_KINDS
MAX_TEXT = 20_000
MAX_ROUTE = 200


def new_id() -> str:
    return uuid.uuid4().hex


def uploaded_by(user: User, sha256: str) -> bool:
    """True when `user` uploaded the blob: referencing someone else's blob would hand its
    bytes to the audience of the referring object."""
    if BlobGrant.select().where(BlobGrant.sha256 == sha256, BlobGrant.user_id == user.id).exists():
        return True
    return Blob.select().where(Blob.sha256 == sha256, Blob.uploaded_by == user.id).exists()


def contains_nul(value: Any) -> bool:
    """True when a NUL character hides anywhere in `value` (PostgreSQL text refuses it)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(contains_nul(k) or contains_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(contains_nul(v) for v in value)
    return False


def _role(user: User, role: str) -> bool:
    return role in (user.roles or [])


# --- publishing -----------------------------------------------------------------------


@dataclass
class _Changes:
    """Objects of one document changed by one action, published together at the end."""

    document: Document
    audience_before: list[str]
    doc_changed: bool = False
    tasks: dict[str, Task] = field(default_factory=dict)
    opinions: dict[str, Opinion] = field(default_factory=dict)

    def touch_doc(self) -> None:
        self.document.version += 1
        self.document.updated_at = clock.now()
        self.document.save()
        self.doc_changed = True

    def touch_task(self, task: Task) -> None:
        task.version += 1
        task.updated_at = clock.now()
        task.save()
        self.tasks[task.id] = task


def _begin(document: Document) -> _Changes:
    return _Changes(document=document, audience_before=document_audience(document))


def _doc_blobs(doc: Document) -> list[str]:
    return [doc.body["sha256"], *(a["sha256"] for a in doc.attachments or [])]


def _publish(ch: _Changes) -> None:
    """Publish the changed objects; when the audience moved, republish the whole tree so
    newcomers get everything and those who lost sight get deletes."""
    doc = ch.document
    audience = set(document_audience(doc))
    if audience != set(ch.audience_before):
        ch.doc_changed = True
        for task in Task.select().where(Task.document == doc.id):
            ch.tasks.setdefault(task.id, task)
        for op in Opinion.select().where(Opinion.document == doc.id):
            ch.opinions.setdefault(op.id, op)
    if ch.doc_changed:
        feed.publish("document", doc.id, document_json(doc), audience, blobs=_doc_blobs(doc))
    for task in ch.tasks.values():
        feed.publish("task", task.id, task_json(task), audience)
    for op in ch.opinions.values():
        hw = [op.handwriting_sha256] if op.handwriting_sha256 else []
        feed.publish("opinion", op.id, opinion_json(op), audience, blobs=hw)


# --- registration ---------------------------------------------------------------------


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
    value = value.strip()
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
    return [v.strip() for v in value if v.strip()]


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


def _active_users(ids: Iterable[Any], *, what: str, code: str = "routing.unknown_user") -> list[User]:
    """The users named by `ids` (order kept, duplicates dropped); all must be active."""
    wanted: list[str] = []
    for uid in ids:
        if not isinstance(uid, str) or not uid or "\x00" in uid:
            raise Problem(422, code, "Unknown user", f"{what} must hold user ids")
        if uid not in wanted:
            wanted.append(uid)
    if len(wanted) > MAX_ROUTE:
        raise Problem(422, code, "Too many users", f"{what} names more than {MAX_ROUTE} users")
    found = {u.id: u for u in User.select().where(User.id.in_(wanted), User.active)} if wanted else {}
    missing = [u for u in wanted if u not in found]
    if missing:
        raise Problem(422, code, "Unknown user", f"{what}: no active user {', '.join(missing)}")
    return [found[u] for u in wanted]


def check_clerk_of(user: User, unit_id: str) -> None:
    """Clerks act for documents of their own unit; admins for any."""
    if _role(user, "admin"):
        return
    if not _role(user, "clerk") or user.unit_id != unit_id:
        raise Problem(403, "auth.forbidden", "Forbidden",
                      "only a clerk of the receiving unit may do this")


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
            atts.append({"name": name.strip(), **ref})
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


# --- sign-off -------------------------------------------------------------------------


def _rejected(code: str, detail: str, status: int = 403) -> Problem:
    return Problem(status, code, "Sign-off refused", detail)


@dataclass(frozen=True)
class SignOff:
    """The op data of `task.complete`, shape-checked."""

    task_id: str
    decision: str
    text: str
    handwriting_sha256: str | None
    forward_to: list[str]
    signed_at: str
    signature: dict[str, Any]
    document_digest: str | None
    circulate_to: list[str]
    countersign_to: list[str]


def _invalid(detail: str) -> Problem:
    return Problem(422, "op.invalid_data", "Invalid operation data", detail)


def parse_signoff(data: Any) -> SignOff:
    if not isinstance(data, dict):
        raise _invalid("data must be an object")
    if contains_nul(data):
        raise _invalid("text must not contain NUL characters")

    def s(name: str, *, optional: bool = False, max_len: int = 200) -> str | None:
        value = data.get(name)
        if value is None and optional:
            return None
        if not isinstance(value, str):
            raise _invalid(f"{name} must be a string")
        if len(value) > max_len:
            raise _invalid(f"{name} is too long")
        return value

    def ids(name: str) -> list[str]:
        value = data.get(name)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _invalid(f"{name} must be a list of user ids")
        if len(value) > MAX_ROUTE:
            raise _invalid(f"{name} names more than {MAX_ROUTE} users")
        return list(value)

    signature = data.get("signature")
    if not isinstance(signature, dict):
        raise _invalid("signature must be an object")
    text = data.get("text", "")
    if not isinstance(text, str) or len(text) > MAX_OPINION_TEXT:
        raise _invalid(f"text must be a string of at most {MAX_OPINION_TEXT} characters")
    signed_at = s("signed_at", max_len=64)
    try:
        parse_time(signed_at, field="signed_at")
    except ValueError as exc:
        raise _invalid(str(exc)) from None
    return SignOff(
        task_id=s("task_id"),
        decision=s("decision", max_len=32),
        text=text,
        handwriting_sha256=s("handwriting_sha256", optional=True, max_len=64),
        forward_to=ids("forward_to"),
        signed_at=signed_at,
        signature=signature,
        document_digest=s("document_digest", optional=True, max_len=64),
        circulate_to=ids("circulate_to"),
        countersign_to=ids("countersign_to"),
    )


def _check_signature(user: User, doc: Document, task: Task, so: SignOff) -> None:
    if so.document_digest is not None and so.document_digest != doc.digest:
        raise _rejected("document.digest_mismatch",
                        "the document changed since it was signed; re-read and sign again")
    key_id = so.signature.get("key_id")
    key = SigningKey.get_or_none(id=key_id) if isinstance(key_id, str) else None
    if key is None or key.user_id != user.id:
        raise _rejected("signature.unknown_key", "the signing key is not registered to you")
    if key.revoked_at is not None:
        raise _rejected("signature.key_revoked", "the signing key was revoked")
    message = signoff_message(
        task_id=task.id, document_id=doc.id, document_digest=doc.digest, decision=so.decision,
        text=so.text, handwriting_sha256=so.handwriting_sha256, forward_to=so.forward_to,
        signer_id=user.id, signed_at=so.signed_at,
    )
    if so.signature.get("algorithm") != key.algorithm or not verify_signature_object(
        so.signature, key.public_key, message
    ):
        raise _rejected("signature.invalid", "the signature does not verify")


_RULE_DETAIL = {
    "task.decision_not_allowed": "the decision or its recipients are not allowed for this task",
    "task.forward_required": "name the users to send the document to",
    "task.forward_to_self": "forward the task to someone else",
    "opinion.reason_required": "a return needs a reason",
    "opinion.too_long": f"the opinion is longer than {MAX_OPINION_TEXT} characters",
}


def _check_routing(user: User, task: Task, so: SignOff) -> None:
    broken = check_signoff(
        kind=task.kind, decision=so.decision, text=so.text, signer_id=user.id,
        recipients={"forward_to": so.forward_to, "circulate_to": so.circulate_to,
                    "countersign_to": so.countersign_to})
    if broken is not None:
        status = 422 if broken.code.startswith("opinion.") else 403
        raise _rejected(broken.code, _RULE_DETAIL[broken.code], status)
    for name in ("forward_to", "circulate_to", "countersign_to"):
        try:
            _active_users(getattr(so, name), what=name)
        except Problem as exc:
            raise _rejected(exc.code, exc.detail, 422) from None


def complete_task(user: User, data: Any) -> dict[str, Any]:
    """The op `task.complete`: verify, record the opinion, move the workflow on.

    Returns {"opinion_id", "task_id", "document_status"}; raises Problem (409 → conflict)."""
    so = parse_signoff(data)
    with write_tx():
        task = Task.get_or_none(id=so.task_id)
        if task is None:
            raise _rejected("task.not_found", "no such task", 404)
        if task.assignee_id != user.id:
            raise _rejected("task.not_assignee", "the task is assigned to someone else")
        if task.status == "cancelled":
            raise Problem(409, "task.cancelled", "Task cancelled", "the task was cancelled")
        if task.status != "pending":
            raise Problem(409, "task.not_pending", "Task already completed",
                          f"the task is {task.status}")
        # No pending step remains once a document is completed, except 传阅 reads, which
        # may still be signed after archiving.
        doc = Document.get_by_id(task.document_id)
        _check_routing(user, task, so)
        if so.handwriting_sha256 is not None and not uploaded_by(user, so.handwriting_sha256):
            raise _rejected("blob.not_found", "the handwriting image was not uploaded", 422)
        _check_signature(user, doc, task, so)

        ch = _begin(doc)
        routing = {}
        if so.circulate_to:
            routing["circulate_to"] = list(dict.fromkeys(so.circulate_to))
        if so.countersign_to:
            routing["countersign_to"] = list(dict.fromkeys(so.countersign_to))
        opinion = Opinion.create(
            id=new_id(), task=task.id, document=doc.id, author=user.id, decision=so.decision,
            text=so.text, handwriting_sha256=so.handwriting_sha256,
            forward_to=list(so.forward_to), signed_at=so.signed_at, signature=so.signature,
            document_digest=doc.digest, routing=routing, updated_at=clock.now(),
        )
        ch.opinions[opinion.id] = opinion
        task.status = "returned" if so.decision == "return" else "done"
        task.completed_at = clock.now()
        ch.touch_task(task)
        if doc.status == "registered":
            doc.status = "in_progress"
            ch.doc_changed = True

        if so.decision == "forward":
            for target in dict.fromkeys(so.forward_to):
                _new_task(ch, assignee_id=target, kind=task.kind, stage=task.stage,
                          parent=task, created_by=user.id, due_at=task.due_at)
        elif so.decision == "return":
            _return_task(ch, task)
        elif task.kind != "read":
            _advance_if_stage_done(ch, doc.id, task.stage)
        if ch.doc_changed:
            ch.touch_doc()
        _publish(ch)
        return {"opinion_id": opinion.id, "task_id": task.id, "document_status": doc.status}


def _new_task(
    ch: _Changes, *, assignee_id: str, kind: str, stage: int, parent: Task | None,
    created_by: str, due_at: datetime | None,
) -> Task:
    now = clock.now()
    task = Task.create(
        id=new_id(), document=ch.document.id, assignee=assignee_id, kind=kind, stage=stage,
        parent_task_id=parent.id if parent else None, due_at=due_at, created_by=created_by,
        created_at=now, updated_at=now,
    )
    ch.tasks[task.id] = task
    return task


def _next_stage(document_id: str) -> int:
    highest = Task.select(Task.stage).where(Task.document == document_id).order_by(
        Task.stage.desc()
    ).limit(1).scalar()
    return int(highest or 0) + 1


def _return_task(ch: _Changes, task: Task) -> None:
    """退回: the creator gets the step that created this task back, in the same stage (so
    the stage waits for the redone step). Pending tasks the same step created alongside
    this one are superseded by the return and cancelled; other branches carry on."""
    for sibling in Task.select().where(
        Task.document == task.document_id, Task.stage == task.stage,
        Task.status == "pending", Task.kind.in_(_GATING_KINDS), Task.id != task.id,
        (Task.parent_task_id.is_null() if task.parent_task_id is None
         else Task.parent_task_id == task.parent_task_id),
    ):
        sibling.status = "cancelled"
        sibling.completed_at = clock.now()
        ch.touch_task(sibling)
    parent = Task.get_or_none(id=task.parent_task_id) if task.parent_task_id else None
    if parent is None:
        _new_task(ch, assignee_id=ch.document.registered_by, kind="propose", stage=task.stage,
                  parent=None, created_by=task.created_by, due_at=task.due_at)
    else:
        grandparent = Task.get_or_none(id=parent.parent_task_id) if parent.parent_task_id else None
        _new_task(ch, assignee_id=task.created_by, kind=parent.kind, stage=task.stage,
                  parent=grandparent, created_by=parent.created_by, due_at=parent.due_at)


def _advance_if_stage_done(ch: _Changes, document_id: str, stage: int) -> None:
    """When no gating task of the stage is pending, build the next stage from its approvals
    (see the module docstring), or complete the document when there is nothing left."""
    gating = list(Task.select().where(
        Task.document == document_id, Task.stage == stage, Task.kind.in_(_GATING_KINDS)
    ))
    if any(t.status == "pending" for t in gating):
        return
    gating = [t for t in gating if t.status == "done"]
    done_ids = [t.id for t in gating]
    if not done_ids:
        return
    by_task = {t.id: t for t in gating}
    approvals = list(
        Opinion.select().where(Opinion.task.in_(done_ids), Opinion.decision == "approve")
        .order_by(Opinion.signed_at, Opinion.id)
    )
    # user id -> (kind, creating task); first naming approval wins, instruct over countersign.
    plan: dict[str, tuple[str, Task]] = {}
    reads: dict[str, Task] = {}
    for op in approvals:
        source = by_task[op.task_id]
        routing = op.routing or {}
        if source.kind == "propose":
            for uid in op.forward_to or []:
                if uid not in plan or plan[uid][0] == "countersign":
                    plan[uid] = ("instruct", source)
            for uid in routing.get("countersign_to", []):
                plan.setdefault(uid, ("countersign", source))
        elif source.kind == "instruct":
            for uid in op.forward_to or []:
                plan.setdefault(uid, ("handle", source))
            for uid in routing.get("circulate_to", []):
                reads.setdefault(uid, source)
    next_stage = _next_stage(document_id) if plan or reads else None
    for uid, (kind, source) in plan.items():
        _new_task(ch, assignee_id=uid, kind=kind, stage=next_stage, parent=source,
                  created_by=source.assignee_id, due_at=source.due_at)
    for uid, source in reads.items():
        _new_task(ch, assignee_id=uid, kind="read", stage=next_stage, parent=source,
                  created_by=source.assignee_id, due_at=None)
    if not plan and ch.document.status not in ("completed", "archived"):
        ch.document.status = "completed"  # 办结
        ch.doc_changed = True


# --- clerk actions --------------------------------------------------------------------


def _pending_task_for_clerk(actor: User, task_id: str) -> tuple[Task, Document]:
    task = Task.get_or_none(id=task_id)
    if task is None:
        raise Problem(404, "task.not_found", "Not found", "no such task")
    doc = Document.get_by_id(task.document_id)
    check_clerk_of(actor, doc.unit_id)
    if task.status == "cancelled":
        raise Problem(409, "task.cancelled", "Task cancelled", "the task was already cancelled")
    if task.status != "pending":
        raise Problem(409, "task.not_pending", "Task not pending", f"the task is {task.status}")
    return task, doc


def cancel_task(actor: User, task_id: str) -> Task:
    """Cancel a pending task; if that finishes its stage the workflow moves on. The last
    live task of a stage cannot be cancelled (re-route it instead), or the document
    would stall."""
    with write_tx():
        task, doc = _pending_task_for_clerk(actor, task_id)
        if task.kind in _GATING_KINDS:
            others = Task.select().where(
                Task.document == doc.id, Task.stage == task.stage, Task.id != task.id,
                Task.kind.in_(_GATING_KINDS), Task.status.in_(("pending", "done")),
            )
            if not others.exists():
                raise Problem(409, "task.last_in_stage", "Last task of its step",
                              "this is the only task of its step: re-route it instead")
        ch = _begin(doc)
        task.status = "cancelled"
        task.completed_at = clock.now()
        ch.touch_task(task)
        if task.kind in _GATING_KINDS:
            _advance_if_stage_done(ch, doc.id, task.stage)
        if ch.doc_changed:
            ch.touch_doc()
        _publish(ch)
        return task


def reroute_task(actor: User, task_id: str, assignee_id: str) -> Task:
    """Move a pending task to another user: the old one is cancelled (its holder loses
    the document unless they hold another task on it), a same-step task is created."""
    with write_tx():
        task, doc = _pending_task_for_clerk(actor, task_id)
        (target,) = _active_users([assignee_id], what="assignee_id")
        if target.id == task.assignee_id:
            raise Problem(409, "task.same_assignee", "Same assignee",
                          "the task is already assigned to this user")
        ch = _begin(doc)
        task.status = "cancelled"
        task.completed_at = clock.now()
        ch.touch_task(task)
        parent = Task.get_or_none(id=task.parent_task_id) if task.parent_task_id else None
        new = _new_task(ch, assignee_id=target.id, kind=task.kind, stage=task.stage,
                        parent=parent, created_by=task.created_by, due_at=task.due_at)
        _publish(ch)
        return new


def republish_unit_documents(unit_id: str) -> int:
    """Re-send the unit's documents to their current audience (after a clerk joins or
    leaves the unit). Returns how many."""
    count = 0
    with write_tx():
        for doc in Document.select().where(Document.unit == unit_id):
            ch = _Changes(document=doc, audience_before=[])  # forces a full republish
            _publish(ch)
            count += 1
    return count


def archive_document(actor: User, document_id: str) -> Document:
    """归档: only a completed document; archiving twice is a conflict."""
    with write_tx():
        doc = Document.get_or_none(id=document_id)
        if doc is None:
            raise Problem(404, "document.not_found", "Not found", "no such document")
        check_clerk_of(actor, doc.unit_id)
        if doc.status == "archived":
            raise Problem(409, "document.archived", "Already archived", "the document is archived")
        if doc.status != "completed":
            raise Problem(409, "document.not_completed", "Not completed",
                          f"only a completed document can be archived (it is {doc.status})")
        ch = _begin(doc)
        doc.status = "archived"
        ch.touch_doc()
        _publish(ch)
        return doc


# --- receipts and op handlers ---------------------------------------------------------


def _op_time(data: dict[str, Any], name: str = "at") -> datetime:
    try:
        return parse_time(data.get(name), field=name)
    except ValueError as exc:
        raise _invalid(str(exc)) from None


def mark_document_read(user: User, document_id: Any, at: datetime) -> Receipt:
    """Record that `user` read the document (once: a second read keeps the first)."""
    if not isinstance(document_id, str):
        raise _invalid("document_id must be a string")
    with write_tx():
        doc = Document.get_or_none(id=document_id)
        if doc is None or user.id not in document_audience(doc):
            # Same answer for "absent" and "not yours": ids of others' documents stay secret.
            raise Problem(404, "document.not_found", "Not found", "no such document")
        existing = Receipt.get_or_none(
            Receipt.document_id == doc.id, Receipt.user == user.id, Receipt.kind == "read"
        )
        if existing is not None:
            return existing
        receipt = Receipt.create(id=new_id(), document_id=doc.id, user=user.id, kind="read",
                                 at=at, updated_at=clock.now())
        feed.publish("receipt", receipt.id, receipt_json(receipt), receipt_audience(receipt))
        return receipt


def _op_task_complete(user: User, data: dict[str, Any]) -> OpOutcome:
    complete_task(user, data)
    return OpOutcome("applied")


def _op_document_mark_read(user: User, data: dict[str, Any]) -> OpOutcome:
    if not isinstance(data, dict) or contains_nul(data):
        raise _invalid("data must be an object without NUL characters")
    mark_document_read(user, data.get("document_id"), _op_time(data))
    return OpOutcome("applied")


register_op(ops.TASK_COMPLETE, _op_task_complete)
register_op(ops.DOCUMENT_MARK_READ, _op_document_mark_read)


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
