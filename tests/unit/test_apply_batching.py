"""apply_page writes a page with executemany, out of change order where that is safe.

Reference: the same changes applied one change per page (nothing to batch or reorder).
Whatever a page holds (an object twice, a delete and a re-add, a receipt for a document
of the same page, a document whose downloaded body text is indexed), both caches must
end up the same, search included.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import peewee
from cachekit import delete, document, notice, receipt, task, up
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from client import models, search_index
from client.db import close_cache, open_cache, use_cache
from client.services.documents import DocumentService
from client.sync import apply

ME = "zhangjianguo"
TITLES = ["关于防汛工作的通知", "财政资金管理办法", "春季防火工作安排"]
QUERIES = ["防汛", "财政", "防火", "通知", "水位"]


def _change(op: tuple[Any, ...]) -> dict[str, Any]:
    kind, i, *rest = op
    if kind == "doc":
        version, title, secret = rest
        return up("document", document(f"d{i}", TITLES[title], version=version,
                                       classification="secret" if secret else "none",
                                       urgency="very_urgent" if title == 0 else "normal"))
    if kind == "deldoc":
        return delete("document", f"d{i}")
    if kind == "task":
        version, done = rest
        return up("task", task(f"t{i}", f"d{i}", ME, version=version,
                               status="done" if done else "pending"))
    if kind == "notice":
        return up("notice", notice(f"n{i}", TITLES[rest[0]], version=rest[0] + 1))
    if kind == "receipt":
        target, mine = rest
        return up("receipt", receipt(f"r{i}", ME if mine else "lihua",
                                     **({"document_id": f"d{target}"} if i % 2
                                        else {"notice_id": f"n{target}"})))
    raise AssertionError(kind)


ids = st.integers(0, 4)  # 0-2 are in the cache already (BASE), 3-4 are new
BASE = [("doc", i, 1, i, False) for i in range(3)] + [("task", i, 1, False) for i in range(3)] \
    + [("notice", i, 0) for i in range(3)]
OPS = st.one_of(
    st.tuples(st.just("doc"), ids, st.integers(1, 3), st.integers(0, 2),
              st.sampled_from([False, False, False, True])),
    st.tuples(st.just("deldoc"), ids),
    st.tuples(st.just("task"), ids, st.integers(1, 3), st.booleans()),
    st.tuples(st.just("notice"), ids, st.integers(0, 2)),
    st.tuples(st.just("receipt"), ids, ids, st.booleans()),
)
# A page is a list of changes; between pages the body text of a document may be indexed.
PAGES = st.lists(st.tuples(st.lists(OPS, min_size=1, max_size=12),
                           st.one_of(st.none(), ids)), min_size=1, max_size=4)


def _state(db: peewee.Database) -> dict[str, Any]:
    """Everything a user can see, keyed by object id (integer keys may differ)."""
    pk_to_doc = dict(db.execute_sql("SELECT pk, id FROM document").fetchall())
    pk_to_notice = dict(db.execute_sql("SELECT pk, id FROM notice").fetchall())
    out: dict[str, Any] = {}
    for kind, model in models.SYNCED_MODELS.items():
        cols = [f.column_name for f in model._meta.sorted_fields if f.column_name != "pk"]
        out[kind] = sorted(db.execute_sql(
            f'SELECT {", ".join(cols)} FROM "{model._meta.table_name}"').fetchall())
    out["document_data"] = sorted(db.execute_sql(
        "SELECT d.id, x.data, x.body_text FROM document d JOIN document_data x "
        "ON x.pk = d.pk").fetchall())
    out["orphans"] = db.execute_sql(
        "SELECT count(*) FROM document_data WHERE pk NOT IN (SELECT pk FROM document)"
    ).fetchone()[0]
    out["audit"] = sorted(db.execute_sql(
        "SELECT action, object FROM audit_entry").fetchall())
    for q in QUERIES:
        expr = search_index.match_expression(q)
        assert expr is not None
        out[f"doc:{q}"] = sorted(pk_to_doc[r] for r, _ in search_index.search_rowids(
            db, search_index.DOC_FTS, expr, limit=100))
        out[f"notice:{q}"] = sorted(pk_to_notice[r] for r, _ in search_index.search_rowids(
            db, search_index.NOTICE_FTS, expr, limit=100))
    return out


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pages=PAGES)
def test_a_page_at_once_equals_its_changes_one_by_one(tmp_path: Path, pages) -> None:
    folder = tmp_path / str(abs(hash(repr(pages))))
    batched = open_cache(folder / "batched.db", b"b" * 32)
    single = open_cache(folder / "single.db", b"s" * 32)
    try:
        for db in (batched, single):
            with use_cache(db):
                apply.set_identity(user_id=ME)
        for n, (ops, body_of) in enumerate([(BASE, 1), *pages]):
            changes = [_change(op) for op in ops]
            for db, per_change in ((batched, False), (single, True)):
                with use_cache(db):
                    if per_change:
                        for k, change in enumerate(changes):
                            apply.apply_page([change], cursor=f"c{n}-{k}")
                    else:
                        apply.apply_page(changes, cursor=f"c{n}")
                    if body_of is not None:  # the body was downloaded and its text extracted
                        DocumentService(ME).set_body_text(f"d{body_of}", "汛期水位监测报告")
        with use_cache(batched):
            got = _state(batched)
        with use_cache(single):
            assert got == _state(single)
    finally:
        close_cache(batched)
        close_cache(single)


def test_a_receipt_marks_read_a_document_of_the_same_page(cache: peewee.Database) -> None:
    summary = apply.apply_page([up("document", document("d1", urgency="very_urgent")),
                                up("task", task("t1", "d1", ME)),
                                up("receipt", receipt("r1", ME, document_id="d1")),
                                up("document", document("d2", "第二份"))], cursor="c1")
    assert summary.upserted == {"document": 2, "task": 1, "receipt": 1}
    assert summary.new_very_urgent == ["d1"]
    assert models.Document.get(models.Document.id == "d1").is_read
    assert not models.Document.get(models.Document.id == "d2").is_read
    # New documents got consecutive integer keys, each with its JSON and search row.
    pks = [d.pk for d in models.Document.select().order_by(models.Document.pk)]
    assert pks == [pks[0], pks[0] + 1]
    assert models.DocumentData.select().count() == 2
    assert cache.execute_sql("SELECT count(*) FROM doc_fts").fetchone()[0] == 2


def test_prepared_page_is_applied_like_apply_page(cache: peewee.Database) -> None:
    changes = [up("document", document("d1", "关于防汛工作的通知")),
               up("task", task("t1", "d1", ME)), delete("opinion", "o-none")]
    prepared = apply.prepare_page(changes, "c1")
    assert models.Document.select().count() == 0  # preparing writes nothing
    summary = apply.apply_prepared(prepared)
    assert summary.upserted == {"document": 1, "task": 1}
    assert apply.current_cursor() == "c1"
    expr = search_index.match_expression("防汛")
    assert expr is not None
    assert len(search_index.search_rowids(cache, search_index.DOC_FTS, expr, limit=5)) == 1
