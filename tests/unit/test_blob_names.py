"""Blob files are named by a keyed hash, not the SHA-256 of their plaintext (issue 13
finding 19), and a store named the old way is renamed when opened, resumably."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import peewee
import pytest

from client import blobstore
from client.blobstore import NAMES_JOURNAL, NAMES_MARKER, BlobStore

BODIES = [f"关于做好第{i}批农村低保资金发放工作的通知".encode() * (i + 3) for i in range(6)]
PARTIAL = "二〇〇五年度县级财政预算执行情况的报告（部分下载）".encode() * 200


def _names(root: Path) -> list[str]:
    return [p.name for p in root.rglob("*")]


def _fill(store: BlobStore) -> tuple[list[str], str]:
    shas = [store.put_bytes(b, "text/plain") for b in BODIES]
    part_sha = hashlib.sha256(PARTIAL).hexdigest()
    with store.open_partial(part_sha, 0) as f:
        f.write(PARTIAL[:1234])
    return shas, part_sha


def _to_old_layout(store: BlobStore, shas: list[str], part_sha: str) -> None:
    """What the store looked like before: every file named by the plain SHA-256."""
    for sha in shas:
        old = store.root / sha[:2] / f"{sha}.blob"
        old.parent.mkdir(parents=True, exist_ok=True)
        store._path(sha).rename(old)
    store.partial_path(part_sha).rename(store.root / "partial" / f"{part_sha}.part")
    store._iv_path(part_sha).rename(store.root / "partial" / f"{part_sha}.part.iv")
    (store.root / NAMES_MARKER).unlink()


def _assert_all_readable(store: BlobStore, shas: list[str], part_sha: str) -> None:
    for sha, body in zip(shas, BODIES, strict=True):
        assert store.open_bytes(sha) == body
    assert store.partial_size(part_sha) == 1234
    assert store.read_partial(part_sha) == PARTIAL[:1234]
    with store.open_partial(part_sha, 1234) as f:  # the download resumes
        f.write(PARTIAL[1234:])
    assert store.put_partial(part_sha) == part_sha
    assert store.open_bytes(part_sha) == PARTIAL


def _no_known_hash_on_disk(root: Path, shas: list[str]) -> None:
    names = _names(root)
    for sha in shas:
        assert not [n for n in names if sha in n], f"{sha} names a file"


def test_no_file_is_named_by_a_documents_hash(tmp_path: Path, cache_key: bytes,
                                              cache: peewee.Database) -> None:
    store = BlobStore(tmp_path / "blobs", cache_key)
    shas, part_sha = _fill(store)
    # A copied disk: knowing a document's SHA-256 must not find its file.
    _no_known_hash_on_disk(store.root, [*shas, part_sha])
    assert len({store.file_name(s) for s in shas}) == len(shas)
    # The name key is not the content key, and another profile names the same blob apart.
    assert blobstore.derive_name_key(cache_key) != blobstore.derive_blob_key(cache_key)
    other = BlobStore(tmp_path / "other", bytes(b ^ 1 for b in cache_key))
    assert other.file_name(shas[0]) != store.file_name(shas[0])


def test_an_old_store_is_renamed_on_open(tmp_path: Path, cache_key: bytes,
                                         cache: peewee.Database) -> None:
    store = BlobStore(tmp_path / "blobs", cache_key)
    shas, part_sha = _fill(store)
    _to_old_layout(store, shas, part_sha)
    assert any(shas[0] in n for n in _names(store.root))  # the old store shows the hashes

    reopened = BlobStore(store.root, cache_key)
    _no_known_hash_on_disk(reopened.root, [*shas, part_sha])
    assert (reopened.root / NAMES_MARKER).exists()
    assert not (reopened.root / NAMES_JOURNAL).exists()
    _assert_all_readable(reopened, shas, part_sha)


def test_a_renaming_cut_short_resumes_on_the_next_open(
        tmp_path: Path, cache_key: bytes, cache: peewee.Database,
        monkeypatch: pytest.MonkeyPatch) -> None:
    store = BlobStore(tmp_path / "blobs", cache_key)
    shas, part_sha = _fill(store)
    _to_old_layout(store, shas, part_sha)

    real_replace = os.replace
    done: list[str] = []

    def dies_after_three(src: object, dst: object) -> None:
        if len(done) == 3:
            raise KeyboardInterrupt("killed halfway through the renaming")
        real_replace(src, dst)  # type: ignore[arg-type]
        done.append(str(dst))

    monkeypatch.setattr(blobstore.os, "replace", dies_after_three)
    with pytest.raises(KeyboardInterrupt):
        BlobStore(store.root, cache_key)
    monkeypatch.setattr(blobstore.os, "replace", real_replace)
    # Halfway: some files renamed, others not, the plan kept, no marker.
    assert (store.root / NAMES_JOURNAL).exists() and not (store.root / NAMES_MARKER).exists()
    assert len(done) == 3 and done[0].endswith(NAMES_JOURNAL)  # the plan, two renames
    assert any(shas[-1] in n for n in _names(store.root))

    resumed = BlobStore(store.root, cache_key)
    _no_known_hash_on_disk(resumed.root, [*shas, part_sha])
    assert (resumed.root / NAMES_MARKER).exists()
    assert not (resumed.root / NAMES_JOURNAL).exists()
    _assert_all_readable(resumed, shas, part_sha)
