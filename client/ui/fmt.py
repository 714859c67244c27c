"""How values are shown: Chinese dates, urgency, task kinds, decisions, statuses.

Every label is a translatable English source string (zh_CN is the shipped default);
the dictionaries are built on each call so that a language switch takes effect.
"""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import QCoreApplication, QLocale

from client import textfmt
from client.textfmt import CHINA_TZ


def is_chinese() -> bool:
    return QLocale().language() == QLocale.Language.Chinese


def to_datetime(value: datetime | date | str | None) -> datetime | None:
    return textfmt.to_china_time(value)


def date_text(value: datetime | date | str | None) -> str:
    """2005年10月19日 (Chinese) or 2005-10-19 (English)."""
    return textfmt.date_text(value, zh=is_chinese())


def datetime_text(value: datetime | date | str | None) -> str:
    return textfmt.datetime_text(value, zh=is_chinese())


def short_datetime_text(value: datetime | str | None, *, now: datetime | None = None) -> str:
    """Compact inbox form: today 09:30, this year 10月19日 09:30, else the full date."""
    return textfmt.short_datetime_text(
        value, zh=is_chinese(), now=now,
        today=QCoreApplication.translate("Labels", "Today %1"))


def moment_text(value: datetime | str | None, *, now: datetime | None = None) -> str:
    """When something happened, for a sentence: 12月1日 10:12 (this year), else in full."""
    return textfmt.moment_text(value, zh=is_chinese(), now=now)


def is_overdue(due: datetime | str | None, *, now: datetime | None = None) -> bool:
    dt = to_datetime(due)
    if dt is None:
        return False
    return dt < (now or datetime.now(CHINA_TZ))


def urgency_text(urgency: str | None) -> str:
    return {
        "very_urgent": QCoreApplication.translate("Labels", "Extra urgent"),
        "urgent": QCoreApplication.translate("Labels", "Urgent"),
        "normal": "",
    }.get(urgency or "normal", urgency or "")


def task_kind_text(kind: str | None) -> str:
    return {
        "propose": QCoreApplication.translate("Labels", "Propose"),
        "instruct": QCoreApplication.translate("Labels", "Instruct"),
        "handle": QCoreApplication.translate("Labels", "Handle"),
        "read": QCoreApplication.translate("Labels", "Read"),
        "countersign": QCoreApplication.translate("Labels", "Countersign"),
    }.get(kind or "", kind or "")


def decision_text(decision: str | None) -> str:
    return {
        "approve": QCoreApplication.translate("Labels", "Approve"),
        "return": QCoreApplication.translate("Labels", "Return"),
        "forward": QCoreApplication.translate("Labels", "Forward"),
        "read": QCoreApplication.translate("Labels", "Read and noted"),
        "done": QCoreApplication.translate("Labels", "Done"),
    }.get(decision or "", decision or "")


def task_status_text(status: str | None) -> str:
    return {
        "pending": QCoreApplication.translate("Labels", "Pending"),
        "done": QCoreApplication.translate("Labels", "Completed"),
        "returned": QCoreApplication.translate("Labels", "Returned"),
        "cancelled": QCoreApplication.translate("Labels", "Cancelled"),
    }.get(status or "", status or "")


def document_status_text(status: str | None) -> str:
    return {
        "registered": QCoreApplication.translate("Labels", "Registered"),
        "in_progress": QCoreApplication.translate("Labels", "In progress"),
        "completed": QCoreApplication.translate("Labels", "Completed"),
        "archived": QCoreApplication.translate("Labels", "Archived"),
    }.get(status or "", status or "")


def signature_state_text(state: str | None) -> str:
    return {
        "valid": QCoreApplication.translate("Labels", "Signature valid"),
        "invalid": QCoreApplication.translate("Labels", "Signature INVALID"),
        "unknown": QCoreApplication.translate("Labels", "Signature not verifiable"),
        "pending": QCoreApplication.translate("Labels", "Not yet sent"),
    }.get(state or "", state or "")


def size_text(size: int | None) -> str:
    return textfmt.size_text(size)
