"""印制 at 核发: an outgoing document laid out as its GB/T 9704-2012 PDF.

The one place the platform's 发文 workflow calls the renderer (server.issuing.gbt9704,
owned separately): `render_outgoing` builds the `OfficialDocument` from what the
workflow knows and returns the PDF bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from protocol import docbody
from server.issuing.gbt9704 import OfficialDocument, render_pdf


@dataclass(frozen=True)
class IssuedLayout:
    """What the workflow hands the renderer for one outgoing document."""

    issuer: str                    # 发文机关全称 (the drafting unit's name)
    doc_number: str
    doc_type: str
    title: str
    body: dict[str, Any]           # protocol.docbody, the signed version
    issued_on: date                # 成文日期 (the 签发 date)
    printed_on: date               # 印发日期 (the 核发 date)
    main_recipients: list[str]
    cc: list[str]
    signatory: str = ""            # 签发人, printed on a 上行文
    urgency: str = "normal"
    notes: str = ""
    attachments: tuple[str, ...] = ()
    seal_png: bytes | None = None  # the unit's registered seal image


def chinese_date(day: date) -> str:
    """成文日期 in Arabic numerals (GB/T 9704-2012 7.3.5.1): 2026年12月1日."""
    return f"{day.year}年{day.month}月{day.day}日"


LETTER_TYPES = frozenset({"函"})  # laid out in GB/T 9704 信函格式 (10.1)


def render_outgoing(layout: IssuedLayout) -> bytes:
    """The issued PDF: the signed version's blocks (headings in their faces), the unit's
    seal over 署名 and 成文日期, a 函 in the letter format."""
    return render_pdf(OfficialDocument(
        issuer=layout.issuer,
        doc_number=layout.doc_number,
        title=layout.title,
        blocks=list(docbody.normalise(layout.body)["blocks"]),
        date_text=chinese_date(layout.issued_on),
        main_recipients=list(layout.main_recipients),
        signatory=layout.signatory,
        urgency=layout.urgency,
        attachments=list(layout.attachments),
        notes=layout.notes,
        cc=list(layout.cc),
        printer=layout.issuer,
        printed_on=chinese_date(layout.printed_on),
        seal_png=layout.seal_png,
        letter=layout.doc_type in LETTER_TYPES,
    ))
