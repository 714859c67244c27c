"""Push (`POST /ops`): the op envelope, each op type's data, and the per-op results."""

from __future__ import annotations

from typing import Any, Final

from pydantic import Field

from protocol import ops
from protocol.ops import OpStatus
from protocol.wire.common import (
    Attachment,
    NonEmptyStr,
    RequestModel,
    Rfc3339,
    Sha256Hex,
    Signature,
    WireModel,
)

MAX_OPS_PER_REQUEST: Final = 100


class Op(RequestModel):
    """One operation: `op_id` (the client's idempotency key), `type`, `data`."""

    op_id: str = Field(min_length=1, max_length=100)
    type: str = Field(min_length=1, max_length=100)
    data: dict[str, Any]


class OpsRequest(RequestModel):
    ops: list[Op] = Field(min_length=1, max_length=MAX_OPS_PER_REQUEST)


class OpResult(WireModel):
    """The outcome of one op; `duplicate` replays the first result (its `original_status`)."""

    op_id: str
    status: OpStatus
    code: str | None = None
    detail: str | None = None
    seq: int | None = None
    original_status: str | None = None


class OpsResponse(WireModel):
    results: list[OpResult]


# --- each op type's data ------------------------------------------------------------------
# Defined here for both sides; the platform's handlers still parse op data by hand.


class TaskCompleteData(WireModel):
    """`task.complete`: a signed sign-off (the signed fields: PROTOCOL "Signatures")."""

    task_id: NonEmptyStr
    decision: NonEmptyStr
    text: str = ""
    handwriting_sha256: Sha256Hex | None = None
    forward_to: list[str] = []
    signed_at: Rfc3339
    signature: Signature
    # Extras: lets the platform tell a changed document from a bad signature, and the
    # unsigned routing of 传阅 / 会签.
    document_digest: Sha256Hex | None = None
    circulate_to: list[str] = []
    countersign_to: list[str] = []


class DocumentMarkReadData(WireModel):
    document_id: NonEmptyStr
    at: Rfc3339


class NoticeAckData(WireModel):
    notice_id: NonEmptyStr
    at: Rfc3339


class NoticeMarkReadData(WireModel):
    notice_id: NonEmptyStr
    at: Rfc3339


class NoticePublishData(WireModel):
    client_ref: NonEmptyStr
    title: NonEmptyStr
    body: str
    audience_unit_ids: list[str]
    requires_ack: bool = False
    urgent: bool = False
    expires_at: Rfc3339 | None = None
    attachments: list[Attachment] = []


class KeyRegisterData(WireModel):
    key_id: NonEmptyStr
    algorithm: NonEmptyStr
    public_key: NonEmptyStr


class KeyRevokeData(WireModel):
    key_id: NonEmptyStr


OP_DATA: Final[dict[str, type[WireModel]]] = {
    ops.TASK_COMPLETE: TaskCompleteData,
    ops.DOCUMENT_MARK_READ: DocumentMarkReadData,
    ops.NOTICE_ACK: NoticeAckData,
    ops.NOTICE_MARK_READ: NoticeMarkReadData,
    ops.NOTICE_PUBLISH: NoticePublishData,
    ops.KEY_REGISTER: KeyRegisterData,
    ops.KEY_REVOKE: KeyRevokeData,
}
