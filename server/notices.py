"""通知公告: publish, withdraw, expiry, read/ack receipts and the publisher's report.

Audience (docs/contracts.md "Visibility"): users of the audience units and their
sub-units, plus the publisher. A withdrawn notice is retracted from every feed; an
expired one stays visible, flagged `expired`, and can no longer be acknowledged.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from protocol import ops, text_rules
from server import clock, feed, platform_keys
from server.conflicts import notice_context
from server.db import write_tx
from server.errors import Problem
from server.models import Blob, Notice, Receipt, SyncObject, Unit, User
from server.ops import OpOutcome, register_op
from server.serialize import notice_expired, notice_json, parse_time, receipt_json
from server.visibility import (
    can_see_notice,
    notice_audience,
    receipt_audience,
    unit_and_descendants,
)
from server.workflow import contains_nul, new_id, uploaded_by

MAX_TITLE = 500
MAX_BODY = 100_000
MAX_ATTACHMENTS = 50


def _invalid(detail: str) -> Problem:
    return Problem(422, "notice.invalid", "Invalid notice", detail)


def _not_found() -> Problem:
    return Problem(404, "notice.not_found", "Not found", "no such notice")


def _attachments(user: User, value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_ATTACHMENTS:
        raise _invalid(f"attachments must be a list of at most {MAX_ATTACHMENTS}")
    out = []
    for i, att in enumerate(value):
        if not isinstance(att, dict):
            raise _invalid(f"attachment {i} must be an object")
        name, sha = att.get("name"), att.get("sha256")
        if not isinstance(name, str) or not name.strip() or len(name) > 255:
            raise _invalid(f"attachment {i} needs a name")
        if not isinstance(sha, str) or not re.fullmatch(r"[0-9a-f]{64}", sha):
            raise _invalid(f"attachment {i} needs a lowercase hex sha256")
        blob = Blob.select(Blob.sha256, Blob.media_type, Blob.size).where(Blob.sha256 == sha).first()
        if blob is None or not uploaded_by(user, sha):
            raise Problem(422, "blob.not_found", "Unknown blob",
                          f"attachment {i}: upload it first (PUT /api/v1/blobs/{sha})")
        out.append({"name": text_rules.clean_filename(name), "sha256": sha,
                    "media_type": blob.media_type,
                    "size": int(blob.size)})
    return out


def _publish_notice(notice: Notice) -> None:
    feed.publish("notice", notice.id, notice_json(notice), notice_audience(notice),
                 blobs=[a["sha256"] for a in notice.attachments or []])


def publish_notice(
    publisher: User,
    *,
    title: Any,
    body: Any,
    audience_unit_ids: Any,
    requires_ack: Any = False,
    urgent: Any = False,
    expires_at: Any = None,
    attachments: Any = None,
    client_ref: Any = None,
) -> tuple[Notice, bool]:
    """Publish a notice; returns (notice, created). A `client_ref` the publisher already
    used returns the earlier notice: a client retrying with a fresh op_id publishes once."""
    if "publisher" not in (publisher.roles or []):
        raise Problem(403, "auth.forbidden", "Forbidden", "only a publisher may publish notices")
    if isinstance(title, str):  # what is stored is what displays (issue 13)
        title = text_rules.clean_label(title)
    if client_ref is not None and (not isinstance(client_ref, str) or len(client_ref) > 200):
        raise _invalid("client_ref must be a string of at most 200 characters")
    if not isinstance(title, str) or not title.strip() or len(title) > MAX_TITLE:
        raise _invalid(f"title must be 1 to {MAX_TITLE} characters")
    if not isinstance(body, str) or len(body) > MAX_BODY:
        raise _invalid(f"body must be a string of at most {MAX_BODY} characters")
    if not isinstance(requires_ack, bool) or not isinstance(urgent, bool):
        raise _invalid("requires_ack and urgent must be true or false")
    if (
        not isinstance(audience_unit_ids, list) or not audience_unit_ids
        or len(audience_unit_ids) > 1000
        or not all(isinstance(u, str) for u in audience_unit_ids)
    ):
        raise _invalid("audience_unit_ids must be a non-empty list of unit ids")
    expires = None
    if expires_at is not None:
        try:
            expires = parse_time(expires_at, field="expires_at")
        except ValueError as exc:
            raise _invalid(str(exc)) from None
    with write_tx():
        if client_ref:
            earlier = Notice.get_or_none(Notice.publisher == publisher.id,
                                         Notice.client_ref == client_ref)
            if earlier is not None:
                return earlier, False
        units = list(dict.fromkeys(audience_unit_ids))
        known = {u.id for u in Unit.select(Unit.id).where(Unit.id.in_(units))}
        missing = [u for u in units if u not in known]
        if missing:
            raise Problem(422, "unit.not_found", "Unknown unit",
                          f"no unit {', '.join(missing[:5])}")
        now = clock.now()
        notice = Notice.create(
            id=new_id(), client_ref=client_ref or None, title=text_rules.clean_label(title),
            body=text_rules.clean_text(body),
            publisher=publisher.id, audience_unit_ids=units, requires_ack=requires_ack,
            urgent=urgent, published_at=now, expires_at=expires,
            attachments=_attachments(publisher, attachments), updated_at=now,
        )
        _publish_notice(notice)
    return notice, True


def _owned_notice(actor: User, notice_id: str) -> Notice:
    notice = Notice.get_or_none(id=notice_id)
    if notice is None:
        raise _not_found()
    if notice.publisher_id != actor.id and "admin" not in (actor.roles or []):
        if not can_see_notice(actor, notice):
            raise _not_found()  # as an unknown id (issue 13, finding 15)
        raise Problem(403, "auth.forbidden", "Forbidden",
                      "only the notice's publisher or an administrator may do this")
    return notice


def withdraw_notice(actor: User, notice_id: str) -> Notice:
    """撤回: the notice and its receipts leave every feed; a second withdrawal is 409."""
    with write_tx():
        notice = _owned_notice(actor, notice_id)
        if notice.withdrawn_at is not None:
            raise Problem(409, "notice.withdrawn", "Already withdrawn", "the notice was withdrawn",
                          context=notice_context(notice))
        notice.withdrawn_at = clock.now()
        notice.withdrawn_by = actor.id
        notice.version += 1
        notice.updated_at = notice.withdrawn_at
        notice.save()
        feed.retract("notice", notice.id)
        for receipt in Receipt.select(Receipt.id).where(Receipt.notice_id == notice.id):
            feed.retract("receipt", receipt.id)
    return notice


def sweep_expired(now: datetime | None = None) -> int:
    """Republish notices that expired since they were last published, so their feed
    copy says `expired: true`. Returns how many. Safe to call as often as wanted."""
    now = now or clock.now()
    count = 0
    with write_tx():
        due = Notice.select().where(
            Notice.expires_at.is_null(False), Notice.expires_at <= now,
            Notice.withdrawn_at.is_null(),
        )
        for notice in due:
            row = SyncObject.get_or_none(SyncObject.key == feed.object_key("notice", notice.id))
            if row is not None and row.data and json.loads(row.data).get("expired"):
                continue
            notice.version += 1
            notice.updated_at = now
            notice.save()
            feed.publish("notice", notice.id, notice_json(notice, now), notice_audience(notice),
                         blobs=[a["sha256"] for a in notice.attachments or []])
            count += 1
    return count


def republish_for_unit(unit_id: str) -> int:
    """Re-send live notices addressed to `unit_id` (or a parent) so a user who just joined
    the unit receives them. Returns how many."""
    count = 0
    with write_tx():
        for notice in Notice.select().where(Notice.withdrawn_at.is_null()):
            if unit_id in unit_and_descendants(notice.audience_unit_ids or []):
                _publish_notice(notice)
                count += 1
    return count


# --- receipts -------------------------------------------------------------------------


def _visible_notice(user: User, notice_id: Any) -> Notice:
    if not isinstance(notice_id, str):
        raise Problem(422, "op.invalid_data", "Invalid operation data", "notice_id must be a string")
    notice = Notice.get_or_none(id=notice_id)
    if notice is None or not can_see_notice(user, notice):
        raise _not_found()
    if notice.withdrawn_at is not None:
        raise Problem(409, "notice.withdrawn", "Notice withdrawn", "the notice was withdrawn",
                      context=notice_context(notice))
    return notice


def _receipts(user: User, notice: Notice, kinds: tuple[str, ...], at: datetime) -> Receipt:
    """The user's receipts of `kinds` for the notice, created where missing (the first
    read/ack is the one that counts); returns the last kind's. One query finds them all,
    and the receipt key is read once (issue 14: an ack is most of the morning rush)."""
    existing = {r.kind: r for r in Receipt.select().where(
        (Receipt.notice_id == notice.id) & (Receipt.user == user.id) & Receipt.kind.in_(kinds))}
    key = None
    at = clock.bounded(at, not_before=notice.published_at)
    for kind in kinds:
        if kind in existing:
            continue
        key = key or platform_keys.current()
        receipt_id = new_id()
        existing[kind] = receipt = Receipt.create(
            id=receipt_id, notice_id=notice.id, user=user.id, kind=kind, at=at,
            updated_at=clock.now(),
            **platform_keys.receipt_fields(
                receipt_id=receipt_id, notice_id=notice.id, document_id=None,
                user_id=user.id, kind=kind, at=at, key=key))
        feed.publish("receipt", receipt.id, receipt_json(receipt),
                     receipt_audience(receipt, notice), new=True)
    return existing[kinds[-1]]


def mark_notice_read(user: User, notice_id: Any, at: datetime) -> Receipt:
    with write_tx():
        return _receipts(user, _visible_notice(user, notice_id), ("read",), at)


def ack_notice(user: User, notice_id: Any, at: datetime) -> Receipt:
    """确认收到: an ack implies the notice was read."""
    with write_tx():
        notice = _visible_notice(user, notice_id)
        if notice_expired(notice):
            raise Problem(409, "notice.expired", "Notice expired", "the notice has expired")
        return _receipts(user, notice, ("read", "ack"), at)


def receipt_report(actor: User, notice_id: str) -> dict[str, Any]:
    """Who in the audience has read / acknowledged the notice, per unit (for its publisher)."""
    notice = _owned_notice(actor, notice_id)
    unit_ids = unit_and_descendants(notice.audience_unit_ids or [])
    units = {u.id: u for u in Unit.select().where(Unit.id.in_(list(unit_ids)))} if unit_ids else {}
    users = list(
        User.select().where(User.unit.in_(list(units)), User.active).order_by(User.username)
    ) if units else []
    read_at: dict[str, datetime] = {}
    ack_at: dict[str, datetime] = {}
    for r in Receipt.select().where(Receipt.notice_id == notice.id):
        (ack_at if r.kind == "ack" else read_at)[r.user_id] = r.at
    per_unit: dict[str, list[dict[str, Any]]] = {}
    for u in users:
        per_unit.setdefault(u.unit_id, []).append({
            "user_id": u.id, "username": u.username, "display_name": u.display_name,
            "read_at": clock.rfc3339(read_at.get(u.id)),
            "acked_at": clock.rfc3339(ack_at.get(u.id)),
        })
    rows = []
    for unit in sorted(units.values(), key=lambda x: (x.sort_order, x.name)):
        members = per_unit.get(unit.id, [])
        rows.append({
            "unit_id": unit.id, "unit_name": unit.name, "total": len(members),
            "read": sum(1 for m in members if m["read_at"]),
            "acked": sum(1 for m in members if m["acked_at"]),
            "users": members,
        })
    total = len(users)
    read = sum(r["read"] for r in rows)
    acked = sum(r["acked"] for r in rows)
    return {
        "notice_id": notice.id, "title": notice.title, "requires_ack": bool(notice.requires_ack),
        "published_at": clock.rfc3339(notice.published_at),
        "expires_at": clock.rfc3339(notice.expires_at),
        "withdrawn_at": clock.rfc3339(notice.withdrawn_at),
        "totals": {"users": total, "read": read, "acked": acked, "unread": total - read,
                   "not_acked": total - acked},
        "units": rows,
    }


# --- op handlers ----------------------------------------------------------------------


def _data(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise Problem(422, "op.invalid_data", "Invalid operation data", "data must be an object")
    if contains_nul(data):
        raise Problem(422, "op.invalid_data", "Invalid operation data",
                      "text must not contain NUL characters")
    return data


def _at(data: dict[str, Any]) -> datetime:
    try:
        return parse_time(data.get("at"), field="at")
    except ValueError as exc:
        raise Problem(422, "op.invalid_data", "Invalid operation data", str(exc)) from None


def _op_notice_ack(user: User, data: dict[str, Any]) -> OpOutcome:
    data = _data(data)
    ack_notice(user, data.get("notice_id"), _at(data))
    return OpOutcome("applied")


def _op_notice_mark_read(user: User, data: dict[str, Any]) -> OpOutcome:
    data = _data(data)
    mark_notice_read(user, data.get("notice_id"), _at(data))
    return OpOutcome("applied")


def _op_notice_publish(user: User, data: dict[str, Any]) -> OpOutcome:
    data = _data(data)
    publish_notice(
        user, client_ref=data.get("client_ref"), title=data.get("title"), body=data.get("body"),
        audience_unit_ids=data.get("audience_unit_ids"),
        requires_ack=data.get("requires_ack", False), urgent=data.get("urgent", False),
        expires_at=data.get("expires_at"), attachments=data.get("attachments"),
    )
    return OpOutcome("applied")


register_op(ops.NOTICE_ACK, _op_notice_ack)
register_op(ops.NOTICE_MARK_READ, _op_notice_mark_read)  # extra op: a read without an ack
register_op(ops.NOTICE_PUBLISH, _op_notice_publish)
