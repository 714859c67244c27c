"""拟稿: a 发文 drafted on this PC, saved as it is typed, submitted as `outgoing.submit`.

A draft is one row of `outgoing_draft` (SQLite, in the encrypted cache): the editor saves
it a moment after each change, so a crash or a power cut loses at most that moment. It
never travels until it is submitted; then its id becomes the outgoing's id and it is
listed at once as 待发送 (queued), later as the platform's outgoing.

Recipients (主送, 抄送) are `{"name", "unit_ids"}` as docs/protocol.md says: one unit, or a
group built from the directory (各镇人民政府: the units of kind `town`; 市政府各部门: the
bureaus under the government), printed by its name and delivered to each of its units.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from client import models
from client.blobstore import BlobStore
from client.changes import Changes, changed
from client.errors import GovDeskError
from client.models import OutgoingDraft, Unit, User
from client.services import audit, op_owners, people_order
from client.services.op_owners import outgoing as outgoing_owners
from client.types import UserId
from protocol import docbody
from protocol import outgoing_rules as rules
from protocol.wire.outgoing import OutgoingSubmitData

DRAFT_STATES = ("draft", "queued", "submitted", "conflict", "rejected")
# Fields of a draft as the editor holds them, with their defaults.
DEFAULT_FIELDS: Mapping[str, Any] = {
    "doc_type": "通知", "title": "", "main_recipients": [], "cc": [],
    "classification": "none", "urgency": "normal", "notes": "", "attachments": [],
    "signatory_id": None, "reviewer_id": None, "countersigner_ids": [], "series": "",
    "in_reply_to": None,
}


def empty_body() -> dict[str, Any]:
    return {"v": docbody.BODY_VERSION, "blocks": [{"kind": "p", "text": ""}]}


@dataclass(frozen=True)
class DraftInfo:
    id: str
    fields: dict[str, Any]
    body: dict[str, Any]
    state: str                 # DRAFT_STATES
    op_id: str | None
    updated_at: datetime | None

    @property
    def title(self) -> str:
        return str(self.fields.get("title") or "")


@dataclass(frozen=True)
class Recipient:
    """A choice for 主送 / 抄送: one unit, or a group of units printed by one name."""

    name: str
    unit_ids: tuple[str, ...]
    is_group: bool

    def wire(self) -> dict[str, Any]:
        return {"name": self.name, "unit_ids": list(self.unit_ids)}


@dataclass(frozen=True)
class PersonChoice:
    id: str
    name: str          # 张建国（市长）
    unit_name: str


@dataclass(frozen=True)
class DraftChoices:
    """What the drafting form offers, from the directory in the cache."""

    recipients: list[Recipient]      # groups first, then units
    signatories: list[PersonChoice]  # leaders (签发)
    reviewers: list[PersonChoice]    # 核稿
    countersigners: list[PersonChoice]
    series: list[tuple[str, str]]    # (prefix, label) of my unit


def _person(u: User, units: dict[str, str]) -> PersonChoice:
    label = f"{u.display_name}（{u.title}）" if u.title else u.display_name
    return PersonChoice(id=u.id, name=label, unit_name=units.get(u.unit_id or "", ""))


def recipient_groups(units: Sequence[Unit]) -> list[Recipient]:
    """The usual collective recipients of a county's documents, from unit kinds/parents:
    各镇人民政府 (all towns; 各乡镇人民政府 when there are 乡 too) and, for each unit whose
    children include bureaus, 市政府各部门 (县政府各部门 in a 县; "<unit>各部门" under a unit
    that is not the government)."""
    out: list[Recipient] = []
    towns = [u for u in units if u.kind == "town"]
    if towns:
        endings = {u.name.rstrip("人民政府")[-1:] for u in towns}
        label = "各镇人民政府" if endings == {"镇"} else (
            "各乡人民政府" if endings == {"乡"} else "各乡镇人民政府")
        out.append(Recipient(label, tuple(u.id for u in towns), True))
    by_id = {u.id: u for u in units}
    root = next((u for u in units if not u.parent_id or u.parent_id not in by_id), None)
    level = (root.name[-1:] if root and root.name[-1:] in ("市", "县", "区", "旗") else "")
    parents: dict[str, list[Unit]] = {}
    for u in units:
        if u.kind == "bureau" and u.parent_id:
            parents.setdefault(u.parent_id, []).append(u)
    for parent_id, bureaus in parents.items():
        parent = by_id.get(parent_id)
        if parent is None:
            continue
        label = f"{level}政府各部门" if parent.kind == "government" and level else \
            f"{parent.name}各部门"
        out.append(Recipient(label, tuple(b.id for b in bureaus), True))
    return out


class DraftingService:
    def __init__(self, me: UserId, blobs: BlobStore | None = None) -> None:
        self.me = me
        self.blobs = blobs

    # --- the directory ------------------------------------------------------------------
    def my_unit(self) -> Unit | None:
        unit_id = User.select(User.unit_id).where(User.id == self.me).scalar()
        return Unit.get_or_none(Unit.id == unit_id) if unit_id else None

    def series_of(self, unit: Unit | None) -> list[tuple[str, str]]:
        """The 发文字号 series the unit may number in (`series` on the unit object)."""
        if unit is None:
            return []
        out = []
        for s in (unit.data or {}).get("series") or []:
            if isinstance(s, Mapping) and s.get("prefix"):
                out.append((str(s["prefix"]), str(s.get("label") or s["prefix"])))
        return out

    def choices(self) -> DraftChoices:
        units = [u for u in Unit.select().order_by(Unit.sort_order, Unit.name)
                 if u.kind != "external"]
        names = {u.id: u.name for u in units}
        # 市长 and the county's leaders first, towns last (not by character code).
        people = people_order.ordered(User.select(), Unit.select())
        mine = self.my_unit()

        def with_role(role: str) -> list[PersonChoice]:
            return [_person(u, names) for u in people if role in (u.roles or [])
                    and u.id != self.me]

        leaders = with_role("leader")
        return DraftChoices(
            recipients=[*recipient_groups(units),
                        *(Recipient(u.name, (u.id,), False) for u in units
                          if u.kind not in ("county",))],
            signatories=leaders, reviewers=with_role("reviewer"),
            countersigners=[p for p in leaders if not mine or p.unit_name != mine.name],
            series=self.series_of(mine))

    # --- drafts -------------------------------------------------------------------------
    def new_draft(self, *, doc_type: str = "通知", now: datetime) -> DraftInfo:
        series = self.series_of(self.my_unit())
        fields = dict(DEFAULT_FIELDS, doc_type=doc_type,
                      series=series[0][0] if series else "")
        draft_id = str(uuid.uuid4())
        OutgoingDraft.create(id=draft_id, author_id=self.me, fields=fields, body=empty_body(),
                             state="draft", created_at=now.timestamp(),
                             updated_at=now.timestamp())
        return self.get(draft_id)

    def _row(self, draft_id: str) -> OutgoingDraft:
        d = OutgoingDraft.get_or_none(OutgoingDraft.id == draft_id)
        if d is None or d.author_id != self.me:
            raise GovDeskError("draft.not_found")
        return d

    def get(self, draft_id: str) -> DraftInfo:
        d = self._row(draft_id)
        return DraftInfo(id=d.id, fields=dict(DEFAULT_FIELDS) | dict(d.fields or {}),
                         body=d.body or empty_body(), state=d.state, op_id=d.op_id,
                         updated_at=models.from_epoch(d.updated_at))

    def drafts(self) -> list[DraftInfo]:
        """My drafts not yet taken over by the platform's outgoing (newest first)."""
        q = (OutgoingDraft.select().where((OutgoingDraft.author_id == self.me)
                                          & (OutgoingDraft.state != "submitted"))
             .order_by(OutgoingDraft.updated_at.desc()))
        return [self.get(d.id) for d in q]

    def save(self, draft_id: str, *, fields: Mapping[str, Any] | None = None,
             body: Mapping[str, Any] | None = None, now: datetime) -> DraftInfo:
        """Autosave: store what the editor holds, as it is (checks come at submit), so
        nothing typed is lost; only the shape is refused (it would not load again)."""
        d = self._row(draft_id)
        if d.state not in ("draft",):
            raise GovDeskError("draft.already_submitted")
        updates: dict[str, Any] = {"updated_at": now.timestamp()}
        if fields is not None:
            unknown = set(fields) - set(DEFAULT_FIELDS)
            if unknown:
                raise GovDeskError("draft.invalid", detail=f"unknown fields {sorted(unknown)}")
            updates["fields"] = dict(DEFAULT_FIELDS) | dict(d.fields or {}) | dict(fields)
        if body is not None:
            blocks = body.get("blocks")
            if not isinstance(blocks, list) or not all(
                    isinstance(b, Mapping) and b.get("kind") in docbody.BLOCK_KINDS
                    and isinstance(b.get("text"), str) for b in blocks):
                raise GovDeskError("body.invalid")
            updates["body"] = docbody.normalise(body)
        OutgoingDraft.update(**updates).where(OutgoingDraft.id == draft_id).execute()
        return self.get(draft_id)

    def delete(self, draft_id: str) -> Changes:
        d = self._row(draft_id)
        if d.state not in ("draft", "conflict", "rejected"):
            raise GovDeskError("draft.already_submitted")
        OutgoingDraft.delete().where(OutgoingDraft.id == draft_id).execute()
        return changed(outgoing=[draft_id])

    def add_attachment(self, draft_id: str, *, name: str, data: bytes, media_type: str,
                       now: datetime) -> DraftInfo:
        """A file for 附件; `name` is what 附件说明 prints (editable later)."""
        if self.blobs is None:
            raise GovDeskError("blob.unavailable")
        d = self.get(draft_id)
        if not name.strip():
            raise GovDeskError("draft.invalid", detail="attachment without a name")
        sha = self.blobs.put_bytes(data, media_type, upload=True)
        atts = [*d.fields["attachments"], {"name": name.strip(), "sha256": sha,
                                           "media_type": media_type, "size": len(data)}]
        return self.save(draft_id, fields={"attachments": atts}, now=now)

    def remove_attachment(self, draft_id: str, index: int, *, now: datetime) -> DraftInfo:
        atts = list(self.get(draft_id).fields["attachments"])
        if not 0 <= index < len(atts):
            raise GovDeskError("draft.invalid", detail="no such attachment")
        del atts[index]
        return self.save(draft_id, fields={"attachments": atts}, now=now)

    # --- submitting ---------------------------------------------------------------------
    def check(self, fields: Mapping[str, Any], body: Mapping[str, Any]) -> None:
        """Raise the GovDeskError of the first thing that keeps the draft from going."""
        if fields.get("doc_type") not in rules.DOC_TYPES:
            raise GovDeskError("draft.doc_type_unknown")
        title = str(fields.get("title") or "").strip()
        if not title:
            raise GovDeskError("draft.title_required")
        if len(title) > rules.MAX_TITLE:
            raise GovDeskError("notice.title_too_long", limit=rules.MAX_TITLE)
        if not fields.get("main_recipients"):
            raise GovDeskError("draft.recipients_required")
        if fields.get("classification") not in rules.SENDABLE_CLASSIFICATIONS:
            raise GovDeskError("document.classified")
        signatory = fields.get("signatory_id")
        if not signatory:
            raise GovDeskError("draft.signatory_required")
        route = [signatory, fields.get("reviewer_id"), *(fields.get("countersigner_ids") or [])]
        known = {u.id for u in User.select(User.id).where(User.id.in_([r for r in route if r]))}
        if any(r and r not in known for r in route):
            raise GovDeskError("user.unknown")
        if len(fields.get("countersigner_ids") or []) > rules.MAX_COUNTERSIGNERS:
            raise GovDeskError("draft.too_many_countersigners",
                               limit=rules.MAX_COUNTERSIGNERS)
        if len(str(fields.get("notes") or "")) > rules.MAX_NOTES:
            raise GovDeskError("draft.notes_too_long", limit=rules.MAX_NOTES)
        series = [p for p, _ in self.series_of(self.my_unit())]
        if not fields.get("series") or (series and fields["series"] not in series):
            raise GovDeskError("series.unknown")
        broken = docbody.check_body(body)
        if broken is not None:
            raise GovDeskError(broken)

    def submit_data(self, draft: DraftInfo) -> dict[str, Any]:
        """The `outgoing.submit` data of a draft, checked against the shared schema."""
        f = draft.fields
        body = docbody.normalise(draft.body)
        data = {
            "outgoing_id": draft.id, "doc_type": f["doc_type"], "title": f["title"].strip(),
            "main_recipients": f["main_recipients"], "cc": f["cc"],
            "classification": f["classification"], "urgency": f["urgency"],
            "notes": f["notes"], "attachments": f["attachments"],
            "signatory_id": f["signatory_id"], "reviewer_id": f["reviewer_id"] or None,
            "countersigner_ids": list(dict.fromkeys(f["countersigner_ids"] or [])),
            "series": f["series"], "body": body, "body_sha256": docbody.body_sha256(body),
            "in_reply_to": f["in_reply_to"],
        }
        try:
            return OutgoingSubmitData.model_validate(data).model_dump(mode="json")
        except ValidationError as exc:
            first = exc.errors(include_url=False, include_input=False)[0]
            raise GovDeskError("draft.invalid", detail=f"{first['loc']}: {first['msg']}") \
                from None

    def submit(self, draft_id: str, *, now: datetime) -> tuple[str, Changes]:
        """Queue `outgoing.submit` (works offline); the draft shows as 待发送 at once."""
        db = models.database_proxy.obj
        with db.atomic():
            draft = self.get(draft_id)
            if draft.state != "draft":
                raise GovDeskError("draft.already_submitted")
            self.check(draft.fields, draft.body)
            data = self.submit_data(draft)
            op_id, changes = op_owners.OUTGOING_SUBMIT.queue(
                draft_id, data, blobs_first=[a["sha256"] for a in data["attachments"]],
                now=now)
            audit.record("outgoing.submit", user_id=self.me, obj=f"outgoing:{draft_id}",
                         detail={"title": data["title"], "op_id": op_id,
                                 "body_sha256": data["body_sha256"]}, at=now)
        return op_id, changes

    def reopen(self, draft_id: str) -> Changes:
        """Edit a submission the platform refused (conflict/rejected) again."""
        self._row(draft_id)
        return outgoing_owners.SUBMIT.reopen(draft_id)
