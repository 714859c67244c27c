"""One owner per op type the client sends (the client's side of server.ops.register_op).

`OWNERS[op_type]` knows how its op is queued, its local effect, and what the platform's
answer does (client.services.outbox.record_results dispatches to it). Services queue
ops only through an owner. `NOT_SENT` lists the protocol's op types this client never
queues, and why.
"""

from __future__ import annotations

from typing import Final

from client.services.op_owners import (
    clerk,
    delivery,
    document_mark_read,
    keys,
    note_send,
    notice_ack,
    notice_publish,
    outgoing,
    task_complete,
    task_recall,
)
from client.services.op_owners.base import OpOwner
from protocol import ops

TASK_COMPLETE: Final = task_complete.OWNER
TASK_RECALL: Final = task_recall.OWNER
DOCUMENT_MARK_READ: Final = document_mark_read.OWNER
NOTICE_ACK: Final = notice_ack.OWNER
NOTICE_PUBLISH: Final = notice_publish.OWNER
KEY_REGISTER: Final = keys.REGISTER
KEY_REVOKE: Final = keys.REVOKE
# 公文交换 and the clerk's desk (client.services.exchange, client.services.clerk_desk).
DELIVERY_RECEIVE: Final = delivery.RECEIVE
DELIVERY_REFUSE: Final = delivery.REFUSE
DOCUMENT_REGISTER: Final = clerk.REGISTER
DOCUMENT_ROUTE: Final = clerk.ROUTE
TASK_CANCEL: Final = clerk.CANCEL
TASK_REROUTE: Final = clerk.REROUTE
TASK_REMIND: Final = clerk.REMIND
DOCUMENT_COMPLETE: Final = clerk.COMPLETE
DOCUMENT_ARCHIVE: Final = clerk.ARCHIVE
_EXCHANGE_OWNERS: Final = (DELIVERY_RECEIVE, DELIVERY_REFUSE, DOCUMENT_REGISTER, DOCUMENT_ROUTE,
                           TASK_CANCEL, TASK_REROUTE, TASK_REMIND, DOCUMENT_COMPLETE,
                           DOCUMENT_ARCHIVE)

NOTE_SEND: Final = note_send.OWNER  # 留言 (client.services.notes)

OUTGOING_SUBMIT: Final = outgoing.SUBMIT
OUTGOING_STEP: Final = outgoing.STEP

OWNERS: Final[dict[str, OpOwner]] = {o.op_type: o for o in (
    TASK_COMPLETE, TASK_RECALL, DOCUMENT_MARK_READ, NOTICE_ACK, NOTICE_PUBLISH, KEY_REGISTER,
    KEY_REVOKE, OUTGOING_SUBMIT, OUTGOING_STEP, *outgoing.CLERK.values(), *_EXCHANGE_OWNERS,
    NOTE_SEND)}

NOT_SENT: Final[dict[str, str]] = {
    ops.NOTICE_MARK_READ: "reading a notice stays local; only 确认收到 (notice.ack) is sent",
    # Issue 11 (发文 and 公文交换): the protocol defines them; this client does not send them
    # yet. Each entry leaves this table when its owner lands.
    **{op_type: "发文 / 公文交换: not yet sent by this client" for op_type in ops.OUTGOING_OP_TYPES
       if op_type not in (ops.OUTGOING_SUBMIT, ops.OUTGOING_STEP, ops.OUTGOING_NUMBER,
                          ops.OUTGOING_SEAL, ops.OUTGOING_ISSUE, ops.OUTGOING_CANCEL)
       and op_type not in {o.op_type for o in _EXCHANGE_OWNERS}},
}


def owner_for(op_type: str) -> OpOwner:
    """The owner of `op_type`; an op of a type no owner knows is settled like any other."""
    return OWNERS.get(op_type) or _DEFAULT


_DEFAULT = OpOwner()
