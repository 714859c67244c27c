"""Several caches open in one process: each query uses the cache of its execution context,
never another one (client/db.py: CurrentCache, use_cache, bound)."""

from __future__ import annotations

import contextvars
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from client import models
from client.db import (
    CacheDatabase,
    NoActiveCache,
    bound,
    close_cache,
    current_cache,
    open_cache,
    use_cache,
)
from client.models import CrossCacheWrite, Phrase
from client.services.phrases import PhraseService

THREADS_PER_CACHE = 4
ROWS_PER_THREAD = 150


@pytest.fixture
def two_caches(tmp_path: Path) -> Iterator[tuple[CacheDatabase, CacheDatabase]]:
    a = open_cache(tmp_path / "a" / "cache.db", os.urandom(32))
    b = open_cache(tmp_path / "b" / "cache.db", os.urandom(32))
    yield a, b
    close_cache(a)
    close_cache(b)


def _owners(db: CacheDatabase) -> set[str]:
    return {user for (user,) in db.execute_sql("SELECT DISTINCT user_id FROM phrase")}


def test_one_open_cache_needs_no_context_and_a_closed_one_answers_nothing(
        tmp_path: Path) -> None:
    only = open_cache(tmp_path / "only.db", os.urandom(32))
    try:
        assert current_cache() is only
        Phrase.create(user_id="u", text="同意。")
        assert Phrase.select().count() == 1
    finally:
        close_cache(only)
    with pytest.raises(NoActiveCache):
        Phrase.select().count()
    with pytest.raises(NoActiveCache, match="closed"), use_cache(only):
        Phrase.select().count()


def test_with_two_caches_open_nothing_is_guessed(two_caches) -> None:
    a, b = two_caches
    with pytest.raises(NoActiveCache, match="2 local caches"):
        Phrase.create(user_id="nobody", text="写到哪里？")
    with pytest.raises(NoActiveCache):
        models.database_proxy.atomic()
    assert _owners(a) == _owners(b) == set()
    with use_cache(a):
        Phrase.create(user_id="a", text="甲")
        with use_cache(b):  # nested: the inner one wins, and gives way on exit
            Phrase.create(user_id="b", text="乙")
        Phrase.create(user_id="a", text="甲二")
    assert _owners(a) == {"a"} and _owners(b) == {"b"}


def test_a_transaction_commits_in_the_cache_it_began_in(two_caches) -> None:
    a, b = two_caches
    with use_cache(a), models.database_proxy.atomic():
        Phrase.create(user_id="a", text="甲")
    with use_cache(b), pytest.raises(RuntimeError), models.database_proxy.atomic():
        Phrase.create(user_id="b", text="乙")
        raise RuntimeError("rolled back")
    assert _owners(a) == {"a"} and _owners(b) == set()


def test_concurrent_threads_of_two_caches_never_mix(two_caches) -> None:
    a, b = two_caches
    start = threading.Barrier(2 * THREADS_PER_CACHE)
    errors: list[BaseException] = []

    def work(db: CacheDatabase, owner: str) -> None:
        try:
            start.wait()
            with use_cache(db):
                for i in range(ROWS_PER_THREAD):
                    with models.database_proxy.atomic():
                        Phrase.create(user_id=owner, text=f"{owner}-{i}", position=i)
                    # Reads in between see this cache only.
                    assert current_cache() is db
                    assert not Phrase.select().where(
                        ~Phrase.user_id.startswith(owner[0])).exists()
            db.close()  # this thread's connection
        except BaseException as exc:  # handed to the test thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(db, f"{tag}{n}"))
               for n in range(THREADS_PER_CACHE) for db, tag in ((a, "a"), (b, "b"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    for db, tag in ((a, "a"), (b, "b")):
        assert _owners(db) == {f"{tag}{n}" for n in range(THREADS_PER_CACHE)}
        count = db.execute_sql("SELECT count(*) FROM phrase").fetchone()[0]
        assert count == THREADS_PER_CACHE * ROWS_PER_THREAD


def test_a_thread_uses_the_cache_of_the_context_it_was_started_in(two_caches) -> None:
    a, b = two_caches
    seen: dict[str, object] = {}

    def probe(name: str) -> None:
        try:
            seen[name] = current_cache()
        except NoActiveCache as exc:
            seen[name] = exc

    with use_cache(b):
        carried = threading.Thread(target=contextvars.copy_context().run, args=(probe, "b"))
        bare = threading.Thread(target=probe, args=("bare",))  # a fresh, empty context
    carried.start()
    bare.start()
    carried.join()
    bare.join()
    assert seen["b"] is b
    assert isinstance(seen["bare"], NoActiveCache)
    assert a is not b


def test_a_bound_service_writes_its_own_cache_from_any_context(two_caches) -> None:
    a, b = two_caches
    phrases_a = bound(PhraseService("a"), a)
    with use_cache(b):
        phrases_a.add("只进甲的缓存")
        assert [p.text for p in phrases_a.list()][-1] == "只进甲的缓存"
    assert "a" in _owners(a) and _owners(b) == set()

    class Rows:
        def each(self) -> Iterator[str]:  # a generator: every step runs on its cache
            for phrase in Phrase.select().order_by(Phrase.id):
                yield phrase.user_id

    with use_cache(b):
        Phrase.create(user_id="b", text="乙")
        steps = bound(Rows(), a).each()
    assert set(steps) == {"a"}


def test_a_row_read_from_one_cache_cannot_be_saved_into_another(two_caches) -> None:
    a, b = two_caches
    with use_cache(a):
        Phrase.create(user_id="a", text="甲")
        row = Phrase.get()
    with use_cache(b), pytest.raises(CrossCacheWrite):
        row.save()
    with use_cache(b), pytest.raises(CrossCacheWrite):
        row.delete_instance()
    with use_cache(a):
        row.text = "甲（改）"
        row.save()  # back where it came from: fine
        assert Phrase.get().text == "甲（改）"
    with use_cache(b):
        Phrase.create(user_id="b", text="乙")  # a new row goes where it is made
    assert _owners(b) == {"b"}
