"""Blobs: upload with hash check, Range resume, visibility (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
import os

import pytest

from server import blobs, feed
from server.db import write_tx
from server.models import EVERYONE
from tests.server.conftest import Accounts, assert_problem, bearer, login


def url(h: str) -> str:
    return f"/api/v1/blobs/{h}"


@pytest.fixture
def data() -> bytes:
    return os.urandom(3 * 1024 * 1024 + 12345)  # spans several read chunks


def test_upload_then_resume_download_from_the_middle(app_client, accounts: Accounts, data) -> None:
    headers = bearer(login(app_client, "alice"))
    h = hashlib.sha256(data).hexdigest()
    r = app_client.put(url(h), content=data, headers={**headers, "Content-Type": "application/pdf"})
    assert r.status_code == 201, r.text
    assert r.json() == {"sha256": h, "size": len(data), "media_type": "application/pdf"}
    # Repeating the PUT is harmless, and answers the same (no "already stored" oracle).
    r = app_client.put(url(h), content=data, headers={**headers, "Content-Type": "application/pdf"})
    assert r.status_code == 201
    full = app_client.get(url(h), headers=headers)
    assert full.status_code == 200 and full.content == data
    assert full.headers["etag"] == f'"{h}"' and full.headers["accept-ranges"] == "bytes"
    assert full.headers["content-type"] == "application/pdf"
    # An interrupted download resumes from the middle and yields identical bytes.
    cut = len(data) // 2 + 7
    first = app_client.get(url(h), headers={**headers, "Range": f"bytes=0-{cut - 1}"})
    assert first.status_code == 206 and len(first.content) == cut
    rest = app_client.get(url(h), headers={**headers, "Range": f"bytes={cut}-",
                                           "If-Range": f'"{h}"'})
    assert rest.status_code == 206
    assert rest.headers["content-range"] == f"bytes {cut}-{len(data) - 1}/{len(data)}"
    assert hashlib.sha256(first.content + rest.content).hexdigest() == h
    tail = app_client.get(url(h), headers={**headers, "Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == data[-10:]
    # Unsatisfiable range.
    r = app_client.get(url(h), headers={**headers, "Range": f"bytes={len(data)}-"})
    assert_problem(r, 416, "blob.range_not_satisfiable")
    assert r.headers["content-range"] == f"bytes */{len(data)}"
    # Garbage Range headers are ignored (whole blob), never a 500.
    for bad in ("bytes=5-2", "pages=1-2", "bytes=1-2,4-5", "bytes=-", "bytes=x-"):
        r = app_client.get(url(h), headers={**headers, "Range": bad})
        assert r.status_code == 200 and len(r.content) == len(data), bad
    # Conditional GET.
    r = app_client.get(url(h), headers={**headers, "If-None-Match": f'"{h}"'})
    assert r.status_code == 304


def test_hash_mismatch_is_refused(app_client, accounts: Accounts) -> None:
    headers = bearer(login(app_client, "alice"))
    wrong = hashlib.sha256(b"other").hexdigest()
    assert_problem(app_client.put(url(wrong), content=b"hello", headers=headers), 400,
                   "blob.hash_mismatch")
    assert blobs.blob_info(wrong) is None
    assert_problem(app_client.put("/api/v1/blobs/NOT-A-HASH", content=b"x", headers=headers),
                   422)
    assert_problem(app_client.get("/api/v1/blobs/" + "A" * 64, headers=headers), 422)


def test_blob_visible_only_through_objects(app_client, accounts: Accounts) -> None:
    alice = bearer(login(app_client, "alice"))
    bob = bearer(login(app_client, "bob"))
    payload = "手写签名".encode() * 100
    h = hashlib.sha256(payload).hexdigest()
    assert app_client.put(url(h), content=payload, headers=alice).status_code == 201
    assert app_client.get(url(h), headers=alice).status_code == 200  # the uploader
    assert_problem(app_client.get(url(h), headers=bob), 404, "blob.not_found")
    assert_problem(app_client.get(url("0" * 64), headers=alice), 404, "blob.not_found")
    with write_tx():
        feed.publish("opinion", "op1", {"id": "op1", "handwriting": {"sha256": h}},
                     {accounts.bob}, blobs=[h])
    assert app_client.get(url(h), headers=bob).content == payload
    with write_tx():
        feed.publish("opinion", "op1", {"id": "op1"}, {accounts.alice}, blobs=[h])
    assert_problem(app_client.get(url(h), headers=bob), 404)
    with write_tx():
        feed.publish("opinion", "op1", {"id": "op1"}, EVERYONE, blobs=[h])
    assert app_client.get(url(h), headers=bob).status_code == 200
    with write_tx():
        feed.retract("opinion", "op1")
    assert_problem(app_client.get(url(h), headers=bob), 404)
    # Bob uploading the same bytes himself may then read them.
    # (201 as for a new blob: the answer says nothing about alice's upload.)
    assert app_client.put(url(h), content=payload, headers=bob).status_code == 201
    assert app_client.get(url(h), headers=bob).status_code == 200


def test_store_blob_helper_and_auth(app_client, accounts: Accounts) -> None:
    h = blobs.store_blob(b"%PDF-1.4 test", "application/pdf")
    assert h == hashlib.sha256(b"%PDF-1.4 test").hexdigest()
    assert blobs.store_blob(b"%PDF-1.4 test", "application/pdf") == h
    assert blobs.read_range(h, 1, 3) == b"PDF"
    assert_problem(app_client.get(url(h)), 401, "auth.unauthenticated")


def test_oversized_upload_is_413(app_client, accounts: Accounts, monkeypatch) -> None:
    from server import errors
    from server.api import blobs as blobs_api

    monkeypatch.setattr(errors, "MAX_BLOB_BODY", 1000)
    monkeypatch.setattr(blobs_api, "MAX_BLOB_BODY", 1000)
    headers = bearer(login(app_client, "alice"))
    data = b"x" * 2000
    h = hashlib.sha256(data).hexdigest()
    assert_problem(app_client.put(url(h), content=data, headers=headers), 413,
                   "request.too_large")

    def chunks():
        for _ in range(4):
            yield b"x" * 500

    assert_problem(app_client.put(url(h), content=chunks(), headers=headers), 413)
    assert blobs.blob_info(h) is None
