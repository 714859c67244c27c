"""Chinese full-text search over the cache: FTS5 `unicode61` on bigrams + single characters.

SQLite has no Chinese word segmenter, and the trigram tokenizer cannot match the
common two-character query (通知, 财政, 批示). As Lucene's CJKAnalyzer does, every run of
Chinese characters is indexed as its overlapping bigrams followed by its single
characters (公文收件 → "公文 文收 收件 公 文 收 件"); a query becomes a phrase of its
bigrams (a 1-character query matches the single-character tokens). Non-Chinese runs
(numbers of 文号, Latin words) are left to unicode61 and matched by prefix.

The FTS tables are contentless (the text is already in the cache): rows are keyed by
Document.pk / Notice.pk and replaced in the same transaction as the object upsert.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

import peewee

DOC_FTS = "doc_fts"
NOTICE_FTS = "notice_fts"

# bm25 weights of the columns (title, meta, body): a title hit ranks first.
DOC_WEIGHTS = (10.0, 5.0, 1.0)
NOTICE_WEIGHTS = (10.0, 1.0, 1.0)

_CJK = (
    "\u3005\u3007"          # 々 〇
    "\u3400-\u4dbf"         # Extension A
    "\u4e00-\u9fff"         # Unified Ideographs
    "\uf900-\ufaff"         # Compatibility Ideographs
    "\U00020000-\U0003134f"  # Extensions B–G
)
_SEGMENT = re.compile(f"([{_CJK}]+)|([^\\W_{_CJK}]+)")


def create_tables(db: peewee.Database) -> None:
    for table in (DOC_FTS, NOTICE_FTS):
        db.execute_sql(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {table} USING fts5("
            "title, meta, body, content='', contentless_delete=1, "
            "tokenize='unicode61 remove_diacritics 2')"
        )


# FTS5 merges its segments as rows come in (automerge 4, crisismerge 16: its defaults).
# A first pull writes 100,000 documents in a few hundred commits, each a new segment, and
# merging them as it goes cost a sixth of the pull; it merges once, at the end, instead.
MERGE_DEFAULTS = (("automerge", 4), ("crisismerge", 16))
MERGE_BULK = (("automerge", 0), ("crisismerge", 2000))


def set_merging(db: Any, settings: tuple[tuple[str, int], ...]) -> None:
    """Set the document index's merge settings (stored in the index, so they outlive the
    connection: the cache's open puts the defaults back after a pull that was killed)."""
    for name, value in settings:
        db.execute_sql(f"INSERT INTO {DOC_FTS}({DOC_FTS}, rank) VALUES (?, ?)", (name, value))


def restore_merging(db: Any) -> None:
    """The default merge settings, if a pull killed midway left its own (at the cache's
    open). Writes nothing otherwise: opening a cache must not change its file."""
    rows = dict(db.execute_sql(
        f"SELECT k, v FROM {DOC_FTS}_config WHERE k IN ('automerge', 'crisismerge')"
    ).fetchall())
    if any(name in rows and int(rows[name]) != value for name, value in MERGE_DEFAULTS):
        set_merging(db, MERGE_DEFAULTS)


def merge_all(db: Any) -> None:
    """One segment for the whole document index (after a bulk load)."""
    db.execute_sql(f"INSERT INTO {DOC_FTS}({DOC_FTS}) VALUES ('optimize')")


def _normalise(text: str) -> str:
    # NFKC folds full-width digits and letters (２００４ → 2004) as people type both.
    return unicodedata.normalize("NFKC", text or "")


def index_text(text: str) -> str:
    """The token string stored for `text`: bigrams then unigrams of each Chinese run."""
    out: list[str] = []
    for cjk, other in _SEGMENT.findall(_normalise(text)):
        if cjk:
            if len(cjk) > 1:
                out.extend(cjk[i:i + 2] for i in range(len(cjk) - 1))
            out.extend(cjk)
        else:
            out.append(other)
    return " ".join(out)


def match_expression(query: str) -> str | None:
    """FTS5 MATCH expression for what a person typed; None when nothing is searchable.

    Every part must match (AND): a Chinese run as the phrase of its bigrams (or the
    single character), any other word as a prefix.
    """
    terms: list[str] = []
    for cjk, other in _SEGMENT.findall(_normalise(query)):
        if cjk:
            if len(cjk) == 1:
                terms.append(f'"{cjk}"')
            else:
                bigrams = " ".join(cjk[i:i + 2] for i in range(len(cjk) - 1))
                terms.append(f'"{bigrams}"')
        else:
            # Only word characters reach here, so no quote can break the syntax.
            terms.append(f'"{other.lower()}"*')
    if not terms:
        return None
    return " AND ".join(terms)


def _replace(db: peewee.Database, table: str, rowid: int, columns: Iterable[str]) -> None:
    title, meta, body = (index_text(c) for c in columns)
    db.execute_sql(f"DELETE FROM {table} WHERE rowid = ?", (rowid,))
    db.execute_sql(f"INSERT INTO {table}(rowid, title, meta, body) VALUES (?, ?, ?, ?)",
                   (rowid, title, meta, body))


def document_columns(doc: dict, body_text: str | None) -> tuple[str, str, str]:
    meta = " ".join(str(doc.get(k) or "") for k in
                    ("doc_number", "issuer", "registration_number", "signatory"))
    body = "\n".join(x for x in (str(doc.get("notes") or ""), body_text or "") if x)
    return str(doc.get("title") or ""), meta, body


def index_document(db: peewee.Database, pk: int, doc: dict, body_text: str | None) -> None:
    """(Re)index one document; call inside the transaction that wrote it."""
    _replace(db, DOC_FTS, pk, document_columns(doc, body_text))


def index_notice(db: peewee.Database, pk: int, title: str, body: str) -> None:
    _replace(db, NOTICE_FTS, pk, (title, "", body))


def remove_document(db: peewee.Database, pk: int) -> None:
    db.execute_sql(f"DELETE FROM {DOC_FTS} WHERE rowid = ?", (pk,))


def remove_notice(db: peewee.Database, pk: int) -> None:
    db.execute_sql(f"DELETE FROM {NOTICE_FTS} WHERE rowid = ?", (pk,))


def match_subquery(table: str, expression: str) -> peewee.SQL:
    """`rowid IN (...)` fragment for combining a text search with other filters."""
    return peewee.SQL(f"SELECT rowid FROM {table} WHERE {table} MATCH ?", [expression])


def search_rowids(db: peewee.Database, table: str, expression: str, *,
                  limit: int) -> list[tuple[int, float]]:
    """Best-ranked (rowid, bm25) pairs for an expression."""
    weights = DOC_WEIGHTS if table == DOC_FTS else NOTICE_WEIGHTS
    w = ", ".join(str(x) for x in weights)
    cursor = db.execute_sql(
        f"SELECT rowid, bm25({table}, {w}) AS r FROM {table} WHERE {table} MATCH ? "
        "ORDER BY r LIMIT ?", (expression, limit))
    return [(int(r[0]), float(r[1])) for r in cursor.fetchall()]
