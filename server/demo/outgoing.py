"""发文 and 公文交换 in the demo county: series and seals, the county's own documents at
every stage, towns' 待签收 boxes, a town's 请示 answered by a linked 批复, and upper-level
documents arriving through the exchange accounts of 省 and 佳木斯市.

Every action goes through the platform's own workflow functions with signed steps, at
simulated office hours in the last working days before the demo's "today".
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from protocol import docbody
from protocol.canonical import document_digest, outgoing_digest, step_message
from server import clock, notes
from server.blobs import store_blob
from server.demo import county
from server.demo.timeline import at, next_working_day
from server.issuing.gbt9704 import OfficialDocument, render_pdf
from server.models import Document, Outgoing, OutgoingStep, User
from server.workflow import desk, exchange, numbering, outgoing
from server.workflow.common import new_id

if TYPE_CHECKING:
    from server.demo.build import County, _Router, _SimulatedClock

SEAL_FONTS = ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
              "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
              "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
SEAL_RED = (220, 20, 30, 255)


def seal_png(name: str, size: int = 320) -> bytes:
    """A red round seal: ring, five-pointed star, the unit's name along the upper arc
    (when a CJK font is installed; the ring and star otherwise). Pillow comes with
    reportlab."""
    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    c, r = size / 2, size / 2 - 6
    draw.ellipse((c - r, c - r, c + r, c + r), outline=SEAL_RED, width=int(size * 0.035))
    star = []
    for i in range(10):
        radius = size * 0.17 if i % 2 == 0 else size * 0.068
        angle = -math.pi / 2 + i * math.pi / 5
        star.append((c + radius * math.cos(angle), c + radius * math.sin(angle)))
    draw.polygon(star, fill=SEAL_RED)
    font = None
    for path in SEAL_FONTS:
        try:
            font = ImageFont.truetype(path, int(size * 0.1))
            break
        except OSError:
            continue
    if font is not None and name:
        span = math.radians(250)  # the arc the name takes, centred on the top
        step = span / max(1, len(name) - 1)
        for i, ch in enumerate(name):
            angle = -math.pi / 2 - span / 2 + i * step
            x, y = c + r * 0.78 * math.cos(angle), c + r * 0.78 * math.sin(angle)
            glyph = Image.new("RGBA", (int(size * 0.14),) * 2, (0, 0, 0, 0))
            ImageDraw.Draw(glyph).text((glyph.width / 2, glyph.height / 2), ch, font=font,
                                       fill=SEAL_RED, anchor="mm")
            glyph = glyph.rotate(-math.degrees(angle + math.pi / 2), resample=Image.Resampling.BICUBIC)
            img.alpha_composite(glyph, (int(x - glyph.width / 2), int(y - glyph.height / 2)))
    out = io.BytesIO()
    img.save(out, "PNG", optimize=True)
    return out.getvalue()


def configure_units(admin: User) -> None:
    """The admin's setup: each issuing unit's series and seal."""
    for unit_key, series in county.unit_series().items():
        for prefix, label in series:
            numbering.add_series(unit_key, prefix, label)
        issuer = series[0][1]
        numbering.set_seal(admin.id, unit_key, seal_png(issuer.removeprefix("富锦市")
                                                        if unit_key != county.GOV_OFFICE
                                                        else issuer))


# --- the story --------------------------------------------------------------------------


@dataclass(frozen=True)
class Draft:
    key: str
    unit: str            # drafting unit
    drafter: str         # username or router placeholder
    doc_type: str
    title: str
    series: str
    paragraphs: tuple[str, ...]
    signatory: str
    reviewer: str | None = "liuyang"
    countersigners: tuple[str, ...] = ()
    main: str = "*towns"  # "*towns", or a unit key
    urgency: str = "normal"
    stage: str = "issued"  # how far the story takes it


TOWNS_GROUP = "各镇人民政府"

DRAFTS = (
    Draft("fire", county.GOV_OFFICE, "@office", "通知", "关于做好春季森林草原防火工作的通知",
          "富政办发", ("当前已进入春季森林草原防火紧要期，为切实做好防火工作，"
                      "现将有关事项通知如下。", "一是落实防火责任。", "二是加强巡查管控。",
                      "三是做好应急准备。各镇要于本月底前将落实情况报市政府办公室。"),
          "zhangjianguo", urgency="urgent"),
    Draft("safety", county.GOV_OFFICE, "@office", "通知", "关于开展安全生产大检查的通知",
          "富政发", ("为深刻吸取近期事故教训，市政府决定在全市"
                    "范围内开展安全生产大检查。",), "zhangjianguo", stage="signing"),
    Draft("spring", county.GOV_OFFICE, "@office", "通知", "关于召开全市春耕生产工作会议的通知",
          "富政办发", ("经市政府同意，定于下周召开全市春耕生产工作会议。",),
          "lihua", stage="reviewing"),
    Draft("flood", county.GOV_OFFICE, "@office", "通知", "关于印发富锦市防汛抗旱应急预案的通知",
          "富政发", ("《富锦市防汛抗旱应急预案》已经市政府同意，"
                    "现印发给你们，请认真贯彻执行。",), "zhangjianguo", stage="signed"),
    Draft("stats", county.GOV_OFFICE, "@office", "通知", "关于做好全市经济普查工作的通知",
          "富政办发", ("根据上级部署，现就做好经济普查工作通知如下。",),
          "lihua", stage="numbered"),
    Draft("roads", county.GOV_OFFICE, "@office", "通知", "关于加强农村公路养护管理的通知",
          "富政办发", ("为加强农村公路养护管理，现将有关事项通知如下。",),
          "lihua", stage="sealed"),
    Draft("water", county.GOV_OFFICE, "@office", "通知", "关于做好农村饮水安全工作的通知",
          "富政办发", ("为保障农村饮水安全，现就有关工作通知如下。",),
          "zhangjianguo", stage="revising"),
    Draft("merge", county.GOV_OFFICE, "@office", "函", "关于商请协助做好招商引资工作的函",
          "富政办函", ("为做好招商引资工作，请予协助。",),
          "lihua", stage="cancelled"),
    Draft("grain", county.GOV_OFFICE, "@office", "意见", "关于促进粮食生产稳定发展的意见",
          "富政发", ("为促进粮食生产稳定发展，提出如下意见。",),
          "zhangjianguo", reviewer=None, countersigners=("lihua",), stage="countersigning"),
    # 长安镇's 请示 goes up; the county answers with a 批复 (below).
    Draft("ask", county.CHANGAN, "zhengwei", "请示", "长安镇关于维修农田灌溉渠道的请示",
          "长安镇请", ("我镇灌溉渠道年久失修，严重影响春耕生产，"
                      "拟请市政府拨付维修资金。", "妥否，请批示。"), "@head", reviewer=None,
          main=county.GOV_OFFICE),
    # 二龙山镇's 请示 waits in the county's 待签收 box.
    Draft("ask2", county.town_key("erlongshan"), "@proposer", "请示",
          "二龙山镇关于申请维修镇中心小学校舍的请示", "二龙山镇请",
          ("我镇中心小学校舍老化，存在安全隐患，拟请予以维修。",
           "妥否，请批示。"), "@head", reviewer=None, main=county.GOV_OFFICE),
)

UPPER = (  # (sender account, 发文字号 prefix, number, title, paragraphs, urgency)
    ("hljsheng", "黑政办发", 21, "黑龙江省人民政府办公厅关于进一步加强安全生产工作的通知",
     ("各市（地）、县（市）人民政府：", "为进一步加强安全生产工作，经省政府同意，现通知如下。"),
     "urgent"),
    ("jmsshi", "佳政办发", 9, "佳木斯市人民政府办公室关于做好春耕备耕工作的通知",
     ("各县（市）区人民政府：", "为做好今年春耕备耕工作，现将有关事项通知如下。"), "normal"),
    ("jmsshi", "佳政办函", 14, "佳木斯市人民政府办公室关于报送农业统计数据的函",
     ("各县（市）区人民政府办公室：", "请于月底前报送本地农业统计数据。"), "normal"),
)


class _Story:
    def __init__(self, c: County, router: _Router, sim: _SimulatedClock) -> None:
        self.c, self.router, self.sim = c, router, sim
        self.towns = [county.town_key(slug) for slug, _n, _p in county.TOWNS]

    def user(self, name: str, unit: str) -> User:
        return self.c.user(self.router.resolve(name, unit))

    def now(self) -> str:
        return str(clock.rfc3339(self.router.advance(0.2, 1.5)))

    def clerk(self, unit: str) -> User:
        return self.user("@clerk", unit)

    def recipients(self, d: Draft) -> list[dict[str, Any]]:
        if d.main == "*towns":
            return [{"name": TOWNS_GROUP, "unit_ids": list(self.towns)}]
        return [{"name": county.full_unit_name(d.main), "unit_ids": [d.main]}]

    def step(self, out_id: str, decision: str, text: str = "",
             body: dict[str, Any] | None = None, note: str = "") -> None:
        step = OutgoingStep.get(OutgoingStep.outgoing == out_id, OutgoingStep.status == "pending")
        person = next(p for p in self.c.people.values() if p.user.id == step.assignee_id)
        out = Outgoing.get_by_id(out_id)
        sha = docbody.body_sha256(body) if body is not None else out.body_sha256
        digest = outgoing_digest(outgoing.digest_fields(out), body_sha256=sha)
        data: dict[str, Any] = {"step_id": step.id, "decision": decision, "text": text,
                                "outgoing_digest": digest}
        if body is not None:
            data.update(body=body, body_sha256=sha, version_note=note)
        if step.kind != "revise":
            signed_at = self.now()
            hand = self.router.handwriting(person) if step.kind == "sign" else None
            message = step_message(step_id=step.id, outgoing_id=out_id, outgoing_digest=digest,
                                   decision=decision, text=text, handwriting_sha256=hand,
                                   signer_id=person.user.id, signed_at=signed_at)
            data.update(handwriting_sha256=hand, signed_at=signed_at,
                        signature=person.signer.sign(message))
        else:
            self.now()
        outgoing.complete_step(person.user, data)

    def draft(self, d: Draft, in_reply_to: str | None = None) -> str:
        drafter = self.user(d.drafter, d.unit)
        assert not isinstance(d.paragraphs, str), d.key  # a tuple of paragraphs
        body = docbody.from_paragraphs(d.paragraphs)
        out_id = f"demo-out-{d.key}"
        self.now()
        outgoing.submit(drafter, {
            "outgoing_id": out_id, "doc_type": d.doc_type, "title": d.title,
            "main_recipients": self.recipients(d), "cc": [], "classification": "none",
            "urgency": d.urgency, "notes": "", "attachments": [],
            "signatory_id": self.user(d.signatory, d.unit).id,
            "reviewer_id": self.user(d.reviewer, d.unit).id if d.reviewer else None,
            "countersigner_ids": [self.user(u, d.unit).id for u in d.countersigners],
            "series": d.series, "body": body, "body_sha256": docbody.body_sha256(body),
            "in_reply_to": in_reply_to})
        if d.stage in ("reviewing", "countersigning"):
            return out_id
        if d.reviewer:
            if d.stage == "revising":
                self.step(out_id, "return", "请补充饮水工程管护责任的具体要求。")
                return out_id
            # 核稿 with an edit: the 办公室主任 adds a closing paragraph (version 2).
            blocks = [*body["blocks"], {"kind": "p", "text": "特此通知。"}]
            self.step(out_id, "approve", "已核，请领导签发。", {"v": 1, "blocks": blocks},
                      "补充结束语")
        if d.stage == "signing":
            return out_id
        self.step(out_id, "approve", "同意印发")
        clerk = self.clerk(d.unit)
        for stage, op in (("numbered", numbering.number), ("sealed", numbering.seal),
                          ("issued", exchange.issue)):
            if d.stage == "signed":
                return out_id
            self.now()
            op(clerk, {"outgoing_id": out_id})
            if d.stage == stage:
                return out_id
            if d.stage == "cancelled":
                self.now()
                outgoing.cancel(clerk, {"outgoing_id": out_id,
                                        "reason": "内容并入市政府办公室另文，本文撤销"})
                return out_id
        return out_id

    def receive(self, delivery_id: str, unit: str) -> str:
        doc = exchange.receive(self.clerk(unit), {"delivery_id": delivery_id, "at": self.now()})
        return str(doc.id)

    def deliveries(self, out_id: str) -> dict[str, str]:
        from server.models import Delivery

        return {d.recipient_unit_id: d.id
                for d in Delivery.select().where(Delivery.outgoing_id == out_id)}

    def upper(self, account: str, prefix: str, number: int, title: str,
              paragraphs: tuple[str, ...], urgency: str, to: list[str]) -> list[str]:
        sender = self.c.user(account)
        issuer_office = county.unit_name(sender.unit_id)
        issued = clock.now().astimezone(clock.CST).date()
        issued = next_working_day(issued, -2)
        number_text = f"{prefix}〔{issued.year}〕{number}号"
        pdf = render_pdf(OfficialDocument(
            issuer=issuer_office, doc_number=number_text, title=title,
            paragraphs=list(paragraphs[1:]), date_text=f"{issued.year}年{issued.month}月{issued.day}日",
            main_recipients=[paragraphs[0].rstrip("：")], urgency=urgency))
        sha = store_blob(pdf, "application/pdf", uploaded_by=sender.id)
        doc: dict[str, Any] = {
            "doc_number": number_text, "issuer": issuer_office, "doc_type": "通知"
            if "通知" in title else "函", "title": title, "classification": "none",
            "urgency": urgency, "signatory": None, "main_recipients": [paragraphs[0].rstrip("：")],
            "cc": [], "issued_on": issued.isoformat(), "notes": None,
            "body": {"sha256": sha, "media_type": "application/pdf", "size": len(pdf)},
            "attachments": []}
        doc["digest"] = document_digest(doc)
        self.now()
        sent = exchange.send(sender, {"send_id": new_id(), "document": doc,
                                      "main_unit_ids": to, "cc_unit_ids": []})
        return [d.id for d in sent]


def build_outgoing(c: County, router: _Router, sim: _SimulatedClock) -> None:
    """The 发文/交换 part of the story, in the last working days before today."""
    from server.demo.build import S

    tl = router.tl
    start = next_working_day(tl.today if tl.today.weekday() < 5 else
                             next_working_day(tl.today, -1), -4)
    sim.at = tl.cap(at(start, 8, 40))
    s = _Story(c, router, sim)
    drafts = {d.key: d for d in DRAFTS}
    # Upper-level documents arrive through the exchange first.
    first = s.upper(*UPPER[0], to=[county.GOV_OFFICE])
    s.receive(first[0], county.GOV_OFFICE)
    s.upper(*UPPER[1], to=[county.GOV_OFFICE, *s.towns[:4]])
    s.upper(*UPPER[2], to=[county.GOV_OFFICE])
    # The county's own documents at every stage.
    for key in ("fire", "safety", "spring", "flood", "stats", "roads", "water", "merge",
                "grain"):
        s.draft(drafts[key])
    # The 通知 to the 11 towns: six received, one refused, four still waiting.
    fire = s.deliveries("demo-out-fire")
    for unit in s.towns[:6]:
        if unit != county.YANSHAN:
            s.receive(fire[unit], unit)
    exchange.refuse(s.clerk(s.towns[6]), {"delivery_id": fire[s.towns[6]], "at": s.now(),
                                          "reason": "附件缺失，请重新发送"})
    # 长安镇's 请示 up; received, registered and routed to the mayor, who instructs; the
    # county's 批复 goes back down linked to it (waiting for 长安镇's 签收).
    s.draft(drafts["ask"])
    ask_doc = s.receive(s.deliveries("demo-out-ask")[county.GOV_OFFICE], county.GOV_OFFICE)
    wangli = c.user("wangli")
    mayor = c.user("zhangjianguo")
    desk.route(wangli, {"document_id": ask_doc, "tasks": [
        {"assignee_id": mayor.id, "kind": "instruct"}]})
    router.sign_off(Document.get_by_id(ask_doc), S(
        "zhangjianguo", "approve", text="同意维修，请市政府办公室拟文批复，资金由市财政局统筹安排。"))
    reply = Draft("reply", county.GOV_OFFICE, "@office", "批复",
                  "关于长安镇维修农田灌溉渠道的批复", "富政办函",
                  ("你镇《关于维修农田灌溉渠道的请示》收悉。经研究，同意拨付维修资金，请抓紧"
                   "组织实施。",), "zhangjianguo", reviewer=None,
                  main=county.CHANGAN)
    s.draft(reply, in_reply_to=ask_doc)
    # 留言: the clerk tells the mayor, on the 请示, where its 批复 stands.
    s.now()
    notes.send_note(wangli, {"note_id": "demo-note-ask", "document_id": ask_doc,
                             "to_user_id": mayor.id,
                             "text": "张市长：长安镇请示的批复稿已由办公室拟好，请您签发。"})
    # 二龙山镇's 请示 waits in the county's box.
    s.draft(drafts["ask2"])
    # 催办: the clerk reminds the mayor of the 签发 waiting for him.
    sign = OutgoingStep.get(OutgoingStep.outgoing == "demo-out-safety",
                            OutgoingStep.status == "pending")
    s.now()
    desk.remind(wangli, {"reminder_id": "demo-remind-safety", "step_id": sign.id,
                         "text": "《关于开展安全生产大检查的通知》请尽快签发。"})
