"""Blob transfer: resumable downloads into the blob store, uploads, prefetch, eviction.

A download accumulates, encrypted, in the store's `.part` file (`BlobStore.open_partial`)
and resumes with `Range` from where it stopped (a killed process or a dropped link loses
nothing already received). The finished download is hash-checked by
`BlobStore.put_partial` (then sealed into the store); a mismatch deletes it and the
blob is fetched again from the start. No plaintext of it is ever on disk.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

from client.blobstore import BlobStore, NeededBlob
from client.errors import GovDeskError, NetworkError, StorageError
from client.models import BlobEntry
from client.sync.api import PROGRESS_CHUNK, BatchItem, PlatformApi
from client.types import Sha256
from protocol.wire import blob_batch

log = logging.getLogger(__name__)

MAX_DOWNLOAD_ATTEMPTS = 3
# Downloads at once during a prefetch: on a 300 ms link one file at a time spends most of
# its time waiting for the first byte; four overlap those waits without crowding a slow
# line (and fit the connection pool, client.sync.api.POOL_SIZE).
FETCH_CONCURRENCY = 4
# Small files go in batches (POST /blobs/batch): one round trip for many. The answer is
# read frame by frame as it arrives, so the files at its head (the most urgent) are not
# held up by the rest; one batch as large as the platform serves, because a second batch
# at the same time needs a second connection, whose handshake costs a township link more
# round trips than the batch saves (bench/bench_link.py).
BATCH_ITEM_MAX_BYTES = 256 * 1024
BATCH_MAX_BYTES = blob_batch.MAX_ANSWER_BYTES


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


# One download of a blob at a time in this process, whoever asks (a prefetch worker, a
# document opened meanwhile): two writers of one `.part` file would interleave.
_locks_guard = threading.Lock()
_locks: dict[str, tuple[threading.Lock, int]] = {}


@contextlib.contextmanager
def _one_download(store: BlobStore, sha256: str) -> Iterator[None]:
    key = str(store.partial_path(sha256))
    with _locks_guard:
        lock, users = _locks.get(key, (threading.Lock(), 0))
        _locks[key] = (lock, users + 1)
    try:
        with lock:
            yield
    finally:
        with _locks_guard:
            lock, users = _locks[key]
            if users <= 1:
                del _locks[key]
            else:
                _locks[key] = (lock, users - 1)


def _fetch_partial(api: PlatformApi, store: BlobStore, sha256: str, *, size: int | None,
                   chunk_size: int, on_chunk: Callable[[int], None] | None) -> None:
    """Bring the `.part` file of `sha256` to the whole blob (resuming with Range).

    Network and files only, no database: safe on a download worker thread."""
    for _ in range(2):  # a second time only after a 416 (our partial was past the end)
        offset = store.partial_size(sha256)
        if size is not None and offset > size:
            store.discard_partial(sha256)  # longer than the blob: not ours to resume
            offset = 0
        if size is not None and offset >= size and size != 0:
            return
        try:
            with store.open_partial(sha256, offset) as f:
                try:
                    api.download_blob(sha256, f, offset=offset, chunk_size=chunk_size,
                                      on_chunk=on_chunk)
                finally:
                    f.flush()
                    os.fsync(f.fileno())
            return
        except OSError as exc:
            raise _write_error(exc) from exc
        except GovDeskError as exc:
            if getattr(exc, "status", None) != 416:
                raise
            store.discard_partial(sha256)  # our partial is past the end: start over
    raise StorageError("blob.download_failed", detail="416 twice")


def download(api: PlatformApi, store: BlobStore, sha256: str, *, media_type: str | None = None,
             size: int | None = None, chunk_size: int = PROGRESS_CHUNK,
             on_chunk: Callable[[int], None] | None = None) -> Sha256:
    """Fetch one blob into the store, resuming a partial download; returns its hash.

    A blob that another download stored meanwhile is not fetched again."""
    last_error: GovDeskError | None = None
    with _one_download(store, sha256):
        for _ in range(MAX_DOWNLOAD_ATTEMPTS):
            if store.has(sha256):
                return Sha256(sha256)
            try:
                _fetch_partial(api, store, sha256, size=size, chunk_size=chunk_size,
                               on_chunk=on_chunk)
            except StorageError as exc:
                last_error = exc
                if exc.code != "blob.download_failed":
                    raise
                continue
            try:
                return store.put_partial(sha256, media_type=media_type)
            except StorageError as exc:
                if exc.code != "blob.hash_mismatch":
                    raise
                log.warning("blob %s failed its hash check; fetching it again", sha256)
                last_error = exc
    raise StorageError("blob.download_failed",
                       detail=last_error.detail if last_error else None)


def _seal(api: PlatformApi, store: BlobStore, needed: NeededBlob) -> None:
    """Store a finished `.part` (this thread writes the cache). Whoever stored the blob
    meanwhile wins; a download that fails its hash check is fetched again, once more
    attempts, here."""
    with _one_download(store, needed.sha256):
        if store.has(needed.sha256):
            return
        try:
            store.put_partial(needed.sha256, media_type=needed.media_type)
            return
        except StorageError as exc:
            if exc.code != "blob.hash_mismatch":
                raise
            log.warning("blob %s failed its hash check; fetching it again", needed.sha256)
    download(api, store, needed.sha256, media_type=needed.media_type, size=needed.size or None)


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


@dataclass
class FetchProgress:
    """Where the file phase stands (reported from download threads; thread-safe copies)."""

    files_done: int
    files_total: int
    bytes_done: int
    bytes_total: int


class _Tally:
    """Bytes and files of the running prefetch, counted by several download threads."""

    def __init__(self, files_total: int, bytes_total: int,
                 report: Callable[[FetchProgress], None] | None) -> None:
        self._lock = threading.Lock()
        self.files_total, self.bytes_total = files_total, bytes_total
        self.files_done = 0
        self.bytes_done = 0
        self._report = report

    def _emit(self) -> None:
        if self._report is not None:
            self._report(FetchProgress(self.files_done, self.files_total,
                                       min(self.bytes_done, self.bytes_total) if self.bytes_total
                                       else self.bytes_done, self.bytes_total))

    def add_bytes(self, n: int) -> None:
        with self._lock:
            self.bytes_done += n
            self._emit()

    def file_done(self, size: int, fetched_bytes: int) -> None:
        with self._lock:
            self.files_done += 1
            # A blob whose bytes were not counted (already there, resumed, compressed on
            # the wire) still counts in full once it is done.
            self.bytes_done += max(0, size - fetched_bytes)
            self._emit()


def _plan(store: BlobStore, *, max_blob_bytes: int, budget_bytes: int,
          report: PrefetchReport) -> list[NeededBlob]:
    plan: list[NeededBlob] = []
    planned = 0
    for needed in store.needed_blobs():
        if needed.size and needed.size > max_blob_bytes:
            report.skipped_large += 1
            continue
        if planned + needed.size > budget_bytes:
            break
        plan.append(needed)
        planned += needed.size
    return plan


def _jobs(plan: list[NeededBlob], store: BlobStore) -> list[list[NeededBlob]]:
    """The plan cut into download jobs, in urgency order: runs of small blobs not yet
    begun go together in one batch request (one round trip for many files); a big blob,
    or one with a partial download to resume (Range), is a job of its own."""
    jobs: list[list[NeededBlob]] = []
    batch: list[NeededBlob] = []
    batch_bytes = 0
    for needed in plan:
        # Size 0: not known (a handwriting image, named by its hash only); small in
        # practice, and the platform answers 413 for what would overflow a batch.
        small = needed.size <= BATCH_ITEM_MAX_BYTES
        if small and store.partial_size(needed.sha256) == 0:
            if batch and (batch_bytes + needed.size > BATCH_MAX_BYTES
                          or len(batch) >= blob_batch.MAX_ITEMS):
                batch, batch_bytes = [], 0  # full: it is in `jobs` already
            if not batch:
                jobs.append(batch)  # placed where its most urgent member is
            batch.append(needed)
            batch_bytes += needed.size
        else:
            jobs.append([needed])
    return jobs


def prefetch(api: PlatformApi, store: BlobStore, *, max_blob_bytes: int, budget_bytes: int,
             should_stop: Callable[[], bool] = lambda: False,
             concurrency: int = FETCH_CONCURRENCY,
             on_progress: Callable[[FetchProgress], None] | None = None) -> PrefetchReport:
    """Fetch what the user will most likely open next (BlobStore.needed_blobs order).

    Up to `concurrency` downloads run at once over the platform's keep-alive pool; they
    start in urgency order (pending tasks' files, unread notices', the rest). Small files
    travel together in batch requests (POST /blobs/batch), big ones alone with Range.
    Each file is received into its own `.part` file; each finished one is hash-checked
    and sealed into the store by this thread (the one that owns the cache connection),
    so the database is written from one thread and a blob becomes visible only whole.

    NetworkError propagates (the caller decides it is offline) once the downloads under
    way have stopped (what arrived whole is kept and stored); a blob the platform no
    longer has or refuses is skipped; a bad download is counted and left for later.
    """
    report = PrefetchReport()
    plan = _plan(store, max_blob_bytes=max_blob_bytes, budget_bytes=budget_bytes,
                 report=report)
    tally = _Tally(len(plan), sum(n.size for n in plan), on_progress)
    if plan:
        tally._emit()
    failed = threading.Event()  # a network error: start no further download
    errors: list[BaseException] = []

    def single(needed: NeededBlob) -> str:
        counted = [0]

        def chunk(n: int) -> None:
            counted[0] += n
            tally.add_bytes(n)

        with _one_download(store, needed.sha256):
            if not store.blob_file_present(needed.sha256):
                try:
                    _fetch_partial(api, store, needed.sha256, size=needed.size or None,
                                   chunk_size=PROGRESS_CHUNK, on_chunk=chunk)
                except NetworkError as exc:
                    failed.set()
                    errors.append(exc)
                    return "network"
                except StorageError as exc:
                    if exc.code == "storage.disk_full":
                        failed.set()
                        errors.append(exc)
                        return "disk_full"
                    return "failed"
                except GovDeskError as exc:
                    return "not_found" if exc.code == "blob.not_found" else "failed"
        tally.file_done(needed.size, counted[0])
        return "ok"

    def batch(items: list[NeededBlob]) -> list[tuple[NeededBlob, str]]:
        by_sha = {n.sha256: n for n in items}
        outcome: dict[str, str] = {}

        def item(got: BatchItem) -> None:
            needed = by_sha.get(Sha256(got.sha256))
            if needed is None or got.sha256 in outcome:
                return
            if got.status != 200:
                outcome[got.sha256] = "not_found" if got.status == 404 else "single"
                return
            with _one_download(store, needed.sha256):
                if not store.blob_file_present(needed.sha256):
                    try:
                        with store.open_partial(needed.sha256, 0) as f:
                            f.write(got.data)
                            f.flush()
                            os.fsync(f.fileno())
                    except OSError as exc:
                        raise _write_error(exc) from exc
            tally.file_done(needed.size, got.length)
            outcome[got.sha256] = "ok"

        try:
            # False (no batch endpoint): nothing arrived, each is fetched alone below.
            api.blob_batch([n.sha256 for n in items], on_item=item, on_bytes=tally.add_bytes)
        except NetworkError as exc:
            failed.set()
            errors.append(exc)
            return [(n, outcome.get(n.sha256, "network")) for n in items]
        except StorageError as exc:
            if exc.code == "storage.disk_full":
                failed.set()
                errors.append(exc)
            return [(n, outcome.get(n.sha256, "failed")) for n in items]
        except GovDeskError as exc:
            log.info("blob batch refused (%s): one GET per blob", exc.code)
        out = []
        for n in items:
            # What arrived whole before a refusal is kept (and counted once).
            state = outcome.get(n.sha256)
            if state in (None, "single"):
                state = "stopped" if should_stop() or failed.is_set() else single(n)
            out.append((n, state))
        return out

    def run(job: list[NeededBlob]) -> list[tuple[NeededBlob, str]]:
        if should_stop() or failed.is_set():
            return [(n, "stopped") for n in job]
        if len(job) > 1 or (job[0].size <= BATCH_ITEM_MAX_BYTES
                            and api.blob_batch_supported
                            and store.partial_size(job[0].sha256) == 0):
            return batch(job)
        return [(job[0], single(job[0]))]

    jobs = _jobs(plan, store)
    workers = max(1, min(concurrency, len(jobs) or 1))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="govdesk-blob") as pool:
        # Submitted in urgency order; the pool starts them in that order.
        futures = [pool.submit(contextvars.copy_context().run, run, job) for job in jobs]
        for future in as_completed(futures):
            for needed, state in future.result():
                if state == "ok":
                    try:
                        _seal(api, store, needed)
                    except NetworkError as exc:
                        errors.append(exc)
                        continue
                    except StorageError as exc:
                        if exc.code == "storage.disk_full":
                            raise
                        report.failed += 1
                        continue
                    except GovDeskError as exc:
                        report.failed += 1
                        log.info("blob %s not stored: %s", needed.sha256, exc.code)
                        continue
                    report.fetched += 1
                    report.bytes += needed.size
                elif state == "not_found":
                    report.not_found += 1
                elif state == "failed":
                    report.failed += 1
    for err in errors:
        if isinstance(err, StorageError):
            raise err
    if errors:
        raise errors[0]
    # Body text is extracted after the sync, never inside it (issue 13: a hostile PDF
    # must not stall the sync): client/sync/indexer.py, the CLI after `sync`.
    with contextlib.suppress(StorageError, OSError):
        report.evicted_bytes = store.evict()
    return report
