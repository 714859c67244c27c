"""印制: an official document laid out as GB/T 9704-2012 prescribes, as PDF bytes.

Page: A4, 版心 156 mm × 225 mm (天头 37 mm, 订口 28 mm); 正文 三号 (16 pt) on a grid of
22 lines of 28 characters. Elements, top to bottom (clause of the standard):

- 版头: 份号 (7.2.1, six digits, first line, top left), 密级 (7.2.2, 内部 for an
  `internal` document) and 紧急程度 (7.2.3, 特急/加急) on the next lines, black 黑体; the
  red 发文机关标志 (7.2.4, its top 35 mm under the 版心's top, 小标宋); 发文字号 two
  lines below it (7.2.5), centred, or for 上行文 left with "签发人：姓名" on the right
  (7.2.6, the name in 楷体); the red separator line 4 mm under it (7.2.7).
- 主体: title (7.3.1, 二号 小标宋, two lines under the rule, broken into a 梯形/菱形
  shape), 主送机关 (7.3.2), 正文 (7.3.3: paragraphs indented two characters, headings
  一、 黑体, （一） 楷体, 1. and （1） 仿宋, numbered by protocol.docbody), 附件说明 (7.3.4),
  署名 and 成文日期 in Arabic numerals (7.3.5) with the seal centred on the date, pressing
  down on both (7.3.5.1), or without a seal the unsealed layout (7.3.5.2); 附注 (7.3.6).
- 版记 (7.4) at the foot of the last page, which is always an even page (a blank page is
  added when needed, and then neither it nor the 版记 page is numbered): 抄送, 印发机关
  and 印发日期 between rules (first and last 0.35 mm, the middle one 0.25 mm), the last
  rule on the 版心's lower edge.
- 页码 (7.5): "— 1 —" in 四号 半角宋体 7 mm under the 版心, odd pages right, even pages
  left, one character in from the edge.

Line breaking keeps 禁则 (no closing mark at a line start, no opening mark at an end,
Latin and digit runs whole) and justifies every line but a paragraph's last.

Fonts are embedded and subset; server.issuing.gbt9704_fonts maps the roles 仿宋, 楷体,
黑体 and 宋体 to AR PL UMing, AR PL UKai and WenQuanYi Zen Hei (Debian packages
fonts-arphic-uming, fonts-arphic-ukai, fonts-wqy-zenhei) and says why.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from reportlab.lib.colors import Color, black
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Flowable, KeepTogether, PageBreak, Spacer
from reportlab.platypus.doctemplate import BaseDocTemplate, PageTemplate
from reportlab.platypus.frames import Frame

from protocol.docbody import BLOCK_KINDS, block_labels
from server.issuing.gbt9704_fonts import (
    FANGSONG,
    HEI,
    KAI,
    SONG,
    FontMissingError,
    builtin_fallback,
    font,
)

__all__ = ["FontMissingError", "OfficialDocument", "arabic_date", "render_pdf",
           "render_plain_pdf", "title_lines"]

RED = Color(0.86, 0.08, 0.08)
PAGE_W, PAGE_H = A4
MARGIN_TOP, MARGIN_LEFT = 37 * mm, 28 * mm
TEXT_W, TEXT_H = 156 * mm, 225 * mm
MARGIN_BOTTOM = PAGE_H - MARGIN_TOP - TEXT_H  # 35 mm
LINES, CHARS = 22, 28
BODY_SIZE = 16  # 三号
TITLE_SIZE = 22  # 二号
NOTE_SIZE = 14  # 四号: 版记, page numbers
LEADING = TEXT_H / LINES  # one grid line, 10.23 mm
PITCH = TEXT_W / CHARS  # one grid character, 5.57 mm: 16 pt glyphs set 0.2 pt tighter
SEAL_SIZE = 42 * mm
_EPS = 1e-6

URGENCY_TEXT = {"urgent": "加急", "very_urgent": "特急"}
CLASSIFICATION_TEXT = {"internal": "内部"}
_HEADING_FONT = {"p": FANGSONG, "h1": HEI, "h2": KAI, "h3": FANGSONG, "h4": FANGSONG}


@dataclass
class OfficialDocument:
    """What a GB/T 9704 document shows. Every field but the first three has a default so
    that callers written for an older version keep working."""

    issuer: str  # 发文机关全称 (署名), e.g. 富锦市人民政府
    doc_number: str  # 发文字号, e.g. 富政发〔2026〕12号
    title: str
    paragraphs: list[str] = field(default_factory=list)  # 正文 as plain paragraphs
    date_text: str = ""  # 成文日期 as text; Chinese numerals are turned Arabic
    main_recipients: list[str] = field(default_factory=list)
    signatory: str = ""  # 签发人: makes it a 上行文 (请示, 报告) 版头
    urgency: str = "normal"  # normal | urgent (加急) | very_urgent (特急)
    heading: str = ""  # 发文机关标志; default issuer + 文件
    attachments: list[str] = field(default_factory=list)  # 附件 names (附件说明)
    notes: str = ""  # 附注, printed in parentheses
    cc: list[str] = field(default_factory=list)  # 抄送机关
    printer: str = ""  # 印发机关; default the issuer
    printed_on: str = ""  # 印发日期 as text; default the 成文日期
    # Added for 发文 (issue 11):
    blocks: list[dict[str, Any]] | None = None  # protocol.docbody blocks; wins over paragraphs
    date: dt.date | None = None  # 成文日期; wins over date_text
    printed_date: dt.date | None = None  # 印发日期; wins over printed_on
    copy_number: str = ""  # 份号: six digits
    classification: str = "none"  # none | internal (内部)
    seal_png: bytes | None = None  # the unit's seal image, placed over 署名 and 成文日期
    draw_seal: bool = False  # no seal image: draw a round red seal (the demo's documents)
    letter: bool = False  # 信函格式 (10.1), the layout of a 函: 标志 and red double lines


# --- text ---------------------------------------------------------------------------------

# 禁则: characters that may not start a line / end a line in Chinese typesetting.
_NO_LINE_START = set("，。、；：？！）》」』”’…%】〕·")
_NO_LINE_END = set("（《「『“‘【〔")
_TOKEN = re.compile(r"[A-Za-z0-9.%·/\-]+|.", re.S)


_GLYPH_WIDTHS: dict[tuple[str, str], float] = {}


def _width(text: str, font_name: str, size: float, space: float) -> float:
    """Set width of `text` at `size` with `space` after each character. Per-character widths
    are memoised: line breaking asks for them thousands of times a document."""
    total = 0.0
    for ch in text:
        w = _GLYPH_WIDTHS.get((font_name, ch))
        if w is None:
            w = _GLYPH_WIDTHS[(font_name, ch)] = float(pdfmetrics.stringWidth(ch, font_name, 1))
        total += w
    return total * size + space * len(text)


def _break_lines(text: str, font_name: str, size: float, space: float, first: float,
                 rest: float) -> list[str]:
    """Greedy 禁则 line breaking; `first`/`rest` are the widths of the first/other lines."""
    lines: list[str] = []
    cur: list[str] = []
    cur_w = 0.0
    for tok in _TOKEN.findall(text):
        limit = rest if lines else first
        tw = _width(tok, font_name, size, space)
        if cur and cur_w + tw > limit + 0.01:
            carry: list[str] = []
            if tok in _NO_LINE_START and len(cur) > 1:
                carry = [cur.pop()]  # push the last character down with the mark
            while len(cur) > 1 and cur[-1] in _NO_LINE_END:
                carry.insert(0, cur.pop())
            lines.append("".join(cur))
            cur = carry
            cur_w = sum(_width(t, font_name, size, space) for t in cur)
        cur.append(tok)
        cur_w += tw
    lines.append("".join(cur))
    return lines


class _Text(Flowable):
    """A paragraph on the grid: lines broken by hand (reportlab's CJK wrap lets a line
    start with a full-width comma), justified but for the last line, split across pages
    between lines."""

    def __init__(self, text: str, role: str = FANGSONG, size: float = BODY_SIZE, *,
                 leading: float = LEADING, first_x: float = 0, rest_x: float = 0,
                 align: str = "justify", grid: bool = True,
                 lines: list[tuple[str, bool, bool]] | None = None) -> None:
        super().__init__()
        self.text, self.role, self.size, self.leading = text, role, size, leading
        self.first_x, self.rest_x, self.align, self.grid = first_x, rest_x, align, grid
        self.font_name = font(role)
        # On the grid every full-width character takes exactly TEXT_W / 28.
        self.space = (PITCH - BODY_SIZE) * size / BODY_SIZE if grid else 0.0
        self.avail = TEXT_W
        # (text, first line of the paragraph, last line); broken now, as every frame is
        # the 版心's width, so that the closing lines can be kept with the signature.
        self.lines = lines if lines is not None else self._layout(TEXT_W)

    def _layout(self, width: float) -> list[tuple[str, bool, bool]]:
        raw = _break_lines(self.text, self.font_name, self.size, self.space,
                           width - self.first_x, width - self.rest_x)
        return [(t, i == 0, i == len(raw) - 1) for i, t in enumerate(raw)]

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        if abs(avail_width - self.avail) > 0.01:
            self.avail = avail_width
            self.lines = self._layout(avail_width)
        return avail_width, len(self.lines) * self.leading

    def _part(self, lines: list[tuple[str, bool, bool]]) -> _Text:
        part = _Text(self.text, self.role, self.size, leading=self.leading,
                     first_x=self.first_x, rest_x=self.rest_x, align=self.align,
                     grid=self.grid, lines=lines)
        part.avail = self.avail
        return part

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        self.wrap(avail_width, avail_height)
        fit = int((avail_height + _EPS) // self.leading)
        if fit <= 0:
            return []
        if fit >= len(self.lines):
            return [self]
        return [self._part(self.lines[:fit]), self._part(self.lines[fit:])]

    def tail(self, n: int) -> tuple[_Text | None, _Text]:
        """The paragraph as (all but its last `n` lines, its last `n` lines)."""
        if len(self.lines) <= n:
            return None, self
        return self._part(self.lines[:-n]), self._part(self.lines[-n:])

    def draw(self) -> None:
        c = self.canv
        height = len(self.lines) * self.leading
        for i, (text, first, last) in enumerate(self.lines):
            y = height - i * self.leading - _baseline(self.leading, self.size)
            x = self.first_x if first else self.rest_x
            natural = _width(text, self.font_name, self.size, self.space)
            space = self.space
            if self.align == "center":
                x = (self.avail - natural + self.space) / 2
            elif self.align == "justify" and not last and len(text) > 1:
                space += max(0.0, (self.avail - x - natural + self.space) / (len(text) - 1))
            _draw(c, x, y, text, self.font_name, self.size, space)


def _baseline(leading: float, size: float) -> float:
    """Distance from a grid line's top to the baseline of `size` text centred in it."""
    return leading / 2 + size * 0.35


def _draw(c: Any, x: float, y: float, text: str, font_name: str, size: float,
          space: float = 0.0, *, color: Color = black, bold: float = 0.0,
          scale: float = 100.0) -> None:
    """One line of text; `bold` > 0 strokes the outline that wide (小标宋 from a 宋 face)."""
    # Colour, stroke and render mode are graphics state that outlives a text object (and a
    # text object skips a colour it believes current): keep each line's own to itself.
    c.saveState()
    c.setFillColor(color)
    t = c.beginText()
    t.setTextOrigin(x, y)
    t.setFont(font_name, size)
    if space:
        t.setCharSpace(space)
    if scale != 100.0:
        t.setHorizScale(scale)
    if bold:
        c.setStrokeColor(color)
        c.setLineWidth(bold)
        t.setTextRenderMode(2)
    t.textOut(text)
    c.drawText(t)
    c.restoreState()


# --- title: 梯形 or 菱形 --------------------------------------------------------------------

_GOOD_BREAK_BEFORE = ("关于",)
_GOOD_BREAK_AFTER = ("关于印发", "关于转发", "关于批转", "、", "，", "和")
# Two-character words common in titles: a break between their characters splits a word.
_TITLE_WORD_LIST = (
    "行动 方案 工作 通知 实施 意见 管理 建设 服务 安全 发展 规划 防火 防汛 资金 专项 重点 任务 分工 "
    "政务 能力 提升 基层 加强 做好 申请 印发 转发 批转 关于 年度 办法 规定 报告 请示 批复 部署 机制 "
    "制度 改革 建制 行政 撤销 部分 森林 草原 冬季 夏季 春季 秋季 生产 信息 网络 经济 社会 农村 农业 "
    "教育 卫生 医疗 保障 扶贫 振兴 乡村 环境 保护 治理 整治 检查 开展 推进 落实 组织 领导 人民 政府 "
    "办公 公室 委员 员会 试点 考核 评估 统计 财政 预算 项目 资源 交通 水利 应急 救援 调整 设立 成立")
_TITLE_WORDS = frozenset(_TITLE_WORD_LIST.split())
_NAME_END = set("省市县区镇乡村局委厅办部")


def title_lines(title: str, max_width: float, width: Callable[[str], float]) -> list[str]:
    """The title in as few lines as fit `max_width`, shaped as GB/T 9704 7.3.1 asks: lines
    of similar length forming a 梯形 or 菱形 (never an hourglass), broken between words where
    the title shows them (before 关于, after 印发 or a 、), keeping 禁则."""
    tokens = _TOKEN.findall(title)
    widths = [width(t) for t in tokens]
    total = sum(widths)
    if total <= max_width:
        return [title]
    if len(tokens) > 90:  # too many ways to break: plain greedy lines
        return _greedy_title(tokens, widths, max_width)
    unit = width("字") or 1.0
    best: tuple[float, list[str]] | None = None
    k0 = math.ceil(total / max_width)
    for k in range(k0, min(k0 + 2, len(tokens)) + 1):
        for cuts in combinations(range(1, len(tokens)), k - 1):
            bounds = (0, *cuts, len(tokens))
            lens = [sum(widths[a:b]) for a, b in zip(bounds, bounds[1:], strict=False)]
            if max(lens) > max_width + 0.01:
                continue
            cost = _title_cost(tokens, cuts, lens, unit)
            if best is None or cost < best[0]:
                best = (cost, ["".join(tokens[a:b])
                               for a, b in zip(bounds, bounds[1:], strict=False)])
        if best is not None:
            break
    return best[1] if best else _greedy_title(tokens, widths, max_width)


def _title_cost(tokens: Sequence[str], cuts: Sequence[int], lens: Sequence[float],
                unit: float) -> float:
    chars = [w / unit for w in lens]
    mean = sum(chars) / len(chars)
    cost = sum((n - mean) ** 2 for n in chars)
    peak = chars.index(max(chars))
    rising, falling = chars[:peak + 1], chars[peak:]
    if any(a > b + 0.01 for a, b in zip(rising, rising[1:], strict=False)) or any(
            a < b - 0.01 for a, b in zip(falling, falling[1:], strict=False)):
        cost += 50  # an hourglass or zigzag, not a 梯形/菱形
    issuer_end = "".join(tokens).find("关于")  # the title usually opens with the issuer
    for cut in cuts:
        before, after = "".join(tokens[:cut]), "".join(tokens[cut:])
        if after[0] in _NO_LINE_START or before[-1] in _NO_LINE_END:
            cost += 1000
        if before[-1] + after[0] in _TITLE_WORDS:
            cost += 5
        if 0 < len(before) < issuer_end:
            cost += 10  # inside the issuer's name
        if before[-1] in _NAME_END:
            cost -= 2
        elif after[0] in _NAME_END:
            cost += 4
        if before[-1].isdigit() and not after[0].isdigit():
            cost += 6  # 2026 | 年: a number stays with its unit
        if after.startswith(_GOOD_BREAK_BEFORE):
            cost -= 15  # the issuer's name on a line of its own
        elif before.endswith(_GOOD_BREAK_AFTER):
            cost -= 8
    return cost


def _greedy_title(tokens: Sequence[str], widths: Sequence[float], max_width: float
                  ) -> list[str]:
    lines, cur, cur_w = [], "", 0.0
    for tok, w in zip(tokens, widths, strict=True):
        if cur and cur_w + w > max_width:
            lines.append(cur)
            cur, cur_w = "", 0.0
        cur += tok
        cur_w += w
    return [*lines, cur]


class _Title(_Text):
    """7.3.1: 二号 小标宋, centred, in a 梯形/菱形 shape."""

    def __init__(self, title: str) -> None:
        super().__init__(title, SONG, TITLE_SIZE, align="center", grid=False)

    def _layout(self, width: float) -> list[tuple[str, bool, bool]]:
        # One character's margin each side keeps a full line off the 版心's edges.
        raw = title_lines(self.text, width - 2 * TITLE_SIZE,
                          lambda t: pdfmetrics.stringWidth(t, self.font_name, TITLE_SIZE))
        return [(t, i == 0, i == len(raw) - 1) for i, t in enumerate(raw)]

    def draw(self) -> None:
        c = self.canv
        height = len(self.lines) * self.leading
        for i, (text, _, _) in enumerate(self.lines):
            y = height - i * self.leading - _baseline(self.leading, self.size)
            w = pdfmetrics.stringWidth(text, self.font_name, self.size)
            _draw(c, (self.avail - w) / 2, y, text, self.font_name, self.size, bold=0.45)


# --- dates --------------------------------------------------------------------------------

_CN_DIGIT = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "○": 0, "O": 0}
_CN_DATE = re.compile(r"^\s*([〇零○O一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月"
                      r"([一二三四五六七八九十]{1,3})日\s*$")


def _cn_small(text: str) -> int:
    """十二 → 12, 二十一 → 21, 三十 → 30 (months and days)."""
    if "十" not in text:
        return _CN_DIGIT[text]
    tens, _, ones = text.partition("十")
    return (_CN_DIGIT[tens] if tens else 1) * 10 + (_CN_DIGIT[ones] if ones else 0)


def arabic_date(value: dt.date | str) -> str:
    """7.3.5.4: 2026年12月1日 — Arabic numerals, full year, no leading zeros. A date written
    in Chinese numerals (二〇二六年十二月一日) is converted; other text is kept as given."""
    if isinstance(value, dt.date):
        return f"{value.year}年{value.month}月{value.day}日"
    m = _CN_DATE.match(value)
    if not m:
        return value.strip()
    year = int("".join(str(_CN_DIGIT[ch]) for ch in m.group(1)))
    return f"{year}年{_cn_small(m.group(2))}月{_cn_small(m.group(3))}日"


# --- 版头 ---------------------------------------------------------------------------------

_MARK_TOP = 35 * mm  # 7.2.4: the 标志's top edge under the 版心's top edge
_MARK_SIZE = 18 * mm  # em of the 标志's characters
_MARK_MAX_CHAR = 15 * mm  # widest a 标志 character is set


class _Masthead(Flowable):
    """版头: 份号, 密级, 紧急程度, red 发文机关标志, 发文字号 (and 签发人), red rule."""

    def __init__(self, doc: OfficialDocument) -> None:
        super().__init__()
        self.doc = doc
        self.width = TEXT_W
        mark_bottom = _MARK_TOP + _MARK_SIZE
        self.number_top = mark_bottom + 2 * LEADING  # 7.2.5: 标志下空二行
        self.rule_y = self.number_top + LEADING / 2 + BODY_SIZE * 0.5 + 4 * mm  # 7.2.7
        self.height = self.rule_y + 2 * LEADING - LEADING / 2  # 7.3.1: 分隔线下空二行

    def draw(self) -> None:
        c, d, top = self.canv, self.doc, self.height
        song = font(FANGSONG)
        line = 0
        marks = [(d.copy_number, FANGSONG),
                 (CLASSIFICATION_TEXT.get(d.classification, ""), HEI),
                 (URGENCY_TEXT.get(d.urgency, ""), HEI)]
        for text, role in marks:  # 7.2.3: 份号, 密级, 紧急程度, top down, 顶格
            if text:  # (a face is registered only when a document uses it)
                _draw(c, 0, top - line * LEADING - _baseline(LEADING, BODY_SIZE), text,
                      font(role), BODY_SIZE)
                line += 1
        # 7.2.4: red, 小标宋, centred, each character at most 15 mm wide.
        text = d.heading or f"{d.issuer}文件"
        mark_font = font(SONG)
        natural = pdfmetrics.stringWidth(text, mark_font, _MARK_SIZE)
        per_char = min(_MARK_MAX_CHAR, TEXT_W / max(1, len(text)))
        scale = 100.0 * min(1.0, per_char * len(text) / natural) if natural else 100.0
        drawn = natural * scale / 100.0
        face = pdfmetrics.getFont(mark_font).face
        _draw(c, (TEXT_W - drawn) / 2, top - _MARK_TOP - _MARK_SIZE * face.ascent / 1000,
              text, mark_font, _MARK_SIZE, color=RED, bold=1.2, scale=scale)
        y = top - self.number_top - _baseline(LEADING, BODY_SIZE)
        if d.signatory:  # 7.2.5/7.2.6 上行文: 字号 居左空一字, 签发人 居右空一字
            kai = font(KAI)
            _draw(c, PITCH, y, d.doc_number, song, BODY_SIZE)
            name_w = pdfmetrics.stringWidth(d.signatory, kai, BODY_SIZE)
            label = "签发人："
            label_w = pdfmetrics.stringWidth(label, song, BODY_SIZE)
            x = TEXT_W - PITCH - name_w
            _draw(c, x - label_w, y, label, song, BODY_SIZE)
            _draw(c, x, y, d.signatory, kai, BODY_SIZE)
        else:
            w = pdfmetrics.stringWidth(d.doc_number, song, BODY_SIZE)
            _draw(c, (TEXT_W - w) / 2, y, d.doc_number, song, BODY_SIZE)
        c.setStrokeColor(RED)
        c.setLineWidth(1.5)
        c.line(0, top - self.rule_y, TEXT_W, top - self.rule_y)


_LETTER_MARK_TOP = 30 * mm  # 10.1: the 标志's top edge 30 mm under the page's top edge
_LETTER_MARK_SIZE = 15 * mm  # em of the 标志 (its size is the issuer's choice)
_LETTER_RULE_LEN = 170 * mm  # 10.1: both red double lines 170 mm long, centred
_DOUBLE_THICK, _DOUBLE_THIN, _DOUBLE_GAP = 1.0 * mm, 0.35 * mm, 0.7 * mm


def _double_rule(c: Any, y: float, *, thick_on_top: bool) -> None:
    """A red double line 170 mm long centred on the page; `y` is the upper line's middle."""
    x0 = (TEXT_W - _LETTER_RULE_LEN) / 2
    widths = (_DOUBLE_THICK, _DOUBLE_THIN) if thick_on_top else (_DOUBLE_THIN, _DOUBLE_THICK)
    c.saveState()
    c.setStrokeColor(RED)
    lower = y - widths[0] / 2 - _DOUBLE_GAP - widths[1] / 2
    for width, at in zip(widths, (y, lower), strict=True):
        c.setLineWidth(width)
        c.line(x0, at, x0 + _LETTER_RULE_LEN, at)
    c.restoreState()


class _LetterMasthead(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """信函格式 (GB/T 9704-2012 10.1): the red 标志 (the issuer's name) centred 30 mm under
    the page's top edge, above the 版心; 4 mm under it a red double line, thick over thin;
    under the line 份号, 密级, 紧急程度 顶格 at the left and the 发文字号 顶格 at the right;
    the title two lines under the last of them."""

    def __init__(self, doc: OfficialDocument) -> None:
        super().__init__()
        self.doc = doc
        self.width = TEXT_W
        # In the 版心's coordinates (it starts 37 mm under the page's top edge).
        self.rule_top = _LETTER_MARK_TOP + _LETTER_MARK_SIZE + 4 * mm - MARGIN_TOP
        marks = sum(1 for text in self._marks() if text[0])
        self.lines = max(1, marks)  # the 发文字号 shares the first line
        self.first_line = self.rule_top + _DOUBLE_THICK + _DOUBLE_GAP + _DOUBLE_THIN + 1 * mm
        self.height = self.first_line + (self.lines + 2) * LEADING  # title 二行 under them

    def _marks(self) -> list[tuple[str, str]]:
        d = self.doc
        return [(d.copy_number, FANGSONG),
                (CLASSIFICATION_TEXT.get(d.classification, ""), HEI),
                (URGENCY_TEXT.get(d.urgency, ""), HEI)]

    def draw(self) -> None:
        c, d, top = self.canv, self.doc, self.height
        text = d.heading or d.issuer
        mark_font = font(SONG)
        natural = pdfmetrics.stringWidth(text, mark_font, _LETTER_MARK_SIZE)
        per_char = min(_MARK_MAX_CHAR, TEXT_W / max(1, len(text)))
        scale = 100.0 * min(1.0, per_char * len(text) / natural) if natural else 100.0
        face = pdfmetrics.getFont(mark_font).face
        mark_top = top - (_LETTER_MARK_TOP - MARGIN_TOP)  # above the 版心: not clipped
        _draw(c, (TEXT_W - natural * scale / 100.0) / 2,
              mark_top - _LETTER_MARK_SIZE * face.ascent / 1000, text, mark_font,
              _LETTER_MARK_SIZE, color=RED, bold=1.2, scale=scale)
        _double_rule(c, top - self.rule_top - _DOUBLE_THICK / 2, thick_on_top=True)
        line = 0
        for mark, role in self._marks():
            if mark:
                _draw(c, 0, top - self.first_line - line * LEADING
                      - _baseline(LEADING, BODY_SIZE), mark, font(role), BODY_SIZE)
                line += 1
        song = font(FANGSONG)
        w = pdfmetrics.stringWidth(d.doc_number, song, BODY_SIZE)
        _draw(c, TEXT_W - w, top - self.first_line - _baseline(LEADING, BODY_SIZE),
              d.doc_number, song, BODY_SIZE)


# --- 署名, 成文日期, seal -------------------------------------------------------------------

class _Signature(Flowable):
    """7.3.5. Sealed: 成文日期 右空四字, 署名 centred over it, the seal centred on them with
    both a little under its centre, its top within a line of the text above. Unsealed
    (7.3.5.2): 署名 右空二字, the date under it two characters further right."""

    def __init__(self, issuer: str, date_text: str, seal_png: bytes | None,
                 draw_seal: bool) -> None:
        super().__init__()
        self.issuer, self.date_text = issuer, date_text
        self.seal = ImageReader(io.BytesIO(seal_png)) if seal_png else None
        self.sealed = self.seal is not None or draw_seal
        self.width = TEXT_W
        # Two free lines under the text leave room for the seal's upper half.
        self.height = (4 if self.sealed else 3) * LEADING

    def draw(self) -> None:
        c = self.canv
        song = font(FANGSONG)
        name_w = _width(self.issuer, song, BODY_SIZE, PITCH - BODY_SIZE)
        date_w = _width(self.date_text, song, BODY_SIZE, PITCH - BODY_SIZE)
        space = PITCH - BODY_SIZE
        name_line, date_line = (2, 3) if self.sealed else (1, 2)
        name_y = self.height - name_line * LEADING - _baseline(LEADING, BODY_SIZE)
        date_y = self.height - date_line * LEADING - _baseline(LEADING, BODY_SIZE)
        if self.sealed:
            date_x = TEXT_W - 4 * PITCH - date_w
            centre = date_x + date_w / 2
            name_x = centre - name_w / 2
        else:
            date_x = TEXT_W - 2 * PITCH - date_w
            name_x = date_x - 2 * PITCH
            if name_x + name_w > TEXT_W - 2 * PITCH:  # a long 署名: 右空二字, date follows
                name_x = TEXT_W - 2 * PITCH - name_w
                date_x = min(name_x + 2 * PITCH, TEXT_W - 2 * PITCH - date_w)
        _draw(c, name_x, name_y, self.issuer, song, BODY_SIZE, space)
        _draw(c, date_x, date_y, self.date_text, song, BODY_SIZE, space)
        if not self.sealed:
            return
        cx = date_x + date_w / 2
        # The pair's middle sits a fifth of a line under the seal's centre.
        cy = self.height - 3 * LEADING + 0.4 * LEADING
        if self.seal is not None:
            iw, ih = self.seal.getSize()
            w, h = SEAL_SIZE, SEAL_SIZE * ih / max(1, iw)
            c.drawImage(self.seal, cx - w / 2, cy - h / 2, w, h, mask="auto")
        else:
            _draw_seal(c, cx, cy, self.issuer)


def _draw_seal(c: Any, cx: float, cy: float, text: str) -> None:
    """A translucent red round seal: ring, star, the issuer's name along the arc."""
    r = SEAL_SIZE / 2
    c.saveState()
    c.setStrokeColor(RED, alpha=0.75)
    c.setFillColor(RED, alpha=0.75)
    c.setLineWidth(2)
    c.circle(cx, cy, r, stroke=1, fill=0)
    p = c.beginPath()
    for i in range(10):  # five-pointed star
        rad = (6 * mm) if i % 2 == 0 else (2.4 * mm)
        ang = math.pi / 2 + i * math.pi / 5
        x, y = cx + rad * math.cos(ang), cy + rad * math.sin(ang)
        p.moveTo(x, y) if i == 0 else p.lineTo(x, y)
    p.close()
    c.drawPath(p, stroke=0, fill=1)
    size = 13
    c.setFont(font(SONG), size)
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


# --- 版记 ---------------------------------------------------------------------------------

_THICK, _THIN = 0.35 * mm, 0.25 * mm  # 7.4.1


class _Colophon(Flowable):
    """7.4: 版记 at the foot of the last page, which must be an even page. It takes all the
    height left so that its last rule lies on the 版心's lower edge; on an odd page, or
    where it does not fit, it moves on a page (and past a blank page if that is odd)."""

    def __init__(self, doc: OfficialDocument, date_text: str, template: _DocTemplate) -> None:
        super().__init__()
        self.template = template
        self.song = font(FANGSONG)
        self.space = (PITCH - BODY_SIZE) * NOTE_SIZE / BODY_SIZE
        self.cc_lines: list[str] = []
        if doc.cc:
            label = "抄送："
            label_w = _width(label, self.song, NOTE_SIZE, self.space)
            inner = TEXT_W - 2 * NOTE_SIZE  # 左右各空一字
            self.cc_label_w = label_w
            self.cc_lines = _break_lines(label + "，".join(doc.cc) + "。", self.song, NOTE_SIZE,
                                         self.space, inner, inner - label_w)
        self.printer = doc.printer or doc.issuer
        printed = (arabic_date(doc.printed_date) if doc.printed_date
                   else arabic_date(doc.printed_on) if doc.printed_on else date_text)
        self.printed = f"{printed}印发"
        # 10.1: a letter's 版记 has neither 印发机关 and 印发日期 nor rules.
        self.letter = doc.letter
        self.needed = (len(self.cc_lines) + (0 if self.letter else 1)) * LEADING
        self.width = TEXT_W
        self.height = self.needed

    def _here(self, avail_height: float) -> bool:
        # A letter's 抄送 stands at the foot of its last page, whichever page that is.
        even = self.letter or self.template.page % 2 == 0
        return bool(even and avail_height + _EPS >= self.needed)

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.height = avail_height if self._here(avail_height) else avail_height + 1
        return avail_width, self.height

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        t = self.template
        if not self.letter and t.page % 2 == 0 and t.unnumbered_from is None:
            t.unnumbered_from = t.page + 1  # the blank odd page and the 版记 page after it
        return [PageBreak(), self]

    def draw(self) -> None:
        c = self.canv
        base = _baseline(LEADING, NOTE_SIZE)
        if self.letter:
            for i, text in enumerate(reversed(self.cc_lines)):
                x = NOTE_SIZE if i == len(self.cc_lines) - 1 else NOTE_SIZE + self.cc_label_w
                _draw(c, x, i * LEADING + LEADING - base, text, self.song, NOTE_SIZE,
                      self.space)
            return
        c.setStrokeColor(black)
        y = 0.0
        c.setLineWidth(_THICK)
        c.line(0, y, TEXT_W, y)  # the last rule, on the 版心's lower edge
        _draw(c, NOTE_SIZE, y + LEADING - base, self.printer, self.song, NOTE_SIZE, self.space)
        pw = _width(self.printed, self.song, NOTE_SIZE, self.space)
        _draw(c, TEXT_W - NOTE_SIZE - pw + self.space, y + LEADING - base, self.printed,
              self.song, NOTE_SIZE, self.space)
        y += LEADING
        if self.cc_lines:
            c.setLineWidth(_THIN)
            c.line(0, y, TEXT_W, y)
            for i, text in enumerate(reversed(self.cc_lines)):
                x = NOTE_SIZE if i == len(self.cc_lines) - 1 else NOTE_SIZE + self.cc_label_w
                _draw(c, x, y + LEADING - base, text, self.song, NOTE_SIZE, self.space)
                y += LEADING
        c.setLineWidth(_THICK)
        c.line(0, y, TEXT_W, y)


# --- pages --------------------------------------------------------------------------------

class _DocTemplate(BaseDocTemplate):
    """One frame, the 版心 exactly (no padding); page numbers drawn as each page ends, when
    it is known whether the page is a blank page or the 版记 page after one."""

    def __init__(self, out: io.BytesIO, *, numbered: bool = True, letter: bool = False,
                 **meta: Any) -> None:
        self.letter = letter
        super().__init__(out, pagesize=A4, leftMargin=MARGIN_LEFT,
                         rightMargin=PAGE_W - MARGIN_LEFT - TEXT_W, topMargin=MARGIN_TOP,
                         bottomMargin=MARGIN_BOTTOM, invariant=1,
                         # else reportlab names Helvetica, unembedded, on every page
                         initialFontName=font(FANGSONG), initialFontSize=BODY_SIZE, **meta)
        self.unnumbered_from: int | None = None
        frame = Frame(MARGIN_LEFT, MARGIN_BOTTOM, TEXT_W, TEXT_H, leftPadding=0,
                      rightPadding=0, topPadding=0, bottomPadding=0, id="body")
        self.addPageTemplates([PageTemplate(
            id="page", frames=[frame], onPageEnd=self._page_number if numbered else None)])

    def _page_number(self, canvas: Any, _doc: Any) -> None:
        n = canvas.getPageNumber()
        if self.letter and n == 1:
            # 10.1: the first page of a letter has no page number, and a red double line,
            # thin over thick, 20 mm above the page's lower edge.
            canvas.saveState()
            canvas.translate(MARGIN_LEFT, 0)
            _double_rule(canvas, 20 * mm + _DOUBLE_THIN / 2 + _DOUBLE_GAP + _DOUBLE_THICK,
                         thick_on_top=False)
            canvas.restoreState()
            return
        if self.unnumbered_from is not None and n >= self.unnumbered_from:
            return
        song = font(SONG)
        text = f"— {n} —"
        w = pdfmetrics.stringWidth(text, song, NOTE_SIZE)
        # 7.5: the dashes 7 mm under the 版心; 单页码居右空一字, 双页码居左空一字.
        y = MARGIN_BOTTOM - 7 * mm - NOTE_SIZE * 0.3
        x = MARGIN_LEFT + TEXT_W - NOTE_SIZE - w if n % 2 else MARGIN_LEFT + NOTE_SIZE
        canvas.saveState()
        _draw(canvas, x, y, text, song, NOTE_SIZE)
        canvas.restoreState()


def _body_flowables(doc: OfficialDocument) -> list[_Text]:
    indent = 2 * PITCH  # 每个自然段左空二字
    if doc.blocks is None:
        return [_Text(p, first_x=indent) for p in doc.paragraphs]
    for block in doc.blocks:
        if not isinstance(block, Mapping) or block.get("kind") not in BLOCK_KINDS \
                or not isinstance(block.get("text"), str):
            raise ValueError(f"not a body block (kind in {', '.join(BLOCK_KINDS)}, "
                             f"text a string): {block!r:.80}")
    labels = block_labels(doc.blocks)
    return [_Text(label + str(b["text"]), _HEADING_FONT[str(b["kind"])], first_x=indent)
            for label, b in zip(labels, doc.blocks, strict=True)]


def _attachment_flowables(names: Sequence[str]) -> list[_Text]:
    """7.3.4: 附件：1.名称 …, 左空二字; a long name wraps under its own first character."""
    out: list[_Text] = []
    song = font(FANGSONG)
    space = PITCH - BODY_SIZE
    label_w = 3 * PITCH  # 附件：
    for i, name in enumerate(names, 1):
        number = f"{i}." if len(names) > 1 else ""
        x0 = 2 * PITCH + (0 if i == 1 else label_w)
        prefix = ("附件：" if i == 1 else "") + number
        hang = 2 * PITCH + label_w + _width(number, song, BODY_SIZE, space)
        out.append(_Text(prefix + name, first_x=x0, rest_x=hang, align="left"))
    return out


def _check(doc: OfficialDocument) -> str:
    """The 成文日期 text; ValueError for input the layout cannot show honestly."""
    if doc.copy_number and not re.fullmatch(r"\d{6}", doc.copy_number):
        raise ValueError(f"份号 must be six digits, not {doc.copy_number!r}")
    if doc.classification not in ("none", "", *CLASSIFICATION_TEXT):
        raise ValueError(f"classification must be none or internal, not {doc.classification!r}")
    if doc.urgency not in ("normal", "", *URGENCY_TEXT):
        raise ValueError(f"urgency must be normal, urgent or very_urgent, not {doc.urgency!r}")
    if doc.seal_png is not None and not doc.seal_png.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ValueError("seal_png is not a PNG image")
    date_text = arabic_date(doc.date) if doc.date else arabic_date(doc.date_text)
    if not date_text:
        raise ValueError("成文日期 missing: give date or date_text")
    return date_text


def render_pdf(doc: OfficialDocument, *, allow_unembedded: bool = False) -> bytes:
    """The document as PDF bytes (deterministic for equal input). Raises ValueError for bad
    fields and FontMissingError when a font package is not installed, unless
    `allow_unembedded` (the demo's sample documents) lets reportlab's STSong-Light stand in."""
    if allow_unembedded:
        with builtin_fallback():
            return render_pdf(doc)
    date_text = _check(doc)
    out = io.BytesIO()
    template = _DocTemplate(out, title=doc.title, author=doc.issuer, subject=doc.doc_number,
                            creator="GovDesk", letter=doc.letter)
    masthead = _LetterMasthead(doc) if doc.letter else _Masthead(doc)
    story: list[Flowable] = [masthead, _Title(doc.title), Spacer(1, LEADING)]
    if doc.main_recipients:  # 7.3.2: 标题下空一行, 顶格, 回行仍顶格
        story.append(_Text("、".join(doc.main_recipients) + "：", align="left"))
    body = _body_flowables(doc)
    closing: list[Flowable] = []
    if body:  # the seal never stands on a page without text: keep two lines with it
        head, tail = body.pop().tail(2)
        body += [head] if head else []
        closing.append(tail)
    if doc.attachments:  # 7.3.4: 正文下空一行
        closing += [Spacer(1, LEADING), *_attachment_flowables(doc.attachments)]
    closing.append(_Signature(doc.issuer, date_text, doc.seal_png, doc.draw_seal))
    story += body
    story.append(KeepTogether(closing))
    if doc.notes:  # 7.3.6: 居左空二字, 加圆括号, 成文日期下一行
        story.append(_Text(f"（{doc.notes}）", first_x=2 * PITCH))
    if not (doc.letter and not doc.cc):  # a letter without 抄送 has no 版记 at all
        story.append(_Colophon(doc, date_text, template))
    template.build(story)
    return out.getvalue()


def render_plain_pdf(title: str, paragraphs: list[str], *, label: str = "",
                     allow_unembedded: bool = False) -> bytes:
    """An attachment (附件) on pages of its own: centred title and body paragraphs, no 版头.
    With `label` (附件1) GB/T 9704 8.1 applies: the label 黑体 顶格 on the first line, the
    title on the third."""
    if allow_unembedded:
        with builtin_fallback():
            return render_plain_pdf(title, paragraphs, label=label)
    out = io.BytesIO()
    template = _DocTemplate(out, title=title, creator="GovDesk")
    story: list[Flowable] = []
    if label:
        story += [_Text(label, HEI, align="left"), Spacer(1, LEADING)]
    story += [_Title(title), Spacer(1, LEADING)]
    story += [_Text(p, first_x=2 * PITCH) for p in paragraphs]
    template.build(story)
    return out.getvalue()
