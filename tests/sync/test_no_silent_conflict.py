"""No silent conflict, no sign-out by packet loss (issue 12 item 4), under a fault proxy.

A real platform process, a real client profile talking to it through
tests/support/faultproxy.py, which loses answers after the platform has applied the
request, answers 502 pages, and resets connections.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from synckit import PASSWORD, pending_tasks, platform_db, raw_session, sign

from client import messages, models
from client.errors import NetworkError
from client.services import outbox
from client.session import Profile
from client.types import OpState
from tests.support.faultproxy import FaultProxy

OPS = "/api/v1/ops"


@pytest.fixture
def proxy(fresh_platform: Any) -> Iterator[FaultProxy]:
    with FaultProxy(fresh_platform.port) as p:
        yield p


def _reroute(platform: Any, task_id: str, to: str = "u-lihua") -> None:
    r = requests.post(f"{platform.base_url}/api/v1/admin/tasks/{task_id}/reroute",
                      json={"assignee_id": to}, headers=raw_session(platform, "wangli"),
                      timeout=30)
    assert r.status_code == 200, r.text


def _opinions_on_platform(platform: Any, task_id: str) -> int:
    with platform_db(platform) as conn:
        return conn.execute("SELECT count(*) FROM opinion WHERE task_id = ?",
                            (task_id,)).fetchone()[0]


def test_a_conflict_whose_answers_are_lost_is_a_conflict_with_the_text_kept(
        fresh_platform: Any, proxy: FaultProxy) -> None:
    profile = Profile.login(proxy.base_url, "zhangjianguo", PASSWORD,
                            enrolment_code=fresh_platform.issue_enrolment_code("zhangjianguo"))
    try:
        profile.sync()
        task = pending_tasks(profile, "instruct")[0]
        typed = "同意。请水务局牵头，十日内报送防汛物资清单。"
        op_id = sign(profile, task, typed)
        _reroute(fresh_platform, task.id)          # the clerk re-routes the step meanwhile
        # The platform answers `conflict` twice; both answers are lost on the way back.
        proxy.plan("reset_after", method="POST", path=OPS, times=2)
        first = profile.sync()  # the pull still runs
        assert first.answers_lost == 1 and first.pushed == {}
        assert messages.render("network.answer_lost").startswith("已发送，尚未收到平台答复")
        lost = outbox.get(op_id)
        assert lost.state == OpState.SENT and lost.result_detail.startswith(
            "network.answer_lost: 已发送，尚未收到平台答复")
        # The next sync replays the op: `duplicate` of the conflict, which it is.
        report = profile.sync()
        assert report.pushed == {"conflict": 1}
        op = outbox.get(op_id)
        assert op.state == OpState.CONFLICT and op.result_code == "task.cancelled"
        assert [p.op_id for p in outbox.problems()] == [op_id]
        kept = profile.services.signoff.kept_opinion(op_id)
        assert kept.text == typed and kept.state == "conflict"
        assert _opinions_on_platform(fresh_platform, task.id) == 0
    finally:
        profile.close()


def test_a_502_after_the_platform_applied_is_not_resent_by_urllib3(
        fresh_platform: Any, proxy: FaultProxy) -> None:
    profile = Profile.login(proxy.base_url, "zhangjianguo", PASSWORD,
                            enrolment_code=fresh_platform.issue_enrolment_code("zhangjianguo"))
    try:
        profile.sync()
        task = pending_tasks(profile, "instruct")[0]
        op_id = sign(profile, task, "同意。")
        posts: list[str] = []
        proxy.on_request = lambda method, path: posts.append(path) if (
            method == "POST" and path.startswith(OPS)) else None
        proxy.plan("502", method="POST", path=OPS)
        report = profile.sync()
        # One POST answered by the gateway's 502 page, one replay decided by the engine
        # (answered `duplicate` of `applied`); urllib3 resent nothing by itself.
        assert len(posts) == 2
        assert report.pushed == {"duplicate": 1}
        assert outbox.get(op_id).state == OpState.DONE
        assert _opinions_on_platform(fresh_platform, task.id) == 1
        assert models.LocalOpinion.get(models.LocalOpinion.op_id == op_id).state == "done"
    finally:
        profile.close()


def test_lost_refresh_answers_and_a_long_outage_keep_the_session(
        fresh_platform: Any, proxy: FaultProxy) -> None:
    profile = Profile.login(proxy.base_url, "zhangjianguo", PASSWORD,
                            enrolment_code=fresh_platform.issue_enrolment_code("zhangjianguo"))
    try:
        profile.sync()
        for _ in range(2):  # two refresh answers lost in a row
            profile.api.set_access_token(None)  # the access token lapsed
            proxy.plan("reset_after", method="POST", path="/api/v1/auth/refresh")
            with pytest.raises(NetworkError):
                profile.sync()
        # A long outage: the platform has no time window for the old refresh token.
        with platform_db(fresh_platform) as conn:
            conn.execute("UPDATE used_refresh_token SET used_at = datetime('now', '-7 days')")
        profile.api.set_access_token(None)
        report = profile.sync()  # no sign-in needed
        assert report is not None
        r = requests.get(f"{fresh_platform.base_url}/api/v1/changes",
                         headers={"Authorization": f"Bearer {profile.api._access_token}"},
                         timeout=10)
        assert r.status_code == 200
    finally:
        profile.close()
