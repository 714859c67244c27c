"""One sync run: push the outbox, then pull the change feed, then prefetch blobs.

Push: for each batch (at most 100) of due ops, first PUT the blobs they need, then
POST /ops; the per-op results go to the outbox service (applied/duplicate → done,
conflict/rejected → kept and shown). A batch that fails for a reason of its own (a 5xx,
a malformed answer) is retried op by op, so one poisonous op is backed off and finally
set aside without holding the others; being offline is not an op's failure and costs
no attempt.

Pull: /changes page by page; every page names the platform's instance_id (a changed
one means a restored or re-created platform: full re-sync from the start, keeping
unsent work). A platform whose pages do not name it is asked GET /meta instead, on the
first run of this engine and after any error. Each page is applied together with its
cursor in one
transaction (client.sync.apply), in order; the next page is downloaded, validated
and turned into rows on a worker thread while the current one is written (only when
the platform said has_more). 410 cursor.expired → full re-sync. A sync with nothing to
do therefore costs exactly one request (the empty /changes page).

An engine made with `database=` (a Profile's) runs on that cache whatever thread runs it
(the caller's, the SyncManager's); its download thread runs in a copy of the run's
context, so it uses the same cache (client/db.py).
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from client import db, models
from client.blobstore import BlobStore
from client.changes import NO_CHANGES, Changes
from client.errors import ConflictError, GovDeskError, NetworkError, StorageError
from client.services import outbox
from client.sync import apply, blobs
from client.sync.api import MAX_OPS_PER_REQUEST, ChangePage, OpResult, PlatformApi
from client.types import OutboxItem

log = logging.getLogger(__name__)

DEFAULT_PAGE_LIMIT = 1000
MAX_PAGE_LIMIT = 1000  # PROTOCOL: /changes takes limit 1..1000

# Network errors that say "the platform is not reachable now": no op is to blame.
OFFLINE_CODES = frozenset({"network.unreachable", "network.timeout", "network.interrupted",
                           "network.proxy", "tls.untrusted", "tls.wrong_host",
                           "network.unavailable"})


@dataclass
class SyncProgress:
    """Where a run stands, for a display that must never look frozen while bytes flow:
    reported on each page, each file and each received chunk of a page or a file (chunks
    are small, client.sync.blobs.PROGRESS_CHUNK, so a slow line still moves it)."""

    phase: str  # "push" | "pull" | "blobs" | "done"
    pages: int = 0
    objects: int = 0
    ops_sent: int = 0
    has_more: bool = False
    full_resync: bool = False
    ops_total: int = 0
    files_done: int = 0
    files_total: int = 0
    bytes_done: int = 0  # of the phase: page bytes received (pull), file bytes (blobs)
    bytes_total: int = 0  # 0: not known (a page's size is known only once it is there)
    eta_s: float | None = None  # seconds left in this phase, from its byte rate so far


def eta(done: int, total: int, elapsed: float) -> float | None:
    """Seconds left at the rate so far; None until there is a rate to speak of."""
    if total <= 0 or done <= 0 or elapsed < 0.5 or done >= total:
        return 0.0 if total and done >= total else None
    return (total - done) * elapsed / done


@dataclass
class SyncReport:
    pushed: dict[str, int] = field(default_factory=dict)  # status -> count
    failed_ops: int = 0
    pages: int = 0
    objects: int = 0
    # None | "instance_changed" | "cursor_expired" | "rolled_back" (restored platform)
    full_resync: str | None = None
    resent_ops: int = 0  # applied ops sent again after a rollback
    # Ops sent whose answer was lost twice (the platform may have applied them): still
    # "sent", confirmed by the next sync's replay.
    answers_lost: int = 0
    swept: dict[str, int] = field(default_factory=dict)
    blobs_fetched: int = 0
    blob_error: str | None = None
    # The platform's upload limit held this run's files back (blob.rate_limited or
    # blob.quota_exceeded): the ops wait in the outbox, their files on this PC.
    upload_limited: str | None = None
    # Files my pending work needs (待办 documents, unread notices) still not on this PC
    # after the file phase: the sync is incomplete while this is not 0.
    files_missing: int = 0
    requests: int = 0
    seconds: float = 0.0
    very_urgent: list[str] = field(default_factory=list)
    urgent_notices: list[str] = field(default_factory=list)
    # What the op results and the pages changed (their union), for the UI's refresh.
    changes: Changes = NO_CHANGES

    @property
    def changed(self) -> bool:
        return self.objects > 0 or bool(self.pushed) or bool(self.swept)

    def as_dict(self) -> dict[str, object]:
        out = asdict(self)
        out["changes"] = {k: sorted(v) if isinstance(v, frozenset) else v
                          for k, v in out["changes"].items()}
        return out


ProgressCallback = Callable[[SyncProgress], None]


# The platform's per-user upload limits (PROTOCOL "Blobs"): wait, do not count a failure.
UPLOAD_LIMIT_CODES = frozenset({"blob.rate_limited", "blob.quota_exceeded"})
# Without Retry-After (a file larger than the whole daily limit): ask again hourly, not in
# a tight loop, until county IT raises the limit.
UPLOAD_LIMIT_RETRY_S = 3600.0


def _retry_after_s(exc: GovDeskError) -> float:
    try:
        return max(1.0, float(exc.params.get("retry_after", "")))
    except ValueError:
        return UPLOAD_LIMIT_RETRY_S


def is_offline_error(exc: BaseException) -> bool:
    return isinstance(exc, NetworkError) and (exc.code in OFFLINE_CODES
                                              or exc.code.startswith("network."))


def _serialized(callback: ProgressCallback) -> ProgressCallback:
    """`callback`, never entered by two threads at once (pages and files arrive on
    worker threads; a caller's callback need not be thread-safe)."""
    lock = threading.RLock()

    def call(p: SyncProgress) -> None:
        with lock:
            callback(p)
    return call


class SyncEngine:
    """Push-then-pull over one PlatformApi and the open cache (models bound globally)."""

    def __init__(self, api: PlatformApi, store: BlobStore | None = None, *,
                 page_limit: int = DEFAULT_PAGE_LIMIT, prefetch: bool = True,
                 max_blob_bytes: int = 50 * 1024 * 1024,
                 prefetch_budget_bytes: int = 2 * 1024**3,
                 database: db.CacheDatabase | None = None,
                 applied_op_retention_days: float = 30) -> None:
        self.api = api
        self.applied_op_retention_s = applied_op_retention_days * 86400.0
        # None: the cache of the caller's context (client/db.py current_cache).
        self.database = database
        self.store = store
        self.page_limit = max(1, min(MAX_PAGE_LIMIT, page_limit))
        self.prefetch_enabled = prefetch and store is not None
        self.max_blob_bytes = max_blob_bytes
        self.prefetch_budget_bytes = prefetch_budget_bytes
        self._meta_checked = False
        self._prefetch_due = True
        self.stop_requested = False
        self.fetch_ahead = True  # download the next page while writing this one

    # --- the whole run ----------------------------------------------------------------
    def run(self, progress: ProgressCallback | None = None) -> SyncReport:
        if self.database is None:
            return self._run(progress)
        with db.use_cache(self.database):
            return self._run(progress)

    def _run(self, progress: ProgressCallback | None) -> SyncReport:
        report = SyncReport()
        start_requests = self.api.requests_sent
        started = time.perf_counter()
        notify = _serialized(progress or (lambda p: None))
        try:
            self.push(report, notify)
            self.pull(report, notify)
            apply.record_success(datetime.now(UTC))
            # Applied ops older than the retention can no longer be re-sent after a
            # rollback; the audit log keeps what happened.
            outbox.purge_done(time.time() - self.applied_op_retention_s)
            report.changes |= Changes(sync_state=True)
        except BaseException as exc:
            # After any error the next run checks /meta again (the platform may have
            # been restored or replaced meanwhile).
            self._meta_checked = False
            if isinstance(exc, GovDeskError):
                with contextlib.suppress(GovDeskError):
                    apply.record_error(f"{exc.code}: {exc.message}")
            raise
        finally:
            report.requests = self.api.requests_sent - start_requests
            report.seconds = time.perf_counter() - started
        if self.prefetch_enabled and (report.objects or self._prefetch_due):
            notify(SyncProgress("blobs", report.pages, report.objects))
            phase_started = time.monotonic()

            def files(p: blobs.FetchProgress) -> None:
                notify(SyncProgress("blobs", report.pages, report.objects,
                                    files_done=p.files_done, files_total=p.files_total,
                                    bytes_done=p.bytes_done, bytes_total=p.bytes_total,
                                    eta_s=eta(p.bytes_done, p.bytes_total,
                                              time.monotonic() - phase_started)))
            try:
                result = blobs.prefetch(self.api, self.store,  # type: ignore[arg-type]
                                        max_blob_bytes=self.max_blob_bytes,
                                        budget_bytes=self.prefetch_budget_bytes,
                                        should_stop=lambda: self.stop_requested,
                                        on_progress=files)
                report.blobs_fetched = result.fetched
                self._prefetch_due = False
            except GovDeskError as exc:  # the ops and changes are in; files are missing
                log.info("blob prefetch stopped: %s", exc.code)
                report.blob_error = exc.code
                self._prefetch_due = True
            report.files_missing = self._files_missing()
            if report.files_missing:
                self._prefetch_due = True  # the next sync resumes the downloads
            report.requests = self.api.requests_sent - start_requests
            report.seconds = time.perf_counter() - started
        notify(SyncProgress("done", report.pages, report.objects))
        return report

    def _files_missing(self) -> int:
        """Files the user's pending work needs that are not here (large ones excepted:
        those are fetched on demand by design); recorded in the sync state, which the
        status bar shows."""
        assert self.store is not None
        with db.use_cache(self.database) if self.database is not None else \
                contextlib.nullcontext():
            needed = self.store.needed_blobs()
            missing = sum(1 for n in needed if n.reason in ("task", "notice")
                          and not (n.size and n.size > self.max_blob_bytes))
            models.SyncState.update(files_missing=missing).where(
                models.SyncState.id == 1).execute()
        return missing

    def request_prefetch(self) -> None:
        """Run the blob prefetch after the next pull even if nothing changed (e.g. a blob
        was found damaged and dropped, or the prefetch limits were raised)."""
        self._prefetch_due = True

    # --- push -------------------------------------------------------------------------
    def push(self, report: SyncReport, notify: ProgressCallback) -> None:
        tried: set[str] = set()
        total = 0
        while not self.stop_requested:
            due = [op for op in outbox.due_ops(time.time(), limit=MAX_OPS_PER_REQUEST)
                   if op.op_id not in tried]
            if not due:
                return
            total += len(due)
            notify(SyncProgress("push", ops_sent=sum(report.pushed.values()),
                                ops_total=total))
            tried.update(op.op_id for op in due)
            ready = self._upload_blobs(due, report)
            if ready:
                self._send(ready, report)
                notify(SyncProgress("push", ops_sent=sum(report.pushed.values()),
                                    ops_total=total))

    def _upload_blobs(self, due: list[OutboxItem], report: SyncReport) -> list[OutboxItem]:
        ready = []
        # (until, error) once the platform said "too many uploads": the other ops with
        # files would be refused alike. A daily-volume refusal is about this file's size:
        # a smaller one may still fit, so the others are tried (refused before their
        # bytes travel, from Content-Length).
        held: tuple[float, str] | None = None
        for op in due:
            if op.blobs_first:
                if self.store is None:
                    raise StorageError("blob.store_missing")
                if held is not None:
                    outbox.defer([op.op_id], error=held[1], until=held[0])
                    continue
                try:
                    blobs.upload_pending(self.api, self.store, list(op.blobs_first))
                except GovDeskError as exc:
                    if is_offline_error(exc):
                        raise
                    if exc.code in UPLOAD_LIMIT_CODES:
                        # The user's upload limit on the platform, not this op's fault: it
                        # waits (no attempt lost, never set aside) until Retry-After, the
                        # files stay here; ops without files go on.
                        until = time.time() + _retry_after_s(exc)
                        error = f"{exc.code}: {exc.message}"
                        outbox.defer([op.op_id], error=error, until=until)
                        if exc.code == "blob.rate_limited":
                            held = (until, error)
                        report.upload_limited = exc.code
                        continue
                    # A blob of this op cannot be uploaded (missing, damaged, refused):
                    # this op waits with backoff, the others go on.
                    outbox.record_failure([op.op_id], error=f"{exc.code}: {exc.message}",
                                          now=time.time())
                    report.failed_ops += 1
                    continue
            ready.append(op)
        return ready

    @staticmethod
    def _wire(op: OutboxItem) -> dict[str, object]:
        return {"op_id": op.op_id, "type": op.type, "data": op.data}

    def _record(self, results: list[OpResult], report: SyncReport) -> None:
        recorded = outbox.record_results([asdict(r) for r in results])
        report.changes |= recorded.changes
        for status, n in recorded.counts.items():
            report.pushed[status] = report.pushed.get(status, 0) + n

    def _post(self, ops: list[OutboxItem]) -> list[OpResult]:
        """POST the ops; an answer lost after sending is replayed once at once (each op
        carries its op_id, so the platform answers a replay with the first verdict), then
        left to the next sync, the ops still "sent"."""
        wire_ops = [self._wire(op) for op in ops]
        try:
            return self.api.post_ops(wire_ops)
        except NetworkError as exc:
            if exc.code != "network.answer_lost":
                raise
            log.info("answer to %d ops lost (%s); replaying once", len(ops), exc.detail)
            return self.api.post_ops(wire_ops)

    def _send(self, ops: list[OutboxItem], report: SyncReport) -> None:
        # Only what is still queued once marked: an op the user withdrew (撤回) since it was
        # picked is not posted.
        still = set(outbox.mark_sent([op.op_id for op in ops]))
        ops = [op for op in ops if op.op_id in still]
        if not ops:
            return
        try:
            results = self._post(ops)
        except GovDeskError as exc:
            if exc.code == "network.answer_lost":
                # Sent, answer lost again: the ops stay "sent" (due at once, so the next
                # sync replays them and learns their first verdict); the attempt counts,
                # so an op whose answer never arrives is finally set aside. The pull goes
                # on (if the link is down, it says so).
                outbox.record_answer_lost([op.op_id for op in ops],
                                          error=f"{exc.code}: {exc.message}")
                report.answers_lost += len(ops)
                return
            # Offline, signed out, or the platform itself unavailable (its database down):
            # no op is to blame, none loses an attempt.
            if (is_offline_error(exc) or exc.code.startswith("auth.")
                    or (exc.code == "server.unavailable"
                        and getattr(exc, "status", 503) == 503)):
                raise
            if len(ops) == 1:
                outbox.record_failure([ops[0].op_id], error=f"{exc.code}: {exc.message}",
                                      now=time.time())
                report.failed_ops += 1
                return
            log.warning("batch of %d ops failed (%s); sending them one by one",
                        len(ops), exc.code)
            for op in ops:
                self._send([op], report)
            return
        self._record(results, report)

    # --- pull -------------------------------------------------------------------------
    def _check_meta(self, report: SyncReport, notify: ProgressCallback) -> None:
        meta = self.api.meta()
        state = models.sync_state()
        if state.instance_id and state.instance_id != meta.instance_id:
            log.warning("platform instance changed (%s -> %s): full re-sync",
                        state.instance_id, meta.instance_id)
            apply.begin_full_resync(meta.instance_id)
            report.full_resync = "instance_changed"
        elif state.restore_epoch is not None and state.restore_epoch != meta.restore_epoch:
            log.warning("platform restored (epoch %s -> %s)", state.restore_epoch,
                        meta.restore_epoch)
            self._recover_rollback(report, notify, meta.instance_id)
        elif state.instance_id is None:
            models.SyncState.update(instance_id=meta.instance_id).where(
                models.SyncState.id == 1).execute()
        models.SyncState.update(restore_epoch=meta.restore_epoch).where(
            models.SyncState.id == 1).execute()
        apply.store_platform_keys(list(meta.platform_keys))
        self._meta_checked = True

    def _recover_rollback(self, report: SyncReport, notify: ProgressCallback,
                          instance_id: str) -> None:
        """The platform's history is not the one we synced from (restored from a backup):
        re-synchronise from scratch, keeping local work, and send again every op it
        applied within the retention (it answers `duplicate` to those it still has and
        applies those the restore lost), before the pull brings their effects."""
        apply.begin_full_resync(instance_id, rolled_back=True)
        report.full_resync = "rolled_back"
        resent = outbox.resend_applied(time.time() - self.applied_op_retention_s)
        report.resent_ops += len(resent)
        self.push(report, notify)

    def _fetch(self, cursor: str | None, on_bytes: Callable[[int], None] | None = None
               ) -> tuple[ChangePage, apply.PreparedPage]:
        """One page, validated and prepared (a malformed page raises, nothing written)."""
        page = self.api.changes(cursor, self.page_limit, on_bytes=on_bytes)
        return page, apply.prepare_page(page.changes, page.cursor)

    def _instance_changed(self, page: ChangePage, report: SyncReport,
                          notify: ProgressCallback) -> bool:
        """Check the platform's identity with what the page says (or /meta, from a platform
        that does not say it); True when it changed: a full re-sync has begun."""
        if page.instance_id is None:
            if self._meta_checked:
                return False
            before = report.full_resync
            self._check_meta(report, notify)
            return report.full_resync != before
        self._meta_checked = True
        state = models.sync_state()
        if state.instance_id and state.instance_id != page.instance_id:
            log.warning("platform instance changed (%s -> %s): full re-sync",
                        state.instance_id, page.instance_id)
            apply.begin_full_resync(page.instance_id)
            report.full_resync = "instance_changed"
            return True
        if state.instance_id is None:
            models.SyncState.update(instance_id=page.instance_id).where(
                models.SyncState.id == 1).execute()
        return False

    def pull(self, report: SyncReport, notify: ProgressCallback) -> None:
        received = [0]
        # Held while the report changes and while it is told: a byte count from the
        # fetch-ahead thread never carries a page count older than one already told.
        reporting = threading.Lock()

        def page_bytes(n: int) -> None:  # a page arriving (maybe on the fetch-ahead thread)
            with reporting:
                received[0] += n
                notify(SyncProgress("pull", report.pages, report.objects, has_more=True,
                                    full_resync=report.full_resync is not None,
                                    bytes_done=received[0]))

        notify(SyncProgress("pull", report.pages, report.objects))
        cursor = apply.current_cursor()
        receipt_keys: set[str] = set()  # platform keys named by the receipts pulled
        expired_once = False
        restarted = False
        # The next page is downloaded, validated and turned into rows on a worker thread
        # while this one is written (the platform builds it meanwhile, and SQLite writes
        # without holding the GIL); pages and their cursors are still applied one by
        # one, in order, each in its own transaction, by this thread only.
        fetcher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="govdesk-pull")
        ahead: Future[tuple[ChangePage, apply.PreparedPage]] | None = None
        bulk = contextlib.ExitStack()
        if cursor is None:  # from scratch: many pages to write (see apply.bulk_pull)
            bulk.enter_context(apply.bulk_pull())
        try:
            while not self.stop_requested:
                try:
                    if ahead is not None:
                        page, prepared = ahead.result()
                    else:
                        page, prepared = self._fetch(cursor, page_bytes)
                except ConflictError as exc:
                    ahead = None
                    if exc.code == "cursor.diverged" and not expired_once:
                        expired_once = True
                        log.warning("cursor diverged: the platform was rolled back")
                        meta = self.api.meta()
                        self._recover_rollback(report, notify, meta.instance_id)
                        models.SyncState.update(restore_epoch=meta.restore_epoch).where(
                            models.SyncState.id == 1).execute()
                        self._meta_checked = True
                        cursor = None
                        continue
                    if exc.code != "cursor.expired" or expired_once:
                        raise
                    expired_once = True
                    log.warning("cursor expired: full re-sync")
                    # The platform may have been replaced (its cursors embed the instance,
                    # so a cursor of another instance is expired): record the instance the
                    # re-sync is for, and say which of the two it was.
                    instance = self.api.meta().instance_id
                    known = models.sync_state().instance_id
                    apply.begin_full_resync(instance)
                    self._meta_checked = True
                    report.full_resync = report.full_resync or (
                        "instance_changed" if known and known != instance else "cursor_expired")
                    cursor = None
                    continue
                if not restarted and self._instance_changed(page, report, notify):
                    # A page of another platform: dropped, and the pull starts over.
                    restarted = True
                    if ahead is not None:
                        ahead.cancel()
                    ahead = None
                    cursor = None
                    continue
                # In a copy of this context: the worker uses this run's cache.
                ahead = (fetcher.submit(contextvars.copy_context().run, self._fetch,
                                        page.cursor, page_bytes)
                         if page.has_more and self.fetch_ahead else None)
                summary = apply.apply_prepared(prepared)
                cursor = page.cursor
                receipt_keys |= apply.receipt_key_ids(page.changes)
                if page.platform_keys:
                    apply.store_platform_keys(list(page.platform_keys))
                with reporting:
                    report.pages += 1
                    report.objects += len(page.changes)
                    report.very_urgent += summary.new_very_urgent
                    report.changes |= summary.changes
                    report.urgent_notices += summary.urgent_notices
                    notify(SyncProgress("pull", report.pages, report.objects,
                                        has_more=page.has_more,
                                        full_resync=report.full_resync is not None,
                                        bytes_done=received[0]))
                if not page.has_more:
                    break
            else:
                return  # stopped: the cursor saved so far is where the next run resumes
        finally:
            # A page fetched ahead but not applied is dropped (its cursor was never stored);
            # wait for the request so no download outlives the sync run.
            fetcher.shutdown(wait=True, cancel_futures=True)
            bulk.close()
        if receipt_keys - apply.known_platform_keys():
            # Receipts under a key not yet known here (first sync, or after a rotation):
            # /meta lists the platform's keys; a sync that brings no receipt costs nothing.
            apply.store_platform_keys(list(self.api.meta().platform_keys))
        if models.sync_state().resync_in_progress:
            report.swept = apply.finish_full_resync()
            if report.swept:
                report.changes |= Changes(everything=True)
