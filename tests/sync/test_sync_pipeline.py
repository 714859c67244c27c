"""The pull downloads the next page while it writes the current one; order still holds.

A stand-in platform on 127.0.0.1 serves scripted pages by cursor (a real platform never
sends a broken second page or expires a cursor on cue). Each page is applied with its
own cursor, in order; a page fetched ahead that turns out malformed or expired costs
nothing but itself.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from cachekit import delete, document, task, up  # noqa: E402

from client import models, search_index  # noqa: E402
from client.config import Settings  # noqa: E402
from client.db import close_cache, open_cache  # noqa: E402
from client.errors import ProtocolError  # noqa: E402
from client.sync import apply  # noqa: E402
from client.sync.api import PlatformApi  # noqa: E402
from client.sync.engine import SyncEngine, SyncReport  # noqa: E402

ME = "zhangjianguo"


class ScriptedPlatform:
    """/meta, and /changes answered from `pages` by the request's cursor (a list of
    answers is served in turn, its last one from then on)."""

    def __init__(self) -> None:
        self.pages: dict[str | None, list[tuple[int, dict[str, Any]]]] = {}
        self.asked: list[tuple[str | None, int]] = []
        script = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                url = urlparse(self.path)
                if url.path == "/api/v1/meta":
                    status, body = 200, {"protocol": 1, "server_version": "0",
                                         "min_client_version": "0", "instance_id": "i1",
                                         "server_time": "2005-10-19T09:30:00+08:00"}
                else:
                    query = parse_qs(url.query)
                    cursor = query.get("cursor", [None])[0]
                    script.asked.append((cursor, int(query["limit"][0])))
                    answers = script.pages[cursor]
                    status, body = answers.pop(0) if len(answers) > 1 else answers[0]
                raw = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/problem+json"
                                 if status >= 400 else "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def page(self, after: str | None, changes: list[dict[str, Any]], cursor: str,
             has_more: bool, *, then: bool = False) -> None:
        """Answer `after` with this page (`then`: after the answers already set)."""
        answer = (200, {"changes": changes, "cursor": cursor, "has_more": has_more})
        if then:
            self.pages[after].append(answer)
        else:
            self.pages[after] = [answer]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[ScriptedPlatform, SyncEngine]]:
    db = open_cache(tmp_path / "cache.db", os.urandom(32))
    apply.set_identity(user_id=ME, instance_id="i1")
    script = ScriptedPlatform()
    api = PlatformApi(script.base_url, Settings(http_retries=0, read_timeout=5))
    api.set_access_token("test-access-token", 3600)
    engine = SyncEngine(api, None, page_limit=2, prefetch=False)
    yield script, engine
    api.close()
    script.close()
    close_cache(db)


def _title(doc_id: str) -> str:
    return models.Document.get(models.Document.id == doc_id).title


def test_pages_are_applied_in_order_each_with_its_cursor(setup) -> None:
    script, engine = setup
    # The same document rises one version per page; a page fetched ahead must never be
    # written before the one in front of it.
    cursors: list[str | None] = [None, "c1", "c2", "c3", "c4"]
    for n, after in enumerate(cursors):
        script.page(after, [up("document", document("d1", f"第{n + 1}版", version=n + 1)),
                            up("task", task(f"t{n}", "d1", ME))],
                    f"c{n + 1}", has_more=n < 4)
    seen: list[tuple[int, str | None, str]] = []
    report = SyncReport()

    def applied(p) -> None:  # noqa: ANN001
        # One report per page applied (others say how many bytes have arrived so far).
        if p.pages > (seen[-1][0] if seen else 0):
            seen.append((p.pages, apply.current_cursor(), _title("d1")))

    engine.pull(report, applied)
    assert seen == [(n + 1, f"c{n + 1}", f"第{n + 1}版") for n in range(5)]
    assert report.pages == 5 and report.objects == 10
    assert [c for c, _ in script.asked] == cursors  # each page asked for once
    assert {limit for _, limit in script.asked} == {2}
    assert models.Task.select().count() == 5


def test_a_malformed_page_fetched_ahead_leaves_the_pages_before_it(setup) -> None:
    script, engine = setup
    script.page(None, [up("document", document("d1", "第一页的公文"))], "c1", has_more=True)
    bad = document("d2", "坏的一页")
    del bad["title"]
    script.page("c1", [up("document", bad)], "c2", has_more=False)
    with pytest.raises(ProtocolError) as err:
        engine.pull(SyncReport(), lambda p: None)
    assert err.value.code == "protocol.bad_change"
    assert apply.current_cursor() == "c1"
    assert _title("d1") == "第一页的公文"
    assert models.Document.select().count() == 1
    # The platform mends the page: the next pull starts from the stored cursor.
    script.asked.clear()
    script.page("c1", [up("document", document("d2", "修好的一页")), delete("document", "d1")],
                "c2", has_more=False)
    report = SyncReport()
    engine.pull(report, lambda p: None)
    assert [c for c, _ in script.asked] == ["c1"]
    assert apply.current_cursor() == "c2" and report.pages == 1
    assert [d.id for d in models.Document.select()] == ["d2"]


def test_an_expired_cursor_met_ahead_starts_a_full_resync(setup) -> None:
    script, engine = setup
    script.page(None, [up("document", document("d1", "清理前的公文"))], "c1", has_more=True)
    # The platform purged its feed meanwhile: "c1", asked for ahead, has expired, and
    # the feed from scratch no longer holds d1.
    script.pages["c1"] = [(410, {"type": "about:blank", "title": "Gone", "status": 410,
                                 "code": "cursor.expired", "detail": "purged"})]
    script.page(None, [up("document", document("d2", "清理后的公文"))], "r1", has_more=True,
                then=True)
    script.page("r1", [up("task", task("t2", "d2", ME))], "r2", has_more=False)
    report = SyncReport()
    engine.pull(report, lambda p: None)
    assert [c for c, _ in script.asked] == [None, "c1", None, "r1"]
    assert report.full_resync == "cursor_expired"
    assert report.swept == {"document": 1}
    assert apply.current_cursor() == "r2"
    assert [d.id for d in models.Document.select()] == ["d2"]
    assert not apply.sync_state().resync_in_progress


def _document_indexes() -> set[str]:
    db = models.database_proxy.obj
    return {i.name for t in ("document", "task") for i in db.get_indexes(t)}


def _automerge() -> int | None:
    row = models.database_proxy.obj.execute_sql(
        "SELECT v FROM doc_fts_config WHERE k = 'automerge'").fetchone()
    return None if row is None else int(row[0])


def test_a_first_pull_builds_the_inbox_indexes_at_its_end(setup) -> None:
    """Issue 14: into an empty cache the document sort indexes are dropped and built
    once the pull ends (2.2 s of a 6 s first sync of 20,000 documents went into them)."""
    script, engine = setup
    wanted = _document_indexes()
    assert len(wanted) >= 9
    during: list[set[str]] = []
    for n, after in enumerate([None, "c1", "c2"]):
        script.page(after, [up("document", document(f"d{n}", f"第{n}号"))], f"c{n + 1}",
                    has_more=n < 2)
    engine.pull(SyncReport(), lambda p: during.append(_document_indexes()))
    assert _document_indexes() == wanted
    assert _automerge() == 4  # the search index merges as usual again
    assert any(len(s) < len(wanted) for s in during), "the indexes were kept during the pull"
    # The inbox's order reads an index again (no sort of the whole table).
    plan = models.database_proxy.obj.execute_sql(
        "EXPLAIN QUERY PLAN SELECT pk FROM document ORDER BY received_at, pk").fetchall()
    assert "USING INDEX" in " ".join(str(r) for r in plan) or "COVERING INDEX" in str(plan)
    # A later pull into a cache that has documents keeps them throughout.
    during.clear()
    script.page("c3", [up("document", document("d9", "又一份"))], "c4", has_more=False)
    engine.pull(SyncReport(), lambda p: during.append(_document_indexes()))
    assert all(s == wanted for s in during)


def test_a_first_pull_that_fails_midway_still_ends_with_the_indexes(setup) -> None:
    script, engine = setup
    wanted = _document_indexes()
    script.page(None, [up("document", document("d1", "第一页的公文"))], "c1", has_more=True)
    bad = document("d2", "坏的一页")
    del bad["title"]
    script.page("c1", [up("document", bad)], "c2", has_more=False)
    with pytest.raises(ProtocolError):
        engine.pull(SyncReport(), lambda p: None)
    assert _document_indexes() == wanted


def test_a_cache_left_without_its_indexes_gets_them_at_the_next_open(tmp_path: Path) -> None:
    """A first pull killed (SIGKILL, power cut) before its end leaves the indexes
    dropped; opening the cache creates them again."""
    key = os.urandom(32)
    db = open_cache(tmp_path / "cache.db", key)
    wanted = _document_indexes()
    with db.atomic("IMMEDIATE"):
        apply._drop_sort_indexes(db)
        search_index.set_merging(db, search_index.MERGE_BULK)
    assert len(_document_indexes()) < len(wanted) and _automerge() == 0
    close_cache(db)
    db = open_cache(tmp_path / "cache.db", key)
    try:
        assert _document_indexes() == wanted
        assert _automerge() == 4
    finally:
        close_cache(db)


def test_opening_a_cache_does_not_change_its_file(tmp_path: Path) -> None:
    """The open puts back merge settings a killed pull left, and writes nothing when there
    is nothing to put back (the .deb test checks user data byte for byte)."""
    import hashlib

    key = os.urandom(32)
    path = tmp_path / "cache.db"
    db = open_cache(path, key)
    search_index.set_merging(db, search_index.MERGE_DEFAULTS)  # as after a first pull
    close_cache(db)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    close_cache(open_cache(path, key))
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
