"""Encrypted content-addressed blob store: at rest, corruption, put_file, policy, LRU."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import peewee
import pytest
from cachekit import directory_changes, document, notice, task, up

from client.blobstore import BlobStore
from client.errors import StorageError
from client.models import BlobEntry
from client.sync import apply

SECRET = "富锦市二〇〇五年财政预算草案（内部）".encode()


@pytest.fixture
def store(tmp_path: Path, cache_key: bytes, cache: peewee.Database) -> BlobStore:
    return BlobStore(tmp_path / "blobs", cache_key)


def all_bytes(root: Path) -> bytes:
    return b"".join(p.read_bytes() for p in root.rglob("*") if p.is_file())


def test_round_trip_and_encryption_at_rest(store: BlobStore) -> None:
    sha = store.put_bytes(SECRET * 50, "text/plain")
    assert sha == hashlib.sha256(SECRET * 50).hexdigest()
    assert store.has(sha)
    assert store.open_bytes(sha) == SECRET * 50
    raw = all_bytes(store.root)
    assert SECRET not in raw and SECRET[:12] not in raw
    assert len(raw) >= len(SECRET * 50)


def test_other_key_cannot_read(store: BlobStore, tmp_path: Path) -> None:
    sha = store.put_bytes(SECRET, "text/plain")
    other = BlobStore(store.root, os.urandom(32))
    # Another key names the blob differently (keyed names) ...
    with pytest.raises(StorageError) as err:
        other.open_bytes(sha)
    assert err.value.code == "blob.missing"
    # ... and cannot decrypt the file under that name either.
    store.put_bytes(SECRET, "text/plain")
    theirs = other._path(sha)
    theirs.parent.mkdir(parents=True, exist_ok=True)
    theirs.write_bytes(store._path(sha).read_bytes())
    with pytest.raises(StorageError) as err:
        other.open_bytes(sha)
    assert err.value.code == "blob.corrupt"


def test_corruption_is_detected_and_marked_missing(store: BlobStore) -> None:
    sha = store.put_bytes(SECRET, "text/plain")
    path = store._path(sha)
    raw = bytearray(path.read_bytes())
    raw[20] ^= 0x01
    path.write_bytes(bytes(raw))
    with pytest.raises(StorageError) as err:
        store.open_bytes(sha)
    assert err.value.code == "blob.corrupt"
    assert not store.has(sha)
    assert BlobEntry.get(BlobEntry.sha256 == sha).state == "missing"
    # A fresh download repairs it.
    store.put_bytes(SECRET, "text/plain")
    assert store.open_bytes(sha) == SECRET


def test_swapped_files_do_not_decrypt(store: BlobStore) -> None:
    a = store.put_bytes(b"first blob", "text/plain")
    b = store.put_bytes(b"second blob", "text/plain")
    pa, pb = (store._path(s) for s in (a, b))
    pa.write_bytes(pb.read_bytes())
    with pytest.raises(StorageError):
        store.open_bytes(a)


def test_put_file_checks_the_hash(store: BlobStore) -> None:
    data = b"%PDF-1.4 body of the document"
    sha = hashlib.sha256(data).hexdigest()
    part = store.partial_path(sha)
    part.write_bytes(data[:10])
    with pytest.raises(StorageError) as err:
        store.put_file(part, sha)
    assert err.value.code == "blob.hash_mismatch"
    assert not part.exists() and not store.has(sha)
    part.write_bytes(data)
    assert store.put_file(part, sha, media_type="application/pdf") == sha
    assert not part.exists()
    assert store.open_bytes(sha) == data
    assert data not in all_bytes(store.root)


def test_missing_blob(store: BlobStore) -> None:
    with pytest.raises(StorageError) as err:
        store.open_bytes("0" * 64)
    assert err.value.code == "blob.missing"


def _ref(data: bytes, name: str = "附件") -> dict:
    return {"name": name, "sha256": hashlib.sha256(data).hexdigest(),
            "media_type": "application/pdf", "size": len(data)}


def test_prefetch_order(store: BlobStore, cache: peewee.Database) -> None:
    apply.set_identity(user_id="zhangjianguo")
    a_task, a_notice = _ref(b"task attachment"), _ref(b"notice attachment")
    d_task = document("d-task", attachments=[a_task])
    d_other = document("d-other")
    apply.apply_page([*directory_changes(), up("document", d_other), up("document", d_task),
                      up("task", task("t1", "d-task", "zhangjianguo")),
                      up("notice", notice("n1", "通知", attachments=[a_notice]))], cursor="c1")
    needed = store.needed_blobs()
    assert [(b.sha256, b.reason) for b in needed] == [
        (d_task["body"]["sha256"], "task"), (a_task["sha256"], "task"),
        (a_notice["sha256"], "notice"), (d_other["body"]["sha256"], "recent")]
    store.put_bytes(b"task attachment", "application/pdf")
    assert a_task["sha256"] not in {b.sha256 for b in store.needed_blobs()}


def test_lru_eviction_spares_pinned_and_needed(store: BlobStore, cache: peewee.Database) -> None:
    apply.set_identity(user_id="zhangjianguo")
    needed_data = b"N" * 1000
    apply.apply_page([*directory_changes(),
                      up("document", document("d1", attachments=[_ref(needed_data)])),
                      up("task", task("t1", "d1", "zhangjianguo"))], cursor="c1")
    store.put_bytes(needed_data, "application/pdf")
    pinned = store.put_bytes(b"P" * 1000, "image/png", upload=True)
    old = [store.put_bytes(bytes([i]) * 1000, "application/pdf") for i in range(5)]
    for i, sha in enumerate(old):  # old[0] least recently used
        BlobEntry.update(last_used_at=1000 + i).where(BlobEntry.sha256 == sha).execute()
    freed = store.evict(cap_bytes=4000)
    assert freed == 3000
    assert [store.has(s) for s in old] == [False, False, False, True, True]
    assert store.has(pinned) and store.has(hashlib.sha256(needed_data).hexdigest())
    assert store.total_size() == 4000
    store.mark_uploaded(pinned)
    assert store.pending_uploads() == []
