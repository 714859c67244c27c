"""Issue 13, High 3: one hostile PDF must not stop the sync of its recipients.

The fixture is built here: a 2 KB PDF whose page draws one large form XObject
thousands of times (minutes to hours of pypdf time in-process). Against a real
platform: the recipient's sync completes at once and gets every other document, the
body's text is read afterwards in a child process whose CPU limit ends it, the failure
is recorded for that blob, and it is never tried again.
"""

from __future__ import annotations

import time

import pytest
from synckit import login, raw_session, register_document

from client import bodytext, models
from client.services import audit, search
from client.sync.manager import SyncManager
from server.demo.pdf import render_plain_pdf
from tests.support.pdfbomb import pdf_bomb

QUICK = bodytext.Limits(cpu_seconds=2, memory_mb=768, wall_seconds=30)


def test_the_bomb_is_small_and_ended_by_the_child_limits() -> None:
    bomb = pdf_bomb(repeats=3000, xobject_kb=64)
    assert len(bomb) < 6 * 1024
    started = time.monotonic()
    with pytest.raises(bodytext.ExtractionFailed) as failed:
        bodytext.pdf_text_isolated(bomb, QUICK)
    assert failed.value.reason in ("limit", "timeout")
    assert time.monotonic() - started < 25
    # A wall-clock timeout alone (the Windows limit) ends it as well.
    with pytest.raises(bodytext.ExtractionFailed) as timed_out:
        bodytext.pdf_text_isolated(bomb, bodytext.Limits(cpu_seconds=600, wall_seconds=2))
    assert timed_out.value.reason == "timeout"
    # An honest PDF still gives its text through the same child.
    good = render_plain_pdf("通知", ["黑土地保护性耕作"])
    assert "黑土地保护性耕作" in bodytext.extract_text_checked(good, "application/pdf", QUICK)


def test_a_hostile_pdf_does_not_stop_the_sync(fresh_platform) -> None:
    platform = fresh_platform
    clerk = raw_session(platform, "wangli")
    bomb_doc = register_document(platform, clerk, ["u-zhangjianguo"], title="关于某事的函",
                                 body=pdf_bomb(repeats=3000, xobject_kb=64))
    good_doc = register_document(platform, clerk, ["u-zhangjianguo"], title="关于春耕的通知",
                                 body=render_plain_pdf("关于春耕的通知", ["黑土地保护性耕作"]))
    started = time.monotonic()
    profile = login(platform, "zhangjianguo")  # login + the first sync, bodies prefetched
    try:
        assert time.monotonic() - started < 60  # in-process the bomb alone takes ~40 min
        with profile.cache_context():
            assert models.Document.get_or_none(models.Document.id == bomb_doc) is not None
            assert models.Document.get_or_none(models.Document.id == good_doc) is not None
            bomb_sha = models.Document.get(models.Document.id == bomb_doc).body_sha256
            assert models.BlobEntry.get_by_id(bomb_sha).state == "present"
        # Indexing, after the sync, on the sync manager's own thread: syncs go on
        # while it works.
        manager = SyncManager(profile.engine, interval=3600, use_events=False)
        manager.indexer.limits = QUICK
        manager.start()
        try:
            assert manager.wait_idle(60)
            manager.sync_now()
            time.sleep(0.2)
            assert manager.wait_idle(60) and manager.counters.syncs >= 2
            assert manager.indexer.wait_idle(90)
        finally:
            manager.stop()
        with profile.cache_context():
            failures = audit.entries(action=bodytext.FAILED)
            assert [(f.object, f.detail["reason"]) for f in failures] == [(bomb_sha, "limit")]
            assert [h.id for h in search.search("保护性耕作") if h.kind == "document"] == [good_doc]
            # Never retried: nothing is left to index, and no new failure appears.
            assert bodytext.index_downloaded_bodies(profile.blobs, limits=QUICK) == 0
            assert len(audit.entries(action=bodytext.FAILED)) == 1
        profile.sync()
        assert profile.index_bodies() == 0
    finally:
        profile.close()
