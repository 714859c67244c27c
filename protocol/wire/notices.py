"""通知公告 and receipts: `notice`, `receipt` (PROTOCOL "Objects")."""

from __future__ import annotations

from typing import Self

from pydantic import model_validator

from protocol.wire.common import Attachment, NonEmptyStr, Rfc3339, SyncedObject


class Notice(SyncedObject):
    """A notice to the users of `audience_unit_ids`; `client_ref` names the publisher's draft."""

    title: str
    body: str
    publisher_id: str | None
    audience_unit_ids: list[str]
    requires_ack: bool
    urgent: bool
    published_at: Rfc3339
    expires_at: Rfc3339 | None
    attachments: list[Attachment]
    client_ref: str | None = None


class Receipt(SyncedObject):
    """A `read` or `ack` of a notice or a document by `user_id`."""

    notice_id: str | None
    document_id: str | None
    user_id: NonEmptyStr
    kind: NonEmptyStr
    at: Rfc3339

    @model_validator(mode="after")
    def _names_something(self) -> Self:
        if self.notice_id is None and self.document_id is None:
            raise ValueError("receipt names neither a notice nor a document")
        return self
