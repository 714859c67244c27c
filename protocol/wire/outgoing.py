"""发文 and 公文交换 objects and the data of their ops (docs/protocol.md "Outgoing documents").

Objects: `outgoing` (a unit's own document from 核稿 to 核发), `outgoing_version` (one
version of its body, with its hash), `outgoing_step` (one step of its route, with the
signed opinion once done), `delivery` (one recipient unit's copy in the exchange, with
its 签收 or 拒收: the 回执), `doc_series` (a unit's 发文字号 sequence for one year, with
its recorded gaps) and `reminder` (催办).
"""

# No `from __future__ import annotations`: TypedDict reads NotRequired at class creation.
from typing import Any, Literal, NotRequired

from pydantic import Field, with_config
from typing_extensions import TypedDict

from protocol.outgoing_rules import (
    MAX_COUNTERSIGNERS,
    MAX_NOTES,
    MAX_REASON,
    MAX_RECIPIENT_UNITS,
    MAX_TITLE,
)
from protocol.wire.common import (
    OBJECT_CONFIG,
    Attachment,
    BlobRef,
    NonEmptyStr,
    Rfc3339,
    Signature,
    SyncedObject,
    WireModel,
)
from protocol.wire.documents import Urgency


@with_config(OBJECT_CONFIG)
class RecipientGroup(TypedDict):
    """One entry of 主送 or 抄送 as printed (`name`: 各镇人民政府, or one unit's name) and
    the units it stands for, each of which gets a delivery."""

    name: NonEmptyStr
    unit_ids: list[str]


@with_config(OBJECT_CONFIG)
class Outgoing(SyncedObject):
    """A unit's own document (发文) once submitted: metadata, route, status, number, seal.

    `digest` is the digest of the current version (protocol.canonical.outgoing_digest);
    `doc_number`, `issued_on`, the seal and `issued_body` (the GB/T 9704 PDF) arrive with
    the clerk's steps. `in_reply_to` links a 批复 to the 收文 it answers (and, at the
    other end, a 请示 to the 批复s that answer it: `replies`)."""

    unit_id: NonEmptyStr
    drafter_id: NonEmptyStr
    doc_type: NonEmptyStr
    title: NonEmptyStr
    main_recipients: list[RecipientGroup]
    cc: list[RecipientGroup]
    classification: NonEmptyStr
    urgency: Urgency
    notes: str
    attachments: list[Attachment]
    signatory_id: NonEmptyStr            # the leader who signs it for issue (签发人)
    reviewer_id: str | None              # 核稿 (办公室主任); None: straight to 会签/签发
    countersigner_ids: list[str]         # 会签, in parallel
    series: NonEmptyStr                  # 发文字号 prefix asked for, e.g. 富政发
    status: NonEmptyStr                  # protocol.outgoing_rules.STATUSES
    current_version: int
    body_sha256: NonEmptyStr
    digest: NonEmptyStr
    created_at: Rfc3339
    doc_number: str | None
    issued_on: str | None                # 成文日期 (ISO date of the 签发)
    signed_by: str | None
    numbered_by: NotRequired[str | None]          # 编号 (absent from older platforms)
    numbered_at: NotRequired[Rfc3339 | None]
    sealed_by: str | None
    sealed_at: Rfc3339 | None
    issued_by: str | None
    issued_at: Rfc3339 | None
    issued_body: BlobRef | None
    cancelled_reason: NotRequired[str | None]
    in_reply_to: NotRequired[str | None]          # document id (收文) a 批复 answers
    replies: NotRequired[list[str]]               # delivery ids of 批复s to this 请示


@with_config(OBJECT_CONFIG)
class BodyBlock(TypedDict):
    """One block of a body: a paragraph (`p`) or a heading level (`h1`..`h4`)."""

    kind: NonEmptyStr
    text: str


@with_config(OBJECT_CONFIG)
class Body(TypedDict):
    """A 发文 body (protocol.docbody): `{"v": 1, "blocks": [...]}`."""

    v: int
    blocks: list[BodyBlock]


@with_config(OBJECT_CONFIG)
class OutgoingVersion(SyncedObject):
    """One version of an outgoing document's body. Versions are never changed."""

    outgoing_id: NonEmptyStr
    number: int
    body: Body                           # protocol.docbody
    body_sha256: NonEmptyStr
    author_id: NonEmptyStr
    created_at: Rfc3339
    note: str                            # 修改说明


@with_config(OBJECT_CONFIG)
class OutgoingStep(SyncedObject):
    """One step of an outgoing route: 核稿, 会签, 签发 or the drafter's 修改; once done it
    carries the (signed) opinion on the version it saw."""

    outgoing_id: NonEmptyStr
    kind: NonEmptyStr                    # protocol.outgoing_rules.STEP_KINDS
    assignee_id: NonEmptyStr
    status: NonEmptyStr                  # pending, done, returned, cancelled
    created_at: Rfc3339
    due_at: Rfc3339 | None
    decision: str | None
    text: str
    version_number: int | None           # the version acted on (or produced)
    outgoing_digest: str | None
    handwriting: BlobRef | None
    signed_at: str | None
    signature: Signature | None
    accepted_at: NotRequired[Rfc3339 | None]  # the platform's (protocol/platform_receipt.py)
    platform_receipt: NotRequired[Signature | None]
    completed_at: Rfc3339 | None


@with_config(OBJECT_CONFIG)
class DeliveredDocument(TypedDict):
    """What a delivery carries: the issued document's GB/T 9704 elements and files."""

    doc_number: str
    issuer: str
    doc_type: str
    title: str
    classification: str
    urgency: Urgency
    signatory: str | None
    main_recipients: list[Any]
    cc: list[Any]
    issued_on: str | None
    notes: str | None
    body: BlobRef | None
    attachments: list[Attachment]
    digest: str


@with_config(OBJECT_CONFIG)
class Delivery(SyncedObject):
    """One recipient unit's copy in the exchange (公文交换), and its 回执."""

    outgoing_id: str | None              # None: sent by an exchange account (上级来文)
    sender_unit_id: NonEmptyStr
    recipient_unit_id: NonEmptyStr
    role: Literal["main", "cc"]
    status: NonEmptyStr                  # pending (未签收), received (已签收), refused (已退回)
    sent_at: Rfc3339
    due_at: Rfc3339 | None               # 签收 is overdue after this
    document: DeliveredDocument
    received_by: str | None
    received_at: Rfc3339 | None
    document_id: str | None              # the 收文 made at 签收
    refused_by: str | None
    refused_at: Rfc3339 | None
    reason: str | None
    in_reply_to: NotRequired[str | None]  # the recipient's own outgoing id this answers


@with_config(OBJECT_CONFIG)
class NumberGap(TypedDict):
    number: int
    reason: str
    by: str
    at: Rfc3339


@with_config(OBJECT_CONFIG)
class DocSeries(SyncedObject):
    """A unit's 发文字号 sequence (`prefix`, `year`): the last number given, and its gaps."""

    unit_id: NonEmptyStr
    prefix: NonEmptyStr
    year: int
    last_number: int
    gaps: list[NumberGap]


@with_config(OBJECT_CONFIG)
class Reminder(SyncedObject):
    """催办: a clerk's reminder on an overdue task or step, for its assignee."""

    task_id: str | None
    step_id: str | None
    document_id: str | None
    outgoing_id: str | None
    from_id: NonEmptyStr
    to_id: NonEmptyStr
    text: str
    at: Rfc3339


# --- op data -----------------------------------------------------------------------------

Recipients = list[RecipientGroup]


class OutgoingSubmitData(WireModel):
    """`outgoing.submit`: the drafter submits a draft (its id made by the client)."""

    outgoing_id: str = Field(min_length=1, max_length=100)
    doc_type: str = Field(min_length=1, max_length=10)
    title: str = Field(min_length=1, max_length=MAX_TITLE)
    main_recipients: Recipients = Field(max_length=MAX_RECIPIENT_UNITS)
    cc: Recipients = Field(default_factory=list, max_length=MAX_RECIPIENT_UNITS)
    classification: str = Field("none", max_length=20)
    urgency: Urgency = "normal"
    notes: str = Field("", max_length=MAX_NOTES)
    attachments: list[Attachment] = Field(default_factory=list, max_length=50)
    signatory_id: str = Field(min_length=1, max_length=100)
    reviewer_id: str | None = Field(None, max_length=100)
    countersigner_ids: list[str] = Field(default_factory=list, max_length=MAX_COUNTERSIGNERS)
    series: str = Field(min_length=1, max_length=40)
    body: dict[str, Any]
    body_sha256: str = Field(min_length=64, max_length=64)
    in_reply_to: str | None = Field(None, max_length=100)


class OutgoingStepData(WireModel):
    """`outgoing.step`: complete a step (核稿, 会签, 签发 signed; 修改 resubmits).

    A review or a revision may carry a new body (and the revision new metadata): it
    becomes the next version, and `outgoing_digest` is that version's digest."""

    step_id: str = Field(min_length=1, max_length=100)
    decision: str = Field(min_length=1, max_length=32)
    text: str = Field("", max_length=4000)
    body: dict[str, Any] | None = None
    body_sha256: str | None = Field(None, max_length=64)
    version_note: str = Field("", max_length=MAX_NOTES)
    outgoing_digest: str | None = Field(None, max_length=64)
    handwriting_sha256: str | None = Field(None, max_length=64)
    signed_at: str | None = Field(None, max_length=64)
    signature: Signature | None = None
    # A 修改 may change these too (the next version's metadata).
    title: str | None = Field(None, max_length=MAX_TITLE)
    main_recipients: Recipients | None = Field(None, max_length=MAX_RECIPIENT_UNITS)
    cc: Recipients | None = Field(None, max_length=MAX_RECIPIENT_UNITS)
    notes: str | None = Field(None, max_length=MAX_NOTES)
    attachments: list[Attachment] | None = Field(None, max_length=50)


class OutgoingNumberData(WireModel):
    """`outgoing.number` (复核/编号): the platform gives the next number of the series."""

    outgoing_id: str = Field(min_length=1, max_length=100)
    series: str | None = Field(None, max_length=40)


class OutgoingSealData(WireModel):
    outgoing_id: str = Field(min_length=1, max_length=100)


class OutgoingIssueData(WireModel):
    """`outgoing.issue` (核发): the PDF is laid out and every recipient unit gets a delivery."""

    outgoing_id: str = Field(min_length=1, max_length=100)


class OutgoingCancelData(WireModel):
    outgoing_id: str = Field(min_length=1, max_length=100)
    reason: str = Field(min_length=1, max_length=MAX_REASON)


class DeliveryReceiveData(WireModel):
    """`delivery.receive` (签收): makes the 收文 (with its 收文编号) at the recipient unit."""

    delivery_id: str = Field(min_length=1, max_length=100)
    at: Rfc3339


class DeliveryRefuseData(WireModel):
    """`delivery.refuse` (拒收/退回), with a reason."""

    delivery_id: str = Field(min_length=1, max_length=100)
    reason: str = Field(min_length=1, max_length=MAX_REASON)
    at: Rfc3339


class ExchangeSendData(WireModel):
    """`exchange.send`: an exchange account (an outside body: 省, 佳木斯市) sends an issued
    document to units; the body and attachments are uploaded blobs."""

    send_id: str = Field(min_length=1, max_length=100)
    document: DeliveredDocument
    main_unit_ids: list[str] = Field(min_length=1, max_length=MAX_RECIPIENT_UNITS)
    cc_unit_ids: list[str] = Field(default_factory=list, max_length=MAX_RECIPIENT_UNITS)


class RouteTask(WireModel):
    assignee_id: str = Field(min_length=1, max_length=100)
    kind: Literal["propose", "instruct", "handle", "read", "countersign"]
    due_at: Rfc3339 | None = None


class DocumentRouteData(WireModel):
    """`document.route` (登记 and 分办): the clerk corrects the registration and routes a
    received document that has no route yet: the first stage's tasks."""

    document_id: str = Field(min_length=1, max_length=100)
    tasks: list[RouteTask] = Field(min_length=1, max_length=200)
    title: str | None = Field(None, max_length=MAX_TITLE)
    doc_number: str | None = Field(None, max_length=100)
    urgency: Urgency | None = None
    notes: str | None = Field(None, max_length=MAX_NOTES)


class DocumentRegisterData(WireModel):
    """`document.register`: the clerk registers a paper document scanned to PDF (the GUI
    form of today's `register-document`); body and attachments are uploaded blobs."""

    document_id: str = Field(min_length=1, max_length=100)
    doc_number: str = Field(max_length=100)
    issuer: str = Field(min_length=1, max_length=200)
    doc_type: str = Field(min_length=1, max_length=10)
    title: str = Field(min_length=1, max_length=MAX_TITLE)
    classification: str = Field("none", max_length=20)
    urgency: Urgency = "normal"
    signatory: str | None = Field(None, max_length=100)
    issued_on: str | None = Field(None, max_length=20)
    notes: str = Field("", max_length=MAX_NOTES)
    body_sha256: str = Field(min_length=64, max_length=64)
    attachments: list[Attachment] = Field(default_factory=list, max_length=50)
    tasks: list[RouteTask] = Field(default_factory=list, max_length=200)


class TaskCancelData(WireModel):
    task_id: str = Field(min_length=1, max_length=100)
    reason: str = Field(min_length=1, max_length=MAX_REASON)


class TaskRerouteData(WireModel):
    task_id: str = Field(min_length=1, max_length=100)
    assignee_id: str = Field(min_length=1, max_length=100)
    reason: str = Field(min_length=1, max_length=MAX_REASON)


class TaskRemindData(WireModel):
    """`task.remind` (催办) on a pending task or outgoing step."""

    reminder_id: str = Field(min_length=1, max_length=100)
    task_id: str | None = Field(None, max_length=100)
    step_id: str | None = Field(None, max_length=100)
    text: str = Field("", max_length=MAX_REASON)


class DocumentCloseData(WireModel):
    """`document.complete` (办结) and `document.archive` (归档) by the unit's clerk."""

    document_id: str = Field(min_length=1, max_length=100)
