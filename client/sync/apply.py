"""Apply one page of the change feed to the cache, with its cursor, in one transaction.

The page is validated completely before anything is written (client.sync.parse, against
the shared wire schemas): a malformed page raises ProtocolError and leaves the cache
exactly as it was (cursor included), so the next pull asks for the same page again.
Objects only move forward (incoming version >= local); deletions remove the object and
its search rows but never local unsent work (outbox ops, local opinions and drafts live
in their own tables). Classified documents are refused: they must never travel over
this network, so they are not stored, and the refusal is logged and written to the
audit log.

A full re-synchronisation (cursor expired, or a new platform instance_id) is a
mark-and-sweep: every object received during it is stamped with a new generation,
and `finish_full_resync` removes whatever the platform no longer sends.
"""

from __future__ import annotations

import contextlib
import logging
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import peewee

from client import jsontext, models, search_index
from client.changes import Changes, changed
from client.db import translate_errors
from client.models import (
    SYNCED_MODELS,
    URGENCY_RANK,
    AuditEntry,
    Document,
    Notice,
    SyncState,
    to_epoch,
    to_epoch_precise,
)
from client.services.op_owners import NOTICE_PUBLISH, delivery, outgoing, task_complete
from client.sync.parse import validate_page
from client.types import ApplySummary, DocumentId, NoticeId, SyncStatus, UserId
from protocol.platform_receipt import platform_keys_from_wire

log = logging.getLogger(__name__)

ALLOWED_CLASSIFICATIONS = frozenset({"none", "internal"})

__all__ = ["PreparedPage", "apply_page", "apply_prepared", "begin_full_resync",
           "current_cursor", "finish_full_resync", "prepare_page", "record_error",
           "record_success", "set_identity", "sync_state", "validate_page"]

# --- columns of each type -------------------------------------------------------------

def _columns(kind: str, d: dict[str, Any]) -> dict[str, Any]:
    common = {"id": d["id"], "version": d["version"], "updated_at": d.get("updated_at") or "",
              "data": d}
    if kind == "unit":
        return common | {"name": d["name"], "parent_id": d["parent_id"], "kind": d["kind"],
                         "sort_order": d.get("sort_order", 0)}
    if kind == "user":
        return common | {"username": d["username"], "display_name": d["display_name"],
                         "unit_id": d["unit_id"], "title": d.get("title") or "",
                         "roles": d["roles"]}
    if kind == "document":
        body = d["body"]
        return common | {
            "doc_number": d["doc_number"], "issuer": d["issuer"], "doc_type": d["doc_type"],
            "title": d["title"], "classification": d["classification"],
            "urgency": d["urgency"], "urgency_rank": URGENCY_RANK[d["urgency"]],
            "signatory": d["signatory"] or "", "issued_on": d["issued_on"] or "",
            "received_at": to_epoch(d["received_at"]),
            "registration_number": d.get("registration_number") or "",
            "status": d["status"], "digest": d["digest"],
            "body_sha256": body["sha256"] if body else None,
            "delivery_id": d.get("delivery_id"),
        }
    if kind == "task":
        return common | {"document_id": d["document_id"], "assignee_id": d["assignee_id"],
                         "kind": d["kind"], "status": d["status"],
                         "due_at": to_epoch(d["due_at"]), "created_by": d.get("created_by")}
    if kind == "opinion":
        hw = d.get("handwriting")
        hw_sha = hw["sha256"] if isinstance(hw, dict) else d.get("handwriting_sha256")
        return common | {"task_id": d["task_id"], "document_id": d["document_id"],
                         "author_id": d["author_id"], "decision": d["decision"],
                         "text": d["text"], "handwriting_sha256": hw_sha,
                         "forward_to": d["forward_to"], "signed_at": d["signed_at"],
                         "signature": d["signature"]}
    if kind == "notice":
        return common | {"title": d["title"], "body": d["body"],
                         "publisher_id": d["publisher_id"],
                         "audience_unit_ids": d["audience_unit_ids"],
                         "requires_ack": d["requires_ack"], "urgent": d["urgent"],
                         "published_at": to_epoch(d["published_at"]),
                         "expires_at": to_epoch(d["expires_at"]),
                         "client_ref": d.get("client_ref")}
    if kind == "receipt":
        return common | {"notice_id": d["notice_id"], "document_id": d["document_id"],
                         "user_id": d["user_id"], "kind": d["kind"], "at": to_epoch(d["at"])}
    if kind == "key":
        return common | {"user_id": d["user_id"], "algorithm": d["algorithm"],
                         "public_key": d["public_key"], "revoked_at": to_epoch_precise(d["revoked_at"])}
    if kind == "outgoing":
        return common | {"unit_id": d["unit_id"], "drafter_id": d["drafter_id"],
                         "doc_type": d["doc_type"], "title": d["title"],
                         "status": d["status"], "signatory_id": d["signatory_id"],
                         "reviewer_id": d["reviewer_id"], "series": d["series"],
                         "current_version": d["current_version"],
                         "doc_number": d["doc_number"] or "", "urgency": d["urgency"],
                         "created_at": to_epoch(d["created_at"]),
                         "issued_at": to_epoch(d["issued_at"])}
    if kind == "outgoing_version":
        return common | {"outgoing_id": d["outgoing_id"], "number": d["number"],
                         "body_sha256": d["body_sha256"], "author_id": d["author_id"]}
    if kind == "outgoing_step":
        return common | {"outgoing_id": d["outgoing_id"], "kind": d["kind"],
                         "assignee_id": d["assignee_id"], "status": d["status"],
                         "due_at": to_epoch(d["due_at"]),
                         "created_at": to_epoch(d["created_at"])}
    if kind == "doc_series":
        return common | {"unit_id": d["unit_id"], "prefix": d["prefix"], "year": d["year"],
                         "last_number": d["last_number"]}
    if kind == "delivery":
        doc = d["document"]
        return common | {
            "outgoing_id": d["outgoing_id"], "sender_unit_id": d["sender_unit_id"],
            "recipient_unit_id": d["recipient_unit_id"], "role": d["role"],
            "status": d["status"], "sent_at": to_epoch(d["sent_at"]),
            "due_at": to_epoch(d["due_at"]), "urgency": doc["urgency"],
            "urgency_rank": URGENCY_RANK[doc["urgency"]], "doc_number": doc["doc_number"],
            "issuer": doc["issuer"], "doc_type": doc["doc_type"], "title": doc["title"],
            "received_by": d["received_by"], "received_at": to_epoch(d["received_at"]),
            "document_id": d["document_id"], "refused_by": d["refused_by"],
            "refused_at": to_epoch(d["refused_at"]), "reason": d["reason"]}
    if kind == "reminder":
        return common | {"task_id": d["task_id"], "step_id": d["step_id"],
                         "document_id": d["document_id"], "outgoing_id": d["outgoing_id"],
                         "from_id": d["from_id"], "to_id": d["to_id"], "text": d["text"],
                         "at": to_epoch(d["at"])}
    if kind == "note":
        return common | {"document_id": d["document_id"], "from_id": d["from_id"],
                         "to_id": d["to_id"], "text": d["text"], "at": to_epoch(d["at"])}
    raise AssertionError(kind)


# Local columns a raw INSERT must fill (peewee defaults are applied in Python, not SQL).
_LOCAL_DEFAULTS: dict[str, dict[str, Any]] = {
    "document": {"is_read": False},
    "task": task_complete.NEW_TASK_COLUMNS,
    "notice": {"is_read": False, "acked": False, "ack_pending": False},
    "outgoing": outgoing.NEW_OUTGOING_COLUMNS,
    "outgoing_step": outgoing.NEW_STEP_COLUMNS,
    "delivery": delivery.NEW_DELIVERY_COLUMNS,
}

# The JSON text models.JSONText writes (its json.dumps refuses a value that is not JSON;
# here every value came from JSON), in a third of the time; a float may be spelt
# otherwise (1e-7 for 1e-07) and reads back the same.
_dumps = jsontext.dumps

# --- preparing: everything about a change that does not depend on the cache --------------


@dataclass(frozen=True, slots=True)
class _Row:
    """The database values of one upserted object, computed from the change alone."""

    names: tuple[str, ...]  # the columns of `_columns`, "id" first (documents: no "data")
    values: list[Any]  # their values as bound (JSON columns encoded)
    data_json: str | None = None  # document: its JSON, for document_data
    texts: tuple[str, str, str] | None = None  # document: search texts without body text


@dataclass(frozen=True)
class PreparedPage:
    """A validated page with its rows computed: `apply_prepared` only writes it.

    The sync engine prepares the next page on its download thread while the current one
    is written (SQLite runs without the GIL, so the two overlap on a second core).
    """

    changes: list[dict[str, Any]]
    cursor: str
    rows: list[_Row | None]  # per change; None for deletes and refused documents


_json_positions: dict[tuple[str, tuple[str, ...]], list[int]] = {}


def _prepare_row(kind: str, data: dict[str, Any]) -> _Row:
    cols = _columns(kind, data)
    if kind == "document":
        del cols["data"]  # kept in document_data (see models.Document)
    names = tuple(cols)
    values = list(cols.values())
    positions = _json_positions.get((kind, names))
    if positions is None:
        fields = SYNCED_MODELS[kind]._meta.fields
        # Values are validated to their column types already; only JSON needs encoding.
        positions = _json_positions[(kind, names)] = [
            i for i, n in enumerate(names) if isinstance(fields[n], models.JSONText)]
    for i in positions:
        if values[i] is not None:
            values[i] = _dumps(values[i])
    if kind != "document":
        return _Row(names, values)
    texts = tuple(search_index.index_text(c) for c in search_index.document_columns(data, None))
    return _Row(names, values, _dumps(data), texts)  # type: ignore[arg-type]


def prepare_page(changes: list[dict[str, Any]], cursor: str) -> PreparedPage:
    """Validate a page (ProtocolError `protocol.bad_change`) and compute its rows.

    Changes of a type this client does not cache are left out: types the protocol does
    not define (client.sync.parse) and defined ones this client keeps no table for. The
    cursor still moves past them, so they are never asked for again."""
    kept = [c for c in validate_page(changes, cursor) if c["type"] in SYNCED_MODELS]
    return PreparedPage(kept, cursor, _rows(kept))


def _rows(changes: list[dict[str, Any]]) -> list[_Row | None]:
    rows: list[_Row | None] = []
    for change in changes:
        data = change["data"]
        if change["type"] not in SYNCED_MODELS:
            rows.append(None)  # a type this client does not store: ignored (PROTOCOL)
        elif change["op"] == "delete" or (change["type"] == "document" and
                                        data["classification"] not in ALLOWED_CLASSIFICATIONS):
            rows.append(None)
        else:
            rows.append(_prepare_row(change["type"], data))
    return rows


# --- applying -------------------------------------------------------------------------

def _state() -> SyncState:
    return models.sync_state()


_IN_CHUNK = 500  # ids per IN (...) list, below SQLite's parameter limit


def _sql_name(name: str) -> str:
    return f'"{name}"'


class _Applier:
    """Writes one validated page; must run inside a transaction.

    The rows of a page are written with executemany: statements are queued per SQL text
    and flushed in order (DELETEs of search rows first) before anything that reads or
    writes rows a queued statement may touch (a second change of the same object, a
    delete, the hooks that update other tables). Local versions are read for the whole
    page up front, and new documents get their integer keys here (max + 1, inside the
    page's IMMEDIATE transaction), so a document, its JSON and its search row are
    queued together without a round trip for the key.
    """

    def __init__(self, db: peewee.Database, state: SyncState) -> None:
        self.db = db
        self.state = state
        self.me = state.user_id
        self.generation = state.generation
        self.resync = bool(state.resync_in_progress)
        self.accept_any = self.resync and bool(state.resync_accept_any_version)
        self.upserted: Counter[str] = Counter()
        self.deleted: Counter[str] = Counter()
        self.skipped = 0
        self.refused: list[str] = []
        self.very_urgent: list[DocumentId] = []
        self.urgent_notices: list[NoticeId] = []
        # kind -> id -> (version, pk or None, body_text) of the objects in the cache.
        self._known: dict[str, dict[str, tuple[int, int | None, str | None]]] = {}
        self._early: dict[str, list[Sequence[Any]]] = {}
        self._queued: dict[str, list[Sequence[Any]]] = {}
        self._touched: set[tuple[str, str]] = set()
        self._next_doc_pk: int | None = None
        self._sql_cache: dict[tuple[str, tuple[str, ...], bool], str] = {}

    # --- queueing ----------------------------------------------------------------------
    def _queue(self, sql: str, row: Sequence[Any], *, early: bool = False) -> None:
        (self._early if early else self._queued).setdefault(sql, []).append(row)

    def flush(self) -> None:
        if not (self._early or self._queued):
            self._touched.clear()
            return
        with translate_errors(), peewee.__exception_wrapper__:
            cursor = self.db.cursor()
            for batches in (self._early, self._queued):
                for sql, rows in batches.items():
                    cursor.executemany(sql, rows)
        self._early.clear()
        self._queued.clear()
        self._touched.clear()

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Run one statement now, after everything queued before it."""
        self.flush()
        return self.db.execute_sql(sql, params)

    # --- local versions of the page's objects ------------------------------------------
    def _load_known(self, changes: list[dict[str, Any]]) -> None:
        ids: dict[str, set[str]] = {}
        for change in changes:
            ids.setdefault(change["type"], set()).add(change["id"])
        for kind, wanted in ids.items():
            table = SYNCED_MODELS[kind]._meta.table_name
            known = self._known.setdefault(kind, {})
            as_list = sorted(wanted)
            for i in range(0, len(as_list), _IN_CHUNK):
                chunk = as_list[i:i + _IN_CHUNK]
                marks = ", ".join("?" * len(chunk))
                if kind == "document":
                    sql = ("SELECT d.id, d.version, d.pk, x.body_text FROM document d "
                           "LEFT JOIN document_data x ON x.pk = d.pk "
                           f"WHERE d.id IN ({marks})")
                else:
                    sql = f'SELECT id, version, NULL, NULL FROM "{table}" WHERE id IN ({marks})'
                for obj_id, version, pk, body_text in self.db.execute_sql(sql, chunk):
                    known[obj_id] = (version, pk, body_text)

    def _new_document_pk(self) -> int:
        if self._next_doc_pk is None:
            row = self.db.execute_sql("SELECT COALESCE(MAX(pk), 0) FROM document").fetchone()
            self._next_doc_pk = int(row[0]) + 1
        pk = self._next_doc_pk
        self._next_doc_pk += 1
        return pk

    # --- the page ------------------------------------------------------------------------
    def apply(self, changes: list[dict[str, Any]],
              rows: list[_Row | None] | None = None) -> None:
        """Write validated changes (`rows` from `prepare_page`, computed here if None)."""
        if rows is None:
            rows = _rows(changes)
        # docs/protocol.md: a client ignores a change of an object type it does not know.
        kept = [(c, r) for c, r in zip(changes, rows, strict=True) if c["type"] in SYNCED_MODELS]
        self._load_known([c for c, _ in kept])
        for change, row in kept:
            kind, obj_id = change["type"], change["id"]
            if (kind, obj_id) in self._touched:
                self.flush()  # the same object twice in a page: keep the statements' order
            self._touched.add((kind, obj_id))
            if change["op"] == "delete":
                self._delete(kind, obj_id)
            elif row is None:
                self._refuse(change["data"])
            else:
                self._upsert(kind, change["data"], row)
        self.flush()

    def _statement(self, model: type[models.SyncedBase], names: tuple[str, ...], *,
                   insert: bool) -> str:
        """INSERT of these columns, or UPDATE of them by id (the last value)."""
        key = (model._meta.table_name, names, insert)
        sql = self._sql_cache.get(key)
        if sql is None:
            table = model._meta.table_name
            if insert:
                sql = (f'INSERT INTO "{table}" ({", ".join(map(_sql_name, names))}) '
                       f'VALUES ({", ".join("?" * len(names))})')
            else:
                sets = ", ".join(f'"{n}" = ?' for n in names)
                sql = f'UPDATE "{table}" SET {sets} WHERE id = ?'
            self._sql_cache[key] = sql
        return sql

    def _upsert(self, kind: str, data: dict[str, Any], row: _Row) -> None:
        model = SYNCED_MODELS[kind]
        obj_id = data["id"]
        known = self._known.setdefault(kind, {})
        local = known.get(obj_id)
        if local is not None and data["version"] < local[0] and not self.accept_any:
            self.skipped += 1
            # Still seen by this re-sync: it must survive the sweep.
            self._queue(f'UPDATE "{model._meta.table_name}" SET generation = ? WHERE id = ?',
                        (self.generation, obj_id))
            return
        is_new = local is None
        pk: int | None = None
        if is_new:
            defaults = _LOCAL_DEFAULTS.get(kind, {})
            names = (*row.names, "generation", *defaults)
            values = [*row.values, self.generation, *defaults.values()]
            if kind == "document":
                pk = self._new_document_pk()
                names += ("pk",)
                values.append(pk)
        else:
            # "id" is the first column: it moves to the WHERE clause.
            names = (*row.names[1:], "generation")
            values = [*row.values[1:], self.generation, obj_id]
        sql = self._statement(model, names, insert=is_new)
        if kind == "notice":
            self._execute(sql, values)  # its pk is read back for the search row
        else:
            self._queue(sql, values)
        self.upserted[kind] += 1
        if kind == "document":
            if local is not None:
                pk = local[1]
            assert pk is not None
            body_text = None if local is None else local[2]
            self._after_document(data, row, pk=pk, body_text=body_text, is_new=is_new)
            known[obj_id] = (data["version"], pk, body_text)
            return
        known[obj_id] = (data["version"], None, None)
        after = getattr(self, f"_after_{kind}", None)
        if after is not None:
            after(data, is_new=is_new)

    def _after_document(self, data: dict[str, Any], row: _Row, *, pk: int,
                        body_text: str | None, is_new: bool) -> None:
        texts = row.texts
        if body_text:  # text extracted from the downloaded body is searched too
            texts = tuple(search_index.index_text(c)  # type: ignore[assignment]
                          for c in search_index.document_columns(data, body_text))
        if is_new:
            self._queue("INSERT OR REPLACE INTO document_data (pk, data, body_text) "
                        "VALUES (?, ?, NULL)", (pk, row.data_json))
            if data["urgency"] == "very_urgent":
                self.very_urgent.append(DocumentId(data["id"]))
        else:
            # body_text (extracted from the downloaded body) is local: keep it.
            self._queue("INSERT INTO document_data (pk, data, body_text) VALUES (?, ?, NULL) "
                        "ON CONFLICT (pk) DO UPDATE SET data = excluded.data",
                        (pk, row.data_json))
            self._queue(f"DELETE FROM {search_index.DOC_FTS} WHERE rowid = ?", (pk,),
                        early=True)
        assert texts is not None
        self._queue(f"INSERT INTO {search_index.DOC_FTS}(rowid, title, meta, body) "
                    "VALUES (?, ?, ?, ?)", (pk, *texts))

    def _after_notice(self, data: dict[str, Any], *, is_new: bool) -> None:
        pk = Notice.select(Notice.pk).where(Notice.id == data["id"]).scalar()
        search_index.index_notice(self.db, pk, data["title"], data["body"])
        if is_new and data["urgent"] and data["publisher_id"] != self.me:
            self.urgent_notices.append(NoticeId(data["id"]))
        if data["publisher_id"] == self.me and data.get("client_ref"):
            NOTICE_PUBLISH.published_by_pull(data["client_ref"])

    def _after_task(self, data: dict[str, Any], *, is_new: bool) -> None:
        # A sign-off made here is confirmed once the platform's task is no longer pending
        # (a task new to this cache has no local state to clear).
        if data["status"] != "pending" and not is_new:
            self._queue(task_complete.SETTLED_BY_PULL_SQL, (data["id"],))

    def _after_outgoing(self, data: dict[str, Any], *, is_new: bool) -> None:
        if not is_new:  # a clerk action queued here is settled by the new status
            self._queue(outgoing.OUTGOING_SETTLED_BY_PULL_SQL, (data["id"], data["status"]))
        if data["drafter_id"] == self.me:  # my submitted draft has arrived
            self._queue(outgoing.DRAFT_SUBMITTED_BY_PULL_SQL, (data["id"],))

    def _after_outgoing_step(self, data: dict[str, Any], *, is_new: bool) -> None:
        if data["status"] != "pending" and not is_new:
            self._queue(outgoing.STEP_SETTLED_BY_PULL_SQL, (data["id"],))
    def _after_delivery(self, data: dict[str, Any], *, is_new: bool) -> None:
        # A 签收/拒收 made here is settled once the platform's delivery is no longer pending.
        if data["status"] != "pending" and not is_new:
            self._queue(delivery.SETTLED_BY_PULL_SQL, (data["id"],))

    def _after_receipt(self, data: dict[str, Any], *, is_new: bool) -> None:
        if self.me is None or data["user_id"] != self.me:
            return
        self.flush()  # the document or notice it marks may be queued
        if data["document_id"] and data["kind"] == "read":
            Document.update(is_read=True).where(Document.id == data["document_id"]).execute()
        if data["notice_id"]:
            if data["kind"] == "read":
                Notice.update(is_read=True).where(Notice.id == data["notice_id"]).execute()
            elif data["kind"] == "ack":
                Notice.update(is_read=True, acked=True, ack_pending=False).where(
                    Notice.id == data["notice_id"]).execute()

    def _delete(self, kind: str, obj_id: str) -> None:
        self.flush()
        model = SYNCED_MODELS[kind]
        if kind == "document":
            pk = Document.select(Document.pk).where(Document.id == obj_id).scalar()
            if pk is not None:
                search_index.remove_document(self.db, pk)
                models.DocumentData.delete().where(models.DocumentData.pk == pk).execute()
        elif kind == "notice":
            pk = Notice.select(Notice.pk).where(Notice.id == obj_id).scalar()
            if pk is not None:
                search_index.remove_notice(self.db, pk)
        if model.delete().where(model.id == obj_id).execute():
            self.deleted[kind] += 1
        self._known.get(kind, {}).pop(obj_id, None)

    def _refuse(self, data: dict[str, Any]) -> None:
        doc_id = data["id"]
        log.error("refused classified document %s (classification %r): not stored",
                  doc_id, data["classification"])
        # A copy kept from before a reclassification must not stay either.
        self._delete("document", doc_id)
        self.refused.append(doc_id)
        AuditEntry.create(user_id=self.me or "", action="sync.refused_classified",
                          object=f"document:{doc_id}",
                          detail={"classification": data["classification"],
                                  "doc_number": data.get("doc_number", "")})


_DIRECTORY_KINDS = frozenset({"unit", "user", "key"})
# Notes (留言) are announced like reminders (a tray alert), and shown on their document.
_EXCHANGE_KINDS = frozenset({"delivery", "reminder", "note"})
_CHANGE_FIELD = {"document": "documents", "task": "tasks", "opinion": "opinions",
                 "notice": "notices"}
# Objects shown on an outgoing document's page (and the id field that names it).
_OUTGOING_KINDS = {"outgoing": "id", "outgoing_version": "outgoing_id",
                   "outgoing_step": "outgoing_id", "delivery": "outgoing_id",
                   "doc_series": None}


def changes_of(changes: list[dict[str, Any]]) -> Changes:
    """What a validated page changes, for the views that show it (client.changes)."""
    ids: dict[str, set[str]] = {"documents": set(), "tasks": set(), "opinions": set(),
                                "notices": set(), "outgoing": set()}
    directory = False
    exchange: set[str] = set()
    for change in changes:
        kind = change["type"]
        data = change.get("data") if change["op"] == "upsert" else None
        if kind in _DIRECTORY_KINDS:
            directory = True
            continue
        if kind in _EXCHANGE_KINDS:
            exchange.add(change["id"] if kind == "delivery" else f"{kind}:{change['id']}")
        if kind in _OUTGOING_KINDS:
            name = _OUTGOING_KINDS[kind]
            if kind == "outgoing":
                ids["outgoing"].add(change["id"])
            elif data is not None and name is not None:
                ids["outgoing"].add(data.get(name) or "")
            else:  # a series (numbers given) or a deleted step: any 发文 list may differ
                ids["outgoing"].add("*")
            if kind == "delivery" and data is not None:
                ids["documents"].add(data.get("document_id") or "")
            continue
        if kind in _CHANGE_FIELD:
            ids[_CHANGE_FIELD[kind]].add(change["id"])
        if data is not None:  # the document (or notice) whose page shows this object
            ids["documents"].add(data.get("document_id") or "")
            if kind == "receipt":
                ids["notices"].add(data.get("notice_id") or "")
    return changed(documents=ids["documents"], tasks=ids["tasks"], opinions=ids["opinions"],
                   notices=ids["notices"], directory=directory, outgoing=ids["outgoing"],
                   exchange=exchange)


def apply_page(changes: list[dict[str, Any]], *, cursor: str) -> ApplySummary:
    """Validate and apply one page and store `cursor`, all or nothing."""
    return apply_prepared(prepare_page(changes, cursor))


def apply_prepared(page: PreparedPage) -> ApplySummary:
    """Apply a page from `prepare_page` and store its cursor, all or nothing."""
    cursor = page.cursor
    db = models.database_proxy.obj
    with db.atomic("IMMEDIATE"):
        state = _state()
        applier = _Applier(db, state)
        applier.apply(page.changes, page.rows)
        SyncState.update(cursor=cursor).where(SyncState.id == 1).execute()
    return ApplySummary(
        upserted=dict(applier.upserted), deleted=dict(applier.deleted),
        skipped_older=applier.skipped, refused_classified=applier.refused,
        new_very_urgent=applier.very_urgent, urgent_notices=applier.urgent_notices,
        cursor=cursor, changes=changes_of(page.changes))


def begin_full_resync(instance_id: str | None, *, rolled_back: bool = False) -> int:
    """Start a re-sync from scratch; returns its generation. Local work is untouched.

    `rolled_back`: the platform went back to an earlier state (restored from a backup),
    so its objects may carry versions lower than ours; they are taken as they come, as
    from a new instance."""
    db = models.database_proxy.obj
    with db.atomic("IMMEDIATE"):
        state = _state()
        changed = rolled_back or bool(instance_id and state.instance_id
                                      and state.instance_id != instance_id)
        # A re-sync interrupted by another one keeps accepting any version.
        accept_any = changed or (state.resync_in_progress and state.resync_accept_any_version)
        generation = state.generation + 1
        SyncState.update(generation=generation, resync_in_progress=True, cursor=None,
                         instance_id=instance_id or state.instance_id,
                         resync_accept_any_version=accept_any).where(SyncState.id == 1).execute()
    log.info("full re-sync started (generation %d, instance changed: %s)", generation, changed)
    return generation


def finish_full_resync() -> dict[str, int]:
    """Sweep the objects the re-sync did not bring back; returns counts per type."""
    db = models.database_proxy.obj
    removed: dict[str, int] = {}
    with db.atomic("IMMEDIATE"):
        state = _state()
        if not state.resync_in_progress:
            return removed
        gen = state.generation
        for table, model in (("doc_fts", Document), ("notice_fts", Notice),
                             ("document_data", Document)):
            db.execute_sql(f"DELETE FROM {table} WHERE rowid IN "
                           f"(SELECT pk FROM {model._meta.table_name} WHERE generation < ?)",
                           (gen,))
        for kind, model in SYNCED_MODELS.items():
            n = model.delete().where(model.generation < gen).execute()
            if n:
                removed[kind] = n
        SyncState.update(resync_in_progress=False, resync_accept_any_version=False).where(
            SyncState.id == 1).execute()
    log.info("full re-sync finished: removed %s", removed or "nothing")
    return removed


def sync_state() -> SyncStatus:
    s = _state()
    return SyncStatus(
        cursor=s.cursor, instance_id=s.instance_id,
        user_id=UserId(s.user_id) if s.user_id else None,
        last_success_at=models.from_epoch(s.last_success_at), last_error=s.last_error,
        generation=s.generation, resync_in_progress=bool(s.resync_in_progress))


def current_cursor() -> str | None:
    return _state().cursor


def set_identity(*, user_id: str, instance_id: str | None = None) -> None:
    """Record whose cache this is (receipts of this user mark things read)."""
    _state()
    fields: dict[str, Any] = {"user_id": user_id}
    if instance_id is not None and _state().instance_id is None:
        fields["instance_id"] = instance_id
    SyncState.update(**fields).where(SyncState.id == 1).execute()


def record_success(at: datetime) -> None:
    _state()
    SyncState.update(last_success_at=at.timestamp(), last_error=None).where(
        SyncState.id == 1).execute()


def record_error(message: str) -> None:
    _state()
    SyncState.update(last_error=message).where(SyncState.id == 1).execute()


def store_platform_keys(entries: list[dict[str, Any]]) -> None:
    """The platform's receipt keys as `meta` lists them. Keys are only added or updated,
    never dropped: a receipt signed by a key the platform no longer lists stays checkable
    (a platform that stops listing a key has not un-signed what it signed)."""
    keys = platform_keys_from_wire(entries)
    if not keys:
        return
    with models.database_proxy.obj.atomic():
        for k in keys.values():
            (models.PlatformKey.insert(key_id=k.key_id, algorithm=k.algorithm,
                                       public_key=k.public_key, created_at=k.created_at,
                                       retired_at=k.retired_at)
             .on_conflict(conflict_target=[models.PlatformKey.key_id],
                          update={models.PlatformKey.retired_at: k.retired_at})
             .execute())


def receipt_key_ids(changes: Sequence[dict[str, Any]]) -> set[str]:
    """The platform keys that signed the receipts of acceptance in a page."""
    out: set[str] = set()
    for change in changes:
        data = change.get("data")
        receipt = data.get("platform_receipt") if isinstance(data, dict) else None
        if isinstance(receipt, dict) and isinstance(receipt.get("key_id"), str):
            out.add(receipt["key_id"])
    return out


def known_platform_keys() -> set[str]:
    return {str(row.key_id) for row in models.PlatformKey.select(models.PlatformKey.key_id)}


# SQLite checkpoints the WAL into the database every 1,000 pages by default; a first sync
# writes the same index and search pages again and again, so checkpointing each time costs
# ~a third of its commits (bench/bench_sync.py --all-visible). During a pull from scratch
# the WAL may grow to this many pages (64 MiB) and is checkpointed once at the end.
BULK_CHECKPOINT_PAGES = 16384
DEFAULT_CHECKPOINT_PAGES = 1000


# The inbox's sort indexes on `document` and `task` (built for 100,000 documents) are
# dropped for a pull into an empty cache and built once at its end: 20,000 documents
# inserted in feed order into ten B-trees cost 2.2 s of a 6 s first sync (bench_sync
# --all-visible); built afterwards, each index is one sorted pass. The search index
# merges its segments once at the end too (search_index.MERGE_BULK). A pull killed midway leaves them missing; the
# next open creates them again (client/migrations.py: create_tables(safe=True)), and
# until then the inbox reads the table without them.
REBUILT_AFTER_FIRST_PULL = (models.Document._meta.table_name, models.Task._meta.table_name)


def _drop_sort_indexes(db: Any) -> list[str]:
    dropped = []
    for table in REBUILT_AFTER_FIRST_PULL:
        for index in db.get_indexes(table):
            if not index.unique and not index.name.startswith("sqlite_autoindex"):
                db.execute_sql(f'DROP INDEX IF EXISTS "{index.name}"')
                dropped.append(index.name)
    return dropped


@contextlib.contextmanager
def bulk_pull() -> Iterator[None]:
    """Fewer WAL checkpoints while a pull from scratch writes many pages (this thread's
    connection); one checkpoint at the end. Into an empty cache, the document sort
    indexes are built at the end rather than row by row. Durability is unchanged: every
    page is committed in its own transaction, with its cursor, as always."""
    db = models.database_proxy.obj
    db.execute_sql(f"PRAGMA wal_autocheckpoint = {BULK_CHECKPOINT_PAGES}")
    dropped: list[str] = []
    if not models.Document.select().exists():
        with db.atomic("IMMEDIATE"):
            dropped = _drop_sort_indexes(db)
            search_index.set_merging(db, search_index.MERGE_BULK)
    try:
        yield
    finally:
        with contextlib.suppress(peewee.DatabaseError):
            if dropped:
                with db.atomic("IMMEDIATE"):
                    db.create_tables([models.Document, models.Task], safe=True)
                    search_index.set_merging(db, search_index.MERGE_DEFAULTS)
                    search_index.merge_all(db)
            db.execute_sql(f"PRAGMA wal_autocheckpoint = {DEFAULT_CHECKPOINT_PAGES}")
            db.execute_sql("PRAGMA wal_checkpoint(PASSIVE)")
