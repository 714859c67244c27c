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


def _classification_text(value: str) -> str:
    return {
        "none": "",
        "internal": QCoreApplication.translate("ProcessingForm", "Internal"),
        "secret": QCoreApplication.translate("ProcessingForm", "Secret"),
        "confidential": QCoreApplication.translate("ProcessingForm", "Confidential"),
        "top_secret": QCoreApplication.translate("ProcessingForm", "Top secret"),
    }.get(value or "none", value)


def decision_and_text(decision: str, text: str) -> tuple[str, str]:
    """The decision's label and the opinion text that follows it: ("", text) when the
    text already says the decision (同意。… after 同意), so it is not said twice."""
    label = fmt.decision_text(decision)
    body = text.strip()
    if label and body.startswith(label):
        return "", body
    return label, body


def opinion_line(decision: str, text: str) -> str:
    """One line of an opinion for lists: 同意：text, or the text alone when it starts
    with the decision."""
    label, body = decision_and_text(decision, text)
    if not label:
        return body
    return f"{label}：{body}" if body else label


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


# A4 portrait as county offices print it: one table of single black rules over the full
# text width, labels in a column wide enough for five characters on one line.
_LABEL_WIDTH = "17%"
_VALUE_WIDTH = "33%"
_RULE = "#000000"


def _hard_spaces(text: str) -> str:
    return escape(text).replace(" ", "&nbsp;")


def _unbreakable(text: str) -> str:
    """Text that stays on one line inside a paragraph that may wrap elsewhere: CJK lines
    break between any two characters, so a WORD JOINER (U+2060, not drawn) between each."""
    return "\u2060".join(escape(c) for c in text).replace(" ", "&nbsp;")


def _whole(text: str, *, for_print: bool) -> str:
    """A cell value whose words must not break (a date, a number). On paper a paragraph
    that does not wrap (it fits the A4 column; Qt honours white-space only on blocks).
    On screen, where a large font scale meets a narrow window, the words are only held
    together by word joiners and the line may break between a date and its time, so the
    table wraps rather than growing past the window."""
    if for_print:
        return f"<p style='margin:0; white-space:nowrap'>{_hard_spaces(text)}</p>"
    return " ".join(_unbreakable(word) for word in text.split(" "))


# The signer's time and the platform's are shown apart when they differ this much.
ACCEPTANCE_SHOWN_AFTER_S = 600


def _opinion_html(op: OpinionView, images: dict[str, QImage]) -> str:
    mark = signature_mark(op)
    label, body = decision_and_text(op.decision, op.text)

    def lines(text: str) -> str:
        return escape(text).replace("\n", "<br>")

    # When the text starts with the decision (同意。…), the text alone says it once.
    head = f"<b>{escape(label)}</b>{'：' if body else ''}{lines(body)}" if label \
        else lines(body)
    if op.recalled:
        # Kept in the record (opinions are append-only), visibly no longer in force.
        recalled = QCoreApplication.translate("ProcessingForm", "(recalled by the signer)")
        head = (f"<s style='color:#6d6d6d'>{head}</s> "
                f"<b style='color:#6d6d6d'>{escape(recalled)}</b>")
    forward = ""
    if op.forward_to_names:
        to_label = QCoreApplication.translate("ProcessingForm", "To:")
        names = "、".join(op.forward_to_names)
        forward = f"<br><span style='color:#4a4a4a'>{escape(to_label)} {escape(names)}</span>"
    hw = ""
    if op.handwriting_sha256 and op.handwriting_sha256 in images:
        img = images[op.handwriting_sha256]
        height = 48
        width = int(img.width() * height / max(1, img.height()))
        hw = (f"<img src='{handwriting_url(op.handwriting_sha256).toString()}' "
              f"width='{width}' height='{height}'>")
    elif op.handwriting_sha256:
        missing = QCoreApplication.translate("ProcessingForm", "[handwriting not downloaded]")
        hw = f"<span style='color:#6d6d6d'>{escape(missing)}</span>"
    author = escape(op.author_name)
    if op.author_title:
        author += f"（{escape(op.author_title)}）"
    when = _unbreakable(fmt.datetime_text(op.signed_at))
    signed, accepted = fmt.to_datetime(op.signed_at), fmt.to_datetime(op.accepted_at)
    if signed is not None and accepted is not None \
            and abs((accepted - signed).total_seconds()) > ACCEPTANCE_SHOWN_AFTER_S:
        # Signed offline, or much later sent: the platform's own time beside the claim.
        platform = QCoreApplication.translate("ProcessingForm", "(platform received %1)")
        when += "&nbsp;" + _unbreakable(platform.replace("%1", fmt.datetime_text(op.accepted_at)))
    return (
        f"<p style='margin:0'>{head}{forward}</p>"
        + (f"<p align='right' style='margin:2px 0 0 0'>{hw}</p>" if hw else "")
        + f"<p align='right' style='margin:2px 0 0 0'>{author}"
        f" &nbsp;{when} &nbsp;<span style='color:{mark.color}'>"
        f"{escape(mark.symbol)}&nbsp;{_hard_spaces(mark.text)}</span></p>"
    )


def _label_cell(label: str, rowspan: int = 1) -> str:
    span = f" rowspan='{rowspan}'" if rowspan > 1 else ""
    return (f"<td width='{_LABEL_WIDTH}'{span} align='center' valign='middle' "
            f"style='white-space:nowrap'><b>{escape(label)}</b></td>")


def _field_labels() -> dict[str, str]:
    return {
        "issuer": QCoreApplication.translate("ProcessingForm", "Issuer"),
        "doc_no": QCoreApplication.translate("ProcessingForm", "Doc No."),
        "reg_no": QCoreApplication.translate("ProcessingForm", "Reg. No."),
        "received": QCoreApplication.translate("ProcessingForm", "Received"),
        "classification": QCoreApplication.translate("ProcessingForm", "Classification"),
        "urgency": QCoreApplication.translate("ProcessingForm", "Urgency"),
        "doc_type": QCoreApplication.translate("ProcessingForm", "Doc type"),
        "signatory": QCoreApplication.translate("ProcessingForm", "Signatory"),
        "title": QCoreApplication.translate("ProcessingForm", "Title"),
        "main": QCoreApplication.translate("ProcessingForm", "Main recipients"),
        "cc": QCoreApplication.translate("ProcessingForm", "Copied to"),
        "issued_on": QCoreApplication.translate("ProcessingForm", "Issued on"),
        "waiting": QCoreApplication.translate("ProcessingForm", "Waiting for:"),
        "notes": QCoreApplication.translate("ProcessingForm", "Notes"),
    }


def form_title(office_name: str = "") -> str:
    """The form's heading, also the PDF's Title."""
    return office_name + QCoreApplication.translate("ProcessingForm",
                                                    "Incoming Document Processing Form")


def form_html(detail: DocumentDetail, images: dict[str, QImage], *,
              office_name: str = "", for_print: bool = False) -> str:
    """HTML of the processing form; `images` maps handwriting sha256 → image.

    Every opinion is a row of its own, so a page can break between opinions but a row
    of the header, or one opinion, is never split (printing.export_pdf moves a row that
    would straddle a page to the next one).
    """
    kinds = {t.id: t.kind for t in detail.tasks}
    urgency = fmt.urgency_text(detail.urgency)
    urgency_color = {"very_urgent": theme.URGENT_RED.name(),
                     "urgent": theme.URGENT_ORANGE.name()}.get(detail.urgency, "#000000")

    def pair(left: tuple[str, str], right: tuple[str, str]) -> str:
        return ("<tr>" + _label_cell(left[0]) + f"<td width='{_VALUE_WIDTH}'>{left[1]}</td>"
                + _label_cell(right[0]) + f"<td width='{_VALUE_WIDTH}'>{right[1]}</td></tr>")

    def full(label: str, value: str) -> str:
        return "<tr>" + _label_cell(label) + f"<td colspan='3'>{value}</td></tr>"

    t = _field_labels()

    def whole(text: str) -> str:
        return _whole(text, for_print=for_print)

    parts = [
        "<html><body>",
        f"<p align='center' style='margin:0 0 12px 0; font-size:x-large; font-weight:bold'>"
        f"{escape(form_title(office_name))}</p>",
        f"<table width='100%' border='1' cellspacing='0' cellpadding='6' "
        f"style='border-collapse:collapse; border-color:{_RULE}; border-style:solid'>",
        pair((t["issuer"], escape(detail.issuer)), (t["doc_no"], whole(detail.doc_number))),
        pair((t["reg_no"], whole(detail.registration_number)),
             (t["received"], whole(fmt.datetime_text(detail.received_at)))),
        pair((t["classification"], escape(_classification_text(detail.classification)) or "—"),
             (t["urgency"], f"<b style='color:{urgency_color}'>{escape(urgency) or '—'}</b>")),
        pair((t["doc_type"], escape(detail.doc_type)),
             (t["signatory"], escape(detail.signatory or "—"))),
        full(t["title"], f"<b>{escape(detail.title)}</b>"),
        full(t["main"], escape("、".join(detail.main_recipients))),
    ]
    if detail.cc:
        parts.append(full(t["cc"], escape("、".join(detail.cc))))
    parts.append(full(t["issued_on"], whole(fmt.date_text(detail.issued_on))))
    for task_kinds, section in _sections():
        ops = [o for o in detail.opinions if kinds.get(o.task_id) in task_kinds]
        cells = [_opinion_html(o, images) for o in ops]
        waiting = [t for t in detail.tasks if t.kind in task_kinds and t.status == "pending"]
        if waiting:
            names = "、".join(w.assignee_name for w in waiting)
            cells.append(f"<p style='margin:0; color:#4a4a4a'>{escape(t['waiting'])} "
                         f"{escape(names)}</p>")
        if not cells:
            cells = ["&nbsp;<br>&nbsp;<br>&nbsp;"]
        parts.append("<tr>" + _label_cell(section, len(cells))
                     + f"<td colspan='3'>{cells[0]}</td></tr>")
        parts += [f"<tr><td colspan='3'>{cell}</td></tr>" for cell in cells[1:]]
    if detail.notes:
        parts.append(full(t["notes"], escape(detail.notes)))
    parts += ["</table>", "</body></html>"]
    return "".join(parts)


def build_document(detail: DocumentDetail, images: dict[str, QImage], *,
                   office_name: str = "", for_print: bool = False) -> QTextDocument:
    """A QTextDocument of the form, images registered; for the screen, or with
    `for_print` for the printer (same content, values held on one line)."""
    doc = QTextDocument()
    doc.setDefaultFont(theme.serif_font())
    for sha, img in images.items():
        doc.addResource(QTextDocument.ResourceType.ImageResource, handwriting_url(sha), img)
    doc.setHtml(form_html(detail, images, office_name=office_name, for_print=for_print))
    doc.setMetaInformation(QTextDocument.MetaInformation.DocumentTitle,
                           f"{form_title(office_name)} {detail.doc_number}".strip())
    return doc
