"""Issue 13, finding 15: a blob the caller may not read answers exactly as one the
platform does not hold, and costs the platform the same queries (SQLite and PostgreSQL).

The other oracles (tasks, steps, documents, notices of other units) are covered on a
real platform process in tests/server/test_authz_matrix.py; the bench of the blob
timings is bench/bench_blob_oracle.py.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

import pytest

from server import feed
from server.db import database, write_tx
from tests.server.conftest import Accounts, bearer, login


@pytest.fixture
def hidden(app_client: Any, accounts: Accounts) -> str:
    """A blob alice uploaded and a document only she sees refers to."""
    data = os.urandom(2000)
    sha = hashlib.sha256(data).hexdigest()
    alice = bearer(login(app_client, "alice"))
    r = app_client.put(f"/api/v1/blobs/{sha}", content=data, headers=alice)
    assert r.status_code == 201, r.text
    with write_tx():
        feed.publish("document", "d-alice", {"id": "d-alice"}, {accounts.alice}, blobs=[sha])
    return sha


def _blob_queries(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Collects the SQL text (not the parameters) of every query on the blob tables."""
    seen: list[str] = []
    db = database.obj
    original = db.execute_sql

    def counting(sql: str, params: Any = None, *args: Any, **kwargs: Any) -> Any:
        if "blob" in sql.lower():
            seen.append(sql)
        return original(sql, params, *args, **kwargs)

    monkeypatch.setattr(db, "execute_sql", counting)
    return seen


def _masked(content: bytes, sha: str) -> bytes:
    return content.replace(sha.encode(), b"<sha256>")


def test_blob_get_answers_a_forbidden_hash_as_an_absent_one(
        app_client: Any, accounts: Accounts, hidden: str, monkeypatch: pytest.MonkeyPatch) -> None:
    bob = bearer(login(app_client, "bob"))
    absent = hashlib.sha256(os.urandom(16)).hexdigest()
    seen = _blob_queries(monkeypatch)
    answers = []
    for sha in (hidden, absent, hidden, absent):
        seen.clear()
        r = app_client.get(f"/api/v1/blobs/{sha}", headers={**bob, "Range": "bytes=0-9"})
        answers.append((r.status_code, r.headers["content-type"], r.headers["content-length"],
                        _masked(r.content, sha), tuple(seen)))
    # Same status, code, detail (but for the hash the caller named), and the same queries.
    assert answers[0][0] == 404 and b'"code": "blob.not_found"' in answers[0][3]
    assert len(set(answers)) == 1, answers
    # The batch read: the same frame and the same queries for either.
    batch = []
    for sha in (hidden, absent):
        seen.clear()
        r = app_client.post("/api/v1/blobs/batch", json={"sha256": [sha]}, headers=bob)
        assert r.status_code == 200, r.text
        batch.append((_masked(r.content, sha), tuple(seen)))
    assert batch[0] == batch[1], batch
    # Its uploader still reads it.
    r = app_client.get(f"/api/v1/blobs/{hidden}", headers=bearer(login(app_client, "alice")))
    assert r.status_code == 200 and len(r.content) == 2000
