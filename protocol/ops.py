"""The op types of PROTOCOL v1 `/ops` (and the platform's documented extras).

The platform registers one handler per name (server.ops.register_op); the client has
one owner per name (client.services.outbox). Both take the names from here.
"""

from __future__ import annotations

from typing import Final, Literal

TASK_COMPLETE: Final = "task.complete"
TASK_RECALL: Final = "task.recall"             # extra: 撤回 one's own sign-off (docs/contracts.md)
DOCUMENT_MARK_READ: Final = "document.mark_read"
NOTICE_ACK: Final = "notice.ack"
NOTICE_MARK_READ: Final = "notice.mark_read"   # extra: a read receipt without an ack
NOTICE_PUBLISH: Final = "notice.publish"
KEY_REGISTER: Final = "key.register"
KEY_REVOKE: Final = "key.revoke"               # extra: a user revokes one of their keys


# 发文 and 公文交换 (docs/protocol.md "Outgoing documents"; data in protocol.wire.outgoing).
OUTGOING_SUBMIT: Final = "outgoing.submit"     # 拟稿 submitted for 核稿 / 会签 / 签发
OUTGOING_STEP: Final = "outgoing.step"         # 核稿, 会签, 签发 (signed) or 修改 (resubmit)
OUTGOING_NUMBER: Final = "outgoing.number"     # 复核 and 编号 (clerk)
OUTGOING_SEAL: Final = "outgoing.seal"         # 用印 (clerk)
OUTGOING_ISSUE: Final = "outgoing.issue"       # 印制 and 核发 (clerk)
OUTGOING_CANCEL: Final = "outgoing.cancel"
DELIVERY_RECEIVE: Final = "delivery.receive"   # 签收
DELIVERY_REFUSE: Final = "delivery.refuse"     # 拒收 / 退回, with a reason
EXCHANGE_SEND: Final = "exchange.send"         # an outside body's exchange account sends
DOCUMENT_REGISTER: Final = "document.register"  # 登记 of a scanned paper document
DOCUMENT_ROUTE: Final = "document.route"       # 登记 corrections and 分办 of a received one
DOCUMENT_COMPLETE: Final = "document.complete"  # 办结
DOCUMENT_ARCHIVE: Final = "document.archive"   # 归档
TASK_CANCEL: Final = "task.cancel"
TASK_REROUTE: Final = "task.reroute"
TASK_REMIND: Final = "task.remind"             # 催办

NOTE_SEND: Final = "note.send"                 # 留言 to someone on a document's route

OUTGOING_OP_TYPES: Final = (
    OUTGOING_SUBMIT, OUTGOING_STEP, OUTGOING_NUMBER, OUTGOING_SEAL, OUTGOING_ISSUE,
    OUTGOING_CANCEL, DELIVERY_RECEIVE, DELIVERY_REFUSE, EXCHANGE_SEND, DOCUMENT_REGISTER,
    DOCUMENT_ROUTE, DOCUMENT_COMPLETE, DOCUMENT_ARCHIVE, TASK_CANCEL, TASK_REROUTE,
    TASK_REMIND)

OP_TYPES: Final = (TASK_COMPLETE, TASK_RECALL, DOCUMENT_MARK_READ, NOTICE_ACK, NOTICE_MARK_READ,
                   NOTICE_PUBLISH, KEY_REGISTER, KEY_REVOKE) + OUTGOING_OP_TYPES + (NOTE_SEND,)

# Per-op results (PROTOCOL "Ops"): `duplicate` is an earlier result replayed.
OpStatus = Literal["applied", "duplicate", "conflict", "rejected"]
OP_STATUSES: Final = ("applied", "duplicate", "conflict", "rejected")
