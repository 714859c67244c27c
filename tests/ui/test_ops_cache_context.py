"""Background ops run each job in the context it was submitted from: with two caches open,
the writer thread and the network pool serve each profile its own cache, and a job
submitted outside any profile's context gets an error, never the other profile's cache."""

from __future__ import annotations

import os
from pathlib import Path

from client.db import NoActiveCache, close_cache, current_cache, open_cache, use_cache
from client.models import Phrase


def test_jobs_use_the_cache_of_the_context_they_were_queued_in(qtbot, ops,
                                                                tmp_path: Path) -> None:  # noqa: ANN001
    a = open_cache(tmp_path / "a.db", os.urandom(32))
    b = open_cache(tmp_path / "b.db", os.urandom(32))
    results: dict[str, object] = {}
    try:
        for name, db in (("a", a), ("b", b), ("a2", a)):
            with use_cache(db):
                ops.db(lambda n=name: Phrase.create(user_id=n, text=n).user_id,
                       lambda got, n=name: results.__setitem__(f"db:{n}", got))
                ops.net(current_cache, lambda got, n=name: results.__setitem__(f"net:{n}", got))
        ops.db(current_cache, None, lambda exc: results.__setitem__("bare", exc))
        assert ops.wait_idle(10_000)
        assert results["net:a"] is a and results["net:b"] is b and results["net:a2"] is a
        assert isinstance(results["bare"], NoActiveCache)
        owners = {db: {u for (u,) in db.execute_sql("SELECT user_id FROM phrase")}
                  for db in (a, b)}
        assert owners == {a: {"a", "a2"}, b: {"b"}}
    finally:
        close_cache(a)
        close_cache(b)
