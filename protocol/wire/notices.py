"""通知公告 and receipts: `notice`, `receipt` (PROTOCOL "Objects")."""

# No `from __future__ import annotations`: TypedDict reads NotRequired at class creation.
from typing import Annotated, NotRequired

from pydantic import AfterValidator, with_config

from protocol.wire.common import (
    OBJECT_CONFIG,
    Attachment,
    NonEmptyStr,
    Rfc3339,
    Signature,
    SyncedObject,
)


@with_config(OBJECT_CONFIG)
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
    client_ref: NotRequired[str | None]


@with_config(OBJECT_CONFIG)
class ReceiptFields(SyncedObject):
    """A `read` or `ack` of a notice or a document by `user_id`."""

    notice_id: str | None
    document_id: str | None
    user_id: NonEmptyStr
    kind: NonEmptyStr
    at: Rfc3339  # the user's claim, held between publication and acceptance
    accepted_at: NotRequired[Rfc3339 | None]  # the platform's (protocol/platform_receipt.py)
    platform_receipt: NotRequired[Signature | None]


def _names_something(receipt: ReceiptFields) -> ReceiptFields:
    if receipt["notice_id"] is None and receipt["document_id"] is None:
        raise ValueError("receipt names neither a notice nor a document")
    return receipt


Receipt = Annotated[ReceiptFields, AfterValidator(_names_something)]
