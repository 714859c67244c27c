"""发文 on the client, against the contract: drafts saved as typed and submitted offline,
核稿 with edits as a new version (digest of exactly what was on screen), 签发 signed,
the clerk's 编号/用印/核发/撤销, and the 回执 per recipient unit."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import peewee
import pytest
from cachekit import T0, key, rfc, up
from outgoingkit import (
    BODY_V1,
    BODY_V2,
    BUREAUS,
    CLERK,
    DRAFTER,
    LEADER,
    OFFICE,
    OTHER_LEADER,
    REVIEWER,
    TOWNS,
    delivery,
    directory,
    outgoing,
    reviewing,
    series,
    signing,
    step,
)

from client.blobstore import BlobStore
from client.errors import ConflictError, GovDeskError
from client.models import Outgoing, OutgoingDraft, OutgoingStep
from client.services import outbox
from client.services.drafting import DraftingService
from client.services.outgoing import OutgoingService
from client.services.receipts import deliveries_for
from client.sync import apply
from client.types import OpState
from protocol import docbody, ops
from protocol.canonical import outgoing_digest, step_message
from protocol.signing import Signer, generate_keypair, verify_signature_object
from protocol.wire.outgoing import OutgoingStepData, OutgoingSubmitData

NOW = T0 + timedelta(hours=1)
YEAR = datetime.now().year  # numbering is by the current year
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20


@pytest.fixture
def blobs(tmp_path: Path, cache_key: bytes, cache: peewee.Database) -> BlobStore:
    return BlobStore(tmp_path / "blobs", cache_key)


@pytest.fixture
def filled(cache: peewee.Database) -> peewee.Database:
    apply.apply_page(directory(), cursor="d1")
    return cache


def _signer(user_id: str) -> Signer:
    kp = generate_keypair("ed25519")
    apply.apply_page([up("key", key(kp.key_id, user_id, kp.public_b64))], cursor="k")
    return Signer.from_keypair(kp, user_id)


def _last_op(op_type: str):  # noqa: ANN202
    return [o for o in outbox.due_ops(now=2e9) if o.type == op_type][-1]


def _settle(op_id: str, status: str = "applied", code: str | None = None) -> None:
    outbox.record_results([{"op_id": op_id, "status": status, "code": code}])


# --- drafting ------------------------------------------------------------------------------

def _fill(d: DraftingService, draft_id: str) -> None:
    choices = d.choices()
    towns = next(r for r in choices.recipients if r.name == "各镇人民政府")
    d.save(draft_id, fields={"title": "关于做好今冬明春森林防火工作的通知",
                             "main_recipients": [towns.wire()],
                             "signatory_id": LEADER, "reviewer_id": REVIEWER}, now=NOW)
    d.save(draft_id, body=BODY_V1, now=NOW)


def test_recipient_groups_come_from_unit_kinds_and_parents(filled: peewee.Database) -> None:
    choices = DraftingService(DRAFTER).choices()
    groups = {r.name: set(r.unit_ids) for r in choices.recipients if r.is_group}
    assert groups == {"各镇人民政府": set(TOWNS), "市政府各部门": set(BUREAUS)}
    names = [r.name for r in choices.recipients if not r.is_group]
    assert "长安镇" in names and "佳木斯市人民政府办公室" not in names  # external: no
    assert {p.id for p in choices.signatories} == {OTHER_LEADER, LEADER}
    assert [p.id for p in choices.reviewers] == [REVIEWER]
    assert choices.series == [("富政发", "市政府文件"), ("富政办发", "市政府办公室文件")]
    assert [p.id for p in choices.countersigners] == [OTHER_LEADER]  # other units' leaders


def test_a_draft_is_saved_as_typed_and_survives_a_restart(filled: peewee.Database) -> None:
    d = DraftingService(DRAFTER)
    draft = d.new_draft(now=NOW)
    assert draft.fields["series"] == "富政发" and draft.state == "draft"
    d.save(draft.id, fields={"title": "关于"}, body={"v": 1, "blocks": [
        {"kind": "h1", "text": "总体要求"}, {"kind": "p", "text": "半句"}]}, now=NOW)
    again = DraftingService(DRAFTER).get(draft.id)  # a new service: read from SQLite
    assert again.title == "关于" and again.body["blocks"][0] == {"kind": "h1",
                                                                "text": "总体要求"}
    assert [x.id for x in d.drafts()] == [draft.id]
    assert outbox.due_ops(now=2e9) == []  # never synced until submitted
    with pytest.raises(GovDeskError) as err:
        d.save(draft.id, body={"v": 1, "blocks": [{"kind": "bold", "text": "x"}]}, now=NOW)
    assert err.value.code == "body.invalid"
    assert d.get(draft.id).body["blocks"][1]["text"] == "半句"  # nothing lost
    with pytest.raises(GovDeskError):
        DraftingService(REVIEWER).get(draft.id)  # someone else's draft


@pytest.mark.parametrize("fields,code", [
    ({"title": ""}, "draft.title_required"),
    ({"main_recipients": []}, "draft.recipients_required"),
    ({"signatory_id": None}, "draft.signatory_required"),
    ({"signatory_id": "nobody"}, "user.unknown"),
    ({"classification": "secret"}, "document.classified"),
    ({"series": "富财发"}, "series.unknown"),
    ({"doc_type": "便函"}, "draft.doc_type_unknown"),
])
def test_submit_refuses_an_incomplete_draft_and_queues_nothing(
        filled: peewee.Database, fields: dict, code: str) -> None:
    d = DraftingService(DRAFTER)
    draft = d.new_draft(now=NOW)
    _fill(d, draft.id)
    d.save(draft.id, fields=fields, now=NOW)
    with pytest.raises(GovDeskError) as err:
        d.submit(draft.id, now=NOW)
    assert err.value.code == code
    assert outbox.due_ops(now=2e9) == [] and d.get(draft.id).state == "draft"


def test_an_empty_body_is_refused(filled: peewee.Database) -> None:
    d = DraftingService(DRAFTER)
    draft = d.new_draft(now=NOW)
    _fill(d, draft.id)
    d.save(draft.id, body={"v": 1, "blocks": [{"kind": "p", "text": "  "}]}, now=NOW)
    with pytest.raises(GovDeskError) as err:
        d.submit(draft.id, now=NOW)
    assert err.value.code == "body.empty"


def test_submit_queues_the_contract_op_and_shows_as_waiting(filled: peewee.Database,
                                                            blobs: BlobStore) -> None:
    d = DraftingService(DRAFTER, blobs)
    draft = d.new_draft(now=NOW)
    _fill(d, draft.id)
    d.add_attachment(draft.id, name="森林防火责任分解表", data=b"xlsx", media_type="x/y",
                     now=NOW)
    op_id, changes = d.submit(draft.id, now=NOW)
    assert draft.id in changes.outgoing
    op = _last_op(ops.OUTGOING_SUBMIT)
    assert op.op_id == op_id
    data = OutgoingSubmitData.model_validate(op.data)  # the contract's shape
    assert data.outgoing_id == draft.id and data.body_sha256 == docbody.body_sha256(BODY_V1)
    assert [(g["name"], set(g["unit_ids"])) for g in data.main_recipients] == [
        ("各镇人民政府", set(TOWNS))]
    assert op.blobs_first == [data.attachments[0]["sha256"]]
    rows = OutgoingService(DRAFTER).rows("mine")
    assert [(r.id, r.status, r.local) for r in rows] == [(draft.id, "queued", "pending_sync")]
    with pytest.raises(GovDeskError) as err:
        d.save(draft.id, fields={"title": "改"}, now=NOW)
    assert err.value.code == "draft.already_submitted"
    _settle(op_id)
    assert d.get(draft.id).state == "submitted"
    # The pull brings the platform's outgoing of that id: one row, the platform's.
    apply.apply_page(reviewing(draft.id), cursor="c2")
    rows = OutgoingService(DRAFTER).rows("mine")
    assert [(r.id, r.status, r.is_draft) for r in rows] == [(draft.id, "reviewing", False)]


def test_a_rejected_submission_is_kept_and_can_be_reopened(filled: peewee.Database) -> None:
    d = DraftingService(DRAFTER)
    draft = d.new_draft(now=NOW)
    _fill(d, draft.id)
    op_id, _ = d.submit(draft.id, now=NOW)
    _settle(op_id, "rejected", "series.unknown")
    assert d.get(draft.id).state == "rejected"
    assert [p.op_id for p in outbox.problems()] == [op_id]
    d.reopen(draft.id)
    assert d.get(draft.id).state == "draft" and outbox.problems() == []
    d.save(draft.id, fields={"title": "关于做好森林防火工作的通知"}, now=NOW)
    d.submit(draft.id, now=NOW)
    assert d.get(draft.id).state == "queued"


# --- 核稿 ----------------------------------------------------------------------------------

def test_review_lists_and_shows_the_current_version_with_hashes(filled) -> None:  # noqa: ANN001
    summary = apply.apply_page(reviewing("o1"), cursor="c")
    assert summary.changes.outgoing == {"o1"}  # the 发文 page refreshes what shows it
    assert summary.upserted == {"outgoing": 1, "outgoing_version": 1, "outgoing_step": 1}
    s = OutgoingService(REVIEWER)
    assert [(r.id, r.step_id) for r in s.rows("review")] == [("o1", "o1-s1")]
    assert s.rows("sign") == [] and s.counts()["review"] == 1
    view = s.open_step("o1-s1")
    assert view.decisions == ("approve", "return")
    assert view.detail.current is not None and view.detail.current.hash_ok
    assert view.detail.digest_ok and view.previous is None


def test_review_with_edits_makes_a_new_version_signed_as_shown(filled) -> None:  # noqa: ANN001
    apply.apply_page(reviewing("o1"), cursor="c")
    signer = _signer(REVIEWER)
    s = OutgoingService(REVIEWER)
    shown = s.open_step("o1-s1").detail.digest
    result = s.complete_step("o1-s1", decision="approve", text="已核，增加火源管控一节。",
                             body=BODY_V2, version_note="增加火源管控", signer=signer,
                             shown_digest=shown, now=NOW)
    op = _last_op(ops.OUTGOING_STEP)
    data = OutgoingStepData.model_validate(op.data)
    new_sha = docbody.body_sha256(BODY_V2)
    assert data.body_sha256 == new_sha == result.body_sha256
    expected = outgoing_digest(Outgoing.get_by_id("o1").data, body_sha256=new_sha)
    assert data.outgoing_digest == expected != shown
    message = step_message(step_id="o1-s1", outgoing_id="o1", outgoing_digest=expected,
                           decision="approve", text="已核，增加火源管控一节。",
                           handwriting_sha256=None, signer_id=REVIEWER,
                           signed_at=data.signed_at or "")
    public = apply.models.SigningKey.get().public_key
    assert verify_signature_object(data.signature.model_dump() if hasattr(
        data.signature, "model_dump") else data.signature, public, message)
    # Gone from 待核稿 at once; a second completion is refused.
    assert s.rows("review")[0].local == "pending_sync" and s.counts()["review"] == 0
    with pytest.raises(ConflictError):
        s.complete_step("o1-s1", decision="approve", text="", signer=signer, now=NOW)
    # The pull brings the step done: the local mark is settled.
    apply.apply_page([up("outgoing_step", step("o1-s1", "o1", "review", REVIEWER,
                                               status="done", version=2))], cursor="c2")
    assert OutgoingStep.get_by_id("o1-s1").local_mark == ""


def test_approval_without_edits_signs_the_cached_version(filled) -> None:  # noqa: ANN001
    apply.apply_page(reviewing("o1"), cursor="c")
    s = OutgoingService(REVIEWER)
    s.complete_step("o1-s1", decision="approve", text="同意", body=BODY_V1,
                    signer=_signer(REVIEWER), now=NOW)
    data = _last_op(ops.OUTGOING_STEP).data
    assert "body" not in data  # the same text is no new version
    assert data["outgoing_digest"] == Outgoing.get_by_id("o1").data["digest"]


def test_return_needs_a_reason_and_a_stale_screen_signs_nothing(filled) -> None:  # noqa: ANN001
    apply.apply_page(reviewing("o1"), cursor="c")
    s = OutgoingService(REVIEWER)
    signer = _signer(REVIEWER)
    with pytest.raises(GovDeskError) as err:
        s.complete_step("o1-s1", decision="return", text="  ", signer=signer, now=NOW)
    assert err.value.code == "opinion.reason_required"
    with pytest.raises(GovDeskError) as err:
        s.complete_step("o1-s1", decision="resubmit", text="", signer=signer, now=NOW)
    assert err.value.code == "step.decision_not_allowed"
    with pytest.raises(ConflictError) as err:
        s.complete_step("o1-s1", decision="approve", text="", signer=signer,
                        shown_digest="0" * 64, now=NOW)
    assert err.value.code == "outgoing.digest_mismatch"
    with pytest.raises(GovDeskError) as err:
        OutgoingService(LEADER).complete_step("o1-s1", decision="approve", text="",
                                              signer=_signer(LEADER), now=NOW)
    assert err.value.code == "step.not_assignee"
    assert outbox.due_ops(now=2e9) == []
    s.complete_step("o1-s1", decision="return", text="主送单位不全，请补充。", signer=signer,
                    now=NOW)
    assert _last_op(ops.OUTGOING_STEP).data["decision"] == "return"


def test_a_refused_step_is_marked_and_listed_again(filled) -> None:  # noqa: ANN001
    apply.apply_page(reviewing("o1"), cursor="c")
    s = OutgoingService(REVIEWER)
    result = s.complete_step("o1-s1", decision="approve", text="", signer=_signer(REVIEWER),
                             now=NOW)
    _settle(result.op_id, "conflict", "step.not_pending")
    assert OutgoingStep.get_by_id("o1-s1").local_mark == "conflict"
    assert outbox.get(result.op_id).state == OpState.CONFLICT


# --- 签发 ----------------------------------------------------------------------------------

def test_sign_for_issue_with_handwriting_and_the_version_diff(filled, blobs) -> None:  # noqa: ANN001
    apply.apply_page(signing("o1"), cursor="c")
    s = OutgoingService(LEADER, blobs)
    assert [r.step_id for r in s.rows("sign")] == ["o1-s2"]
    view = s.open_step("o1-s2")
    assert view.previous is not None and view.previous.number == 1
    added = [x.text for x in view.diff if x.tag == "+"]
    removed = [x.text for x in view.diff if x.tag == "-"]
    # A heading inserted above renumbers the one below: the reviewer sees both.
    assert "二、加强火源管控" in added and "三、落实工作责任" in added
    assert removed == ["二、落实工作责任"]
    result = s.complete_step("o1-s2", decision="approve", text="同意印发",
                             handwriting_png=PNG, signer=_signer(LEADER),
                             shown_digest=view.detail.digest, now=NOW)
    op = _last_op(ops.OUTGOING_STEP)
    assert op.data["handwriting_sha256"] and op.blobs_first == [op.data["handwriting_sha256"]]
    assert op.data["outgoing_digest"] == view.detail.digest == result.outgoing_digest
    with pytest.raises(GovDeskError) as err:
        s.complete_step("o1-s2", decision="approve", text="", handwriting_png=b"GIF89a",
                        signer=None, now=NOW)
    assert err.value.code in ("handwriting.not_png", "step.not_pending")


def test_the_drafter_revises_after_a_return(filled) -> None:  # noqa: ANN001
    apply.apply_page([up("outgoing", outgoing("o1", status="revising", version=2)),
                      *reviewing("o1")[1:2],
                      up("outgoing_step", step("o1-s9", "o1", "revise", DRAFTER))],
                     cursor="c")
    s = OutgoingService(DRAFTER)
    mine = s.rows("mine")
    assert [(r.id, r.step_kind) for r in mine] == [("o1", "revise")]
    s.complete_step("o1-s9", decision="resubmit", text="已按意见修改", body=BODY_V2,
                    metadata={"title": "关于切实做好今冬明春森林防火工作的通知"}, signer=None,
                    now=NOW)
    data = OutgoingStepData.model_validate(_last_op(ops.OUTGOING_STEP).data)
    assert data.signature is None and data.title == "关于切实做好今冬明春森林防火工作的通知"
    seen = Outgoing.get_by_id("o1").data | {"title": data.title}
    assert data.outgoing_digest == outgoing_digest(seen, body_sha256=docbody.body_sha256(
        BODY_V2))


# --- the clerk -----------------------------------------------------------------------------

def test_clerk_numbers_seals_and_issues_in_order(filled) -> None:  # noqa: ANN001
    apply.apply_page([up("outgoing", outgoing("o1", status="signed", version=5)),
                      up("doc_series", series(OFFICE, "富政发", YEAR, 11)),
                      up("doc_series", series(OFFICE, "富政发", YEAR - 1, 80))], cursor="c")
    clerk = OutgoingService(CLERK)
    assert clerk.detail("o1").next_number == f"富政发〔{YEAR}〕12号"  # this year's series
    for who, code in ((DRAFTER, "clerk.required"), (LEADER, "clerk.required")):
        with pytest.raises(GovDeskError) as err:
            OutgoingService(who).clerk_action("o1", "number", now=NOW)
        assert err.value.code == code
    with pytest.raises(ConflictError) as err:
        clerk.clerk_action("o1", "seal", now=NOW)
    assert err.value.code == "outgoing.wrong_status"
    op_id, changes = clerk.clerk_action("o1", "number", now=NOW)
    assert "o1" in changes.outgoing
    assert _last_op(ops.OUTGOING_NUMBER).data == {"outgoing_id": "o1"}
    with pytest.raises(ConflictError) as err:
        clerk.clerk_action("o1", "number", now=NOW)
    assert err.value.code == "outgoing.action_pending"
    assert [r.local for r in clerk.rows("issued")] == ["number"]
    _settle(op_id)
    apply.apply_page([up("outgoing", outgoing("o1", status="numbered", version=6,
                                              doc_number="富政发〔2026〕12号"))], cursor="c2")
    assert Outgoing.get_by_id("o1").local_action == ""
    clerk.clerk_action("o1", "seal", now=NOW)
    apply.apply_page([up("outgoing", outgoing("o1", status="sealed", version=7))], cursor="c3")
    clerk.clerk_action("o1", "issue", now=NOW)
    assert _last_op(ops.OUTGOING_ISSUE).data == {"outgoing_id": "o1"}


def test_a_refused_clerk_action_can_be_done_again(filled) -> None:  # noqa: ANN001
    apply.apply_page([up("outgoing", outgoing("o1", status="signed"))], cursor="c")
    clerk = OutgoingService(CLERK)
    op_id, _ = clerk.clerk_action("o1", "number", now=NOW)
    _settle(op_id, "rejected", "series.unknown")
    assert Outgoing.get_by_id("o1").local_action == ""
    clerk.clerk_action("o1", "number", series="富政办发", now=NOW)
    assert _last_op(ops.OUTGOING_NUMBER).data == {"outgoing_id": "o1", "series": "富政办发"}


def test_seal_needs_the_units_seal_and_cancel_a_reason(filled) -> None:  # noqa: ANN001
    from cachekit import unit

    apply.apply_page([up("unit", unit(OFFICE, "市政府办公室", "u-szf", kind="office",
                                      version=2)),
                      up("outgoing", outgoing("o1", status="numbered"))], cursor="c")
    clerk = OutgoingService(CLERK)
    with pytest.raises(GovDeskError) as err:
        clerk.clerk_action("o1", "seal", now=NOW)
    assert err.value.code == "seal.missing"
    with pytest.raises(GovDeskError) as err:
        clerk.clerk_action("o1", "cancel", reason=" ", now=NOW)
    assert err.value.code == "opinion.reason_required"
    clerk.clerk_action("o1", "cancel", reason="内容已由新文件代替", now=NOW)
    assert _last_op(ops.OUTGOING_CANCEL).data == {"outgoing_id": "o1",
                                                 "reason": "内容已由新文件代替"}
    # The drafter may cancel only while the route is open.
    apply.apply_page([up("outgoing", outgoing("o2", status="reviewing"))], cursor="c2")
    OutgoingService(DRAFTER).clerk_action("o2", "cancel", reason="重新起草", now=NOW)
    apply.apply_page([up("outgoing", outgoing("o3", status="signed"))], cursor="c3")
    with pytest.raises(GovDeskError) as err:
        OutgoingService(DRAFTER).clerk_action("o3", "cancel", reason="x", now=NOW)
    assert err.value.code == "clerk.required"


# --- 回执 ----------------------------------------------------------------------------------

def test_receipts_per_recipient_unit_with_overdue_flagged(filled) -> None:  # noqa: ANN001
    sent = T0
    apply.apply_page([
        up("outgoing", outgoing("o1", status="issued", issued_at=rfc(sent))),
        up("delivery", delivery("d1", "o1", "u-ca", status="received",
                                received_by="zhouqiang", received_at=rfc(sent + timedelta(
                                    hours=2)), document_id="doc-9")),
        up("delivery", delivery("d2", "o1", "u-ys", status="refused", refused_by="zhouqiang",
                                refused_at=rfc(sent + timedelta(hours=3)),
                                reason="非本单位来文")),
        up("delivery", delivery("d3", "o1", "u-xl")),
        up("delivery", delivery("d4", "o1", "u-fin", role="cc",
                                due_at=sent + timedelta(days=30))),
        up("delivery", delivery("d5", "other", "u-fin")),
    ], cursor="c")
    summary = deliveries_for("o1", now=sent + timedelta(hours=80))
    rows = [(r.unit_name, r.role, r.status, r.by_name, r.reason, r.overdue)
            for r in summary.rows]
    # 主送 before 抄送; the overdue first, then the refused, then the received.
    assert rows == [
        ("兴隆镇", "main", "pending", "", "", True),
        ("砚山镇", "main", "refused", "周强", "非本单位来文", False),
        ("长安镇", "main", "received", "周强", "", False),
        ("市财政局", "cc", "pending", "", "", False),
    ]
    assert [r.role for r in summary.rows] == ["main", "main", "main", "cc"]
    assert summary.count("received") == 1 and summary.count("refused") == 1
    assert summary.overdue == 1
    received = next(r for r in summary.rows if r.status == "received")
    assert received.at == sent + timedelta(hours=2)
    # Not yet overdue before the 72 hours of a normal document.
    assert deliveries_for("o1", now=sent + timedelta(hours=10)).overdue == 0


def test_a_draft_is_never_in_the_outbox_until_submitted(filled) -> None:  # noqa: ANN001
    d = DraftingService(DRAFTER)
    draft = d.new_draft(now=NOW)
    for i in range(20):  # typing
        d.save(draft.id, body=docbody.from_paragraphs([f"第{i}稿"]), now=NOW)
    assert OutgoingDraft.select().count() == 1 and outbox.due_ops(now=2e9) == []
