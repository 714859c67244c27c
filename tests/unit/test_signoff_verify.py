"""Sign-off writes opinion + outbox op atomically; verification verdicts offline."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import peewee
import pytest
from cachekit import T0, directory_changes, document, key, task, up

from client.blobstore import BlobStore
from client.errors import ConflictError, GovDeskError
from client.models import LocalOpinion, Opinion, OpinionDraft, OutboxOp, Task
from client.services import outbox
from client.services.documents import DocumentService
from client.services.inbox import InboxService
from client.services.signoff import SignoffService, allowed_decisions
from client.sync import apply
from client.types import InboxView, Verdict
from protocol.signing import Signer, generate_keypair

PNG = b"\x89PNG\r\n\x1a\n" + b"handwriting-strokes" * 10


@pytest.fixture
def blobs(tmp_path: Path, cache_key: bytes, cache: peewee.Database) -> BlobStore:
    return BlobStore(tmp_path / "blobs", cache_key)


@pytest.fixture
def signer(cache: peewee.Database) -> Signer:
    kp = generate_keypair("ed25519")
    apply.apply_page([*directory_changes(), up("key", key(kp.key_id, "zhangjianguo",
                                                          kp.public_b64))], cursor="k1")
    return Signer.from_keypair(kp, "zhangjianguo")


@pytest.fixture
def workflow(cache: peewee.Database, signer: Signer) -> None:
    apply.apply_page([up("document", document("d1", "关于财政资金管理的通知",
                                              urgency="very_urgent")),
                      up("task", task("t1", "d1", "zhangjianguo", kind="instruct")),
                      up("task", task("t2", "d1", "lihua", kind="instruct")),
                      up("document", document("d2", "关于秋季防火的通知")),
                      up("task", task("t3", "d2", "zhangjianguo", kind="read"))], cursor="c1")


def test_allowed_decisions_follow_the_contract() -> None:
    assert allowed_decisions("propose") == ("approve", "return", "forward")
    assert allowed_decisions("countersign") == ("approve", "return")
    assert allowed_decisions("handle") == ("done", "return", "forward")
    assert allowed_decisions("read") == ("read",)


def test_signoff_is_atomic_and_leaves_todo(workflow: None, signer: Signer,
                                           blobs: BlobStore) -> None:
    inbox = InboxService("zhangjianguo")
    svc = SignoffService("zhangjianguo", blobs)
    assert [r.task_id for r in inbox.page(InboxView.TODO).rows] == ["t1"]
    svc.save_draft("t1", text="草稿：同意")
    result = svc.complete_task("t1", decision="approve", text="同意，请财政局办理。",
                               forward_to=["chenming"], handwriting_png=PNG, signer=signer,
                               now=T0 + timedelta(hours=1))
    assert inbox.page(InboxView.TODO).rows == []
    done = inbox.page(InboxView.DONE).rows
    assert [(r.task_id, r.local_state) for r in done] == [("t1", "pending_sync")]
    op = OutboxOp.get(OutboxOp.op_id == result.op_id)
    assert op.type == "task.complete" and op.state == "queued"
    assert op.data["text"] == "同意，请财政局办理。" and op.data["forward_to"] == ["chenming"]
    assert op.data["document_digest"] == document("d1", "关于财政资金管理的通知",
                                                   urgency="very_urgent")["digest"]
    assert op.blobs_first == [result.handwriting_sha256]
    assert blobs.pending_uploads() == [result.handwriting_sha256]
    assert blobs.open_bytes(result.handwriting_sha256) == PNG
    assert LocalOpinion.get(LocalOpinion.op_id == result.op_id).state == "pending_sync"
    assert OpinionDraft.select().count() == 0
    # What the document pane shows verifies against our own registered key.
    detail = DocumentService("zhangjianguo", blobs).get("d1")
    [mine] = detail.opinions
    assert mine.local_state == "pending_sync" and mine.verdict == Verdict.VALID
    assert mine.forward_to_names == ["陈明"]
    # Signing twice is refused.
    with pytest.raises(ConflictError):
        svc.complete_task("t1", decision="approve", text="再次", forward_to=["chenming"],
                          signer=signer, now=T0)


def test_signoff_failure_writes_nothing(workflow: None, signer: Signer, blobs: BlobStore,
                                        cache: peewee.Database) -> None:
    svc = SignoffService("zhangjianguo", blobs)
    cache.execute_sql("CREATE TRIGGER boom BEFORE INSERT ON local_opinion "
                      "BEGIN SELECT RAISE(ABORT, 'disk trouble'); END")
    with pytest.raises(peewee.IntegrityError):
        svc.complete_task("t1", decision="approve", text="同意。", signer=signer, now=T0)
    assert OutboxOp.select().count() == 0
    assert Task.get(Task.id == "t1").local_state == ""
    assert [r.task_id for r in InboxService("zhangjianguo").page(InboxView.TODO).rows] == ["t1"]


@pytest.mark.parametrize("task_id,decision,forward,code", [
    ("t1", "done", [], "task.decision_not_allowed"),
    ("t1", "forward", [], "task.forward_required"),
    ("t2", "approve", [], "task.not_assignee"),
    ("t1", "forward", ["nobody"], "user.unknown"),
    ("t1", "forward", ["zhangjianguo"], "task.forward_to_self"),
    ("t3", "read", ["chenming"], "task.decision_not_allowed"),
    ("t-missing", "approve", [], "task.not_found"),
])
def test_signoff_refusals(workflow: None, signer: Signer, blobs: BlobStore, task_id: str,
                          decision: str, forward: list[str], code: str) -> None:
    with pytest.raises(GovDeskError) as err:
        SignoffService("zhangjianguo", blobs).complete_task(
            task_id, decision=decision, text="x", forward_to=forward, signer=signer, now=T0)
    assert err.value.code == code
    assert OutboxOp.select().count() == 0


def test_conflict_keeps_text_and_redo_on_new_task(workflow: None, signer: Signer,
                                                  blobs: BlobStore) -> None:
    svc = SignoffService("zhangjianguo", blobs)
    first = svc.complete_task("t1", decision="approve", text="同意，请抓紧办理。",
                              signer=signer, now=T0)
    outbox.record_results([{"op_id": first.op_id, "status": "conflict",
                            "code": "task.not_pending", "detail": "task was re-routed"}])
    assert outbox.counts().conflict == 1
    [problem] = outbox.problems()
    assert problem.result_code == "task.not_pending"
    assert LocalOpinion.get(LocalOpinion.op_id == first.op_id).text == "同意，请抓紧办理。"
    # The platform cancelled t1 and gave a new task t9.
    apply.apply_page([up("task", task("t1", "d1", "zhangjianguo", status="cancelled", version=2)),
                      up("task", task("t9", "d1", "zhangjianguo"))], cursor="c2")
    again = svc.redo(first.op_id, signer=signer, now=T0 + timedelta(minutes=5))
    assert again.task_id == "t9"
    assert OutboxOp.get(OutboxOp.op_id == again.op_id).data["text"] == "同意，请抓紧办理。"
    assert LocalOpinion.get(LocalOpinion.op_id == first.op_id).state == "redone"
    assert outbox.counts().problems == 0


def test_rejected_signoff_returns_to_todo_and_can_be_discarded(
        workflow: None, signer: Signer, blobs: BlobStore) -> None:
    svc = SignoffService("zhangjianguo", blobs)
    r = svc.complete_task("t1", decision="approve", text="同意。", signer=signer, now=T0)
    outbox.record_results([{"op_id": r.op_id, "status": "rejected",
                            "code": "signature.key_revoked", "detail": None}])
    rows = InboxService("zhangjianguo").page(InboxView.TODO).rows
    assert [(x.task_id, x.local_state) for x in rows] == [("t1", "rejected")]
    svc.discard(r.op_id, now=T0)
    assert Task.get(Task.id == "t1").local_state == ""
    assert outbox.counts().problems == 0


def test_applied_result_then_pull_confirms(workflow: None, signer: Signer,
                                           blobs: BlobStore) -> None:
    svc = SignoffService("zhangjianguo", blobs)
    r = svc.complete_task("t1", decision="approve", text="同意。", signer=signer, now=T0)
    outbox.record_results([{"op_id": r.op_id, "status": "applied", "seq": 10}])
    assert LocalOpinion.get(LocalOpinion.op_id == r.op_id).state == "done"
    apply.apply_page([up("task", task("t1", "d1", "zhangjianguo", status="done", version=2))],
                     cursor="c3")
    t = Task.get(Task.id == "t1")
    assert t.local_state == "" and t.status == "done"
    assert [x.task_id for x in InboxService("zhangjianguo").page(InboxView.DONE).rows] == ["t1"]


# --- verification --------------------------------------------------------------------------

def _platform_opinion(signer: Signer, doc: dict, *, text: str = "同意。",
                      signed_at: str = "2005-10-19T10:00:00+08:00", author: str = "zhangjianguo",
                      oid: str = "o1") -> dict:
    from protocol.canonical import document_digest, signoff_message

    msg = signoff_message(task_id="t1", document_id=doc["id"],
                          document_digest=document_digest(doc), decision="approve", text=text,
                          handwriting_sha256=None, forward_to=[], signer_id=author,
                          signed_at=signed_at)
    return {"id": oid, "version": 1, "updated_at": signed_at, "task_id": "t1",
            "document_id": doc["id"], "author_id": author, "decision": "approve",
            "text": text, "handwriting": None, "forward_to": [], "signed_at": signed_at,
            "signature": signer.sign(msg)}


def _verdicts(blobs: BlobStore) -> dict[str, Verdict | None]:
    return {o.id: o.verdict for o in DocumentService("zhangjianguo", blobs).get("d1").opinions}


def test_verdicts(workflow: None, signer: Signer, blobs: BlobStore) -> None:
    doc = document("d1", "关于财政资金管理的通知", urgency="very_urgent")
    good = _platform_opinion(signer, doc, oid="o-good")
    tampered = _platform_opinion(signer, doc, oid="o-tampered") | {"text": "不同意。"}
    other = generate_keypair("ed25519")
    unknown = _platform_opinion(Signer.from_keypair(other, "zhangjianguo"), doc, oid="o-unknown")
    # Signed by lihua's key but claimed as zhangjianguo's: the key is not the author's.
    li = generate_keypair("ed25519")
    apply.apply_page([up("key", key(li.key_id, "lihua", li.public_b64))], cursor="k2")
    impostor = _platform_opinion(Signer.from_keypair(li, "lihua"), doc, oid="o-impostor")
    apply.apply_page([up("opinion", o) for o in (good, tampered, unknown, impostor)],
                     cursor="c2")
    assert _verdicts(blobs) == {"o-good": Verdict.VALID, "o-tampered": Verdict.INVALID,
                                "o-unknown": Verdict.UNKNOWN_KEY,
                                "o-impostor": Verdict.INVALID}


def test_document_changed_after_signing_is_invalid(workflow: None, signer: Signer,
                                                   blobs: BlobStore) -> None:
    doc = document("d1", "关于财政资金管理的通知", urgency="very_urgent")
    apply.apply_page([up("opinion", _platform_opinion(signer, doc))], cursor="c2")
    assert _verdicts(blobs) == {"o1": Verdict.VALID}
    changed = document("d1", "关于财政资金管理的通知（修订）", urgency="very_urgent", version=2)
    apply.apply_page([up("document", changed)], cursor="c3")
    assert _verdicts(blobs) == {"o1": Verdict.INVALID}


def test_revocation_only_affects_later_signatures(workflow: None, signer: Signer,
                                                  blobs: BlobStore) -> None:
    doc = document("d1", "关于财政资金管理的通知", urgency="very_urgent")
    before = _platform_opinion(signer, doc, oid="o-before",
                               signed_at="2005-10-19T10:00:00+08:00")
    after = _platform_opinion(signer, doc, oid="o-after", signed_at="2005-10-21T10:00:00+08:00")
    from client.models import SigningKey

    k = SigningKey.get(SigningKey.id == signer.key_id)
    revoked = key(signer.key_id, "zhangjianguo", k.public_key, version=2,
                  revoked_at=T0 + timedelta(days=1))
    apply.apply_page([up("key", revoked), up("opinion", before), up("opinion", after)],
                     cursor="c2")
    assert _verdicts(blobs) == {"o-before": Verdict.VALID, "o-after": Verdict.REVOKED_AFTER}
    assert Opinion.select().count() == 2


def test_revocation_in_the_same_second_as_signing_is_ordered_by_fractions() -> None:
    """An opinion signed at 09:30:00 stays valid when its key is revoked at 09:30:00.400."""
    from client.models import to_epoch_precise
    from client.services.verify import KeyRecord, Verdict, verdict_with_key
    from protocol.canonical import signoff_message
    from protocol.signing import Signer, generate_keypair

    pair = generate_keypair("ed25519")
    fields = {"task_id": "t-1", "document_id": "d-1", "document_digest": "ab" * 32,
              "decision": "approve", "text": "同意。", "handwriting_sha256": None,
              "forward_to": [], "signer_id": "u-1", "signed_at": "2026-11-23T09:30:00+08:00"}
    signature = Signer.from_keypair(pair, "u-1").sign(signoff_message(**fields))

    def verdict(revoked_at: str) -> Verdict:
        key = KeyRecord("u-1", pair.public_b64, to_epoch_precise(revoked_at))
        return verdict_with_key(task_id="t-1", document_id="d-1", author_id="u-1",
                                decision="approve", text="同意。", handwriting_sha256=None,
                                forward_to=[], signed_at=fields["signed_at"],
                                signature=signature, digest="ab" * 32, key=key)

    assert verdict("2026-11-23T09:30:00.400+08:00") is Verdict.VALID
    assert verdict("2026-11-23T09:29:59.999+08:00") is Verdict.REVOKED_AFTER
