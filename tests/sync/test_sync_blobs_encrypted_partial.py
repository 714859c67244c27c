"""A download cut off half way leaves no readable plaintext on disk, and resumes."""

from __future__ import annotations

import hashlib

import pytest
from synckit import login, raw_session, register_document

from client.sync import blobs

SENTENCE = "富锦市二〇〇五年度城乡居民最低生活保障资金分配方案（内部讨论稿）：".encode()


def test_half_downloaded_partial_holds_no_plaintext(fresh_platform) -> None:
    platform = fresh_platform
    body = SENTENCE * 60_000  # about 5.6 MB of a known text
    sha = hashlib.sha256(body).hexdigest()
    register_document(platform, raw_session(platform, "wangli"), ["u-zhangjianguo"],
                      title="城乡低保资金分配方案", body=body)
    profile = login(platform, "zhangjianguo", sync=False)
    try:
        profile.engine.prefetch_enabled = False
        profile.sync()
        received = 0

        class PowerCut(BaseException):
            """The PC loses power mid-download (killing the platform instead is racy:
            loopback socket buffers can hold the whole rest of the blob)."""

        def cut(n: int) -> None:
            nonlocal received
            received += n
            if received >= 2 * 1024 * 1024:
                raise PowerCut

        with pytest.raises(PowerCut):
            blobs.download(profile.api, profile.blobs, sha, size=len(body),
                           chunk_size=64 * 1024, on_chunk=cut)
        part = profile.blobs.partial_path(sha)
        held = part.stat().st_size
        assert 0 < held < len(body)
        on_disk = b"".join(p.read_bytes() for p in profile.dir.rglob("*") if p.is_file())
        assert SENTENCE not in on_disk and SENTENCE[:15] not in on_disk
        assert profile.blobs.read_partial(sha) == body[:held]  # it is all there, encrypted

        rest = []
        blobs.download(profile.api, profile.blobs, sha, size=len(body), on_chunk=rest.append)
        assert sum(rest) == len(body) - held  # resumed with Range, nothing fetched twice
        assert profile.blobs.open_bytes(sha) == body
        assert not part.exists()
    finally:
        profile.close()
