"""Throwaway PostgreSQL databases for tests (server URL from GOVDESK_TEST_PG_URL)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator


@contextlib.contextmanager
def fresh_pg_database(server_url: str) -> Iterator[str]:
    """Create an empty database on `server_url`, yield its URL, drop it afterwards."""
    import psycopg2

    name = "govdesk_test_" + uuid.uuid4().hex[:12]
    admin = psycopg2.connect(server_url)
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
        base, _, _ = server_url.rpartition("/")
        yield f"{base}/{name}"
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.close()
