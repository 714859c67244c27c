"""Content-addressed store of document bodies, attachments and handwriting, encrypted.

Each blob is a file under the profile's blobs folder holding nonce || AES-256-GCM(plaintext)
with the hash as associated data, under a key derived (HKDF) from the cache key: a copied
laptop disk shows neither the text nor which file is which, and a file swapped for another
fails to decrypt. Files are *named* by HMAC-SHA256(name key, SHA-256), the name key derived
from the cache key with its own HKDF label (issue 13 finding 19): named by the plain hash,
a copied disk would confirm that a known document is present. A store written before
(files named by the hash) is renamed when it is opened (`_migrate_names`), resumably. Reading checks the hash
again; a damaged blob is dropped and marked missing so the sync engine fetches it
again. Blobs made here (handwriting, notice attachments) are pinned until uploaded.

Downloads in progress are encrypted too (`open_partial` / `put_partial`): the `.part`
file holds AES-256-CTR ciphertext of the bytes received so far, byte for byte at their
own offsets (so its length is the resume offset for `Range`, and a write cut short by
a killed process leaves a usable prefix), under a key derived from the cache key and a
random initial counter kept beside it in `<name>.part.iv`. CTR has no tag: the SHA-256
check of the finished download is what proves the bytes right; a partial without its
counter file cannot be decrypted and is started over.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import os
import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import peewee
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from client import models
from client.errors import StorageError
from client.models import BlobEntry, Document, DocumentData, Notice, Opinion, Task
from client.types import Sha256

log = logging.getLogger(__name__)

NONCE_BYTES = 12
DEFAULT_CAP_BYTES = 2 * 1024**3
RECENT_DOCUMENTS = 200  # "other recent ones" fetched after the urgent set


@dataclass(frozen=True)
class NeededBlob:
    sha256: Sha256
    media_type: str
    size: int
    reason: str  # "task" | "notice" | "recent"


def derive_blob_key(cache_key: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"GovDesk blob store v1").derive(cache_key)


def derive_partial_key(cache_key: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"GovDesk partial download v1").derive(cache_key)


def derive_name_key(cache_key: bytes) -> bytes:
    """The key of the blob file names: distinct from the content keys (own HKDF label)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"GovDesk blob file names v1").derive(cache_key)


IV_BYTES = 16
_BLOCK = 16
# Written once every file of the store is named by the keyed name; its absence means a
# store from before (or a renaming cut short) that `_migrate_names` completes.
NAMES_MARKER = "names-keyed-v1"
# The renaming's plan (old name -> new name), written before the first rename so a
# process killed halfway resumes it: an old and a new name look alike (64 hex digits).
NAMES_JOURNAL = "names-migration.json"


class PartialFile:
    """A file-like writer of one encrypted partial download (what `api.download_blob`
    writes into): `write`, `seek`, `truncate`, `flush`, `fileno`, `close`.

    Position p of the file holds plaintext byte p XOR the AES-CTR keystream at p, the
    counter starting at the random IV: any byte range can be written (or rewritten
    after a 200 answer to a Range request) independently.
    """

    def __init__(self, path: Path, iv_path: Path, key: bytes, *, offset: int) -> None:
        self._key = key
        self._iv_path = iv_path
        fresh = offset == 0
        if fresh:
            self._iv = self._new_iv()
        else:
            self._iv = iv_path.read_bytes()
        self._file = open(path, "wb" if fresh else "r+b")  # noqa: SIM115 - closed by close()
        self._file.seek(offset)
        self._pos = offset
        self._enc = _ctr(self._key, self._iv, offset)

    def _new_iv(self) -> bytes:
        iv = secrets.token_bytes(IV_BYTES)
        # The counter file is durable before any ciphertext made with it.
        with open(self._iv_path, "wb") as f:
            f.write(iv)
            f.flush()
            os.fsync(f.fileno())
        return iv

    def write(self, data: bytes) -> int:
        n = self._file.write(self._enc.update(bytes(data)))
        self._pos += len(data)
        return n

    def seek(self, pos: int, whence: int = 0) -> int:
        if whence != 0:
            raise ValueError("a partial download seeks to absolute positions only")
        self._file.seek(pos)
        self._pos = pos
        self._enc = _ctr(self._key, self._iv, pos)
        return pos

    def truncate(self, size: int | None = None) -> int:
        size = self._pos if size is None else size
        if size == 0:
            # Starting over: a new counter, so no keystream is used for two downloads.
            self._file.truncate(0)
            self._file.flush()
            self._iv = self._new_iv()
            self.seek(0)
            return 0
        return self._file.truncate(size)

    def tell(self) -> int:
        return self._pos

    def flush(self) -> None:
        self._file.flush()

    def fileno(self) -> int:
        return self._file.fileno()

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> PartialFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _ctr(key: bytes, iv: bytes, offset: int) -> Any:
    """An AES-CTR encryptor positioned at byte `offset` of the keystream."""
    counter = (int.from_bytes(iv, "big") + offset // _BLOCK) % (1 << 128)
    enc = Cipher(algorithms.AES(key), modes.CTR(counter.to_bytes(_BLOCK, "big"))).encryptor()
    if offset % _BLOCK:
        enc.update(bytes(offset % _BLOCK))  # skip into the block
    return enc


def _is_sha(value: str) -> bool:
    return len(value) == 64 and all(c in "0123456789abcdef" for c in value)


def _check_sha(value: str) -> str:
    if not isinstance(value, str) or not _is_sha(value):
        raise ValueError(f"not a lowercase SHA-256 hex digest: {value!r}")
    return value


def _write_durably(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _write_error(exc: OSError) -> StorageError:
    import errno

    if exc.errno == errno.ENOSPC:
        return StorageError("storage.disk_full", detail=str(exc))
    return StorageError("blob.write_failed", detail=str(exc))


class BlobStore:
    def __init__(self, root: Path, cache_key: bytes, *,
                 cap_bytes: int = DEFAULT_CAP_BYTES) -> None:
        self.root = Path(root)
        self.cap_bytes = cap_bytes
        self._aead = AESGCM(derive_blob_key(cache_key))
        self._partial_key = derive_partial_key(cache_key)
        self._name_key = derive_name_key(cache_key)
        (self.root / "partial").mkdir(parents=True, exist_ok=True)
        (self.root / "tmp").mkdir(parents=True, exist_ok=True)
        self._migrate_names()

    # --- paths ----------------------------------------------------------------------
    def file_name(self, sha256: str) -> str:
        """The on-disk name of blob `sha256`: keyed, so it does not reveal the hash."""
        return hmac.new(self._name_key, _check_sha(sha256).encode("ascii"),
                        hashlib.sha256).hexdigest()

    def _path(self, sha256: str) -> Path:
        name = self.file_name(sha256)
        return self.root / name[:2] / f"{name}.blob"

    def partial_path(self, sha256: str) -> Path:
        """Where a resumable download of `sha256` accumulates, encrypted (open_partial)."""
        return self.root / "partial" / f"{self.file_name(sha256)}.part"

    def _iv_path(self, sha256: str) -> Path:
        return self.root / "partial" / f"{self.file_name(sha256)}.part.iv"

    # --- renaming a store named by the plain hash (before issue 13 finding 19) --------
    def _migrate_names(self) -> None:
        """Rename every file named by its SHA-256 to its keyed name.

        Crash-safe: the plan (every old and new relative path) is written durably before
        the first rename and each rename is atomic, so a process killed halfway renames
        the rest the next time the store is opened; the marker is written last."""
        marker, journal = self.root / NAMES_MARKER, self.root / NAMES_JOURNAL
        if marker.exists():
            return
        try:
            if journal.exists():
                plan = json.loads(journal.read_text(encoding="ascii"))
            else:
                plan = self._renaming_plan()
                if plan:
                    _write_durably(journal, json.dumps(plan).encode("ascii"))
            for old, new in plan:
                src, dst = self.root / old, self.root / new
                if not src.exists():
                    continue  # renamed before the interruption
                dst.parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, dst)
            _write_durably(marker, b"")
            journal.unlink(missing_ok=True)
        except OSError as exc:
            raise _write_error(exc) from exc
        except ValueError as exc:  # a damaged plan: the files are still where it said
            raise StorageError("blob.write_failed", detail=f"{journal}: {exc}") from exc
        if plan:
            log.info("renamed %d blob files to keyed names", len(plan))

    def _renaming_plan(self) -> list[tuple[str, str]]:
        plan: list[tuple[str, str]] = []
        for sub in sorted(self.root.iterdir()):
            if not sub.is_dir() or sub.name in ("tmp",):
                continue
            for f in sorted(sub.iterdir()):
                sha, _, suffix = f.name.partition(".")
                if not _is_sha(sha):
                    continue
                if sub.name == "partial" and suffix in ("part", "part.iv"):
                    new = f"partial/{self.file_name(sha)}.{suffix}"
                elif sub.name == sha[:2] and suffix == "blob":
                    name = self.file_name(sha)
                    new = f"{name[:2]}/{name}.blob"
                else:
                    continue
                plan.append((f"{sub.name}/{f.name}", new))
        return plan

    # --- partial downloads (encrypted) ------------------------------------------------
    def partial_size(self, sha256: str) -> int:
        """Bytes of `sha256` already received (the Range offset to resume from); a partial
        that cannot be decrypted (no counter file) is dropped and 0 returned."""
        part, iv = self.partial_path(sha256), self._iv_path(sha256)
        try:
            size = part.stat().st_size
        except FileNotFoundError:
            return 0
        try:
            usable = len(iv.read_bytes()) == IV_BYTES
        except FileNotFoundError:
            usable = False
        if not usable:
            log.warning("partial download of %s has no usable counter; starting over", sha256)
            self.discard_partial(sha256)
            return 0
        return size

    def open_partial(self, sha256: str, offset: int) -> PartialFile:
        """A writer that appends (encrypted) at `offset` = partial_size(); 0 starts over."""
        try:
            return PartialFile(self.partial_path(sha256), self._iv_path(sha256),
                               self._partial_key, offset=offset)
        except OSError as exc:
            raise _write_error(exc) from exc

    def read_partial(self, sha256: str) -> bytes:
        """The plaintext received so far (decrypted in memory, never written out plain)."""
        sealed = self.partial_path(sha256).read_bytes()
        iv = self._iv_path(sha256).read_bytes()
        return _ctr(self._partial_key, iv, 0).update(sealed)

    def discard_partial(self, sha256: str) -> None:
        self.partial_path(sha256).unlink(missing_ok=True)
        self._iv_path(sha256).unlink(missing_ok=True)

    def put_partial(self, sha256: str, *, media_type: str | None = None) -> Sha256:
        """Take a finished partial download: hash-checked, stored as a blob, partial gone."""
        expected = _check_sha(sha256)
        try:
            data = self.read_partial(expected)
        except FileNotFoundError:
            data = b""
        return self._put_download(data, expected, media_type,
                                  discard=lambda: self.discard_partial(expected))

    def _put_download(self, data: bytes, expected: str, media_type: str | None, *,
                      discard: Callable[[], None]) -> Sha256:
        """Store downloaded `data` if it hashes to `expected` (else raise
        blob.hash_mismatch); `discard` drops the download's source either way. The media
        type defaults to the one already recorded for the blob."""
        actual = hashlib.sha256(data).hexdigest()
        if actual != expected:
            discard()
            raise StorageError("blob.hash_mismatch", detail=f"expected {expected}, got {actual}")
        entry = BlobEntry.get_or_none(BlobEntry.sha256 == expected)
        mt = media_type or (entry.media_type if entry else "application/octet-stream")
        sha = self.put_bytes(data, mt)
        discard()
        return sha

    # --- writing --------------------------------------------------------------------
    def put_bytes(self, data: bytes, media_type: str = "application/octet-stream", *,
                  pinned: bool = False, upload: bool = False) -> Sha256:
        """Store `data`; returns its hash. `upload`: made here, the platform needs it."""
        sha = hashlib.sha256(data).hexdigest()
        path = self._path(sha)
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = nonce + self._aead.encrypt(nonce, bytes(data), sha.encode())
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.root / "tmp", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(sealed)
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(tmp, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except OSError as exc:
            raise _write_error(exc) from exc
        now = models.now_ts()
        pin = pinned or upload
        existing = BlobEntry.get_or_none(BlobEntry.sha256 == sha)
        if existing is None:
            BlobEntry.create(sha256=sha, size=len(data), media_type=media_type,
                             state="present", last_used_at=now, pinned=pin,
                             upload_pending=upload)
        else:
            BlobEntry.update(size=len(data), media_type=media_type, state="present",
                             last_used_at=now, pinned=existing.pinned or pin,
                             upload_pending=existing.upload_pending or upload).where(
                BlobEntry.sha256 == sha).execute()
        return Sha256(sha)

    def put_file(self, tmp_path: Path, expected_sha256: str, *,
                 media_type: str | None = None) -> Sha256:
        """Take a downloaded file: hash-checked, stored encrypted, the plain file removed."""
        expected = _check_sha(expected_sha256)
        tmp_path = Path(tmp_path)
        data = tmp_path.read_bytes()
        return self._put_download(data, expected, media_type,
                                  discard=lambda: tmp_path.unlink(missing_ok=True))

    # --- reading --------------------------------------------------------------------
    def blob_file_present(self, sha256: str) -> bool:
        """The sealed file exists (files only, no database: for download threads). Files
        appear whole (written aside, then renamed), so present means complete."""
        return self._path(_check_sha(sha256)).exists()

    def has(self, sha256: str) -> bool:
        entry = BlobEntry.get_or_none(BlobEntry.sha256 == sha256)
        return entry is not None and entry.state == "present" and self._path(sha256).exists()

    def open_bytes(self, sha256: str) -> bytes:
        """The plaintext of a blob; StorageError when missing or damaged."""
        sha = _check_sha(sha256)
        path = self._path(sha)
        try:
            sealed = path.read_bytes()
        except FileNotFoundError:
            self._mark_missing(sha)
            raise StorageError("blob.missing", detail=sha) from None
        try:
            data = self._aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], sha.encode())
        except (InvalidTag, ValueError):
            data = None
        if data is None or hashlib.sha256(data).hexdigest() != sha:
            log.error("blob %s is damaged; dropped, will be fetched again", sha)
            path.unlink(missing_ok=True)
            self._mark_missing(sha)
            raise StorageError("blob.corrupt", detail=sha)
        BlobEntry.update(last_used_at=models.now_ts()).where(BlobEntry.sha256 == sha).execute()
        return data

    def _mark_missing(self, sha: str) -> None:
        BlobEntry.update(state="missing").where(BlobEntry.sha256 == sha).execute()

    # --- uploads --------------------------------------------------------------------
    def pending_uploads(self) -> list[Sha256]:
        q = BlobEntry.select(BlobEntry.sha256).where(BlobEntry.upload_pending == True)  # noqa: E712
        return [Sha256(r.sha256) for r in q.order_by(BlobEntry.created_at)]

    def mark_uploaded(self, sha256: str) -> None:
        BlobEntry.update(upload_pending=False, pinned=False).where(
            BlobEntry.sha256 == sha256).execute()

    # --- prefetch policy ------------------------------------------------------------
    def needed_blobs(self, *, limit: int = 500) -> list[NeededBlob]:
        """Blobs to fetch, most useful first: those of documents with my pending tasks
        (bodies, attachments, handwriting), unread notices' attachments, then the bodies
        and attachments of other recent documents. Present blobs are left out."""
        me = models.sync_state().user_id
        out: list[NeededBlob] = []
        seen: set[str] = set()

        def add(ref: Any, reason: str) -> None:
            if not isinstance(ref, dict):
                return
            sha = ref.get("sha256")
            if not isinstance(sha, str) or not _is_sha(sha) or sha in seen:
                return
            seen.add(sha)
            out.append(NeededBlob(Sha256(sha), str(ref.get("media_type") or
                                                   "application/octet-stream"),
                                  int(ref.get("size") or 0), reason))

        def add_document(data: dict[str, Any], reason: str) -> None:
            add(data.get("body"), reason)
            for att in data.get("attachments") or []:
                add(att, reason)

        if me:
            task_docs = (Task.select(Task.document_id)
                         .where((Task.assignee_id == me) & (Task.status == "pending")))
            docs = (Document.select(Document.id, DocumentData.data)
                    .join(DocumentData, on=(DocumentData.pk == Document.pk))
                    .where(Document.id.in_(task_docs))
                    .order_by(Document.urgency_rank.desc(), Document.received_at.desc()))
            doc_ids = []
            for doc in docs:
                doc_ids.append(doc.id)
                add_document(doc.documentdata.data, "task")
            if doc_ids:
                for (hw,) in (Opinion.select(Opinion.handwriting_sha256)
                              .where(Opinion.document_id.in_(doc_ids)
                                     & Opinion.handwriting_sha256.is_null(False)).tuples()):
                    add({"sha256": hw, "media_type": "image/png"}, "task")
        now = int(models.now_ts())
        unread = (Notice.select(Notice.data)
                  .where((Notice.is_read == False)  # noqa: E712
                         & ((Notice.expires_at.is_null()) | (Notice.expires_at > now)))
                  .order_by(Notice.published_at.desc()))
        for notice in unread:
            for att in notice.data.get("attachments") or []:
                add(att, "notice")
        for doc in (Document.select(Document.pk, DocumentData.data)
                    .join(DocumentData, on=(DocumentData.pk == Document.pk))
                    .order_by(Document.received_at.desc()).limit(RECENT_DOCUMENTS)):
            add_document(doc.documentdata.data, "recent")
        if not out:
            return out
        present = self._present([b.sha256 for b in out])
        return [b for b in out if b.sha256 not in present][:limit]

    def _present(self, shas: list[str]) -> set[str]:
        found: set[str] = set()
        for i in range(0, len(shas), 500):
            chunk = shas[i:i + 500]
            found.update(r[0] for r in BlobEntry.select(BlobEntry.sha256).where(
                BlobEntry.sha256.in_(chunk) & (BlobEntry.state == "present")).tuples())
        return found

    # --- eviction -------------------------------------------------------------------
    def total_size(self) -> int:
        return int(BlobEntry.select(peewee.fn.COALESCE(peewee.fn.SUM(BlobEntry.size), 0))
                   .where(BlobEntry.state == "present").scalar())

    def evict(self, cap_bytes: int | None = None) -> int:
        """Remove least recently used blobs until the store fits `cap_bytes`.

        Pinned blobs (not yet uploaded) and those the prefetch policy wants most
        (my pending tasks, unread notices) are never evicted. Returns bytes freed.
        """
        cap = self.cap_bytes if cap_bytes is None else cap_bytes
        total = self.total_size()
        if total <= cap:
            return 0
        keep = {b.sha256 for b in self._wanted_now()}
        freed = 0
        candidates = (BlobEntry.select()
                      .where((BlobEntry.state == "present") & (BlobEntry.pinned == False))  # noqa: E712
                      .order_by(BlobEntry.last_used_at.asc()))
        for entry in candidates:
            if total - freed <= cap:
                break
            if entry.sha256 in keep:
                continue
            self._path(entry.sha256).unlink(missing_ok=True)
            BlobEntry.update(state="missing").where(BlobEntry.sha256 == entry.sha256).execute()
            freed += entry.size
        log.info("evicted %d bytes of blobs (cap %d)", freed, cap)
        return freed

    def _wanted_now(self) -> list[NeededBlob]:
        # needed_blobs without the "present" filter, limited to the urgent reasons.
        me = models.sync_state().user_id
        wanted: list[NeededBlob] = []
        if me:
            task_docs = (Task.select(Task.document_id)
                         .where((Task.assignee_id == me) & (Task.status == "pending")))
            for doc in (Document.select(Document.pk, DocumentData.data)
                        .join(DocumentData, on=(DocumentData.pk == Document.pk))
                        .where(Document.id.in_(task_docs))):
                data = doc.documentdata.data
                for ref in [data.get("body"), *(data.get("attachments") or [])]:
                    if isinstance(ref, dict) and isinstance(ref.get("sha256"), str):
                        wanted.append(NeededBlob(Sha256(ref["sha256"]), "", 0, "task"))
        for notice in Notice.select(Notice.data).where(Notice.is_read == False):  # noqa: E712
            for ref in notice.data.get("attachments") or []:
                if isinstance(ref, dict) and isinstance(ref.get("sha256"), str):
                    wanted.append(NeededBlob(Sha256(ref["sha256"]), "", 0, "notice"))
        return wanted

    def register_expected(self, sha256: str, *, media_type: str, size: int) -> None:
        """Note a blob referenced by an object (state missing until downloaded)."""
        BlobEntry.insert(sha256=_check_sha(sha256), media_type=media_type, size=size,
                         state="missing").on_conflict_ignore().execute()
