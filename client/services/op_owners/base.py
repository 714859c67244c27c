"""What every op owner answers: what an op's outcome means for the local objects it touched.

One owner per op type (protocol/ops.py names them), as the platform has one handler per
type (server.ops.register_op). An owner queues its op together with its local, optimistic
effect (its own `queue` function, whose arguments differ per type), and undoes or settles
that effect when the platform answers: `confirmed` for applied/duplicate, `refused` for
conflict/rejected. Both return what changed, for the UI.
"""

from __future__ import annotations

from typing import ClassVar

from client.changes import Changes, changed
from client.types import OpState, OutboxItem


class OpOwner:
    """Default owner: the op has no local effect beyond its outbox row."""

    op_type: ClassVar[str]

    def confirmed(self, op: OutboxItem) -> Changes:
        """The platform applied the op (or replayed an earlier `applied`)."""
        return changed(outbox=True)

    def refused(self, op: OutboxItem, state: OpState) -> Changes:
        """The platform answered conflict or rejected (`state`); the op is kept as a problem."""
        return changed(outbox=True)

    def resent(self, op: OutboxItem) -> None:
        """The applied op is queued again (the platform was rolled back): its local effect
        waits for the platform's answer again."""
