"""Issue 13, finding 14, against a real platform on both backends: uploads are spooled to
disk (never whole in memory) and removed in every outcome; per-user limits answer 429
`blob.rate_limited` and 413 `blob.quota_exceeded` with Retry-After."""

from __future__ import annotations

import hashlib
import os
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from server.embedded import EmbeddedPlatform
from tests.server.workflow_helpers import Api, make_county

PER_MINUTE = 4
MB_PER_DAY = 2


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def platform(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
             ) -> Iterator[tuple[EmbeddedPlatform, Path]]:
    from server.db import close_database
    from tests.support.postgres import fresh_pg_database

    spool = tmp_path_factory.mktemp("spool")
    env = {"GOVDESK_SPOOL_DIR": str(spool), "GOVDESK_UPLOADS_PER_MINUTE": str(PER_MINUTE),
           "GOVDESK_UPLOAD_MB_PER_DAY": str(MB_PER_DAY)}
    if request.param == "postgresql":
        with fresh_pg_database(request.getfixturevalue("pg_url")) as url, \
                EmbeddedPlatform(url, demo=False, env=env) as running:
            yield running, spool
            close_database()
    else:
        with EmbeddedPlatform(demo=False, env=env) as running:
            yield running, spool
            close_database()


def _user(running: EmbeddedPlatform) -> Api:
    county = make_county(running.db_url, only=["clerk"])
    return Api(running.base_url, county.users["clerk"])


def _put(api: Api, data: bytes, sha: str | None = None,
         media_type: str = "application/pdf") -> requests.Response:
    return api.http.put(f"{api.base_url}/api/v1/blobs/{sha or hashlib.sha256(data).hexdigest()}",
                        data=data, timeout=30, headers={"Content-Type": media_type})


def _rows(user_id: str) -> list[int]:
    """Sizes of the user's upload_log rows, as the platform recorded them."""
    from server.models import UploadLog

    return [int(s) for (s,) in UploadLog.select(UploadLog.size)
            .where(UploadLog.user_id == user_id).order_by(UploadLog.id).tuples()]


def _wait(condition, seconds: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return bool(condition())


def test_a_body_is_spooled_to_disk_and_a_cut_upload_leaves_nothing(platform) -> None:
    running, spool = platform
    api = _user(running)
    from server import blobs

    sha = hashlib.sha256(uuid.uuid4().bytes).hexdigest()
    host, port = running.base_url.rsplit("//", 1)[1].split(":")
    sent = 1536 * 1024  # of 1.9 MB declared (within the daily limit of 2 MB)
    with socket.create_connection((host, int(port)), timeout=30) as conn:
        conn.sendall((f"PUT /api/v1/blobs/{sha} HTTP/1.1\r\nHost: x\r\n"
                      f"{'Authorization: ' + api.http.headers['Authorization']}\r\n"
                      "Content-Type: application/pdf\r\n"
                      f"Content-Length: {1900 * 1024}\r\n\r\n").encode())
        conn.sendall(os.urandom(sent))
        # While the body arrives it is in a file of the spool directory, not in memory.
        assert _wait(lambda: any(p.stat().st_size >= 1024 * 1024
                                 for p in spool.glob("govdesk-upload-*.part"))), \
            list(spool.iterdir())
    # The client went away mid-body: the file is removed, nothing is stored, and the
    # attempt costs no volume.
    assert _wait(lambda: not list(spool.iterdir())), list(spool.iterdir())
    assert blobs.blob_info(sha) is None
    assert _wait(lambda: _rows(api.id) == [0]), _rows(api.id)


def test_a_hash_mismatch_leaves_no_file_and_no_row(platform) -> None:
    running, spool = platform
    api = _user(running)
    from server import blobs

    wrong = hashlib.sha256(b"something else").hexdigest()
    r = _put(api, os.urandom(300_000), sha=wrong)
    assert r.status_code == 400 and r.json()["code"] == "blob.hash_mismatch", r.text
    assert not list(spool.iterdir())
    assert blobs.blob_info(wrong) is None
    assert _rows(api.id) == [0]


@pytest.mark.parametrize("media_type", ["application/pdf", "text/plain;\tcharset=utf-8"])
def test_stored_bytes_round_trip_identically(platform, media_type: str) -> None:
    running, spool = platform
    api = _user(running)
    # Several store chunks and an odd tail; the empty file; bytes COPY would escape.
    escapes = uuid.uuid4().bytes + b"\\\t\n\r\x00" * 1000
    for data in (os.urandom(1536 * 1024 + 4321), b"", escapes):
        sha = hashlib.sha256(data).hexdigest()
        r = _put(api, data, media_type=media_type)
        assert r.status_code == 201, r.text
        assert r.json() == {"sha256": sha, "size": len(data), "media_type": media_type}
        back = api.get(f"/api/v1/blobs/{sha}", headers={"Accept-Encoding": "identity"})
        assert back.status_code == 200 and back.content == data
        if data:  # (the empty file is one blob, stored with the first media type)
            assert back.headers["content-type"] == media_type
    assert not list(spool.iterdir())
    assert _rows(api.id) == [1536 * 1024 + 4321, 0, len(escapes)]


def test_uploads_per_minute_are_limited_with_retry_after(platform) -> None:
    running, spool = platform
    api = _user(running)
    for i in range(PER_MINUTE):
        assert _put(api, f"第{i}份{uuid.uuid4()}".encode()).status_code == 201
    r = _put(api, b"one too many " + uuid.uuid4().bytes)
    assert r.status_code == 429, r.text
    assert r.json()["code"] == "blob.rate_limited"
    assert r.headers["content-type"].startswith("application/problem+json")
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    # Another user is not held up by this one.
    assert _put(_user(running), b"mine " + uuid.uuid4().bytes).status_code == 201
    assert not list(spool.iterdir())


def test_the_daily_volume_is_limited_with_retry_after(platform) -> None:
    running, spool = platform
    api = _user(running)
    first = os.urandom(1_200_000)
    assert _put(api, first).status_code == 201
    # Refused before the body is read (its Content-Length passes the limit) ...
    r = _put(api, os.urandom(1_200_000))
    assert r.status_code == 413, r.text
    assert r.json()["code"] == "blob.quota_exceeded"
    # ... and again when the bytes are ones the platform holds already: the limit does not
    # tell who else has a file (finding 15).
    r2 = _put(api, first)
    assert (r2.status_code, r2.json()["code"]) == (413, "blob.quota_exceeded")
    # Room frees when the first upload is a day old.
    assert 86000 <= int(r.headers["Retry-After"]) <= 86400
    # A smaller file still fits in what is left.
    assert _put(api, os.urandom(500_000)).status_code == 201
    # A file larger than the whole daily limit never fits: no Retry-After to wait for.
    r = _put(_user(running), os.urandom(MB_PER_DAY * 1024 * 1024 + 1))
    assert (r.status_code, r.json()["code"]) == (413, "blob.quota_exceeded")
    assert "Retry-After" not in r.headers
    assert not list(spool.iterdir())
    assert _rows(api.id) == [1_200_000, 500_000]


def test_limits_come_from_the_environment() -> None:
    from server.uploads import UploadLimits, limits_from_env

    assert limits_from_env({}) == UploadLimits(per_minute=120, mb_per_day=2048, spool_dir=None)
    assert limits_from_env({"GOVDESK_UPLOADS_PER_MINUTE": "0", "GOVDESK_UPLOAD_MB_PER_DAY": "5",
                            "GOVDESK_SPOOL_DIR": "/var/lib/govdesk/spool"}) == UploadLimits(
        0, 5, Path("/var/lib/govdesk/spool"))
    for bad in ("-1", "lots", "1.5"):
        with pytest.raises(ValueError, match="GOVDESK_UPLOADS_PER_MINUTE"):
            limits_from_env({"GOVDESK_UPLOADS_PER_MINUTE": bad})


def test_the_settings_are_in_the_sample_and_the_guide() -> None:
    from server.embedded import REPO_ROOT

    sample = (REPO_ROOT / "packaging" / "platform" / "platform.env.sample").read_text("utf-8")
    guide = (REPO_ROOT / "docs" / "operate.md").read_text("utf-8")
    for name in ("GOVDESK_SPOOL_DIR", "GOVDESK_UPLOADS_PER_MINUTE", "GOVDESK_UPLOAD_MB_PER_DAY"):
        assert f"\n{name}=" in sample and name in guide, name


def test_the_administrator_sees_what_each_user_uploaded(platform) -> None:
    import subprocess
    import sys

    from server.embedded import REPO_ROOT

    running, _ = platform
    api = _user(running)
    for size in (300_000, 200_000):
        assert _put(api, os.urandom(size)).status_code == 201
    username = api.user["username"]
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "GOVDESK_DB_URL": running.db_url,
           "GOVDESK_UPLOAD_MB_PER_DAY": str(MB_PER_DAY), "GOVDESK_UPLOADS_PER_MINUTE": "4"}
    out = subprocess.run([sys.executable, "-m", "server", "uploads", "--user", username],
                         cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("limits per user: 4 uploads a minute, 2 MB a day")
    assert lines[2].split() == [username, "2", "2", "0.5"]


def test_parallel_uploads_of_the_same_bytes_all_succeed(platform) -> None:
    """PostgreSQL copies without the platform write lock: the second COPY of the same
    bytes meets the primary key and finds the row on its second round."""
    from concurrent.futures import ThreadPoolExecutor

    running, spool = platform
    apis = [_user(running) for _ in range(3)]
    data = os.urandom(1536 * 1024)
    with ThreadPoolExecutor(len(apis)) as pool:
        answers = list(pool.map(lambda api: _put(api, data).status_code, apis))
    assert answers == [201] * len(apis)
    sha = hashlib.sha256(data).hexdigest()
    for api in apis:
        assert api.get(f"/api/v1/blobs/{sha}").content == data
    assert not list(spool.iterdir())


def test_purge_forgets_upload_records_older_than_a_day(platform) -> None:
    import subprocess
    import sys
    from datetime import timedelta

    from server import clock
    from server.embedded import REPO_ROOT
    from server.models import UploadLog

    running, _ = platform
    api = _user(running)
    assert _put(api, b"today " + uuid.uuid4().bytes).status_code == 201
    UploadLog.insert(user_id=api.id, at=clock.now() - timedelta(days=1, minutes=1),
                     size=12345).execute()
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "GOVDESK_DB_URL": running.db_url}
    out = subprocess.run([sys.executable, "-m", "server", "purge", "--older-than-days", "90"],
                         cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "upload records older than a day" in out.stdout
    assert len(_rows(api.id)) == 1  # today's stays, yesterday's is gone


def test_an_unusable_spool_directory_is_a_503_with_retry_after(app_client, tmp_path,
                                                                monkeypatch) -> None:
    import dataclasses

    from server import uploads
    from tests.server.conftest import assert_problem, bearer, login, make_accounts

    make_accounts()
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setattr(uploads, "LIMITS",
                        dataclasses.replace(uploads.LIMITS, spool_dir=blocker / "spool"))
    data = b"%PDF-1.4 " + uuid.uuid4().bytes
    r = app_client.put(f"/api/v1/blobs/{hashlib.sha256(data).hexdigest()}", content=data,
                       headers=bearer(login(app_client, "alice")))
    assert_problem(r, 503, "server.unavailable")
    assert r.headers["Retry-After"] == "60"
