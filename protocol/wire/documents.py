"""Incoming documents and their routing: `document`, `task`, `opinion` (PROTOCOL "Objects")."""

from __future__ import annotations

from typing import Any, Literal

from protocol.wire.common import (
    Attachment,
    BlobRef,
    NonEmptyStr,
    Rfc3339,
    Sha256Hex,
    Signature,
    SyncedObject,
)

Urgency = Literal["normal", "urgent", "very_urgent"]


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
    registration_number: str | None = None
    unit_id: str | None = None


class Task(SyncedObject):
    """One routing step: `kind` (propose, instruct, handle, read, countersign) and `status`
    (pending, done, returned, cancelled)."""

    document_id: NonEmptyStr
    assignee_id: NonEmptyStr
    kind: NonEmptyStr
    status: NonEmptyStr
    due_at: Rfc3339 | None
    created_by: str | None = None


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
    handwriting: BlobRef | None = None
    handwriting_sha256: Sha256Hex | None = None
