"""What an action or a sync changed in the cache, so the UI refreshes only what shows it.

As Anki's OpChanges: every service call that writes, the outcome of pushed ops and
every applied change page return a `Changes`; they merge with `|`, and the UI
refreshes its views from one signal carrying the union. `documents` names every
document whose page shows something new (its own row, or one of its tasks, opinions
or receipts); `tasks`, `notices` and `opinions` name the objects themselves; `read`
names documents whose read mark alone changed (lists and badges, not their page);
`outgoing` names 发文 whose page or list row shows something new (their steps,
versions, deliveries, or a local action on them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields


@dataclass(frozen=True, slots=True)
class Changes:
    documents: frozenset[str] = frozenset()
    tasks: frozenset[str] = frozenset()
    notices: frozenset[str] = frozenset()
    opinions: frozenset[str] = frozenset()
    read: frozenset[str] = frozenset()  # documents/notices whose read mark alone changed
    outbox: bool = False          # queued/finished ops: status bar, problems list
    directory: bool = False       # units, users or keys (names, signature verdicts)
    sync_state: bool = False      # last sync time, error, cursor
    everything: bool = False      # a re-sync swept objects it cannot name one by one
    outgoing: frozenset[str] = frozenset()  # 发文 whose page shows something new
    # 公文交换 and the clerk's desk: deliveries and reminders (ids; "reminder:<id>").
    exchange: frozenset[str] = frozenset()

    def __or__(self, other: Changes) -> Changes:
        if not isinstance(other, Changes):
            return NotImplemented
        return Changes(
            self.documents | other.documents, self.tasks | other.tasks,
            self.notices | other.notices, self.opinions | other.opinions,
            self.read | other.read, self.outbox or other.outbox,
            self.directory or other.directory, self.sync_state or other.sync_state,
            self.everything or other.everything, self.outgoing | other.outgoing,
            self.exchange | other.exchange)

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) for f in fields(Changes))

    def touches_document(self, document_id: str, *, task_ids: Iterable[str] = (),
                         opinion_ids: Iterable[str] = ()) -> bool:
        """Whether the page of this document (with these tasks and opinions) is stale."""
        return (self.everything or self.directory or document_id in self.documents
                or not self.tasks.isdisjoint(task_ids)
                or not self.opinions.isdisjoint(opinion_ids))

    @property
    def inbox(self) -> bool:
        """Whether inbox lists and badge counts may differ."""
        return self.everything or bool(self.documents or self.tasks or self.read)


NO_CHANGES = Changes()


def changed(*, documents: Iterable[str] = (), tasks: Iterable[str] = (),
            notices: Iterable[str] = (), opinions: Iterable[str] = (),
            read: Iterable[str] = (), outbox: bool = False, directory: bool = False,
            sync_state: bool = False, outgoing: Iterable[str] = (),
            exchange: Iterable[str] = ()) -> Changes:
    """A `Changes` from any iterables of ids (empty ids dropped)."""
    def ids(values: Iterable[str]) -> frozenset[str]:
        return frozenset(i for i in values if i)
    return Changes(ids(documents), ids(tasks), ids(notices), ids(opinions), ids(read),
                   outbox, directory, sync_state, outgoing=ids(outgoing),
                   exchange=ids(exchange))
