"""Blob transfer: resumable downloads into the blob store, uploads, prefetch, eviction.

A download accumulates, encrypted, in the store's `.part` file (`BlobStore.open_partial`)
and resumes with `Range` from where it stopped (a killed process or a dropped link loses
nothing already received). The finished download is hash-checked by
`BlobStore.put_partial` (then sealed into the store); a mismatch deletes it and the
blob is fetched again from the start. No plaintext of it is ever on disk.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass

from client.blobstore import BlobStore
from client.errors import GovDeskError, NetworkError, StorageError
from client.models import BlobEntry
from client.sync.api import PlatformApi
from client.types import Sha256

log = logging.getLogger(__name__)

MAX_DOWNLOAD_ATTEMPTS = 3


@dataclass
class PrefetchReport:
    fetched: int = 0
    bytes: int = 0
    skipped_large: int = 0
    not_found: int = 0
    failed: int = 0
    evicted_bytes: int = 0
    indexed_bodies: int = 0


def _write_error(exc: OSError) -> StorageError:
    import errno

    if exc.errno == errno.ENOSPC:
        return StorageError("storage.disk_full", detail=str(exc))
    return StorageError("blob.write_failed", detail=str(exc))


def download(api: PlatformApi, store: BlobStore, sha256: str, *, media_type: str | None = None,
             size: int | None = None, chunk_size: int = 256 * 1024,
             on_chunk: Callable[[int], None] | None = None) -> Sha256:
    """Fetch one blob into the store, resuming a partial download; returns its hash."""
    last_error: GovDeskError | None = None
    for _ in range(MAX_DOWNLOAD_ATTEMPTS):
        offset = store.partial_size(sha256)
        if size is not None and offset > size:
            store.discard_partial(sha256)  # longer than the blob: not ours to resume
            offset = 0
        if size is None or offset < size or size == 0:
            try:
                with store.open_partial(sha256, offset) as f:
                    try:
                        api.download_blob(sha256, f, offset=offset, chunk_size=chunk_size,
                                          on_chunk=on_chunk)
                    finally:
                        f.flush()
                        os.fsync(f.fileno())
            except OSError as exc:
                raise _write_error(exc) from exc
            except GovDeskError as exc:
                if getattr(exc, "status", None) == 416:
                    store.discard_partial(sha256)  # our partial is past the end: start over
                    last_error = exc
                    continue
                raise
        try:
            return store.put_partial(sha256, media_type=media_type)
        except StorageError as exc:
            if exc.code != "blob.hash_mismatch":
                raise
            log.warning("blob %s failed its hash check; fetching it again", sha256)
            last_error = exc
    raise StorageError("blob.download_failed",
                       detail=last_error.detail if last_error else None)


def ensure(api: PlatformApi, store: BlobStore, sha256: str, **kwargs: object) -> bytes:
    """The blob's bytes, downloading it when missing or found damaged (on demand)."""
    if store.has(sha256):
        try:
            return store.open_bytes(sha256)
        except StorageError as exc:
            if exc.code not in ("blob.corrupt", "blob.missing"):
                raise
    download(api, store, sha256, **kwargs)  # type: ignore[arg-type]
    return store.open_bytes(sha256)


def upload_pending(api: PlatformApi, store: BlobStore, shas: list[str]) -> None:
    """PUT the blobs an op needs (idempotent: a blob already there is harmless)."""
    for sha in shas:
        entry = BlobEntry.get_or_none(BlobEntry.sha256 == sha)
        if entry is not None and not entry.upload_pending:
            continue
        data = store.open_bytes(sha)  # StorageError when missing/damaged: the op waits
        api.put_blob(sha, data, entry.media_type if entry else "application/octet-stream")
        store.mark_uploaded(sha)


def prefetch(api: PlatformApi, store: BlobStore, *, max_blob_bytes: int, budget_bytes: int,
             should_stop: Callable[[], bool] = lambda: False) -> PrefetchReport:
    """Fetch what the user will most likely open next (BlobStore.needed_blobs order).

    NetworkError propagates (the caller decides it is offline); a blob the platform
    no longer has or refuses is skipped; a bad download is counted and left for later.
    """
    report = PrefetchReport()
    for needed in store.needed_blobs():
        if should_stop():
            break
        if needed.size and needed.size > max_blob_bytes:
            report.skipped_large += 1
            continue
        if report.bytes + needed.size > budget_bytes:
            break
        try:
            download(api, store, needed.sha256, media_type=needed.media_type,
                     size=needed.size or None)
        except NetworkError:
            raise
        except StorageError as exc:
            if exc.code == "storage.disk_full":
                raise
            report.failed += 1
            continue
        except GovDeskError as exc:
            if exc.code == "blob.not_found":
                report.not_found += 1
            else:
                report.failed += 1
            continue
        report.fetched += 1
        report.bytes += needed.size
    # Body text is extracted after the sync, never inside it (issue 13: a hostile PDF
    # must not stall the sync): client/sync/indexer.py, the CLI after `sync`.
    with contextlib.suppress(StorageError, OSError):
        report.evicted_bytes = store.evict()
    return report
