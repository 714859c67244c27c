"""Attachment downloads resume where they stopped; damaged blobs are fetched again."""

from __future__ import annotations

import hashlib
import os

import pytest
from synckit import login, raw_session, register_document

from client import models
from client.errors import NetworkError, StorageError
from client.sync import blobs

SIZE = 3 * 1024 * 1024 + 123


class _Counter:
    def __init__(self, stop_after: int | None = None, action=None) -> None:
        self.bytes = 0
        self.stop_after = stop_after
        self.action = action

    def __call__(self, n: int) -> None:
        self.bytes += n
        if self.stop_after is not None and self.bytes >= self.stop_after and self.action:
            action, self.action = self.action, None
            action()


def _new_document_with_big_body(platform, size: int = SIZE) -> tuple[str, bytes]:
    body = b"%PDF-1.4\n" + os.urandom(size)
    register_document(platform, raw_session(platform, "wangli"), ["u-zhangjianguo"],
                      title="关于2005年度财政预算执行情况的报告", body=body)
    return hashlib.sha256(body).hexdigest(), body


def test_interrupted_download_resumes_with_range(fresh_platform) -> None:
    platform = fresh_platform
    profile = login(platform, "zhangjianguo")
    try:
        # Far larger than loopback socket buffers (a few MiB), so bytes already in flight
        # when the platform dies cannot complete the download by themselves.
        sha, body = _new_document_with_big_body(platform, size=24 * 1024 * 1024)
        profile.engine.prefetch_enabled = False  # this test drives the download itself
        profile.sync()
        assert not profile.blobs.has(sha)

        # The platform dies (power cut) after about 1 MiB has arrived.
        first = _Counter(stop_after=1024 * 1024, action=platform.kill)
        with pytest.raises(NetworkError) as err:
            blobs.download(profile.api, profile.blobs, sha, size=len(body), chunk_size=64 * 1024,
                           on_chunk=first)
        assert err.value.code.startswith("network.")
        part = profile.blobs.partial_path(sha)
        kept = part.stat().st_size
        assert 0 < kept < len(body)
        assert not profile.blobs.has(sha)

        platform.start()
        second = _Counter()
        blobs.download(profile.api, profile.blobs, sha, size=len(body), on_chunk=second)
        assert second.bytes == len(body) - kept  # only the rest travelled
        assert not part.exists()
        assert profile.blobs.open_bytes(sha) == body
    finally:
        profile.close()


def test_damaged_partial_and_damaged_blob_are_fetched_again(fresh_platform) -> None:
    platform = fresh_platform
    profile = login(platform, "zhangjianguo")
    try:
        sha, body = _new_document_with_big_body(platform)
        profile.engine.prefetch_enabled = False
        profile.sync()
        # A partial download whose bytes are wrong (disk fault): the hash check catches it
        # and the blob is fetched again from the start.
        part = profile.blobs.partial_path(sha)
        part.write_bytes(b"garbage" * 1000)
        blobs.download(profile.api, profile.blobs, sha, size=len(body))
        assert profile.blobs.open_bytes(sha) == body

        # The stored (encrypted) blob is damaged on disk afterwards.
        name = profile.blobs.file_name(sha)  # keyed: not the hash itself
        stored = [p for p in profile.blobs.root.rglob(f"{name}*") if p.is_file()]
        assert len(stored) == 1
        raw = bytearray(stored[0].read_bytes())
        raw[len(raw) // 2] ^= 0xFF
        stored[0].write_bytes(bytes(raw))
        with pytest.raises(StorageError) as err:
            profile.blobs.open_bytes(sha)
        assert err.value.code == "blob.corrupt"
        assert not profile.blobs.has(sha)

        # The next sync's prefetch brings it back (the document is in my pending tasks).
        profile.engine.prefetch_enabled = True
        profile.engine.request_prefetch()
        report = profile.sync()
        assert report.blobs_fetched >= 1
        assert profile.blobs.open_bytes(sha) == body
        # On demand works as well, after another damage.
        stored[0].write_bytes(b"x")
        assert blobs.ensure(profile.api, profile.blobs, sha) == body
    finally:
        profile.close()


def test_prefetch_fetches_my_task_documents_after_a_pull(fresh_platform) -> None:
    platform = fresh_platform
    profile = login(platform, "zhangjianguo")
    try:
        pending_docs = models.Task.select(models.Task.document_id).where(
            (models.Task.assignee_id == profile.user_id) & (models.Task.status == "pending"))
        doc = models.Document.select().where(models.Document.id.in_(pending_docs)).first()
        assert doc is not None and doc.body_sha256
        assert profile.blobs.has(doc.body_sha256)  # the first sync prefetched it
        assert not list(profile.blobs.root.rglob("*.part"))
    finally:
        profile.close()
