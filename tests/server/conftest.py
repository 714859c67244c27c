"""Fixtures for the platform core tests: a database per backend, an app, users."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

from tests.support.postgres import fresh_pg_database

if TYPE_CHECKING:
    from server.embedded import EmbeddedPlatform

PASSWORD = "Secret#2005"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty platform database URL on each backend (PostgreSQL: a fresh database)."""
    if request.param == "sqlite":
        yield "sqlite:///" + str(tmp_path / "platform.db")
    else:
        server_url = request.getfixturevalue("pg_url")
        with fresh_pg_database(server_url) as url:
            yield url
    from server.db import close_database

    close_database()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return "sqlite:///" + str(tmp_path / "platform.db")


@dataclass
class Accounts:
    """Two ordinary users and a disabled one, all with PASSWORD."""

    unit_id: str
    alice: str
    bob: str
    carol: str


def make_accounts() -> Accounts:
    from server import directory

    unit = directory.create_unit("市财政局", "bureau", unit_id="czj")
    alice = directory.create_user("alice", PASSWORD, "陈明", unit.id, ["staff"], "局长",
                                  user_id="u-alice")
    bob = directory.create_user("bob", PASSWORD, "周强", unit.id, ["staff"], "科员",
                                user_id="u-bob")
    carol = directory.create_user("carol", PASSWORD, "赵欣", unit.id, ["publisher"], "科长",
                                  user_id="u-carol")
    directory.deactivate_user(carol.id)
    return Accounts(unit.id, alice.id, bob.id, carol.id)


@pytest.fixture
def app_client(db_url: str) -> Iterator[TestClient]:
    """The app in-process on `db_url` (both backends)."""
    from server.app import create_app

    app = create_app(db_url)
    with TestClient(app) as client:
        yield client


@pytest.fixture
def accounts(app_client: TestClient) -> Accounts:
    return make_accounts()


def login(client: TestClient | object, username: str, password: str = PASSWORD,
          device_id: str = "dev-1") -> dict:
    r = client.post("/api/v1/auth/login", json={  # type: ignore[attr-defined]
        "username": username, "password": password, "device_id": device_id,
        "device_name": "测试机"})
    assert r.status_code == 200, r.text
    return r.json()


def bearer(tokens: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def assert_problem(response, status: int, code: str | None = None) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert set(body) >= {"type", "title", "status", "detail", "code"}
    assert body["status"] == status
    if code is not None:
        assert body["code"] == code, body
    return body


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live(request: pytest.FixtureRequest) -> Iterator[EmbeddedPlatform]:
    """A platform subprocess per backend, shared by a module's workflow-style tests (see
    workflow_helpers)."""
    from tests.server.workflow_helpers import running_platform

    with running_platform(request) as running:
        yield running
