"""Two clerks of one town act on the same delivery at the same moment, on both backends:
exactly one 签收 (or the 拒收) wins, one 收文 exists with one 收文编号, and every other
attempt is told the delivery is no longer pending."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest

from server.embedded import EmbeddedPlatform
from tests.server.conftest import PASSWORD
from tests.server.outgoing_helpers import (
    ExchangeCounty,
    applied,
    issue,
    make_exchange_county,
    pending_step,
    step_data,
    submit_data,
)
from tests.server.workflow_helpers import Api

AT = "2026-03-03T08:10:00+08:00"
TOWNS = 4
RACERS = 3  # clerks of each town


@pytest.fixture(scope="module")
def county(live: EmbeddedPlatform) -> ExchangeCounty:
    from server import directory

    c = make_exchange_county(live.db_url, towns=TOWNS)
    for i in range(TOWNS):
        for k in range(1, RACERS):
            short = f"town{i}_clerk{k}"
            user = directory.create_user(f"{c.tag}_{short}", PASSWORD, f"文书{short}",
                                         c.towns[i], ["clerk"], "文书")
            c.users[short], c.ids[short] = user.username, user.id
    return c


def _issued(live: EmbeddedPlatform, c: ExchangeCounty) -> str:
    drafter, clerk = Api(live.base_url, c.users["drafter"]), Api(live.base_url, c.users["clerk"])
    reviewer, mayor = Api(live.base_url, c.users["reviewer"]), Api(live.base_url, c.users["mayor"])
    reviewer.register_key()
    mayor.register_key()
    data = submit_data(c, title="关于做好2026年春耕生产工作的通知")
    applied(drafter.op("outgoing.submit", data))
    step = pending_step(reviewer, data["outgoing_id"], "review")
    applied(reviewer.op("outgoing.step", step_data(reviewer, step, "approve", text="已核。")))
    step = pending_step(mayor, data["outgoing_id"], "sign")
    applied(mayor.op("outgoing.step", step_data(mayor, step, "approve", text="同意印发")))
    issue(clerk, data["outgoing_id"])
    return str(data["outgoing_id"])


def _race(calls: list[tuple[Api, str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Send each op from its own thread, all released at once."""
    barrier = threading.Barrier(len(calls))
    results: list[dict[str, Any]] = [{}] * len(calls)

    def one(i: int) -> None:
        api, op_type, data = calls[i]
        barrier.wait()
        results[i] = api.op(op_type, data)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_one_clerk_wins_each_delivery(live: EmbeddedPlatform, county: ExchangeCounty) -> None:
    c = county
    out_id = _issued(live, c)
    for i in range(TOWNS):
        clerks = [Api(live.base_url, c.users[f"town{i}_clerk" + (f"{k}" if k else "")])
                  for k in range(RACERS)]
        clerks[0].pull()
        (delivery,) = clerks[0].objects("delivery", outgoing_id=out_id)
        # Town 0 and 1: all 签收 at once; towns 2 and 3: one refuses while the others 签收.
        calls: list[tuple[Api, str, dict[str, Any]]] = []
        for k, api in enumerate(clerks):
            if i >= 2 and k == 0:
                calls.append((api, "delivery.refuse", {"delivery_id": delivery["id"],
                                                       "reason": "非我单位业务", "at": AT}))
            else:
                calls.append((api, "delivery.receive", {"delivery_id": delivery["id"],
                                                        "at": AT}))
        results = _race(calls)
        outcome = Counter((r["status"], r.get("code")) for r in results)
        assert outcome[("applied", None)] == 1, results
        assert outcome[("conflict", "delivery.not_pending")] == RACERS - 1, results
        winner = next(k for k, r in enumerate(results) if r["status"] == "applied")
        clerks[winner].pull()
        (seen,) = clerks[winner].objects("delivery", id=delivery["id"])
        documents = clerks[winner].objects("document", delivery_id=delivery["id"])
        if calls[winner][1] == "delivery.refuse":
            assert seen["status"] == "refused" and not documents
        else:
            assert seen["status"] == "received" and seen["received_by"] == clerks[winner].id
            assert len(documents) == 1 and documents[0]["registration_number"]
    # The sender's 回执: every town answered once.
    sender = Api(live.base_url, c.users["clerk"])
    sender.pull()
    statuses = Counter(d["status"] for d in sender.objects("delivery", outgoing_id=out_id))
    assert sum(statuses.values()) == TOWNS and statuses["pending"] == 0
