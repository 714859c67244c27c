"""The one sync state every screen shows: online or not, the last successful sync, the
last error, and what is still waiting to be sent or needs handling.

The last success and error are the cache's (SyncState, written by the sync engine), so
they survive a relaunch; the counts are the outbox's; online/offline is the sync
manager's, passed in by the caller (the cache cannot know it). The status bar, the
problems page and the window all read this, never a copy of their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from client import models
from client.services import outbox


@dataclass(frozen=True)
class SyncStatusInfo:
    online: bool
    last_success_at: datetime | None  # persisted: survives a relaunch
    last_error: str | None
    unsent: int                       # queued, sent but not answered, set aside
    problems: int                     # refused, conflicting, set aside
    files_missing: int = 0            # files pending work needs, not fetched by the last sync

    @property
    def waiting(self) -> bool:
        return self.unsent > 0


def read(*, online: bool) -> SyncStatusInfo:
    state = models.sync_state()
    counts = outbox.counts()
    return SyncStatusInfo(online=online, last_success_at=models.from_epoch(state.last_success_at),
                          last_error=state.last_error, unsent=counts.unsent,
                          problems=counts.problems, files_missing=state.files_missing or 0)
