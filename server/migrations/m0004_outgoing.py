"""Migration 4: 发文 (outgoing documents) and 公文交换 (the exchange).

New tables, frozen copies of server/models.py as this migration made them: unit series
(发文字号 prefixes) and seals, outgoing documents with their versions and route steps,
deliveries (one recipient unit's copy and its 回执), the numbering sequences with their
gaps, reminders (催办). New columns: `document.delivery_id` (the delivery a 收文 was
signed for from) and `task.reason` (why a clerk cancelled or re-routed it).
"""

from __future__ import annotations

import peewee
from playhouse.migrate import SchemaMigrator, migrate

NAME = "outgoing_and_exchange"


class _Frozen(peewee.Model):
    class Meta:
        legacy_table_names = False


class Unit(_Frozen):
    id = peewee.CharField(primary_key=True)


class User(_Frozen):
    id = peewee.CharField(primary_key=True)


class UnitSeries(_Frozen):
    """A 发文字号 series a unit may number in (富政发, 富政办函, ...), set by an admin."""

    unit = peewee.ForeignKeyField(Unit, column_name="unit_id")
    prefix = peewee.CharField()
    label = peewee.CharField(default="")
    sort_order = peewee.IntegerField(default=0)

    class Meta:
        primary_key = peewee.CompositeKey("unit", "prefix")


class UnitSeal(_Frozen):
    """A unit's seal image (PNG blob), registered by an admin."""

    unit = peewee.ForeignKeyField(Unit, column_name="unit_id", primary_key=True)
    sha256 = peewee.CharField(max_length=64)
    registered_by = peewee.CharField()
    registered_at = peewee.DateTimeField()


class Outgoing(_Frozen):
    """A unit's own document (发文) once submitted, to 核发."""

    id = peewee.CharField(primary_key=True)
    unit = peewee.ForeignKeyField(Unit, column_name="unit_id")
    drafter = peewee.ForeignKeyField(User, column_name="drafter_id")
    doc_type = peewee.CharField()
    title = peewee.CharField(max_length=500)
    main_recipients = peewee.TextField()  # [{"name", "unit_ids"}]
    cc = peewee.TextField()
    classification = peewee.CharField(default="none")
    urgency = peewee.CharField(default="normal")
    notes = peewee.TextField(default="")
    attachments = peewee.TextField()
    signatory_id = peewee.CharField()
    reviewer_id = peewee.CharField(null=True)
    countersigner_ids = peewee.TextField()
    series = peewee.CharField()
    status = peewee.CharField(index=True)
    current_version = peewee.IntegerField(default=1)
    body_sha256 = peewee.CharField(max_length=64)
    digest = peewee.CharField(max_length=64)
    created_at = peewee.DateTimeField()
    doc_number = peewee.CharField(null=True)
    number_year = peewee.IntegerField(null=True)  # the series the number was taken from
    number = peewee.IntegerField(null=True)
    issued_on = peewee.CharField(null=True)
    signed_by = peewee.CharField(null=True)
    sealed_by = peewee.CharField(null=True)
    sealed_at = peewee.DateTimeField(null=True)
    issued_by = peewee.CharField(null=True)
    issued_at = peewee.DateTimeField(null=True)
    issued_body = peewee.TextField(null=True)
    cancelled_reason = peewee.TextField(null=True)
    in_reply_to = peewee.CharField(null=True)  # a 批复's 收文 document id
    replies = peewee.TextField()  # a 请示's 批复 delivery ids
    version = peewee.IntegerField(default=1)
    updated_at = peewee.DateTimeField()


class OutgoingVersion(_Frozen):
    id = peewee.CharField(primary_key=True)
    outgoing = peewee.ForeignKeyField(Outgoing, column_name="outgoing_id")
    number = peewee.IntegerField()
    body = peewee.TextField()
    body_sha256 = peewee.CharField(max_length=64)
    digest = peewee.CharField(max_length=64)  # of the outgoing's metadata with this body
    author_id = peewee.CharField()
    created_at = peewee.DateTimeField()
    note = peewee.TextField(default="")
    version = peewee.IntegerField(default=1)
    updated_at = peewee.DateTimeField()

    class Meta:
        indexes = ((("outgoing_id", "number"), True),)


class OutgoingStep(_Frozen):
    id = peewee.CharField(primary_key=True)
    outgoing = peewee.ForeignKeyField(Outgoing, column_name="outgoing_id")
    kind = peewee.CharField()
    assignee = peewee.ForeignKeyField(User, column_name="assignee_id")
    status = peewee.CharField(default="pending", index=True)
    created_at = peewee.DateTimeField()
    due_at = peewee.DateTimeField(null=True)
    decision = peewee.CharField(null=True)
    text = peewee.TextField(default="")
    version_number = peewee.IntegerField(null=True)
    outgoing_digest = peewee.CharField(null=True)
    handwriting_sha256 = peewee.CharField(null=True)
    signed_at = peewee.CharField(null=True)  # RFC 3339 exactly as signed
    signature = peewee.TextField(null=True)
    completed_at = peewee.DateTimeField(null=True)
    version = peewee.IntegerField(default=1)
    updated_at = peewee.DateTimeField()


class Delivery(_Frozen):
    """One recipient unit's copy in the exchange (公文交换) and its 回执."""

    id = peewee.CharField(primary_key=True)
    outgoing_id = peewee.CharField(null=True, index=True)
    send_id = peewee.CharField(null=True)  # exchange.send's id (an outside body's sending)
    sender_id = peewee.CharField()  # the clerk who issued it, or the exchange account
    sender_unit = peewee.ForeignKeyField(Unit, column_name="sender_unit_id")
    recipient_unit = peewee.ForeignKeyField(Unit, column_name="recipient_unit_id")
    role = peewee.CharField(default="main")
    status = peewee.CharField(default="pending", index=True)
    sent_at = peewee.DateTimeField()
    due_at = peewee.DateTimeField(null=True)
    document = peewee.TextField()
    received_by = peewee.CharField(null=True)
    received_at = peewee.DateTimeField(null=True)
    document_id = peewee.CharField(null=True)
    refused_by = peewee.CharField(null=True)
    refused_at = peewee.DateTimeField(null=True)
    reason = peewee.TextField(null=True)
    in_reply_to = peewee.CharField(null=True)
    version = peewee.IntegerField(default=1)
    updated_at = peewee.DateTimeField()

    class Meta:
        indexes = ((("recipient_unit_id", "status"), False),
                   (("sender_id", "send_id"), False))


class DocSeries(_Frozen):
    """A unit's 发文字号 sequence of one year; `gaps` records cancelled numbers."""

    id = peewee.CharField(primary_key=True)
    unit = peewee.ForeignKeyField(Unit, column_name="unit_id")
    prefix = peewee.CharField()
    year = peewee.IntegerField()
    last_number = peewee.IntegerField(default=0)
    gaps = peewee.TextField()
    version = peewee.IntegerField(default=1)
    updated_at = peewee.DateTimeField()

    class Meta:
        indexes = ((("unit_id", "prefix", "year"), True),)


class Reminder(_Frozen):
    """催办 of a pending task or outgoing step."""

    id = peewee.CharField(primary_key=True)
    task_id = peewee.CharField(null=True)
    step_id = peewee.CharField(null=True)
    document_id = peewee.CharField(null=True)
    outgoing_id = peewee.CharField(null=True)
    from_id = peewee.CharField()
    to_id = peewee.CharField()
    text = peewee.TextField(default="")
    at = peewee.DateTimeField()
    version = peewee.IntegerField(default=1)
    updated_at = peewee.DateTimeField()


TABLES = [UnitSeries, UnitSeal, Outgoing, OutgoingVersion, OutgoingStep, Delivery, DocSeries,
          Reminder]


def apply(db: peewee.Database, migrator: SchemaMigrator) -> None:
    with db.bind_ctx(TABLES + [Unit, User]):
        db.create_tables(TABLES)
    migrate(
        migrator.add_column("document", "delivery_id", peewee.CharField(null=True)),
        migrator.add_column("task", "reason", peewee.TextField(null=True)),
    )
