"""The inbox (公文收件箱): views, filters, search, keyset paging and badge counts.

Every page is a keyset query: the caller passes back the `sort_key` of the last row
it holds (`after=`), so the 2,000th page costs what the first does (no OFFSET). A
lazy Qt model calls `count()` once for its row count and `page()` as it scrolls.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from client import models, search_index
from client.models import from_epoch
from client.types import (
    BadgeCounts,
    DocumentId,
    InboxFilters,
    InboxPage,
    InboxRow,
    InboxSort,
    InboxView,
    SortKey,
    TaskId,
    UserId,
)

MAX_LIMIT = 500
# Below this many full-text matches, look the matches up by rowid and sort them; above
# it, walk the sort index and test each row against the match set (stops after a page).
SPARSE_MATCHES = 1000
# Sort value for "no due date": after every real one.
NO_DUE = 2**62

_DOC_COLS = ("d.id, d.pk, d.title, d.doc_number, d.issuer, d.doc_type, d.urgency, "
             "d.urgency_rank, d.status, d.received_at, d.is_read")
_TASK_COLS = "t.id, t.kind, t.status, t.due_at, t.local_state"
# 收文: the nearest deadline of any step still open on the document.
_DOC_DUE = ("(SELECT MIN(td.due_at) FROM task td WHERE td.document_id = d.id"
            " AND td.status = 'pending' AND td.kind != 'read')")
# Order of the steps one person may hold on one document, as the workflow runs them.
STEP_ORDER = ("propose", "instruct", "countersign", "handle")


def _done(t: str) -> str:
    """A task of alias `t` that belongs in 已办 (signed here, or finished on the platform)."""
    return (f"{t}.kind != 'read' AND ({t}.local_state = 'pending_sync'"
            f" OR {t}.status IN ('done', 'returned'))")


# 已办 shows one row per document: the step signed last stands for the document (one still
# being sent first), and the row lists every step of mine on it ("拟办、承办").
_DONE_ONE_PER_DOCUMENT = (
    " AND t.id = (SELECT t2.id FROM task t2 WHERE t2.document_id = t.document_id"
    f" AND t2.assignee_id = t.assignee_id AND {_done('t2')}"
    " ORDER BY t2.local_state = 'pending_sync' DESC, COALESCE(t2.local_done_at, 0) DESC,"
    " t2.updated_at DESC, t2.id DESC LIMIT 1)")
_DONE_KINDS = (
    "(SELECT group_concat(t3.kind) FROM task t3 WHERE t3.document_id = t.document_id"
    f" AND t3.assignee_id = t.assignee_id AND {_done('t3')})")


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class _Order:
    exprs: tuple[str, ...]  # sort expressions, all in one direction
    descending: bool


def _order(view: InboxView, sort: InboxSort) -> _Order:
    task_view = view != InboxView.RECEIVED
    tie = ("d.pk", "t.id") if task_view else ("d.pk",)
    if sort == InboxSort.URGENCY:
        return _Order(("d.urgency_rank", "d.received_at", *tie), True)
    if sort == InboxSort.DUE and task_view:
        return _Order((f"COALESCE(t.due_at, {NO_DUE})", "t.id"), False)
    if sort == InboxSort.DOC_NUMBER:
        return _Order((models.DOC_NUMBER_ORDER, *tie), False)
    return _Order(("d.received_at", *tie), True)


class InboxService:
    def __init__(self, me: UserId) -> None:
        self.me = me

    # --- query building ---------------------------------------------------------------
    def _base(self, view: InboxView, filters: InboxFilters, *,
              drive_by_matches: bool = True) -> tuple[str, list[Any]]:
        """FROM ... WHERE ... for a view and its filters (no ORDER, no keyset).

        `drive_by_matches=False` writes the text condition as `+d.pk IN (...)`, which
        keeps SQLite from using it as the driving index (see SPARSE_MATCHES).
        """
        params: list[Any] = []
        if view == InboxView.RECEIVED:
            sql = "FROM document d WHERE 1"
        else:
            sql = "FROM task t JOIN document d ON d.id = t.document_id WHERE t.assignee_id = ?"
            params.append(self.me)
            if view == InboxView.TODO:
                sql += (" AND t.kind != 'read' AND t.status = 'pending'"
                        " AND t.local_state != 'pending_sync'")
            elif view == InboxView.DONE:
                sql += f" AND {_done('t')}{_DONE_ONE_PER_DOCUMENT}"
            elif view == InboxView.CIRCULATE:
                sql += " AND t.kind = 'read' AND t.status != 'cancelled'"
        if filters.urgency:
            sql += f" AND d.urgency IN ({','.join('?' * len(filters.urgency))})"
            params.extend(filters.urgency)
        if filters.doc_type:
            sql += f" AND d.doc_type IN ({','.join('?' * len(filters.doc_type))})"
            params.extend(filters.doc_type)
        if filters.issuer:
            # Part of the name is enough ("佳木斯" finds 佳木斯市财政局); % and _ typed by
            # the user are literal characters, not wildcards.
            sql += " AND d.issuer LIKE ? ESCAPE '\\'"
            params.append(f"%{_like_escape(filters.issuer.strip())}%")
        if filters.received_from is not None:
            sql += " AND d.received_at >= ?"
            params.append(int(filters.received_from.timestamp()))
        if filters.received_to is not None:
            sql += " AND d.received_at < ?"
            params.append(int(filters.received_to.timestamp()))
        if filters.unread_only:
            sql += " AND d.is_read = 0"
        if filters.text.strip():
            expr = search_index.match_expression(filters.text)
            if expr is None:
                sql += " AND 0"  # only punctuation typed: nothing can match
            else:
                pk = "d.pk" if drive_by_matches else "+d.pk"
                sql += (f" AND {pk} IN (SELECT rowid FROM {search_index.DOC_FTS}"
                        f" WHERE {search_index.DOC_FTS} MATCH ?)")
                params.append(expr)
        return sql, params

    # --- public API -------------------------------------------------------------------
    def page(self, view: InboxView | str, filters: InboxFilters | None = None, *,
             sort: InboxSort | str = InboxSort.RECEIVED, after: SortKey | None = None,
             limit: int = 50) -> InboxPage:
        """Up to `limit` rows following the row whose sort_key is `after`."""
        view, sort = InboxView(view), InboxSort(sort)
        filters = filters or InboxFilters()
        limit = max(1, min(int(limit), MAX_LIMIT))
        order = _order(view, sort)
        drive = view == InboxView.RECEIVED and self._match_count(filters) <= SPARSE_MATCHES
        base, params = self._base(view, filters, drive_by_matches=drive)
        cols = (f"{_DOC_COLS}, {_DOC_DUE}" if view == InboxView.RECEIVED
                else f"{_DOC_COLS}, {_TASK_COLS}")
        if view == InboxView.DONE:
            cols += f", {_DONE_KINDS}"
        keys = ", ".join(order.exprs)
        sql = f"SELECT {cols}, {keys} {base}"
        if after is not None:
            if len(after) != len(order.exprs):
                raise ValueError("`after` does not belong to this view and sort")
            op = "<" if order.descending else ">"
            sql += f" AND ({keys}) {op} ({', '.join('?' * len(after))})"
            params.extend(after)
        direction = "DESC" if order.descending else "ASC"
        sql += " ORDER BY " + ", ".join(f"{e} {direction}" for e in order.exprs)
        sql += " LIMIT ?"
        params.append(limit + 1)
        db = models.database_proxy.obj
        fetched = db.execute_sql(sql, params).fetchall()
        more = len(fetched) > limit
        rows = [self._row(r, view, len(order.exprs)) for r in fetched[:limit]]
        return InboxPage(rows=rows, next_after=rows[-1].sort_key if more and rows else None)

    def _row(self, r: tuple[Any, ...], view: InboxView, nkeys: int) -> InboxRow:
        sort_key = tuple(r[-nkeys:])
        # 收文 has no task of its own: its 办理时限 is the document's nearest open deadline.
        task = r[11:16] if view != InboxView.RECEIVED else (None, None, None, r[11], None)
        kinds: tuple[str, ...] = ()
        if view == InboxView.DONE and r[16]:
            held = set(r[16].split(","))
            kinds = tuple(sorted(held, key=lambda k: (
                STEP_ORDER.index(k) if k in STEP_ORDER else len(STEP_ORDER), k)))
        return InboxRow(
            document_id=DocumentId(r[0]), task_id=TaskId(task[0]) if task[0] else None,
            title=r[2], doc_number=r[3], issuer=r[4], doc_type=r[5], urgency=r[6],
            status=r[8], received_at=from_epoch(r[9]), due_at=from_epoch(task[3]),
            is_read=bool(r[10]), task_kind=task[1], task_status=task[2],
            local_state=task[4] or "", sort_key=sort_key, task_kinds=kinds)

    def _match_count(self, filters: InboxFilters) -> int:
        """Documents matching the text filter (FTS alone: well under a millisecond)."""
        expr = search_index.match_expression(filters.text) if filters.text.strip() else None
        if expr is None:
            return 0
        db = models.database_proxy.obj
        return int(db.execute_sql(f"SELECT count(*) FROM {search_index.DOC_FTS} "
                                  f"WHERE {search_index.DOC_FTS} MATCH ?", (expr,)).fetchone()[0])

    def count(self, view: InboxView | str, filters: InboxFilters | None = None) -> int:
        view, filters = InboxView(view), filters or InboxFilters()
        if view == InboxView.RECEIVED and filters.text.strip() and filters == InboxFilters(
                text=filters.text):
            return self._match_count(filters)  # every indexed row is a document
        base, params = self._base(view, filters)
        db = models.database_proxy.obj
        return int(db.execute_sql(f"SELECT COUNT(*) {base}", params).fetchone()[0])

    def iter_all(self, view: InboxView | str, filters: InboxFilters | None = None, *,
                 sort: InboxSort | str = InboxSort.RECEIVED, batch: int = 200,
                 ) -> Iterator[InboxRow]:
        """Every row of a view, fetched page by page (for exports)."""
        after = None
        while True:
            page = self.page(view, filters, sort=sort, after=after, limit=batch)
            yield from page.rows
            if page.next_after is None:
                return
            after = page.next_after

    def next_pending(self, view: InboxView | str, exclude_task: str | None = None,
                     ) -> InboxRow | None:
        """The most urgent task still to handle in 待办 or 传阅 (签批并办下一件 stays in the
        view it started from), other than `exclude_task`; None when none is left."""
        view = InboxView(view)
        if view not in (InboxView.TODO, InboxView.CIRCULATE):
            raise ValueError(f"no pending tasks in view {view}")
        for row in self.iter_all(view, sort=InboxSort.URGENCY, batch=20):
            # 传阅 also lists what was read already; signed here counts as handled.
            if (row.task_id != exclude_task and row.task_status == "pending"
                    and row.local_state != "pending_sync"):
                return row
        return None

    def badges(self, *, now: datetime | None = None) -> BadgeCounts:
        """Counts for every view's badge and the status bar, in one round trip."""
        ts = int((now or datetime.now().astimezone()).timestamp())
        db = models.database_proxy.obj
        row = db.execute_sql(
            """SELECT
              (SELECT COUNT(*) FROM task t WHERE t.assignee_id = ?1 AND t.kind != 'read'
                 AND t.status = 'pending' AND t.local_state != 'pending_sync'
                 AND EXISTS (SELECT 1 FROM document d WHERE d.id = t.document_id)),
              (SELECT COUNT(*) FROM task t JOIN document d ON d.id = t.document_id
                 WHERE t.assignee_id = ?1 AND t.kind != 'read' AND t.status = 'pending'
                 AND t.local_state != 'pending_sync' AND d.urgency = 'very_urgent'),
              (SELECT COUNT(DISTINCT t.document_id) FROM task t
                 JOIN document d ON d.id = t.document_id
                 WHERE t.assignee_id = ?1 AND t.kind != 'read'
                 AND (t.local_state = 'pending_sync' OR t.status IN ('done', 'returned'))),
              (SELECT COUNT(*) FROM document d WHERE d.is_read = 0),
              (SELECT COUNT(*) FROM task t JOIN document d ON d.id = t.document_id
                 WHERE t.assignee_id = ?1 AND t.kind = 'read' AND t.status = 'pending'),
              (SELECT COUNT(*) FROM notice n WHERE n.is_read = 0
                 AND (n.expires_at IS NULL OR n.expires_at > ?2)),
              (SELECT COUNT(*) FROM outbox_op o
                 WHERE o.state IN ('conflict', 'rejected', 'set_aside'))
            """, (self.me, ts)).fetchone()
        return BadgeCounts(todo=row[0], todo_very_urgent=row[1], done=row[2],
                           received_unread=row[3], circulate=row[4], notices_unread=row[5],
                           problems=row[6])

    def issuers(self, limit: int = 500) -> list[str]:
        """Distinct 发文机关 for the filter picker, most frequent first."""
        db = models.database_proxy.obj
        rows = db.execute_sql("SELECT issuer FROM document GROUP BY issuer "
                              "ORDER BY COUNT(*) DESC LIMIT ?", (limit,)).fetchall()
        return [r[0] for r in rows if r[0]]

    def doc_types(self) -> list[str]:
        db = models.database_proxy.obj
        return [r[0] for r in db.execute_sql(
            "SELECT DISTINCT doc_type FROM document ORDER BY doc_type").fetchall() if r[0]]
