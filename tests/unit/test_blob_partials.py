"""Partial downloads are encrypted on disk and still resume byte-exactly."""

from __future__ import annotations

import hashlib
from pathlib import Path

import peewee
import pytest

from client.blobstore import BlobStore
from client.errors import StorageError

SENTENCE = "关于下达二〇〇五年度农村低保资金的通知：各乡镇务必于十月底前发放到户。".encode()
DATA = SENTENCE * 300 + bytes(range(256)) * 7


@pytest.fixture
def store(tmp_path: Path, cache_key: bytes, cache: peewee.Database) -> BlobStore:
    return BlobStore(tmp_path / "blobs", cache_key)


def _on_disk(store: BlobStore) -> bytes:
    return b"".join(p.read_bytes() for p in store.root.rglob("*") if p.is_file())


def _write(store: BlobStore, sha: str, data: bytes, *, offset: int, pieces: int = 7) -> None:
    with store.open_partial(sha, offset) as f:
        step = max(1, len(data) // pieces)
        for i in range(0, len(data), step):
            f.write(data[i:i + step])


def test_partial_is_ciphertext_and_resumes_at_any_byte(store: BlobStore) -> None:
    sha = hashlib.sha256(DATA).hexdigest()
    assert store.partial_size(sha) == 0
    cut = 5003  # not on a cipher block boundary
    _write(store, sha, DATA[:cut], offset=0)
    assert store.partial_size(sha) == cut  # the Range offset to resume from
    on_disk = _on_disk(store)
    assert SENTENCE[:12] not in on_disk and DATA[:cut] not in on_disk
    assert store.read_partial(sha) == DATA[:cut]
    _write(store, sha, DATA[cut:], offset=store.partial_size(sha), pieces=3)
    assert store.put_partial(sha, media_type="text/plain") == sha
    assert store.open_bytes(sha) == DATA
    assert not list((store.root / "partial").iterdir())
    assert SENTENCE[:12] not in _on_disk(store)


def test_a_200_answer_rewrites_from_the_start_with_a_new_counter(store: BlobStore) -> None:
    sha = hashlib.sha256(DATA).hexdigest()
    _write(store, sha, DATA[:1000], offset=0)
    first_iv = store._iv_path(sha).read_bytes()
    with store.open_partial(sha, 1000) as f:  # what api.download_blob does on a 200
        f.seek(0)
        f.truncate()
        f.write(DATA)
    assert store._iv_path(sha).read_bytes() != first_iv
    assert store.put_partial(sha) == sha and store.open_bytes(sha) == DATA


def test_unusable_or_wrong_partials_start_over(store: BlobStore, cache_key: bytes) -> None:
    sha = hashlib.sha256(DATA).hexdigest()
    # A partial without its counter file (or a stray plain file) cannot be decrypted.
    store.partial_path(sha).write_bytes(DATA[:100])
    assert store.partial_size(sha) == 0 and not store.partial_path(sha).exists()
    # Wrong bytes (disk fault, other key): the hash check refuses and drops them.
    _write(store, sha, DATA[:2000], offset=0)
    # The rest written under another key (the file moved to that key's keyed name).
    other = BlobStore(store.root, bytes(b ^ 1 for b in cache_key))
    store.partial_path(sha).rename(other.partial_path(sha))
    store._iv_path(sha).rename(other._iv_path(sha))
    _write(other, sha, DATA[2000:], offset=2000)
    other.partial_path(sha).rename(store.partial_path(sha))
    other._iv_path(sha).rename(store._iv_path(sha))
    with pytest.raises(StorageError) as err:
        store.put_partial(sha)
    assert err.value.code == "blob.hash_mismatch"
    assert store.partial_size(sha) == 0 and not store.has(sha)
