"""Dates the Chinese way, and terminal columns, without Qt.

The one home of these formats: `client/ui/fmt.py` (the UI, which picks the language
from QLocale and translates its labels) and the command line (`client/cli_desk.py`) both
call these functions. Times are shown in China time (UTC+8), where the county works.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, timezone

CHINA_TZ = timezone(timedelta(hours=8))


def to_china_time(value: datetime | date | str | None) -> datetime | None:
    """An aware datetime in China time; a date is its midnight there; None when unreadable."""
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


def date_text(value: datetime | date | str | None, *, zh: bool = True) -> str:
    """2005年10月19日 (Chinese) or 2005-10-19 (English)."""
    if isinstance(value, str) and len(value) == 10:
        text = value
        try:
            value = date.fromisoformat(text)
        except ValueError:
            return text
    if isinstance(value, date) and not isinstance(value, datetime):
        d = value
    else:
        dt = to_china_time(value)
        if dt is None:
            return ""
        d = dt.date()
    if zh:
        return f"{d.year}年{d.month}月{d.day}日"
    return d.isoformat()


def datetime_text(value: datetime | date | str | None, *, zh: bool = True) -> str:
    """2005年10月19日 09:30 (Chinese) or 2005-10-19 09:30 (English)."""
    dt = to_china_time(value)
    if dt is None:
        return ""
    return f"{date_text(dt, zh=zh)} {dt:%H:%M}"


def short_datetime_text(value: datetime | str | None, *, zh: bool = True,
                        now: datetime | None = None, today: str | None = None) -> str:
    """Compact inbox form: today 09:30, this year 10月19日 09:30, else the full date.

    `today` is the pattern of a time today, "%1" standing for HH:MM (the UI passes its
    translation); by default 今天 %1 or Today %1.
    """
    dt = to_china_time(value)
    if dt is None:
        return ""
    now = (now or datetime.now(CHINA_TZ)).astimezone(CHINA_TZ)
    if dt.date() == now.date():
        pattern = today if today is not None else ("今天 %1" if zh else "Today %1")
        return pattern.replace("%1", f"{dt:%H:%M}")
    if dt.year == now.year:
        if zh:
            return f"{dt.month}月{dt.day}日 {dt:%H:%M}"
        return f"{dt:%m-%d %H:%M}"
    return date_text(dt, zh=zh)


def moment_text(value: datetime | str | None, *, zh: bool = True,
                now: datetime | None = None) -> str:
    """When something happened, in a sentence: 12月1日 10:12 this year (today too: a
    sentence reads better with the date), 2025年12月1日 10:12 before."""
    dt = to_china_time(value)
    if dt is None:
        return ""
    now = (now or datetime.now(CHINA_TZ)).astimezone(CHINA_TZ)
    if dt.year == now.year:
        return f"{dt.month}月{dt.day}日 {dt:%H:%M}" if zh else f"{dt:%m-%d %H:%M}"
    return datetime_text(dt, zh=zh)


def rfc3339(value: datetime | None) -> str | None:
    """Machine form of a time (China time, seconds): 2005-10-19T09:30:00+08:00."""
    dt = to_china_time(value)
    return None if dt is None else dt.isoformat(timespec="seconds")


def size_text(size: int | None) -> str:
    if size is None:
        return ""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def display_width(text: str) -> int:
    """Terminal columns: CJK (wide and full-width) characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def clip(text: str, width: int) -> str:
    """`text` cut to at most `width` terminal columns, with … when cut."""
    if display_width(text) <= width:
        return text
    out, used = [], 0
    for c in text:
        w = display_width(c)
        if used + w > width - 1:
            break
        out.append(c)
        used += w
    return "".join(out) + "…"


def table(rows: Sequence[Sequence[str]], *, gap: int = 2) -> list[str]:
    """Rows as lines with aligned columns (CJK-aware); the last column is not padded."""
    if not rows:
        return []
    ncols = max(len(r) for r in rows)
    widths = [max((display_width(r[i]) for r in rows if i < len(r)), default=0)
              for i in range(ncols)]
    lines = []
    for r in rows:
        cells = []
        for i, cell in enumerate(r):
            last = i == len(r) - 1
            cells.append(cell if last else cell + " " * (widths[i] - display_width(cell)))
        lines.append((" " * gap).join(cells).rstrip())
    return lines
