"""Conflicts in words, end to end (issue 12, deliverable 4): a sign-off queued offline
meets a re-route by the registry; the platform's answer names who moved the step, when,
and who holds it now, and the client keeps that with the problem; the user sends the kept
text as a note (留言), which reaches the new holder's cache and alerts them once."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import requests
from synckit import login, pending_tasks, raw_session, sign

from client import models
from client.services import outbox
from client.types import OpState


def test_queued_signoff_meets_a_reroute_and_is_sent_on_as_a_note(fresh_platform: Any) -> None:
    platform = fresh_platform
    leader = login(platform, "zhangjianguo")
    try:
        task = pending_tasks(leader, "instruct")[0]
        users = {u.username: u for u in models.User.select()}
        lihua, wangli = users["lihua"], users["wangli"]
        typed = "同意。请水务局牵头，十日内报送防汛物资清单。"
        op_id = sign(leader, task, typed)  # queued: not sent yet
        before = datetime.now().astimezone() - timedelta(seconds=5)
        r = requests.post(f"{platform.base_url}/api/v1/ops", timeout=30,
                          headers=raw_session(platform, "wangli"), json={"ops": [{
                              "op_id": f"reroute-{op_id}", "type": "task.reroute",
                              "data": {"task_id": task.id, "assignee_id": lihua.id,
                                       "reason": "张市长外出，改请李副市长批示"}}]})
        assert r.json()["results"][0]["status"] == "applied", r.text

        assert leader.sync().pushed == {"conflict": 1}
        problem = outbox.get(op_id)
        assert problem is not None and problem.state == OpState.CONFLICT
        ctx = problem.result_context or {}
        assert (ctx["action"], ctx["by"], ctx["by_name"]) == ("rerouted", wangli.id, "王丽")
        assert (ctx["holder_id"], ctx["holder_name"]) == (lihua.id, "李华")
        assert ctx["task_kind"] == "instruct" and ctx["document_id"] == task.document_id
        assert before <= datetime.fromisoformat(ctx["at"]) <= datetime.now().astimezone()
        assert [p.result_context for p in outbox.problems()] == [ctx]

        # 发送给当前办理人: the kept text, edited a little, queued; the problem dismissed.
        assert leader.services is not None
        notes = leader.services.notes
        text = f"李副市长：我原拟的批示未被记录，供参考——{typed}"
        sent = notes.send(ctx["document_id"], ctx["holder_id"], text, about_op_id=op_id,
                          dismiss=True)
        assert outbox.problems() == []
        (waiting,) = notes.for_document(task.document_id)
        assert waiting.pending and waiting.to_name == "李华" and waiting.text == text
        assert leader.sync().pushed == {"applied": 1}
        assert outbox.get(sent.op_id).state == OpState.DONE
        (mine,) = notes.for_document(task.document_id)
        assert (mine.id, mine.pending, mine.from_name) == (sent.note_id, False, "张建国")
    finally:
        leader.close()

    holder = login(platform, "lihua")
    try:
        note = models.Note.get_by_id(sent.note_id)
        assert (note.from_id, note.to_id, note.text) == (users["zhangjianguo"].id, lihua.id,
                                                          text)
        assert holder.services is not None
        (alert,) = holder.services.notes.to_announce()
        assert (alert.from_name, alert.text, alert.document_id) == ("张建国", text,
                                                                    task.document_id)
        holder.services.notes.mark_announced([alert.id])
        assert holder.services.notes.to_announce() == []  # once
        assert [n.text for n in holder.services.notes.for_document(task.document_id)] == [text]
    finally:
        holder.close()
