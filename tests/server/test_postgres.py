"""PostgreSQL specifics: concurrent writers never let a reader skip a seq; the served
platform works on a PostgreSQL URL end to end."""

from __future__ import annotations

import threading
import uuid

import httpx
import pytest

from protocol.signing import generate_keypair
from server import feed
from server.db import close_database, init_database, write_tx
from server.embedded import EmbeddedPlatform
from server.models import EVERYONE
from tests.server.conftest import PASSWORD, make_accounts


def test_concurrent_writers_commit_seqs_in_order(db_url: str) -> None:
    """Readers that pull while writers race must end with every change, none skipped."""
    init_database(db_url)
    writers, per_writer = 4, 25
    done = threading.Event()
    seen: list[int] = []
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(per_writer):
                with write_tx():
                    feed.publish("thing", f"w{n}-{i}", {"n": n, "i": i}, EVERYONE)
        except BaseException as exc:  # reported below
            errors.append(exc)

    def read() -> None:
        after = 0
        p = feed.database.obj.param
        try:
            while True:
                finished = done.is_set()
                rows = feed.database.obj.execute_sql(
                    f"SELECT seq FROM feed_entry WHERE user_id = {p} AND seq > {p} ORDER BY seq",
                    (EVERYONE, after)).fetchall()
                for (seq,) in rows:
                    seen.append(seq)
                    after = seq
                if finished:
                    return
        except BaseException as exc:
            errors.append(exc)

    reader = threading.Thread(target=read)
    reader.start()
    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    reader.join()
    assert not errors, errors
    assert len(seen) == writers * per_writer
    assert seen == sorted(seen) and len(set(seen)) == len(seen)
    assert seen[-1] == feed.current_seq()
    close_database()


@pytest.mark.postgres
def test_platform_serves_postgres_end_to_end(pg_database: str) -> None:
    init_database(pg_database)
    make_accounts()
    close_database()
    with EmbeddedPlatform(pg_database, demo=False) as platform:
        base = platform.base_url
        r = httpx.post(base + "/api/v1/auth/login", json={
            "username": "alice", "password": PASSWORD, "device_id": "pg"}, timeout=10)
        assert r.status_code == 200, r.text
        headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        page = httpx.get(base + "/api/v1/changes", headers=headers, timeout=10).json()
        assert {c["type"] for c in page["changes"]} == {"unit", "user"}
        bad = {"op_id": str(uuid.uuid4()), "type": "key.register",
               "data": {"key_id": "x", "algorithm": "ed25519", "public_key": "AAAA"}}
        res = httpx.post(base + "/api/v1/ops", json={"ops": [bad]}, headers=headers,
                         timeout=10).json()["results"][0]
        assert (res["status"], res["code"]) == ("rejected", "key.enrolment_required")
        # Enrolment with the password and a one-time code, on PostgreSQL: a bad key is
        # refused and the code is not spent by the refusal.
        code = platform.issue_enrolment_code("alice")
        enrol = {"key_id": "0" * 16, "algorithm": "ed25519", "public_key": "AAAA",
                 "password": PASSWORD, "enrolment_code": code}
        r = httpx.post(base + "/api/v1/keys/enrol", json=enrol, headers=headers, timeout=10)
        assert r.status_code == 422 and r.json()["code"] == "key.invalid_public_key", r.text
        kp = generate_keypair("ed25519")
        enrol.update(key_id=kp.key_id, public_key=kp.public_b64)
        r = httpx.post(base + "/api/v1/keys/enrol", json=enrol, headers=headers, timeout=10)
        assert r.status_code == 201, r.text
        # A failed login is recorded even though the request fails (committed, then 401).
        for _ in range(5):
            httpx.post(base + "/api/v1/auth/login", json={
                "username": "bob", "password": "x", "device_id": "pg"}, timeout=10)
        r = httpx.post(base + "/api/v1/auth/login", json={
            "username": "bob", "password": PASSWORD, "device_id": "pg"}, timeout=10)
        assert r.status_code == 429 and int(r.headers["retry-after"]) > 0


def _signed_in(url: str) -> str:
    """A database at `url` with alice signed in once; her refresh token."""
    from server import auth

    init_database(url)
    make_accounts()
    return auth.login("alice", PASSWORD, "pc-1", "PC").refresh_token


@pytest.mark.postgres
def test_refresh_does_not_wait_for_the_write_lock(pg_url: str) -> None:
    """Issue 14: in the 08:00 rush refreshes queued on the platform write lock, yet a
    refresh publishes nothing. One refreshes while another writer holds the lock."""
    from server import auth
    from tests.support.postgres import fresh_pg_database

    with fresh_pg_database(pg_url) as url:
        token = _signed_in(url)
        holding, release = threading.Event(), threading.Event()

        def hold_lock() -> None:
            with write_tx():
                feed.publish("thing", "slow", {"n": 1}, EVERYONE)
                holding.set()
                release.wait(30)
            close_database()

        holder = threading.Thread(target=hold_lock)
        holder.start()
        assert holding.wait(10)
        answers: list[auth.Tokens] = []

        def refresh() -> None:
            answers.append(auth.refresh(token))
            close_database()

        refresher = threading.Thread(target=refresh)
        refresher.start()
        refresher.join(5)
        finished_while_locked = not refresher.is_alive()
        release.set()
        holder.join(10)
        refresher.join(10)
        close_database()
        assert finished_while_locked, "refresh waited for the write lock"
        assert len(answers) == 1


@pytest.mark.postgres
def test_concurrent_refreshes_of_one_session_stay_exact(pg_url: str) -> None:
    """Without the write lock, refreshes of one session are still serialised (row lock):
    every answer's refresh token is a live successor, none is lost to a lost update."""
    from server import auth, security
    from server.models import AuthSession, SpareRefreshToken
    from tests.support.postgres import fresh_pg_database

    with fresh_pg_database(pg_url) as url:
        token = _signed_in(url)
        n = 4
        barrier = threading.Barrier(n)
        answers: list[auth.Tokens] = []
        errors: list[BaseException] = []

        def refresh() -> None:
            try:
                barrier.wait(10)
                answers.append(auth.refresh(token))
            except BaseException as exc:  # reported below
                errors.append(exc)
            finally:
                close_database()

        threads = [threading.Thread(target=refresh) for _ in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert not errors, errors
        session = AuthSession.get(AuthSession.device_id == "pc-1")
        assert session.revoked_at is None
        live = {session.refresh_hash} | {
            s.token_hash for s in SpareRefreshToken.select().where(
                SpareRefreshToken.session_id == session.id)}
        assert {security.token_hash(a.refresh_token) for a in answers} <= live
        assert len(answers) == n
        close_database()


@pytest.mark.postgres
def test_feed_writes_refuse_a_session_tx(pg_url: str) -> None:
    """A session_tx holds no write lock: taking a feed seq there is a programming error,
    unless a nested write_tx takes the lock first."""
    from server.db import session_tx
    from tests.support.postgres import fresh_pg_database

    with fresh_pg_database(pg_url) as url:
        init_database(url)
        with pytest.raises(RuntimeError), session_tx():
            feed.publish("thing", "a", {"n": 1}, EVERYONE)
        with session_tx(), write_tx():
            feed.publish("thing", "b", {"n": 2}, EVERYONE)
        assert feed.current_seq() >= 1
        close_database()


def test_latest_visible_seqs_match_one_by_one(db_url: str) -> None:
    """The events watcher's batch look-up (one query per chunk on PostgreSQL) gives each
    user what `latest_visible_seq` gives, "*" rows included."""
    init_database(db_url)
    accounts = make_accounts()
    with write_tx():
        feed.publish("thing", "all", {"n": 1}, EVERYONE)
        feed.publish("thing", "alice", {"n": 2}, {accounts.alice})
    with write_tx():
        feed.publish("thing", "all2", {"n": 3}, EVERYONE)
    users = [accounts.alice, accounts.bob, "nobody"]
    assert feed.latest_visible_seqs(users) == {u: feed.latest_visible_seq(u) for u in users}
    assert feed.latest_visible_seqs([]) == {}
    close_database()


@pytest.mark.postgres
@pytest.mark.parametrize("prepare", [True, False])
def test_hot_statements_are_prepared_unless_turned_off(pg_url: str, prepare: bool,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 14: the feed page is prepared once per connection (planning cost more than
    running it); GOVDESK_PG_PREPARE=0, for a pooler in transaction mode, plans each time.
    Either way a poll answers the same."""
    from server import db as server_db
    from tests.support.postgres import fresh_pg_database

    monkeypatch.setattr(server_db, "PREPARE", prepare)
    with fresh_pg_database(pg_url) as url:
        init_database(url)
        make_accounts()
        with write_tx():
            feed.publish("thing", "one", {"n": 1}, EVERYONE)
        pages = [feed.read_changes("u-alice", None, 100) for _ in range(3)]
        assert len(set(pages)) == 1 and b'"id":"one"' in pages[0]
        names = {n for (n,) in feed.database.obj.execute_sql(
            "SELECT name FROM pg_prepared_statements").fetchall()}
        assert ("govdesk_feed_page" in names) is prepare, names
        close_database()
