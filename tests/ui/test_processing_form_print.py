"""The printed 处理笺 as county offices file it: A4 portrait, labels on one line, whole
dates, single rules over the full text width, pages broken only between opinions, a PDF
Title; opinions that do not repeat their decision; the routing record in time order.

Checked on the PDF itself: poppler's pdftotext for the text, pdftoppm for the rules."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from client.types import DocumentDetail
from client.ui import printing, processing_form
from client.ui.document_view import DocumentView
from tests.ui.form_samples import detail_with_opinions
from tests.ui.test_form_settings_layout import _radical_twins

needs_poppler = pytest.mark.skipif(
    not (shutil.which("pdftotext") and shutil.which("pdftoppm") and shutil.which("pdfinfo")),
    reason="poppler-utils (pdftotext, pdftoppm, pdfinfo) not installed")

LABELS = ["来文单位", "文号", "收文编号", "收文日期", "密级", "紧急程度", "标题",
          "拟办意见", "领导批示", "承办结果", "传阅"]


def _norm(text: str) -> str:
    """pdftotext gives back Kangxi radicals (⽂ for 文): fold them, as the older test does."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(_radical_twins().get(c, c) for c in text)


def _export(detail: DocumentDetail, path: Path) -> Path:
    return printing.export_pdf(processing_form.build_document(detail, {}, for_print=True),
                               path)


def _pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True,
                          check=True, timeout=60).stdout
    return int(next(line.split()[-1] for line in info.splitlines()
                    if line.startswith("Pages:")))


def _page_lines(path: Path, page: int | None = None) -> list[str]:
    args = ["pdftotext", "-layout", "-enc", "UTF-8"]
    if page is not None:
        args += ["-f", str(page), "-l", str(page)]
    out = subprocess.run([*args, str(path), "-"], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    return [_norm(line) for line in out.splitlines()]


def _dark_runs(img: QImage, y: int, x0: int, x1: int) -> list[tuple[int, int]]:
    runs, start = [], None
    for x in range(x0, x1):
        dark = img.pixelColor(x, y).lightness() < 128
        if dark and start is None:
            start = x
        elif not dark and start is not None:
            runs.append((start, x))
            start = None
    if start is not None:
        runs.append((start, x1))
    return runs


@needs_poppler
@pytest.mark.parametrize("count", [2, 5])
def test_form_is_one_a4_page_with_labels_and_dates_on_one_line(
        qapp, zh, tmp_path, count) -> None:  # noqa: ANN001
    detail = detail_with_opinions(count)
    pdf = _export(detail, tmp_path / "form.pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                          check=True, timeout=60).stdout
    assert "Title:           收文处理笺 佳政办发〔2026〕86号" in info
    assert "595 x 842 pts (A4)" in info  # portrait
    assert _pages(pdf) == 1

    lines = _page_lines(pdf)
    text = "\n".join(lines)
    assert "收文处理笺" in lines[0]
    for label in LABELS:  # each label whole on one line
        assert any(label in line for line in lines), (label, text)
    assert any("佳政办发〔2026〕86号" in line for line in lines), text
    assert any("2026年11月18日 08:15" in line for line in lines), text  # received, whole
    for op in detail.opinions:  # each signature's date whole on its line with the name
        when = processing_form.fmt.datetime_text(op.signed_at)
        assert any(op.author_name in line and when in line for line in lines), (when, text)

    # Single rules over the full text width (170 of 210 mm), not a double border.
    png = tmp_path / "form"
    subprocess.run(["pdftoppm", "-png", "-r", "100", "-f", "1", "-l", "1", str(pdf), str(png)],
                   check=True, timeout=60)
    img = QImage(str(next(tmp_path.glob("form*.png"))))
    assert img.width() < img.height()
    y = int(img.height() * 0.15)  # through the header rows of the table
    while not _dark_runs(img, y, 0, img.width()) and y < img.height() // 2:
        y += 1
    runs = _dark_runs(img, y, 0, img.width())
    left, right = runs[0][0], runs[-1][1]
    assert (right - left) / img.width() > 0.78, runs
    edge = [r for r in runs if r[0] < left + 10]  # 2.5 mm
    assert len(edge) == 1 and edge[0][1] - edge[0][0] <= 3, runs  # one thin rule


@needs_poppler
def test_a_long_form_breaks_pages_only_between_opinions(qapp, zh, tmp_path) -> None:  # noqa: ANN001
    base = detail_with_opinions(5)
    long_ops = [dataclasses.replace(o, text=(o.text + "\n") * 7) for o in base.opinions]
    detail = dataclasses.replace(base, opinions=long_ops)
    pdf = _export(detail, tmp_path / "long.pdf")
    pages = _pages(pdf)
    assert pages >= 2
    flat = ["".join("".join(_page_lines(pdf, p)).split()) for p in range(1, pages + 1)]
    for op in long_ops:  # all 7 lines of each opinion and its signature on one page
        start = _norm(op.text.split("\n")[0][:10])
        when = _norm("".join(processing_form.fmt.datetime_text(op.signed_at).split()))
        counts = [page.count(start) for page in flat]
        assert sorted(counts) == [0] * (pages - 1) + [7], (op.author_name, counts)
        assert when in flat[counts.index(7)]


def test_opinion_does_not_repeat_its_decision(qapp, zh) -> None:  # noqa: ANN001
    detail = detail_with_opinions(5)
    html = processing_form.form_html(detail, {})
    doc = processing_form.build_document(detail, {})
    text = doc.toPlainText()
    assert "同意：同意" not in text and "已阅：已阅" not in text
    assert "同意。建议呈张县长阅示" in text and "已阅。" in text
    assert "<b>同意</b>" not in html and "<b>办结</b>" in html
    assert "办结：已按要求落实" in text  # a text that does not say it keeps the prefix
    assert processing_form.opinion_line("approve", "同意。") == "同意。"
    assert processing_form.opinion_line("read", "已阅") == "已阅"
    assert processing_form.opinion_line("approve", "请办理。") == "同意：请办理。"
    assert processing_form.opinion_line("approve", "") == "同意"


def test_routing_record_is_in_time_order_without_repeated_decisions(
        qtbot, zh) -> None:  # noqa: ANN001
    base = detail_with_opinions(4)
    # The platform lists the steps by kind: 会签 (signed 11/20) before 拟办 (11/18).
    tasks = [base.tasks[2], base.tasks[0], base.tasks[4], base.tasks[1], base.tasks[3]]
    detail = dataclasses.replace(base, tasks=tasks, opinions=list(reversed(base.opinions)))
    view = DocumentView()
    qtbot.addWidget(view)
    view.set_detail(detail)
    rows = [view.history.topLevelItem(i) for i in range(view.history.topLevelItemCount())]
    assert [r.text(1) for r in rows] == ["郑伟", "张建国", "李明", "王芳", "赵强"]
    assert [r.text(3) for r in rows][:2] == [
        "同意。建议呈张县长阅示，并请县应急管理局、县水务局牵头做好防汛准备工作，"
        "于本周五前报送落实情况。", "同意拟办意见。请各相关单位抓好落实。"]
    assert rows[3].text(3).startswith("办结：")
    assert rows[4].text(3) == "" and rows[4].text(2) == "待办"


@needs_poppler
def test_pages_are_closed_and_numbered(qapp, zh, tmp_path) -> None:  # noqa: ANN001
    """A form that breaks across pages: the first page's table ends with a rule under its
    last row (nothing drawn below it), the next opens with one, and every page says
    "第 N 页 共 M 页" at its foot."""
    base = detail_with_opinions(5)
    long_ops = [dataclasses.replace(o, text=(o.text + "\n") * 7) for o in base.opinions]
    detail = dataclasses.replace(base, opinions=long_ops)
    pdf = _export(detail, tmp_path / "long.pdf")
    pages = _pages(pdf)
    assert pages >= 2
    for page in range(1, pages + 1):
        lines = [line.strip() for line in _page_lines(pdf, page) if line.strip()]
        assert "".join(lines[-1].split()) == f"第{page}页共{pages}页", lines[-3:]

    subprocess.run(["pdftoppm", "-png", "-r", "100", "-f", "1", "-l", "2", str(pdf),
                    str(tmp_path / "page")], check=True, timeout=60)
    first, second = (QImage(str(p)) for p in sorted(tmp_path.glob("page*.png")))
    width = first.width()
    # Page 1: the lowest dark row of the table spans the table (a closing rule), and no
    # border runs on below it down to the footer band.
    def rule(img: QImage, y: int) -> bool:
        runs = _dark_runs(img, y, 0, width)
        return any(b - a > width * 0.78 for a, b in runs)

    y = first.height() - int(first.height() * 0.12)  # above the page number
    while y > 0 and not _dark_runs(first, y, 0, width):
        y -= 1
    assert any(rule(first, y - d) for d in range(3)), _dark_runs(first, y, 0, width)
    # Page 2: the first dark row from the top is a rule across the table as well.
    y = int(second.height() * 0.05)
    while y < second.height() // 2 and not _dark_runs(second, y, 0, width):
        y += 1
    assert any(rule(second, y + d) for d in range(3)), _dark_runs(second, y, 0, width)


def test_an_opinion_signed_offline_shows_when_the_platform_received_it(qapp, zh) -> None:  # noqa: ANN001
    """The signer's time is their claim; when the platform's receipt says it arrived much
    later (signed in a township without a link), both are on the form."""
    detail = detail_with_opinions(2)
    first, second = detail.opinions
    offline = dataclasses.replace(first, signed_at="2026-11-28T09:10:00+08:00",
                                  accepted_at="2026-12-01T10:12:00+08:00")
    online = dataclasses.replace(second, signed_at="2026-12-01T10:20:00+08:00",
                                 accepted_at="2026-12-01T10:20:03+08:00")
    text = processing_form.build_document(
        dataclasses.replace(detail, opinions=[offline, online]), {}).toPlainText()
    text = text.replace("\u2060", "")
    assert text.count("平台于") == 1, text
    assert "平台于2026年12月1日 10:12收到" in text.replace("\xa0", " "), text
