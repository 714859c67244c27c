"""常用语: each user's reusable opinion phrases, seeded with the usual ones."""

from __future__ import annotations

from collections.abc import Sequence

import peewee

from client import models
from client.errors import GovDeskError
from client.models import Phrase as PhraseRow
from client.types import Phrase, UserId

DEFAULT_PHRASES = (
    "同意。",
    "已阅。",
    "拟同意，请领导批示。",
    "请按规定办理。",
    "请XX局办理。",
    "请抓紧办理，并及时反馈办理结果。",
    "请各位领导阅示。",
    "情况属实，同意上报。",
)
MAX_PHRASE = 500


class PhraseService:
    def __init__(self, me: UserId) -> None:
        self.me = me

    def _seed_if_new(self) -> None:
        # Seeded once per user: a user who deleted every phrase is re-seeded, which is
        # the friendlier failure for an empty picker.
        if PhraseRow.select().where(PhraseRow.user_id == self.me).exists():
            return
        PhraseRow.insert_many([{"user_id": self.me, "text": t, "position": i}
                               for i, t in enumerate(DEFAULT_PHRASES)]).execute()

    def list(self) -> list[Phrase]:
        db = models.database_proxy.obj
        with db.atomic():
            self._seed_if_new()
            rows = (PhraseRow.select().where(PhraseRow.user_id == self.me)
                    .order_by(PhraseRow.position, PhraseRow.id))
            return [Phrase(id=r.id, text=r.text, position=r.position) for r in rows]

    def add(self, text: str) -> Phrase:
        text = text.strip()
        if not text:
            raise GovDeskError("phrase.empty")
        if len(text) > MAX_PHRASE:
            raise GovDeskError("phrase.too_long", limit=MAX_PHRASE)
        db = models.database_proxy.obj
        with db.atomic():
            self._seed_if_new()
            last = (PhraseRow.select(peewee.fn.MAX(PhraseRow.position))
                    .where(PhraseRow.user_id == self.me).scalar())
            row = PhraseRow.create(user_id=self.me, text=text, position=(last or 0) + 1)
        return Phrase(id=row.id, text=row.text, position=row.position)

    def remove(self, phrase_id: int) -> None:
        PhraseRow.delete().where((PhraseRow.id == phrase_id)
                                 & (PhraseRow.user_id == self.me)).execute()

    def reorder(self, phrase_ids: Sequence[int]) -> None:
        """Put the phrases in the given order (ids not listed keep their place after)."""
        db = models.database_proxy.obj
        with db.atomic():
            mine = [r.id for r in PhraseRow.select(PhraseRow.id)
                    .where(PhraseRow.user_id == self.me)
                    .order_by(PhraseRow.position, PhraseRow.id)]
            order = [i for i in phrase_ids if i in set(mine)]
            order += [i for i in mine if i not in set(order)]
            for pos, pid in enumerate(order):
                PhraseRow.update(position=pos).where(PhraseRow.id == pid).execute()
