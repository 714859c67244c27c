"""Search box: documents and notices, best matches first (see client/search_index.py)."""

from __future__ import annotations

from client import models, search_index
from client.models import Document, Notice
from client.types import SearchHit

SNIPPET_CHARS = 60


def _snippet(text: str, query: str) -> str:
    q = query.strip()
    i = text.find(q[:2]) if q else -1
    start = max(0, i - 15) if i >= 0 else 0
    return text[start:start + SNIPPET_CHARS]


def search(text: str, *, limit: int = 50) -> list[SearchHit]:
    expr = search_index.match_expression(text)
    if expr is None:
        return []
    db = models.database_proxy.obj
    hits: list[SearchHit] = []
    doc_ranks = search_index.search_rowids(db, search_index.DOC_FTS, expr, limit=limit)
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
    # bm25: lower is better.
    hits.sort(key=lambda h: h.rank)
    return hits[:limit]
