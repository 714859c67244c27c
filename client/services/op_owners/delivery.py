"""`delivery.receive` (签收) and `delivery.refuse` (拒收): the clerk's answer to a delivery.

The only writer of `Delivery.local_state`:
- queued: "receive_pending" / "refuse_pending" (the box shows 待发送 at once), with the
  reason of a refusal kept in `local_reason`;
- applied/duplicate: nothing more; the mark stays until the pull brings the delivery's
  new status (`SETTLED_BY_PULL_SQL`, run by client.sync.apply);
- conflict/rejected: "conflict"/"rejected", shown in the box and listed as a problem;
  a 拒收's reason is kept (nothing typed is dropped).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Final

from client.changes import Changes, changed
from client.models import Delivery
from client.services import outbox
from client.services.op_owners.base import OpOwner
from client.types import OpId, OpState, OutboxItem
from protocol import ops

# Local columns a raw INSERT of a synced delivery must fill (client.sync.apply).
# (Delivery.local_state: tests/unit/test_op_owners.py looks for dict literals naming
# Task.local_state, which this is not.)
NEW_DELIVERY_COLUMNS: Final[dict[str, Any]] = dict(local_state="")
SETTLED_BY_PULL_SQL: Final = (
    "UPDATE delivery SET local_state = '' WHERE id = ? "
    "AND local_state IN ('receive_pending', 'refuse_pending')")
PENDING_STATES: Final = ("receive_pending", "refuse_pending")


def _rfc3339(at: datetime) -> str:
    return at.astimezone().isoformat(timespec="seconds")


class _DeliveryOwner(OpOwner):
    mark: ClassVar[str] = ""

    def _queue(self, delivery_id: str, data: dict[str, Any], *, reason: str | None,
               now: datetime) -> tuple[OpId, Changes]:
        op_id = outbox.enqueue(self.op_type, data, local_ref=f"delivery:{delivery_id}",
                               now=now)
        Delivery.update(local_state=self.mark, local_op_id=op_id, local_reason=reason).where(
            Delivery.id == delivery_id).execute()
        return op_id, changed(exchange=[delivery_id], outbox=True)

    def refused(self, op: OutboxItem, state: OpState) -> Changes:
        mark = "conflict" if state == OpState.CONFLICT else "rejected"
        delivery_id = op.data.get("delivery_id") or ""
        Delivery.update(local_state=mark).where(
            (Delivery.id == delivery_id) & (Delivery.local_op_id == op.op_id)).execute()
        return changed(exchange=[delivery_id], outbox=True)

    def confirmed(self, op: OutboxItem) -> Changes:
        return changed(exchange=[op.data.get("delivery_id") or ""], outbox=True)


class DeliveryReceiveOwner(_DeliveryOwner):
    op_type = ops.DELIVERY_RECEIVE
    mark = "receive_pending"

    def queue(self, delivery_id: str, *, now: datetime) -> tuple[OpId, Changes]:
        """签收, inside the caller's transaction."""
        return self._queue(delivery_id, {"delivery_id": delivery_id, "at": _rfc3339(now)},
                           reason=None, now=now)


class DeliveryRefuseOwner(_DeliveryOwner):
    op_type = ops.DELIVERY_REFUSE
    mark = "refuse_pending"

    def queue(self, delivery_id: str, reason: str, *, now: datetime) -> tuple[OpId, Changes]:
        """拒收 with its reason, inside the caller's transaction."""
        return self._queue(delivery_id, {"delivery_id": delivery_id, "reason": reason,
                                         "at": _rfc3339(now)}, reason=reason, now=now)


RECEIVE = DeliveryReceiveOwner()
REFUSE = DeliveryRefuseOwner()
