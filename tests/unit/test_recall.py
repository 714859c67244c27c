"""撤回 on the client (client.services.recall), on a real cache: a sign-off still queued
is withdrawn here (back to 待办, text kept as the draft, nothing posted even when a push
had already picked it); one that was or may have been sent gets a `task.recall` op; the
local rule says when it is too late; the platform's answers settle it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import peewee
import pytest
from cachekit import T0, directory_changes, document, key, rfc, task, up

from client.blobstore import BlobStore
from client.errors import ConflictError
from client.models import LocalOpinion, OutboxOp, Task
from client.services import outbox
from client.services.documents import DocumentService
from client.services.recall import RecallService
from client.services.signoff import SignoffService
from client.sync import apply
from client.sync.engine import SyncEngine, SyncReport
from client.types import OpState, RecallStage
from protocol import ops
from protocol.signing import Signer, generate_keypair

ME = "zhangjianguo"


@pytest.fixture
def signer(cache: peewee.Database) -> Signer:
    kp = generate_keypair("ed25519")
    apply.apply_page([*directory_changes(), up("key", key(kp.key_id, ME, kp.public_b64))],
                     cursor="k1")
    return Signer.from_keypair(kp, ME)


@pytest.fixture
def signoff(tmp_path: Path, cache_key: bytes, cache: peewee.Database) -> SignoffService:
    apply.apply_page([up("document", document("d1", "关于财政资金管理的通知")),
                      up("task", task("t1", "d1", ME, kind="instruct", stage=2))],
                     cursor="c1")
    return SignoffService(ME, BlobStore(tmp_path / "blobs", cache_key))


def _sign(svc: SignoffService, signer: Signer, text: str = "同意，请财政局办理。") -> str:
    return svc.complete_task("t1", decision="approve", text=text, forward_to=["chenming"],
                             signer=signer, now=T0).op_id


class _Api:
    """Records what would be posted."""

    def __init__(self) -> None:
        self.posted: list[dict[str, Any]] = []

    def post_ops(self, wire: list[dict[str, Any]]) -> list[Any]:
        self.posted.extend(wire)
        return []


def test_queued_signoff_is_withdrawn_and_its_text_kept(signoff: SignoffService,
                                                       signer: Signer) -> None:
    op_id = _sign(signoff, signer)
    recall = RecallService(ME)
    info = recall.info("d1")
    assert info is not None and info.stage is RecallStage.QUEUED and info.allowed
    out = recall.recall(op_id, now=T0)
    assert out.withdrawn and out.op_id is None and out.task_id == "t1"
    assert "t1" in out.changes.tasks and out.changes.outbox
    # Nothing is waiting to be sent; the task is back in 待办; what was typed is the draft.
    assert outbox.counts().queued == 0 and not outbox.due_ops(T0.timestamp() + 10)
    assert Task.get_by_id("t1").local_state == ""
    assert [t.id for t in signoff.my_pending_tasks_on("d1")] == ["t1"]
    draft = signoff.draft("t1")
    assert draft is not None and draft.text == "同意，请财政局办理。"
    assert draft.decision == "approve" and draft.forward_to == ["chenming"]
    assert LocalOpinion.get_by_id(op_id).state == "withdrawn"
    assert not DocumentService(ME).get("d1", verify_signatures=False).opinions
    assert recall.info("d1") is None
    with pytest.raises(ConflictError) as err:
        recall.recall(op_id, now=T0)
    assert err.value.code == "task.recall_nothing"


def test_withdrawn_while_a_push_had_picked_it_is_not_posted(signoff: SignoffService,
                                                            signer: Signer) -> None:
    op_id = _sign(signoff, signer)
    due = outbox.due_ops(T0.timestamp() + 10)     # the engine picked it …
    assert [d.op_id for d in due] == [op_id]
    assert RecallService(ME).recall(op_id, now=T0).withdrawn  # … the user recalls …
    api = _Api()
    SyncEngine(api)._send(due, SyncReport())       # … and the push goes on
    assert api.posted == []
    assert OutboxOp.get(OutboxOp.op_id == op_id).result_code == "user.withdrawn"


def test_once_marked_sent_a_recall_asks_the_platform(signoff: SignoffService,
                                                     signer: Signer) -> None:
    op_id = _sign(signoff, signer)
    assert outbox.mark_sent([op_id]) == [op_id]   # the push is posting it
    recall = RecallService(ME)
    assert recall.info("d1").stage is RecallStage.SIGNED
    out = recall.recall(op_id, now=T0)
    assert not out.withdrawn and out.op_id is not None
    # Both go to the platform, sign-off first; the task stays signed meanwhile.
    assert [(o.type, o.state) for o in outbox.due_ops(T0.timestamp() + 10)] == [
        (ops.TASK_COMPLETE, OpState.SENT), (ops.TASK_RECALL, OpState.QUEUED)]
    assert outbox.get(out.op_id).data == {"task_id": "t1", "op_id": op_id}
    assert Task.get_by_id("t1").local_state == "pending_sync"
    info = recall.info("d1")
    assert info.stage is RecallStage.REQUESTED and not info.allowed
    with pytest.raises(ConflictError) as err:
        recall.recall(op_id, now=T0)
    assert err.value.code == "task.recall_already"


def test_a_failed_attempt_counts_as_maybe_sent(signoff: SignoffService, signer: Signer) -> None:
    """An attempt whose answer was lost may have been applied: never withdrawn then."""
    op_id = _sign(signoff, signer)
    outbox.mark_sent([op_id])
    outbox.record_failure([op_id], error="server.error: 502", now=T0.timestamp())
    assert OutboxOp.get(OutboxOp.op_id == op_id).state == OpState.QUEUED.value
    out = RecallService(ME).recall(op_id, now=T0)
    assert not out.withdrawn and out.op_id is not None
    assert OutboxOp.get(OutboxOp.op_id == op_id).state == OpState.QUEUED.value


def _pulled(op_id: str, *, next_status: str = "pending", cursor: str) -> None:
    """The platform's view after the sign-off: t1 done, its opinion, the next step."""
    opinion = {"id": "o1", "version": 1, "updated_at": rfc(T0), "task_id": "t1",
               "document_id": "d1", "author_id": ME, "decision": "approve",
               "text": "同意，请财政局办理。", "forward_to": ["chenming"],
               "signed_at": rfc(T0), "signature": None, "op_id": op_id, "recalled_at": None}
    apply.apply_page([
        up("task", task("t1", "d1", ME, status="done", version=2, stage=2)),
        up("opinion", opinion),
        up("task", task("t2", "d1", "chenming", kind="handle", status=next_status, stage=3,
                        origin_opinion_id="o1")),
    ], cursor=cursor)


def test_recall_of_a_pulled_signoff_and_the_platforms_answers(signoff: SignoffService,
                                                              signer: Signer) -> None:
    op_id = _sign(signoff, signer)
    outbox.mark_sent([op_id])
    outbox.record_results([{"op_id": op_id, "status": "applied"}])
    _pulled(op_id, cursor="c2")
    recall = RecallService(ME)
    info = recall.info("d1")
    assert info.stage is RecallStage.SIGNED and info.allowed
    out = recall.recall(op_id, now=T0)
    # Refused: it stays signed, the reason is kept, the opinion is still shown as signed.
    outbox.record_results([{"op_id": out.op_id, "status": "conflict",
                            "code": "task.recall_too_late"}])
    info = recall.info("d1")
    assert info.stage is RecallStage.REFUSED and info.reason == "task.recall_too_late"
    (shown,) = DocumentService(ME).get("d1", verify_signatures=False).opinions
    assert not shown.recalled and shown.text == "同意，请财政局办理。"
    # Asked again and applied: the text comes back as the draft; the pull reopens the task.
    again = recall.recall(op_id, now=T0)
    assert not outbox.problems()  # the refused recall was asked again: not a problem now
    recorded = outbox.record_results([{"op_id": again.op_id, "status": "applied"}])
    assert "d1" in recorded.changes.documents and "t1" in recorded.changes.tasks
    assert signoff.draft("t1").text == "同意，请财政局办理。"
    apply.apply_page([up("task", task("t1", "d1", ME, status="pending", version=3, stage=2)),
                      up("task", task("t2", "d1", "chenming", kind="handle", status="cancelled",
                                      stage=3, origin_opinion_id="o1", version=2))],
                     cursor="c3")
    assert [t.id for t in signoff.my_pending_tasks_on("d1")] == ["t1"]


def test_too_late_by_local_knowledge(signoff: SignoffService, signer: Signer) -> None:
    op_id = _sign(signoff, signer)
    outbox.mark_sent([op_id])
    outbox.record_results([{"op_id": op_id, "status": "applied"}])
    _pulled(op_id, next_status="done", cursor="c2")
    recall = RecallService(ME)
    info = recall.info("d1")
    assert not info.allowed and info.reason == "task.recall_too_late"
    with pytest.raises(ConflictError) as err:
        recall.recall(op_id, now=T0)
    assert err.value.code == "task.recall_too_late"
    assert outbox.counts().queued == 0
