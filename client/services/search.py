"""Search box: documents and notices, best matches first (see client/search_index.py)."""

from __future__ import annotations

from client import models, search_index
from client.models import Document, Notice
from client.services import inbox as _inbox
from client.types import SearchHit

SNIPPET_CHARS = 60


def _snippet(text: str, query: str) -> str:
    q = query.strip()
    i = text.find(q[:2]) if q else -1
    start = max(0, i - 15) if i >= 0 else 0
    return text[start:start + SNIPPET_CHARS]


def _document_hits(expr: str, limit: int) -> list[tuple[int, float]]:
    """(pk, rank) of the best documents: bm25 when the matches are few, else newest first.

    Ranking tens of thousands of matches of a common word (通知) costs tens of ms and
    says little; the newest of them is what a person looks for.
    """
    db = models.database_proxy.obj
    n = db.execute_sql(f"SELECT count(*) FROM {search_index.DOC_FTS} "
                       f"WHERE {search_index.DOC_FTS} MATCH ?", (expr,)).fetchone()[0]
    if n <= _inbox.SPARSE_MATCHES:
        return search_index.search_rowids(db, search_index.DOC_FTS, expr, limit=limit)
    rows = db.execute_sql(
        f"SELECT d.pk FROM document d WHERE +d.pk IN (SELECT rowid FROM {search_index.DOC_FTS}"
        f" WHERE {search_index.DOC_FTS} MATCH ?) ORDER BY d.received_at DESC, d.pk DESC "
        "LIMIT ?", (expr, limit)).fetchall()
    return [(r[0], float(i)) for i, r in enumerate(rows)]


def search(text: str, *, limit: int = 50) -> list[SearchHit]:
    """Documents (best first), then notices (best first); at most `limit` of each."""
    expr = search_index.match_expression(text)
    if expr is None:
        return []
    db = models.database_proxy.obj
    hits: list[SearchHit] = []
    doc_ranks = _document_hits(expr, limit)
    if doc_ranks:
        docs = {d.pk: d for d in Document.select(Document.pk, Document.id, Document.title,
                                                 Document.doc_number, Document.issuer)
                .where(Document.pk.in_([r[0] for r in doc_ranks]))}
        for pk, rank in doc_ranks:
            d = docs.get(pk)
            if d is not None:
                hits.append(SearchHit(kind="document", id=d.id, title=d.title,
                                      snippet=f"{d.issuer} {d.doc_number}", rank=rank))
    notice_ranks = search_index.search_rowids(db, search_index.NOTICE_FTS, expr, limit=limit)
    if notice_ranks:
        notices = {n.pk: n for n in Notice.select(Notice.pk, Notice.id, Notice.title, Notice.body)
                   .where(Notice.pk.in_([r[0] for r in notice_ranks]))}
        for pk, rank in notice_ranks:
            n = notices.get(pk)
            if n is not None:
                hits.append(SearchHit(kind="notice", id=n.id, title=n.title,
                                      snippet=_snippet(n.body, text), rank=rank))
    return hits
