"""Races on a real platform subprocess: many devices completing one task at once."""

from __future__ import annotations

import threading

import pytest
import requests

from server.embedded import EmbeddedPlatform
from tests.server.workflow_helpers import (
    TIMEOUT,
    Api,
    County,
    make_county,
    register,
    uid,
)

ATTEMPTS = 20


@pytest.fixture(scope="module")
def county(live: EmbeddedPlatform) -> County:
    return make_county(live.db_url, only=["clerk", "proposer", "mayor"])


def _race(base_url: str, token: str, bodies: list[dict]) -> list[dict]:
    """POST each body from its own thread and connection, all released together."""
    barrier = threading.Barrier(len(bodies))
    results: list[dict | BaseException] = [None] * len(bodies)  # type: ignore[list-item]

    def worker(i: int) -> None:
        with requests.Session() as http:  # a connection of its own
            http.headers["Authorization"] = token
            try:
                barrier.wait(timeout=30)
                r = http.post(f"{base_url}/api/v1/ops", json=bodies[i], timeout=TIMEOUT)
                r.raise_for_status()
                results[i] = r.json()["results"][0]
            except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
                results[i] = exc

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    errors = [r for r in results if not isinstance(r, dict)]
    assert not errors, errors
    return results  # type: ignore[return-value]


def test_twenty_devices_complete_one_task(live: EmbeddedPlatform, county: County) -> None:
    clerk = Api(live.base_url, county.users["clerk"])
    proposer = Api(live.base_url, county.users["proposer"])
    proposer.register_key()
    doc_id = register(clerk, county)["id"]
    proposer.pull()
    task = proposer.my_pending(doc_id)
    # Twenty properly signed sign-offs (different texts, so different ops), one per device.
    bodies = [
        {"ops": [{"op_id": uid(), "type": "task.complete", "data": proposer.signoff_data(
            task, "approve", text=f"拟请市长阅示（{i}）", forward_to=[county.ids["mayor"]])}]}
        for i in range(ATTEMPTS)
    ]
    results = _race(live.base_url, proposer.http.headers["Authorization"], bodies)
    statuses = sorted((r["status"], r["code"]) for r in results)
    assert statuses.count(("applied", None)) == 1, statuses
    assert statuses.count(("conflict", "task.not_pending")) == ATTEMPTS - 1, statuses

    from server.db import init_database
    from server.models import Opinion, Task

    init_database(live.db_url)
    assert Opinion.select().where(Opinion.task == task["id"]).count() == 1
    # Exactly one instruct task for the mayor, not one per attempt.
    assert Task.select().where(Task.document == doc_id, Task.kind == "instruct").count() == 1
    clerk.pull()
    (opinion,) = clerk.objects("opinion", document_id=doc_id)
    winner = next(r for r in results if r["status"] == "applied")
    winner_body = next(b for b in bodies if b["ops"][0]["op_id"] == winner["op_id"])
    assert opinion["text"] == winner_body["ops"][0]["data"]["text"]


def test_concurrent_reads_record_one_receipt(live: EmbeddedPlatform, county: County) -> None:
    clerk = Api(live.base_url, county.users["clerk"])
    doc_id = register(clerk, county)["id"]
    bodies = [{"ops": [{"op_id": uid(), "type": "document.mark_read",
                        "data": {"document_id": doc_id, "at": "2005-10-19T10:00:00+08:00"}}]}
              for _ in range(10)]
    results = _race(live.base_url, clerk.http.headers["Authorization"], bodies)
    assert {r["status"] for r in results} == {"applied"}
    clerk.pull()
    assert len(clerk.objects("receipt", document_id=doc_id)) == 1
