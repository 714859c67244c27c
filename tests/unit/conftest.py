"""Fixtures for the cache tests: a real SQLCipher cache in a temporary folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from client.db import close_cache, open_cache
from client.sync import apply


@pytest.fixture
def cache_key() -> bytes:
    return os.urandom(32)


@pytest.fixture
def cache_path(tmp_path: Path) -> Path:
    return tmp_path / "profile" / "cache.db"


@pytest.fixture
def cache(cache_path: Path, cache_key: bytes) -> Iterator[Any]:
    db = open_cache(cache_path, cache_key)
    apply.set_identity(user_id="zhangjianguo")
    yield db
    close_cache(db)
