"""回执: the sender's view of an issued 发文 — per recipient unit 未签收, 已签收 (who, when)
or 已退回 (reason), with a 签收 overdue flagged.

Read from the cached `delivery` objects (the 收文 desk caches them for the recipient
side; the sender unit's clerks and the drafter see theirs). Only the `data` JSON of a
delivery row and its `outgoing_id` column are read, so this query does not depend on
the desk's other columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from client.models import Delivery, Unit, User, parse_time
from protocol.outgoing_rules import receive_within_hours

_ORDER = {"main": 0, "cc": 1}
# What the sender must chase first: overdue, then refused, not yet received, received.
_STATUS_ORDER = {"pending": 2, "refused": 1, "received": 3}


@dataclass(frozen=True)
class ReceiptRow:
    delivery_id: str
    unit_id: str
    unit_name: str
    role: str                   # main 主送 | cc 抄送
    status: str                 # pending 未签收 | received 已签收 | refused 已退回
    by_name: str                # who received or refused it
    at: datetime | None         # when
    reason: str                 # 退回 reason
    due_at: datetime | None
    overdue: bool               # still 未签收 after due_at


@dataclass(frozen=True)
class ReceiptSummary:
    rows: list[ReceiptRow]

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.rows)

    @property
    def overdue(self) -> int:
        return sum(r.overdue for r in self.rows)


def _due(d: dict[str, Any]) -> datetime | None:
    due = parse_time(d.get("due_at"))
    if due is None and d.get("sent_at"):  # a platform that sends no due_at: the rule's
        sent = parse_time(d["sent_at"])
        urgency = (d.get("document") or {}).get("urgency", "normal")
        due = sent + timedelta(hours=receive_within_hours(urgency)) if sent else None
    return due


def deliveries_for(outgoing_id: str, *, now: datetime) -> ReceiptSummary:
    """Every recipient unit's delivery of this outgoing: 主送 first, then 抄送; within each,
    overdue first, then 已退回, 未签收 and 已签收, each in the directory's order."""
    rows = [r.data for r in Delivery.select(Delivery.data).where(
        Delivery.outgoing_id == outgoing_id)]
    units: dict[str, str] = {}
    position: dict[str, int] = {}
    for u in (Unit.select(Unit.id, Unit.name).where(
            Unit.id.in_([d["recipient_unit_id"] for d in rows]))
            .order_by(Unit.sort_order, Unit.name)):
        units[u.id] = u.name
        position[u.id] = len(position)
    people = {u.id: u.display_name for u in User.select(User.id, User.display_name).where(
        User.id.in_([p for d in rows for p in (d.get("received_by"), d.get("refused_by"))
                     if p]))}
    out = []
    for d in rows:
        status = str(d.get("status") or "pending")
        by = d.get("received_by") if status == "received" else d.get("refused_by")
        at = parse_time(d.get("received_at") if status == "received" else d.get("refused_at"))
        due = _due(d)
        out.append(ReceiptRow(
            delivery_id=d["id"], unit_id=d["recipient_unit_id"],
            unit_name=units.get(d["recipient_unit_id"], d["recipient_unit_id"]),
            role=str(d.get("role") or "main"), status=status,
            by_name=people.get(by or "", by or "") if status != "pending" else "",
            at=at if status != "pending" else None,
            reason=str(d.get("reason") or "") if status == "refused" else "",
            due_at=due, overdue=status == "pending" and due is not None and now > due))
    out.sort(key=lambda r: (_ORDER.get(r.role, 2), 0 if r.overdue else
                            _STATUS_ORDER.get(r.status, 4), position.get(r.unit_id, 1 << 30),
                            r.unit_name))
    return ReceiptSummary(out)
