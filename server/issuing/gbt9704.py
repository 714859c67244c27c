"""PDF bodies laid out like a GB/T 9704-2012 official document.

Uses reportlab's built-in CID font STSong-Light (no font file to ship). Layout: A4,
版心 156 mm x 225 mm; red issuer heading (版头), 发文字号 (with 签发人 for 上行文), red
rule, title, 主送机关, body in 三号 (16 pt, 22 lines a page), 附件说明, issuer signature
with a red seal and the date, 附注, then 版记 (抄送, 印发机关 and 印发日期) and page
numbers in the form "— 1 —".
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass, field

from reportlab.lib.colors import Color, black
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Flowable, KeepTogether, SimpleDocTemplate, Spacer

FONT = "STSong-Light"
RED = Color(0.86, 0.08, 0.08)
PAGE_W, PAGE_H = A4
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = 37 * mm, 35 * mm, 28 * mm, 26 * mm
TEXT_W = PAGE_W - MARGIN_LEFT - MARGIN_RIGHT  # 156 mm
BODY_SIZE = 16  # 三号
BODY_LEADING = 28.9  # 22 lines in the 225 mm 版心

_registered = False


def _ensure_font() -> None:
    global _registered
    if not _registered:
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
        _registered = True


@dataclass
class OfficialDocument:
    """What a GB/T 9704 page shows. Dates are written the Chinese way (2005年10月19日)."""

    issuer: str  # 发文机关全称, e.g. 佳木斯市人民政府
    doc_number: str
    title: str
    paragraphs: list[str]
    date_text: str
    main_recipients: list[str] = field(default_factory=list)
    signatory: str = ""  # 签发人: shown for 上行文 (请示, 报告)
    urgency: str = "normal"  # normal | urgent | very_urgent
    heading: str = ""  # 版头 text; default issuer + 文件
    attachments: list[str] = field(default_factory=list)
    notes: str = ""  # 附注
    cc: list[str] = field(default_factory=list)
    printer: str = ""  # 印发机关
    printed_on: str = ""


# 禁则: characters that may not start a line / end a line in Chinese typesetting.
_NO_LINE_START = set("，。、；：？！）》」』”’…%】〕")
_NO_LINE_END = set("（《「『“‘【〔")
_TOKEN = re.compile(r"[A-Za-z0-9.%·/\-]+|.", re.S)


class _CJKText(Flowable):
    """A paragraph broken into lines by hand: reportlab's CJK wrap lets a line start with
    a full-width comma. Lines are justified (last line and centred text excepted), a
    line never starts with closing punctuation nor ends with an opening one, and a run
    of Latin letters or digits (2005, 20万元's digits) is never split."""

    def __init__(self, text: str, size: float = BODY_SIZE, leading: float = BODY_LEADING, *,
                 first_indent: float = 0, left_indent: float = 0, center: bool = False,
                 lines: list[tuple[str, bool, bool]] | None = None) -> None:
        super().__init__()
        self.text = text
        self.size = size
        self.leading = leading
        self.first_indent = first_indent
        self.left_indent = left_indent
        self.center = center
        self.lines = lines  # (text, first line of the paragraph, last line)
        self.avail = TEXT_W

    def _break(self, width: float) -> list[tuple[str, bool, bool]]:
        def w(t: str) -> float:
            return pdfmetrics.stringWidth(t, FONT, self.size)

        lines: list[tuple[str, bool, bool]] = []
        cur: list[str] = []
        cur_w = 0.0
        for tok in _TOKEN.findall(self.text):
            limit = width - self.left_indent - (self.first_indent if not lines else 0)
            tw = w(tok)
            if cur and cur_w + tw > limit + 0.01:
                carry: list[str] = []
                if tok in _NO_LINE_START and len(cur) > 1:
                    carry = [cur.pop()]  # push the last character down with the mark
                while len(cur) > 1 and cur[-1] in _NO_LINE_END:
                    carry.insert(0, cur.pop())
                lines.append(("".join(cur), not lines, False))
                cur = carry
                cur_w = sum(w(t) for t in cur)
            cur.append(tok)
            cur_w += tw
        lines.append(("".join(cur), not lines, True))
        return lines

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.avail = avail_width
        if self.lines is None:
            self.lines = self._break(avail_width)
        return avail_width, len(self.lines) * self.leading

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        self.wrap(avail_width, avail_height)
        assert self.lines is not None
        fit = int(avail_height // self.leading)
        if fit <= 0 or fit >= len(self.lines):
            return [] if fit <= 0 else [self]
        kw = dict(first_indent=self.first_indent, left_indent=self.left_indent,
                  center=self.center)
        return [_CJKText(self.text, self.size, self.leading, lines=self.lines[:fit], **kw),
                _CJKText(self.text, self.size, self.leading, lines=self.lines[fit:], **kw)]

    def draw(self) -> None:
        c = self.canv
        c.setFont(FONT, self.size)
        assert self.lines is not None
        height = len(self.lines) * self.leading
        for i, (text, first, last) in enumerate(self.lines):
            y = height - i * self.leading - self.leading * 0.72
            if self.center:
                c.drawCentredString(self.avail / 2, y, text)
                continue
            x = self.left_indent + (self.first_indent if first else 0)
            space = 0.0
            if not last and len(text) > 1:
                free = self.avail - x - pdfmetrics.stringWidth(text, FONT, self.size)
                space = max(0.0, free / (len(text) - 1))
            c.drawString(x, y, text, charSpace=space)


class _Heading(Flowable):
    """版头: urgency mark, red issuer name, 发文字号 (and 签发人), red rule."""

    def __init__(self, doc: OfficialDocument) -> None:
        super().__init__()
        self.doc = doc
        self.width = TEXT_W
        self.height = 62 * mm

    def draw(self) -> None:
        c = self.canv
        d = self.doc
        top = self.height
        if d.urgency in ("urgent", "very_urgent"):
            c.setFont(FONT, 16)
            c.setFillColor(black)
            c.drawString(0, top - 6 * mm, "特急" if d.urgency == "very_urgent" else "加急")
        # Red issuer name, squeezed horizontally to fit the 版心 like printed 版头.
        text = d.heading or f"{d.issuer}文件"
        size = 30.0
        natural = pdfmetrics.stringWidth(text, FONT, size)
        scale = min(100.0, 100.0 * TEXT_W / natural) if natural else 100.0
        t = c.beginText()
        t.setFont(FONT, size)
        t.setFillColor(RED)
        t.setHorizScale(scale)
        drawn = natural * scale / 100.0
        t.setTextOrigin((TEXT_W - drawn) / 2, top - 26 * mm)
        t.textOut(text)
        c.drawText(t)
        c.setFillColor(black)
        c.setFont(FONT, BODY_SIZE)
        y = top - 44 * mm
        if d.signatory:  # 上行文: 字号 left, 签发人 right
            c.drawString(BODY_SIZE, y, d.doc_number)
            c.drawRightString(TEXT_W - BODY_SIZE, y, f"签发人：{d.signatory}")
        else:
            c.drawCentredString(TEXT_W / 2, y, d.doc_number)
        c.setStrokeColor(RED)
        c.setLineWidth(1.4)
        c.line(0, y - 6 * mm, TEXT_W, y - 6 * mm)


class _Signature(Flowable):
    """发文机关署名 and 成文日期, right-aligned, under a red round seal."""

    def __init__(self, issuer: str, date_text: str) -> None:
        super().__init__()
        self.issuer = issuer
        self.date_text = date_text
        self.width = TEXT_W
        self.height = 3 * BODY_LEADING

    def draw(self) -> None:
        c = self.canv
        c.setFont(FONT, BODY_SIZE)
        c.setFillColor(black)
        right = TEXT_W - 4 * BODY_SIZE  # 成文日期右空四字
        date_w = pdfmetrics.stringWidth(self.date_text, FONT, BODY_SIZE)
        name_w = pdfmetrics.stringWidth(self.issuer, FONT, BODY_SIZE)
        date_cx = right - date_w / 2
        c.drawString(date_cx - name_w / 2, self.height - BODY_LEADING, self.issuer)
        c.drawRightString(right, self.height - 2 * BODY_LEADING, self.date_text)
        _draw_seal(c, date_cx, self.height - 1.3 * BODY_LEADING, self.issuer)


def _draw_seal(c, cx: float, cy: float, text: str) -> None:  # noqa: ANN001 - reportlab canvas
    """A translucent red round seal: ring, star, the issuer's name along the arc."""
    r = 21 * mm
    c.saveState()
    c.setStrokeColor(RED, alpha=0.75)
    c.setFillColor(RED, alpha=0.75)
    c.setLineWidth(2)
    c.circle(cx, cy, r, stroke=1, fill=0)
    # Five-pointed star.
    p = c.beginPath()
    for i in range(10):
        rad = (6 * mm) if i % 2 == 0 else (2.4 * mm)
        ang = math.pi / 2 + i * math.pi / 5
        x, y = cx + rad * math.cos(ang), cy + rad * math.sin(ang)
        p.moveTo(x, y) if i == 0 else p.lineTo(x, y)
    p.close()
    c.drawPath(p, stroke=0, fill=1)
    size = 13
    c.setFont(FONT, size)
    n = len(text)
    span = min(math.radians(250), math.radians(24) * n)
    for i, ch in enumerate(text):
        ang = math.pi / 2 + span / 2 - (span * (i + 0.5) / n)
        x = cx + (r - 4.5 * mm) * math.cos(ang)
        y = cy + (r - 4.5 * mm) * math.sin(ang)
        c.saveState()
        c.translate(x, y)
        c.rotate(math.degrees(ang) - 90)
        c.drawCentredString(0, -size / 2.5, ch)
        c.restoreState()
    c.restoreState()


class _Rule(Flowable):
    def __init__(self, width: float = 0.8) -> None:
        super().__init__()
        self.line_width = width
        self.width = TEXT_W
        self.height = 2

    def draw(self) -> None:
        self.canv.setLineWidth(self.line_width)
        self.canv.line(0, 1, TEXT_W, 1)


class _PrintLine(Flowable):
    """版记 last line: 印发机关 left, 印发日期 right (the CID font has no nbsp to pad with)."""

    def __init__(self, left: str, right: str) -> None:
        super().__init__()
        self.left, self.right = left, right
        self.width = TEXT_W
        self.height = 22

    def draw(self) -> None:
        self.canv.setFont(FONT, 14)
        self.canv.drawString(14, 6, self.left)
        self.canv.drawRightString(TEXT_W - 14, 6, self.right)


def _page_number(canvas, doc) -> None:  # noqa: ANN001 - reportlab callback
    n = canvas.getPageNumber()
    canvas.saveState()
    canvas.setFont(FONT, 14)
    text = f"— {n} —"
    y = MARGIN_BOTTOM - 12 * mm
    if n % 2:
        canvas.drawRightString(PAGE_W - MARGIN_RIGHT - 14, y, text)
    else:
        canvas.drawString(MARGIN_LEFT + 14, y, text)
    canvas.restoreState()


def render_pdf(doc: OfficialDocument) -> bytes:
    """The document as PDF bytes (deterministic for equal input)."""
    _ensure_font()
    out = io.BytesIO()
    template = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=MARGIN_LEFT, rightMargin=MARGIN_RIGHT,
        topMargin=MARGIN_TOP, bottomMargin=MARGIN_BOTTOM, title=doc.title,
        author=doc.issuer, subject=doc.doc_number, creator="GovDesk demo", invariant=1,
    )

    story: list[Flowable] = [_Heading(doc), _CJKText(doc.title, 22, 32, center=True),
                             Spacer(1, BODY_LEADING / 2)]
    if doc.main_recipients:
        story.append(_CJKText("、".join(doc.main_recipients) + "："))
    story += [_CJKText(p, first_indent=2 * BODY_SIZE) for p in doc.paragraphs]
    if doc.attachments:
        story.append(Spacer(1, BODY_LEADING))
        for i, name in enumerate(doc.attachments, 1):
            prefix = "附件：" if i == 1 else "　　　"
            num = f"{i}. " if len(doc.attachments) > 1 else ""
            story.append(_CJKText(f"{prefix}{num}{name}", left_indent=5 * BODY_SIZE,
                                  first_indent=-3 * BODY_SIZE))
    story.append(Spacer(1, BODY_LEADING))
    story.append(_Signature(doc.issuer, doc.date_text))
    if doc.notes:
        story.append(_CJKText(f"（{doc.notes}）", first_indent=2 * BODY_SIZE))
    tail: list[Flowable] = [Spacer(1, BODY_LEADING), _Rule(1.0)]
    if doc.cc:
        tail.append(_CJKText("抄送：" + "，".join(doc.cc) + "。", 14, 22, left_indent=14))
        tail.append(_Rule(0.5))
    tail.append(_PrintLine(doc.printer or doc.issuer, f"{doc.printed_on or doc.date_text}印发"))
    tail.append(_Rule(1.0))
    story.append(KeepTogether(tail))
    template.build(story, onFirstPage=_page_number, onLaterPages=_page_number)
    return out.getvalue()


def render_plain_pdf(title: str, paragraphs: list[str]) -> bytes:
    """An attachment page (附件): centred title and body paragraphs, no 版头."""
    _ensure_font()
    out = io.BytesIO()
    template = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=MARGIN_LEFT, rightMargin=MARGIN_RIGHT,
        topMargin=MARGIN_TOP, bottomMargin=MARGIN_BOTTOM, title=title,
        creator="GovDesk demo", invariant=1,
    )
    story: list[Flowable] = [
        _CJKText(title, 22, 32, center=True),
        Spacer(1, BODY_LEADING / 2),
    ]
    story += [_CJKText(p, first_indent=2 * BODY_SIZE) for p in paragraphs]
    template.build(story, onFirstPage=_page_number, onLaterPages=_page_number)
    return out.getvalue()
