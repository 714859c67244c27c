"""通知公告: reading, acknowledging, and (for publishers) writing and publishing offline."""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from client import models
from client.blobstore import BlobStore
from client.changes import NO_CHANGES, Changes
from client.errors import GovDeskError
from client.models import Notice, NoticeDraft, Receipt, Unit, User, from_epoch, to_epoch
from client.services import audit, op_owners
from client.types import (
    Attachment,
    NoticeDetail,
    NoticeDraftInfo,
    NoticeId,
    NoticeRow,
    ReceiptInfo,
    ReceiptStatus,
    Sha256,
    SortKey,
    UnitId,
    UserId,
)
from protocol.text_rules import clean_filename

MAX_TITLE = 200
# Row ids of my publications not yet sent (NoticeDraft client_refs; platform ids never
# start so).
DRAFT_PREFIX = "draft:"


@dataclass(frozen=True)
class NewAttachment:
    name: str
    data: bytes
    media_type: str = "application/octet-stream"


def _rfc3339(at: datetime) -> str:
    return at.astimezone().isoformat(timespec="seconds")


# Newest first, by publication date (all keys descending). Unread, urgent and "please
# confirm" show as marks on the row, not by moving it: reading a notice must not reorder
# the list. One not yet published (queued here) is the newest of all.
_NOT_YET_PUBLISHED = 2**62
_KEYS = (f"COALESCE(n.published_at, {_NOT_YET_PUBLISHED})", "n.pk")


class NoticeService:
    def __init__(self, me: UserId, blobs: BlobStore | None = None) -> None:
        self.me = me
        self.blobs = blobs

    def _publisher_names(self, ids: set[str]) -> dict[str, str]:
        rows = User.select(User.id, User.display_name).where(User.id.in_(list(ids)))
        return {u.id: u.display_name for u in rows}

    def _row(self, n: Notice, names: dict[str, str]) -> NoticeRow:
        return NoticeRow(id=NoticeId(n.id), title=n.title,
                         publisher_id=UserId(n.publisher_id or ""),
                         publisher_name=names.get(n.publisher_id or "", ""),
                         urgent=bool(n.urgent), requires_ack=bool(n.requires_ack),
                         published_at=from_epoch(n.published_at),
                         expires_at=from_epoch(n.expires_at), is_read=bool(n.is_read),
                         acked=bool(n.acked), local_state="pending_sync" if n.ack_pending else "")

    def list(self, *, now: datetime, after: SortKey | None = None, limit: int = 50,
             include_expired: bool = False) -> tuple[list[NoticeRow], SortKey | None]:
        """Notices to show, newest first; expired ones hidden."""
        keys = ", ".join(_KEYS)
        params: list[Any] = []
        sql = f"SELECT n.pk, {keys} FROM notice n WHERE 1"
        if not include_expired:
            sql += " AND (n.expires_at IS NULL OR n.expires_at > ?)"
            params.append(int(now.timestamp()))
        if after is not None:
            if len(after) != len(_KEYS):
                raise ValueError("`after` is not a notice list position")
            sql += f" AND ({keys}) < ({', '.join('?' * len(_KEYS))})"
            params.extend(after)
        # Ordinals refer to the key columns of the select list.
        sql += " ORDER BY " + ", ".join(f"{i} DESC" for i in range(2, len(_KEYS) + 2))
        sql += " LIMIT ?"
        params.append(max(1, limit) + 1)
        db = models.database_proxy.obj
        fetched = db.execute_sql(sql, params).fetchall()
        more = len(fetched) > limit
        fetched = fetched[:limit]
        by_pk = {n.pk: n for n in Notice.select().where(Notice.pk.in_([r[0] for r in fetched]))}
        names = self._publisher_names({n.publisher_id for n in by_pk.values() if n.publisher_id})
        rows = [self._row(by_pk[r[0]], names) for r in fetched]
        if after is None:  # the first page starts with what I published, not yet sent
            rows = [*self._waiting_rows(), *rows]
        return rows, (tuple(fetched[-1][1:]) if more and fetched else None)

    def unread_count(self, *, now: datetime) -> int:
        return Notice.select().where(
            (Notice.is_read == False)  # noqa: E712
            & (Notice.expires_at.is_null() | (Notice.expires_at > int(now.timestamp())))).count()

    def get(self, notice_id: str) -> NoticeDetail:
        if notice_id.startswith(DRAFT_PREFIX):
            return self._draft_detail(notice_id)
        n = Notice.get_or_none(Notice.id == notice_id)
        if n is None:
            raise GovDeskError("notice.not_found")
        names = self._publisher_names({n.publisher_id} if n.publisher_id else set())
        atts = [Attachment(name=clean_filename(str(a.get("name") or "")), sha256=Sha256(a["sha256"]),
                           media_type=str(a.get("media_type") or "application/octet-stream"),
                           size=int(a.get("size") or 0),
                           available=bool(self.blobs and self.blobs.has(a["sha256"])))
                for a in n.data.get("attachments") or []]
        return NoticeDetail(row=self._row(n, names), body=n.body,
                            audience_unit_ids=[UnitId(u) for u in n.audience_unit_ids or []],
                            attachments=atts)

    def read(self, notice_id: str, *, now: datetime) -> NoticeDetail:
        if notice_id.startswith(DRAFT_PREFIX):
            return self._draft_detail(notice_id)  # mine, not sent yet: nothing to mark
        db = models.database_proxy.obj
        with db.atomic():
            Notice.update(is_read=True).where(Notice.id == notice_id).execute()
            audit.record("notice.view", user_id=self.me, obj=f"notice:{notice_id}", at=now)
        return self.get(notice_id)

    def acknowledge(self, notice_id: str, *, now: datetime) -> Changes:
        """确认收到: local at once, `notice.ack` queued; what changed, empty (falsy) when
        already acknowledged."""
        db = models.database_proxy.obj
        with db.atomic():
            n = Notice.get_or_none(Notice.id == notice_id)
            if n is None:
                raise GovDeskError("notice.not_found")
            if n.acked:
                return NO_CHANGES
            changes = op_owners.NOTICE_ACK.queue(notice_id, now=now)
            audit.record("notice.ack", user_id=self.me, obj=f"notice:{notice_id}", at=now)
        return changes

    # --- publishing (role publisher) ---------------------------------------------------
    def save_draft(self, *, title: str, body: str, audience_unit_ids: Sequence[str],
                   requires_ack: bool = False, urgent: bool = False,
                   expires_at: datetime | None = None,
                   attachments: Sequence[NewAttachment] = (),
                   client_ref: str | None = None) -> str:
        """Create or update a draft; attachments go into the blob store now."""
        if self.blobs is None and attachments:
            raise GovDeskError("blob.unavailable")
        if len(title) > MAX_TITLE:
            raise GovDeskError("notice.title_too_long", limit=MAX_TITLE)
        ref = client_ref or str(uuid.uuid4())
        existing = NoticeDraft.get_or_none(NoticeDraft.client_ref == ref)
        if existing is not None and existing.state != "draft":
            raise GovDeskError("notice.already_queued")
        self._refuse_duplicate(title, body, audience_unit_ids, ref)
        atts: list[dict[str, Any]] = list(existing.attachments) if existing else []
        for a in attachments:
            sha = self.blobs.put_bytes(a.data, a.media_type, upload=True)  # type: ignore[union-attr]
            atts.append({"name": a.name, "sha256": sha, "media_type": a.media_type,
                         "size": len(a.data)})
        fields = dict(author_id=self.me, title=title, body=body,
                      audience_unit_ids=list(audience_unit_ids), requires_ack=requires_ack,
                      urgent=urgent, expires_at=_rfc3339(expires_at) if expires_at else None,
                      attachments=atts, state="draft", updated_at=models.now_ts())
        if existing is None:
            NoticeDraft.create(client_ref=ref, **fields)
        else:
            NoticeDraft.update(**fields).where(NoticeDraft.client_ref == ref).execute()
        return ref

    def publish(self, client_ref: str, *, now: datetime) -> str:
        """Queue `notice.publish` for a draft (works offline); returns the op id."""
        db = models.database_proxy.obj
        with db.atomic():
            d = NoticeDraft.get_or_none(NoticeDraft.client_ref == client_ref)
            if d is None:
                raise GovDeskError("notice.draft_not_found")
            if d.state != "draft":
                raise GovDeskError("notice.already_queued")
            if not d.title.strip() or not d.audience_unit_ids:
                raise GovDeskError("notice.incomplete")
            self._refuse_duplicate(d.title, d.body, d.audience_unit_ids, client_ref)
            data = {"client_ref": d.client_ref, "title": d.title, "body": d.body,
                    "audience_unit_ids": d.audience_unit_ids, "requires_ack": d.requires_ack,
                    "urgent": d.urgent, "expires_at": d.expires_at,
                    "attachments": d.attachments}
            op_id, _changes = op_owners.NOTICE_PUBLISH.queue(
                client_ref, data, blobs_first=[a["sha256"] for a in d.attachments], now=now)
            audit.record("notice.publish", user_id=self.me, obj=f"notice_draft:{client_ref}",
                         detail={"title": d.title, "op_id": op_id}, at=now)
        return op_id

    def _refuse_duplicate(self, title: str, body: str, audience: Sequence[str],
                          client_ref: str) -> None:
        """A second publication of the notice still waiting to be sent is a double
        submit (it would become a second notice with its own client_ref): refused."""
        waiting = NoticeDraft.select().where(
            (NoticeDraft.author_id == self.me) & (NoticeDraft.state == "queued")
            & (NoticeDraft.client_ref != client_ref) & (NoticeDraft.title == title))
        for d in waiting:
            if d.body == body and sorted(d.audience_unit_ids) == sorted(audience):
                raise GovDeskError("notice.duplicate_pending", title=title)

    def _waiting_rows(self) -> builtins.list[NoticeRow]:  # `list` is a method here
        """My publications still waiting to be sent, shown at once (as 待发送)."""
        q = (NoticeDraft.select().where((NoticeDraft.author_id == self.me)
                                        & (NoticeDraft.state == "queued"))
             .order_by(NoticeDraft.updated_at.desc()))
        names = self._publisher_names({self.me})
        return [self._draft_row(d, names) for d in q]

    def _draft_row(self, d: NoticeDraft, names: dict[str, str]) -> NoticeRow:
        expires = datetime.fromisoformat(d.expires_at) if d.expires_at else None
        return NoticeRow(id=NoticeId(DRAFT_PREFIX + d.client_ref), title=d.title,
                         publisher_id=UserId(self.me), publisher_name=names.get(self.me, ""),
                         urgent=bool(d.urgent), requires_ack=bool(d.requires_ack),
                         published_at=from_epoch(d.updated_at), expires_at=expires,
                         is_read=True, acked=False, local_state="pending_sync")

    def _draft_detail(self, notice_id: str) -> NoticeDetail:
        d = NoticeDraft.get_or_none(NoticeDraft.client_ref == notice_id[len(DRAFT_PREFIX):])
        if d is None or d.author_id != self.me:
            raise GovDeskError("notice.not_found")
        atts = [Attachment(name=clean_filename(str(a.get("name") or "")), sha256=Sha256(a["sha256"]),
                           media_type=str(a.get("media_type") or "application/octet-stream"),
                           size=int(a.get("size") or 0),
                           available=bool(self.blobs and self.blobs.has(a["sha256"])))
                for a in d.attachments or []]
        return NoticeDetail(row=self._draft_row(d, self._publisher_names({self.me})),
                            body=d.body, audience_unit_ids=[UnitId(u) for u in
                                                            d.audience_unit_ids or []],
                            attachments=atts)

    def drafts(self) -> list[NoticeDraftInfo]:
        q = (NoticeDraft.select().where((NoticeDraft.author_id == self.me)
                                        & (NoticeDraft.state != "published"))
             .order_by(NoticeDraft.updated_at.desc()))
        return [NoticeDraftInfo(client_ref=d.client_ref, title=d.title, body=d.body,
                                audience_unit_ids=[UnitId(u) for u in d.audience_unit_ids],
                                requires_ack=d.requires_ack, urgent=d.urgent,
                                expires_at=d.expires_at, attachments=d.attachments,
                                state=d.state, op_id=d.op_id) for d in q]

    def delete_draft(self, client_ref: str) -> None:
        NoticeDraft.delete().where((NoticeDraft.client_ref == client_ref)
                                   & (NoticeDraft.state == "draft")).execute()

    # --- receipts (publisher's view) ---------------------------------------------------
    def _audience_units(self, roots: Sequence[str]) -> set[str]:
        units = set(roots)
        frontier = list(roots)
        while frontier:
            children = [u.id for u in Unit.select(Unit.id).where(Unit.parent_id.in_(frontier))
                        if u.id not in units]
            units.update(children)
            frontier = children
        return units

    def receipt_status(self, notice_id: str) -> ReceiptStatus:
        n = Notice.get_or_none(Notice.id == notice_id)
        if n is None:
            raise GovDeskError("notice.not_found")
        units = self._audience_units(n.audience_unit_ids or [])
        audience = {u.id: u.display_name for u in
                    User.select(User.id, User.display_name).where(User.unit_id.in_(list(units)))}
        receipts = list(Receipt.select().where(Receipt.notice_id == notice_id)
                        .order_by(Receipt.at))
        names = dict(audience) | {u.id: u.display_name for u in User.select().where(
            User.id.in_([r.user_id for r in receipts]))}

        def info(r: Receipt) -> ReceiptInfo:
            accepted = to_epoch((r.data or {}).get("accepted_at"))
            return ReceiptInfo(user_id=UserId(r.user_id), user_name=names.get(r.user_id, ""),
                               kind=r.kind, at=from_epoch(r.at),
                               accepted_at=from_epoch(accepted))

        read = [info(r) for r in receipts if r.kind == "read"]
        acked = [info(r) for r in receipts if r.kind == "ack"]
        done = {r.user_id for r in receipts if r.kind == ("ack" if n.requires_ack else "read")}
        done |= {r.user_id for r in receipts if r.kind == "ack"}
        missing = sorted((UserId(u) for u in audience if u not in done and u != n.publisher_id),
                         key=lambda u: audience[u])
        people = {r.user_id for r in receipts} | set(audience)
        unit_of: dict[str, str | None] = {
            u.id: u.unit_id for u in User.select(User.id, User.unit_id).where(
                User.id.in_(list(people)))}
        unit_names: dict[str, str] = {
            u.id: u.name for u in Unit.select(Unit.id, Unit.name).where(
                Unit.id.in_([u for u in unit_of.values() if u]))}
        return ReceiptStatus(notice_id=NoticeId(n.id), read=read, acked=acked,
                             audience_users=len(audience), missing=missing,
                             units={UserId(u): unit_names.get(unit_id or "", "")
                                    for u, unit_id in unit_of.items()})

