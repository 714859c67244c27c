"""Opening the encrypted cache: wrong key, corrupt files, encryption at rest, disk full."""

from __future__ import annotations

import os
from pathlib import Path

import peewee
import pytest
from cachekit import directory_changes, document, up

from client import models
from client.db import close_cache, open_cache, translate_errors
from client.errors import StorageError
from client.sync import apply


def _fill(db: peewee.Database) -> None:
    apply.apply_page([*directory_changes(),
                      up("document", document("d1", "关于富锦市财政预算执行情况的报告"))],
                     cursor="c1")
    db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def test_reopen_with_the_right_key_keeps_everything(cache_path: Path, cache_key: bytes) -> None:
    db = open_cache(cache_path, cache_key)
    _fill(db)
    close_cache(db)
    db = open_cache(cache_path, cache_key)
    assert models.Document.get(models.Document.id == "d1").title.startswith("关于富锦市")
    assert apply.current_cursor() == "c1"
    close_cache(db)


def test_wrong_key_is_a_clear_error_and_the_file_is_untouched(
        cache_path: Path, cache_key: bytes) -> None:
    db = open_cache(cache_path, cache_key)
    _fill(db)
    close_cache(db)
    before = cache_path.read_bytes()
    with pytest.raises(StorageError) as err:
        open_cache(cache_path, os.urandom(32))
    assert err.value.code == "cache.unreadable"
    assert "密钥" in err.value.message
    assert cache_path.read_bytes() == before
    # And the right key still opens it with the data intact.
    db = open_cache(cache_path, cache_key)
    assert models.Document.select().count() == 1
    close_cache(db)


@pytest.mark.parametrize("content", [b"\x00" * 4096, os.urandom(8192),
                                     b"SQLite format 3\x00" + os.urandom(4080)])
def test_corrupt_or_foreign_file_is_refused_without_damage(
        tmp_path: Path, cache_key: bytes, content: bytes) -> None:
    path = tmp_path / "cache.db"
    path.write_bytes(content)
    with pytest.raises(StorageError) as err:
        open_cache(path, cache_key)
    assert err.value.code == "cache.unreadable"
    assert path.read_bytes() == content


def test_plain_sqlite_database_is_refused(tmp_path: Path, cache_key: bytes) -> None:
    import sqlite3

    path = tmp_path / "plain.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t(x)")
    con.commit()
    con.close()
    before = path.read_bytes()
    with pytest.raises(StorageError):
        open_cache(path, cache_key)
    assert path.read_bytes() == before


def test_damaged_page_in_a_real_cache_is_reported(cache_path: Path, cache_key: bytes) -> None:
    db = open_cache(cache_path, cache_key)
    _fill(db)
    close_cache(db)
    raw = bytearray(cache_path.read_bytes())
    raw[100:140] = os.urandom(40)  # inside page 1, after the salt
    cache_path.write_bytes(bytes(raw))
    with pytest.raises(StorageError) as err:
        open_cache(cache_path, cache_key)
    assert err.value.code == "cache.unreadable"


def test_cache_file_is_encrypted_at_rest(cache_path: Path, cache_key: bytes) -> None:
    db = open_cache(cache_path, cache_key)
    _fill(db)
    close_cache(db)
    raw = b"".join(p.read_bytes() for p in cache_path.parent.glob("cache.db*"))
    assert len(raw) > 4096
    for plaintext in ("富锦市财政预算", "佳政函", "zhangjianguo", "SQLite format"):
        assert plaintext.encode() not in raw


def test_wrong_key_length_is_refused(cache_path: Path) -> None:
    with pytest.raises(ValueError):
        open_cache(cache_path, b"short")


def test_disk_full_becomes_storage_error(cache_path: Path, cache_key: bytes) -> None:
    db = open_cache(cache_path, cache_key)
    _fill(db)
    # Cap the file at its current size: the next growth is SQLite's "disk is full".
    pages = db.execute_sql("PRAGMA page_count").fetchone()[0]
    db.execute_sql(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(StorageError) as err, translate_errors(), db.atomic():
        for i in range(2000):
            models.AuditEntry.create(action="fill", detail={"pad": "x" * 2000, "i": i})
    assert err.value.code == "storage.disk_full"
    # Nothing half-written: the transaction rolled back and the cache still works.
    assert models.AuditEntry.select().where(models.AuditEntry.action == "fill").count() == 0
    close_cache(db)


def test_two_threads_read_while_one_writes(cache_path: Path, cache_key: bytes) -> None:
    import threading

    db = open_cache(cache_path, cache_key)
    _fill(db)
    errors: list[BaseException] = []

    def reader() -> None:
        try:
            for _ in range(50):
                assert models.Document.select().count() >= 1
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            db.close()

    def writer() -> None:
        try:
            for i in range(50):
                models.AuditEntry.create(action="w", detail={"i": i})
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            db.close()

    threads = [threading.Thread(target=reader), threading.Thread(target=reader),
               threading.Thread(target=writer)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert models.AuditEntry.select().where(models.AuditEntry.action == "w").count() == 50
    close_cache(db)


def test_read_then_write_transactions_of_two_threads_wait_for_each_other(
        cache_path: Path, cache_key: bytes) -> None:
    """The UI thread (seeding 常用语, signing) and the sync thread both read, then write,
    in one transaction; neither may fail with "database is locked" (seen in the demo)."""
    import threading

    db = open_cache(cache_path, cache_key)
    _fill(db)
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def worker(tag: str) -> None:
        try:
            start.wait()
            for i in range(40):
                with db.atomic():
                    n = models.AuditEntry.select().where(models.AuditEntry.action == tag).count()
                    models.AuditEntry.create(action=tag, detail={"i": i, "seen": n})
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            db.close()

    threads = [threading.Thread(target=worker, args=(t,)) for t in ("ui", "sync")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for tag in ("ui", "sync"):
        assert models.AuditEntry.select().where(models.AuditEntry.action == tag).count() == 40
    close_cache(db)
