"""Migration 1, the baseline: the tables of platform 0.1.0, the last release without
schema versions, and its Meta row.

The tables are a frozen copy of server/models.py as 0.1.0 had it (column types only:
JSON and UTC timestamps are TEXT and DATETIME columns), so later changes to the models
never change what this migration creates; later migrations change the schema instead.

A database made by 0.1.0 already has these tables: every statement here is
CREATE ... IF NOT EXISTS, so applying the baseline to it only stamps it as version 1.
"""

from __future__ import annotations

import uuid

import peewee
from playhouse.migrate import SchemaMigrator

from server import clock

NAME = "baseline"


class _Frozen(peewee.Model):
    class Meta:
        legacy_table_names = False


class Meta(_Frozen):
    id = peewee.IntegerField(primary_key=True)
    instance_id = peewee.CharField()
    seq = peewee.BigIntegerField(default=0)
    min_cursor_seq = peewee.BigIntegerField(default=0)
    created_at = peewee.DateTimeField()


class Unit(_Frozen):
    id = peewee.CharField(primary_key=True)
    name = peewee.CharField()
    parent = peewee.ForeignKeyField("self", null=True, column_name="parent_id")
    kind = peewee.CharField()
    sort_order = peewee.IntegerField(default=0)
    version = peewee.IntegerField(default=1)
    updated_at = peewee.DateTimeField()


class User(_Frozen):
    id = peewee.CharField(primary_key=True)
    username = peewee.CharField(unique=True)
    display_name = peewee.CharField()
    unit = peewee.ForeignKeyField(Unit, column_name="unit_id")
    roles = peewee.TextField()
    title = peewee.CharField(default="")
    password_hash = peewee.CharField()
    active = peewee.BooleanField(default=True)
    version = peewee.IntegerField(default=1)
    updated_at = peewee.DateTimeField()


class AuthSession(_Frozen):
    id = peewee.CharField(primary_key=True)
    user = peewee.ForeignKeyField(User, column_name="user_id")
    device_id = peewee.CharField()
    device_name = peewee.CharField(default="")
    access_hash = peewee.CharField(index=True)
    access_expires_at = peewee.DateTimeField()
    refresh_hash = peewee.CharField(index=True)
    refresh_expires_at = peewee.DateTimeField()
    created_at = peewee.DateTimeField()
    revoked_at = peewee.DateTimeField(null=True)


class UsedRefreshToken(_Frozen):
    token_hash = peewee.CharField(primary_key=True)
    session = peewee.ForeignKeyField(AuthSession, column_name="session_id", on_delete="CASCADE")
    used_at = peewee.DateTimeField()


class LoginFailure(_Frozen):
    username = peewee.CharField(index=True)
    at = peewee.DateTimeField(index=True)


class Blob(_Frozen):
    sha256 = peewee.CharField(primary_key=True, max_length=64)
    media_type = peewee.CharField(default="application/octet-stream")
    size = peewee.BigIntegerField()
    data = peewee.BlobField()
    uploaded_by = peewee.CharField(null=True)
    created_at = peewee.DateTimeField()


class BlobGrant(_Frozen):
    sha256 = peewee.CharField(max_length=64)
    user_id = peewee.CharField()

    class Meta:
        primary_key = peewee.CompositeKey("sha256", "user_id")


class BlobRef(_Frozen):
    sha256 = peewee.CharField(max_length=64, index=True)
    key = peewee.CharField(index=True)

    class Meta:
        indexes = ((("sha256", "key"), True),)


class Document(_Frozen):
    id = peewee.CharField(primary_key=True)
    unit = peewee.ForeignKeyField(Unit, column_name="unit_id")
    doc_number = peewee.CharField()
    issuer = peewee.CharField()
    doc_type = peewee.CharField()
    title = peewee.CharField(max_length=500)
    classification = peewee.CharField(default="none")
    urgency = peewee.CharField(default="normal")
    signatory = peewee.CharField(default="")
    main_recipients = peewee.TextField()
    cc = peewee.TextField()
    issued_on = peewee.CharField()
    notes = peewee.TextField(default="")
    received_at = peewee.DateTimeField()
    registration_number = peewee.CharField()
    body = peewee.TextField()
    attachments = peewee.TextField()
    status = peewee.CharField(default="registered")
    digest = peewee.CharField(max_length=64)
    registered_by = peewee.CharField()
    version = peewee.IntegerField(default=1)
    updated_at = peewee.DateTimeField()


class Task(_Frozen):
    id = peewee.CharField(primary_key=True)
    document = peewee.ForeignKeyField(Document, column_name="document_id")
    assignee = peewee.ForeignKeyField(User, column_name="assignee_id")
    kind = peewee.CharField()
    status = peewee.CharField(default="pending", index=True)
    stage = peewee.IntegerField(default=1)
    parent_task_id = peewee.CharField(null=True)
    due_at = peewee.DateTimeField(null=True)
    created_by = peewee.CharField()
    created_at = peewee.DateTimeField()
    completed_at = peewee.DateTimeField(null=True)
    version = peewee.IntegerField(default=1)
    updated_at = peewee.DateTimeField()


class Opinion(_Frozen):
    id = peewee.CharField(primary_key=True)
    task = peewee.ForeignKeyField(Task, column_name="task_id")
    document = peewee.ForeignKeyField(Document, column_name="document_id")
    author = peewee.ForeignKeyField(User, column_name="author_id")
    decision = peewee.CharField()
    text = peewee.TextField(default="")
    handwriting_sha256 = peewee.CharField(null=True)
    forward_to = peewee.TextField()
    signed_at = peewee.CharField()
    signature = peewee.TextField()
    document_digest = peewee.CharField()
    routing = peewee.TextField()
    version = peewee.IntegerField(default=1)
    updated_at = peewee.DateTimeField()


class Notice(_Frozen):
    id = peewee.CharField(primary_key=True)
    client_ref = peewee.CharField(null=True)
    title = peewee.CharField(max_length=500)
    body = peewee.TextField()
    publisher = peewee.ForeignKeyField(User, column_name="publisher_id")
    audience_unit_ids = peewee.TextField()
    requires_ack = peewee.BooleanField(default=False)
    urgent = peewee.BooleanField(default=False)
    published_at = peewee.DateTimeField()
    expires_at = peewee.DateTimeField(null=True)
    withdrawn_at = peewee.DateTimeField(null=True)
    attachments = peewee.TextField()
    version = peewee.IntegerField(default=1)
    updated_at = peewee.DateTimeField()


class Receipt(_Frozen):
    id = peewee.CharField(primary_key=True)
    notice_id = peewee.CharField(null=True, index=True)
    document_id = peewee.CharField(null=True, index=True)
    user = peewee.ForeignKeyField(User, column_name="user_id")
    kind = peewee.CharField()
    at = peewee.DateTimeField()
    version = peewee.IntegerField(default=1)
    updated_at = peewee.DateTimeField()


class SigningKey(_Frozen):
    id = peewee.CharField(primary_key=True)
    user = peewee.ForeignKeyField(User, column_name="user_id")
    algorithm = peewee.CharField()
    public_key = peewee.TextField()
    device_id = peewee.CharField(default="")
    created_at = peewee.DateTimeField()
    revoked_at = peewee.DateTimeField(null=True)
    version = peewee.IntegerField(default=1)
    updated_at = peewee.DateTimeField()


class AppliedOp(_Frozen):
    op_id = peewee.CharField(primary_key=True)
    user_id = peewee.CharField()
    payload_hash = peewee.CharField()
    result = peewee.TextField()
    applied_at = peewee.DateTimeField()


class SyncObject(_Frozen):
    key = peewee.CharField(primary_key=True)
    type = peewee.CharField()
    obj_id = peewee.CharField()
    seq = peewee.BigIntegerField(index=True)
    data = peewee.TextField(null=True)
    changed_at = peewee.DateTimeField(index=True)


class FeedEntry(_Frozen):
    user_id = peewee.CharField()
    key = peewee.CharField()
    seq = peewee.BigIntegerField()
    op = peewee.CharField()

    class Meta:
        primary_key = peewee.CompositeKey("user_id", "key")
        indexes = ((("user_id", "seq"), False), (("key",), False))


TABLES: list[type[peewee.Model]] = [
    Meta, Unit, User, AuthSession, UsedRefreshToken, LoginFailure, Blob, BlobGrant, BlobRef,
    Document, Task, Opinion, Notice, Receipt, SigningKey, AppliedOp, SyncObject, FeedEntry,
]


def apply(db: peewee.Database, migrator: SchemaMigrator) -> None:
    with db.bind_ctx(TABLES):
        db.create_tables(TABLES, safe=True)
        if Meta.get_or_none(Meta.id == 1) is None:
            # Naive UTC, as server.models.UTCDateTimeField stores it.
            Meta.create(id=1, instance_id=uuid.uuid4().hex, seq=0, min_cursor_seq=0,
                        created_at=clock.now().replace(tzinfo=None))
