"""编号 (发文字号) under concurrency on both backends: twenty clerks' devices number twenty
signed documents at the same moment, and the series has neither a gap nor a duplicate;
a cancelled document's number stays spent, recorded as a gap with its reason."""

from __future__ import annotations

import pytest

from server.embedded import EmbeddedPlatform
from tests.server.outgoing_helpers import (
    SIGNED_AT,
    ExchangeCounty,
    applied,
    do_step,
    make_exchange_county,
    submit_data,
)
from tests.server.test_concurrency import _race
from tests.server.workflow_helpers import Api, uid

ATTEMPTS = 20


@pytest.fixture(scope="module")
def county(live: EmbeddedPlatform) -> ExchangeCounty:
    return make_exchange_county(live.db_url, towns=2)


def _signed(c: ExchangeCounty, drafter: Api, mayor: Api, title: str) -> str:
    data = submit_data(c, title=title, reviewer=None, series="富政办函")
    applied(drafter.op("outgoing.submit", data))
    applied(do_step(mayor, data["outgoing_id"], "approve", text="同意印发"))
    return str(data["outgoing_id"])


def test_twenty_concurrent_numberings(live: EmbeddedPlatform, county: ExchangeCounty) -> None:
    c = county
    drafter = Api(live.base_url, c.users["drafter"])
    mayor = Api(live.base_url, c.users["mayor"])
    mayor.register_key()
    clerk = Api(live.base_url, c.users["clerk"])
    ids = [_signed(c, drafter, mayor, f"关于事项{i}的函") for i in range(ATTEMPTS)]
    bodies = [{"ops": [{"op_id": uid(), "type": "outgoing.number",
                        "data": {"outgoing_id": out_id}}]} for out_id in ids]
    results = _race(live.base_url, clerk.http.headers["Authorization"], bodies)
    assert [r["status"] for r in results] == ["applied"] * ATTEMPTS, results

    clerk.pull()
    year = int(SIGNED_AT[:4])  # the year of the 成文日期
    numbers = sorted(int(clerk.state[("outgoing", i)]["doc_number"].split("〕")[1][:-1])
                     for i in ids)
    assert numbers == list(range(1, ATTEMPTS + 1))
    (series,) = clerk.objects("doc_series", prefix="富政办函")
    assert (series["year"], series["last_number"], series["gaps"]) == (year, ATTEMPTS, [])

    # Cancel the 7th: its number becomes a gap, never given again.
    seventh = next(i for i in ids
                   if clerk.state[("outgoing", i)]["doc_number"] == f"富政办函〔{year}〕7号")
    assert clerk.op("outgoing.cancel", {"outgoing_id": seventh, "reason": ""})["code"] == (
        "opinion.reason_required")
    applied(clerk.op("outgoing.cancel", {"outgoing_id": seventh, "reason": "内容有误，重新拟文"}))
    # The drafter may no longer cancel once it is signed; nobody numbers a cancelled one.
    assert drafter.op("outgoing.cancel", {"outgoing_id": ids[0], "reason": "撤回"})["code"] == (
        "outgoing.wrong_status")
    assert clerk.op("outgoing.number", {"outgoing_id": seventh})["code"] == (
        "outgoing.wrong_status")
    nxt = _signed(c, drafter, mayor, "关于补发事项的函")
    applied(clerk.op("outgoing.number", {"outgoing_id": nxt}))
    clerk.pull()
    assert clerk.state[("outgoing", nxt)]["doc_number"] == f"富政办函〔{year}〕{ATTEMPTS + 1}号"
    (series,) = clerk.objects("doc_series", prefix="富政办函")
    assert series["last_number"] == ATTEMPTS + 1
    [gap] = series["gaps"]
    assert (gap["number"], gap["reason"], gap["by"]) == (7, "内容有误，重新拟文", clerk.id)
    # The series is the clerks' alone.
    drafter.pull()
    assert not drafter.objects("doc_series")
    # A series the unit does not have is refused; 用印 needs 编号 first.
    other = _signed(c, drafter, mayor, "关于另一事项的函")
    assert clerk.op("outgoing.number", {"outgoing_id": other, "series": "富政发"})["code"] == (
        "series.unknown")
    assert clerk.op("outgoing.seal", {"outgoing_id": other})["code"] == "outgoing.wrong_status"
