"""`python -m server init-demo`: fill a platform database with the demo county 富锦市.

Everything goes through the platform's own functions (directory, workflow, notices), so
the change feed sees every object exactly as in production, and every opinion carries
a real signature made with a key registered for its author.

The corpus tells the story of late 2005 (the seed report); `timeline.Timeline` moves it
to the present so that the story's "today" is the day init-demo runs: every date moves
by the same number of days and lands on a working day, actions happen in office hours
(08:00–17:30 China time), and the years of 发文字号, 收文编号 and texts follow their
documents' new dates. While building, the platform clock (`server.clock.now`) is set to
each action's time, so registrations, sign-offs and notices carry those timestamps.
办理时限 are 17:30 of a working day; the work still pending is due around today.

    python -m server init-demo --db URL [--scale N] [--json] [--force] [--seed S]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import random
import sys
import time
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import peewee

from protocol.canonical import signoff_message
from protocol.signing import Signer, generate_keypair
from server import clock, directory, models, notices, platform_keys, workflow
from server.blobs import store_blob
from server.db import (
    DEFAULT_DB,
    close_database,
    database,
    init_database,
    is_sqlite,
    redact_url,
    write_tx,
)
from server.demo import corpus, county
from server.demo import outgoing as demo_outgoing
from server.demo.county import DEMO_PASSWORD, PersonSpec
from server.demo.handwriting import signature_png
from server.demo.pdf import OfficialDocument, render_pdf, render_plain_pdf
from server.demo.timeline import Timeline, at, next_working_day, shift_years
from server.issuing.gbt9704_fonts import builtin_fallback
from server.models import Document, Task, User
from server.security import hash_password
from server.visibility import can_see_notice

log = logging.getLogger(__name__)

CST = clock.CST
TEXT_MEDIA = "text/plain; charset=utf-8"
# Leaders sign with SM2 (国密) keys, everyone else with Ed25519: both algorithms appear.
SM2_USERS = {"zhangjianguo", "lihua"}


class DemoError(Exception):
    """init-demo refused (non-empty database, bad arguments)."""


# --- the platform clock, moved through the story ------------------------------------------


class _SimulatedClock:
    def __init__(self) -> None:
        self.at: datetime | None = None

    def now(self) -> datetime:
        return self.at if self.at is not None else datetime.now(UTC)


@contextlib.contextmanager
def _simulated_clock() -> Iterator[_SimulatedClock]:
    """Point `server.clock.now` (which every platform module calls) at a settable time."""
    sim = _SimulatedClock()
    real = clock.now
    clock.now = sim.now  # type: ignore[assignment]
    try:
        yield sim
    finally:
        clock.now = real  # type: ignore[assignment]


# --- people and their keys ----------------------------------------------------------------


@dataclass
class Person:
    spec: PersonSpec
    user: User
    signer: Signer


@dataclass
class County:
    people: dict[str, Person]  # by username
    by_tag: dict[tuple[str, str], list[str]]  # (unit key, tag) -> usernames

    def user(self, username: str) -> User:
        return self.people[username].user

    def tagged(self, unit: str, tag: str) -> str:
        names = self.by_tag.get((unit, tag))
        if not names:
            raise KeyError(f"no {tag} in {unit}")
        return names[0]


def _build_county(seed: int) -> County:
    for i, unit in enumerate(county.units()):
        directory.create_unit(unit.name, unit.kind, unit_id=unit.key, parent_id=unit.parent,
                              sort_order=i)
    people: dict[str, Person] = {}
    by_tag: dict[tuple[str, str], list[str]] = {}
    # One scrypt for the one demo password (its salt shared: the password is public anyway).
    password_hash = hash_password(DEMO_PASSWORD)
    for spec in county.people(seed):
        user = directory.create_user(spec.username, DEMO_PASSWORD, spec.display_name, spec.unit,
                                     spec.roles, spec.title, user_id=f"u-{spec.username}",
                                     password_hash=password_hash)
        algorithm = "sm2-sm3" if spec.username in SM2_USERS else "ed25519"
        pair = generate_keypair(algorithm)
        directory.register_key(user, pair.key_id, algorithm, pair.public_b64,
                               device_id="demo-history")
        people[spec.username] = Person(spec, user, Signer.from_keypair(pair, user.id))
        for tag in spec.tags:
            by_tag.setdefault((spec.unit, tag), []).append(spec.username)
    return County(people, by_tag)


# --- routing plans ------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One action on a document. `who` and the lists hold usernames or placeholders:
    @clerk @proposer @head (of the document's unit), @vice1 @vice2 (generated vice
    mayors), @pub2 (信息中心主任), @tech, @office (办公室副主任), @b:<suffix> (head of a
    bureau), @bs:<suffix> (its office staff)."""

    who: str
    decision: str  # approve | return | forward | done | read | archive
    to: tuple[str, ...] = ()
    circulate: tuple[str, ...] = ()
    countersign: tuple[str, ...] = ()
    text: str | None = None
    hand: bool = False  # signed by hand too (a handwriting PNG with the opinion)


@dataclass(frozen=True)
class Plan:
    steps: tuple[Step, ...]
    open: bool = True  # work remains pending at the end
    # 办理时限 of pending work in working days from today (-2: overdue since the day
    # before yesterday, 0: due at 17:30 today); None: counted from the receipt.
    due: int | None = None


def S(who: str, decision: str = "approve", *to: str, circulate: tuple[str, ...] = (),
      countersign: tuple[str, ...] = (), text: str | None = None, hand: bool = False) -> Step:
    return Step(who, decision, tuple(to), circulate, countersign, text, hand)


ARCHIVE = S("@clerk", "archive")
MAYOR = "zhangjianguo"
VICE = "lihua"

PLANS: dict[str, Plan] = {
    # Province
    "hzf12": Plan((S("@proposer", "approve", MAYOR),
                   S(MAYOR, "approve", "@b:kxj", "chenming", circulate=("@office",),
                     text="请科信局牵头制定我市落实意见，财政局做好资金保障。", hand=True),
                   S("chenming", "forward", "zhouqiang"), S("zhouqiang", "done"),
                   S("@b:kxj", "done"), S("@office", "read"), ARCHIVE), open=False),
    "hzbf19": Plan((S("@proposer", "approve", MAYOR),
                    S(MAYOR, "approve", circulate=("zhaoxin", "@pub2"),
                      text="这是对我市电子政务工作的肯定，请信息中心再接再厉。"),
                    S("zhaoxin", "read"), S("@pub2", "read"), ARCHIVE), open=False),
    "hzbf31": Plan((S("@proposer", "approve", VICE), S(VICE, "approve", "@pub2"),
                    S("@pub2", "done"), ARCHIVE), open=False),
    "szx7": Plan((S("@proposer", "approve", VICE),
                  S(VICE, "approve", "@pub2", text="请信息中心按要求编制实施方案，按期报送。"),
                  S("@pub2", "done")), open=False),
    "hzbf58": Plan((S("@proposer", "approve", MAYOR),
                    S(MAYOR, "approve", "@b:nyj", "@b:lsj"), S("@b:nyj", "done"),
                    S("@b:lsj", "done")), open=False),
    "szx11": Plan((S("@proposer", "approve", VICE), S(VICE, "approve", "@pub2"),
                   S("@pub2", "forward", "admin", "@tech"), S("@tech", "done"))),
    # Prefecture
    "jzh85": Plan((S("@proposer", "approve", MAYOR),
                   S(MAYOR, "approve", "@pub2", circulate=(VICE,),
                     text="请信息中心按佳政函〔2004〕85号要求，充实网络与信息安全领导小组，组建应急处理服务中心。",
                     hand=True),
                   S("@pub2", "done"), S(VICE, "read"), ARCHIVE), open=False),
    "jzf28": Plan((S("@proposer", "approve", MAYOR),
                   S(MAYOR, "approve", circulate=("@office",)), S("@office", "read"), ARCHIVE),
                  open=False),
    "jzf33": Plan((S("@proposer", "approve", MAYOR), S(MAYOR, "approve", "@b:fgj", "@pub2"),
                   S("@pub2", "done"), S("@b:fgj", "done"), ARCHIVE), open=False),
    "jxl2": Plan((S("@proposer", "approve", MAYOR),
                  S(MAYOR, "approve", "@b:swj", text="立即落实，严防死守，确保松花江富锦段堤防安全。",
                    hand=True),
                  S("@b:swj", "done"), ARCHIVE), open=False),
    "jzbf49": Plan((S("@proposer", "approve", VICE),
                    S(VICE, "approve", circulate=("zhaoxin", "@office")), S("zhaoxin", "read")),
                   open=False),
    "jzh42": Plan((S("@proposer", "approve", MAYOR), S(MAYOR, "approve", "@b:xzfw", "@pub2"),
                   S("@b:xzfw", "done"), S("@pub2", "done"), ARCHIVE), open=False),
    "jzbj5": Plan((S("@proposer", "approve", VICE), S(VICE, "approve", circulate=("zhaoxin",))),
                  open=False),
    "jzbf71": Plan((S("@proposer", "approve", "@vice1"),
                    S("@vice1", "approve", "@b:jsj", "@b:mzj"), S("@b:mzj", "done"),
                    S("@b:jsj", "done")), open=False),
    "jzbf86": Plan((S("@proposer", "approve", MAYOR,
                      text="特急件。拟请张市长阅示，由水务局、环保局牵头落实应急措施。"),), due=0),
    # County
    "ftjgb": Plan((S("@proposer", "approve", MAYOR), S(MAYOR, "approve", circulate=(VICE, "@vice1")),
                   S(VICE, "read"), S("@vice1", "read"), ARCHIVE), open=False),
    "frbf18": Plan((S("@proposer", "approve", VICE), S(VICE, "approve", "@pub2"),
                    S("@pub2", "done"), ARCHIVE), open=False),
    "fztg2": Plan((S("@proposer", "approve", MAYOR), S(MAYOR, "approve", "@b:swj"),
                   S("@b:swj", "done"), ARCHIVE), open=False),
    "fnc10": Plan((S("@proposer", "return", text="请农业局补充项目可行性论证材料后重新报送。"),)),
    "frdjy8": Plan((S("@proposer", "approve", MAYOR),
                    S(MAYOR, "approve", "chenming", text="请财政局按人大常委会决议要求，加强预算执行管理。"),
                    S("chenming", "done")), open=False),
    "fyb3": Plan((S("@proposer", "approve", VICE), S(VICE, "approve"), ARCHIVE), open=False),
    "fgb15": Plan((S("@proposer", "approve", MAYOR), S(MAYOR, "approve", circulate=("zhaoxin",)),
                   S("zhaoxin", "read")), open=False),
    "fsc9": Plan((S("@proposer", "approve", MAYOR, countersign=("@vice1",)),
                  S("@vice1", "approve", text="同意，建议从防汛专项资金中统筹解决。"))),
    "fzgg3": Plan((S("@proposer", "approve", MAYOR),
                   S(MAYOR, "approve", circulate=("zhaoxin", "@pub2", "@office")),
                   S("@pub2", "read")), open=False),
    "fcc21": Plan((S("@proposer", "approve", VICE, MAYOR),
                   S(VICE, "approve", "chenming", text="同意。请财政局按程序办理，专款专用。",
                     hand=True)), due=-1),
    "fzyj35": Plan((S("@proposer", "approve", "@vice1"),
                    S("@vice1", "approve", "@b:xzfw", "@pub2"), S("@pub2", "done"),
                    S("@b:xzfw", "done")), open=False),
    "ftb11": Plan((S("@proposer", "approve", VICE),), due=-2),
    "fjjcjy1": Plan((S("@proposer", "approve", MAYOR),
                     S(MAYOR, "return", text="请教育局会同财政局核实危房面积和资金测算后再报。"))),
    "fld7": Plan((S("@proposer", "approve", VICE), S(VICE, "approve"), ARCHIVE), open=False),
    "fxxb4": Plan((S("@proposer", "approve", MAYOR),
                   S(MAYOR, "approve", "@pub2", "chenming", circulate=("admin",),
                     text="请信息中心组织全市网管员培训，财政局予以经费保障。"),
                   S("@pub2", "done"))),
    "fmc12": Plan((S("@proposer", "approve", VICE, countersign=("chenming",)),)),
    "fzbj9": Plan((S("@proposer", "approve", MAYOR),
                   S(MAYOR, "approve", "chenming", circulate=(VICE, "@vice1", "@vice2")),
                   S("chenming", "forward", "zhouqiang",
                     text="请周强同志具体承办，按会议纪要要求办理拨款手续。"),
                   S("@vice2", "read"))),
    "fkc5": Plan((S("@proposer", "approve", MAYOR),
                  S(MAYOR, "approve", "@b:kxj", "sunhaitao", "zhengwei",
                    text="同意先在砚山镇、长安镇试点。请科信局牵头，两镇积极配合。"),
                  S("@b:kxj", "done"))),
    "fktb9": Plan(()),
    "fzjd41": Plan((S("@proposer", "approve", MAYOR, countersign=(VICE, "@vice1", "@vice2")),
                    S("@vice1", "approve"), S("@vice2", "approve"))),
    "tjhz14": Plan((S("@proposer", "approve", MAYOR, hand=True,
                      text="拟请张市长阅示，由市水务局、市环保局与同江市对接联防联控事宜。"),)),
    "fzya2": Plan(()),
    "fzbf92": Plan((S("@proposer", "approve", MAYOR),
                    S(MAYOR, "approve", "@b:swj", "@b:hbj", circulate=(VICE,),
                      text="特急。请水务局、环保局立即落实，每2小时报告一次水质监测结果。", hand=True),
                    S("@b:swj", "forward", "@bs:swj"), S("@b:hbj", "done"))),
    # Towns (same plan shape in 砚山镇 and 长安镇)
    "ys_fire": Plan((S("@proposer", "approve", "@head"), S("@head", "approve", "@proposer"),
                     S("@proposer", "done")), open=False),
    "ys_grain": Plan((S("@proposer", "approve", "@head"), S("@head", "approve", "@proposer"),
                      S("@proposer", "done"), ARCHIVE), open=False),
    "ys_relief": Plan((S("@proposer", "approve", "@head"),)),
    "ys_water": Plan(()),
    "ys_f92": Plan((S("@proposer", "approve", "@head"),)),
    "ca_fire": Plan((S("@proposer", "approve", "@head"), S("@head", "approve", "@proposer"),
                     S("@proposer", "done"), ARCHIVE), open=False),
    "ca_grain": Plan((S("@proposer", "approve", "@head"), S("@head", "approve", "@proposer"),
                      S("@proposer", "done")), open=False),
    "ca_relief": Plan((S("@proposer", "approve", "@head"),)),
    "ca_water": Plan(()),
    "ca_f92": Plan((S("@proposer", "approve", "@head"), S("@head", "approve", "@proposer"))),
}


class _Router:
    """Runs plans: resolves placeholders, signs and completes tasks in office hours."""

    def __init__(self, c: County, sim: _SimulatedClock, rng: random.Random,
                 tl: Timeline) -> None:
        self.c = c
        self.sim = sim
        self.rng = rng
        self.tl = tl
        self.years = 0  # how far the current document's texts move (its 〔2005〕 → today's)
        self.numbers: Mapping[str, str] = {}  # corpus 发文字号 → moved 发文字号
        self._hands: dict[str, str] = {}  # username → sha256 of the signature PNG

    def resolve(self, name: str, unit: str) -> str:
        if not name.startswith("@"):
            return name
        c = self.c
        if name == "@clerk":
            return "wangli" if unit == county.GOV_OFFICE else c.tagged(unit, "town_clerk")
        if name == "@proposer":
            return "liuyang" if unit == county.GOV_OFFICE else c.tagged(unit, "town_proposer")
        if name == "@head":
            return c.tagged(unit, "town_head")
        if name in ("@vice1", "@vice2"):
            generated = [u for u in c.by_tag[(county.GOV, "vice_mayor")] if u != VICE]
            return generated[0 if name == "@vice1" else 1]
        if name == "@pub2":
            return c.tagged(county.INFO_CENTER, "publisher2")
        if name == "@tech":
            return c.tagged(county.INFO_CENTER, "tech")
        if name == "@office":
            return c.by_tag[(county.GOV_OFFICE, "office_staff")][0]
        if name.startswith("@b:"):
            return c.tagged(county.bureau_key(name[3:]), "bureau_head")
        if name.startswith("@bs:"):
            return c.tagged(county.bureau_key(name[4:]), "bureau_staff")
        raise KeyError(name)

    def ids(self, names: tuple[str, ...], unit: str) -> list[str]:
        return [self.c.user(self.resolve(n, unit)).id for n in names]

    def advance(self, hours_min: float = 0.3, hours_max: float = 9.0) -> datetime:
        """The next action: some office hours later, never after the real now."""
        assert self.sim.at is not None
        self.sim.at = self.tl.after(self.sim.at, self.rng.uniform(hours_min, hours_max))
        return self.sim.at

    def handwriting(self, person: Person) -> str:
        """The person's signature PNG, uploaded once as a blob of theirs."""
        username = person.spec.username
        if username not in self._hands:
            self._hands[username] = store_blob(signature_png(person.spec.display_name),
                                               "image/png", uploaded_by=person.user.id)
        return self._hands[username]

    def opinion_text(self, kind: str, decision: str, step: Step, unit: str) -> str:
        if step.text is not None:
            return shift_years(step.text, self.years, self.numbers)
        key = decision if decision in ("return", "forward") else kind
        template = self.rng.choice(corpus.PHRASES[key])
        names = [self.c.people[self.resolve(n, unit)] for n in step.to]
        handler = "、".join(p.spec.display_name if p.spec.unit == unit
                           else county.unit_name(p.spec.unit) for p in names) or "有关部门"
        leader = "、".join(f"{p.spec.display_name}{p.spec.title}" for p in names) or "领导"
        return template.format(handler=handler, leader=leader)

    def run(self, doc: Document, plan: Plan) -> None:
        for step in plan.steps:
            if step.decision == "archive":
                self.advance(9, 28)
                clerk = self.c.user(self.resolve("@clerk", doc.unit_id))
                workflow.archive_document(clerk, doc.id)
                continue
            self.sign_off(doc, step)

    def sign_off(self, doc: Document, step: Step) -> None:
        username = self.resolve(step.who, doc.unit_id)
        person = self.c.people[username]
        task = (
            Task.select()
            .where(Task.document == doc.id, Task.assignee == person.user.id,
                   Task.status == "pending")
            .order_by(Task.stage.desc())
            .first()
        )
        if task is None:
            raise DemoError(f"plan error: {username} has no pending task on {doc.doc_number}")
        doc = Document.get_by_id(doc.id)  # current digest
        decision = step.decision
        text = self.opinion_text(task.kind, decision, step, doc.unit_id)
        forward_to = self.ids(step.to, doc.unit_id)
        signed_at = clock.rfc3339(self.advance())
        assert signed_at is not None
        hand = self.handwriting(person) if step.hand else None
        message = signoff_message(
            task_id=task.id, document_id=doc.id, document_digest=doc.digest, decision=decision,
            text=text, handwriting_sha256=hand, forward_to=forward_to, signer_id=person.user.id,
            signed_at=signed_at,
        )
        workflow.complete_task(person.user, {
            "task_id": task.id, "decision": decision, "text": text, "handwriting_sha256": hand,
            "forward_to": forward_to, "signed_at": signed_at,
            "signature": person.signer.sign(message), "document_digest": doc.digest,
            "circulate_to": self.ids(step.circulate, doc.unit_id),
            "countersign_to": self.ids(step.countersign, doc.unit_id),
        })


# --- documents ----------------------------------------------------------------------------


def _date_text(iso: str) -> str:
    y, m, d = (int(x) for x in iso.split("-"))
    return f"{y}年{m}月{d}日"


def _moved_attachment(att: corpus.AttachmentSpec, years: int) -> corpus.AttachmentSpec:
    return replace(att, name=shift_years(att.name, years), text=shift_years(att.text, years),
                   rows=tuple(tuple(shift_years(cell, years) for cell in row)
                              for row in att.rows))


def _moved_numbers(tl: Timeline) -> dict[str, str]:
    """Each corpus 发文字号 with the year its document is now issued in, so that a text
    citing 佳政函〔2004〕85号 names the same document as its number."""
    return {spec.doc_number: shift_years(spec.doc_number, tl.years(spec.issued_on))
            for spec in corpus.documents()}


def _moved(spec: corpus.DocSpec, tl: Timeline, numbers: Mapping[str, str]) -> corpus.DocSpec:
    """The document as issued in the present: its 成文日期 on the moved working day, the
    years of its number and texts following (2005年秋收 → the year it is issued in)."""
    years = tl.years(spec.issued_on)

    def text(t: str) -> str:
        return shift_years(t, years, numbers)

    return replace(
        spec, issued_on=tl.iso(spec.issued_on), doc_number=numbers[spec.doc_number],
        title=text(spec.title), paragraphs=tuple(text(p) for p in spec.paragraphs),
        notes=text(spec.notes), attachments=tuple(_moved_attachment(a, years)
                                                  for a in spec.attachments),
    )


def _attachment_bytes(att: corpus.AttachmentSpec) -> bytes:
    if att.media_type == "text/csv":
        # UTF-8 with BOM: the county's spreadsheet program opens it with the right encoding.
        lines = [",".join(row) for row in att.rows]
        return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")
    if att.media_type == "application/pdf":
        title = att.name.rsplit(".", 1)[0]
        return render_plain_pdf(title, [p for p in att.text.split("\n\n") if p.strip()],
                                allow_unembedded=True)
    return att.text.encode("utf-8")


def _attachment_media(att: corpus.AttachmentSpec) -> str:
    return TEXT_MEDIA if att.media_type == "text/plain" else (
        "text/csv; charset=utf-8" if att.media_type == "text/csv" else att.media_type)


def _split_recipient(spec: corpus.DocSpec) -> tuple[list[str], list[str]]:
    """(主送机关, paragraphs): a 请示/函 names its one recipient in a first "xx：" line."""
    paragraphs = list(spec.paragraphs)
    recipients = list(spec.main_recipients)
    first = paragraphs[0] if paragraphs else ""
    if not recipients and first.endswith("：") and len(first) <= 30:
        recipients, paragraphs = [first[:-1]], paragraphs[1:]
    return recipients, paragraphs


def _body(spec: corpus.DocSpec, signatory: str) -> tuple[bytes, str]:
    att_names = [a.name.rsplit(".", 1)[0] for a in spec.attachments]
    recipients, paragraphs = _split_recipient(spec)
    if spec.body_format == "text":
        lines = [spec.issuer, spec.doc_number, "", spec.title, ""]
        if recipients:
            lines.append("、".join(recipients) + "：")
        lines += ["　　" + p for p in paragraphs]
        if att_names:
            lines += ["", "附件：" + "；".join(att_names)]
        lines += ["", spec.issuer, _date_text(spec.issued_on)]
        if spec.notes:
            lines.append(f"（{spec.notes}）")
        return ("\n".join(lines) + "\n").encode("utf-8"), TEXT_MEDIA
    doc = OfficialDocument(
        issuer=spec.issuer, doc_number=spec.doc_number, title=spec.title,
        paragraphs=paragraphs, date_text=_date_text(spec.issued_on),
        main_recipients=recipients, signatory=signatory,
        urgency=spec.urgency, heading=spec.heading, attachments=att_names, notes=spec.notes,
        cc=list(spec.cc), printer=spec.printer,
        draw_seal=True,  # the demo county registers no seal images for these documents
    )
    # A fresh machine without the font packages still gets its demo (fonts not embedded).
    return render_pdf(doc, allow_unembedded=True), "application/pdf"


def _signatory(spec: corpus.DocSpec, c: County) -> str:
    """上行文 from a county bureau are signed by that bureau's head in the demo county."""
    if not spec.signatory:
        return ""
    for unit in county.units():
        if county.full_unit_name(unit.key) == spec.issuer:
            for tag in ("bureau_head", "bureau_deputy", "publisher2"):
                names = c.by_tag.get((unit.key, tag))
                if names and unit.key != county.FINANCE:
                    return c.people[names[0]].spec.display_name
    return spec.signatory


# 办理时限 counted from the receipt, in working days: 特急 next day, 加急 a week, 平件 two.
DUE_WORKING_DAYS = {"very_urgent": 1, "urgent": 5, "normal": 10}


def _received(spec: corpus.DocSpec, tl: Timeline, rng: random.Random) -> datetime:
    """签收: a 特急 document the day it is issued, others one to three working days
    later in the morning; never after the real now."""
    issued = datetime.fromisoformat(spec.issued_on).date()
    if spec.urgency == "very_urgent":
        return tl.cap(at(issued, rng.randint(10, 15), rng.randint(0, 59)))
    day = next_working_day(issued, rng.randint(1, 3))
    return tl.cap(at(day, rng.randint(8, 10), rng.randint(0, 59)))


def _due(plan: Plan, received: datetime, urgency: str, tl: Timeline,
         rng: random.Random) -> datetime:
    if plan.open and plan.due is not None:
        return tl.due_from_today(plan.due)
    due = tl.due(received, DUE_WORKING_DAYS.get(urgency, 10))
    if plan.open and due < tl.due_from_today(1):
        # Work still pending is due in the coming days (the time limit was extended):
        # overdue items are the ones the plan says are; an inbox all red helps nobody.
        due = tl.due_from_today(rng.randint(1, 4))
    return due


def _build_documents(c: County, router: _Router, sim: _SimulatedClock,
                     tl: Timeline) -> list[Document]:
    out = []
    rng = router.rng
    numbers = _moved_numbers(tl)
    router.numbers = numbers
    # Registered in the order they arrive, so 收文编号 follow the receipt times.
    arrivals = []
    for story in sorted(corpus.documents(), key=lambda s: (s.issued_on, s.key)):
        spec = _moved(story, tl, numbers)
        arrivals.append((_received(spec, tl, rng), story, spec))
    for received, story, spec in sorted(arrivals, key=lambda a: (a[0], a[1].key)):
        plan = PLANS[story.key]
        router.years = tl.years(story.issued_on)
        signatory = _signatory(spec, c)
        body, media = _body(spec, signatory)
        attachments = [(a.name, _attachment_bytes(a), _attachment_media(a))
                       for a in spec.attachments]
        sim.at = received
        clerk = c.user(router.resolve("@clerk", spec.unit))
        proposer = c.user(router.resolve("@proposer", spec.unit))
        recipients, _paragraphs = _split_recipient(spec)
        meta = {
            "doc_number": spec.doc_number, "issuer": spec.issuer, "doc_type": spec.doc_type,
            "title": spec.title, "classification": spec.classification,
            "urgency": spec.urgency, "signatory": signatory,
            "main_recipients": recipients, "cc": list(spec.cc),
            "issued_on": spec.issued_on, "notes": spec.notes,
        }
        doc = workflow.register_document(
            clerk, meta=meta, body_bytes=body, body_media_type=media, attachments=attachments,
            propose_to=[proposer.id], due_at=_due(plan, received, spec.urgency, tl, rng),
            received_at=received, unit_id=spec.unit,
        )
        router.run(doc, plan)
        doc = Document.get_by_id(doc.id)
        pending = Task.select().where(Task.document == doc.id, Task.status == "pending",
                                      Task.kind != "read").exists()
        if pending != plan.open:
            raise DemoError(f"plan of {spec.key} left pending={pending}, expected {plan.open}")
        out.append(doc)
    router.years, router.numbers = 0, {}
    return out


# --- notices ------------------------------------------------------------------------------


def _publisher(c: County, ref: str) -> User:
    if ref == "publisher2":
        return c.user(c.tagged(county.INFO_CENTER, "publisher2"))
    return c.user(ref)


def _audience(keys: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for key in keys:
        if key == "*all":
            out.append(county.ROOT)
        elif key == "*towns":
            out += [county.town_key(slug) for slug, _n, _p in county.TOWNS]
        else:
            out.append(key)
    return out


# Who has already read / acknowledged which notice. The fixed accounts keep their
# requires_ack notices unacknowledged, so their 通知公告 has work waiting.
_ACKED_BY_FIXED = {"liuyang": ("training3",), "chenming": ("platform_down", "training3")}


def _build_notices(c: County, sim: _SimulatedClock, rng: random.Random, tl: Timeline) -> None:
    fixed = {p.username for p in county.FIXED_PEOPLE}
    for spec in corpus.notices():
        publisher = _publisher(c, spec.publisher)
        published = tl.moment(spec.published_on)
        years = tl.years(spec.published_on)
        sim.at = published
        attachments = []
        for story_att in spec.attachments:
            att = _moved_attachment(story_att, years)
            sha = store_blob(_attachment_bytes(att), _attachment_media(att),
                             uploaded_by=publisher.id)
            attachments.append({"name": att.name, "sha256": sha})
        expires = None
        if spec.expires_on and spec.expires_on.startswith("+"):
            expires = clock.rfc3339(tl.real_now + timedelta(days=int(spec.expires_on[1:-1])))
        elif spec.expires_on:
            expires = clock.rfc3339(tl.shifted(spec.expires_on))
        notice, _ = notices.publish_notice(
            publisher, title=shift_years(spec.title, years), body=shift_years(spec.body, years),
            audience_unit_ids=_audience(spec.audience), requires_ack=spec.requires_ack,
            urgent=spec.urgent, expires_at=expires, attachments=attachments,
            client_ref=f"demo-{spec.key}",
        )
        # Receipts from part of the audience over the following working hours.
        audience = [u for u in models.User.select().where(models.User.id != publisher.id)
                    if can_see_notice(u, notice)]
        for user in audience:
            username = user.username
            if username in fixed:
                acked = spec.key in _ACKED_BY_FIXED.get(username, ())
                if not acked:
                    continue
            elif rng.random() > 0.6:
                continue
            sim.at = tl.after(published, rng.uniform(0.2, 16))
            if spec.requires_ack:
                notices.ack_notice(user, notice.id, sim.at)
            else:
                notices.mark_notice_read(user, notice.id, sim.at)
        if spec.withdrawn:
            sim.at = tl.after(published, rng.uniform(10, 18))
            notices.withdraw_notice(publisher, notice.id)


# --- --scale: many short documents for benchmarks ------------------------------------------


SCALE_UNITS = ("spread", "office")


def _build_scale(c: County, router: _Router, sim: _SimulatedClock, n: int, seed: int,
                 tl: Timeline, progress: Callable[[int], None] | None = None,
                 scale_unit: str = "spread") -> None:
    """N generated documents spread over the county office and the towns, registered in
    bulk (`workflow.register_documents_bulk`: the same rows and feed objects as one by
    one); a few percent are then routed on through the real sign-off path (proposed,
    instructed, finished), so the feed also holds signed opinions at scale. They arrive
    in office hours over the story's year, at most one every 20 minutes.

    `scale_unit="office"`: every one to the county office, whose clerk (wangli) then sees
    them all (the full-visibility user of bench/bench_sync.py --all-visible)."""
    rng = random.Random(seed + 1)
    units = [county.GOV_OFFICE] + [county.town_key(slug) for slug, _n, _p in county.TOWNS]
    if scale_unit == "office":
        units = [county.GOV_OFFICE]
    start = tl.moment("2005-01-04T08:30")
    span_days = max(1, (tl.limit - start).days - 2)
    step = min(20.0 / 60, span_days * 5 / 7 * 9.5 / max(1, n))  # office hours apart
    received = start
    batch = 1000
    for first in range(0, n, batch):
        with write_tx():
            per_unit: dict[str, list[workflow.BulkDocument]] = {}
            for i in range(first, min(n, first + batch)):
                unit = units[i % len(units)]
                received = tl.after(received, step)
                issued = next_working_day(received.astimezone(CST).date(), -rng.randint(1, 3))
                info = corpus.scale_document(i, rng, issued.isoformat())
                meta = {k: info[k] for k in ("doc_number", "issuer", "doc_type", "title",
                                             "issued_on", "urgency", "main_recipients",
                                             "signatory")}
                proposer = c.user(router.resolve("@proposer", unit))
                per_unit.setdefault(unit, []).append(workflow.BulkDocument(
                    meta=meta, body_bytes=str(info["body"]).encode("utf-8"),
                    body_media_type=TEXT_MEDIA, propose_to=[proposer.id],
                    due_at=tl.due(received, DUE_WORKING_DAYS[str(info["urgency"])]),
                    received_at=received,
                ))
            sim.at = received
            routed: list[tuple[str, str]] = []
            for unit, items in per_unit.items():
                clerk = c.user(router.resolve("@clerk", unit))
                ids = workflow.register_documents_bulk(clerk, unit, items)
                routed += [(unit, doc_id) for doc_id in ids if rng.random() < 0.06]
            for unit, doc_id in routed:
                # County documents go to a generated vice mayor, town documents to the town
                # head: the fixed leaders' inboxes stay as the demo made them.
                leader = "@vice1" if unit == county.GOV_OFFICE else "@head"
                handler = "chenming" if unit == county.GOV_OFFICE else "@proposer"
                roll = rng.random()
                steps = [S("@proposer", "approve", leader)]
                if roll < 0.4:
                    steps.append(S(leader, "approve", handler))
                if roll < 0.15:
                    steps.append(S(handler, "done"))
                router.run(Document.get_by_id(doc_id), Plan(tuple(steps)))
            sim.at = received
        if progress:
            progress(min(n, first + batch))


# --- entry points -------------------------------------------------------------------------


def _database_is_empty() -> bool:
    return not models.User.select().exists() and not models.Document.select().exists()


def _wipe(db_url: str) -> None:
    """Drop every platform table and start a new platform database (new instance_id)."""
    from server.migrations import SchemaVersion

    db = database.obj
    db.drop_tables([SchemaVersion, *reversed(models.ALL_MODELS)], safe=True,
                   **({} if is_sqlite() else {"cascade": True}))
    close_database()
    init_database(db_url)


def account_dicts(c: County | None = None, seed: int = 2005) -> list[dict[str, Any]]:
    """Every demo account: the fixed ones of docs/contracts.md first."""
    out = []
    for spec in county.people(seed):
        out.append({
            "username": spec.username,
            "password": DEMO_PASSWORD,
            "display_name": spec.display_name,
            "roles": list(spec.roles),
            "unit": county.unit_name(spec.unit),
            "unit_id": spec.unit,
            "title": spec.title,
            "user_id": f"u-{spec.username}",
        })
    return out


def init_demo(db_url: str, *, scale: int | None = None, seed: int = 2005, force: bool = False,
              progress: Callable[[int], None] | None = None,
              now: datetime | None = None, scale_unit: str = "spread") -> list[dict[str, Any]]:
    """Build the demo county in the database at `db_url`; returns the demo accounts.

    The story ends at `now` (default: the real current time; tests pass other days to
    check the calendar works whatever the date).

    Refuses (DemoError) a database that already holds users or documents unless `force`,
    which drops every platform table first (the platform's instance_id changes, so
    clients re-synchronise from scratch)."""
    if scale is not None and scale < 0:
        raise DemoError("--scale must be zero or more")
    init_database(db_url)
    if not _database_is_empty():
        if not force:
            users = models.User.select().count()
            docs = models.Document.select().count()
            raise DemoError(
                f"the database already holds data ({users} users, {docs} documents); "
                "init-demo only fills an empty database. Use --force to erase it and "
                "rebuild the demo county, or point --db at a new file."
            )
        _wipe(db_url)
    tl = Timeline(now or datetime.now(UTC))
    rng = random.Random(seed)
    t0 = time.perf_counter()
    # Every PDF of the demo county, the ones it issues through the exchange included, may
    # fall back to the unembedded STSong-Light: the demo runs on a machine with Python alone.
    with _simulated_clock() as sim, builtin_fallback():
        sim.at = tl.moment("2004-12-01T08:30")  # the county's accounts predate its story
        platform_keys.backdate(sim.at)  # so does the platform that vouches for its times
        c = _build_county(seed)
        demo_outgoing.configure_units(c.user("admin"))
        log.info("county: %d units, %d users (%.1fs)", len(county.units()), len(c.people),
                 time.perf_counter() - t0)
        router = _Router(c, sim, rng, tl)
        with write_tx():
            docs = _build_documents(c, router, sim, tl)
        log.info("documents: %d (%.1fs)", len(docs), time.perf_counter() - t0)
        with write_tx():
            _build_notices(c, sim, rng, tl)
        with write_tx():
            demo_outgoing.build_outgoing(c, router, sim)
        if scale:
            _build_scale(c, router, sim, scale, seed, tl, progress, scale_unit)
            log.info("scale: %d more documents (%.1fs)", scale, time.perf_counter() - t0)
        # Notices whose expiry passed are republished flagged `expired` (as of the end of
        # the story, so that nothing the demo records lies outside office hours).
        sim.at = tl.limit
        notices.sweep_expired()
    accounts = account_dicts(c, seed)
    _issue_enrolment_codes(accounts)
    return accounts


# The demo's enrolment codes last long enough for a demo database kept for weeks.
DEMO_CODE_TTL = timedelta(days=60)


def _issue_enrolment_codes(accounts: list[dict[str, Any]]) -> None:
    """A one-time signing-key enrolment code for each fixed account, as county IT would
    hand out (issue 13): printed with the accounts, so the leader can sign at once."""
    from server import enrolment

    fixed = {p.username for p in county.FIXED_PEOPLE}
    for acc in accounts:
        if acc["username"] in fixed:
            acc["enrolment_code"] = enrolment.issue_code(
                acc["user_id"], issued_by="init-demo", ttl=DEMO_CODE_TTL).code


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


ROLE_NAMES = {"admin": "系统管理", "clerk": "收发文", "leader": "领导批示",
              "reviewer": "核稿", "exchange": "公文交换",
              "staff": "承办/阅知", "publisher": "通知发布"}


def format_accounts(accounts: list[dict[str, Any]]) -> str:
    """A table the person who ran init-demo can read (and log in with)."""
    fixed = {p.username for p in county.FIXED_PEOPLE}
    header = ["用户名", "密码", "姓名", "角色", "单位", "职务", "签名启用码"]
    rows = [[a["username"], a["password"], a["display_name"],
             "、".join(ROLE_NAMES.get(r, r) for r in a["roles"]), a["unit"], a["title"],
             a.get("enrolment_code", "")]
            for a in accounts]
    widths = [max(_width(x) for x in col) for col in zip(header, *rows, strict=False)]

    def line(cells: list[str]) -> str:
        return "  ".join(_pad(c, w) for c, w in zip(cells, widths, strict=True)).rstrip()

    out = ["富锦市演示数据已生成。演示账户（密码均为 " + DEMO_PASSWORD + "）：", "",
           line(header), line(["-" * w for w in widths])]
    out += [line(r) for r, a in zip(rows, accounts, strict=True) if a["username"] in fixed]
    out += ["", f"其他 {len(accounts) - len(fixed)} 个账户：", ""]
    out += [line(r) for r, a in zip(rows, accounts, strict=True) if a["username"] not in fixed]
    out += ["", "签名启用码：每个一次有效，首次在本机签名前输入（客户端登录时或“启用签名密钥”），"
                "其他账户的启用码用 python -m server enrolment-code --user 用户名 生成。"]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="govdesk-platform init-demo",
                                     description="Fill an empty platform database with the "
                                                 "demo county 富锦市.")
    parser.add_argument("--db", default=os.environ.get("GOVDESK_DB_URL", DEFAULT_DB),
                        help="database URL or SQLite file (default %(default)s)")
    parser.add_argument("--scale", type=int, default=None,
                        help="add N generated documents (benchmarks)")
    parser.add_argument("--scale-unit", choices=SCALE_UNITS, default="spread",
                        help="where the generated documents go: spread over the county "
                             "office and the towns, or all to the county office")
    parser.add_argument("--json", action="store_true",
                        help='print only {"accounts": [...]} as JSON')
    parser.add_argument("--force", action="store_true",
                        help="erase a non-empty database first")
    parser.add_argument("--seed", type=int, default=2005)
    args = parser.parse_args(argv)
    if args.scale is not None and args.scale < 0:
        parser.error("--scale must be zero or more")

    def progress(done: int) -> None:
        if not args.json:
            print(f"  … {done}/{args.scale} generated documents", file=sys.stderr)

    try:
        accounts = init_demo(args.db, scale=args.scale, seed=args.seed, force=args.force,
                             progress=progress, scale_unit=args.scale_unit)
    except DemoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except peewee.DatabaseError as exc:
        # Unreachable or corrupt database: say which, without a traceback.
        print(f"error: cannot use the database {redact_url(args.db)}: {exc}", file=sys.stderr)
        return 1
    if args.json:
        json.dump({"accounts": accounts}, sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(format_accounts(accounts))
    return 0


__all__ = ["DemoError", "account_dicts", "format_accounts", "init_demo", "main"]
