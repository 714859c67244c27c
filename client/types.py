"""Values that cross layers (cache → services → UI/sync): typed ids and dataclasses.

Plain data only: no peewee rows and no Qt objects leave the services.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, NewType

from client.changes import NO_CHANGES, Changes

UserId = NewType("UserId", str)
UnitId = NewType("UnitId", str)
DocumentId = NewType("DocumentId", str)
TaskId = NewType("TaskId", str)
OpinionId = NewType("OpinionId", str)
NoticeId = NewType("NoticeId", str)
OpId = NewType("OpId", str)
Sha256 = NewType("Sha256", str)
KeyId = NewType("KeyId", str)

# An opaque keyset position: the sort values of the last row seen. Pass it back as
# `after=` to get the rows that follow it.
SortKey = tuple[Any, ...]


class InboxView(StrEnum):
    TODO = "todo"            # 待办: my pending tasks
    DONE = "done"            # 已办: tasks I completed (also those not yet synced)
    RECEIVED = "received"    # 收文: every document I may see
    CIRCULATE = "circulate"  # 传阅: my read (阅知) tasks


class InboxSort(StrEnum):
    RECEIVED = "received"    # newest first (default)
    URGENCY = "urgency"      # 特急, 加急, then normal; newest first within
    DUE = "due"              # earliest due first; no due date last
    DOC_NUMBER = "doc_number"


class Verdict(StrEnum):
    VALID = "valid"
    INVALID = "invalid"
    UNKNOWN_KEY = "unknown_key"
    # The signing key was revoked before the opinion's signed_at.
    REVOKED_AFTER = "revoked_after"


class OpState(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    DONE = "done"
    CONFLICT = "conflict"
    REJECTED = "rejected"
    SET_ASIDE = "set_aside"


@dataclass(frozen=True)
class InboxFilters:
    urgency: tuple[str, ...] = ()
    doc_type: tuple[str, ...] = ()
    issuer: str | None = None
    received_from: datetime | None = None  # inclusive
    received_to: datetime | None = None    # exclusive
    unread_only: bool = False
    text: str = ""


@dataclass(frozen=True)
class InboxRow:
    document_id: DocumentId
    task_id: TaskId | None
    title: str
    doc_number: str
    issuer: str
    doc_type: str
    urgency: str
    status: str
    received_at: datetime | None
    due_at: datetime | None
    is_read: bool
    task_kind: str | None
    task_status: str | None
    local_state: str  # "" | "pending_sync" | "conflict" | "rejected"
    sort_key: SortKey
    # 已办: every step of mine on the document, in workflow order (one row per document).
    task_kinds: tuple[str, ...] = ()


@dataclass(frozen=True)
class InboxPage:
    rows: list[InboxRow]
    # Pass as `after=` for the next page; None when this page is the last.
    next_after: SortKey | None


@dataclass(frozen=True)
class BadgeCounts:
    todo: int
    todo_very_urgent: int
    done: int
    received_unread: int
    circulate: int
    notices_unread: int
    problems: int


@dataclass(frozen=True)
class Attachment:
    name: str
    sha256: Sha256
    media_type: str
    size: int
    available: bool  # present in the local blob store


@dataclass(frozen=True)
class TaskInfo:
    id: TaskId
    document_id: DocumentId
    assignee_id: UserId
    assignee_name: str
    kind: str
    status: str
    due_at: datetime | None
    created_by: UserId | None
    local_state: str


@dataclass(frozen=True)
class OpinionView:
    id: str  # platform opinion id, or "local:<op_id>" for one not yet synced
    task_id: TaskId
    document_id: DocumentId
    author_id: UserId
    author_name: str
    author_title: str
    decision: str
    text: str
    handwriting_sha256: Sha256 | None
    forward_to: list[UserId]
    forward_to_names: list[str]
    signed_at: str
    signature: dict[str, Any] | None
    local_state: str  # "" for synced; "pending_sync" | "conflict" | "rejected"
    verdict: Verdict | None = None
    recalled: bool = False  # 撤回 by its author: kept in the record, no longer in force
    # When the platform accepted it, by its verified receipt (None: no receipt, or not
    # checked); shown beside the signer's own `signed_at`, which is their claim.
    accepted_at: str | None = None


@dataclass(frozen=True)
class ReceiptInfo:
    user_id: UserId
    user_name: str
    kind: str
    at: datetime | None  # the user's claim (read offline: when they read it)
    accepted_at: datetime | None = None  # when the platform received it (its receipt)


@dataclass(frozen=True)
class DocumentDetail:
    id: DocumentId
    doc_number: str
    issuer: str
    doc_type: str
    title: str
    classification: str
    urgency: str
    signatory: str
    main_recipients: list[str]
    cc: list[str]
    issued_on: str
    notes: str
    received_at: datetime | None
    registration_number: str
    status: str
    digest: str
    local_digest: str  # recomputed from what the cache holds
    body: Attachment | None
    attachments: list[Attachment]
    tasks: list[TaskInfo]
    opinions: list[OpinionView]
    receipts: list[ReceiptInfo]
    is_read: bool
    data: dict[str, Any] = field(repr=False, default_factory=dict)


@dataclass(frozen=True)
class SignoffResult:
    op_id: OpId
    task_id: TaskId
    document_id: DocumentId
    signed_at: str
    signature: dict[str, Any]
    handwriting_sha256: Sha256 | None
    changes: Changes = NO_CHANGES


class RecallStage(StrEnum):
    """Where the user's most recent sign-off on a document stands, for 撤回."""

    QUEUED = "queued"        # never sent: a recall withdraws it here
    SIGNED = "signed"        # sent or applied: a recall asks the platform (task.recall)
    REQUESTED = "requested"  # a task.recall is waiting to be sent or answered
    REFUSED = "refused"      # the platform refused the recall (`reason`); it stays signed


@dataclass(frozen=True)
class RecallInfo:
    """The user's most recent sign-off on a document and whether 撤回 is possible, as
    far as this PC knows (protocol.workflow_rules.check_recall on the local cache; the
    platform decides once it is sent)."""

    signoff_op_id: OpId
    task_id: TaskId
    document_id: DocumentId
    decision: str
    stage: RecallStage
    allowed: bool
    reason: str | None = None  # error code: why not allowed, or why the platform refused


@dataclass(frozen=True)
class RecallOutcome:
    withdrawn: bool              # True: taken out of the queue here; False: task.recall queued
    op_id: OpId | None           # the task.recall op, when one was queued
    task_id: TaskId
    document_id: DocumentId
    changes: Changes = NO_CHANGES


@dataclass(frozen=True)
class Draft:
    task_id: TaskId
    decision: str | None
    text: str
    forward_to: list[UserId]
    updated_at: datetime


@dataclass(frozen=True)
class NoticeRow:
    id: NoticeId
    title: str
    publisher_id: UserId
    publisher_name: str
    urgent: bool
    requires_ack: bool
    published_at: datetime | None
    expires_at: datetime | None
    is_read: bool
    acked: bool
    local_state: str  # "" | "pending_sync" for acks/publications not yet synced


@dataclass(frozen=True)
class NoticeDetail:
    row: NoticeRow
    body: str
    audience_unit_ids: list[UnitId]
    attachments: list[Attachment]


@dataclass(frozen=True)
class NoticeDraftInfo:
    client_ref: str
    title: str
    body: str
    audience_unit_ids: list[UnitId]
    requires_ack: bool
    urgent: bool
    expires_at: str | None
    attachments: list[dict[str, Any]]
    state: str  # draft | queued | published | conflict | rejected
    op_id: OpId | None


@dataclass(frozen=True)
class ReceiptStatus:
    """Who of a notice's audience has read / acknowledged it (publisher's view)."""

    notice_id: NoticeId
    read: list[ReceiptInfo]
    acked: list[ReceiptInfo]
    audience_users: int
    missing: list[UserId]
    units: dict[UserId, str] = field(default_factory=dict)  # each person's unit name


@dataclass(frozen=True)
class Phrase:
    id: int
    text: str
    position: int


@dataclass(frozen=True)
class UnitNode:
    id: UnitId
    name: str
    kind: str
    parent_id: UnitId | None
    children: list[UnitNode]


@dataclass(frozen=True)
class Person:
    id: UserId
    username: str
    display_name: str
    unit_id: UnitId
    unit_name: str
    title: str
    roles: list[str]


@dataclass(frozen=True)
class OutboxItem:
    op_id: OpId
    type: str
    data: dict[str, Any]
    state: OpState
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None
    result_code: str | None
    result_detail: str | None
    local_ref: str | None
    blobs_first: list[Sha256]  # blobs the platform must hold before this op is sent
    # A refusal's context from the platform: who, when, who holds the step now
    # (protocol.wire.notes.ConflictContext); None when it said nothing more.
    result_context: dict[str, Any] | None = None


@dataclass(frozen=True)
class OutboxCounts:
    queued: int
    sent: int
    conflict: int
    rejected: int
    set_aside: int

    @property
    def unsent(self) -> int:
        return self.queued + self.sent + self.set_aside

    @property
    def problems(self) -> int:
        return self.conflict + self.rejected + self.set_aside


@dataclass(frozen=True)
class ApplySummary:
    upserted: dict[str, int]
    deleted: dict[str, int]
    skipped_older: int
    refused_classified: list[str]
    new_very_urgent: list[DocumentId]
    urgent_notices: list[NoticeId]
    cursor: str
    changes: Changes = NO_CHANGES

    @property
    def changed(self) -> int:
        return sum(self.upserted.values()) + sum(self.deleted.values())


@dataclass(frozen=True)
class SyncStatus:
    cursor: str | None
    instance_id: str | None
    user_id: UserId | None
    last_success_at: datetime | None
    last_error: str | None
    generation: int
    resync_in_progress: bool


@dataclass(frozen=True)
class SearchHit:
    kind: str  # "document" | "notice"
    id: str
    title: str
    snippet: str
    rank: float


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    user_id: str
    action: str
    object: str
    detail: dict[str, Any]
