"""发文 拟制: the ops `outgoing.submit` (起草 submitted), `outgoing.step` (核稿, 会签, 签发
signed over the digest of the exact version; 修改 resubmits) and `outgoing.cancel`.

Rules: protocol.outgoing_rules (statuses, steps, decisions), protocol.docbody (the body
and its hash), protocol.canonical (outgoing_digest, step_message). The clerk's steps
after 签发 are in `numbering` (编号, 用印) and `exchange` (核发).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from protocol import docbody, ops
from protocol import outgoing_rules as rules
from protocol.canonical import outgoing_digest, step_message
from protocol.platform_receipt import signed_subject
from protocol.signing import verify_signature_object
from protocol.wire.outgoing import OutgoingCancelData, OutgoingStepData, OutgoingSubmitData
from server import clock, feed, platform_keys
from server.db import write_tx
from server.errors import Problem
from server.models import (
    Blob,
    DocSeries,
    Document,
    Outgoing,
    OutgoingStep,
    OutgoingVersion,
    SigningKey,
    Unit,
    UnitSeries,
    User,
)
from server.ops import OpOutcome, register_op
from server.serialize import (
    doc_series_json,
    outgoing_json,
    outgoing_step_json,
    outgoing_version_json,
    parse_time,
)
from server.visibility import doc_series_audience, outgoing_audience
from server.workflow.common import (
    _active_users,
    check_signed_at,
    contains_nul,
    new_id,
    uploaded_by,
)

M = TypeVar("M", bound=BaseModel)


# --- shared by the 发文 modules ----------------------------------------------------------


def invalid(detail: str) -> Problem:
    return Problem(422, "op.invalid_data", "Invalid operation data", detail)


def parse(model: type[M], data: Any) -> M:
    """The op data checked by its shared schema (protocol.wire.outgoing)."""
    if not isinstance(data, dict):
        raise invalid("data must be an object")
    if contains_nul(data):
        raise invalid("text must not contain NUL characters")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        raise invalid(f"{where}: {first['msg']}") from None


def require_reason(data: Any, name: str = "reason") -> None:
    """Every 退回, 拒收 and cancellation takes a reason: a blank one is refused with
    `opinion.reason_required` before the schema's shape check (which would only say the
    data is invalid)."""
    if isinstance(data, dict):
        value = data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise Problem(422, "opinion.reason_required", "Reason required",
                          f"{name} must say why")


def op_time(value: str, name: str) -> datetime:
    try:
        return parse_time(value, field=name)
    except ValueError as exc:
        raise invalid(str(exc)) from None


def is_clerk_of(user: User, unit_id: str) -> bool:
    return "clerk" in (user.roles or []) and user.unit_id == unit_id


def clerk_required() -> Problem:
    return Problem(403, "clerk.required", "Clerk required", "only a clerk of the unit may do this")


def require_clerk(user: User, unit_id: str) -> None:
    """Only the unit's own clerk numbers, seals, issues, receives and reminds."""
    if not is_clerk_of(user, unit_id):
        raise clerk_required()


def wrong_status(out: Outgoing, wanted: str | tuple[str, ...]) -> Problem:
    names = wanted if isinstance(wanted, str) else " or ".join(wanted)
    return Problem(409, "outgoing.wrong_status", "Wrong status",
                   f"the document is {out.status}, this needs {names}")


def get_outgoing(user: User, outgoing_id: str) -> Outgoing:
    """The outgoing document, if `user` may see it (else, like an unknown id, not found)."""
    out = Outgoing.get_or_none(id=outgoing_id)
    if out is None or user.id not in outgoing_audience(out):
        raise Problem(404, "outgoing.not_found", "Not found", "no such outgoing document")
    return out


def digest_fields(out: Outgoing) -> dict[str, Any]:
    """The outgoing's fields its digest covers (protocol.canonical.OUTGOING_DIGEST_FIELDS)."""
    return {"unit_id": out.unit_id, "doc_type": out.doc_type, "title": out.title,
            "classification": out.classification, "urgency": out.urgency,
            "signatory_id": out.signatory_id, "main_recipients": out.main_recipients,
            "cc": out.cc, "notes": out.notes, "attachments": out.attachments}


def current_digest(out: Outgoing, body_sha256: str | None = None) -> str:
    return outgoing_digest(digest_fields(out), body_sha256=body_sha256 or out.body_sha256)


@dataclass
class OutChanges:
    """Objects of one outgoing document changed by one action, published together."""

    out: Outgoing
    audience_before: list[str]
    changed: bool = False
    versions: dict[str, OutgoingVersion] = field(default_factory=dict)
    steps: dict[str, OutgoingStep] = field(default_factory=dict)

    def touch(self) -> None:
        self.out.version += 1
        self.out.updated_at = clock.now()
        self.out.save()
        self.changed = True

    def touch_step(self, step: OutgoingStep) -> None:
        step.version += 1
        step.updated_at = clock.now()
        step.save()
        self.steps[step.id] = step


def begin(out: Outgoing) -> OutChanges:
    return OutChanges(out=out, audience_before=outgoing_audience(out))


def outgoing_blobs(out: Outgoing) -> list[str]:
    shas = [a["sha256"] for a in out.attachments or []]
    if out.issued_body:
        shas.append(out.issued_body["sha256"])
    return shas


def publish(ch: OutChanges) -> None:
    """Publish what changed; when the audience moved, the whole outgoing again (newcomers
    get every version and step, those who lost sight get deletes)."""
    out = ch.out
    audience = set(outgoing_audience(out))
    if audience != set(ch.audience_before):
        ch.changed = True
        for v in OutgoingVersion.select().where(OutgoingVersion.outgoing == out.id):
            ch.versions.setdefault(v.id, v)
        for s in OutgoingStep.select().where(OutgoingStep.outgoing == out.id):
            ch.steps.setdefault(s.id, s)
    if ch.changed:
        feed.publish("outgoing", out.id, outgoing_json(out), audience,
                     blobs=outgoing_blobs(out))
    for v in ch.versions.values():
        feed.publish("outgoing_version", v.id, outgoing_version_json(v), audience)
    for s in ch.steps.values():
        hw = [s.handwriting_sha256] if s.handwriting_sha256 else []
        feed.publish("outgoing_step", s.id, outgoing_step_json(s), audience, blobs=hw)


def publish_series(series: DocSeries) -> None:
    feed.publish("doc_series", series.id, doc_series_json(series),
                 set(doc_series_audience(series)))


# --- checks of a draft ------------------------------------------------------------------


def _check_body(body: Any, claimed_sha256: str | None) -> tuple[dict[str, Any], str]:
    broken = docbody.check_body(body)
    if broken is not None:
        raise Problem(422, broken, "Invalid body", "the body breaks protocol.docbody's rules")
    normal = docbody.normalise(body)
    sha = docbody.body_sha256(normal)
    if claimed_sha256 is not None and claimed_sha256 != sha:
        raise Problem(422, "body.invalid", "Invalid body",
                      "body_sha256 is not the hash of the body")
    return normal, sha


def _check_recipients(groups: list[Any], what: str) -> list[dict[str, Any]]:
    out = []
    wanted: set[str] = set()
    for group in groups:
        name = str(group["name"]).strip()
        if not name:
            raise invalid(f"{what}: a recipient needs a name")
        unit_ids = list(dict.fromkeys(group["unit_ids"]))
        wanted.update(unit_ids)
        out.append({"name": name, "unit_ids": unit_ids})
    if wanted:
        found = {u.id for u in Unit.select(Unit.id).where(Unit.id.in_(list(wanted)))}
        missing = sorted(wanted - found)
        if missing:
            raise Problem(422, "unit.not_found", "Unknown unit",
                          f"{what}: no unit {', '.join(missing)}")
    return out


def _check_attachments(user: User, attachments: list[Any]) -> list[dict[str, Any]]:
    out = []
    for i, att in enumerate(attachments):
        sha = att["sha256"]
        blob = Blob.select(Blob.media_type, Blob.size).where(Blob.sha256 == sha).first()
        if blob is None or not uploaded_by(user, sha):
            raise Problem(422, "blob.not_found", "Unknown blob",
                          f"attachment {i} ({sha}) was not uploaded")
        name = str(att.get("name") or "").strip()
        if not name or len(name) > 255:
            raise invalid(f"attachment {i} needs a name")
        out.append({"name": name, "sha256": sha, "media_type": blob.media_type,
                    "size": int(blob.size)})
    return out


def _role_users(ids: list[str], what: str, roles: tuple[str, ...]) -> list[User]:
    users = _active_users(ids, what=what)
    for user in users:
        if not set(roles) & set(user.roles or []):
            raise Problem(422, "routing.unknown_user", "Not allowed on this route",
                          f"{what}: {user.id} is not a {' or '.join(roles)}")
    return users


def unit_series(unit_id: str) -> list[str]:
    return [s.prefix for s in UnitSeries.select(UnitSeries.prefix)
            .where(UnitSeries.unit == unit_id)]


def check_series(unit_id: str, prefix: str) -> None:
    if prefix not in unit_series(unit_id):
        raise Problem(422, "series.unknown", "Unknown series",
                      f"the unit does not number in the series {prefix!r}")


# --- the route --------------------------------------------------------------------------

_STEP_OF_STATUS = {"reviewing": "review", "countersigning": "countersign", "signing": "sign",
                   "revising": "revise"}


def _new_step(ch: OutChanges, kind: str, assignee_id: str) -> OutgoingStep:
    now = clock.now()
    step = OutgoingStep.create(id=new_id(), outgoing=ch.out.id, kind=kind,
                               assignee=assignee_id, status="pending", created_at=now,
                               updated_at=now)
    ch.steps[step.id] = step
    return step


def _open_status(ch: OutChanges, status: str) -> None:
    """Enter `status` and give its steps to the people the route names for it."""
    out = ch.out
    out.status = status
    if status == "reviewing":
        _new_step(ch, "review", str(out.reviewer_id))
    elif status == "countersigning":
        for uid in out.countersigner_ids or []:
            _new_step(ch, "countersign", uid)
    elif status == "signing":
        _new_step(ch, "sign", out.signatory_id)
    elif status == "revising":
        _new_step(ch, "revise", out.drafter_id)


def _new_version(ch: OutChanges, body: dict[str, Any], sha: str, author: User,
                 note: str) -> OutgoingVersion:
    out = ch.out
    out.current_version += 1
    out.body_sha256 = sha
    out.digest = current_digest(out)
    now = clock.now()
    version = OutgoingVersion.create(
        id=new_id(), outgoing=out.id, number=out.current_version, body=body, body_sha256=sha,
        digest=out.digest, author_id=author.id, created_at=now, note=note, updated_at=now)
    ch.versions[version.id] = version
    return version


def _pending_steps(out: Outgoing) -> list[OutgoingStep]:
    return list(OutgoingStep.select().where(OutgoingStep.outgoing == out.id,
                                            OutgoingStep.status == "pending"))


def cancel_pending_steps(ch: OutChanges, *, keep: str | None = None) -> None:
    for step in _pending_steps(ch.out):
        if step.id != keep:
            step.status = "cancelled"
            step.completed_at = clock.now()
            ch.touch_step(step)


# --- outgoing.submit --------------------------------------------------------------------


def submit(user: User, data: Any) -> Outgoing:
    d = parse(OutgoingSubmitData, data)
    if d.doc_type not in rules.DOC_TYPES:
        raise invalid(f"doc_type must be one of {'、'.join(rules.DOC_TYPES)}")
    if d.classification not in rules.SENDABLE_CLASSIFICATIONS:
        raise Problem(400, "document.classified", "Classified document",
                      "classified documents are not handled on this network")
    if not d.title.strip():
        raise invalid("title must not be empty")
    body, sha = _check_body(d.body, d.body_sha256)
    with write_tx():
        if Outgoing.get_or_none(id=d.outgoing_id) is not None:
            raise invalid("outgoing_id is already used")
        if "exchange" in (user.roles or []):
            raise Problem(403, "exchange.not_allowed", "Not allowed",
                          "an exchange account sends with exchange.send")
        check_series(user.unit_id, d.series)
        main = _check_recipients(list(d.main_recipients), "main_recipients")
        cc = _check_recipients(list(d.cc), "cc")
        if not any(g["unit_ids"] for g in main + cc):
            raise invalid("name at least one recipient unit")
        (signatory,) = _role_users([d.signatory_id], "signatory_id", rules.SIGNATORY_ROLES)
        if d.reviewer_id:
            _role_users([d.reviewer_id], "reviewer_id", rules.REVIEWER_ROLES)
        countersigners = _role_users(list(d.countersigner_ids), "countersigner_ids",
                                     rules.COUNTERSIGNER_ROLES)
        if d.in_reply_to is not None:
            answered = Document.get_or_none(id=d.in_reply_to)
            if answered is None or answered.unit_id != user.unit_id:
                raise Problem(422, "document.not_found", "Not found",
                              "in_reply_to names no document of your unit")
        now = clock.now()
        out = Outgoing(
            id=d.outgoing_id, unit=user.unit_id, drafter=user.id, doc_type=d.doc_type,
            title=d.title.strip(), main_recipients=main, cc=cc,
            classification=d.classification, urgency=d.urgency, notes=d.notes,
            attachments=_check_attachments(user, list(d.attachments)),
            signatory_id=signatory.id, reviewer_id=d.reviewer_id or None,
            countersigner_ids=[u.id for u in countersigners], series=d.series,
            status="reviewing", current_version=0, body_sha256=sha, digest="",
            created_at=now, in_reply_to=d.in_reply_to, replies=[], updated_at=now)
        out.save(force_insert=True)
        ch = OutChanges(out=out, audience_before=[])
        _new_version(ch, body, sha, user, "")
        _open_status(ch, rules.first_status(has_reviewer=bool(out.reviewer_id),
                                            has_countersigners=bool(out.countersigner_ids)))
        ch.touch()
        publish(ch)
        return out


# --- outgoing.step ----------------------------------------------------------------------


def _verify(user: User, d: OutgoingStepData, step: OutgoingStep, digest: str) -> bytes:
    """The signed message of a 核稿, 会签 or 签发, once its signature verifies."""
    if d.signature is None or d.signed_at is None:
        raise invalid("a 核稿, 会签 or 签发 is signed: give signed_at and signature")
    op_time(d.signed_at, "signed_at")
    if d.outgoing_digest is not None and d.outgoing_digest != digest:
        raise Problem(403, "outgoing.digest_mismatch", "Digest mismatch",
                      "the document changed since it was signed; re-read and sign again")
    key_id = d.signature.get("key_id")
    key = SigningKey.get_or_none(id=key_id) if isinstance(key_id, str) else None
    if key is None or key.user_id != user.id:
        raise Problem(403, "signature.unknown_key", "Unknown key",
                      "the signing key is not registered to you")
    if key.revoked_at is not None:
        raise Problem(403, "signature.key_revoked", "Key revoked", "the signing key was revoked")
    message = step_message(step_id=step.id, outgoing_id=step.outgoing_id, outgoing_digest=digest,
                           decision=d.decision, text=d.text,
                           handwriting_sha256=d.handwriting_sha256, signer_id=user.id,
                           signed_at=d.signed_at)
    if d.signature.get("algorithm") != key.algorithm or not verify_signature_object(
            dict(d.signature), key.public_key, message):
        raise Problem(403, "signature.invalid", "Invalid signature", "the signature does not verify")
    check_signed_at(key, step.created_at, d.signed_at)
    return message


def _apply_revision(user: User, d: OutgoingStepData, out: Outgoing) -> bool:
    """A 修改's new metadata; True when anything changed."""
    changed = False
    if d.title is not None and d.title.strip() != out.title:
        if not d.title.strip():
            raise invalid("title must not be empty")
        out.title, changed = d.title.strip(), True
    for name in ("main_recipients", "cc"):
        value = getattr(d, name)
        if value is not None:
            groups = _check_recipients(list(value), name)
            if groups != getattr(out, name):
                setattr(out, name, groups)
                changed = True
    if not any(g["unit_ids"] for g in out.main_recipients + out.cc):
        raise invalid("name at least one recipient unit")
    if d.notes is not None and d.notes != out.notes:
        out.notes, changed = d.notes, True
    if d.attachments is not None:
        atts = _check_attachments(user, list(d.attachments))
        if atts != out.attachments:
            out.attachments, changed = atts, True
    return changed


def complete_step(user: User, data: Any) -> Outgoing:
    if isinstance(data, dict) and data.get("decision") == "return":
        require_reason(data, "text")
    d = parse(OutgoingStepData, data)
    with write_tx():
        step = OutgoingStep.get_or_none(id=d.step_id)
        if step is None:
            raise Problem(404, "step.not_found", "Not found", "no such step")
        out = Outgoing.get_by_id(step.outgoing_id)
        if step.assignee_id != user.id:
            if user.id not in outgoing_audience(out):
                # A step of a document the caller may not see: as an unknown one (issue
                # 13, finding 15); who sees the document is told it is someone else's.
                raise Problem(404, "step.not_found", "Not found", "no such step")
            raise Problem(403, "step.not_assignee", "Not yours",
                          "the step is assigned to someone else")
        if step.status != "pending":
            raise Problem(409, "step.not_pending", "Step not pending", f"the step is {step.status}")
        if _STEP_OF_STATUS.get(out.status) != step.kind:
            raise wrong_status(out, [s for s, k in _STEP_OF_STATUS.items() if k == step.kind][0])
        has_body = d.body is not None
        broken = rules.check_step(kind=step.kind, decision=d.decision, text=d.text,
                                  has_body=has_body)
        if broken is not None:
            status = 422 if broken.startswith("opinion.") else 403
            raise Problem(status, broken, "Step refused", "the rules of 发文 do not allow this")
        rule = rules.step_rule(step.kind, d.decision)
        assert rule is not None
        if step.kind != "revise" and any(getattr(d, n) is not None for n in
                                         ("title", "main_recipients", "cc", "notes",
                                          "attachments")):
            raise Problem(403, "step.body_not_allowed", "Not allowed",
                          "only the drafter's 修改 changes the metadata")
        if d.handwriting_sha256 is not None and not uploaded_by(user, d.handwriting_sha256):
            raise Problem(422, "blob.not_found", "Unknown blob",
                          "the handwriting image was not uploaded")
        ch = begin(out)
        new_body = _check_body(d.body, d.body_sha256) if has_body else None
        if step.kind == "revise":
            meta_changed = _apply_revision(user, d, out)
            if new_body is None and meta_changed:
                # Same body, new metadata: still a new version (its digest differs).
                version = OutgoingVersion.get(OutgoingVersion.outgoing == out.id,
                                              OutgoingVersion.number == out.current_version)
                new_body = (version.body, version.body_sha256)
        expected = current_digest(out, new_body[1] if new_body else None)
        receipt: tuple[str, dict[str, str]] | None = None
        if rule.signed:
            message = _verify(user, d, step, expected)
            receipt = platform_keys.sign_receipt(
                "outgoing_step", step.id,
                signed_subject(message, str(dict(d.signature or {}).get("value"))))
        elif d.outgoing_digest is not None and d.outgoing_digest != expected:
            raise Problem(403, "outgoing.digest_mismatch", "Digest mismatch",
                          "outgoing_digest is not the digest of the revised document")
        if new_body is not None:
            _new_version(ch, new_body[0], new_body[1], user, d.version_note)
        now = clock.now()
        step.decision = d.decision
        step.text = d.text
        step.version_number = out.current_version
        step.outgoing_digest = out.digest
        step.handwriting_sha256 = d.handwriting_sha256
        step.signed_at = d.signed_at if rule.signed else None
        step.signature = dict(d.signature) if rule.signed and d.signature else None
        step.accepted_at, step.platform_receipt = receipt if receipt else (None, None)
        step.completed_at = now
        step.status = "returned" if d.decision == "return" else "done"
        ch.touch_step(step)
        if d.decision == "return":
            cancel_pending_steps(ch)
            _open_status(ch, "revising")
        elif d.decision == "resubmit":
            _open_status(ch, rules.first_status(has_reviewer=bool(out.reviewer_id),
                                                has_countersigners=bool(out.countersigner_ids)))
        elif not any(s.kind == step.kind for s in _pending_steps(out)):
            nxt = rules.status_after_approval(out.status,
                                              has_countersigners=bool(out.countersigner_ids))
            if nxt == "signed":
                out.status = "signed"
                out.signed_by = user.id
                out.issued_on = op_time(str(d.signed_at), "signed_at").astimezone(
                    clock.CST).date().isoformat()
            else:
                _open_status(ch, nxt)
        ch.touch()
        publish(ch)
        return out


# --- outgoing.cancel --------------------------------------------------------------------


def cancel(user: User, data: Any) -> Outgoing:
    require_reason(data)
    d = parse(OutgoingCancelData, data)
    with write_tx():
        out = get_outgoing(user, d.outgoing_id)
        drafter_may = user.id == out.drafter_id and out.status in rules.ROUTE_STATUSES
        clerk_may = is_clerk_of(user, out.unit_id) and out.status in rules.CANCELLABLE_STATUSES
        if not (drafter_may or clerk_may):
            if out.status not in rules.CANCELLABLE_STATUSES:
                raise wrong_status(out, rules.CANCELLABLE_STATUSES)
            if user.id == out.drafter_id or is_clerk_of(user, out.unit_id):
                raise wrong_status(out, rules.ROUTE_STATUSES)
            raise Problem(403, "outgoing.not_drafter", "Not allowed",
                          "only the drafter or the unit's clerk may cancel it")
        ch = begin(out)
        cancel_pending_steps(ch)
        out.status = "cancelled"
        out.cancelled_reason = d.reason.strip()
        if out.number is not None:
            # The number stays spent: a gap of the series, with its reason.
            series = DocSeries.get(DocSeries.unit == out.unit_id,
                                   DocSeries.prefix == out.series,
                                   DocSeries.year == out.number_year)
            series.gaps = [*(series.gaps or []), {
                "number": out.number, "reason": out.cancelled_reason, "by": user.id,
                "at": clock.rfc3339(clock.now())}]
            series.version += 1
            series.updated_at = clock.now()
            series.save()
            publish_series(series)
        ch.touch()
        publish(ch)
        return out


def _op(fn: Any) -> Any:
    def handler(user: User, data: dict[str, Any]) -> OpOutcome:
        fn(user, data)
        return OpOutcome("applied")
    return handler


register_op(ops.OUTGOING_SUBMIT, _op(submit))
register_op(ops.OUTGOING_STEP, _op(complete_step))
register_op(ops.OUTGOING_CANCEL, _op(cancel))


def republish_unit(unit_id: str) -> int:
    """Re-send the unit's outgoing documents, deliveries and series to their current
    audience (a clerk joined or left the unit). Returns how many objects."""
    from server.models import Delivery
    from server.workflow.exchange import publish_delivery

    count = 0
    with write_tx():
        for out in Outgoing.select().where(Outgoing.unit == unit_id):
            publish(OutChanges(out=out, audience_before=[]))  # forces a full republish
            count += 1
        for delivery in Delivery.select().where((Delivery.sender_unit == unit_id)
                                                | (Delivery.recipient_unit == unit_id)):
            publish_delivery(delivery)
            count += 1
        for series in DocSeries.select().where(DocSeries.unit == unit_id):
            publish_series(series)
            count += 1
    return count
