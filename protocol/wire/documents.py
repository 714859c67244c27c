"""Incoming documents and their routing: `document`, `task`, `opinion` (PROTOCOL "Objects")."""

# No `from __future__ import annotations`: TypedDict reads NotRequired at class creation.
from typing import Any, Literal, NotRequired

from pydantic import with_config

from protocol.wire.common import (
    OBJECT_CONFIG,
    Attachment,
    BlobRef,
    NonEmptyStr,
    Rfc3339,
    Sha256Hex,
    Signature,
    SyncedObject,
)

Urgency = Literal["normal", "urgent", "very_urgent"]


@with_config(OBJECT_CONFIG)
class Document(SyncedObject):
    """An official document with the GB/T 9704 elements, its blobs and its `digest`.

    `classification` travels as the platform holds it; the client refuses to store
    anything but `none` and `internal`.
    """

    doc_number: str
    issuer: str
    doc_type: str
    title: str
    classification: NonEmptyStr
    urgency: Urgency
    signatory: str | None
    main_recipients: list[Any] | None
    cc: list[Any] | None
    issued_on: str | None
    notes: str | None
    received_at: Rfc3339
    body: BlobRef | None
    attachments: list[Attachment]
    status: NonEmptyStr
    digest: str
    registration_number: NotRequired[str | None]
    unit_id: NotRequired[str | None]


@with_config(OBJECT_CONFIG)
class Task(SyncedObject):
    """One routing step: `kind` (propose, instruct, handle, read, countersign) and `status`
    (pending, done, returned, cancelled)."""

    document_id: NonEmptyStr
    assignee_id: NonEmptyStr
    kind: NonEmptyStr
    status: NonEmptyStr
    due_at: Rfc3339 | None
    created_by: NotRequired[str | None]
    # Extra: the opinion whose sign-off created the task (what its 撤回 cancels).
    origin_opinion_id: NotRequired[str | None]


@with_config(OBJECT_CONFIG)
class Opinion(SyncedObject):
    """The append-only record of a completed task, with its signature."""

    task_id: NonEmptyStr
    document_id: NonEmptyStr
    author_id: NonEmptyStr
    decision: NonEmptyStr
    text: str
    forward_to: list[str]
    signed_at: str
    signature: Signature | None
    handwriting: NotRequired[BlobRef | None]
    handwriting_sha256: NotRequired[Sha256Hex | None]
    # Extras of 撤回 (task.recall): the op that recorded it, and when its author recalled it.
    op_id: NotRequired[str | None]
    recalled_at: NotRequired[Rfc3339 | None]
    # The platform's receipt of acceptance (protocol/platform_receipt.py); absent from
    # platforms older than it and on opinions accepted before it.
    accepted_at: NotRequired[Rfc3339 | None]
    platform_receipt: NotRequired[Signature | None]
