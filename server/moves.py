"""Moving a user to another unit (issue 13, finding 7).

A move changes what the user may see: the old unit's documents (when they were its
clerk) and notices leave their feed, and with them access to their files; the new
unit's arrive. Every session of the user ends (the new unit's work starts with a new
sign-in) and the move is audited (server/directory.py `update_user`). Tasks assigned
to the user personally stay theirs.
"""

from __future__ import annotations

from server import directory, notices, workflow
from server.db import write_tx
from server.errors import Problem
from server.models import User


def move_user(user_id: str, unit_id: str, *, actor_id: str | None = None) -> User:
    with write_tx():
        user = User.get_or_none(User.id == user_id)
        if user is None:
            raise Problem(404, "user.not_found", "No such user", user_id)
        old_unit: str = user.unit_id
        if old_unit == unit_id:
            raise Problem(409, "user.same_unit", "Already in that unit", unit_id)
        user = directory.update_user(user_id, actor_id=actor_id, unit_id=unit_id)
        for unit in (old_unit, unit_id):
            notices.republish_for_unit(unit)
            workflow.republish_unit_documents(unit)
    return user
