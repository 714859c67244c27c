"""The issued PDF (印制) holds every GB/T 9704-2012 element where the standard puts it.

Read back with poppler (pdftotext, pdffonts, pdfinfo, pdfimages, pdftoppm): CI installs
poppler-utils and the font packages (.ci/run); elsewhere a missing tool skips.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops, ImageDraw

from server.issuing import gbt9704_fonts
from server.issuing.gbt9704 import (
    OfficialDocument,
    arabic_date,
    render_pdf,
    title_lines,
)
from server.issuing.gbt9704_fonts import FontFile, FontMissingError
from tests.support.services import require_service

SENTENCE = "为进一步加强网络与信息安全工作，切实提高防护能力，现将有关事项通知如下。"
CC = ["市委办公室", "市人大常委会办公室", "市政协办公室"]


@pytest.fixture(autouse=True)
def _tools_and_fonts() -> None:
    for tool in ("pdftotext", "pdffonts", "pdfinfo", "pdfimages", "pdftoppm"):
        if shutil.which(tool) is None:
            require_service(f"{tool} (poppler-utils) to read the PDF")
    for role in gbt9704_fonts.ROLES:
        ff = gbt9704_fonts.font_file(role)
        if not Path(ff.path).is_file():
            require_service(f"the {role} font: Debian package {ff.package}")


def seal_png(size: int = 400) -> bytes:
    im = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    d.ellipse((4, 4, size - 4, size - 4), outline=(220, 20, 20, 220), width=size // 25)
    d.regular_polygon((size // 2, size // 2, size // 6), 5, fill=(220, 20, 20, 220))
    out = io.BytesIO()
    im.save(out, "PNG")
    return out.getvalue()


def sections(n: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for _ in range(n):
        out += [{"kind": "h1", "text": "总体要求"}, {"kind": "p", "text": SENTENCE * 2},
                {"kind": "h2", "text": "加强组织领导"}, {"kind": "p", "text": SENTENCE},
                {"kind": "h3", "text": "明确责任分工。"}, {"kind": "h4", "text": "镇级职责。"},
                {"kind": "p", "text": SENTENCE * 3}]
    return out


def notice(**changes: Any) -> OfficialDocument:
    """A 通知 (下行文) with every element."""
    doc = OfficialDocument(
        issuer="富锦市人民政府", doc_number="富政发〔2026〕12号",
        title="富锦市人民政府关于做好2026年冬季森林草原防火工作的通知",
        blocks=sections(2), date=dt.date(2026, 12, 1), copy_number="000045",
        main_recipients=["各镇人民政府", "市政府各部门"], urgency="very_urgent",
        attachments=["富锦市2026年冬季森林草原防火工作方案", "任务分工表"],
        notes="此件公开发布", cc=CC, printer="富锦市人民政府办公室",
        printed_date=dt.date(2026, 12, 2), seal_png=seal_png())
    for key, value in changes.items():
        setattr(doc, key, value)
    return doc


def request(**changes: Any) -> OfficialDocument:
    """A 请示 (上行文): 发文字号 left, 签发人 right; internal and 加急."""
    fields: dict[str, Any] = dict(
        doc_number="富政请〔2026〕2号", signatory="王建国", urgency="urgent",
        classification="internal", copy_number="000123",
        title="富锦市人民政府关于申请2026年冬季森林草原防火专项资金的请示",
        main_recipients=["佳木斯市人民政府"], blocks=sections(1))
    return notice(**(fields | changes))


def write(tmp_path: Path, doc: OfficialDocument, name: str = "doc.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(render_pdf(doc))
    return path


def run(*cmd: str | Path) -> str:
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=60,
                          check=True).stdout


def pages_text(path: Path) -> list[str]:
    """Each page's text in layout mode (the last split part after the final \\f is empty)."""
    return run("pdftotext", "-enc", "UTF-8", "-layout", path, "-").split("\f")[:-1]


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def page_count(path: Path) -> int:
    return int(re.search(r"Pages:\s+(\d+)", run("pdfinfo", path)).group(1))  # type: ignore[union-attr]


# --- every element --------------------------------------------------------------------------

def test_notice_shows_every_element_in_order(tmp_path: Path) -> None:
    path = write(tmp_path, notice())
    pages = pages_text(path)
    first = flat(pages[0])
    order = ["000045", "特急", "富锦市人民政府文件", "富政发〔2026〕12号",
             "富锦市人民政府关于做好2026年冬季森林草原防火工作的通知",
             "各镇人民政府、市政府各部门：", "一、总体要求", "（一）加强组织领导"]
    positions = [first.find(s) for s in order]
    assert -1 not in positions, list(zip(order, positions, strict=True))
    assert positions == sorted(positions)
    assert "签发人" not in first and "内部" not in first
    # 发文字号 centred: as far from the left as from the right of the 版心's text.
    number_line = next(line for line in pages[0].splitlines() if "富政发" in line)
    assert len(number_line) - len(number_line.lstrip()) > 10
    text = flat("".join(pages))
    tail = ["1.明确责任分工。", "（1）镇级职责。", "二、总体要求", "（一）加强组织领导",
            "附件：1.富锦市2026年冬季森林草原防火工作方案", "2.任务分工表", "富锦市人民政府",
            "2026年12月1日", "（此件公开发布）", "抄送：市委办公室，市人大常委会办公室，市政协办公室。",
            "富锦市人民政府办公室", "2026年12月2日印发"]
    at = text.find("1.明确责任分工。")
    for item in tail:  # each after the one before it
        found = text.find(item, at)
        assert found >= 0, item
        at = found + len(item)
    # Numbers restart under a new 一级标题: the second section's 二级 is （一） again.
    assert text.count("（一）加强组织领导") == 2 and "（二）" not in text
    for n, page in enumerate(pages, 1):
        assert f"— {n} —" in page
    assert len(pages) % 2 == 0 and "印发" in pages[-1] and "印发" not in "".join(pages[:-1])


def test_request_has_number_left_and_signatory_right(tmp_path: Path) -> None:
    pages = pages_text(write(tmp_path, request()))
    first = flat(pages[0])
    for item in ("000123", "内部", "加急", "富锦市人民政府文件", "佳木斯市人民政府：",
                 "富锦市人民政府关于申请2026年冬季森林草原防火专项资金的请示"):
        assert item in first, item
    assert first.index("000123") < first.index("内部") < first.index("加急") \
        < first.index("富锦市人民政府文件")
    line = next(line for line in pages[0].splitlines() if "富政请〔2026〕2号" in line)
    assert re.search(r"富政请〔2026〕2号\s{6,}签发人：\s*王建国", line), line
    assert len(line) - len(line.lstrip()) <= 3  # 居左空一字
    assert "— 1 —" in pages[0] and "— 2 —" in pages[1]


def test_page_numbers_on_the_outer_side(tmp_path: Path) -> None:
    out = run("pdftotext", "-bbox", write(tmp_path, notice()), "-")
    # pdftotext -bbox lists "—", "1", "—" as words; find each page's number digit.
    pages = out.split("<page ")[1:]
    width = float(re.search(r'width="([\d.]+)"', out).group(1))  # type: ignore[union-attr]
    for n, page in enumerate(pages, 1):
        words = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                           r'yMax="[\d.]+">(.*?)</word>', page)
        digit = [w for w in words if w[3] == str(n) and float(w[1]) > 745]  # under the 版心 (742.7 pt)
        assert digit, f"page {n} has no number at its foot"
        x = float(digit[0][0])
        assert (x > width / 2) if n % 2 else (x < width / 2), (n, x)


def test_metadata(tmp_path: Path) -> None:
    info = run("pdfinfo", write(tmp_path, notice()))
    assert re.search(r"Title:\s+富锦市人民政府关于做好2026年冬季森林草原防火工作的通知", info)
    assert re.search(r"Author:\s+富锦市人民政府\n", info)
    assert re.search(r"Subject:\s+富政发〔2026〕12号", info)


def test_every_font_is_embedded_and_subset(tmp_path: Path) -> None:
    path = write(tmp_path, notice())
    rows = run("pdffonts", path).splitlines()[2:]
    assert len(rows) >= 3, rows  # 仿宋/宋, 黑体 and 楷体 faces
    for row in rows:
        assert re.search(r"\byes\s+yes\s+yes\b", row), row  # emb, sub, uni
    names = " ".join(rows)
    assert "UMingCN" in names and "WenQuanYiZenHei" in names and "UKaiCN" in names
    assert "Helvetica" not in names and "STSong" not in names
    assert path.stat().st_size < 400_000  # subset, not the 20 MB collections


def test_rendering_is_deterministic() -> None:
    assert render_pdf(notice()) == render_pdf(notice())


# --- the seal -------------------------------------------------------------------------------

def _date_box(path: Path, page: int, date: str = "2026年12月1日"
              ) -> tuple[float, float, float, float]:
    out = run("pdftotext", "-f", str(page), "-l", str(page), "-bbox", path, "-")
    m = re.search(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                  + re.escape(date) + r'</word>', out)
    assert m, out
    return tuple(float(v) for v in m.groups())  # type: ignore[return-value]


def _red_pixels(path: Path, page: int, tmp_path: Path) -> Image.Image:
    """The page at 72 dpi (one pixel a point, as pdftotext -bbox counts) as a mask of its
    red pixels."""
    prefix = tmp_path / f"p{page}"
    run("pdftoppm", "-f", str(page), "-l", str(page), "-r", "72", "-png", "-singlefile",
        path, prefix)
    r, g, b = Image.open(f"{prefix}.png").convert("RGB").split()
    red = r.point(lambda v: 255 if v > 150 else 0)
    not_green = g.point(lambda v: 255 if v < 120 else 0)
    not_blue = b.point(lambda v: 255 if v < 120 else 0)
    return ImageChops.multiply(ImageChops.multiply(red, not_green), not_blue)


def _red_in(mask: Image.Image, box: tuple[float, float, float, float]) -> int:
    x0, y0, x1, y1 = (round(v) for v in box)
    return mask.crop((x0, y0, x1, y1)).histogram()[255]


def _red_bbox(mask: Image.Image) -> tuple[int, int, int, int] | None:
    return mask.getbbox()


def test_seal_image_presses_on_the_signature_and_date(tmp_path: Path) -> None:
    path = write(tmp_path, request())
    last = page_count(path)
    listing = [row.split() for row in run("pdfimages", "-list", path).splitlines()[2:]]
    # One image (and its alpha mask), on the date's page.
    assert [(int(row[0]), row[2]) for row in listing] == [(last, "image"), (last, "smask")]
    date = _date_box(path, last)
    im = _red_pixels(path, last, tmp_path)
    assert _red_in(im, date) > 20  # red over the date
    box = _red_bbox(im)
    assert box is not None
    x0, y0, x1, y1 = box
    size_mm = (x1 - x0) / 72 * 25.4
    assert 38 < size_mm < 46, size_mm  # about 42 mm
    centre_x = (x0 + x1) / 2
    assert abs(centre_x - (date[0] + date[2]) / 2) < 3  # centred on the date
    # The 署名 and date sit a little under the seal's centre.
    assert (y0 + y1) / 2 < date[1]
    assert y0 < date[1] - 28 < y1  # and it covers the 署名 line above


def test_without_a_seal_nothing_red_is_near_the_date(tmp_path: Path) -> None:
    path = write(tmp_path, request(seal_png=None))
    last = page_count(path)
    assert run("pdfimages", "-list", path).splitlines()[2:] == []
    x0, y0, x1, y1 = _date_box(path, last)
    im = _red_pixels(path, last, tmp_path)
    assert _red_in(im, (x0 - 120, y0 - 120, x1 + 60, y1 + 60)) == 0
    # 7.3.5.2: 署名 右空二字, the date under it.
    text = flat(pages_text(path)[-1])
    assert text.index("富锦市人民政府2026年12月1日") >= 0


def test_drawn_seal_only_when_asked(tmp_path: Path) -> None:
    path = write(tmp_path, request(seal_png=None, draw_seal=True))
    last = page_count(path)
    x0, y0, x1, y1 = _date_box(path, last)
    box = _red_bbox(_red_pixels(path, last, tmp_path))
    assert box is not None  # a round seal whose ring encloses the date and the 署名
    assert box[0] < x0 and box[2] > x1 and box[1] < y0 - 28 and box[3] > y1


# --- the grid: 22 lines of 28 characters ----------------------------------------------------

def test_body_is_22_lines_of_28_characters(tmp_path: Path) -> None:
    chars = "各单位要高度重视网络与信息安全工作切实落实主体责任建立健全工作机制确保措施落到实处"
    blocks = [{"kind": "p", "text": chars * 9}] * 12
    path = write(tmp_path, notice(blocks=blocks, attachments=[], notes="", cc=[]))
    pages = pages_text(path)
    assert len(pages) >= 4
    widths = []
    for n, page in enumerate(pages, 1):
        lines = [flat(line) for line in page.splitlines() if flat(line)]
        body = [line for line in lines if not re.fullmatch(r"—\d+—", line)]
        if 1 < n < len(pages) - 1:  # pages of body text only
            assert len(body) == 22, (n, body)
        assert len(body) <= 22
        widths += [len(line) for line in body if set(line) <= set(chars)]
    assert max(widths) == 28  # full lines hold exactly 28 characters
    assert widths.count(28) > 50


def test_ten_page_document(tmp_path: Path) -> None:
    doc = notice(blocks=sections(12))
    path = write(tmp_path, doc)
    pages = pages_text(path)
    assert len(pages) == page_count(path) >= 10
    for n, page in enumerate(pages, 1):
        assert f"— {n} —" in page
    assert "印发" in pages[-1] and len(pages) % 2 == 0


def test_colophon_goes_to_an_even_page_past_a_blank_one(tmp_path: Path) -> None:
    """Whatever the body's length, the 版记 is on the last page, which is even; when the body
    fills an even page, a blank page follows and neither it nor the 版记 page is numbered."""
    seen_blank = False
    base = [{"kind": "p", "text": SENTENCE * 4}] * 4
    for extra in range(24):
        blocks = base + [{"kind": "p", "text": "各单位认真落实。"}] * extra
        path = write(tmp_path, request(blocks=blocks, notes="", seal_png=None), f"{extra}.pdf")
        pages = pages_text(path)
        assert len(pages) % 2 == 0, extra
        assert "印发" in pages[-1] and not any("印发" in p for p in pages[:-1])
        if not flat(pages[-2]):
            seen_blank = True
            assert "—" not in pages[-1] and "—" not in pages[-2]
            assert f"— {len(pages) - 2} —" in pages[-3]
        else:
            assert f"— {len(pages)} —" in pages[-1]
    assert seen_blank


# --- text rules -----------------------------------------------------------------------------

def test_title_lines_make_a_trapezoid_or_diamond() -> None:
    def width(t: str) -> float:
        return sum(0.5 if c.isascii() else 1.0 for c in t)

    assert title_lines("关于做好防汛工作的通知", 18, width) == ["关于做好防汛工作的通知"]
    lines = title_lines("富锦市人民政府关于做好2026年冬季森林草原防火工作的通知", 18, width)
    assert len(lines) == 2 and all(width(t) <= 18 for t in lines)
    assert not lines[0].endswith("2026") and not lines[1].startswith("年")
    lines = title_lines("富锦市人民政府办公室关于印发富锦市基层政务服务能力提升三年行动方案"
                        "和2026年度重点任务分工的通知", 18, width)
    lens = [width(t) for t in lines]
    assert len(lines) == 3 and max(lens) <= 18
    peak = lens.index(max(lens))
    assert lens[:peak + 1] == sorted(lens[:peak + 1])
    assert lens[peak:] == sorted(lens[peak:], reverse=True)
    assert lines[0] == "富锦市人民政府办公室关于印发"  # a break after 印发, none inside a word
    assert title_lines("佳木斯市人民政府关于富锦市撤销部分行政村建制的批复", 18, width) == [
        "佳木斯市人民政府关于富锦市", "撤销部分行政村建制的批复"]
    # A break before 关于 wins when the lines stay balanced.
    assert title_lines("富锦市人民政府办公室关于加强冬季安全生产工作的通知", 18, width)[1] \
        .startswith("关于")


def test_dates_in_arabic_numerals() -> None:
    assert arabic_date(dt.date(2026, 12, 1)) == "2026年12月1日"
    assert arabic_date("二〇二六年十二月一日") == "2026年12月1日"
    assert arabic_date("二〇〇五年十月十九日") == "2005年10月19日"
    assert arabic_date("二〇二六年三月二十一日") == "2026年3月21日"
    assert arabic_date("2026年1月5日") == "2026年1月5日"


def test_chinese_date_text_is_printed_arabic(tmp_path: Path) -> None:
    path = write(tmp_path, notice(date=None, date_text="二〇二六年十二月一日"))
    assert "2026年12月1日" in flat("".join(pages_text(path)))


def test_paragraphs_still_work_and_blocks_win(tmp_path: Path) -> None:
    old = OfficialDocument("富锦市人民政府", "富政发〔2026〕1号", "关于测试的通知",
                           ["第一段落文字。", "第二段落文字。"], "2026年12月1日")
    text = flat("".join(pages_text(write(tmp_path, old, "old.pdf"))))
    assert "第一段落文字。第二段落文字。" in text
    old.blocks = [{"kind": "h1", "text": "新的标题"}]
    text = flat("".join(pages_text(write(tmp_path, old, "new.pdf"))))
    assert "一、新的标题" in text and "第一段落" not in text


@pytest.mark.parametrize(("changes", "message"), [
    ({"copy_number": "123"}, "份号"),
    ({"classification": "secret"}, "classification"),
    ({"urgency": "soon"}, "urgency"),
    ({"seal_png": b"GIF89a"}, "PNG"),
    ({"blocks": [{"kind": "h9", "text": "x"}]}, "block"),
    ({"blocks": [{"kind": "p"}]}, "block"),
    ({"date": None, "date_text": ""}, "成文日期"),
])
def test_bad_input_is_refused_clearly(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        render_pdf(notice(**changes))


# --- fonts ----------------------------------------------------------------------------------

@pytest.fixture
def fresh_fonts() -> Iterator[None]:
    gbt9704_fonts.forget()
    yield
    gbt9704_fonts.forget()


def test_missing_font_package_is_named_in_one_line(monkeypatch: pytest.MonkeyPatch,
                                                   fresh_fonts: None) -> None:
    monkeypatch.setitem(gbt9704_fonts.DEFAULTS, "hei",
                        FontFile("/nonexistent/wqy-zenhei.ttc", 0, "fonts-wqy-zenhei"))
    with pytest.raises(FontMissingError) as err:
        render_pdf(notice())
    assert "\n" not in str(err.value)
    assert "install the Debian package fonts-wqy-zenhei" in str(err.value)


def test_font_override_by_environment(monkeypatch: pytest.MonkeyPatch, fresh_fonts: None,
                                      tmp_path: Path) -> None:
    monkeypatch.setenv("GOVDESK_PDF_FONT_KAI", "/nonexistent/kai.ttf")
    with pytest.raises(FontMissingError, match="GOVDESK_PDF_FONT_KAI"):
        render_pdf(notice())
    kai = gbt9704_fonts.DEFAULTS["hei"]  # any TrueType face will do
    monkeypatch.setenv("GOVDESK_PDF_FONT_KAI", f"{kai.path}:{kai.index}")
    gbt9704_fonts.forget()
    rows = run("pdffonts", write(tmp_path, notice())).splitlines()[2:]
    assert not any("UKai" in row for row in rows)


def test_cff_fonts_are_refused_with_a_reason(monkeypatch: pytest.MonkeyPatch,
                                             fresh_fonts: None) -> None:
    noto = Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc")
    if not noto.is_file():
        require_service("fonts-noto-cjk not installed (only used to show the refusal)")
    monkeypatch.setenv("GOVDESK_PDF_FONT_FANGSONG", f"{noto}:2")
    with pytest.raises(FontMissingError, match="cannot be embedded"):
        render_pdf(notice())


def test_demo_documents_fall_back_to_an_unembedded_font(monkeypatch: pytest.MonkeyPatch,
                                                        fresh_fonts: None,
                                                        tmp_path: Path) -> None:
    """Only when asked (the demo county on a machine without the packages)."""
    for role in gbt9704_fonts.ROLES:
        monkeypatch.setitem(gbt9704_fonts.DEFAULTS, role,
                            FontFile(f"/nonexistent/{role}.ttc", 0, f"fonts-{role}"))
    with pytest.raises(FontMissingError):
        render_pdf(notice())
    path = tmp_path / "demo.pdf"
    path.write_bytes(render_pdf(notice(), allow_unembedded=True))
    rows = run("pdffonts", path).splitlines()[2:]
    assert rows and all("STSong-Light" in row and " no " in row for row in rows)
    assert "富锦市人民政府文件" in flat("".join(pages_text(path)))
    with pytest.raises(FontMissingError):  # the fallback does not outlive the call
        render_pdf(notice())


def test_attachment_pages_carry_their_label(tmp_path: Path) -> None:
    from server.issuing.gbt9704 import render_plain_pdf

    path = tmp_path / "att.pdf"
    path.write_bytes(render_plain_pdf("任务分工表", ["各镇负责本辖区。"], label="附件2"))
    words = dict((w, float(y)) for y, w in re.findall(
        r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="[\d.]+" yMax="([\d.]+)">(.*?)</word>',
        run("pdftotext", "-bbox", path, "-")))
    grid = 225 / 22 / 25.4 * 72
    assert words["附件2"] == pytest.approx(37 / 25.4 * 72 + grid / 2 + 16 * 0.35 + 2.5, abs=4)
    assert words["任务分工表"] - words["附件2"] == pytest.approx(2 * grid, abs=3)  # third line
    rows = run("pdffonts", path).splitlines()[2:]
    assert any("WenQuanYiZenHei" in row for row in rows)  # the label in 黑体


def test_title_without_recipients_still_leaves_a_line(tmp_path: Path) -> None:
    lines = [flat(line) for line in pages_text(write(tmp_path, notice(main_recipients=[])))[0]
             .splitlines()]
    at = lines.index("冬季森林草原防火工作的通知")
    assert lines[at + 1] == "" and lines[at + 2] == "一、总体要求"


# --- 信函格式 (10.1) -------------------------------------------------------------------------

def letter(**changes: Any) -> OfficialDocument:
    """A 函 with 份号, 紧急程度, 抄送 and enough text for two pages."""
    fields: dict[str, Any] = dict(
        issuer="富锦市人民政府办公室", doc_number="富政办函〔2026〕3号", letter=True,
        title="富锦市人民政府办公室关于商请协助做好春季农村劳动力转移就业培训工作的函",
        main_recipients=["市人力资源和社会保障局"], blocks=sections(1), urgency="urgent",
        notes="", attachments=[], cc=["市财政局", "市农业农村局"], copy_number="000012")
    return notice(**(fields | changes))


def _rows_with_red(mask: Image.Image, x0: int, x1: int) -> list[int]:
    """The pixel rows in which red spans at least 90 % of [x0, x1): the rules."""
    return [y for y in range(mask.height)
            if mask.crop((x0, y, x1, y + 1)).histogram()[255] >= 0.9 * (x1 - x0)]


def test_letter_has_the_issuer_as_mark_double_lines_and_number_right(tmp_path: Path) -> None:
    path = write(tmp_path, letter())
    pages = pages_text(path)
    first = flat(pages[0])
    # The 标志 is the issuer's name alone (no 文件); 份号 and 紧急程度 come after it.
    assert first.startswith("富锦市人民政府办公室") and "文件" not in first[:20]
    assert first.index("富锦市人民政府办公室") < first.index("000012") < first.index("加急")
    line = next(line for line in pages[0].splitlines() if "富政办函〔2026〕3号" in line)
    assert re.search(r"^\s*000012\s{10,}富政办函〔2026〕3号\s*$", line), line  # 顶格居右
    # First page: no page number; the second page is numbered.
    assert "— 1 —" not in pages[0] and "— 2 —" in pages[1]
    # 版记: 抄送 only; no 印发机关, no 印发日期.
    assert "抄送：市财政局，市农业农村局。" in flat(pages[-1])
    assert "印发" not in flat("".join(pages))
    # Red double lines, 170 mm long (482 pt), at the top under the 标志 and 20 mm above
    # the page's lower edge, on the first page only.
    mask = _red_pixels(path, 1, tmp_path)
    centre = round(28 * 72 / 25.4 + 156 * 72 / 25.4 / 2)
    rows = _rows_with_red(mask, centre - 235, centre + 235)
    assert rows, "no red rule of 170 mm on the first page"
    top = [y for y in rows if y < mask.height / 2]
    bottom = [y for y in rows if y > mask.height / 2]
    mm = 72 / 25.4
    assert top and 45 * mm < min(top) < 52 * mm, top  # 30 mm + the 标志 + 4 mm
    assert bottom and abs((mask.height - max(bottom)) - 20 * mm) < 2 * mm, bottom
    assert max(top) - min(top) >= 2 and max(bottom) - min(bottom) >= 2  # two lines each
    assert _red_in(mask, (centre - 260, 0, centre + 260, 30 * mm)) == 0  # 30 mm from the top
    assert not _rows_with_red(_red_pixels(path, 2, tmp_path), centre - 235, centre + 235)


def test_letter_without_cc_has_no_colophon(tmp_path: Path) -> None:
    pages = pages_text(write(tmp_path, letter(cc=[], blocks=sections(1)[:2])))
    assert len(pages) == 1
    assert "抄送" not in pages[0] and "印发" not in pages[0] and "— 1 —" not in pages[0]


def test_issued_outgoing_carries_seal_heading_faces_and_letter_layout(tmp_path: Path) -> None:
    from server.issuing.issue import IssuedLayout, render_outgoing

    body = {"v": 1, "blocks": [{"kind": "h1", "text": "培训安排"},
                               {"kind": "p", "text": SENTENCE}]}
    base = dict(issuer="富锦市人民政府办公室", doc_number="富政办发〔2026〕7号",
                doc_type="通知", title="关于做好春季培训工作的通知", body=body,
                issued_on=dt.date(2026, 3, 3), printed_on=dt.date(2026, 3, 4),
                main_recipients=["各镇人民政府"], cc=["市财政局"], seal_png=seal_png())
    notice_pdf = tmp_path / "notice.pdf"
    notice_pdf.write_bytes(render_outgoing(IssuedLayout(**base)))  # type: ignore[arg-type]
    # The unit's registered seal is in the PDF, pressed on the date.
    assert len(run("pdfimages", "-list", notice_pdf).splitlines()) > 2
    (page,) = [n for n, text in enumerate(pages_text(notice_pdf), 1) if "2026年3月3日" in text]
    date = _date_box(notice_pdf, page, "2026年3月3日")
    assert _red_in(_red_pixels(notice_pdf, page, tmp_path), date) > 20
    # The heading in 黑体: its face is among the fonts (a paragraph-only body has none).
    plain = tmp_path / "plain.pdf"
    plain.write_bytes(render_outgoing(IssuedLayout(**(base | {"body": {  # type: ignore[arg-type]
        "v": 1, "blocks": [{"kind": "p", "text": "一、培训安排"}, body["blocks"][1]]}}))))

    def faces(path: Path) -> set[str]:
        return {row.split()[0].split("+")[-1] for row in run("pdffonts", path).splitlines()[2:]}
    assert len(faces(notice_pdf) - faces(plain)) == 1
    assert "一、培训安排" in flat(pages_text(notice_pdf)[0])
    letter_pdf = tmp_path / "letter.pdf"
    letter_pdf.write_bytes(render_outgoing(IssuedLayout(  # type: ignore[arg-type]
        **(base | {"doc_type": "函", "doc_number": "富政办函〔2026〕3号"}))))
    first = flat(pages_text(letter_pdf)[0])
    assert first.startswith("富锦市人民政府办公室") and "文件" not in first
    assert "印发" not in first


def test_the_demo_platform_issues_with_the_fallback_too(monkeypatch: pytest.MonkeyPatch,
                                                        fresh_fonts: None) -> None:
    """The embedded demo platform's process (GOVDESK_DEMO_PDF_FALLBACK=1): a document a demo
    clerk issues (核发) lays out without the packages; a real platform still refuses."""
    for role in gbt9704_fonts.ROLES:
        monkeypatch.setitem(gbt9704_fonts.DEFAULTS, role,
                            FontFile(f"/nonexistent/{role}.ttc", 0, f"fonts-{role}"))
    monkeypatch.setenv(gbt9704_fonts.DEMO_FALLBACK_ENV, "0")
    with pytest.raises(FontMissingError):
        render_pdf(notice())
    monkeypatch.setenv(gbt9704_fonts.DEMO_FALLBACK_ENV, "1")
    assert render_pdf(notice()).startswith(b"%PDF-")


def test_the_embedded_demo_platform_sets_the_fallback_for_its_process() -> None:
    from server.embedded import EmbeddedPlatform

    demo, real = EmbeddedPlatform(demo=True), EmbeddedPlatform(demo=False)
    try:
        assert demo._child_env()[gbt9704_fonts.DEMO_FALLBACK_ENV] == "1"
        assert gbt9704_fonts.DEMO_FALLBACK_ENV not in real._child_env()
    finally:
        demo.close()
        real.close()
