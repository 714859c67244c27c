"""How values are shown: Chinese dates, urgency, task kinds, decisions, statuses.

Every label is a translatable English source string (zh_CN is the shipped default);
the dictionaries are built on each call so that a language switch takes effect.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from PySide6.QtCore import QCoreApplication, QLocale

CHINA_TZ = timezone(timedelta(hours=8))


def is_chinese() -> bool:
    return QLocale().language() == QLocale.Language.Chinese


def to_datetime(value: datetime | date | str | None) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=CHINA_TZ)
    else:
        try:
            dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(CHINA_TZ)


def date_text(value: datetime | date | str | None) -> str:
    """2005年10月19日 (Chinese) or 2005-10-19 (English)."""
    if isinstance(value, str) and len(value) == 10:
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, date) and not isinstance(value, datetime):
        d = value
    else:
        dt = to_datetime(value)
        if dt is None:
            return ""
        d = dt.date()
    if is_chinese():
        return f"{d.year}年{d.month}月{d.day}日"
    return d.isoformat()


def datetime_text(value: datetime | date | str | None) -> str:
    dt = to_datetime(value)
    if dt is None:
        return ""
    return f"{date_text(dt)} {dt:%H:%M}"


def short_datetime_text(value: datetime | str | None, *, now: datetime | None = None) -> str:
    """Compact inbox form: today 09:30, this year 10月19日 09:30, else the full date."""
    dt = to_datetime(value)
    if dt is None:
        return ""
    now = (now or datetime.now(CHINA_TZ)).astimezone(CHINA_TZ)
    if dt.date() == now.date():
        return QCoreApplication.translate("Labels", "Today %1").replace("%1", f"{dt:%H:%M}")
    if dt.year == now.year:
        if is_chinese():
            return f"{dt.month}月{dt.day}日 {dt:%H:%M}"
        return f"{dt:%m-%d %H:%M}"
    return date_text(dt)


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
    if size is None:
        return ""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1024 / 1024:.1f} MB"
