"""What every part of the 收文 workflow shares: ids, blob ownership, the NUL check, the
users a route names, and the publishing of one action's changes.

Every workflow action runs inside `write_tx()` and publishes what it changed (`_begin`
… `_publish`); state errors are `Problem`s (409 → op conflict, other 4xx → op rejected).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from protocol.workflow_rules import GATING_KINDS, MAX_RECIPIENTS
from server import clock, feed
from server.errors import Problem
from server.models import Blob, BlobGrant, Document, Opinion, SigningKey, Task, User
from server.ops import contains_nul as contains_nul  # for the workflow's modules
from server.serialize import document_json, opinion_json, parse_time, task_json
from server.visibility import document_audience

_GATING_KINDS = GATING_KINDS
MAX_ROUTE = MAX_RECIPIENTS


# How far a client's clock may be ahead of the platform's (issue 13, finding 5).
CLOCK_SKEW = timedelta(seconds=int(os.environ.get("GOVDESK_CLOCK_SKEW_SECONDS", "300")))


def check_signed_at(key: SigningKey, assigned_at: datetime | None, signed_at: str) -> None:
    """`signed_at` is the signer's claim: bounded by what the platform knows. Not after
    acceptance (now, plus the clock skew), not before the step was assigned, and never
    before the key was enrolled: a key cannot sign before its registration. A sign-off
    made offline days ago stays acceptable (the platform's receipt records when it
    arrived)."""
    signed = parse_time(signed_at, field="signed_at")
    if signed > clock.now() + CLOCK_SKEW:
        raise Problem(422, "signature.time_out_of_range", "Sign-off refused",
                      "signed_at is in the future: check this PC's clock")
    if key.created_at is not None and signed < key.created_at - CLOCK_SKEW:
        raise Problem(422, "signature.time_out_of_range", "Sign-off refused",
                      "signed_at is before the signing key was enrolled")
    if assigned_at is not None and signed < assigned_at - CLOCK_SKEW:
        raise Problem(422, "signature.time_out_of_range", "Sign-off refused",
                      "signed_at is before the task was assigned")


def new_id() -> str:
    return uuid.uuid4().hex


def uploaded_by(user: User, sha256: str) -> bool:
    """True when `user` uploaded the blob: referencing someone else's blob would hand its
    bytes to the audience of the referring object."""
    if BlobGrant.select().where(BlobGrant.sha256 == sha256, BlobGrant.user_id == user.id).exists():
        return True
    return Blob.select().where(Blob.sha256 == sha256, Blob.uploaded_by == user.id).exists()




# --- publishing -----------------------------------------------------------------------


@dataclass
class _Changes:
    """Objects of one document changed by one action, published together at the end."""

    document: Document
    audience_before: list[str]
    doc_changed: bool = False
    tasks: dict[str, Task] = field(default_factory=dict)
    opinions: dict[str, Opinion] = field(default_factory=dict)

    def touch_doc(self) -> None:
        self.document.version += 1
        self.document.updated_at = clock.now()
        self.document.save()
        self.doc_changed = True

    def touch_task(self, task: Task) -> None:
        task.version += 1
        task.updated_at = clock.now()
        task.save()
        self.tasks[task.id] = task


def _begin(document: Document) -> _Changes:
    return _Changes(document=document, audience_before=document_audience(document))


def _doc_blobs(doc: Document) -> list[str]:
    return [doc.body["sha256"], *(a["sha256"] for a in doc.attachments or [])]


def _publish(ch: _Changes) -> None:
    """Publish the changed objects; when the audience moved, republish the whole tree so
    newcomers get everything and those who lost sight get deletes."""
    doc = ch.document
    audience = set(document_audience(doc))
    if audience != set(ch.audience_before):
        ch.doc_changed = True
        for task in Task.select().where(Task.document == doc.id):
            ch.tasks.setdefault(task.id, task)
        for op in Opinion.select().where(Opinion.document == doc.id):
            ch.opinions.setdefault(op.id, op)
    if ch.doc_changed:
        feed.publish("document", doc.id, document_json(doc), audience, blobs=_doc_blobs(doc))
    for task in ch.tasks.values():
        feed.publish("task", task.id, task_json(task), audience)
    for op in ch.opinions.values():
        hw = [op.handwriting_sha256] if op.handwriting_sha256 else []
        feed.publish("opinion", op.id, opinion_json(op), audience, blobs=hw)


def _active_users(ids: Iterable[Any], *, what: str, code: str = "routing.unknown_user") -> list[User]:
    """The users named by `ids` (order kept, duplicates dropped); all must be active."""
    wanted: list[str] = []
    for uid in ids:
        if not isinstance(uid, str) or not uid or "\x00" in uid:
            raise Problem(422, code, "Unknown user", f"{what} must hold user ids")
        if uid not in wanted:
            wanted.append(uid)
    if len(wanted) > MAX_ROUTE:
        raise Problem(422, code, "Too many users", f"{what} names more than {MAX_ROUTE} users")
    found = {u.id: u for u in User.select().where(User.id.in_(wanted), User.active)} if wanted else {}
    missing = [u for u in wanted if u not in found]
    if missing:
        raise Problem(422, code, "Unknown user", f"{what}: no active user {', '.join(missing)}")
    return [found[u] for u in wanted]
