"""The lazy inbox model over a 100,000-document cache: rows arrive page by page only."""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path

import pytest
from PySide6.QtWidgets import QTableView

from client import models
from client.services.inbox import InboxService
from client.types import InboxFilters, InboxSort, InboxView
from client.ui.inbox_model import COL_URGENCY, InboxModel
from tests.ui import bigcache

COUNT = 100_000


@pytest.fixture(scope="module")
def big_cache(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    path = tmp_path_factory.mktemp("big") / "cache.db"
    key = os.urandom(32)
    bigcache.build(path, key, COUNT)
    return path, key


@pytest.fixture
def inbox(big_cache: tuple[Path, bytes]):  # noqa: ANN201
    db = bigcache.open_cache(*big_cache)
    yield InboxService(bigcache.ME)
    bigcache.close_cache(db)


def _fetcher(inbox: InboxService, view: InboxView = InboxView.TODO,
             filters: InboxFilters | None = None):  # noqa: ANN202
    def fetch(after, limit):  # noqa: ANN001, ANN202
        return inbox.page(view, filters or InboxFilters(), sort=InboxSort.RECEIVED,
                          after=after, limit=limit)
    return fetch


def test_serves_100k_rows_without_loading_them(qtbot, ops, inbox) -> None:  # noqa: ANN001
    assert models.Document.select().count() == COUNT
    model = InboxModel(ops)
    view = QTableView()
    view.setModel(model)
    view.resize(900, 600)
    view.show()
    tracemalloc.start()
    model.set_fetcher(_fetcher(inbox))
    qtbot.waitUntil(lambda: model.rowCount() > 0, timeout=10_000)
    ops.wait_idle()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # One page, not 100,000 rows: a full load would allocate on the order of 100 MB.
    assert model.rowCount() == model.page_size
    assert model.rows_fetched <= 2 * model.page_size
    assert peak < 8 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB for the first page"
    assert model.canFetchMore()

    # Scrolling to the end fetches the next page, and only that.
    for _ in range(3):
        view.scrollToBottom()
        qtbot.waitUntil(lambda: not model.is_loading(), timeout=10_000)
        ops.wait_idle()
    assert model.page_size * 2 <= model.rowCount() <= model.page_size * 5
    assert model.rows_fetched == model.rowCount()
    # Rows are in order and distinct across page boundaries (keyset paging is exact).
    ids = [r.document_id for r in model.rows()]
    assert len(ids) == len(set(ids))
    assert ids == sorted(ids, reverse=True)
    assert ids[0] == f"d{COUNT - 1:07d}"


def test_display_marks_urgency_and_unread(qtbot, ops, inbox) -> None:  # noqa: ANN001
    from PySide6.QtCore import Qt

    from client.ui import theme

    model = InboxModel(ops)
    model.set_fetcher(_fetcher(inbox, filters=InboxFilters(urgency=("very_urgent",))))
    qtbot.waitUntil(lambda: model.rowCount() > 0, timeout=10_000)
    row = model.row_at(0)
    assert row is not None and row.urgency == "very_urgent"
    idx = model.index(0, COL_URGENCY)
    assert model.data(idx) == "Extra urgent" or model.data(idx) == "特急"
    assert model.data(idx, Qt.ItemDataRole.ForegroundRole).color() == theme.URGENT_RED
    unread = next(i for i, r in enumerate(model.rows()) if not r.is_read)
    assert model.data(model.index(unread, 1), Qt.ItemDataRole.FontRole).bold()


def test_new_query_drops_late_pages_of_the_old_one(qtbot, ops, inbox) -> None:  # noqa: ANN001
    model = InboxModel(ops)
    model.set_fetcher(_fetcher(inbox))
    # Replace the query before the first page lands: only the second query's rows show.
    model.set_fetcher(_fetcher(inbox, filters=InboxFilters(urgency=("urgent",))))
    qtbot.waitUntil(lambda: model.rowCount() > 0, timeout=10_000)
    ops.wait_idle()
    assert {r.urgency for r in model.rows()} == {"urgent"}
