"""Time to lay out an issued document (印制) as a GB/T 9704 PDF: 10 pages, with headings,
attachments, 抄送 and a seal image. Target (issue 11): under 1 s a document.

Run: .venv/bin/python bench/bench_issued_pdf.py [--runs 20] [--pages 10]
Prints the PDF's size and the median and p95 milliseconds of render_pdf (fonts registered
once per process beforehand, as on a running platform; the first render is reported apart).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image, ImageDraw  # noqa: E402  (pillow comes with reportlab)

from server.issuing.gbt9704 import OfficialDocument, render_pdf  # noqa: E402

PARAGRAPH = ("为贯彻落实省委、省政府关于加强基层政务服务能力建设的部署，推进全市11个镇"
             "“一网通办”，提高群众办事满意度，结合我市实际，制定本方案。各镇人民政府、市政府"
             "各部门要高度重视，明确分管领导和具体责任人，于2026年12月31日前完成自查。")


def seal_png() -> bytes:
    """A 600 px red round seal with a transparent background, as an admin would upload."""
    im = Image.new("RGBA", (600, 600), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    d.ellipse((12, 12, 588, 588), outline=(214, 24, 24, 230), width=24)
    d.regular_polygon((300, 300, 110), 5, fill=(214, 24, 24, 230))
    out = io.BytesIO()
    im.save(out, "PNG")
    return out.getvalue()


def blocks(sections: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for _ in range(sections):
        out += [{"kind": "h1", "text": "总体要求"}, {"kind": "p", "text": PARAGRAPH * 2},
                {"kind": "h2", "text": "加强组织领导"}, {"kind": "p", "text": PARAGRAPH},
                {"kind": "h3", "text": "明确责任分工。"}, {"kind": "h4", "text": "镇级职责。"},
                {"kind": "p", "text": PARAGRAPH * 2}]
    return out


def document(sections: int, seal: bytes) -> OfficialDocument:
    return OfficialDocument(
        issuer="富锦市人民政府", doc_number="富政发〔2026〕12号",
        title="富锦市人民政府关于印发富锦市基层政务服务能力提升三年行动方案的通知",
        blocks=blocks(sections), date=dt.date(2026, 12, 1), copy_number="000001",
        main_recipients=["各镇人民政府", "市政府各部门"], urgency="urgent",
        attachments=["富锦市基层政务服务能力提升三年行动方案", "任务分工表", "自查报告模板"],
        notes="此件公开发布", cc=["市委办公室", "市人大常委会办公室", "市政协办公室"],
        printer="富锦市人民政府办公室", printed_date=dt.date(2026, 12, 2), seal_png=seal)


def pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b(?!s)", pdf))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--pages", type=int, default=10)
    args = parser.parse_args()
    seal = seal_png()
    start = time.perf_counter()
    sections = 1
    pdf = render_pdf(document(sections, seal))
    first = time.perf_counter() - start
    while pages(pdf) < args.pages:
        sections += 1
        pdf = render_pdf(document(sections, seal))
    doc = document(sections, seal)
    times = []
    for _ in range(args.runs):
        t = time.perf_counter()
        pdf = render_pdf(doc)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    print(f"first render (registers the fonts): {first * 1000:.0f} ms")
    print(f"{pages(pdf)} pages, {len(pdf) / 1024:.0f} KiB, {args.runs} runs: "
          f"median {statistics.median(times):.0f} ms, p95 {p95:.0f} ms (target < 1000 ms)")


if __name__ == "__main__":
    main()
