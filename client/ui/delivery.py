"""Telling the user what became of an action: sent to the platform, or waiting for the
network. An action's first message says which of the two is true now (online or not);
once a sync confirms its op, the message says it was delivered, or that the platform
refused it (see Problems). Nothing is claimed before the sync has confirmed it."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from client.changes import Changes
from client.ui.context import AppContext


@dataclass(frozen=True)
class Watched:
    delivered: str   # shown when the platform applied it
    refused: str     # shown when it refused it or it conflicted


class DeliveryWatch(QObject):
    message = Signal(str, int)  # text, milliseconds (the status bar)

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._watched: dict[str, Watched] = {}

    def queued(self, op_id: str | None, *, online_text: str, offline_text: str,
               delivered: str, refused: str) -> None:
        """An action was queued as `op_id`: say what is true now, then watch for its end."""
        self.message.emit(online_text if self.ctx.online else offline_text, 8000)
        if op_id:
            self._watched[op_id] = Watched(delivered, refused)

    def watching(self) -> list[str]:
        return list(self._watched)

    def apply_changes(self, changes: Changes) -> None:
        if not self._watched or not (changes.outbox or changes.everything):
            return
        ids = list(self._watched)

        def settled(states: dict[str, str | None]) -> None:
            for op_id, state in states.items():
                watched = self._watched.get(op_id)
                if watched is None or state in ("queued", "sent"):
                    continue
                del self._watched[op_id]
                if state == "withdrawn":
                    continue  # recalled before it was sent: the recall said so itself
                if state == "done":
                    self.message.emit(watched.delivered, 10_000)
                elif state is not None:
                    self.message.emit(watched.refused, 15_000)
        self.ctx.ops.db(lambda: self.ctx.op_states(ids), settled, owner=self,
                        label="delivery")
