"""Tables of the local cache (peewee, on `database_proxy`: the cache of the current
execution context, client/db.py `CurrentCache`, so several profiles' caches can be open).

Synchronised objects keep the PROTOCOL fields that are queried as columns and the
full JSON in `data`; local state (read flags, pending sign-offs, drafts, the outbox)
lives in columns and tables the change feed never overwrites. Times that are sorted
or filtered on are stored as integer Unix seconds (UTC); the RFC 3339 text stays in
`data`.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

import peewee

from client.db import CurrentCache, NoActiveCache, active_cache, current_cache

database_proxy = CurrentCache()

URGENCY_RANK = {"normal": 0, "urgent": 1, "very_urgent": 2}


def parse_time(value: Any) -> datetime | None:
    """RFC 3339 text → aware datetime (None for None/empty). Naive input is taken as UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, str) and value[-1:] in ("Z", "0") and "T" in value:
        # The platform's own form (…Z or …+08:00): no normalising needed (a hot path
        # of every page applied).
        dt = datetime.fromisoformat(value)
    else:
        text = str(value).strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        dt = datetime.fromisoformat(text)
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def to_epoch(value: Any) -> int | None:
    dt = parse_time(value)
    return None if dt is None else int(dt.timestamp())


def to_epoch_precise(value: Any) -> float | None:
    """Like to_epoch, keeping fractions of a second (key revocation times)."""
    dt = parse_time(value)
    return None if dt is None else dt.timestamp()


def from_epoch(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def now_ts() -> float:
    return time.time()


class JSONText(peewee.TextField):
    """JSON stored as UTF-8 text (Chinese kept as is)."""

    def db_value(self, value: Any) -> str | None:
        if value is None:
            return None
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def python_value(self, value: Any) -> Any:
        return None if value is None else json.loads(value)


class CrossCacheWrite(NoActiveCache):
    """A row read from one profile's cache was about to be saved into another's."""


class BaseModel(peewee.Model):
    """A row that remembers the cache it was read from: saving or deleting it in the
    context of another cache raises CrossCacheWrite instead of writing profile A's row
    into profile B's cache."""

    class Meta:
        database = database_proxy
        legacy_table_names = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        loaded = bool(kwargs.get("__no_default__"))  # peewee builds rows read this way
        super().__init__(*args, **kwargs)
        self._read_from = active_cache() if loaded else None

    def _check_same_cache(self) -> None:
        origin = self.__dict__.get("_read_from")
        if origin is not None and origin is not current_cache():
            raise CrossCacheWrite(
                f"{type(self).__name__} row read from {origin.database} written in the "
                f"context of {current_cache().database}")

    def save(self, *args: Any, **kwargs: Any) -> Any:
        self._check_same_cache()
        return super().save(*args, **kwargs)

    def delete_instance(self, *args: Any, **kwargs: Any) -> Any:
        self._check_same_cache()
        return super().delete_instance(*args, **kwargs)


class SchemaVersion(BaseModel):
    id = peewee.IntegerField(primary_key=True)
    version = peewee.IntegerField()
    upgraded_at = peewee.FloatField(default=now_ts)


class SyncedBase(BaseModel):
    """Columns every synchronised object has."""

    version = peewee.IntegerField()
    updated_at = peewee.CharField(default="")
    # Mark-and-sweep generation of a full re-sync (see client/sync/apply.py).
    generation = peewee.IntegerField(default=0)


class SyncedModel(SyncedBase):
    """A synchronised object whose full JSON sits in its own row."""

    data = JSONText()


class Unit(SyncedModel):
    id = peewee.CharField(primary_key=True)
    name = peewee.CharField()
    parent_id = peewee.CharField(null=True, index=True)
    kind = peewee.CharField(default="")
    sort_order = peewee.IntegerField(default=0)


class User(SyncedModel):
    id = peewee.CharField(primary_key=True)
    username = peewee.CharField(index=True)
    display_name = peewee.CharField()
    unit_id = peewee.CharField(null=True, index=True)
    title = peewee.CharField(default="")
    roles = JSONText(default=list)


class Document(SyncedBase):
    """List columns only: the rows stay narrow so inbox pages and sorts touch few pages
    (every page read from the encrypted file is decrypted). Full JSON: DocumentData."""

    # Integer key so the full-text table (doc_fts) can use it as its rowid.
    pk = peewee.AutoField()
    id = peewee.CharField(unique=True)
    doc_number = peewee.CharField(default="")
    issuer = peewee.CharField(default="")
    doc_type = peewee.CharField(default="")
    title = peewee.CharField(default="")
    classification = peewee.CharField(default="none")
    urgency = peewee.CharField(default="normal")
    urgency_rank = peewee.IntegerField(default=0)
    signatory = peewee.CharField(default="")
    issued_on = peewee.CharField(default="")
    received_at = peewee.IntegerField(null=True)
    registration_number = peewee.CharField(default="")
    status = peewee.CharField(default="registered")
    digest = peewee.CharField(default="")
    body_sha256 = peewee.CharField(null=True)
    # 公文交换: the delivery whose 签收 made this 收文 (None: registered by a clerk).
    delivery_id = peewee.CharField(null=True, index=True)
    # Local state, never overwritten by the feed.
    is_read = peewee.BooleanField(default=False)

    class Meta:
        indexes = (
            (("received_at", "pk"), False),
            (("urgency_rank", "received_at", "pk"), False),
            (("doc_number", "pk"), False),
            (("issuer", "received_at"), False),
            (("doc_type", "received_at"), False),
            (("is_read", "received_at", "pk"), False),
            (("is_read", "urgency_rank", "received_at", "pk"), False),
        )



def _doc_number_order(col: str) -> str:
    """SQL for the natural order of a 文号 "富政发〔2026〕9号": issuer abbreviation, then
    year, then number as numbers (9号 before 12号), then the full text. [] and ［］ count as
    〔〕; a 文号 of another shape sorts by its text."""
    n = col
    for a, b in (("[", "〔"), ("]", "〕"), ("［", "〔"), ("］", "〕")):
        n = f"replace({n}, '{a}', '{b}')"
    open_, close = f"instr({n}, '〔')", f"instr({n}, '〕')"
    return (f"(CASE WHEN {open_} > 0 AND {close} > {open_} THEN"
            f" substr({n}, 1, {open_} - 1) || '〔'"
            f" || printf('%06d', CAST(substr({n}, {open_} + 1, {close} - {open_} - 1)"
            f" AS INTEGER))"
            f" || '〕' || printf('%012d', CAST(substr({n}, {close} + 1) AS INTEGER))"
            f" || {col} ELSE {col} END)")


# Sort expression of 文号 (InboxSort.DOC_NUMBER); the index below has the same expression
# so that keyset pages in that order read the index and sort nothing.
DOC_NUMBER_ORDER = _doc_number_order("doc_number")
Document.add_index(peewee.SQL(
    "CREATE INDEX IF NOT EXISTS document_doc_number_natural_pk"
    f" ON document ({DOC_NUMBER_ORDER}, pk)"))

class DocumentData(BaseModel):
    pk = peewee.IntegerField(primary_key=True)  # = Document.pk
    data = JSONText()
    body_text = peewee.TextField(null=True)  # text extracted from the body, for search


def load_document(document_id: str) -> tuple[Document, dict[str, Any], str | None] | None:
    """A document row with its full PROTOCOL JSON and extracted body text."""
    doc = Document.get_or_none(Document.id == document_id)
    if doc is None:
        return None
    extra = DocumentData.get_or_none(DocumentData.pk == doc.pk)
    return doc, (extra.data if extra else {}), (extra.body_text if extra else None)


class Task(SyncedModel):
    id = peewee.CharField(primary_key=True)
    document_id = peewee.CharField(index=True)
    assignee_id = peewee.CharField()
    kind = peewee.CharField()
    status = peewee.CharField()
    due_at = peewee.IntegerField(null=True)
    created_by = peewee.CharField(null=True)
    # Local: "" | "pending_sync" (signed here, not yet confirmed) | "conflict" | "rejected"
    local_state = peewee.CharField(default="")
    local_op_id = peewee.CharField(null=True)
    local_done_at = peewee.FloatField(null=True)

    class Meta:
        indexes = (
            (("assignee_id", "status"), False),
            # Covers the inbox's task views: no task row is read to filter them.
            (("assignee_id", "kind", "status", "local_state", "document_id", "id", "due_at"),
             False),
        )


class Opinion(SyncedModel):
    id = peewee.CharField(primary_key=True)
    task_id = peewee.CharField(index=True)
    document_id = peewee.CharField(index=True)
    author_id = peewee.CharField()
    decision = peewee.CharField()
    text = peewee.TextField(default="")
    handwriting_sha256 = peewee.CharField(null=True)
    forward_to = JSONText(default=list)
    signed_at = peewee.CharField(default="")
    signature = JSONText(null=True)


class LocalOpinion(BaseModel):
    """A sign-off made on this device: kept until the platform's own opinion arrives,
    and kept for good when it ended in conflict (nothing typed is ever dropped)."""

    op_id = peewee.CharField(primary_key=True)
    task_id = peewee.CharField(index=True)
    document_id = peewee.CharField(index=True)
    author_id = peewee.CharField()
    decision = peewee.CharField()
    text = peewee.TextField(default="")
    handwriting_sha256 = peewee.CharField(null=True)
    forward_to = JSONText(default=list)
    extra = JSONText(default=dict)  # e.g. circulate_to
    signed_at = peewee.CharField()
    signature = JSONText()
    document_digest = peewee.CharField()
    # pending_sync | done | conflict | rejected | discarded | redone
    state = peewee.CharField(default="pending_sync", index=True)
    created_at = peewee.FloatField(default=now_ts)


class OpinionDraft(BaseModel):
    task_id = peewee.CharField(primary_key=True)
    author_id = peewee.CharField()
    decision = peewee.CharField(null=True)
    text = peewee.TextField(default="")
    forward_to = JSONText(default=list)
    updated_at = peewee.FloatField(default=now_ts)


class Notice(SyncedModel):
    pk = peewee.AutoField()
    id = peewee.CharField(unique=True)
    title = peewee.CharField(default="")
    body = peewee.TextField(default="")
    publisher_id = peewee.CharField(null=True)
    audience_unit_ids = JSONText(default=list)
    requires_ack = peewee.BooleanField(default=False)
    urgent = peewee.BooleanField(default=False)
    published_at = peewee.IntegerField(null=True, index=True)
    expires_at = peewee.IntegerField(null=True)
    client_ref = peewee.CharField(null=True, index=True)
    # Local state
    is_read = peewee.BooleanField(default=False)
    acked = peewee.BooleanField(default=False)
    ack_pending = peewee.BooleanField(default=False)


class NoticeDraft(BaseModel):
    """A notice written on this device (offline publishing), by its client_ref."""

    client_ref = peewee.CharField(primary_key=True)
    author_id = peewee.CharField()
    title = peewee.CharField(default="")
    body = peewee.TextField(default="")
    audience_unit_ids = JSONText(default=list)
    requires_ack = peewee.BooleanField(default=False)
    urgent = peewee.BooleanField(default=False)
    expires_at = peewee.CharField(null=True)
    attachments = JSONText(default=list)
    state = peewee.CharField(default="draft")  # draft | queued | published | conflict | rejected
    op_id = peewee.CharField(null=True)
    updated_at = peewee.FloatField(default=now_ts)


class Receipt(SyncedModel):
    id = peewee.CharField(primary_key=True)
    notice_id = peewee.CharField(null=True, index=True)
    document_id = peewee.CharField(null=True, index=True)
    user_id = peewee.CharField()
    kind = peewee.CharField()
    at = peewee.IntegerField(null=True)


class SigningKey(SyncedModel):
    """A device signing key of the directory (PROTOCOL object `key`)."""

    id = peewee.CharField(primary_key=True)
    user_id = peewee.CharField(index=True)
    algorithm = peewee.CharField()
    public_key = peewee.TextField()
    # Epoch seconds with fractions. Caches made before keep an INTEGER column, which
    # SQLite's type affinity lets hold these REAL values unchanged: no migration needed.
    revoked_at = peewee.FloatField(null=True)


class Delivery(SyncedModel):
    """One recipient unit's copy in the exchange (公文交换), with its 签收 or 拒收.

    The clerk's 待签收 box pages over (recipient_unit_id, status, urgency_rank, sent_at,
    id) in one index. `local_state` is this PC's 签收/拒收 not yet confirmed: the row
    shows 待发送 at once and leaves the box when the pull brings the platform's status.
    """

    id = peewee.CharField(primary_key=True)
    outgoing_id = peewee.CharField(null=True, index=True)
    sender_unit_id = peewee.CharField()
    recipient_unit_id = peewee.CharField()
    role = peewee.CharField(default="main")
    status = peewee.CharField(default="pending")
    sent_at = peewee.IntegerField(null=True)
    due_at = peewee.IntegerField(null=True)
    urgency = peewee.CharField(default="normal")
    urgency_rank = peewee.IntegerField(default=0)
    doc_number = peewee.CharField(default="")
    issuer = peewee.CharField(default="")
    doc_type = peewee.CharField(default="")
    title = peewee.CharField(default="")
    received_by = peewee.CharField(null=True)
    received_at = peewee.IntegerField(null=True)
    document_id = peewee.CharField(null=True, index=True)
    refused_by = peewee.CharField(null=True)
    refused_at = peewee.IntegerField(null=True)
    reason = peewee.TextField(null=True)
    # Local: "" | "receive_pending" | "refuse_pending" | "conflict" | "rejected"
    local_state = peewee.CharField(default="")
    local_op_id = peewee.CharField(null=True)
    local_reason = peewee.TextField(null=True)

    class Meta:
        indexes = (
            (("recipient_unit_id", "status", "urgency_rank", "sent_at", "id"), False),
            # Covers the box's counts (nav badge): no row (with its JSON) is read.
            (("recipient_unit_id", "status", "local_state", "urgency", "sent_at", "due_at"),
             False),
        )


class Reminder(SyncedModel):
    """催办: a clerk's reminder on a task or outgoing step, for its assignee."""

    id = peewee.CharField(primary_key=True)
    task_id = peewee.CharField(null=True, index=True)
    step_id = peewee.CharField(null=True)
    document_id = peewee.CharField(null=True)
    outgoing_id = peewee.CharField(null=True)
    from_id = peewee.CharField()
    to_id = peewee.CharField(index=True)
    text = peewee.TextField(default="")
    at = peewee.IntegerField(null=True)
    # Local: when this PC showed it to its recipient (tray alert); None: not yet.
    announced_at = peewee.FloatField(null=True)


class Note(SyncedModel):
    """留言: a short text from one user to another about a document (op `note.send`)."""

    id = peewee.CharField(primary_key=True)
    document_id = peewee.CharField(index=True)
    from_id = peewee.CharField()
    to_id = peewee.CharField(index=True)
    text = peewee.TextField(default="")
    at = peewee.IntegerField(null=True)
    # Local: when this PC showed it to its recipient (tray alert); None: not yet.
    announced_at = peewee.FloatField(null=True)


class OutboxOp(BaseModel):
    id = peewee.AutoField()  # send order
    op_id = peewee.CharField(unique=True)
    type = peewee.CharField()
    data = JSONText()
    created_at = peewee.FloatField(default=now_ts)
    attempts = peewee.IntegerField(default=0)
    next_attempt_at = peewee.FloatField(default=0)
    state = peewee.CharField(default="queued", index=True)
    result_code = peewee.CharField(null=True)
    result_detail = peewee.TextField(null=True)
    local_ref = peewee.CharField(null=True, index=True)  # e.g. "task:<id>"
    # Blobs (handwriting, attachments) to PUT before this op may be pushed.
    blobs_first = JSONText(default=list)
    finished_at = peewee.FloatField(null=True)
    # The feed seq the platform answered for an applied op (cache schema 3).
    applied_seq = peewee.BigIntegerField(null=True)
    # A refusal's `context` (who made the step go away, when, who holds it now;
    # protocol.wire.notes.ConflictContext), cache schema 5.
    result_context = JSONText(null=True)


class SyncState(BaseModel):
    id = peewee.IntegerField(primary_key=True)  # always 1
    cursor = peewee.TextField(null=True)
    instance_id = peewee.CharField(null=True)
    user_id = peewee.CharField(null=True)
    last_success_at = peewee.FloatField(null=True)
    last_error = peewee.TextField(null=True)
    generation = peewee.IntegerField(default=0)
    resync_in_progress = peewee.BooleanField(default=False)
    # A changed instance_id: versions of the new platform are not comparable to ours.
    resync_accept_any_version = peewee.BooleanField(default=False)
    # The platform's restore epoch we synced from (/meta; cache schema 3).
    restore_epoch = peewee.IntegerField(null=True)
    # Files pending work needs that the last sync could not fetch (cache schema 3).
    files_missing = peewee.IntegerField(default=0)


class PlatformKey(BaseModel):
    """A receipt key of the platform, from `meta.platform_keys` (cache schema 6): what
    the platform's receipts of acceptance are checked against offline."""

    key_id = peewee.CharField(primary_key=True)
    algorithm = peewee.CharField()
    public_key = peewee.TextField()
    created_at = peewee.FloatField()  # epoch seconds
    retired_at = peewee.FloatField(null=True)


class BlobEntry(BaseModel):
    sha256 = peewee.CharField(primary_key=True, max_length=64)
    size = peewee.BigIntegerField(default=0)
    media_type = peewee.CharField(default="application/octet-stream")
    state = peewee.CharField(default="missing", index=True)  # present | missing
    last_used_at = peewee.FloatField(default=now_ts)
    # Made on this device and not yet on the platform: never evicted.
    pinned = peewee.BooleanField(default=False)
    upload_pending = peewee.BooleanField(default=False)
    created_at = peewee.FloatField(default=now_ts)


class Phrase(BaseModel):
    id = peewee.AutoField()
    user_id = peewee.CharField(index=True)
    text = peewee.TextField()
    position = peewee.IntegerField(default=0)


class AuditEntry(BaseModel):
    id = peewee.AutoField()
    at = peewee.FloatField(default=now_ts, index=True)
    user_id = peewee.CharField(default="")
    action = peewee.CharField()
    object = peewee.CharField(default="")
    detail = JSONText(default=dict)


# --- 发文 (outgoing documents; docs/protocol.md "Outgoing documents") -------------------

class Outgoing(SyncedModel):
    """A submitted 发文 and everything after. Local: a clerk action (编号, 用印, 核发,
    撤销) queued here and not yet seen done in the feed (`local_action`, written only by
    client.services.op_owners.outgoing)."""

    id = peewee.CharField(primary_key=True)
    unit_id = peewee.CharField(index=True)
    drafter_id = peewee.CharField(index=True)
    doc_type = peewee.CharField(default="")
    title = peewee.CharField(default="")
    status = peewee.CharField(index=True)
    signatory_id = peewee.CharField(default="")
    reviewer_id = peewee.CharField(null=True)
    series = peewee.CharField(default="")
    current_version = peewee.IntegerField(default=1)
    doc_number = peewee.CharField(default="")
    urgency = peewee.CharField(default="normal")
    created_at = peewee.IntegerField(null=True)
    issued_at = peewee.IntegerField(null=True)
    local_action = peewee.CharField(default="")
    local_from_status = peewee.CharField(default="")
    local_op_id = peewee.CharField(null=True)


class OutgoingVersion(SyncedModel):
    """One version of an outgoing document's body (never changed once made)."""

    id = peewee.CharField(primary_key=True)
    outgoing_id = peewee.CharField(index=True)
    number = peewee.IntegerField()
    body_sha256 = peewee.CharField()
    author_id = peewee.CharField(default="")


class OutgoingStep(SyncedModel):
    """One step of an outgoing route (核稿, 会签, 签发, 修改). Local: "pending_sync" once
    completed here, "conflict"/"rejected" when the platform refused it."""

    id = peewee.CharField(primary_key=True)
    outgoing_id = peewee.CharField(index=True)
    kind = peewee.CharField()
    assignee_id = peewee.CharField()
    status = peewee.CharField()
    due_at = peewee.IntegerField(null=True)
    created_at = peewee.IntegerField(null=True)
    local_mark = peewee.CharField(default="")
    local_op_id = peewee.CharField(null=True)

    class Meta:
        indexes = ((("assignee_id", "status", "kind"), False),)


class DocSeries(SyncedModel):
    """A unit's 发文字号 sequence for one year (the clerks of the unit see it)."""

    id = peewee.CharField(primary_key=True)
    unit_id = peewee.CharField(index=True)
    prefix = peewee.CharField()
    year = peewee.IntegerField()
    last_number = peewee.IntegerField(default=0)


class OutgoingDraft(BaseModel):
    """A 拟稿 on this PC, saved as the user types; never synced until submitted. Its id
    becomes the outgoing's id at submit (`outgoing.submit` carries it)."""

    id = peewee.CharField(primary_key=True)
    author_id = peewee.CharField(index=True)
    fields = JSONText(default=dict)  # metadata and route as the editor holds them
    body = JSONText(default=dict)    # protocol.docbody
    # draft | queued (待发送) | submitted | conflict | rejected
    state = peewee.CharField(default="draft")
    op_id = peewee.CharField(null=True)
    created_at = peewee.FloatField(default=now_ts)
    updated_at = peewee.FloatField(default=now_ts)


SYNCED_MODELS: dict[str, type[SyncedBase]] = {
    "unit": Unit,
    "user": User,
    "document": Document,
    "task": Task,
    "opinion": Opinion,
    "notice": Notice,
    "receipt": Receipt,
    "key": SigningKey,
    "outgoing": Outgoing,
    "outgoing_version": OutgoingVersion,
    "outgoing_step": OutgoingStep,
    "doc_series": DocSeries,
    "delivery": Delivery,
    "reminder": Reminder,
    "note": Note,
}

ALL_MODELS: list[type[BaseModel]] = [
    SchemaVersion,
    Unit,
    User,
    Document,
    DocumentData,
    Task,
    Opinion,
    LocalOpinion,
    OpinionDraft,
    Notice,
    NoticeDraft,
    Receipt,
    SigningKey,
    Delivery,
    Reminder,
    Note,
    OutboxOp,
    SyncState,
    BlobEntry,
    Phrase,
    AuditEntry,
    Outgoing,
    OutgoingVersion,
    OutgoingStep,
    DocSeries,
    OutgoingDraft,
    PlatformKey,
]


def sync_state() -> SyncState:
    """The single SyncState row (created on first use)."""
    state, _ = SyncState.get_or_create(id=1)
    return state
