"""发文 after submission: the lists, 核稿 (with edits as a new version and the diff), 会签,
签发 (signed, with handwriting), the drafter's 修改, and the clerk's 编号, 用印, 核发, 撤销.

One signs what one sees: a signed step's `outgoing_digest` is recomputed here from the
outgoing's metadata in the cache and the hash of the exact body on screen — the cached
version's, or the reviewer's edited body, which then becomes the next version. Each
action is queued offline through its op owner (client.services.op_owners.outgoing) in
one transaction with its local mark, so it leaves its list at once.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from client import models
from client.blobstore import BlobStore
from client.changes import Changes
from client.errors import ConflictError, GovDeskError
from client.models import (
    DocSeries,
    OutboxOp,
    Outgoing,
    OutgoingDraft,
    OutgoingStep,
    OutgoingVersion,
    Unit,
    User,
)
from client.services import audit, op_owners
from client.services.drafting import DraftingService
from client.services.op_owners import outgoing as owners
from client.services.receipts import ReceiptSummary, deliveries_for
from client.services.signoff import _rfc3339
from client.types import UserId
from protocol import docbody
from protocol import outgoing_rules as rules
from protocol.canonical import outgoing_digest, step_message
from protocol.signing import Signer

log = logging.getLogger(__name__)

# The lists of the 发文 page; `clerk` (待办: 待编号, 待用印, 待核发) for the unit's clerk.
VIEWS = ("mine", "review", "sign", "issued", "clerk")
_VIEW_STEP_KINDS = {"review": ("review", "countersign"), "sign": ("sign",)}
ISSUED_STATUSES = ("signed", "numbered", "sealed", "issued", "cancelled")
# The clerk's next step for each status waiting for one (protocol CLERK_ACTIONS inverted).
CLERK_NEXT: dict[str, str] = {status: action for action, status in rules.CLERK_ACTIONS.items()}
_URGENCY_FIRST = {"very_urgent": 0, "urgent": 1}


@dataclass(frozen=True)
class OutgoingRow:
    """One line of a 发文 list: a platform outgoing, or my draft not taken over yet."""

    id: str                       # outgoing id (= the draft's id)
    title: str
    doc_type: str
    status: str                   # outgoing_rules.STATUSES, or "draft"/"queued"/"conflict"/"rejected"
    doc_number: str
    urgency: str
    drafter_name: str
    step_id: str | None = None    # my pending step on it (review and sign lists)
    step_kind: str | None = None
    local: str = ""               # "pending_sync" (queued here), or a clerk action queued
    is_draft: bool = False
    updated_at: float | None = None


@dataclass(frozen=True)
class VersionInfo:
    number: int
    body: dict[str, Any]
    body_sha256: str
    author_name: str
    created_at: str
    note: str
    hash_ok: bool                 # the body hashes to its recorded body_sha256


@dataclass(frozen=True)
class StepInfo:
    id: str
    kind: str
    assignee_id: str
    assignee_name: str
    status: str
    decision: str | None
    text: str
    version_number: int | None
    signed_at: str | None
    handwriting_sha256: str | None
    local_mark: str


@dataclass(frozen=True)
class OutgoingDetail:
    data: dict[str, Any]            # the wire object as cached
    status: str
    versions: list[VersionInfo]     # oldest first
    current: VersionInfo | None     # the version the digest is of
    digest: str | None              # recomputed here from metadata + current body
    digest_ok: bool                 # equals the platform's `digest`
    steps: list[StepInfo]
    names: dict[str, str]           # user id → display name (route, drafter)
    unit_name: str
    local_action: str
    next_number: str | None         # what 编号 would give now (the series' next), a hint
    has_seal: bool
    # A new version made here (核稿 with an edit, a 修改) not yet back from the platform:
    # shown at once, as 待发送, instead of the version it replaces.
    pending_version: VersionInfo | None = None

    @property
    def id(self) -> str:
        return str(self.data["id"])


@dataclass(frozen=True)
class StepView:
    """An open step: the outgoing, the version on screen and the diff from the one before."""

    step: StepInfo
    detail: OutgoingDetail
    decisions: tuple[str, ...]
    previous: VersionInfo | None
    diff: list[docbody.DiffLine] = field(default_factory=list)


@dataclass(frozen=True)
class StepResult:
    op_id: str
    step_id: str
    outgoing_id: str
    outgoing_digest: str
    body_sha256: str
    signature: dict[str, str] | None
    changes: Changes


def _names(ids: Sequence[str]) -> dict[str, str]:
    return {u.id: u.display_name for u in
            User.select(User.id, User.display_name).where(User.id.in_(list(set(ids))))}


def _version(v: OutgoingVersion, names: Mapping[str, str]) -> VersionInfo:
    body = dict(v.data.get("body") or {})
    try:
        ok = docbody.body_sha256(body) == v.body_sha256
    except (KeyError, TypeError, ValueError):
        ok = False
    return VersionInfo(number=v.number, body=body, body_sha256=v.body_sha256,
                       author_name=names.get(v.author_id, v.author_id),
                       created_at=str(v.data.get("created_at") or ""),
                       note=str(v.data.get("note") or ""), hash_ok=ok)


def _step(s: OutgoingStep, names: Mapping[str, str]) -> StepInfo:
    d = s.data
    hw = d.get("handwriting")
    return StepInfo(id=s.id, kind=s.kind, assignee_id=s.assignee_id,
                    assignee_name=names.get(s.assignee_id, s.assignee_id), status=s.status,
                    decision=d.get("decision"), text=str(d.get("text") or ""),
                    version_number=d.get("version_number"), signed_at=d.get("signed_at"),
                    handwriting_sha256=hw.get("sha256") if isinstance(hw, dict) else None,
                    local_mark=s.local_mark)


class OutgoingService:
    def __init__(self, me: UserId, blobs: BlobStore | None = None) -> None:
        self.me = me
        self.blobs = blobs

    # --- who am I -----------------------------------------------------------------------
    def _me(self) -> User | None:
        return User.get_or_none(User.id == self.me)

    def is_clerk_of(self, unit_id: str) -> bool:
        me = self._me()
        return bool(me and "clerk" in (me.roles or []) and me.unit_id == unit_id)

    def clerk_unit(self) -> str | None:
        """The unit whose 发文 I number, seal and issue (None: I am no clerk)."""
        me = self._me()
        return me.unit_id if me and "clerk" in (me.roles or []) and me.unit_id else None

    def _clerk_waiting(self) -> list[Outgoing]:
        """My unit's 发文 waiting for the clerk's next step, most urgent first, then the
        one waiting longest; those whose step is queued here (待发送) last."""
        unit = self.clerk_unit()
        if unit is None:
            return []
        rows = list(Outgoing.select().where((Outgoing.unit_id == unit)
                                            & Outgoing.status.in_(list(CLERK_NEXT))))
        rows.sort(key=lambda o: (bool(o.local_action), _URGENCY_FIRST.get(o.urgency, 2),
                                 o.updated_at or "", o.created_at or 0, o.id))
        return rows

    def clerk_counts(self) -> dict[str, int]:
        """待编号 / 待用印 / 待核发: how many wait for each step (not queued here yet)."""
        out = dict.fromkeys(rules.CLERK_ACTIONS, 0)
        for o in self._clerk_waiting():
            if not o.local_action:
                out[CLERK_NEXT[o.status]] += 1
        return out

    # --- lists ----------------------------------------------------------------------------
    def rows(self, view: str) -> list[OutgoingRow]:
        if view not in VIEWS:
            raise ValueError(view)
        if view == "mine":
            return self._mine()
        if view == "clerk":
            rows = self._clerk_waiting()
            names = _names([o.drafter_id for o in rows])
            return [self._row(o, names) for o in rows]
        if view == "issued":
            q = (Outgoing.select().where(Outgoing.status.in_(ISSUED_STATUSES))
                 .order_by(Outgoing.updated_at.desc(), Outgoing.id))
            rows = list(q)
            names = _names([o.drafter_id for o in rows])
            return [self._row(o, names) for o in rows]
        steps = list(OutgoingStep.select().where(
            (OutgoingStep.assignee_id == self.me) & (OutgoingStep.status == "pending")
            & OutgoingStep.kind.in_(_VIEW_STEP_KINDS[view])).order_by(OutgoingStep.created_at))
        by_id = {o.id: o for o in Outgoing.select().where(
            Outgoing.id.in_([s.outgoing_id for s in steps]))}
        names = _names([o.drafter_id for o in by_id.values()])
        out = []
        for s in steps:
            o = by_id.get(s.outgoing_id)
            if o is not None:
                out.append(self._row(o, names, step=s))
        return out

    def _row(self, o: Outgoing, names: Mapping[str, str],
             step: OutgoingStep | None = None) -> OutgoingRow:
        local = step.local_mark if step is not None else o.local_action
        return OutgoingRow(id=o.id, title=o.title, doc_type=o.doc_type, status=o.status,
                           doc_number=o.doc_number, urgency=o.urgency,
                           drafter_name=names.get(o.drafter_id, ""),
                           step_id=step.id if step else None,
                           step_kind=step.kind if step else None, local=local,
                           updated_at=o.created_at)

    def _mine(self) -> list[OutgoingRow]:
        """My drafts (待发送 first: queued, refused, being written) then my outgoing."""
        drafts = DraftingService(self.me).drafts()
        taken = {o.id for o in Outgoing.select(Outgoing.id).where(
            Outgoing.id.in_([d.id for d in drafts]))}
        order = {"queued": 0, "conflict": 1, "rejected": 1, "draft": 2}
        rows = [OutgoingRow(id=d.id, title=d.title, doc_type=str(d.fields.get("doc_type")),
                            status=d.state, doc_number="", urgency=str(d.fields.get("urgency")),
                            drafter_name="", is_draft=True,
                            local="pending_sync" if d.state == "queued" else "",
                            updated_at=d.updated_at.timestamp() if d.updated_at else None)
                for d in drafts if d.id not in taken]
        rows.sort(key=lambda r: order.get(r.status, 3))
        mine = list(Outgoing.select().where(Outgoing.drafter_id == self.me)
                    .order_by(Outgoing.created_at.desc()))
        revise = {s.outgoing_id: s for s in OutgoingStep.select().where(
            (OutgoingStep.assignee_id == self.me) & (OutgoingStep.kind == "revise")
            & (OutgoingStep.status == "pending"))}
        names = _names([self.me])
        return rows + [self._row(o, names, step=revise.get(o.id)) for o in mine]

    def counts(self) -> dict[str, int]:
        """Pending steps per list (badges): 待核稿 and 待签发, and my drafts to revise."""
        def n(kinds: Sequence[str]) -> int:
            return OutgoingStep.select().where(
                (OutgoingStep.assignee_id == self.me) & (OutgoingStep.status == "pending")
                & (OutgoingStep.local_mark == "") & OutgoingStep.kind.in_(list(kinds))).count()
        counts = {"review": n(("review", "countersign")), "sign": n(("sign",)),
                  "mine": n(("revise",))}
        if self.clerk_unit() is not None:  # the key only for a clerk: the list shows then
            counts["clerk"] = sum(self.clerk_counts().values())
        return counts

    # --- one outgoing ---------------------------------------------------------------------
    def detail(self, outgoing_id: str) -> OutgoingDetail:
        o = Outgoing.get_or_none(Outgoing.id == outgoing_id)
        if o is None:
            raise GovDeskError("outgoing.not_found")
        data = dict(o.data)
        versions_rows = list(OutgoingVersion.select().where(
            OutgoingVersion.outgoing_id == outgoing_id).order_by(OutgoingVersion.number))
        steps_rows = list(OutgoingStep.select().where(OutgoingStep.outgoing_id == outgoing_id)
                          .order_by(OutgoingStep.created_at, OutgoingStep.id))
        names = _names([o.drafter_id, o.signatory_id, o.reviewer_id or "",
                        *(data.get("countersigner_ids") or []),
                        *(s.assignee_id for s in steps_rows),
                        *(v.author_id for v in versions_rows),
                        *(data.get(k) or "" for k in ("signed_by", "numbered_by", "sealed_by",
                                                      "issued_by"))])
        versions = [_version(v, names) for v in versions_rows]
        current = next((v for v in versions if v.number == o.current_version), None)
        digest = None
        if current is not None and current.hash_ok and current.body_sha256 == data.get(
                "body_sha256"):
            digest = outgoing_digest(data, body_sha256=current.body_sha256)
        unit = Unit.get_or_none(Unit.id == o.unit_id)
        pending = self._pending_version(o, steps_rows, versions)
        return OutgoingDetail(
            data=data, status=o.status, versions=versions, current=current, digest=digest,
            digest_ok=digest is not None and digest == data.get("digest"),
            steps=[_step(s, names) for s in steps_rows], names=names,
            unit_name=unit.name if unit else "", local_action=o.local_action,
            next_number=self.next_number(o), has_seal=bool(unit and unit.data.get("has_seal")),
            pending_version=pending)

    def _pending_version(self, o: Outgoing, steps: Sequence[OutgoingStep],
                         versions: Sequence[VersionInfo]) -> VersionInfo | None:
        """The body a step done here sent (or will send) as the next version, until the
        feed brings that version: the record showed version 1 again after a 核稿 edit."""
        step_ids = [s.id for s in steps]
        if not step_ids:
            return None
        arrived = {v.body_sha256 for v in versions}
        refs = [f"outgoing_step:{i}" for i in step_ids]  # op_owners.outgoing's local_ref
        ops_ = (OutboxOp.select().where(OutboxOp.local_ref.in_(refs)
                                        & OutboxOp.state.in_(("queued", "sent", "done")))
                .order_by(OutboxOp.id.desc()))
        for op in ops_:
            data = op.data or {}
            body, sha = data.get("body"), str(data.get("body_sha256") or "")
            if data.get("step_id") not in step_ids or not body:
                continue
            if sha in arrived:
                return None  # the platform's copy is here: it is shown
            me = _names([self.me])
            return VersionInfo(number=max([o.current_version, *(v.number for v in versions)])
                               + 1, body=dict(body), body_sha256=sha,
                               author_name=me.get(self.me, ""),
                               created_at=str(op.created_at), note=str(data.get("version_note")
                                                                       or ""),
                               hash_ok=docbody.body_sha256(body) == sha)
        return None

    def next_number(self, o: Outgoing, *, year: int | None = None) -> str | None:
        """The number 编号 would give now, from the series in the cache (a hint: the
        platform gives the number)."""
        year = year or datetime.now().year
        s = DocSeries.get_or_none((DocSeries.unit_id == o.unit_id)
                                  & (DocSeries.prefix == o.series) & (DocSeries.year == year))
        last = s.last_number if s else 0
        return rules.format_doc_number(o.series, year, last + 1) if o.series else None

    def open_step(self, step_id: str) -> StepView:
        s = OutgoingStep.get_or_none(OutgoingStep.id == step_id)
        if s is None:
            raise GovDeskError("step.not_found")
        detail = self.detail(s.outgoing_id)
        names = detail.names
        previous = None
        diff: list[docbody.DiffLine] = []
        if detail.current is not None:
            older = [v for v in detail.versions if v.number < detail.current.number]
            previous = older[-1] if older else None
            if previous is not None:
                diff = docbody.diff_bodies(previous.body, detail.current.body)
        return StepView(step=_step(s, names), detail=detail,
                        decisions=rules.STEP_DECISIONS.get(s.kind, ()), previous=previous,
                        diff=diff)

    # --- completing a step --------------------------------------------------------------
    def _pending_step(self, step_id: str) -> OutgoingStep:
        s = OutgoingStep.get_or_none(OutgoingStep.id == step_id)
        if s is None:
            raise GovDeskError("step.not_found")
        if s.assignee_id != self.me:
            raise GovDeskError("step.not_assignee")
        if s.status != "pending" or s.local_mark == "pending_sync":
            raise ConflictError("step.not_pending")
        return s

    def complete_step(self, step_id: str, *, decision: str, text: str,
                      body: Mapping[str, Any] | None = None, version_note: str = "",
                      metadata: Mapping[str, Any] | None = None,
                      handwriting_png: bytes | None = None, signer: Signer | None,
                      shown_digest: str | None = None, now: datetime) -> StepResult:
        """核稿, 会签, 签发 (signed) or 修改 (`resubmit`), queued as `outgoing.step`.

        `body`: the body as on screen when it differs from the current version (a review
        with edits, a revision): it becomes the next version. `metadata`: a revision's
        changed title, recipients, notes or attachments. `shown_digest`: the digest the
        screen showed; if the cache changed under it, nothing is signed."""
        s = self._pending_step(step_id)
        detail = self.detail(s.outgoing_id)
        if detail.current is None or detail.digest is None:
            raise GovDeskError("document.incomplete")
        new_body = None
        if body is not None and docbody.body_sha256(body) != detail.current.body_sha256:
            new_body = docbody.normalise(body)
        meta = {k: v for k, v in (metadata or {}).items()
                if k in ("title", "main_recipients", "cc", "notes", "attachments")}
        if meta and s.kind != "revise":
            raise GovDeskError("step.body_not_allowed")
        broken = rules.check_step(kind=s.kind, decision=decision, text=text,
                                  has_body=new_body is not None)
        if broken is not None:
            raise GovDeskError(broken, limit=4000)
        if new_body is not None:
            broken = docbody.check_body(new_body)
            if broken is not None:
                raise GovDeskError(broken)
        body_sha = docbody.body_sha256(new_body) if new_body is not None else \
            detail.current.body_sha256
        seen = dict(detail.data) | meta
        digest = outgoing_digest(seen, body_sha256=body_sha)
        if shown_digest is not None and new_body is None and not meta and \
                shown_digest != detail.digest:
            raise ConflictError("outgoing.digest_mismatch")
        rule = rules.step_rule(s.kind, decision)
        assert rule is not None  # check_step passed
        hw_sha = None
        if handwriting_png is not None:
            if not handwriting_png.startswith(b"\x89PNG\r\n\x1a\n"):
                raise GovDeskError("handwriting.not_png")
            if self.blobs is None:
                raise GovDeskError("blob.unavailable")
            hw_sha = self.blobs.put_bytes(handwriting_png, "image/png", upload=True)
        signed_at = _rfc3339(now)
        signature = None
        if rule.signed:
            if signer is None or signer.user_id != self.me:
                raise GovDeskError("signature.wrong_user")
            signature = signer.sign(step_message(
                step_id=s.id, outgoing_id=s.outgoing_id, outgoing_digest=digest,
                decision=decision, text=text, handwriting_sha256=hw_sha, signer_id=self.me,
                signed_at=signed_at))
        data: dict[str, Any] = {"step_id": s.id, "decision": decision, "text": text,
                                "outgoing_digest": digest, "handwriting_sha256": hw_sha,
                                "signed_at": signed_at, "signature": signature}
        if new_body is not None:
            data |= {"body": new_body, "body_sha256": body_sha, "version_note": version_note}
        data |= meta
        blobs_first = [hw_sha] if hw_sha else []
        blobs_first += [a["sha256"] for a in meta.get("attachments") or []]
        db = models.database_proxy.obj
        with db.atomic("IMMEDIATE") if db.transaction_depth() == 0 else db.atomic():
            self._pending_step(s.id)  # again, inside the write lock
            op_id, changes = op_owners.OUTGOING_STEP.queue(
                step_id=s.id, outgoing_id=s.outgoing_id, data=data, blobs_first=blobs_first,
                now=now)
            audit.record("outgoing.step", user_id=self.me, obj=f"outgoing_step:{s.id}",
                         detail={"outgoing_id": s.outgoing_id, "kind": s.kind,
                                 "decision": decision, "op_id": op_id, "digest": digest,
                                 "new_version": new_body is not None}, at=now)
        return StepResult(op_id=op_id, step_id=s.id, outgoing_id=s.outgoing_id,
                          outgoing_digest=digest, body_sha256=body_sha, signature=signature,
                          changes=changes)

    # --- the clerk ----------------------------------------------------------------------
    def _clerk_target(self, outgoing_id: str, action: str) -> Outgoing:
        o = Outgoing.get_or_none(Outgoing.id == outgoing_id)
        if o is None:
            raise GovDeskError("outgoing.not_found")
        if o.local_action:
            raise ConflictError("outgoing.action_pending")
        if action == "cancel":
            drafter_may = o.drafter_id == self.me and o.status in rules.ROUTE_STATUSES
            if not drafter_may and not self.is_clerk_of(o.unit_id):
                raise GovDeskError("clerk.required")
            if o.status not in rules.CANCELLABLE_STATUSES:
                raise ConflictError("outgoing.wrong_status")
            return o
        if not self.is_clerk_of(o.unit_id):
            raise GovDeskError("clerk.required")
        if o.status != rules.CLERK_ACTIONS[action]:
            raise ConflictError("outgoing.wrong_status")
        if action == "seal":
            unit = Unit.get_or_none(Unit.id == o.unit_id)
            if unit is None or not unit.data.get("has_seal"):
                raise GovDeskError("seal.missing")
        return o

    def clerk_action(self, outgoing_id: str, action: str, *, now: datetime,
                     series: str | None = None, reason: str = "") -> tuple[str, Changes]:
        """编号 (`number`), 用印 (`seal`), 核发 (`issue`) or 撤销 (`cancel`, with a reason)."""
        if action not in owners.CLERK:
            raise ValueError(action)
        data: dict[str, Any] = {"outgoing_id": outgoing_id}
        if action == "cancel":
            reason = reason.strip()
            broken = rules.check_refusal(reason)
            if broken is not None:
                raise GovDeskError(broken, limit=rules.MAX_REASON)
            data["reason"] = reason
        if action == "number" and series:
            data["series"] = series
        db = models.database_proxy.obj
        with db.atomic("IMMEDIATE") if db.transaction_depth() == 0 else db.atomic():
            o = self._clerk_target(outgoing_id, action)
            op_id, changes = owners.CLERK[action].queue(
                outgoing_id=outgoing_id, data=data, from_status=o.status, now=now)
            audit.record(f"outgoing.{action}", user_id=self.me, obj=f"outgoing:{outgoing_id}",
                         detail={"op_id": op_id, "status": o.status} | (
                             {"reason": reason} if reason else {}), at=now)
        return op_id, changes

    def draft_of(self, outgoing_id: str) -> OutgoingDraft | None:
        return OutgoingDraft.get_or_none(OutgoingDraft.id == outgoing_id)

    def receipts(self, outgoing_id: str, *, now: datetime) -> ReceiptSummary:
        """The 回执 of an issued outgoing (client.services.receipts)."""
        return deliveries_for(outgoing_id, now=now)
