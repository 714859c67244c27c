"""/api/v1/admin: the clerk's, publisher's and administrator's calls.

Roles: a clerk registers and routes documents of their own unit; a publisher reads
receipt reports of (and withdraws) their own notices; an administrator manages units,
users and keys and may do everything a clerk or publisher may. State errors are 409
problem documents, bad input 400/422, never a 500.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.responses import Response

from protocol import wire
from server import audit, clock, directory, enrolment, moves, notices, workflow
from server.auth import Principal, current_user
from server.db import read_tx
from server.errors import Problem, problem_responses
from server.models import Document, Opinion, SigningKey, Task, Unit, User
from server.serialize import document_json, notice_json, opinion_json, parse_time, task_json

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])

_ERRORS = problem_responses(400, 401, 403, 404, 409)
_Id = Field(min_length=1, max_length=100)
# Ids in paths and queries: no control characters (PostgreSQL refuses NUL in text).
_ID_PATTERN = r"^[^\x00-\x1f]+$"


PathId = Annotated[str, Path(min_length=1, max_length=100, pattern=_ID_PATTERN)]
QueryId = Annotated[str | None, Query(min_length=1, max_length=100, pattern=_ID_PATTERN)]
_Name = Field(min_length=1, max_length=200)


def _require(principal: Principal, *roles: str) -> User:
    user = principal.user
    if not any(r in (user.roles or []) for r in roles):
        raise Problem(403, "auth.forbidden", "Forbidden",
                      f"this needs the role {' or '.join(roles)}")
    return user


def _time(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_time(value, field=name)
    except ValueError as exc:
        raise Problem(422, "request.invalid", "Invalid request", str(exc)) from None


class _In(BaseModel):
    """Request bodies: unknown fields refused, and no NUL anywhere (PostgreSQL refuses it)."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if workflow.contains_nul(value):
            raise ValueError("text must not contain NUL characters")
        return value


# --- documents ------------------------------------------------------------------------


class AttachmentIn(_In):
    name: str = Field(min_length=1, max_length=255)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class DocumentIn(_In):
    """An incoming document: GB/T 9704 elements, uploaded blobs, and its first routing."""

    doc_number: str = Field(min_length=1, max_length=100)
    issuer: str = Field(min_length=1, max_length=200)
    doc_type: str = Field(min_length=1, max_length=10)
    title: str = Field(min_length=1, max_length=500)
    classification: str = Field(default="none", max_length=20)
    urgency: Literal["normal", "urgent", "very_urgent"] = "normal"
    signatory: str = Field(default="", max_length=100)
    main_recipients: list[str] = Field(default_factory=list, max_length=200)
    cc: list[str] = Field(default_factory=list, max_length=200)
    issued_on: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    notes: str = Field(default="", max_length=20_000)
    received_at: str | None = Field(default=None, max_length=64)
    body_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=50)
    propose_to: list[str] = Field(min_length=1, max_length=50)
    due_at: str | None = Field(default=None, max_length=64)
    unit_id: str | None = Field(default=None, max_length=100)


class DocumentDetail(BaseModel):
    document: wire.Document
    tasks: list[wire.Task]
    opinions: list[wire.Opinion]


class DocumentList(BaseModel):
    documents: list[wire.Document]  # each with its `pending_tasks` count
    total: int


@router.post("/documents", status_code=201, response_model=wire.Document, responses=_ERRORS)
def register_document(body: DocumentIn, principal: Principal = Depends(current_user)) -> dict:
    clerk = _require(principal, "clerk", "admin")
    meta = body.model_dump(exclude={"received_at", "body_sha256", "attachments", "propose_to",
                                    "due_at", "unit_id"})
    doc = workflow.register_document_from_blobs(
        clerk, meta=meta, body_sha256=body.body_sha256,
        attachments=[a.model_dump() for a in body.attachments], propose_to=body.propose_to,
        due_at=_time(body.due_at, "due_at"), received_at=_time(body.received_at, "received_at"),
        unit_id=body.unit_id,
    )
    return document_json(doc)


_STATUSES = Literal["registered", "in_progress", "completed", "archived"]


@router.get("/documents", response_model=DocumentList, responses=_ERRORS)
def list_documents(
    status: _STATUSES | None = None,
    unit_id: QueryId = None,
    limit: int = Query(default=100, ge=1, le=1000),
    offset: int = Query(default=0, ge=0, le=10_000_000),
    principal: Principal = Depends(current_user),
) -> dict:
    """Documents received by the clerk's unit (an admin may name any unit), newest first,
    each with the number of its pending tasks."""
    user = _require(principal, "clerk", "admin")
    unit = unit_id if unit_id and "admin" in (user.roles or []) else user.unit_id
    with read_tx():
        query = Document.select().where(Document.unit == unit)
        if status:
            query = query.where(Document.status == status)
        total = query.count()
        docs = list(query.order_by(Document.received_at.desc(), Document.id)
                    .limit(limit).offset(offset))
        pending: dict[str, int] = {}
        if docs:
            for t in Task.select(Task.document).where(
                Task.document.in_([d.id for d in docs]), Task.status == "pending"
            ):
                pending[t.document_id] = pending.get(t.document_id, 0) + 1
    out = [{**document_json(d), "pending_tasks": pending.get(d.id, 0)} for d in docs]
    return {"documents": out, "total": total}


def _document_for_clerk(user: User, document_id: str) -> Document:
    # Another unit's document answers like an unknown one (issue 13, finding 15).
    return workflow.document_for_clerk(user, document_id)


@router.get("/documents/{document_id}", response_model=DocumentDetail, responses=_ERRORS)
def get_document(document_id: PathId, principal: Principal = Depends(current_user)) -> dict:
    user = _require(principal, "clerk", "admin")
    with read_tx():
        doc = _document_for_clerk(user, document_id)
        tasks = Task.select().where(Task.document == doc.id).order_by(Task.stage, Task.created_at)
        opinions = Opinion.select().where(Opinion.document == doc.id).order_by(Opinion.signed_at)
        return {"document": document_json(doc), "tasks": [task_json(t) for t in tasks],
                "opinions": [opinion_json(o) for o in opinions]}


@router.post("/documents/{document_id}/archive", response_model=wire.Document, responses=_ERRORS)
def archive_document(document_id: PathId, principal: Principal = Depends(current_user)) -> dict:
    user = _require(principal, "clerk", "admin")
    return document_json(workflow.archive_document(user, document_id))




class RerouteIn(_In):
    assignee_id: str = _Id


@router.post("/tasks/{task_id}/cancel", response_model=wire.Task, responses=_ERRORS)
def cancel_task(task_id: PathId, principal: Principal = Depends(current_user)) -> dict:
    user = _require(principal, "clerk", "admin")
    return task_json(workflow.cancel_task(user, task_id))


@router.post("/tasks/{task_id}/reroute", response_model=wire.Task, responses=_ERRORS)
def reroute_task(task_id: PathId, body: RerouteIn,
                 principal: Principal = Depends(current_user)) -> dict:
    """Cancel the task and give the same step to `assignee_id`; answers the new task."""
    user = _require(principal, "clerk", "admin")
    return task_json(workflow.reroute_task(user, task_id, body.assignee_id))


# --- notices --------------------------------------------------------------------------




class ReceiptReport(BaseModel):
    model_config = ConfigDict(extra="allow")
    notice_id: str
    totals: dict[str, int]
    units: list[dict[str, Any]]


@router.post("/notices/{notice_id}/withdraw", response_model=wire.Notice, responses=_ERRORS)
def withdraw_notice(notice_id: PathId, principal: Principal = Depends(current_user)) -> dict:
    user = _require(principal, "publisher", "admin")
    return notice_json(notices.withdraw_notice(user, notice_id))


@router.get("/notices/{notice_id}/receipts", response_model=ReceiptReport, responses=_ERRORS)
def notice_receipts(notice_id: PathId, principal: Principal = Depends(current_user)) -> dict:
    user = _require(principal, "publisher", "admin")
    with read_tx():
        return notices.receipt_report(user, notice_id)


# --- units ----------------------------------------------------------------------------


class UnitIn(_In):
    name: str = _Name
    kind: str = Field(min_length=1, max_length=40)
    parent_id: str | None = Field(default=None, max_length=100)
    sort_order: int = Field(default=0, ge=-1_000_000, le=1_000_000)
    id: str | None = Field(default=None, min_length=1, max_length=100,
                           pattern=r"^[A-Za-z0-9_.\-]+$")




class UnitList(BaseModel):
    units: list[wire.Unit]


@router.get("/units", response_model=UnitList, responses=_ERRORS)
def list_units(principal: Principal = Depends(current_user)) -> dict:
    _require(principal, "admin")
    units = Unit.select().order_by(Unit.sort_order, Unit.name)
    return {"units": [directory.unit_json(u) for u in units]}


@router.post("/units", status_code=201, response_model=wire.Unit, responses=_ERRORS)
def create_unit(body: UnitIn, principal: Principal = Depends(current_user)) -> dict:
    _require(principal, "admin")
    if body.id and Unit.get_or_none(id=body.id) is not None:
        raise Problem(409, "unit.exists", "Unit exists", body.id)
    unit = directory.create_unit(body.name.strip(), body.kind, unit_id=body.id,
                                 parent_id=body.parent_id, sort_order=body.sort_order)
    return directory.unit_json(unit)


class SealIn(_In):
    """The seal image: a PNG the administrator uploaded (PUT /blobs) first."""

    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class SeriesIn(_In):
    """A 发文字号 series: its prefix (富政发) and the issuing body printed for it."""

    prefix: str = Field(min_length=1, max_length=40)
    label: str = Field(default="", max_length=200)


@router.post("/units/{unit_id}/seal", response_model=wire.Unit, responses=_ERRORS)
def set_unit_seal(unit_id: PathId, body: SealIn,
                  principal: Principal = Depends(current_user)) -> dict[str, Any]:
    """Register (or replace) the unit's seal image (用印 places it on issued documents)."""
    from server.models import Blob
    from server.workflow import numbering

    admin = _require(principal, "admin")
    blob = Blob.get_or_none(Blob.sha256 == body.sha256)
    if blob is None or not workflow.uploaded_by(admin, body.sha256):
        raise Problem(422, "blob.not_found", "Unknown blob", "upload the PNG first")
    numbering.set_seal(admin.id, unit_id, bytes(blob.data))
    return directory.unit_json(Unit.get_by_id(unit_id))


@router.post("/units/{unit_id}/series", response_model=wire.Unit, responses=_ERRORS)
def add_unit_series(unit_id: PathId, body: SeriesIn,
                    principal: Principal = Depends(current_user)) -> dict[str, Any]:
    """Let the unit number in a 发文字号 series (adding it again changes its label)."""
    from server.workflow import numbering

    _require(principal, "admin")
    numbering.add_series(unit_id, body.prefix, body.label)
    return directory.unit_json(Unit.get_by_id(unit_id))


# --- users ----------------------------------------------------------------------------


class UserIn(_In):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=8, max_length=1024)
    display_name: str = _Name
    unit_id: str = _Id
    roles: list[Literal["clerk", "leader", "staff", "publisher", "admin", "reviewer",
                        "exchange"]] = Field(max_length=7)
    title: str = Field(default="", max_length=200)




class UserList(BaseModel):
    users: list[wire.User]


class PasswordIn(_In):
    password: str = Field(min_length=8, max_length=1024)


def _user(user_id: str) -> User:
    user = User.get_or_none(id=user_id)
    if user is None:
        raise Problem(404, "user.not_found", "No such user", user_id)
    return user


@router.get("/users", response_model=UserList, responses=_ERRORS)
def list_users(
    unit_id: QueryId = None,
    principal: Principal = Depends(current_user),
) -> dict:
    _require(principal, "admin")
    query = User.select().order_by(User.username)
    if unit_id:
        query = query.where(User.unit == unit_id)
    return {"users": [directory.user_json(u) for u in query]}


@router.post("/users", status_code=201, response_model=wire.User, responses=_ERRORS)
def create_user(body: UserIn, principal: Principal = Depends(current_user)) -> dict:
    _require(principal, "admin")
    user = directory.create_user(body.username, body.password, body.display_name.strip(),
                                 body.unit_id, body.roles, body.title, )
    # A newcomer receives the live notices of their unit, a new clerk the unit's documents.
    notices.republish_for_unit(user.unit_id)
    if "clerk" in body.roles:
        workflow.republish_unit_documents(user.unit_id)
    return directory.user_json(user)


@router.post("/users/{user_id}/deactivate", response_model=wire.User, responses=_ERRORS)
def deactivate_user(user_id: PathId, principal: Principal = Depends(current_user)) -> dict:
    admin = _require(principal, "admin")
    target = _user(user_id)
    if target.id == admin.id:
        raise Problem(409, "user.self", "Cannot deactivate yourself",
                      "another administrator must do this")
    if not target.active:
        raise Problem(409, "user.inactive", "Already inactive", user_id)
    return directory.user_json(directory.deactivate_user(user_id, actor_id=admin.id))


class MoveIn(_In):
    unit_id: str = _Id


@router.post("/users/{user_id}/move", response_model=wire.User, responses=_ERRORS)
def move_user(user_id: PathId, body: MoveIn,
              principal: Principal = Depends(current_user)) -> dict[str, Any]:
    """Move a user to another unit: what they may see is republished (old documents and
    notices leave their feed, their files become forbidden) and their sessions end."""
    admin = _require(principal, "admin")
    _user(user_id)
    if Unit.get_or_none(id=body.unit_id) is None:
        raise Problem(422, "user.unknown_unit", "Unknown unit", body.unit_id)
    return directory.user_json(moves.move_user(user_id, body.unit_id, actor_id=admin.id))


class EnrolmentCodeIn(_In):
    ttl_hours: int = Field(default=72, ge=1, le=24 * 30)


class EnrolmentCodeOut(BaseModel):
    code: str
    user_id: str
    expires_at: str


@router.post("/users/{user_id}/enrolment-codes", status_code=201,
             response_model=EnrolmentCodeOut, responses=_ERRORS)
def issue_enrolment_code(user_id: PathId, body: EnrolmentCodeIn | None = None,
                         principal: Principal = Depends(current_user)) -> dict[str, Any]:
    """A one-time code the user needs, with their password, to enrol a signing key
    (hand it over in person or by a separate channel, as a CA hands over a certificate)."""
    admin = _require(principal, "admin")
    _user(user_id)
    ttl = timedelta(hours=(body or EnrolmentCodeIn()).ttl_hours)
    issued = enrolment.issue_code(user_id, issued_by=admin.id, ttl=ttl)
    return {"code": issued.code, "user_id": user_id,
            "expires_at": clock.rfc3339(issued.expires_at)}


class AuditList(BaseModel):
    events: list[dict[str, Any]]


@router.get("/audit", response_model=AuditList, responses=_ERRORS)
def list_audit(user_id: QueryId = None, action: QueryId = None,
               limit: int = Query(default=200, ge=1, le=1000),
               principal: Principal = Depends(current_user)) -> dict[str, Any]:
    _require(principal, "admin")
    return {"events": audit.events(subject_id=user_id, action=action, limit=limit)}


@router.post("/users/{user_id}/password", status_code=204, response_class=Response,
             responses=_ERRORS)
def reset_password(user_id: PathId, body: PasswordIn,
                   principal: Principal = Depends(current_user)) -> Response:
    admin = _require(principal, "admin")
    _user(user_id)
    directory.set_password(user_id, body.password, actor_id=admin.id)
    return Response(status_code=204)


# --- keys -----------------------------------------------------------------------------




class KeyList(BaseModel):
    keys: list[wire.Key]


@router.get("/keys", response_model=KeyList, responses=_ERRORS)
def list_keys(
    user_id: QueryId = None,
    principal: Principal = Depends(current_user),
) -> dict:
    _require(principal, "admin")
    query = SigningKey.select().order_by(SigningKey.created_at)
    if user_id:
        query = query.where(SigningKey.user == user_id)
    return {"keys": [directory.key_json(k) for k in query]}


@router.post("/keys/{key_id}/revoke", response_model=wire.Key, responses=_ERRORS)
def revoke_key(key_id: PathId, principal: Principal = Depends(current_user)) -> dict:
    """Revoke a signing key: an administrator any key, any user their own (a lost laptop).

    Opinions signed before the revocation stay valid; sign-offs with the key are refused
    from now on (`signature.key_revoked`). Another user's key: 403 `auth.forbidden`.
    Clients may instead push the op `key.revoke` `{"key_id"}` (same rule, owner only)."""
    caller = principal.user
    key = SigningKey.get_or_none(id=key_id)
    if "admin" not in (caller.roles or []) and (key is None or key.user_id != caller.id):
        raise Problem(403, "auth.forbidden", "Forbidden",
                      "only an administrator or the key's owner may revoke it")
    if key is None:
        raise Problem(404, "key.not_found", "No such key", key_id)
    if key.revoked_at is not None:
        raise Problem(409, "key.revoked", "Already revoked", key_id)
    return directory.key_json(directory.revoke_key(key_id, by=caller.id))
