"""撤回 against the real platform: a sign-off withdrawn before it was sent never reaches
it; a sent one is recalled while the next step has not started (the handler loses the
step, the leader's task is back with the text as a draft, the opinion is kept marked
recalled); once the handler has signed, the platform answers task.recall_too_late and the
leader's PC keeps showing the signed opinion."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from synckit import login, now, pending_tasks, platform_db, platform_view, use_home

from client import models
from client.services import outbox
from client.session import Profile
from client.types import RecallStage

TEXT = "同意，请财政局陈明同志牵头办理。"


def _sign_to_handler(leader: Profile) -> tuple[models.Task, str, str]:
    """The leader's 批示: approve, to 陈明 to handle. Returns (task, op_id, handler id)."""
    assert leader.services is not None
    # One whose approval moves the document on now: not one that waits for a 会签 still
    # pending with another leader (task ids are random, so "the first" varies by build).
    task = next(t for t in pending_tasks(leader, "instruct")
                if not models.Task.select().where(
                    (models.Task.document_id == t.document_id) & (models.Task.id != t.id)
                    & (models.Task.status == "pending")).exists())
    handler = models.User.get(models.User.username == "chenming").id
    result = leader.services.signoff.complete_task(
        task.id, decision="approve", text=TEXT, forward_to=[handler],
        signer=leader.signer(), now=now())
    return task, result.op_id, handler


def _platform_task(platform, username: str, task_id: str) -> dict | None:  # noqa: ANN001
    return platform_view(platform, username).get(("task", task_id))


def test_recall_before_and_after_sending(fresh_platform) -> None:  # noqa: ANN001
    platform = fresh_platform
    leader = login(platform, "zhangjianguo")
    assert leader.services is not None
    recall = leader.services.recall

    # Never sent: withdrawn here; the next sync sends nothing of it.
    task, op_id, _ = _sign_to_handler(leader)
    assert recall.recall(op_id, now=now()).withdrawn
    leader.sync()
    with contextlib.closing(platform_db(platform)) as conn:  # no op of it was applied
        assert not conn.execute("SELECT 1 FROM applied_op WHERE op_id = ?", (op_id,)).fetchall()
    assert _platform_task(platform, "zhangjianguo", task.id)["status"] == "pending"
    assert not [o for (t, _), o in platform_view(platform, "zhangjianguo").items()
                if t == "opinion" and o["task_id"] == task.id]
    assert leader.services.signoff.draft(task.id).text == TEXT

    # Signed again and sent; then recalled on the platform before 陈明 has started.
    signed = leader.services.signoff.complete_task(
        task.id, decision="approve", text=TEXT,
        forward_to=[models.User.get(models.User.username == "chenming").id],
        signer=leader.signer(), now=now())
    leader.services.signoff.delete_draft(task.id)
    assert leader.sync().pushed.get("applied") == 1
    handler_view = platform_view(platform, "chenming")
    (step,) = [t for (k, _), t in handler_view.items() if k == "task"
               and t["document_id"] == task.document_id and t["status"] == "pending"]
    assert recall.info(task.document_id).stage is RecallStage.SIGNED
    out = recall.recall(signed.op_id, now=now())
    assert not out.withdrawn
    assert leader.sync().pushed == {"applied": 1}

    mine = models.Task.get_by_id(task.id)
    assert mine.status == "pending" and mine.local_state == ""
    assert [t.id for t in pending_tasks(leader, "instruct")].count(task.id) == 1
    assert leader.services.signoff.draft(task.id).text == TEXT
    detail = leader.services.documents.get(task.document_id)
    (opinion,) = [o for o in detail.opinions if o.task_id == task.id]
    assert opinion.recalled and opinion.text == TEXT and opinion.verdict.value == "valid"
    assert recall.info(task.document_id) is None
    # Everyone who still sees the document sees it recalled; 陈明's step is gone.
    clerk_view = platform_view(platform, "wangli")
    assert clerk_view[("opinion", opinion.id)]["recalled_at"]
    assert clerk_view[("task", step["id"])]["status"] == "cancelled"
    leader.close()


def test_recall_too_late_keeps_the_signed_opinion(fresh_platform, monkeypatch,
                                                  tmp_path: Path) -> None:  # noqa: ANN001
    platform = fresh_platform
    office = Path(os.environ["GOVDESK_HOME"])
    leader = login(platform, "zhangjianguo")
    task, op_id, _ = _sign_to_handler(leader)
    assert leader.sync().pushed.get("applied") == 1
    leader.close()

    # 陈明 handles it on his own PC.
    use_home(monkeypatch, tmp_path / "chenming-pc")
    handler = login(platform, "chenming")
    assert handler.services is not None
    (step,) = [t for t in pending_tasks(handler, "handle") if t.document_id == task.document_id]
    handler.services.signoff.complete_task(step.id, decision="done", text="已办结。",
                                           signer=handler.signer(), now=now())
    assert handler.sync().pushed.get("applied") == 1
    handler.close()

    # The leader, not yet synced, still thinks it possible: the platform decides.
    use_home(monkeypatch, office)
    leader = Profile.resume(platform.base_url, "zhangjianguo")
    assert leader.services is not None
    assert recall_allowed(leader, task.document_id)
    out = leader.services.recall.recall(op_id, now=now())
    report = leader.sync()
    assert report.pushed == {"conflict": 1}
    refused = outbox.get(out.op_id)
    assert refused.result_code == "task.recall_too_late"
    info = leader.services.recall.info(task.document_id)
    assert info.stage is RecallStage.REFUSED and info.reason == "task.recall_too_late"
    # Parity: with the pull's news, the client's own rule (check_recall) says so too.
    assert not info.allowed
    assert models.Task.get_by_id(task.id).status == "done"
    detail = leader.services.documents.get(task.document_id)
    (opinion,) = [o for o in detail.opinions if o.task_id == task.id]
    assert not opinion.recalled and opinion.text == TEXT
    leader.close()


def recall_allowed(profile: Profile, document_id: str) -> bool:
    assert profile.services is not None
    info = profile.services.recall.info(document_id)
    return info is not None and info.allowed
