"""Who may see each synchronised object (docs/contracts.md "Visibility").

Audiences are computed from the domain tables at the moment an object changes; the
change feed stores the result as per-user rows. Functions here only read.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from server.models import (
    EVERYONE,
    Delivery,
    DocSeries,
    Document,
    Notice,
    Outgoing,
    OutgoingStep,
    Receipt,
    Reminder,
    Task,
    Unit,
    User,
)

DIRECTORY_AUDIENCE: list[str] = [EVERYONE]


def _has_role(user: User, role: str) -> bool:
    return role in (user.roles or [])


def unit_clerk_ids(unit_id: str) -> list[str]:
    """Active clerks of one unit (not of its sub-units: a town clerk handles the town)."""
    return sorted(
        u.id for u in User.select().where(User.unit == unit_id, User.active) if _has_role(u, "clerk")
    )


def document_audience(document: Document | str) -> list[str]:
    """Clerks of the receiving unit, the registering clerk, and every user who holds or held
    a non-cancelled task on the document. Tasks and opinions share this audience."""
    doc = document if isinstance(document, Document) else Document.get_by_id(document)
    ids = set(unit_clerk_ids(doc.unit_id))
    ids.add(doc.registered_by)
    holders = (
        Task.select(Task.assignee)
        .where(Task.document == doc.id, Task.status != "cancelled")
        .distinct()
    )
    ids.update(t.assignee_id for t in holders)
    return sorted(ids)


def can_see_document(user: User, document: Document | str) -> bool:
    doc = document if isinstance(document, Document) else Document.get_or_none(id=document)
    if doc is None:
        return False
    return user.id in document_audience(doc)


def unit_and_descendants(unit_ids: Iterable[str]) -> set[str]:
    """The given units plus all their sub-units (breadth-first over parent links)."""
    children: dict[str | None, list[str]] = {}
    rows: Any = Unit.select(Unit.id, Unit.parent).tuples()  # peewee is untyped
    for unit_id, parent_id in rows:
        children.setdefault(parent_id, []).append(unit_id)
    seen: set[str] = set()
    todo = list(unit_ids)
    while todo:
        uid = todo.pop()
        if uid in seen:
            continue
        seen.add(uid)
        todo.extend(children.get(uid, []))
    return seen


def notice_audience(notice: Notice) -> list[str]:
    """Active users of the audience units and their sub-units, plus the publisher."""
    units = unit_and_descendants(notice.audience_unit_ids or [])
    ids = {notice.publisher_id}
    if units:
        ids.update(u.id for u in User.select(User.id).where(User.unit.in_(list(units)), User.active))
    return sorted(ids)


def can_see_notice(user: User, notice: Notice) -> bool:
    if notice.publisher_id == user.id:
        return True
    audience = notice.audience_unit_ids or []
    # Most notices name the units themselves: no need to walk the unit tree then.
    return user.unit_id in audience or user.unit_id in unit_and_descendants(audience)


def receipt_audience(receipt: Receipt, notice: Notice | None = None) -> list[str]:
    """Its own user, and for a notice receipt the notice's publisher (`notice`, when the
    caller has it at hand, saves looking it up)."""
    ids = {receipt.user_id}
    if receipt.notice_id:
        if notice is None or notice.id != receipt.notice_id:
            notice = Notice.get_or_none(id=receipt.notice_id)
        if notice is not None:
            ids.add(notice.publisher_id)
    return sorted(ids)


# --- 发文 and 公文交换 (docs/protocol.md "Outgoing documents", "Visibility") ---------------


def outgoing_audience(outgoing: Outgoing) -> list[str]:
    """Its drafter, the clerks of its unit, and every user named on its route (the named
    reviewer, countersigners and signatory, and whoever holds or held a step). Versions
    and steps share this audience."""
    ids = set(unit_clerk_ids(outgoing.unit_id))
    ids.add(outgoing.drafter_id)
    ids.add(outgoing.signatory_id)
    if outgoing.reviewer_id:
        ids.add(outgoing.reviewer_id)
    ids.update(outgoing.countersigner_ids or [])
    holders = OutgoingStep.select(OutgoingStep.assignee).where(
        OutgoingStep.outgoing == outgoing.id, OutgoingStep.status != "cancelled").distinct()
    ids.update(s.assignee_id for s in holders)
    return sorted(ids)


def delivery_audience(delivery: Delivery) -> list[str]:
    """The clerks of the recipient unit (its exchange box), the clerks of the sender unit
    and the outgoing's drafter (they read the 回执), and the account that sent it."""
    ids = set(unit_clerk_ids(delivery.recipient_unit_id))
    ids.update(unit_clerk_ids(delivery.sender_unit_id))
    ids.add(delivery.sender_id)
    if delivery.outgoing_id:
        out = Outgoing.get_or_none(id=delivery.outgoing_id)
        if out is not None:
            ids.add(out.drafter_id)
    return sorted(ids)


def doc_series_audience(series: DocSeries) -> list[str]:
    return unit_clerk_ids(series.unit_id)


def reminder_audience(reminder: Reminder) -> list[str]:
    return sorted({reminder.from_id, reminder.to_id})
