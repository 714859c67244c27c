"""Sync over the emulated township link (tests/support/linkemu.py): one connection, few
round trips, concurrent file downloads that stay correct, resumable over a dropped line."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from datetime import UTC, datetime

import pytest
import requests
from synckit import PASSWORD, raw_session, register_document

from client import models
from client.errors import NetworkError
from client.session import Profile
from client.sync import blobs
from tests.support.linkemu import LinkEmulator, LinkProfile

FAST = LinkProfile("test", one_way_ms=20)


def _login(url: str, user: str = "zhangjianguo") -> Profile:
    return Profile.login(url, user, PASSWORD)


def test_a_run_uses_one_connection_and_a_new_process_sends_one_request(fresh_platform) -> None:
    with LinkEmulator(("127.0.0.1", fresh_platform.port), FAST) as link:
        profile = _login(link.url)
        try:
            profile.engine.prefetch_enabled = False  # files: the next tests
            profile.sync()
            # Something to push (the sign-in queues no key.register since issue 13's
            # enrolment): the user reads a document.
            assert profile.services is not None
            unread = models.Document.get(models.Document.is_read == False)  # noqa: E712
            assert profile.services.documents.mark_read(unread.id, now=datetime.now(UTC))
            link.stats.reset()
            report = profile.sync()  # push (POST /ops), pull (/changes: the receipt)
            assert report.pushed and report.objects > 0
            # /ops, /auth and the rest share one keep-alive pool: the login's connection.
            assert link.stats.connections == 0
        finally:
            profile.close()
        # A new process (a `govdesk-cli sync`): the access token kept in the keyring is
        # still valid, the pages carry the instance id: no /auth/refresh, no /meta.
        again = Profile.resume(link.url, "zhangjianguo")
        try:
            again.engine.prefetch_enabled = False
            link.stats.reset()
            report = again.sync()
            assert report.requests == 1 and report.objects == 0
            assert link.stats.connections == 1
        finally:
            again.close()


def test_a_stale_kept_access_token_is_refreshed_once(fresh_platform) -> None:
    profile = _login(fresh_platform.base_url)
    try:
        profile.engine.prefetch_enabled = False
        profile.sync()
        # Another process refreshed meanwhile: the token this one kept is unknown now.
        token, expires_at = profile.keystore.get_access_token()  # type: ignore[misc]
        profile.keystore.set_access_token("stale-" + token, expires_at)
    finally:
        profile.close()
    again = Profile.resume(fresh_platform.base_url, "zhangjianguo")
    try:
        again.engine.prefetch_enabled = False
        report = again.sync()  # 401 -> one refresh -> the page
        assert report.requests == 3
        kept = again.keystore.get_access_token()
        assert kept is not None and not kept[0].startswith("stale-")
    finally:
        again.close()


def _documents(platform, n: int, size: int) -> dict[str, bytes]:
    session = raw_session(platform, "wangli")
    out = {}
    for i in range(n):
        body = b"%PDF-1.4\n" + os.urandom(size)
        register_document(platform, session, ["u-zhangjianguo"], title=f"关于第{i}号事项的请示",
                          body=body)
        out[hashlib.sha256(body).hexdigest()] = body
    return out


def test_concurrent_fetches_are_bounded_urgent_first_and_store_each_file_once(
        fresh_platform, monkeypatch: pytest.MonkeyPatch) -> None:
    platform = fresh_platform
    # Bigger than a batch item: each one a GET of its own, four at a time.
    bodies = _documents(platform, 8, blobs.BATCH_ITEM_MAX_BYTES + 10_000)
    with LinkEmulator(("127.0.0.1", platform.port), LinkProfile("t", one_way_ms=40)) as link:
        profile = _login(link.url)
        try:
            store = profile.blobs
            assert store is not None
            in_flight = 0
            peak = 0
            started: list[str] = []
            lock = threading.Lock()
            original = profile.api.download_blob

            def counting(sha256, out, **kwargs):  # type: ignore[no-untyped-def]
                nonlocal in_flight, peak
                if not threading.current_thread().name.startswith("govdesk-blob"):
                    return original(sha256, out, **kwargs)  # the on-demand fetch: unbounded
                with lock:
                    in_flight += 1
                    peak = max(peak, in_flight)
                    started.append(sha256)
                try:
                    return original(sha256, out, **kwargs)
                finally:
                    with lock:
                        in_flight -= 1

            monkeypatch.setattr(profile.api, "download_blob", counting)
            from client.blobstore import BlobStore
            writes: dict[str, int] = {}
            real_put = BlobStore.put_bytes

            def put_bytes(self, data, *args, **kwargs):  # type: ignore[no-untyped-def]
                sha = hashlib.sha256(data).hexdigest()
                writes[sha] = writes.get(sha, 0) + 1
                return real_put(self, data, *args, **kwargs)

            monkeypatch.setattr(BlobStore, "put_bytes", put_bytes)

            profile.engine.prefetch_enabled = False
            profile.sync()
            with profile.cache_context():
                needed = store.needed_blobs()
            urgent = [n.sha256 for n in needed if n.reason == "task"]
            assert set(bodies) <= set(urgent)
            # The document the user opens meanwhile (the UI's on-demand fetch) races the
            # prefetch for the same file.
            target = next(iter(bodies))
            racer = threading.Thread(target=_ensure, args=(profile, target))
            with profile.cache_context():
                racer.start()
                result = blobs.prefetch(profile.api, store, max_blob_bytes=50 * 2**20,
                                        budget_bytes=2**31)
            racer.join(30)
            assert result.failed == 0 and result.fetched >= len(bodies) - 1
            assert 1 < peak <= blobs.FETCH_CONCURRENCY
            # Started in urgency order: the first ones are the pending tasks' files.
            assert set(started[:blobs.FETCH_CONCURRENCY]) <= set(urgent)
            with profile.cache_context():
                for sha, body in bodies.items():
                    assert store.has(sha) and store.open_bytes(sha) == body
            assert all(writes[sha] == 1 for sha in bodies), writes
            # No partial download is left behind, and none was ever where blobs live.
            assert not any((store.root / "partial").iterdir())
            assert not any(p.suffix == ".part" for p in store.root.rglob("*")
                           if p.parent.name != "partial")
        finally:
            profile.close()


def _ensure(profile: Profile, sha: str) -> None:
    with profile.cache_context():
        blobs.ensure(profile.api, profile.blobs, sha)  # type: ignore[arg-type]


def test_download_cut_on_the_emulated_link_resumes_where_it_stopped(fresh_platform) -> None:
    platform = fresh_platform
    [(sha, body)] = _documents(platform, 1, 600_000).items()
    slow = LinkProfile("t", one_way_ms=10, rate_kbit=8_000)  # 1 MB/s: the cut lands mid-file
    with LinkEmulator(("127.0.0.1", platform.port), slow) as link:
        profile = _login(link.url)
        try:
            profile.engine.prefetch_enabled = False
            profile.sync()
            start = link.stats.bytes_down

            def cut_midway(total: int) -> None:
                if total - start > 250_000:
                    link.on_down = None
                    link.cut()

            link.on_down = cut_midway
            with profile.cache_context(), pytest.raises(NetworkError):
                blobs.download(profile.api, profile.blobs, sha, size=len(body))
            kept = profile.blobs.partial_size(sha)
            assert 100_000 < kept < len(body)
            link.stats.reset()
            with profile.cache_context():
                blobs.download(profile.api, profile.blobs, sha, size=len(body))
                assert profile.blobs.open_bytes(sha) == body
            # Only the rest crossed the line again (Range), not the whole file.
            assert link.stats.bytes_down < len(body) - kept + 20_000
        finally:
            profile.close()


def test_text_bodies_are_gzipped_on_the_wire_pdfs_are_not(fresh_platform) -> None:
    platform = fresh_platform
    session = raw_session(platform, "wangli")
    text = ("各乡镇人民政府、各有关部门：现将《关于做好冬季供暖工作的通知》印发给你们，"
            "请认真贯彻执行。\n" * 200).encode()
    text_sha = hashlib.sha256(text).hexdigest()
    pdf = b"%PDF-1.4\n" + os.urandom(20_000)
    register_document(platform, session, ["u-zhangjianguo"], title="关于做好冬季供暖工作的通知",
                      body=text, media_type="text/plain; charset=utf-8")
    register_document(platform, session, ["u-zhangjianguo"], title="关于预算的报告", body=pdf)
    pdf_sha = hashlib.sha256(pdf).hexdigest()
    leader = raw_session(platform, "zhangjianguo")
    url = f"{platform.base_url}/api/v1/blobs/"
    r = requests.get(url + text_sha, headers={**leader, "Accept-Encoding": "gzip"},
                     stream=True, timeout=10)
    assert r.headers.get("Content-Encoding") == "gzip"
    assert int(r.headers["Content-Length"]) < len(text) / 4
    assert r.raw.read(decode_content=True) == text
    r = requests.get(url + pdf_sha, headers={**leader, "Accept-Encoding": "gzip"}, timeout=10)
    assert "Content-Encoding" not in r.headers and r.content == pdf
    # A Range request counts raw bytes: never compressed.
    r = requests.get(url + text_sha, timeout=10,
                     headers={**leader, "Accept-Encoding": "gzip", "Range": "bytes=100-"})
    assert r.status_code == 206 and "Content-Encoding" not in r.headers
    assert r.content == text[100:]

    with LinkEmulator(("127.0.0.1", platform.port), FAST) as link:
        profile = _login(link.url)
        try:
            profile.engine.prefetch_enabled = False
            profile.sync()
            link.stats.reset()
            with profile.cache_context():
                blobs.download(profile.api, profile.blobs, text_sha, size=len(text))
                assert profile.blobs.open_bytes(text_sha) == text
            assert link.stats.bytes_down < len(text) / 4
        finally:
            profile.close()


def test_progress_moves_while_files_arrive_on_a_slow_line(fresh_platform) -> None:
    platform = fresh_platform
    _documents(platform, 2, 60_000)
    slow = LinkProfile("t", one_way_ms=20, rate_kbit=400)  # 50 KB/s: ~3 s of files
    with LinkEmulator(("127.0.0.1", platform.port), slow) as link:
        profile = _login(link.url)
        try:
            seen: list[tuple[float, object]] = []
            profile.sync(lambda p: seen.append((time.monotonic(), p)))
        finally:
            profile.close()
    files = [(t, p) for t, p in seen if p.phase == "blobs" and p.files_total]  # type: ignore[attr-defined]
    assert files, "the file phase reported nothing"
    last = files[-1][1]
    assert last.files_done == last.files_total and last.bytes_done == last.bytes_total  # type: ignore[attr-defined]
    assert last.bytes_total > 120_000  # type: ignore[attr-defined]
    # Never more than 2 s without a report while the files come in.
    gaps = [b[0] - a[0] for a, b in zip(files, files[1:], strict=False)]
    assert max(gaps) < 2.0, max(gaps)
    assert any(p.eta_s is not None and p.eta_s > 0 for _, p in files)  # type: ignore[attr-defined]


def _frames(body: bytes) -> list[tuple[dict, bytes]]:
    import json

    out = []
    while body:
        nl = body.index(b"\n")
        header = json.loads(body[:nl])
        body = body[nl + 1:]
        n = header.get("length", 0)
        out.append((header, body[:n]))
        body = body[n:]
    return out


def test_blob_batch_answers_frames_in_order_with_per_item_status(fresh_platform) -> None:
    import gzip

    platform = fresh_platform
    session = raw_session(platform, "wangli")
    text = ("请各单位于十月底前报送冬季供暖工作方案。\n" * 100).encode()
    register_document(platform, session, ["u-zhangjianguo"], title="关于报送供暖方案的通知",
                      body=text, media_type="text/plain; charset=utf-8")
    [(pdf_sha, pdf)] = _documents(platform, 1, 30_000).items()
    text_sha = hashlib.sha256(text).hexdigest()
    secret = os.urandom(64)  # stored, but referenced by nothing the leader sees
    secret_sha = hashlib.sha256(secret).hexdigest()
    requests.put(f"{platform.base_url}/api/v1/blobs/{secret_sha}", data=secret,
                 headers={**session, "Content-Type": "application/pdf"},
                 timeout=10).raise_for_status()
    leader = raw_session(platform, "zhangjianguo")
    url = f"{platform.base_url}/api/v1/blobs/batch"
    r = requests.post(url, json={"sha256": [text_sha, secret_sha, pdf_sha]}, timeout=10,
                      headers={**leader, "Accept-Encoding": "gzip"}, stream=True)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/x-govdesk-blob-batch")
    frames = _frames(r.raw.read())
    assert [h["sha256"] for h, _ in frames] == [text_sha, secret_sha, pdf_sha]
    (th, tdata), (sh, _), (ph, pdata) = frames
    assert th["status"] == 200 and th["encoding"] == "gzip" and th["size"] == len(text)
    assert gzip.decompress(tdata) == text and len(tdata) < len(text) / 4
    assert sh == {"sha256": secret_sha, "status": 404}  # not the leader's to read
    assert ph["encoding"] == "identity" and pdata == pdf  # a PDF is not recompressed
    bad = requests.post(url, json={"sha256": ["../etc"]}, headers=leader, timeout=10)
    assert bad.status_code == 400 and bad.json()["code"] == "blob.invalid"


def test_a_batch_cut_midway_keeps_what_arrived_whole(fresh_platform) -> None:
    platform = fresh_platform
    bodies = _documents(platform, 8, 50_000)
    slow = LinkProfile("t", one_way_ms=10, rate_kbit=8_000)
    with LinkEmulator(("127.0.0.1", platform.port), slow) as link:
        profile = _login(link.url)
        try:
            profile.engine.prefetch_enabled = False
            profile.sync()
            store = profile.blobs
            assert store is not None
            with profile.cache_context():
                plan = {n.sha256: n.size for n in store.needed_blobs()}
            assert set(bodies) <= set(plan)  # the demo's own files come too
            start = link.stats.bytes_down

            def cut(total: int) -> None:  # the line drops with 40 % of the files down
                if total - start > 0.4 * sum(plan.values()):
                    link.on_down = None
                    link.cut()

            link.on_down = cut
            with profile.cache_context(), pytest.raises(NetworkError):
                blobs.prefetch(profile.api, store, max_blob_bytes=2**26, budget_bytes=2**31)
            with profile.cache_context():
                kept = [sha for sha in plan if store.has(sha)]
                # The files before the cut are stored, whole (each was hash-checked as
                # it was sealed); none after it is visible.
                assert 0 < len(kept) < len(plan)
                for sha in kept:
                    if sha in bodies:
                        assert store.open_bytes(sha) == bodies[sha]
                link.stats.reset()
                report = blobs.prefetch(profile.api, store, max_blob_bytes=2**26,
                                        budget_bytes=2**31)
                assert report.failed == 0
                assert all(store.has(sha) for sha in plan)
                for sha, body in bodies.items():
                    assert store.open_bytes(sha) == body
            # Nothing stored before was fetched again (the rest, framing and headers).
            assert link.stats.bytes_down < sum(size for sha, size in plan.items()
                                               if sha not in kept) + 200_000
        finally:
            profile.close()


def test_without_a_batch_endpoint_files_come_one_get_each(fresh_platform,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    platform = fresh_platform
    bodies = _documents(platform, 3, 20_000)
    profile = _login(platform.base_url)
    try:
        profile.engine.prefetch_enabled = False
        profile.sync()
        calls: list[str] = []
        original = profile.api._send

        def send(method, path, **kwargs):  # type: ignore[no-untyped-def]
            calls.append(f"{method} {path}")
            if path == "/blobs/batch":  # an older platform: no such route
                resp = requests.Response()
                resp.status_code = 405
                resp.headers["Content-Type"] = "application/json"
                resp._content = b'{"detail":"Method Not Allowed"}'
                return resp
            return original(method, path, **kwargs)

        monkeypatch.setattr(profile.api, "_send", send)
        with profile.cache_context():
            report = blobs.prefetch(profile.api, profile.blobs,  # type: ignore[arg-type]
                                    max_blob_bytes=2**26, budget_bytes=2**31)
            assert all(profile.blobs.has(sha) for sha in bodies)  # type: ignore[union-attr]
        assert report.failed == 0
        assert calls.count("POST /blobs/batch") == 1  # asked once, then GETs
        assert sum(c.startswith("GET /blobs/") for c in calls) >= len(bodies)
    finally:
        profile.close()


def test_the_platform_keeps_an_idle_connection_between_syncs(fresh_platform) -> None:
    """A GUI syncs every minute: its connection must outlive uvicorn's default 5 s."""
    with LinkEmulator(("127.0.0.1", fresh_platform.port), FAST) as link, \
            requests.Session() as s:
        assert s.get(f"{link.url}/api/v1/meta", timeout=10).status_code == 200
        time.sleep(6.5)
        link.stats.reset()
        assert s.get(f"{link.url}/api/v1/meta", timeout=10).status_code == 200
        assert link.stats.connections == 0  # the same connection, no new handshake
