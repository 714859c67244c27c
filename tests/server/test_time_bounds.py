"""Issue 13, findings 5 and 12, against a real platform: the signer's time is a claim
the platform bounds; receipt times cannot lie outside publication and acceptance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from server.embedded import EmbeddedPlatform
from tests.server.workflow_helpers import Api, County, make_county, register, sign_in


@pytest.fixture(scope="module")
def people(live: EmbeddedPlatform) -> tuple[dict[str, Api], County]:
    county = make_county(live.db_url, only=["clerk", "proposer", "mayor", "publisher",
                                            "town_a"])
    return sign_in(live.base_url, county, keys=("proposer",)), county


@pytest.mark.parametrize("signed_at", ["1999-01-01T09:00:00+08:00",
                                       "2099-12-31T09:00:00+08:00"])
def test_signature_dates_outside_what_the_platform_knows_are_refused(
        people, signed_at: str) -> None:  # noqa: ANN001
    p, county = people
    doc_id = register(p["clerk"], county)["id"]
    p["proposer"].pull()
    task = p["proposer"].my_pending(doc_id)
    data = p["proposer"].signoff_data(task, "approve", forward_to=[county.ids["mayor"]],
                                      signed_at=signed_at)
    result = p["proposer"].op("task.complete", data)
    assert (result["status"], result["code"]) == ("rejected", "signature.time_out_of_range")
    # Signed now (or while offline since the task arrived) it applies.
    data = p["proposer"].signoff_data(task, "approve", forward_to=[county.ids["mayor"]])
    assert p["proposer"].op("task.complete", data)["status"] == "applied"


def test_an_ack_cannot_be_dated_before_publication_or_after_acceptance(people) -> None:  # noqa: ANN001
    p, county = people
    data = {"client_ref": "tb-1", "title": "时间测试", "body": "……",
            "audience_unit_ids": [county.units["town_a"]], "requires_ack": True,
            "urgent": False, "expires_at": None, "attachments": []}
    assert p["publisher"].op("notice.publish", data)["status"] == "applied"
    p["town_a"].pull()
    (notice,) = [n for n in p["town_a"].objects("notice") if n["title"] == "时间测试"]
    published = datetime.fromisoformat(notice["published_at"])
    before = datetime.now(UTC)
    r = p["town_a"].op("notice.ack", {"notice_id": notice["id"],
                                       "at": "2001-01-01T10:00:00+08:00"})
    assert r["status"] == "applied"
    r = p["town_a"].op("notice.mark_read", {"notice_id": notice["id"],
                                             "at": "2099-01-01T10:00:00+08:00"})
    assert r["status"] == "applied"
    report = p["publisher"].get(f"/api/v1/admin/notices/{notice['id']}/receipts").json()
    times = [datetime.fromisoformat(v) for v in _times(report)]
    assert times, report
    for t in times:
        assert published - timedelta(seconds=1) <= t <= datetime.now(UTC) + timedelta(seconds=5)
    assert any(t >= before - timedelta(seconds=5) for t in times)


def _times(report: object) -> list[str]:
    """Every `…at` value in the receipt report (whatever its layout)."""
    out: list[str] = []
    if isinstance(report, dict):
        for k, v in report.items():
            if isinstance(v, str) and k.endswith("_at") and k not in ("published_at",
                                                                      "expires_at") or k == "at" and isinstance(v, str):
                out.append(v)
            else:
                out += _times(v)
    elif isinstance(report, list):
        for v in report:
            out += _times(v)
    return out
