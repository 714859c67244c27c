"""公文交换: 核发 (`outgoing.issue`: the GB/T 9704 PDF and one delivery per recipient
unit), 签收 (`delivery.receive`: the 收文 of the recipient unit, registered and waiting for
登记/分办), 拒收 (`delivery.refuse`, with a reason) and `exchange.send` (an outside body's
exchange account sends an issued document in).

A delivery is seen by the recipient unit's clerks (their exchange box), the sender unit's
clerks and the outgoing's drafter (the 回执) and the account that sent it
(server.visibility.delivery_audience). A 批复 (outgoing.in_reply_to = a 收文 document)
links both ends: its delivery back to the unit that sent the 请示 carries
`in_reply_to` = that 请示, whose `replies` lists the delivery.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from protocol import ops
from protocol import outgoing_rules as rules
from protocol.canonical import document_digest
from protocol.wire.outgoing import DeliveryReceiveData, DeliveryRefuseData, ExchangeSendData
from server import clock, feed
from server.blobs import store_blob
from server.db import write_tx
from server.errors import Problem
from server.issuing.issue import IssuedLayout, render_outgoing
from server.models import Delivery, Document, Outgoing, OutgoingVersion, Unit, User
from server.ops import OpOutcome, register_op
from server.serialize import delivery_json
from server.visibility import delivery_audience
from server.workflow.common import _Changes, _publish, new_id, uploaded_by
from server.workflow.numbering import seal_png, series_issuer
from server.workflow.outgoing import (
    begin,
    get_outgoing,
    invalid,
    op_time,
    parse,
    publish,
    require_clerk,
    require_reason,
    wrong_status,
)
from server.workflow.registration import next_registration_number


def _delivery_blobs(d: Delivery) -> list[str]:
    doc = d.document or {}
    shas = [a["sha256"] for a in doc.get("attachments") or []]
    if doc.get("body"):
        shas.append(doc["body"]["sha256"])
    return shas


def publish_delivery(d: Delivery) -> None:
    feed.publish("delivery", d.id, delivery_json(d), set(delivery_audience(d)),
                 blobs=_delivery_blobs(d))


def _due(sent: datetime, urgency: str) -> datetime:
    return sent + timedelta(hours=rules.receive_within_hours(urgency))


def _names(groups: list[dict[str, Any]]) -> list[str]:
    return [g["name"] for g in groups]


# --- 核发 -------------------------------------------------------------------------------


def _delivered_document(out: Outgoing, issuer: str, signatory: str) -> dict[str, Any]:
    """The issued document's elements as a 收文 will hold them (its digest included)."""
    doc = {
        "doc_number": out.doc_number, "issuer": issuer, "doc_type": out.doc_type,
        "title": out.title, "classification": out.classification, "urgency": out.urgency,
        "signatory": signatory, "main_recipients": _names(out.main_recipients),
        "cc": _names(out.cc), "issued_on": out.issued_on, "notes": out.notes or "",
        "body": dict(out.issued_body), "attachments": [dict(a) for a in out.attachments or []],
    }
    doc["digest"] = document_digest(doc)
    return doc


def _reply_target(out: Outgoing, recipient_unit_id: str) -> Outgoing | None:
    """The recipient's own 请示 that this 批复 answers, if it came through the exchange."""
    if not out.in_reply_to:
        return None
    answered = Document.get_or_none(id=out.in_reply_to)
    if answered is None or not answered.delivery_id:
        return None
    original = Delivery.get_or_none(id=answered.delivery_id)
    if original is None or not original.outgoing_id or (
            original.sender_unit_id != recipient_unit_id):
        return None
    return Outgoing.get_or_none(id=original.outgoing_id)


def issue(user: User, data: Any) -> list[Delivery]:
    from protocol.wire.outgoing import OutgoingIssueData

    d = parse(OutgoingIssueData, data)
    with write_tx():
        out = get_outgoing(user, d.outgoing_id)
        require_clerk(user, out.unit_id)
        if out.status != rules.CLERK_ACTIONS["issue"]:
            raise wrong_status(out, rules.CLERK_ACTIONS["issue"])
        issuer = series_issuer(Unit.get_by_id(out.unit_id), out.series)
        signer = User.get_by_id(out.signatory_id)
        signatory = signer.display_name if out.doc_type in rules.UPWARD_TYPES else ""
        version = OutgoingVersion.get(OutgoingVersion.outgoing == out.id,
                                      OutgoingVersion.number == out.current_version)
        now = clock.now()
        pdf = render_outgoing(IssuedLayout(
            issuer=issuer, doc_number=str(out.doc_number), doc_type=out.doc_type,
            title=out.title, body=version.body, issued_on=date.fromisoformat(str(out.issued_on)),
            printed_on=now.astimezone(clock.CST).date(),
            main_recipients=_names(out.main_recipients), cc=_names(out.cc),
            signatory=signatory, urgency=out.urgency, notes=out.notes or "",
            attachments=tuple(a.get("name", "") for a in out.attachments or []),
            seal_png=seal_png(out.unit_id)))
        sha = store_blob(pdf, "application/pdf")
        ch = begin(out)
        out.issued_body = {"sha256": sha, "media_type": "application/pdf", "size": len(pdf)}
        out.issued_by = user.id
        out.issued_at = now
        out.status = rules.CLERK_RESULT["issue"]
        document = _delivered_document(out, issuer, signatory)
        roles = rules.delivery_roles(out.main_recipients, out.cc)  # 主送 wins over 抄送
        deliveries = []
        answered: dict[str, Outgoing] = {}
        for unit_id, role in roles.items():
            target = _reply_target(out, unit_id)
            delivery = Delivery.create(
                id=new_id(), outgoing_id=out.id, sender_id=user.id, sender_unit=out.unit_id,
                recipient_unit=unit_id, role=role, status="pending", sent_at=now,
                due_at=_due(now, out.urgency), document=document,
                in_reply_to=target.id if target else None, updated_at=now)
            deliveries.append(delivery)
            if target is not None:
                held = answered.setdefault(target.id, target)
                held.replies = [*(held.replies or []), delivery.id]
        ch.touch()
        publish(ch)
        for delivery in deliveries:
            publish_delivery(delivery)
        for target in answered.values():
            tch = begin(target)
            tch.touch()
            publish(tch)
        return deliveries


# --- 签收 and 拒收 ------------------------------------------------------------------------


def _pending_delivery(user: User, delivery_id: str) -> Delivery:
    delivery = Delivery.get_or_none(id=delivery_id)
    if delivery is None or user.id not in delivery_audience(delivery):
        raise Problem(404, "delivery.not_found", "Not found", "no such delivery")
    require_clerk(user, delivery.recipient_unit_id)
    if delivery.status != "pending":
        raise Problem(409, "delivery.not_pending", "Already handled",
                      f"the delivery is {delivery.status}")
    return delivery


def receive(user: User, data: Any) -> Document:
    """签收: the recipient unit's 收文 (status registered, no tasks yet: 登记/分办 next)."""
    d = parse(DeliveryReceiveData, data)
    at = op_time(d.at, "at")
    with write_tx():
        delivery = _pending_delivery(user, d.delivery_id)
        unit = Unit.get_by_id(delivery.recipient_unit_id)
        sent = dict(delivery.document)
        doc = Document.create(
            id=new_id(), unit=unit.id, doc_number=sent["doc_number"], issuer=sent["issuer"],
            doc_type=sent["doc_type"], title=sent["title"],
            classification=sent["classification"], urgency=sent["urgency"],
            signatory=sent["signatory"], main_recipients=list(sent["main_recipients"]),
            cc=list(sent["cc"]), issued_on=sent["issued_on"], notes=sent["notes"],
            received_at=at,
            registration_number=next_registration_number(unit, at.astimezone(clock.CST).year),
            body=sent["body"], attachments=list(sent["attachments"]), status="registered",
            digest=sent["digest"], registered_by=user.id, delivery_id=delivery.id,
            updated_at=clock.now())
        _publish(_Changes(document=doc, audience_before=[], doc_changed=True))
        delivery.status = "received"
        delivery.received_by = user.id
        delivery.received_at = at
        delivery.document_id = doc.id
        delivery.version += 1
        delivery.updated_at = clock.now()
        delivery.save()
        publish_delivery(delivery)
        return doc


def refuse(user: User, data: Any) -> Delivery:
    """拒收/退回 with a reason (for example 非本单位来文): the sender sees it in the 回执."""
    require_reason(data)
    d = parse(DeliveryRefuseData, data)
    broken = rules.check_refusal(d.reason)
    if broken is not None:
        raise Problem(422, broken, "Reason required", "拒收 needs a reason")
    at = op_time(d.at, "at")
    with write_tx():
        delivery = _pending_delivery(user, d.delivery_id)
        delivery.status = "refused"
        delivery.refused_by = user.id
        delivery.refused_at = at
        delivery.reason = d.reason.strip()
        delivery.version += 1
        delivery.updated_at = clock.now()
        delivery.save()
        publish_delivery(delivery)
        return delivery


# --- exchange.send ----------------------------------------------------------------------


def _sent_document(user: User, document: dict[str, Any]) -> dict[str, Any]:
    """An outside body's document as delivered: its blobs the sender's own uploads, its
    digest its own; an absent 签发人 or 附注 is kept as "" (as a 收文 holds them)."""
    doc = dict(document)
    if doc.get("classification") not in rules.SENDABLE_CLASSIFICATIONS:
        raise Problem(400, "document.classified", "Classified document",
                      "classified documents are not handled on this network")
    if doc.get("doc_type") not in rules.DOC_TYPES:
        raise invalid(f"doc_type must be one of {'、'.join(rules.DOC_TYPES)}")
    for name in ("doc_number", "issuer", "title"):
        if not str(doc.get(name) or "").strip():
            raise invalid(f"document.{name} must not be empty")
    issued_on = doc.get("issued_on")
    try:
        date.fromisoformat(str(issued_on))
    except ValueError:
        raise invalid("document.issued_on must be a date YYYY-MM-DD") from None
    if not doc.get("body"):
        raise invalid("document.body is required")
    if any(not isinstance(r, str) for r in [*doc["main_recipients"], *doc["cc"]]):
        raise invalid("document.main_recipients and cc hold the names as printed")
    for what, ref in (("body", doc["body"]), *(("attachment", a) for a in doc["attachments"])):
        if not uploaded_by(user, ref["sha256"]):
            raise Problem(422, "blob.not_found", "Unknown blob",
                          f"the {what} {ref['sha256']} was not uploaded")
    claimed = doc.pop("digest")
    if document_digest(doc) != claimed:
        raise invalid("document.digest is not the digest of the document")
    doc["signatory"] = doc.get("signatory") or ""
    doc["notes"] = doc.get("notes") or ""
    doc["digest"] = document_digest(doc)
    return doc


def send(user: User, data: Any) -> list[Delivery]:
    d = parse(ExchangeSendData, data)
    with write_tx():
        sender_unit = Unit.get_by_id(user.unit_id)
        if "exchange" not in (user.roles or []) or sender_unit.kind != "external":
            raise Problem(403, "exchange.not_allowed", "Not an exchange account",
                          "only an outside body's exchange account sends with exchange.send")
        if Delivery.select().where(Delivery.sender_id == user.id,
                                   Delivery.send_id == d.send_id).exists():
            raise invalid("send_id is already used")
        document = _sent_document(user, dict(d.document))
        roles: dict[str, str] = {}
        for role, ids in (("main", d.main_unit_ids), ("cc", d.cc_unit_ids)):
            for unit_id in ids:
                roles.setdefault(unit_id, role)
        units = {u.id: u for u in Unit.select().where(Unit.id.in_(list(roles)))}
        missing = [u for u in roles if u not in units or units[u].kind == "external"]
        if missing:
            raise Problem(422, "unit.not_found", "Unknown unit",
                          f"no county unit {', '.join(missing)}")
        now = clock.now()
        deliveries = []
        for unit_id, role in roles.items():
            delivery = Delivery.create(
                id=new_id(), outgoing_id=None, send_id=d.send_id, sender_id=user.id,
                sender_unit=sender_unit.id, recipient_unit=unit_id, role=role,
                status="pending", sent_at=now, due_at=_due(now, document["urgency"]),
                document=document, updated_at=now)
            publish_delivery(delivery)
            deliveries.append(delivery)
        return deliveries


def _op(fn: Any) -> Any:
    def handler(user: User, data: dict[str, Any]) -> OpOutcome:
        fn(user, data)
        return OpOutcome("applied")
    return handler


register_op(ops.OUTGOING_ISSUE, _op(issue))
register_op(ops.DELIVERY_RECEIVE, _op(receive))
register_op(ops.DELIVERY_REFUSE, _op(refuse))
register_op(ops.EXCHANGE_SEND, _op(send))
