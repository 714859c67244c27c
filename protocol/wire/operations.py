"""Push (`POST /ops`): the op envelope, each op type's data, and the per-op results."""

from __future__ import annotations

from typing import Annotated, Any, Final

from pydantic import Field, model_validator

from protocol import ops
from protocol.ops import OpStatus
from protocol.wire import outgoing
from protocol.wire.common import (
    Attachment,
    NonEmptyStr,
    RequestModel,
    Rfc3339,
    Signature,
    WireModel,
)
from protocol.wire.notes import ConflictContext, NoteSendData
from protocol.workflow_rules import MAX_OPINION_TEXT, MAX_RECIPIENTS

MAX_OPS_PER_REQUEST: Final = 100


# No op needs more nesting than this; deeper data would only exhaust the recursion of
# whoever walks it (issue 13, finding 16: 900 levels gave a 500).
MAX_DATA_DEPTH = 32


def data_depth(value: Any, limit: int = MAX_DATA_DEPTH) -> int:
    """Nesting depth of JSON data, counted without recursion; stops past `limit`."""
    deepest, todo = 0, [(value, 1)]
    while todo:
        item, depth = todo.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if deepest > limit:
                return deepest
            children = item.values() if isinstance(item, dict) else item
            todo.extend((child, depth + 1) for child in children)
    return deepest


class Op(RequestModel):
    """One operation: `op_id` (the client's idempotency key), `type`, `data`."""

    # No control characters: PostgreSQL text cannot hold NUL (a 500 before, issue 13).
    op_id: str = Field(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$")
    type: str = Field(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$")
    data: dict[str, Any]

    @model_validator(mode="before")
    @classmethod
    def _not_too_deep(cls, value: Any) -> Any:
        if isinstance(value, dict) and data_depth(value.get("data")) > MAX_DATA_DEPTH:
            raise ValueError(f"op data may nest at most {MAX_DATA_DEPTH} levels")
        return value


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
    # Conflicts and rejections: who, when, who holds the step now (protocol.wire.notes).
    context: ConflictContext | None = None


class OpsResponse(WireModel):
    results: list[OpResult]


# --- each op type's data ------------------------------------------------------------------
# Defined here for both sides; the platform validates task.complete with its model.


Recipients = Annotated[list[str] | None, Field(max_length=MAX_RECIPIENTS)]


class TaskCompleteData(WireModel):
    """`task.complete`: a signed sign-off (the signed fields: PROTOCOL "Signatures").

    The platform validates the op's data with this model (server.workflow.signoff)."""

    task_id: str = Field(max_length=200)
    decision: str = Field(max_length=32)
    text: str = Field("", max_length=MAX_OPINION_TEXT)
    # Checked against the blob store and the document, where the error says more.
    handwriting_sha256: str | None = Field(None, max_length=64)
    forward_to: Recipients = None
    signed_at: str = Field(max_length=64)
    signature: Signature
    # Extras: lets the platform tell a changed document from a bad signature, and the
    # unsigned routing of 传阅 / 会签.
    document_digest: str | None = Field(None, max_length=64)
    circulate_to: Recipients = None
    countersign_to: Recipients = None


class TaskRecallData(WireModel):
    """`task.recall` (撤回): take back one's own sign-off, named by the `op_id` of the
    `task.complete` that made it (the client always knows it, even before the pull has
    brought the opinion). `task_id` is that sign-off's task; both must match."""

    task_id: str = Field(min_length=1, max_length=200)
    op_id: str = Field(min_length=1, max_length=100)


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
    ops.TASK_RECALL: TaskRecallData,
    ops.DOCUMENT_MARK_READ: DocumentMarkReadData,
    ops.NOTICE_ACK: NoticeAckData,
    ops.NOTICE_MARK_READ: NoticeMarkReadData,
    ops.NOTICE_PUBLISH: NoticePublishData,
    ops.KEY_REGISTER: KeyRegisterData,
    ops.KEY_REVOKE: KeyRevokeData,
    ops.OUTGOING_SUBMIT: outgoing.OutgoingSubmitData,
    ops.OUTGOING_STEP: outgoing.OutgoingStepData,
    ops.OUTGOING_NUMBER: outgoing.OutgoingNumberData,
    ops.OUTGOING_SEAL: outgoing.OutgoingSealData,
    ops.OUTGOING_ISSUE: outgoing.OutgoingIssueData,
    ops.OUTGOING_CANCEL: outgoing.OutgoingCancelData,
    ops.DELIVERY_RECEIVE: outgoing.DeliveryReceiveData,
    ops.DELIVERY_REFUSE: outgoing.DeliveryRefuseData,
    ops.EXCHANGE_SEND: outgoing.ExchangeSendData,
    ops.DOCUMENT_REGISTER: outgoing.DocumentRegisterData,
    ops.DOCUMENT_ROUTE: outgoing.DocumentRouteData,
    ops.DOCUMENT_COMPLETE: outgoing.DocumentCloseData,
    ops.DOCUMENT_ARCHIVE: outgoing.DocumentCloseData,
    ops.TASK_CANCEL: outgoing.TaskCancelData,
    ops.TASK_REROUTE: outgoing.TaskRerouteData,
    ops.TASK_REMIND: outgoing.TaskRemindData,
    ops.NOTE_SEND: NoteSendData,
}
