"""Parity of the sign-off rules: for every task kind, every decision (allowed or not),
every choice of recipients (`forward_to`, `circulate_to`, `countersign_to`: none or some)
and of opinion text (empty or given), what the sign-off panel lets an official send
equals what the client service accepts equals what the platform accepts.

The cases are generated from protocol.workflow_rules, and each side answers for itself:
- the panel (client/ui/signoff_panel.py, offscreen): which decision buttons exist, whether
  the recipients button is enabled, whether the 传阅 row is shown, and whether "Sign"
  emits `sign_requested`, asks for people or asks for a reason;
- the client service: SignoffService.complete_task on one real cache;
- the platform: a signed `task.complete` op POSTed to the platform app (in-process).
A verdict is None (accepted) or the error code of the refusal.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from protocol import ops
from protocol import workflow_rules as rules
from protocol.canonical import signoff_message
from protocol.signing import KeyPair, Signer, generate_keypair
from protocol.workflow_rules import RECIPIENT_FIELDS, Need
from tests.unit.cachekit import T0, directory_changes, document, key, task, up

ME = "zhangjianguo"      # the official who signs, on both sides
CLERK = "wangli"
# Recipients: users of the cache's directory (tests/unit/cachekit.py), made on the platform too.
SOME = {"forward_to": ["chenming"], "circulate_to": ["zhouqiang"], "countersign_to": ["lihua"]}
TEXTS = ("", "同意，请按此办理。")
DECISIONS = tuple(dict.fromkeys(decision for _, decision in rules.RULES))
NOT_ALLOWED = "task.decision_not_allowed"


@dataclass(frozen=True)
class Case:
    kind: str
    decision: str
    chosen: frozenset[str]   # the recipient lists that name someone
    text: str

    def recipients(self) -> dict[str, list[str]]:
        return {name: list(SOME[name]) if name in self.chosen else []
                for name in RECIPIENT_FIELDS}

    def __str__(self) -> str:
        return (f"{self.kind}/{self.decision} to={sorted(self.chosen) or '-'} "
                f"text={'yes' if self.text else 'no'}")


def cases(kind: str) -> list[Case]:
    return [Case(kind, decision, frozenset(chosen), text)
            for decision in DECISIONS
            for n in range(len(RECIPIENT_FIELDS) + 1)
            for chosen in itertools.combinations(RECIPIENT_FIELDS, n)
            for text in TEXTS]


def rules_verdict(case: Case) -> str | None:
    broken = rules.check_signoff(kind=case.kind, decision=case.decision, text=case.text,
                                 signer_id=ME, recipients=case.recipients())
    return None if broken is None else broken.code


# --- the client service -------------------------------------------------------------------


class ServiceSide:
    """SignoffService on one cache; a fresh pending task of a kind after each acceptance."""

    def __init__(self, root: Path, keypair: KeyPair) -> None:
        from client.blobstore import BlobStore
        from client.db import open_cache
        from client.services.signoff import SignoffService
        from client.sync import apply

        cache_key = os.urandom(32)
        self.db = open_cache(root / "cache.db", cache_key)
        apply.set_identity(user_id=ME)
        apply.apply_page([*directory_changes(), up("key", key(keypair.key_id, ME,
                                                              keypair.public_b64)),
                          up("document", document("d1"))], cursor="c1")
        self.apply = apply
        self.service = SignoffService(ME, BlobStore(root / "blobs", cache_key))
        self.signer = Signer.from_keypair(keypair, ME)
        self.tasks: dict[str, str] = {}
        self.clock = itertools.count(1)

    def _task_of(self, kind: str) -> str:
        if kind not in self.tasks:
            tid = f"t-{kind}-{uuid.uuid4().hex[:8]}"
            self.apply.apply_page([up("task", task(tid, "d1", ME, kind=kind))],
                                  cursor=uuid.uuid4().hex)
            self.tasks[kind] = tid
        return self.tasks[kind]

    def verdict(self, case: Case) -> str | None:
        from client.errors import GovDeskError

        to = case.recipients()
        try:
            self.service.complete_task(
                self._task_of(case.kind), decision=case.decision, text=case.text,
                forward_to=to["forward_to"], circulate_to=to["circulate_to"],
                countersign_to=to["countersign_to"], signer=self.signer,
                now=T0 + timedelta(minutes=next(self.clock)))
        except GovDeskError as exc:
            return exc.code
        del self.tasks[case.kind]  # signed: it left 待办
        return None

    def close(self) -> None:
        from client.db import close_cache

        close_cache(self.db)


# --- the platform ---------------------------------------------------------------------------


class PlatformSide:
    """The platform app in-process; the official's tasks are rows of the real tables."""

    def __init__(self, http: Any, keypair: KeyPair) -> None:
        from server import directory, enrolment, security, workflow
        from server.models import User

        self.http = http
        self.signer = Signer.from_keypair(keypair, ME)
        password = "Secret#2005"
        hashed = security.hash_password(password)
        county = directory.create_unit("富锦市", "county", unit_id="u-county")
        office = directory.create_unit("市政府办公室", "office", unit_id="u-gov",
                                       parent_id=county.id)
        for user_id, roles in ((ME, ["leader"]), (CLERK, ["clerk"]), ("chenming", ["staff"]),
                               ("zhouqiang", ["staff"]), ("lihua", ["leader"])):
            directory.create_user(user_id, password, user_id, office.id, roles,
                                  user_id=user_id, password_hash=hashed)
        r = http.post("/api/v1/auth/login", json={"username": ME, "password": password,
                                                 "device_id": "dev-parity",
                                                 "device_name": "测试机"})
        assert r.status_code == 200, r.text
        self.auth = {"Authorization": f"Bearer {r.json()['access_token']}"}
        # Issue 13: key.register is refused; a key is enrolled with the password and a
        # one-time code issued by county IT (the test shares the platform's database).
        code = enrolment.issue_code(ME, issued_by="test").code
        r = http.post("/api/v1/keys/enrol", headers=self.auth, json={
            "key_id": keypair.key_id, "algorithm": keypair.algorithm,
            "public_key": keypair.public_b64, "password": password, "enrolment_code": code})
        assert r.status_code == 201, r.text
        self.doc = workflow.register_document(
            User.get_by_id(CLERK),
            meta={"doc_number": "佳政函〔2004〕85号", "issuer": "佳木斯市人民政府",
                  "doc_type": "函", "title": "关于做好2005年秋季防火工作的通知",
                  "issued_on": "2004-10-19"},
            body_bytes="%PDF-1.4 测试正文".encode(), body_media_type="application/pdf",
            propose_to=[ME])
        self.tasks: dict[str, str] = {}
        self.stages = itertools.count(100)

    def _op(self, op_type: str, data: dict[str, Any]) -> dict[str, Any]:
        r = self.http.post("/api/v1/ops", headers=self.auth, json={
            "ops": [{"op_id": uuid.uuid4().hex, "type": op_type, "data": data}]})
        assert r.status_code == 200, r.text
        result: dict[str, Any] = r.json()["results"][0]
        return result

    def _task_of(self, kind: str) -> str:
        from server import clock
        from server.db import write_tx
        from server.models import Task

        if kind not in self.tasks:
            tid = uuid.uuid4().hex
            with write_tx():
                Task.create(id=tid, document=self.doc.id, assignee=ME, kind=kind,
                            stage=next(self.stages), parent_task_id=None, due_at=None,
                            created_by=CLERK, created_at=clock.now(), updated_at=clock.now())
            self.tasks[kind] = tid
        return self.tasks[kind]

    def verdict(self, case: Case) -> str | None:
        tid = self._task_of(case.kind)
        to = case.recipients()
        signed_at = datetime.now(UTC).isoformat(timespec="milliseconds")
        message = signoff_message(
            task_id=tid, document_id=self.doc.id, document_digest=self.doc.digest,
            decision=case.decision, text=case.text, handwriting_sha256=None,
            forward_to=to["forward_to"], signer_id=ME, signed_at=signed_at)
        result = self._op(ops.TASK_COMPLETE, {
            "task_id": tid, "decision": case.decision, "text": case.text,
            "handwriting_sha256": None, "forward_to": to["forward_to"],
            "signed_at": signed_at, "signature": self.signer.sign(message),
            "document_digest": self.doc.digest, "circulate_to": to["circulate_to"],
            "countersign_to": to["countersign_to"]})
        if result["status"] == "applied":
            del self.tasks[case.kind]
            return None
        assert result["status"] == "rejected", result  # a conflict would be this test's bug
        code: str = result["code"]
        return code


# --- the sign-off panel ---------------------------------------------------------------------


class PanelSide:
    """One SignoffPanel; "Sign" is clicked as an official would, after choosing."""

    def __init__(self, qtbot: Any) -> None:
        from client.types import DocumentId, TaskId, TaskInfo, UserId
        from client.ui.signoff_panel import SignoffPanel

        self.panel = SignoffPanel()
        qtbot.addWidget(self.panel)
        self.emitted: list[Any] = []
        self.asked_for_people: list[bool] = []
        self.panel.sign_requested.connect(self.emitted.append)
        # The real one opens the modal people picker.
        self.panel._pick_people = lambda: self.asked_for_people.append(True)  # type: ignore[method-assign]
        self._task_info = lambda kind: TaskInfo(
            id=TaskId(f"t-{kind}"), document_id=DocumentId("d1"), assignee_id=UserId(ME),
            assignee_name="张建国", kind=kind, status="pending", due_at=None,
            created_by=UserId(CLERK), local_state="synced")

    def open(self, kind: str) -> list[str]:
        """Show the panel for a task of `kind` as the window does; its decision buttons."""
        from client.services.signoff import allowed_decisions

        info = self._task_info(kind)
        self.panel.set_task(info, list(allowed_decisions(info)))
        return [b.property("decision") for b in self.panel.decision_group.buttons()]

    def advertised(self, kind: str, decision: str) -> dict[str, Need]:
        """What the panel tells the official about each list it lets them fill."""
        p = self.panel
        self.open(kind)
        p.select_decision(decision)
        p.set_forward([])
        p.set_circulate([])
        p.set_countersign([])
        if not p.people_button.isEnabled():
            forward = Need.FORBIDDEN
        elif p.people_label.text() == p.tr("Choose at least one person"):
            forward = Need.REQUIRED
        else:
            assert p.people_label.text() == p.tr("Nobody chosen (optional)"), decision
            forward = Need.OPTIONAL
        circulate = Need.FORBIDDEN if p.circulate_row.isHidden() else Need.OPTIONAL
        countersign = Need.FORBIDDEN if p.countersign_row.isHidden() else Need.OPTIONAL
        return {"forward_to": forward, "circulate_to": circulate, "countersign_to": countersign}

    def verdict(self, case: Case) -> str | None:
        p = self.panel
        if case.decision not in self.open(case.kind):
            return NOT_ALLOWED
        p.select_decision(case.decision)
        assert p.decision() == case.decision
        to = case.recipients()
        # In the order the rules check: forward_to, circulate_to, then the text.
        if to["forward_to"] and not p.people_button.isEnabled():
            return NOT_ALLOWED
        p.set_forward(to["forward_to"])
        p.set_circulate(to["circulate_to"])
        p.set_countersign(to["countersign_to"])
        p.opinion.setPlainText(case.text)
        self.emitted.clear()
        self.asked_for_people.clear()
        p.sign_button.click()
        if self.asked_for_people:
            assert not self.emitted and not to["forward_to"], case
            return "task.forward_required"
        if to["circulate_to"] and p.circulate_row.isHidden():
            return NOT_ALLOWED
        if to["countersign_to"] and p.countersign_row.isHidden():
            return NOT_ALLOWED
        if not self.emitted:
            assert not p.message.isHidden(), case  # it said why
            return "opinion.reason_required"
        (request,) = self.emitted
        assert (request.decision, request.forward_to, request.circulate_to,
                request.countersign_to, request.text) == (
            case.decision, to["forward_to"], to["circulate_to"], to["countersign_to"],
            case.text.strip()), case
        return None


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def keypair() -> KeyPair:
    return generate_keypair("ed25519")


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory,
            keypair: KeyPair) -> Iterator[ServiceSide]:
    side = ServiceSide(tmp_path_factory.mktemp("client"), keypair)
    yield side
    side.close()


@pytest.fixture(scope="module")
def platform_side(tmp_path_factory: pytest.TempPathFactory,
                  keypair: KeyPair) -> Iterator[PlatformSide]:
    from fastapi.testclient import TestClient

    from server.app import create_app
    from server.db import close_database

    url = "sqlite:///" + str(tmp_path_factory.mktemp("platform") / "platform.db")
    with TestClient(create_app(url)) as http:
        yield PlatformSide(http, keypair)
    close_database()


@pytest.mark.parametrize("kind", rules.TASK_KINDS)
def test_panel_service_and_platform_agree_on_every_signoff(
        kind: str, qtbot: Any, service: ServiceSide, platform_side: PlatformSide) -> None:
    panel = PanelSide(qtbot)
    assert panel.open(kind) == list(rules.allowed_decisions(kind))

    table = {case: (rules_verdict(case), service.verdict(case), platform_side.verdict(case))
             for case in cases(kind)}
    for case, (expected, by_service, by_platform) in table.items():
        assert (by_service, by_platform) == (expected, expected), str(case)
        assert panel.verdict(case) == expected, str(case)

    # What the panel says of each list (button enabled, "Choose at least one person" or
    # "optional", 传阅 row shown) is what the service and the platform accept.
    for decision in rules.allowed_decisions(kind):
        mine = {c: v for c, v in table.items() if c.decision == decision}
        for side, index in (("service", 1), ("platform", 2)):
            accepted = [c for c, v in mine.items() if v[index] is None]
            need = {name: _need_shown_by(accepted, name) for name in rules.RECIPIENT_FIELDS}
            assert panel.advertised(kind, decision) == need, (kind, decision, side)


def _need_shown_by(accepted: list[Case], name: str) -> Need:
    """Whether a list is required, optional or forbidden, as the accepted cases show it."""
    with_some = any(name in c.chosen for c in accepted)
    with_none = any(name not in c.chosen for c in accepted)
    assert with_some or with_none, name
    if with_some and with_none:
        return Need.OPTIONAL
    return Need.REQUIRED if with_some else Need.FORBIDDEN
