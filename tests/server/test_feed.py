"""Change feed: visibility, paging, resuming from any cursor, 400/410 cursors (both backends)."""

from __future__ import annotations

import base64
import gzip
import json
import random
from datetime import timedelta

import pytest

from server import feed
from server.db import write_tx
from server.models import EVERYONE, FeedEntry, FeedMark, Meta, SyncObject
from tests.server.conftest import Accounts, assert_problem, bearer, login


def pull_all(client, headers, cursor=None, limit=500):
    """Pages until has_more is false; returns (pages, final cursor)."""
    pages = []
    while True:
        params = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        r = client.get("/api/v1/changes", params=params, headers=headers)
        assert r.status_code == 200, r.text
        page = r.json()
        pages.append(page)
        cursor = page["cursor"]
        if not page["has_more"]:
            return pages, cursor


def apply(state: dict, page: dict) -> None:
    for ch in page["changes"]:
        key = (ch["type"], ch["id"])
        if ch["op"] == "upsert":
            state[key] = ch["data"]
        else:
            assert ch["data"] is None
            state.pop(key, None)


def expected_view(user_id: str) -> dict:
    keys = feed.visible_keys(user_id)
    out = {}
    for obj in SyncObject.select().where(SyncObject.key.in_(list(keys))):
        out[(obj.type, obj.obj_id)] = json.loads(obj.data)
    return out


def make_history(seed: int, users: list[str]) -> None:
    """Random publishes with changing audiences (incl. "*" and back) and retractions."""
    rnd = random.Random(seed)
    audiences = [EVERYONE, *[{u} for u in users], set(users), set(), {users[0], "u-other"}]
    for step in range(80):
        obj_id = f"o{rnd.randrange(12)}"
        with write_tx():
            if rnd.random() < 0.1:
                feed.retract("thing", obj_id)
            else:
                audience = rnd.choice(audiences)
                feed.publish("thing", obj_id, {"id": obj_id, "step": step, "名称": "公文"},
                             audience)


def test_directory_visible_to_everyone(app_client, accounts: Accounts) -> None:
    headers = bearer(login(app_client, "alice"))
    pages, _ = pull_all(app_client, headers)
    state: dict = {}
    for p in pages:
        apply(state, p)
    assert state[("unit", "czj")]["name"] == "市财政局"
    users = {k[1]: v for k, v in state.items() if k[0] == "user"}
    assert set(users) == {accounts.alice, accounts.bob, accounts.carol}
    assert users[accounts.carol]["active"] is False
    for u in users.values():
        assert "password_hash" not in u and "password" not in json.dumps(u)
        assert set(u) >= {"id", "username", "display_name", "unit_id", "roles", "title",
                          "version", "updated_at"}


@pytest.mark.parametrize("seed", [1, 2])
def test_resume_from_every_cursor_gives_final_visible_set(app_client, accounts: Accounts,
                                                           seed: int) -> None:
    users = [accounts.alice, accounts.bob]
    make_history(seed, users)
    for username, user_id in (("alice", accounts.alice), ("bob", accounts.bob)):
        headers = bearer(login(app_client, username))
        expected = expected_view(user_id)
        # Walk the feed one change at a time, remembering the client's state at each cursor.
        checkpoints = []
        state: dict = {}
        cursor = None
        seen_seqs: list[int] = []
        while True:
            params = {"limit": 1, **({"cursor": cursor} if cursor else {})}
            page = app_client.get("/api/v1/changes", params=params, headers=headers).json()
            seen_seqs += [c["seq"] for c in page["changes"]]
            apply(state, page)
            cursor = page["cursor"]
            checkpoints.append((dict(state), cursor))
            if not page["has_more"]:
                break
        assert state == expected
        assert seen_seqs == sorted(set(seen_seqs)), "seqs strictly increase for one user"
        # From every saved (state, cursor): resume with various page sizes.
        for i, (saved, saved_cursor) in enumerate(checkpoints):
            resumed = dict(saved)
            pages, _ = pull_all(app_client, headers, saved_cursor, limit=(i % 4) + 2)
            for p in pages:
                apply(resumed, p)
            assert resumed == expected, f"resume from checkpoint {i}"


def test_loss_of_visibility_arrives_as_delete(app_client, accounts: Accounts) -> None:
    a_headers = bearer(login(app_client, "alice"))
    _, cursor = pull_all(app_client, a_headers)
    with write_tx():
        feed.publish("document", "d1", {"id": "d1", "title": "关于防汛的通知"},
                     {accounts.alice, accounts.bob})
    page = app_client.get("/api/v1/changes", params={"cursor": cursor}, headers=a_headers).json()
    assert [(c["type"], c["id"], c["op"]) for c in page["changes"]] == [("document", "d1", "upsert")]
    assert page["changes"][0]["data"]["title"] == "关于防汛的通知"
    cursor = page["cursor"]
    with write_tx():
        feed.publish("document", "d1", {"id": "d1", "title": "v2"}, {accounts.bob})
    page = app_client.get("/api/v1/changes", params={"cursor": cursor}, headers=a_headers).json()
    assert [(c["id"], c["op"], c["data"]) for c in page["changes"]] == [("d1", "delete", None)]
    # A no-change poll returns nothing and keeps the cursor.
    again = app_client.get("/api/v1/changes", params={"cursor": page["cursor"]},
                           headers=a_headers).json()
    instance = app_client.get("/api/v1/meta").json()["instance_id"]
    assert again == {"changes": [], "cursor": page["cursor"], "has_more": False,
                     "instance_id": instance}


def test_move_between_everyone_and_named_users(app_client, accounts: Accounts) -> None:
    with write_tx():
        feed.publish("notice", "n1", {"v": 1}, EVERYONE)
        feed.publish("notice", "n1", {"v": 2}, {accounts.alice})
    assert expected_view(accounts.alice)[("notice", "n1")] == {"v": 2}
    assert ("notice", "n1") not in expected_view(accounts.bob)
    headers = bearer(login(app_client, "alice"))
    pages, _ = pull_all(app_client, headers)
    n1 = [c for p in pages for c in p["changes"] if c["id"] == "n1"]
    # Feed is compacted: the "*" delete comes before alice's upsert, never on the same seq.
    assert [c["op"] for c in n1] == ["delete", "upsert"]
    assert n1[0]["seq"] < n1[1]["seq"]
    with write_tx():
        feed.publish("notice", "n1", {"v": 3}, {EVERYONE, accounts.alice})
    assert FeedEntry.select().where(FeedEntry.key == "notice:n1").count() == 1


def test_blob_refs_follow_publish(app_client, accounts: Accounts) -> None:
    from server.models import BlobRef

    h1, h2 = "a" * 64, "b" * 64
    with write_tx():
        feed.publish("document", "d9", {"id": "d9"}, EVERYONE, blobs=[h1, h2])
    assert {r.sha256 for r in BlobRef.select()} == {h1, h2}
    with write_tx():
        feed.publish("document", "d9", {"id": "d9"}, EVERYONE)  # None: unchanged
        assert BlobRef.select().count() == 2
        feed.publish("document", "d9", {"id": "d9"}, EVERYONE, blobs=[h2])
    assert {r.sha256 for r in BlobRef.select()} == {h2}
    with write_tx():
        feed.retract("document", "d9")
    assert BlobRef.select().count() == 0


def test_publish_outside_transaction_is_refused(app_client, accounts: Accounts) -> None:
    with pytest.raises(RuntimeError):
        feed.publish("thing", "x", {}, EVERYONE)


def test_bad_and_expired_cursors(app_client, accounts: Accounts) -> None:
    headers = bearer(login(app_client, "alice"))
    for garbage in ("!!!", "bm90LWEtY3Vyc29y", "Zm9vOmJhcg", "x" * 300, "Zm9vOi0x"):
        r = app_client.get("/api/v1/changes", params={"cursor": garbage}, headers=headers)
        assert r.status_code in (400, 410, 422), r.text
        assert r.headers["content-type"].startswith("application/problem+json")
    assert_problem(app_client.get("/api/v1/changes", params={"cursor": "!!!"}, headers=headers),
                   400, "cursor.invalid")
    other = base64.urlsafe_b64encode(b"someotherinstance:0:3").decode().rstrip("=")
    assert_problem(app_client.get("/api/v1/changes", params={"cursor": other}, headers=headers),
                   410, "cursor.expired")
    state = feed.feed_state()
    # A cursor beyond the head: the platform's history went back (a restore).
    future = feed.encode_cursor(state.instance_id, state.seq + 10)
    assert_problem(app_client.get("/api/v1/changes", params={"cursor": future}, headers=headers),
                   410, "cursor.diverged")
    for limit in (0, 1001, -1, "x"):
        assert_problem(app_client.get("/api/v1/changes", params={"limit": limit},
                                      headers=headers), 422, "request.invalid")


def test_made_up_cursors_do_not_find_the_head(app_client, accounts: Accounts) -> None:
    """Issue 13, finding 15: the feed's head counts every unit's changes. A cursor made
    up around it (no mark, or a guessed one) answers the same below and above it."""
    headers = bearer(login(app_client, "alice"))
    with write_tx():
        for n in range(5):
            feed.publish("thing", f"b{n}", {"v": n}, {accounts.bob})
    state = feed.feed_state()
    answers = set()
    for seq in (state.seq - 3, state.seq, state.seq + 1, state.seq + 100):
        for mark in ("", "0" * 12):
            cursor = feed.encode_cursor(state.instance_id, seq, state.min_cursor_seq, mark,
                                        state.restore_epoch)
            r = app_client.get("/api/v1/changes", params={"cursor": cursor}, headers=headers)
            answers.add((r.status_code, r.content))
    assert len(answers) == 1, answers
    ((status, body),) = answers
    assert status == 410 and json.loads(body)["code"] == "cursor.diverged"
    # The cursors the platform gives still work.
    _, cursor = pull_all(app_client, headers)
    r = app_client.get("/api/v1/changes", params={"cursor": cursor}, headers=headers)
    assert r.status_code == 200 and r.json()["changes"] == []


def test_purge_compacts_deletes_and_expires_old_cursors(app_client, accounts: Accounts) -> None:
    headers = bearer(login(app_client, "alice"))
    _, old_cursor = pull_all(app_client, headers)
    with write_tx():
        feed.publish("thing", "t1", {"v": 1}, {accounts.alice})
    _, mid_cursor = pull_all(app_client, headers, old_cursor)
    with write_tx():
        feed.publish("thing", "t1", {"v": 2}, {accounts.bob})  # alice: delete
        feed.publish("thing", "t2", {"v": 1}, EVERYONE)
        feed.retract("thing", "t2")
    _, new_cursor = pull_all(app_client, headers, mid_cursor)
    # Nothing is old enough yet.
    assert feed.purge(timedelta(days=30)).deleted_rows == 0
    result = feed.purge(timedelta(0))
    assert result.deleted_rows == 2 and result.deleted_objects == 1
    assert SyncObject.get_or_none(SyncObject.key == "thing:t2") is None
    assert_problem(app_client.get("/api/v1/changes", params={"cursor": mid_cursor},
                                  headers=headers), 410, "cursor.expired")
    r = app_client.get("/api/v1/changes", params={"cursor": new_cursor}, headers=headers)
    assert r.status_code == 200 and r.json()["changes"] == []
    # From scratch still works and shows only what alice sees.
    pages, _ = pull_all(app_client, headers)
    ids = {c["id"] for p in pages for c in p["changes"]}
    assert "t1" not in ids and "t2" not in ids


def test_fresh_pull_after_purge_pages_below_the_retention_floor(app_client, accounts: Accounts) -> None:
    """A pull from scratch never needed purged deletions: small pages must not get 410."""
    headers = bearer(login(app_client, "alice"))
    with write_tx():
        for i in range(12):
            feed.publish("thing", f"p{i}", {"v": i}, {accounts.alice})
        feed.publish("thing", "gone", {"v": 1}, {accounts.alice})
        feed.retract("thing", "gone")
        for i in range(12):
            feed.publish("thing", f"q{i}", {"v": i}, {accounts.alice})
    floor = feed.purge(timedelta(0)).min_cursor_seq
    assert floor > 0
    pages, _ = pull_all(app_client, headers, limit=3)  # every page's cursor is below floor
    ids = {c["id"] for p in pages for c in p["changes"]}
    assert {f"p{i}" for i in range(12)} | {f"q{i}" for i in range(12)} <= ids
    assert "gone" not in ids


def test_large_page_is_gzipped(app_client, accounts: Accounts) -> None:
    with write_tx():
        for i in range(300):
            feed.publish("thing", f"g{i}", {"id": f"g{i}", "text": "富锦市人民政府办公室" * 5},
                         EVERYONE)
    headers = {**bearer(login(app_client, "alice")), "Accept-Encoding": "gzip"}
    r = app_client.get("/api/v1/changes", params={"limit": 1000}, headers=headers)
    assert r.headers.get("content-encoding") == "gzip"
    page = r.json()  # httpx decodes
    assert len(page["changes"]) == 300 + 4 and page["has_more"] is False
    raw = app_client.get("/api/v1/changes", params={"limit": 1000},
                         headers={**headers, "Accept-Encoding": "identity"})
    assert "content-encoding" not in raw.headers
    assert len(gzip.compress(raw.content)) < len(raw.content)


def test_a_rolled_back_history_is_detected_even_past_the_old_head(app_client,
                                                                 accounts: Accounts) -> None:
    """The cursor carries the mark of its seq: after a rollback, new changes take the old
    numbers with new marks, so the cursor diverges although the head passed it again."""
    headers = bearer(login(app_client, "alice"))
    with write_tx():
        feed.publish("thing", "t1", {"v": 1}, {accounts.alice})
    _, before = pull_all(app_client, headers)
    backup_seq = feed.current_seq()
    with write_tx():
        feed.publish("thing", "t2", {"v": 1}, {accounts.alice})
    _, synced = pull_all(app_client, headers, before)
    # The rollback: the feed and its counter go back to the backup's seq ...
    with write_tx():
        FeedMark.delete().where(FeedMark.seq > backup_seq).execute()
        FeedEntry.delete().where(FeedEntry.seq > backup_seq).execute()
        Meta.update(seq=backup_seq).where(Meta.id == 1).execute()
    assert_problem(app_client.get("/api/v1/changes", params={"cursor": synced},
                                  headers=headers), 410, "cursor.diverged")
    # ... and new activity pushes the head past the client's cursor again.
    with write_tx():
        for i in range(3):
            feed.publish("thing", f"n{i}", {"v": 1}, {accounts.alice})
    assert feed.current_seq() > backup_seq + 1
    assert_problem(app_client.get("/api/v1/changes", params={"cursor": synced},
                                  headers=headers), 410, "cursor.diverged")
    # A cursor from before the rollback point still matches: nothing to re-send.
    assert app_client.get("/api/v1/changes", params={"cursor": before},
                          headers=headers).status_code == 200


def test_a_restore_epoch_diverges_every_older_cursor(app_client, accounts: Accounts) -> None:
    headers = bearer(login(app_client, "alice"))
    with write_tx():
        feed.publish("thing", "t1", {"v": 1}, {accounts.alice})
    _, cursor = pull_all(app_client, headers)
    assert app_client.get("/api/v1/meta").json()["restore_epoch"] == 0
    with write_tx():
        Meta.update(restore_epoch=Meta.restore_epoch + 1).where(Meta.id == 1).execute()
    assert app_client.get("/api/v1/meta").json()["restore_epoch"] == 1
    assert_problem(app_client.get("/api/v1/changes", params={"cursor": cursor},
                                  headers=headers), 410, "cursor.diverged")
    _, fresh = pull_all(app_client, headers)
    assert app_client.get("/api/v1/changes", params={"cursor": fresh},
                          headers=headers).status_code == 200
