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

OP_TYPES: Final = (TASK_COMPLETE, TASK_RECALL, DOCUMENT_MARK_READ, NOTICE_ACK, NOTICE_MARK_READ,
                   NOTICE_PUBLISH, KEY_REGISTER, KEY_REVOKE)

# Per-op results (PROTOCOL "Ops"): `duplicate` is an earlier result replayed.
OpStatus = Literal["applied", "duplicate", "conflict", "rejected"]
OP_STATUSES: Final = ("applied", "duplicate", "conflict", "rejected")
