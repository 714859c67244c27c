"""`key.register` and `key.revoke`: this user's signing keys on the platform.

Neither has a local effect: the platform's `key` objects come back with the pull (the
directory), and a refusal is listed as a problem.
"""

from __future__ import annotations

from client.models import OutboxOp, SigningKey
from client.services import outbox
from client.services.op_owners.base import OpOwner
from client.types import OpId
from protocol import ops


class KeyRegisterOwner(OpOwner):
    op_type = ops.KEY_REGISTER

    def queue(self, *, key_id: str, algorithm: str, public_key: str) -> OpId | None:
        """Queue the registration unless the platform already lists the key or it is
        queued already; returns the op id, or None when nothing was queued."""
        if SigningKey.get_or_none(SigningKey.id == key_id) is not None:
            return None
        queued = (OutboxOp.select().where(
            (OutboxOp.local_ref == f"key:{key_id}")
            & OutboxOp.state.in_(outbox.UNSENT_STATES)).exists())
        if queued:
            return None
        return outbox.enqueue(self.op_type, {"key_id": key_id, "algorithm": algorithm,
                                             "public_key": public_key},
                              local_ref=f"key:{key_id}")


class KeyRevokeOwner(OpOwner):
    op_type = ops.KEY_REVOKE

    def queue(self, key_id: str) -> OpId:
        return outbox.enqueue(self.op_type, {"key_id": key_id}, local_ref=f"revoke:{key_id}")

    def queued_key_ids(self) -> set[str]:
        """Keys whose revocation waits to be sent."""
        return {op.data.get("key_id") for op in OutboxOp.select().where(
            (OutboxOp.type == self.op_type) & OutboxOp.state.in_(outbox.UNSENT_STATES))}


REGISTER = KeyRegisterOwner()
REVOKE = KeyRevokeOwner()
