"""The compacted change feed: what each user may see, in commit order.

Writers (inside `write_tx()`):
- `publish(obj_type, obj_id, data, audience, blobs=None)` stores the object's client
  JSON (serialised once) and makes its feed rows say "upsert" for the audience and
  "delete" for every user who could see it before but is no longer in the audience.
  `audience` is a set of user ids or `EVERYONE` ("*"); a set containing "*" means
  everyone. `blobs`: the sha256s the object refers to (for blob authorisation);
  None leaves the recorded references as they are, a list replaces them.
- `retract(obj_type, obj_id)` makes every row of the object a "delete".

Every change gets its own seq, and one user never has two rows of one object with the
same seq (a move from "*" to named users spends two seqs: the "*" delete first, the
named upserts next), so a page boundary never splits a change.

Reader: `read_changes(user_id, cursor, limit)` returns the JSON body of one page.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from server import clock, platform_keys
from server.db import database, execute_hot, in_write_tx, is_sqlite
from server.errors import Problem
from server.models import EVERYONE, BlobRef, FeedEntry, FeedMark, Meta, SyncObject

MAX_LIMIT = 1000
DEFAULT_LIMIT = 500
_CHUNK = 500  # ids per IN (...) list, well below every backend's parameter limit


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return clock.rfc3339(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(data: Any) -> str:
    """Compact JSON, non-ASCII kept: the form stored and sent."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=_json_default)


def object_key(obj_type: str, obj_id: str) -> str:
    return f"{obj_type}:{obj_id}"


def _require_tx() -> None:
    if not in_write_tx():
        raise RuntimeError("feed writes must run inside db.write_tx()")


def next_seq() -> int:
    """Take the next feed seq (inside `write_tx()`, which serialises the counter)."""
    _require_tx()
    # Which history this seq belongs to: a rollback reuses the number, never the mark.
    mark = secrets.token_hex(6)
    db = database.obj
    if is_sqlite():
        row = db.execute_sql("UPDATE meta SET seq = seq + 1 WHERE id = 1 RETURNING seq").fetchone()
        if row is not None:
            FeedMark.insert(seq=int(row[0]), mark=mark).execute()
    else:  # one round trip: the counter and its mark in one statement
        row = db.execute_sql(
            "WITH s AS (UPDATE meta SET seq = seq + 1 WHERE id = 1 RETURNING seq) "
            f"INSERT INTO {FeedMark._meta.table_name} (seq, mark) SELECT seq, %s FROM s "
            "RETURNING seq", (mark,)).fetchone()
    if row is None:
        raise RuntimeError("platform database has no Meta row: run init_database()")
    return int(row[0])


def current_seq() -> int:
    row = database.obj.execute_sql("SELECT seq FROM meta WHERE id = 1").fetchone()
    return int(row[0]) if row else 0


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def _set_rows(key: str, user_ids: list[str], op: str, seq: int) -> None:
    for chunk in _chunks(user_ids):
        FeedEntry.update(op=op, seq=seq).where(
            (FeedEntry.key == key) & FeedEntry.user_id.in_(chunk)
        ).execute()


def _normalise_audience(audience: set[str] | frozenset[str] | str | Iterable[str]) -> set[str]:
    if isinstance(audience, str):
        return {audience}
    users = set(audience)
    return {EVERYONE} if EVERYONE in users else users


def publish(
    obj_type: str,
    obj_id: str,
    data: dict[str, Any],
    audience: set[str] | frozenset[str] | str,
    *,
    blobs: list[str] | None = None,
    new: bool = False,
) -> int:
    """Record the object's current JSON and who may see it; returns the seq used.

    `new=True` says the object was created in this transaction under a fresh id: it has
    no feed rows yet, so none are looked up (two statements fewer per receipt)."""
    _require_tx()
    key = object_key(obj_type, obj_id)
    users = _normalise_audience(audience)
    if new and blobs is None and not is_sqlite():
        return _publish_new_pg(key, obj_type, obj_id, dumps(data), sorted(users))
    existing: dict[str, str] = {} if new else dict(
        FeedEntry.select(FeedEntry.user_id, FeedEntry.op).where(FeedEntry.key == key).tuples()
    )
    if users == {EVERYONE}:
        seq = next_seq()
        # "*" covers everyone: named rows would only duplicate (or contradict) it.
        FeedEntry.delete().where((FeedEntry.key == key) & (FeedEntry.user_id != EVERYONE)).execute()
        if EVERYONE in existing:
            _set_rows(key, [EVERYONE], "upsert", seq)
        else:
            FeedEntry.insert(user_id=EVERYONE, key=key, seq=seq, op="upsert").execute()
    else:
        if existing.get(EVERYONE) == "upsert":
            _set_rows(key, [EVERYONE], "delete", next_seq())
        seq = next_seq()
        lost = [u for u, op in existing.items() if u != EVERYONE and u not in users and op == "upsert"]
        _set_rows(key, lost, "delete", seq)
        _set_rows(key, [u for u in users if u in existing], "upsert", seq)
        new_rows = [
            {"user_id": u, "key": key, "seq": seq, "op": "upsert"} for u in users if u not in existing
        ]
        for i in range(0, len(new_rows), _CHUNK):
            FeedEntry.insert_many(new_rows[i : i + _CHUNK]).execute()
    text = dumps(data)
    now = clock.now()
    updated = 0 if new else (
        SyncObject.update(seq=seq, data=text, changed_at=now).where(SyncObject.key == key).execute()
    )
    if not updated:
        SyncObject.insert(
            key=key, type=obj_type, obj_id=obj_id, seq=seq, data=text, changed_at=now
        ).execute()
    if blobs is not None:
        _set_blob_refs(key, blobs)
    return seq


_PUBLISH_NEW_PG = """
WITH s AS (UPDATE meta SET seq = seq + 1 WHERE id = 1 RETURNING seq),
     m AS (INSERT INTO feed_mark (seq, mark) SELECT seq, %s::varchar FROM s),
     o AS (INSERT INTO sync_object (key, type, obj_id, seq, data, changed_at)
           SELECT %s::varchar, %s::varchar, %s::varchar, seq, %s::text, %s::timestamp FROM s),
     f AS (INSERT INTO feed_entry (user_id, key, seq, op)
           SELECT u, %s::varchar, s.seq, 'upsert' FROM s, unnest(%s::text[]) AS u)
SELECT seq FROM s
"""


def _publish_new_pg(key: str, obj_type: str, obj_id: str, text: str, users: list[str]) -> int:
    """`publish` of a new object on PostgreSQL in one statement: its seq and mark, its
    JSON and its feed rows (issue 14: a receipt is the morning rush's commonest write,
    and each statement was a round trip plus peewee building it)."""
    changed_at = SyncObject.changed_at.db_value(clock.now())
    row = execute_hot(
        "govdesk_publish_new", _PUBLISH_NEW_PG,
        (secrets.token_hex(6), key, obj_type, obj_id, text, changed_at, key, users)).fetchone()
    if row is None:
        raise RuntimeError("platform database has no Meta row: run init_database()")
    return int(row[0])


def _set_blob_refs(key: str, blobs: list[str]) -> None:
    wanted = set(blobs)
    have = {r for (r,) in BlobRef.select(BlobRef.sha256).where(BlobRef.key == key).tuples()}
    stale = list(have - wanted)
    if stale:
        BlobRef.delete().where((BlobRef.key == key) & BlobRef.sha256.in_(stale)).execute()
    missing = [{"sha256": h, "key": key} for h in wanted - have]
    if missing:
        BlobRef.insert_many(missing).execute()


def retract(obj_type: str, obj_id: str) -> int | None:
    """Every row of the object becomes "delete"; returns the seq, None if unknown."""
    _require_tx()
    key = object_key(obj_type, obj_id)
    if not SyncObject.select().where(SyncObject.key == key).exists():
        return None
    seq = next_seq()
    FeedEntry.update(op="delete", seq=seq).where(
        (FeedEntry.key == key) & (FeedEntry.op == "upsert")
    ).execute()
    SyncObject.update(seq=seq, data=None, changed_at=clock.now()).where(
        SyncObject.key == key
    ).execute()
    BlobRef.delete().where(BlobRef.key == key).execute()
    return seq


# --- cursors -------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedState:
    instance_id: str
    seq: int
    min_cursor_seq: int
    restore_epoch: int = 0


def feed_state() -> FeedState:
    row = database.obj.execute_sql(
        "SELECT instance_id, seq, min_cursor_seq, restore_epoch FROM meta WHERE id = 1"
    ).fetchone()
    if row is None:
        raise RuntimeError("platform database has no Meta row: run init_database()")
    return FeedState(row[0], int(row[1]), int(row[2]), int(row[3] or 0))


def mark_of(seq: int) -> str:
    """The mark of feed seq `seq` ("" for 0 and for seqs older than migration 6)."""
    if seq <= 0:
        return ""
    row = database.obj.execute_sql(
        f"SELECT mark FROM feed_mark WHERE seq = {database.obj.param}", (seq,)).fetchone()
    return str(row[0]) if row else ""


def encode_cursor(instance_id: str, seq: int, floor: int = 0, mark: str = "",
                  epoch: int = 0) -> str:
    """Opaque cursor: instance, the retention floor in force when issued, the seq, the
    mark of that seq and the restore epoch.

    The floor lets a pull that started from scratch after a purge page on below the new
    `min_cursor_seq`: it never needed the purged deletions. The mark and the epoch tell
    whether the platform still has the history the cursor was issued from (like a
    replication checkpoint's fingerprint): see `decode_cursor`.
    """
    raw = f"{instance_id}:{floor}:{seq}:{mark}:{epoch}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _diverged(detail: str) -> Problem:
    return Problem(410, "cursor.diverged", "Cursor diverged", detail)


@dataclass(frozen=True)
class _Cursor:
    instance_id: str
    floor: int
    seq: int
    mark: str
    epoch: int


def _parse_cursor(cursor: str) -> _Cursor:
    try:
        if len(cursor) > 200:
            raise ValueError("too long")
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        parts = raw.split(":")
        if len(parts) == 3:  # issued before migration 6: no mark, epoch 0
            parts += ["", "0"]
        instance_id, floor_text, seq_text, mark, epoch_text = parts
        if not (seq_text.isdigit() and floor_text.isdigit() and epoch_text.isdigit()):
            raise ValueError("seq is not a number")
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise Problem(400, "cursor.invalid", "Invalid cursor", "the cursor is not one of ours") from exc
    return _Cursor(instance_id, int(floor_text), int(seq_text), mark, int(epoch_text))


def _check_cursor(c: _Cursor, state: FeedState, mark_at_seq: str) -> int:
    if c.instance_id != state.instance_id:
        raise Problem(410, "cursor.expired", "Cursor expired",
                      "the platform database changed; synchronise from scratch")
    if c.epoch != state.restore_epoch:
        raise _diverged("the platform was restored from a backup; synchronise from scratch "
                        "and send your recent operations again")
    # One answer for "beyond the head" and "not the mark of this seq", and the mark is
    # checked even when the cursor carries none (only seqs older than migration 6 have
    # none): else a made-up cursor told where the feed's head is, a count of every
    # unit's changes (issue 13, finding 15).
    beyond_head = c.seq > state.seq
    wrong_mark = mark_at_seq != c.mark
    if beyond_head or wrong_mark:
        raise _diverged("the platform's history at this cursor is not the one it was "
                        "issued from (restored from a backup); synchronise from scratch "
                        "and send your recent operations again")
    purged_since_issued = c.floor != state.min_cursor_seq
    if c.seq != 0 and c.seq < state.min_cursor_seq and purged_since_issued:
        raise Problem(410, "cursor.expired", "Cursor expired",
                      "the cursor is older than the platform's retention; synchronise from scratch")
    return c.seq


def decode_cursor(cursor: str | None, state: FeedState) -> int:
    """The seq a cursor stands for; Problem 400 cursor.invalid, 410 cursor.expired, or
    410 cursor.diverged: the platform's history is not the one the cursor was issued
    from (restored from a backup: by `restore`, a new epoch; by hand, the head went
    back below the cursor or the seq's mark differs)."""
    if not cursor:
        return 0
    c = _parse_cursor(cursor)
    return _check_cursor(c, state, mark_of(c.seq))


def _state_and_mark(seq: int) -> tuple[FeedState, str]:
    """`feed_state()` and `mark_of(seq)` in one round trip (a poll's first statement)."""
    p = database.obj.param
    row = execute_hot(
        "govdesk_feed_state",
        "SELECT instance_id, seq, min_cursor_seq, restore_epoch,"
        f" (SELECT mark FROM feed_mark WHERE seq = {p}) FROM meta WHERE id = 1", (seq,)
    ).fetchone()
    if row is None:
        raise RuntimeError("platform database has no Meta row: run init_database()")
    mark = str(row[4]) if row[4] is not None and seq > 0 else ""
    return FeedState(row[0], int(row[1]), int(row[2]), int(row[3] or 0)), mark


# --- reading -------------------------------------------------------------------------

# The user's rows and everyone's after the cursor, each cut at the page's length.
_PAGE_ROWS = """
  SELECT * FROM (SELECT seq, key, op FROM feed_entry
                 WHERE user_id = {p} AND seq > {p} ORDER BY seq LIMIT {p}) AS everyone
  UNION ALL
  SELECT * FROM (SELECT seq, key, op FROM feed_entry
                 WHERE user_id = {p} AND seq > {p} ORDER BY seq LIMIT {p}) AS mine
"""

_PAGE_SQL = ("SELECT f.seq, f.op, s.type, s.obj_id, s.data FROM (" + _PAGE_ROWS
             + ") AS f JOIN sync_object AS s ON s.key = f.key ORDER BY f.seq LIMIT {p}")

# PostgreSQL's planner joined the page to sync_object by a hash over the whole table (it
# plans for `limit` rows): 6 ms per poll at 6,000 objects, growing with the platform.
# A LATERAL lookup with LIMIT 1 is one primary-key probe per row of the page.
_PAGE_SQL_PG = ("SELECT f.seq, f.op, s.type, s.obj_id, s.data FROM (" + _PAGE_ROWS
                + "  ORDER BY seq LIMIT {p}) AS f CROSS JOIN LATERAL (SELECT type, obj_id,"
                " data FROM sync_object WHERE key = f.key LIMIT 1) AS s ORDER BY f.seq")


def _page_sql() -> str:
    return (_PAGE_SQL if is_sqlite() else _PAGE_SQL_PG).format(p=database.obj.param)


def read_changes(user_id: str, cursor: str | None, limit: int = DEFAULT_LIMIT) -> bytes:
    """One page of the caller's feed as the JSON body PROTOCOL describes."""
    limit = max(1, min(MAX_LIMIT, limit))
    # Two statements without a wrapping transaction (saves round trips on PostgreSQL):
    # rows committed between them carry seqs above state.seq and are simply included.
    parsed = _parse_cursor(cursor) if cursor else None
    state, mark = _state_and_mark(parsed.seq if parsed else 0)
    after = _check_cursor(parsed, state, mark) if parsed else 0
    rows = execute_hot(
        "govdesk_feed_page", _page_sql(),
        (EVERYONE, after, limit + 1, user_id, after, limit + 1, limit + 1)).fetchall()
    has_more = len(rows) > limit
    rows = rows[:limit]
    parts = []
    for seq, op, obj_type, obj_id, data in rows:
        # `data` is stored JSON text: spliced in as is, never parsed and re-dumped.
        tail = f'"op":"upsert","data":{data}}}' if op == "upsert" else '"op":"delete","data":null}'
        parts.append(
            f'{{"seq":{seq},"type":{json.dumps(obj_type)},'
            f'"id":{json.dumps(obj_id, ensure_ascii=False)},{tail}'
        )
    # Nothing new: the cursor's own seq, whose mark was just read with the state.
    last, last_mark = (rows[-1][0], mark_of(rows[-1][0])) if rows else (after, mark)
    new_cursor = encode_cursor(state.instance_id, last, state.min_cursor_seq, last_mark,
                               state.restore_epoch)
    # A pull from the beginning also gets the receipt keys its objects' platform receipts
    # are checked with: a first sync needs no /meta for them (one round trip less).
    keys = "" if cursor else (
        ',"platform_keys":' + json.dumps(platform_keys.published(), ensure_ascii=False))
    body = (
        '{"changes":[' + ",".join(parts) + f'],"cursor":"{new_cursor}",'
        f'"has_more":{"true" if has_more else "false"},'
        f'"instance_id":{json.dumps(state.instance_id)}{keys}}}'
    )
    return body.encode()


def latest_visible_seq(user_id: str) -> int:
    """The highest seq in the caller's feed (for the events stream)."""
    p = database.obj.param
    row = database.obj.execute_sql(
        f"SELECT (SELECT max(seq) FROM feed_entry WHERE user_id = {p}),"
        f" (SELECT max(seq) FROM feed_entry WHERE user_id = {p})",
        (EVERYONE, user_id),
    ).fetchone()
    return max(int(row[0] or 0), int(row[1] or 0))


def latest_visible_seqs(user_ids: Iterable[str]) -> dict[str, int]:
    """`latest_visible_seq` of many users in one call: the events watcher asks once per
    change for every listening user, instead of each stream asking on its own (issue 14:
    3,640 streams each querying twice a second during a rush saturated the platform)."""
    db = database.obj
    p = db.param
    ids = list(dict.fromkeys(user_ids))
    row = db.execute_sql(f"SELECT max(seq) FROM feed_entry WHERE user_id = {p}",
                         (EVERYONE,)).fetchone()
    star = int(row[0] or 0)
    own: dict[str, int] = {}
    if is_sqlite():  # SQLite, in-process: one indexed lookup per user is cheap
        for uid in ids:
            row = db.execute_sql(f"SELECT max(seq) FROM feed_entry WHERE user_id = {p}",
                                 (uid,)).fetchone()
            own[uid] = int(row[0] or 0)
    else:  # PostgreSQL: one round trip per chunk, each max an index lookup
        for chunk in _chunks(ids):
            for uid, seq in db.execute_sql(
                "SELECT u, (SELECT max(seq) FROM feed_entry WHERE user_id = u)"
                " FROM unnest(%s::text[]) AS t(u)", (chunk,)).fetchall():
                own[str(uid)] = int(seq or 0)
    return {uid: max(star, own.get(uid, 0)) for uid in ids}


def latest_seqs_since(after: int) -> dict[str, int]:
    """The highest seq of each user ("*": everyone) among the feed rows written after seq
    `after`: what moved since the events watcher last looked, whatever the number of
    listeners (issue 14). Every feed row's seq is at most its object's (`publish`,
    `retract`), so the objects changed since `after` (sync_object's seq index) lead to
    every such row."""
    p = database.obj.param
    rows = execute_hot(
        "govdesk_feed_moved",
        "SELECT f.user_id, max(f.seq) FROM sync_object AS s JOIN feed_entry AS f"
        f" ON f.key = s.key WHERE s.seq > {p} AND f.seq > {p} GROUP BY f.user_id",
        (after, after)).fetchall()
    return {str(u): int(seq) for u, seq in rows}


def visible_keys(user_id: str) -> dict[str, int]:
    """Keys the user currently sees (op upsert), with their seq: for tests and admin."""
    q = FeedEntry.select(FeedEntry.key, FeedEntry.seq).where(
        FeedEntry.user_id.in_([EVERYONE, user_id]) & (FeedEntry.op == "upsert")
    )
    return dict(q.tuples())


# --- retention -----------------------------------------------------------------------


@dataclass(frozen=True)
class PurgeResult:
    deleted_rows: int
    deleted_objects: int
    min_cursor_seq: int


def purge(older_than: timedelta) -> PurgeResult:
    """Drop delete rows of objects unchanged for `older_than`; raise min_cursor_seq.

    A client whose cursor is below the highest dropped seq might have missed one of
    those deletions, so such cursors get 410 cursor.expired from now on.
    """
    from server.db import write_tx

    cutoff = clock.now() - older_than
    with write_tx():
        old_keys = SyncObject.select(SyncObject.key).where(SyncObject.changed_at <= cutoff)
        doomed = FeedEntry.select().where((FeedEntry.op == "delete") & FeedEntry.key.in_(old_keys))
        max_seq = (
            FeedEntry.select(FeedEntry.seq)
            .where((FeedEntry.op == "delete") & FeedEntry.key.in_(old_keys))
            .order_by(FeedEntry.seq.desc())
            .limit(1)
            .scalar()
        )
        deleted_rows = doomed.count()
        FeedEntry.delete().where(
            (FeedEntry.op == "delete") & FeedEntry.key.in_(old_keys)
        ).execute()
        with_rows = FeedEntry.select(FeedEntry.key).distinct()
        deleted_objects = (
            SyncObject.delete()
            .where(
                SyncObject.data.is_null()
                & (SyncObject.changed_at <= cutoff)
                & SyncObject.key.not_in(with_rows)
            )
            .execute()
        )
        meta = Meta.get_by_id(1)
        if max_seq is not None and max_seq > meta.min_cursor_seq:
            Meta.update(min_cursor_seq=max_seq).where(Meta.id == 1).execute()
            meta.min_cursor_seq = max_seq
    return PurgeResult(deleted_rows, deleted_objects, int(meta.min_cursor_seq))


# --- bulk loading (demo --scale) -----------------------------------------------------


def publish_new_many(
    items: list[tuple[str, str, dict[str, Any], set[str] | frozenset[str] | str, list[str] | None]],
) -> list[int]:
    """`publish` for many objects that have never been published (bulk loads such as
    `init-demo --scale`): one seq per object, taken in one UPDATE, rows inserted in
    batches. Items are (type, id, data, audience, blobs). Inside `write_tx()`; an object
    that already has feed rows violates the primary key (use `publish` for changes)."""
    _require_tx()
    if not items:
        return []
    cursor = database.obj.execute_sql(
        f"UPDATE meta SET seq = seq + {database.obj.param} WHERE id = 1 RETURNING seq",
        (len(items),),
    )
    row = cursor.fetchone()
    if row is None:
        raise RuntimeError("platform database has no Meta row: run init_database()")
    first = int(row[0]) - len(items) + 1
    now = clock.now()
    objects: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    refs: list[dict[str, Any]] = []
    for i, (obj_type, obj_id, data, audience, blobs) in enumerate(items):
        seq = first + i
        key = object_key(obj_type, obj_id)
        objects.append({"key": key, "type": obj_type, "obj_id": obj_id, "seq": seq,
                        "data": dumps(data), "changed_at": now})
        entries += [{"user_id": u, "key": key, "seq": seq, "op": "upsert"}
                    for u in sorted(_normalise_audience(audience))]
        refs += [{"sha256": h, "key": key} for h in dict.fromkeys(blobs or [])]
    for model, rows in ((SyncObject, objects), (FeedEntry, entries), (BlobRef, refs)):
        for i in range(0, len(rows), _CHUNK // 5):  # <= 6 columns: stay under 999 params
            model.insert_many(rows[i : i + _CHUNK // 5]).execute()
    return [first + i for i in range(len(items))]
