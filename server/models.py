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
    # Bumped by `python -m server restore` (migration 3): clients re-synchronise.
    restore_epoch = peewee.IntegerField(default=0)


class Unit(BaseModel):
    id = peewee.CharField(primary_key=True)
    name = peewee.CharField()
    parent = peewee.ForeignKeyField("self", null=True, backref="children", column_name="parent_id")
    kind = peewee.CharField()  # county, bureau, town, office, ...
    sort_order = peewee.IntegerField(default=0)
    version = peewee.IntegerField(default=1)
    updated_at = UTCDateTimeField(default=utcnow)


class User(BaseModel):
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


class BlobRef(BaseModel):
    """Which synchronised object refers to which blob (for blob authorisation)."""

    sha256 = peewee.CharField(max_length=64, index=True)
    key = peewee.CharField(index=True)  # SyncObject.key

    class Meta:
        indexes = ((("sha256", "key"), True),)


class Document(BaseModel):
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


class Task(BaseModel):
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
    version = peewee.IntegerField(default=1)
    updated_at = UTCDateTimeField(default=utcnow)


class Opinion(BaseModel):
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
    version = peewee.IntegerField(default=1)
    updated_at = UTCDateTimeField(default=utcnow)


class Notice(BaseModel):
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
    attachments = JSONText(default=list)
    version = peewee.IntegerField(default=1)
    updated_at = UTCDateTimeField(default=utcnow)


class Receipt(BaseModel):
    id = peewee.CharField(primary_key=True)
    notice_id = peewee.CharField(null=True)
    document_id = peewee.CharField(null=True)
    user = peewee.ForeignKeyField(User, column_name="user_id")
    kind = peewee.CharField()  # read, ack
    at = UTCDateTimeField()
    version = peewee.IntegerField(default=1)
    updated_at = UTCDateTimeField(default=utcnow)

    class Meta:
        # Each read/ack looks up the user's receipt of that kind (migration 2).
        indexes = ((("notice_id", "user_id", "kind"), False),
                   (("document_id", "user_id", "kind"), False))


class SigningKey(BaseModel):
    id = peewee.CharField(primary_key=True)  # key_id chosen by the client
    user = peewee.ForeignKeyField(User, column_name="user_id")
    algorithm = peewee.CharField()
    public_key = peewee.TextField()
    device_id = peewee.CharField(default="")
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


ALL_MODELS: list[type[BaseModel]] = [
    Meta,
    Unit,
    User,
    AuthSession,
    UsedRefreshToken,
    SpareRefreshToken,
    LoginFailure,
    Blob,
    BlobGrant,
    BlobRef,
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
]
