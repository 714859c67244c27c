"""The 收文处理笺 (incoming-document processing form) as HTML for a QTextDocument.

One builder serves the screen and the printer, so what is printed is what was shown:
the GB/T 9704 elements of the document, then the opinions of every routing step with
their handwritten signatures and the verification mark of each signature.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from PySide6.QtCore import QCoreApplication, QUrl
from PySide6.QtGui import QImage, QTextDocument

from client.types import DocumentDetail, OpinionView, Verdict
from client.ui import fmt, theme


@dataclass(frozen=True)
class Mark:
    state: str  # valid | invalid | unknown | pending
    text: str
    color: str
    symbol: str


def signature_mark(opinion: OpinionView) -> Mark:
    """How an opinion's signature is shown: valid / invalid / unknown / not yet sent."""
    if opinion.local_state == "pending_sync" or opinion.id.startswith("local:"):
        return Mark("pending", fmt.signature_state_text("pending"), "#6d6d6d", "⟳")
    verdict = opinion.verdict
    if verdict == Verdict.VALID:
        return Mark("valid", fmt.signature_state_text("valid"), theme.VALID_GREEN.name(), "✔")
    if verdict == Verdict.INVALID:
        return Mark("invalid", fmt.signature_state_text("invalid"), theme.URGENT_RED.name(), "✘")
    if verdict == Verdict.REVOKED_AFTER:
        return Mark("invalid", fmt.signature_state_text("invalid"), theme.URGENT_RED.name(), "✘")
    return Mark("unknown", fmt.signature_state_text("unknown"), theme.UNKNOWN_GREY.name(), "?")


def _sections() -> list[tuple[tuple[str, ...], str]]:
    return [
        (("propose",), QCoreApplication.translate("ProcessingForm", "Proposed handling")),
        (("instruct", "countersign"),
         QCoreApplication.translate("ProcessingForm", "Leaders' instructions")),
        (("handle",), QCoreApplication.translate("ProcessingForm", "Handling")),
        (("read",), QCoreApplication.translate("ProcessingForm", "Circulated to")),
    ]


def handwriting_url(sha256: str) -> QUrl:
    return QUrl(f"handwriting:{sha256}")


def _opinion_html(op: OpinionView, images: dict[str, QImage]) -> str:
    mark = signature_mark(op)
    decision = fmt.decision_text(op.decision)
    text = escape(op.text).replace("\n", "<br>") if op.text else ""
    forward = ""
    if op.forward_to_names:
        to_label = QCoreApplication.translate("ProcessingForm", "To:")
        names = "、".join(op.forward_to_names)
        forward = f"<br><span style='color:#5f6b7a'>{escape(to_label)} {escape(names)}</span>"
    hw = ""
    if op.handwriting_sha256 and op.handwriting_sha256 in images:
        img = images[op.handwriting_sha256]
        height = 56
        width = int(img.width() * height / max(1, img.height()))
        hw = (f"<img src='{handwriting_url(op.handwriting_sha256).toString()}' "
              f"width='{width}' height='{height}'>")
    elif op.handwriting_sha256:
        missing = QCoreApplication.translate("ProcessingForm", "[handwriting not downloaded]")
        hw = f"<span style='color:#6d6d6d'>{escape(missing)}</span>"
    author = escape(op.author_name)
    if op.author_title:
        author += f"（{escape(op.author_title)}）"
    return (
        "<table width='100%' cellspacing='0' cellpadding='2'><tr>"
        f"<td><b>{escape(decision)}</b>{'：' if text else ''}{text}{forward}</td></tr>"
        f"<tr><td align='right'>{hw} &nbsp; {author} &nbsp; {escape(fmt.datetime_text(op.signed_at))}"
        f" &nbsp; <span style='color:{mark.color}'><b>{mark.symbol} {escape(mark.text)}</b></span>"
        "</td></tr></table>"
    )


def form_html(detail: DocumentDetail, images: dict[str, QImage], *,
              office_name: str = "") -> str:
    """HTML of the processing form; `images` maps handwriting sha256 → image."""
    kinds = {t.id: t.kind for t in detail.tasks}
    heading = office_name + QCoreApplication.translate("ProcessingForm",
                                                      "Incoming Document Processing Form")
    urgency = fmt.urgency_text(detail.urgency)
    urgency_color = {"very_urgent": theme.URGENT_RED.name(),
                     "urgent": theme.URGENT_ORANGE.name()}.get(detail.urgency, "#1b2530")

    def row(*cells: tuple[str, str, int]) -> str:
        out = "<tr>"
        for label, value, span in cells:
            out += (f"<td width='13%' bgcolor='#f1f4f8' align='center'><b>{escape(label)}</b></td>"
                    f"<td colspan='{span}'>{value}</td>")
        return out + "</tr>"

    parts = [
        "<html><body>",
        f"<h2 align='center' style='color:#b71c1c'>{escape(heading)}</h2>",
        "<table width='100%' border='1' cellspacing='0' cellpadding='6' "
        "style='border-color:#b71c1c; border-style:solid'>",
        row((QCoreApplication.translate("ProcessingForm", "Reg. No."), escape(detail.registration_number), 1),
            (QCoreApplication.translate("ProcessingForm", "Received"), escape(fmt.datetime_text(detail.received_at)), 1)),
        row((QCoreApplication.translate("ProcessingForm", "Issuer"), escape(detail.issuer), 1),
            (QCoreApplication.translate("ProcessingForm", "Doc No."), escape(detail.doc_number), 1)),
        row((QCoreApplication.translate("ProcessingForm", "Urgency"), f"<b style='color:{urgency_color}'>{escape(urgency) or '—'}</b>", 1),
            (QCoreApplication.translate("ProcessingForm", "Doc type"), escape(detail.doc_type), 1)),
        row((QCoreApplication.translate("ProcessingForm", "Signatory"), escape(detail.signatory or "—"), 1),
            (QCoreApplication.translate("ProcessingForm", "Issued on"), escape(fmt.date_text(detail.issued_on)), 1)),
        row((QCoreApplication.translate("ProcessingForm", "Title"), f"<b>{escape(detail.title)}</b>", 3)),
        row((QCoreApplication.translate("ProcessingForm", "Main recipients"), escape("、".join(detail.main_recipients)), 3)),
    ]
    if detail.cc:
        parts.append(row((QCoreApplication.translate("ProcessingForm", "Copied to"), escape("、".join(detail.cc)), 3)))
    for task_kinds, section in _sections():
        ops = [o for o in detail.opinions if kinds.get(o.task_id) in task_kinds]
        waiting = [t for t in detail.tasks if t.kind in task_kinds and t.status == "pending"]
        body = "".join(_opinion_html(o, images) for o in ops)
        if waiting:
            names = "、".join(t.assignee_name for t in waiting)
            waiting_label = QCoreApplication.translate("ProcessingForm", "Waiting for:")
            body += f"<p style='color:#5f6b7a'>{escape(waiting_label)} {escape(names)}</p>"
        parts.append(row((section, body or "&nbsp;<br>&nbsp;", 3)))
    if detail.notes:
        parts.append(row((QCoreApplication.translate("ProcessingForm", "Notes"), escape(detail.notes), 3)))
    parts += ["</table>", "</body></html>"]
    return "".join(parts)


def build_document(detail: DocumentDetail, images: dict[str, QImage], *,
                   office_name: str = "") -> QTextDocument:
    """A QTextDocument of the form, images registered; for the screen and the printer."""
    doc = QTextDocument()
    doc.setDefaultFont(theme.serif_font())
    for sha, img in images.items():
        doc.addResource(QTextDocument.ResourceType.ImageResource, handwriting_url(sha), img)
    doc.setHtml(form_html(detail, images, office_name=office_name))
    return doc
