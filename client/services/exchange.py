"""公文交换 on this PC: the clerk's 待签收 box, 签收 and 拒收, and the sender's 回执.

The box lists the deliveries addressed to the clerk's unit that the platform still has
as 未签收 (pending), most urgent first, newest first within; it pages by keyset
(`after=` the last row's `sort_key`) over one index, so the 500th page of a box of
10,000 costs what the first does. 签收 and 拒收 work offline: the op is queued and the
row shows 待发送 at once, until the pull brings the platform's answer.

`deliveries_for_outgoing` is the sender's receipt table (回执): one row per recipient
unit with 未签收 / 已签收 (who and when) / 已退回 (reason), overdue 签收 flagged after
`protocol.outgoing_rules.receive_within_hours`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from client import models
from client.changes import Changes
from client.errors import GovDeskError
from client.models import Delivery, Unit, User, from_epoch
from client.services import audit, op_owners
from client.services.op_owners.delivery import PENDING_STATES
from client.types import OpId, SortKey, UserId
from protocol.outgoing_rules import MAX_REASON, check_refusal, receive_within_hours

MAX_LIMIT: Final = 500
# Offered in the 拒收 dialog (any other reason may be typed).
COMMON_REFUSAL_REASONS: Final = ("非本单位来文", "内容有误", "重复发送", "附件缺失或无法打开")
# Sort of the box: urgency, then newest first; the id breaks ties. All descending.
_KEYS: Final = ("d.urgency_rank", "d.sent_at", "d.id")
_COLS: Final = ("d.id, d.title, d.doc_number, d.issuer, d.doc_type, d.urgency, d.role, "
                "d.sent_at, d.due_at, d.sender_unit_id, d.local_state, d.local_reason, "
                "d.status, d.outgoing_id")


def _rfc_now(now: datetime | None) -> datetime:
    return now or datetime.now().astimezone()


def due_epoch(sent_at: int | None, due_at: int | None, urgency: str) -> int | None:
    """When 签收 becomes overdue: the platform's `due_at`, else the rule's hours after
    sending."""
    if due_at is not None:
        return due_at
    if sent_at is None:
        return None
    return sent_at + receive_within_hours(urgency) * 3600


@dataclass(frozen=True)
class BoxRow:
    """One delivery of the 待签收 box."""

    id: str
    title: str
    doc_number: str
    issuer: str          # 发文机关 as printed on the document
    sender_unit: str     # the unit (or exchange account's body) that sent it
    doc_type: str
    urgency: str
    role: str            # main 主送, cc 抄送
    sent_at: datetime | None
    due_at: datetime | None
    overdue: bool
    local_state: str     # "" | receive_pending | refuse_pending | conflict | rejected
    local_reason: str    # a 拒收's reason typed here
    sort_key: SortKey

    @property
    def waiting(self) -> bool:
        """签收 or 拒收 made here, not yet confirmed by the platform (待发送)."""
        return self.local_state in PENDING_STATES


@dataclass(frozen=True)
class BoxPage:
    rows: list[BoxRow]
    next_after: SortKey | None


@dataclass(frozen=True)
class BoxCounts:
    to_receive: int      # pending, not acted on here
    overdue: int
    very_urgent: int
    waiting: int         # acted on here, not yet sent or confirmed


@dataclass(frozen=True)
class DeliveryDetail:
    id: str
    status: str
    local_state: str
    role: str
    sender_unit: str
    sent_at: datetime | None
    due_at: datetime | None
    overdue: bool
    document: dict[str, Any]   # the delivered document's elements (protocol `document`)
    document_id: str | None    # the 收文 made at 签收
    reason: str
    data: dict[str, Any]


@dataclass(frozen=True)
class DeliveryReceipt:
    """One recipient unit's line of the sender's 回执 table."""

    delivery_id: str
    unit_id: str
    unit_name: str
    role: str                  # main 主送, cc 抄送
    status: str                # pending 未签收, received 已签收, refused 已退回
    by_id: str | None          # who received or refused it
    by_name: str
    at: datetime | None        # when
    reason: str                # a refusal's reason
    sent_at: datetime | None
    due_at: datetime | None
    overdue: bool              # still 未签收 after the due time


@dataclass(frozen=True)
class Queued:
    op_id: OpId
    changes: Changes


class ExchangeService:
    def __init__(self, me: UserId) -> None:
        self.me = me

    # --- who I am -------------------------------------------------------------------
    def _me(self) -> User:
        user = User.get_or_none(User.id == self.me)
        if user is None:
            raise GovDeskError("clerk.required")
        return user

    def my_unit(self) -> str | None:
        # Raw SQL: on the box's hot path peewee's query building costs more than the query.
        row = models.database_proxy.obj.execute_sql(
            'SELECT unit_id FROM "user" WHERE id = ?', (self.me,)).fetchone()
        return row[0] if row else None

    def _clerk_unit(self) -> str:
        user = self._me()
        if "clerk" not in (user.roles or []) or not user.unit_id:
            raise GovDeskError("clerk.required")
        return str(user.unit_id)

    # --- the box --------------------------------------------------------------------
    def box_page(self, *, after: SortKey | None = None, limit: int = 50,
                 now: datetime | None = None) -> BoxPage:
        """Up to `limit` deliveries of the box after the row whose sort_key is `after`."""
        unit = self.my_unit()
        limit = max(1, min(int(limit), MAX_LIMIT))
        keys = ", ".join(_KEYS)
        sql = (f"SELECT {_COLS}, {keys} FROM delivery d "
               "WHERE d.recipient_unit_id = ? AND d.status = 'pending'")
        params: list[Any] = [unit]
        if after is not None:
            if len(after) != len(_KEYS):
                raise ValueError("`after` is not a position in the box")
            sql += f" AND ({keys}) < (?, ?, ?)"
            params.extend(after)
        sql += " ORDER BY " + ", ".join(f"{k} DESC" for k in _KEYS) + " LIMIT ?"
        params.append(limit + 1)
        fetched = models.database_proxy.obj.execute_sql(sql, params).fetchall()
        more = len(fetched) > limit
        fetched = fetched[:limit]
        names = self._unit_names({r[9] for r in fetched})
        ts = int(_rfc_now(now).timestamp())
        rows = [self._row(r, names, ts) for r in fetched]
        return BoxPage(rows, rows[-1].sort_key if more and rows else None)

    def _row(self, r: tuple[Any, ...], names: dict[str, str], now_ts: int) -> BoxRow:
        due = due_epoch(r[7], r[8], r[5])
        return BoxRow(id=r[0], title=r[1], doc_number=r[2], issuer=r[3],
                      sender_unit=names.get(r[9], "") or r[3], doc_type=r[4], urgency=r[5],
                      role=r[6], sent_at=from_epoch(r[7]), due_at=from_epoch(due),
                      # Received or refused here: the clerk has acted, not late.
                      overdue=(due is not None and now_ts > due and r[12] == "pending"
                               and (r[10] or "") not in PENDING_STATES),
                      local_state=r[10] or "", local_reason=r[11] or "",
                      sort_key=tuple(r[-len(_KEYS):]))

    def _unit_names(self, ids: set[str]) -> dict[str, str]:
        wanted = sorted(i for i in ids if i)
        if not wanted:
            return {}
        sql = f"SELECT id, name FROM unit WHERE id IN ({', '.join('?' * len(wanted))})"
        return dict(models.database_proxy.obj.execute_sql(sql, wanted).fetchall())

    def box_counts(self, *, now: datetime | None = None) -> BoxCounts:
        """The box's counts (nav badge, page header): index-only queries (the covering
        index of models.Delivery), a few milliseconds on a box of 10,000."""
        ts = int(_rfc_now(now).timestamp())
        db = models.database_proxy.obj
        unit = self.my_unit()
        to_receive = very_urgent = waiting = overdue = 0
        for local_state, urgency, n in db.execute_sql(
                "SELECT local_state, urgency, COUNT(*) FROM delivery "
                "WHERE recipient_unit_id = ? AND status = 'pending' "
                "GROUP BY local_state, urgency", (unit,)).fetchall():
            if local_state == "":
                to_receive += n
                very_urgent += n if urgency == "very_urgent" else 0
            elif local_state in PENDING_STATES:
                waiting += n
        for urgency in ("normal", "urgent", "very_urgent"):
            late = ts - receive_within_hours(urgency) * 3600
            overdue += int(db.execute_sql(
                "SELECT COUNT(*) FROM delivery WHERE recipient_unit_id = ? "
                "AND status = 'pending' AND local_state = '' AND urgency = ? "
                "AND ((due_at IS NULL AND sent_at < ?) OR due_at < ?)",
                (unit, urgency, late, ts)).fetchone()[0])
        return BoxCounts(to_receive=to_receive, overdue=overdue, very_urgent=very_urgent,
                         waiting=waiting)

    def get(self, delivery_id: str, *, now: datetime | None = None) -> DeliveryDetail:
        d = Delivery.get_or_none(Delivery.id == delivery_id)
        if d is None:
            raise GovDeskError("delivery.not_found")
        due = due_epoch(d.sent_at, d.due_at, d.urgency)
        ts = int(_rfc_now(now).timestamp())
        names = self._unit_names({d.sender_unit_id})
        return DeliveryDetail(
            id=d.id, status=d.status, local_state=d.local_state or "", role=d.role,
            sender_unit=names.get(d.sender_unit_id, "") or d.issuer,
            sent_at=from_epoch(d.sent_at), due_at=from_epoch(due),
            overdue=due is not None and ts > due and d.status == "pending",
            document=dict(d.data.get("document") or {}), document_id=d.document_id,
            reason=d.reason or d.local_reason or "", data=d.data)

    # --- 签收 and 拒收 -----------------------------------------------------------------
    def _pending_delivery(self, delivery_id: str) -> Delivery:
        unit = self._clerk_unit()
        d = Delivery.get_or_none(Delivery.id == delivery_id)
        if d is None or d.recipient_unit_id != unit:
            raise GovDeskError("delivery.not_found")
        if d.status != "pending" or d.local_state in PENDING_STATES:
            raise GovDeskError("delivery.not_pending")
        return d

    def receive(self, delivery_id: str, *, now: datetime | None = None) -> Queued:
        """签收: queued (works offline), shown as 待发送 at once."""
        now = _rfc_now(now)
        with models.database_proxy.obj.atomic():
            d = self._pending_delivery(delivery_id)
            op_id, changes = op_owners.DELIVERY_RECEIVE.queue(delivery_id, now=now)
            audit.record("delivery.receive", user_id=self.me, obj=f"delivery:{delivery_id}",
                         detail={"doc_number": d.doc_number, "op_id": op_id}, at=now)
        return Queued(op_id, changes)

    def refuse(self, delivery_id: str, reason: str, *, now: datetime | None = None) -> Queued:
        """拒收 with a required reason: queued, shown as 待发送 at once."""
        reason = (reason or "").strip()
        code = check_refusal(reason)
        if code is not None:
            raise GovDeskError(code, limit=MAX_REASON)
        now = _rfc_now(now)
        with models.database_proxy.obj.atomic():
            d = self._pending_delivery(delivery_id)
            op_id, changes = op_owners.DELIVERY_REFUSE.queue(delivery_id, reason, now=now)
            audit.record("delivery.refuse", user_id=self.me, obj=f"delivery:{delivery_id}",
                         detail={"doc_number": d.doc_number, "reason": reason,
                                 "op_id": op_id}, at=now)
        return Queued(op_id, changes)

    # --- the sender's 回执 --------------------------------------------------------------
    def deliveries_for_outgoing(self, outgoing_id: str, *,
                                now: datetime | None = None) -> list[DeliveryReceipt]:
        """The 回执 of one issued outgoing document: every recipient unit, 主送 before
        抄送, in the order of the directory."""
        rows = list(Delivery.select().where(Delivery.outgoing_id == outgoing_id))
        units = {u.id: u for u in Unit.select().where(
            Unit.id.in_([d.recipient_unit_id for d in rows]))}
        people = {u.id: u.display_name for u in User.select(User.id, User.display_name).where(
            User.id.in_([p for d in rows for p in (d.received_by, d.refused_by) if p]))}
        ts = int(_rfc_now(now).timestamp())
        out: list[DeliveryReceipt] = []
        for d in rows:
            due = due_epoch(d.sent_at, d.due_at, d.urgency)
            by = d.received_by if d.status == "received" else d.refused_by
            at = d.received_at if d.status == "received" else d.refused_at
            unit = units.get(d.recipient_unit_id)
            out.append(DeliveryReceipt(
                delivery_id=d.id, unit_id=d.recipient_unit_id,
                unit_name=unit.name if unit else d.recipient_unit_id, role=d.role,
                status=d.status, by_id=by if d.status != "pending" else None,
                by_name=people.get(by or "", "") if d.status != "pending" else "",
                at=from_epoch(at) if d.status != "pending" else None,
                reason=(d.reason or "") if d.status == "refused" else "",
                sent_at=from_epoch(d.sent_at), due_at=from_epoch(due),
                overdue=d.status == "pending" and due is not None and ts > due))
        order = {u.id: (u.sort_order, u.name) for u in units.values()}
        out.sort(key=lambda r: (r.role != "main", order.get(r.unit_id, (0, r.unit_name))))
        return out

    def overdue_after(self, urgency: str) -> timedelta:
        """How long a recipient has to 签收 a document of this urgency."""
        return timedelta(hours=receive_within_hours(urgency))
