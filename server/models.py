"""Tables of the reference platform, as the last migration leaves them (server/migrations
creates and changes the schema; a change here needs a migration there).

Two layers live here:
- domain tables (Unit, User, Document, Task, ...) that the workflow reads and writes;
- the change feed (SyncObject, FeedEntry): every synchronised object's current JSON as
  the client sees it, and per-user rows saying which objects each user may see. Feed
  rows are compacted: one row per (user, object), carrying the seq of its last change.
  `user_id = "*"` means "every signed-in user" (the directory).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import peewee

from server import clock
from server.db import database

EVERYONE = "*"


class JSONText(peewee.TextField):
    """JSON stored as text: portable across SQLite and PostgreSQL."""

    def db_value(self, value: Any) -> str | None:
        if value is None:
            return None
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def python_value(self, value: str | None) -> Any:
        return None if value is None else json.loads(value)


def utcnow() -> datetime:
    # Defaults follow server.clock.now, the platform's one clock (the demo build moves it).
    return clock.now()


class UTCDateTimeField(peewee.DateTimeField):
    """Aware UTC datetimes in Python, naive UTC in the column.

    SQLite and PostgreSQL `timestamp` treat offsets differently (PostgreSQL drops them
    silently); storing naive UTC everywhere and handing back aware UTC keeps
    comparisons and arithmetic identical on both backends. Naive input is taken as UTC.
    """

    def db_value(self, value: Any) -> Any:
        if isinstance(value, datetime) and value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return super().db_value(value)

    def python_value(self, value: Any) -> Any:
        value = super().python_value(value)
        if isinstance(value, datetime):
            value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value


class BaseModel(peewee.Model):
    class Meta:
        database = database
        legacy_table_names = False


class Meta(BaseModel):
    """One row: the platform instance and its feed counter."""

    id = peewee.IntegerField(primary_key=True)
    instance_id = peewee.CharField()
    seq = peewee.BigIntegerField(default=0)
    # Cursors below this seq are refused with 410 cursor.expired (retention).
    min_cursor_seq = peewee.BigIntegerField(default=0)
    created_at = UTCDateTimeField(default=utcnow)
    # Bumped by `python -m server restore` (migration 6): clients re-synchronise.
    restore_epoch = peewee.IntegerField(default=0)


class Unit(BaseModel):
    parent_id: str | None  # the foreign keys' columns, for type checkers
    id = peewee.CharField(primary_key=True)
    name = peewee.CharField()
    parent = peewee.ForeignKeyField("self", null=True, backref="children", column_name="parent_id")
    kind = peewee.CharField()  # county, bureau, town, office, ...
    sort_order = peewee.IntegerField(default=0)
    version = peewee.IntegerField(default=1)
    updated_at = UTCDateTimeField(default=utcnow)


class User(BaseModel):
    unit_id: str
    id = peewee.CharField(primary_key=True)
    username = peewee.CharField(unique=True)
    display_name = peewee.CharField()
    unit = peewee.ForeignKeyField(Unit, backref="users", column_name="unit_id")
    roles = JSONText(default=list)
    title = peewee.CharField(default="")
    password_hash = peewee.CharField()
    active = peewee.BooleanField(default=True)
    version = peewee.IntegerField(default=1)
    updated_at = UTCDateTimeField(default=utcnow)


class AuthSession(BaseModel):
    """One signed-in device of a user: its current access and refresh tokens (hashed)."""

    id = peewee.CharField(primary_key=True)
    user = peewee.ForeignKeyField(User, backref="sessions", column_name="user_id")
    device_id = peewee.CharField()
    device_name = peewee.CharField(default="")
    access_hash = peewee.CharField(index=True)
    access_expires_at = UTCDateTimeField()
    refresh_hash = peewee.CharField(index=True)
    refresh_expires_at = UTCDateTimeField()
    created_at = UTCDateTimeField(default=utcnow)
    revoked_at = UTCDateTimeField(null=True)
    # The refresh token last presented: valid until a successor is first used (m0003).
    prev_refresh_hash = peewee.CharField(null=True, index=True)


class SpareRefreshToken(BaseModel):
    """Successors issued to a repeat of `prev_refresh_hash` (its first answer was lost);
    each stays valid until one successor is first used."""

    token_hash = peewee.CharField(primary_key=True)
    session_id = peewee.CharField(index=True)
    issued_at = UTCDateTimeField(default=utcnow)


class UsedRefreshToken(BaseModel):
    """Refresh tokens already rotated away; presenting one again revokes the session."""

    token_hash = peewee.CharField(primary_key=True)
    session = peewee.ForeignKeyField(AuthSession, column_name="session_id", on_delete="CASCADE")
    used_at = UTCDateTimeField(default=utcnow)


class LoginFailure(BaseModel):
    username = peewee.CharField(index=True)
    at = UTCDateTimeField(default=utcnow, index=True)
    # Client address of the attempt: spraying one password over many accounts from one
    # address is throttled by address (migration 5).
    address = peewee.CharField(default="", index=True)
    device_id = peewee.CharField(default="")


class EnrolmentCode(BaseModel):
    """A one-time code county IT issues so a user may register a signing key (migration 5).

    Only its hash is stored; it is bound to one user, expires, and is used at most once."""

    code_hash = peewee.CharField(primary_key=True)
    user_id = peewee.CharField(index=True)
    issued_by = peewee.CharField()  # user id of the administrator, or "cli"
    issued_at = UTCDateTimeField(default=utcnow)
    expires_at = UTCDateTimeField()
    used_at = UTCDateTimeField(null=True)
    used_for_key = peewee.CharField(null=True)


class AuditEvent(BaseModel):
    """Security-relevant events (key enrolment, session revocations, moves) (migration 5)."""

    id = peewee.AutoField()
    at = UTCDateTimeField(default=utcnow, index=True)
    actor_id = peewee.CharField(null=True)  # who did it (None: the platform itself)
    action = peewee.CharField(index=True)  # e.g. key.enrolled, user.password_reset
    subject_id = peewee.CharField(null=True, index=True)  # the user it concerns
    detail = JSONText(default=dict)


class Blob(BaseModel):
    """Content-addressed bytes, kept in the database so one URL backs up everything."""

    sha256 = peewee.CharField(primary_key=True, max_length=64)
    media_type = peewee.CharField(default="application/octet-stream")
    size = peewee.BigIntegerField()
    data = peewee.BlobField()
    uploaded_by = peewee.CharField(null=True)  # user id
    created_at = UTCDateTimeField(default=utcnow)


class BlobGrant(BaseModel):
    """Users who uploaded a blob (each may read it back before any object refers to it)."""

    sha256 = peewee.CharField(max_length=64)
    user_id = peewee.CharField()

    class Meta:
        primary_key = peewee.CompositeKey("sha256", "user_id")


class UploadLog(BaseModel):
    """One row per blob upload a user started (migration 10), for the per-user limits
    (server/uploads.py): uploads per minute and bytes per rolling day. `size` is what the
    upload declared while it runs, what arrived once stored, 0 when it failed. Rows older
    than a day are deleted as the user uploads again."""

    id = peewee.AutoField()
    user_id = peewee.CharField()
    at = UTCDateTimeField(default=utcnow)
    size = peewee.BigIntegerField(default=0)

    class Meta:
        indexes = ((("user_id", "at"), False),)


class BlobRef(BaseModel):
    """Which synchronised object refers to which blob (for blob authorisation)."""

    sha256 = peewee.CharField(max_length=64, index=True)
    key = peewee.CharField(index=True)  # SyncObject.key

    class Meta:
        indexes = ((("sha256", "key"), True),)


class Document(BaseModel):
    unit_id: str
    id = peewee.CharField(primary_key=True)
    unit = peewee.ForeignKeyField(Unit, column_name="unit_id")  # receiving unit
    doc_number = peewee.CharField()
    issuer = peewee.CharField()
    doc_type = peewee.CharField()
    title = peewee.CharField(max_length=500)
    classification = peewee.CharField(default="none")
    urgency = peewee.CharField(default="normal")
    signatory = peewee.CharField(default="")
    main_recipients = JSONText(default=list)
    cc = JSONText(default=list)
    issued_on = peewee.CharField()  # ISO date
    notes = peewee.TextField(default="")
    received_at = UTCDateTimeField()
    registration_number = peewee.CharField()
    body = JSONText()  # {"sha256", "media_type", "size"}
    attachments = JSONText(default=list)
    status = peewee.CharField(default="registered")
    digest = peewee.CharField(max_length=64)
    registered_by = peewee.CharField()  # user id of the clerk
    version = peewee.IntegerField(default=1)
    updated_at = UTCDateTimeField(default=utcnow)
    # The exchange delivery it was received (签收) from; None: registered from paper.
    delivery_id = peewee.CharField(null=True)


class Task(BaseModel):
    document_id: str
    assignee_id: str
    id = peewee.CharField(primary_key=True)
    document = peewee.ForeignKeyField(Document, backref="tasks", column_name="document_id")
    assignee = peewee.ForeignKeyField(User, column_name="assignee_id")
    kind = peewee.CharField()
    status = peewee.CharField(default="pending", index=True)
    stage = peewee.IntegerField(default=1)
    parent_task_id = peewee.CharField(null=True)
    due_at = UTCDateTimeField(null=True)
    created_by = peewee.CharField()  # user id
    created_at = UTCDateTimeField(default=utcnow)
    completed_at = UTCDateTimeField(null=True)
    # The opinion whose sign-off created this task (a 撤回 of it cancels the task), and the
    # opinion of a 退回 that cancelled it (a 撤回 of that return restores it). Migration 3.
    origin_opinion_id = peewee.CharField(null=True, index=True)
    superseded_by_opinion_id = peewee.CharField(null=True)
    version = peewee.IntegerField(default=1)
    updated_at = UTCDateTimeField(default=utcnow)
    # Why a clerk cancelled or re-routed it (task.cancel / task.reroute, migration 4).
    reason = peewee.TextField(null=True)
    # Who cancelled it, and the task that took its place (a re-route), migration 7: a
    # sign-off that meets the cancelled task says who, when, and who holds the step now.
    cancelled_by = peewee.CharField(null=True)
    replaced_by = peewee.CharField(null=True)


class Opinion(BaseModel):
    task_id: str
    document_id: str
    author_id: str
    id = peewee.CharField(primary_key=True)
    task = peewee.ForeignKeyField(Task, column_name="task_id")
    document = peewee.ForeignKeyField(Document, column_name="document_id")
    author = peewee.ForeignKeyField(User, column_name="author_id")
    decision = peewee.CharField()
    text = peewee.TextField(default="")
    handwriting_sha256 = peewee.CharField(null=True)
    forward_to = JSONText(default=list)
    signed_at = peewee.CharField()  # RFC 3339 exactly as signed
    signature = JSONText()
    document_digest = peewee.CharField()
    # Unsigned routing extras of an approval ({"circulate_to": [...], "countersign_to": [...]}),
    # read when the stage completes (server/workflow/stages.py).
    routing = JSONText(default=dict)
    # The task.complete op that recorded it (task.recall names it), and when its author
    # recalled it (撤回): the opinion stays, append-only, marked recalled. Migration 3.
    op_id = peewee.CharField(null=True, index=True)
    recalled_at = UTCDateTimeField(null=True)
    # The platform's own time of acceptance and its signed receipt of it (migration 9).
    accepted_at = peewee.CharField(null=True)  # RFC 3339 exactly as signed
    platform_receipt = JSONText(null=True)
    version = peewee.IntegerField(default=1)
    updated_at = UTCDateTimeField(default=utcnow)


class Notice(BaseModel):
    publisher_id: str
    id = peewee.CharField(primary_key=True)
    client_ref = peewee.CharField(null=True)
    title = peewee.CharField(max_length=500)
    body = peewee.TextField()
    publisher = peewee.ForeignKeyField(User, column_name="publisher_id")
    audience_unit_ids = JSONText(default=list)
    requires_ack = peewee.BooleanField(default=False)
    urgent = peewee.BooleanField(default=False)
    published_at = UTCDateTimeField(default=utcnow)
    expires_at = UTCDateTimeField(null=True)
    withdrawn_at = UTCDateTimeField(null=True)
    withdrawn_by = peewee.CharField(null=True)  # migration 7
    attachments = JSONText(default=list)
    version = peewee.IntegerField(default=1)
    updated_at = UTCDateTimeField(default=utcnow)


class Receipt(BaseModel):
    user_id: str
    id = peewee.CharField(primary_key=True)
    notice_id = peewee.CharField(null=True)
    document_id = peewee.CharField(null=True)
    user = peewee.ForeignKeyField(User, column_name="user_id")
    kind = peewee.CharField()  # read, ack
    at = UTCDateTimeField()  # the user's claim, bounded by publication and acceptance
    accepted_at = peewee.CharField(null=True)  # migration 9, as for Opinion
    platform_receipt = JSONText(null=True)
    version = peewee.IntegerField(default=1)
    updated_at = UTCDateTimeField(default=utcnow)

    class Meta:
        # Each read/ack looks up the user's receipt of that kind (migration 2).
        indexes = ((("notice_id", "user_id", "kind"), False),
                   (("document_id", "user_id", "kind"), False))


class SigningKey(BaseModel):
    user_id: str
    id = peewee.CharField(primary_key=True)  # key_id chosen by the client
    user = peewee.ForeignKeyField(User, column_name="user_id")
    algorithm = peewee.CharField()
    public_key = peewee.TextField()
    device_id = peewee.CharField(default="")
    device_name = peewee.CharField(default="")  # migration 5
    created_at = UTCDateTimeField(default=utcnow)
    revoked_at = UTCDateTimeField(null=True)
    version = peewee.IntegerField(default=1)
    updated_at = UTCDateTimeField(default=utcnow)


class AppliedOp(BaseModel):
    """Idempotency record: the first result of every op_id, and a hash of its payload."""

    op_id = peewee.CharField(primary_key=True)
    user_id = peewee.CharField()
    payload_hash = peewee.CharField()
    result = JSONText()
    applied_at = UTCDateTimeField(default=utcnow)


class SyncObject(BaseModel):
    """Current client-visible JSON of every synchronised object, serialised once."""

    key = peewee.CharField(primary_key=True)  # "<type>:<id>"
    type = peewee.CharField()
    obj_id = peewee.CharField()
    seq = peewee.BigIntegerField(index=True)
    data = peewee.TextField(null=True)  # null once retracted
    # Time of the last change (publish or retract): `purge` compacts by age.
    changed_at = UTCDateTimeField(default=utcnow, index=True)


class FeedMark(BaseModel):
    """A random mark per feed seq: which history a cursor's seq belongs to (m0003)."""

    seq = peewee.BigIntegerField(primary_key=True)
    mark = peewee.CharField(max_length=16)


class FeedEntry(BaseModel):
    """User `user_id` ("*": everyone) may see object `key` (op upsert) or lost it (delete)."""

    user_id = peewee.CharField()
    key = peewee.CharField()
    seq = peewee.BigIntegerField()
    op = peewee.CharField()  # upsert | delete

    class Meta:
        primary_key = peewee.CompositeKey("user_id", "key")
        indexes = ((("user_id", "seq"), False), (("key",), False))


# --- 发文 and 公文交换 (migration 4; docs/protocol.md "Outgoing documents") -------------


class UnitSeries(BaseModel):
    """A 发文字号 series a unit may number in (富政发, 富政办函, ...), set by an admin."""

    unit_id: str

    unit = peewee.ForeignKeyField(Unit, column_name="unit_id")
    prefix = peewee.CharField()
    label = peewee.CharField(default="")
    sort_order = peewee.IntegerField(default=0)

    class Meta:
        primary_key = peewee.CompositeKey("unit", "prefix")


class UnitSeal(BaseModel):
    """A unit's seal image (PNG blob), registered by an admin."""

    unit_id: str

    unit = peewee.ForeignKeyField(Unit, column_name="unit_id", primary_key=True)
    sha256 = peewee.CharField(max_length=64)
    registered_by = peewee.CharField()
    registered_at = UTCDateTimeField(default=utcnow)


class Outgoing(BaseModel):
    """A unit's own document (发文) once submitted, to 核发."""

    unit_id: str
    drafter_id: str

    id = peewee.CharField(primary_key=True)
    unit = peewee.ForeignKeyField(Unit, column_name="unit_id")
    drafter = peewee.ForeignKeyField(User, column_name="drafter_id")
    doc_type = peewee.CharField()
    title = peewee.CharField(max_length=500)
    main_recipients = JSONText(default=list)  # [{"name", "unit_ids"}]
    cc = JSONText(default=list)
    classification = peewee.CharField(default="none")
    urgency = peewee.CharField(default="normal")
    notes = peewee.TextField(default="")
    attachments = JSONText(default=list)
    signatory_id = peewee.CharField()
    reviewer_id = peewee.CharField(null=True)
    countersigner_ids = JSONText(default=list)
    series = peewee.CharField()
    status = peewee.CharField(index=True)
    current_version = peewee.IntegerField(default=1)
    body_sha256 = peewee.CharField(max_length=64)
    digest = peewee.CharField(max_length=64)
    created_at = UTCDateTimeField(default=utcnow)
    doc_number = peewee.CharField(null=True)
    number_year = peewee.IntegerField(null=True)  # the series the number was taken from
    number = peewee.IntegerField(null=True)
    numbered_by = peewee.CharField(null=True)  # 编号: the clerk, and when (migration 8)
    numbered_at = UTCDateTimeField(null=True)
    issued_on = peewee.CharField(null=True)
    signed_by = peewee.CharField(null=True)
    sealed_by = peewee.CharField(null=True)
    sealed_at = UTCDateTimeField(null=True)
    issued_by = peewee.CharField(null=True)
    issued_at = UTCDateTimeField(null=True)
    issued_body = JSONText(null=True)
    cancelled_reason = peewee.TextField(null=True)
    in_reply_to = peewee.CharField(null=True)  # a 批复's 收文 document id
    replies = JSONText(default=list)  # a 请示's 批复 delivery ids
    version = peewee.IntegerField(default=1)
    updated_at = UTCDateTimeField(default=utcnow)


class OutgoingVersion(BaseModel):
    outgoing_id: str
    id = peewee.CharField(primary_key=True)
    outgoing = peewee.ForeignKeyField(Outgoing, backref="versions", column_name="outgoing_id")
    number = peewee.IntegerField()
    body = JSONText()
    body_sha256 = peewee.CharField(max_length=64)
    digest = peewee.CharField(max_length=64)  # of the outgoing's metadata with this body
    author_id = peewee.CharField()
    created_at = UTCDateTimeField(default=utcnow)
    note = peewee.TextField(default="")
    version = peewee.IntegerField(default=1)
    updated_at = UTCDateTimeField(default=utcnow)

    class Meta:
        indexes = ((("outgoing_id", "number"), True),)


class OutgoingStep(BaseModel):
    outgoing_id: str
    assignee_id: str
    id = peewee.CharField(primary_key=True)
    outgoing = peewee.ForeignKeyField(Outgoing, backref="steps", column_name="outgoing_id")
    kind = peewee.CharField()
    assignee = peewee.ForeignKeyField(User, column_name="assignee_id")
    status = peewee.CharField(default="pending", index=True)
    created_at = UTCDateTimeField(default=utcnow)
    due_at = UTCDateTimeField(null=True)
    decision = peewee.CharField(null=True)
    text = peewee.TextField(default="")
    version_number = peewee.IntegerField(null=True)
    outgoing_digest = peewee.CharField(null=True)
    handwriting_sha256 = peewee.CharField(null=True)
    signed_at = peewee.CharField(null=True)  # RFC 3339 exactly as signed
    signature = JSONText(null=True)
    accepted_at = peewee.CharField(null=True)  # migration 9, as for Opinion
    platform_receipt = JSONText(null=True)
    completed_at = UTCDateTimeField(null=True)
    version = peewee.IntegerField(default=1)
    updated_at = UTCDateTimeField(default=utcnow)


class Delivery(BaseModel):
    """One recipient unit's copy in the exchange (公文交换) and its 回执."""

    sender_unit_id: str
    recipient_unit_id: str

    id = peewee.CharField(primary_key=True)
    outgoing_id = peewee.CharField(null=True, index=True)
    send_id = peewee.CharField(null=True)  # exchange.send's id (an outside body's sending)
    sender_id = peewee.CharField()  # the clerk who issued it, or the exchange account
    sender_unit = peewee.ForeignKeyField(Unit, column_name="sender_unit_id")
    recipient_unit = peewee.ForeignKeyField(Unit, column_name="recipient_unit_id")
    role = peewee.CharField(default="main")
    status = peewee.CharField(default="pending", index=True)
    sent_at = UTCDateTimeField(default=utcnow)
    due_at = UTCDateTimeField(null=True)
    document = JSONText()
    received_by = peewee.CharField(null=True)
    received_at = UTCDateTimeField(null=True)
    document_id = peewee.CharField(null=True)
    refused_by = peewee.CharField(null=True)
    refused_at = UTCDateTimeField(null=True)
    reason = peewee.TextField(null=True)
    in_reply_to = peewee.CharField(null=True)
    version = peewee.IntegerField(default=1)
    updated_at = UTCDateTimeField(default=utcnow)

    class Meta:
        indexes = ((("recipient_unit_id", "status"), False),
                   (("sender_id", "send_id"), False))


class DocSeries(BaseModel):
    """A unit's 发文字号 sequence of one year; `gaps` records cancelled numbers."""

    unit_id: str

    id = peewee.CharField(primary_key=True)
    unit = peewee.ForeignKeyField(Unit, column_name="unit_id")
    prefix = peewee.CharField()
    year = peewee.IntegerField()
    last_number = peewee.IntegerField(default=0)
    gaps = JSONText(default=list)
    version = peewee.IntegerField(default=1)
    updated_at = UTCDateTimeField(default=utcnow)

    class Meta:
        indexes = ((("unit_id", "prefix", "year"), True),)


class Reminder(BaseModel):
    """催办 of a pending task or outgoing step."""

    id = peewee.CharField(primary_key=True)
    task_id = peewee.CharField(null=True)
    step_id = peewee.CharField(null=True)
    document_id = peewee.CharField(null=True)
    outgoing_id = peewee.CharField(null=True)
    from_id = peewee.CharField()
    to_id = peewee.CharField()
    text = peewee.TextField(default="")
    at = UTCDateTimeField(default=utcnow)
    version = peewee.IntegerField(default=1)
    updated_at = UTCDateTimeField(default=utcnow)


class Note(BaseModel):
    """留言: a short text one user sends another about a document (op `note.send`)."""

    id = peewee.CharField(primary_key=True)
    document_id = peewee.CharField(index=True)
    from_id = peewee.CharField()
    to_id = peewee.CharField(index=True)
    text = peewee.TextField()
    at = UTCDateTimeField(default=utcnow)
    version = peewee.IntegerField(default=1)
    updated_at = UTCDateTimeField(default=utcnow)


class PlatformKey(BaseModel):
    """A key the platform signs its receipts with (migration 9): published in `meta`.

    The private key is in the database, like the password hashes: whoever holds the
    database (or a backup) holds the platform. Rotation retires a key, never deletes it,
    so receipts it signed stay checkable."""

    id = peewee.CharField(primary_key=True)  # key_id: derived from the public key
    algorithm = peewee.CharField()
    public_key = peewee.TextField()
    private_key = peewee.TextField()  # base64
    created_at = UTCDateTimeField(default=utcnow)
    retired_at = UTCDateTimeField(null=True)


ALL_MODELS: list[type[BaseModel]] = [
    Meta,
    Unit,
    User,
    AuthSession,
    UsedRefreshToken,
    SpareRefreshToken,
    LoginFailure,
    EnrolmentCode,
    AuditEvent,
    Blob,
    BlobGrant,
    BlobRef,
    UploadLog,
    Document,
    Task,
    Opinion,
    Notice,
    Receipt,
    SigningKey,
    AppliedOp,
    SyncObject,
    FeedMark,
    FeedEntry,
    UnitSeries,
    UnitSeal,
    Outgoing,
    OutgoingVersion,
    OutgoingStep,
    Delivery,
    DocSeries,
    Reminder,
    Note,
    PlatformKey,
]
