"""Dates the Chinese way and terminal columns (client/textfmt.py, shared by UI and CLI)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from client import textfmt

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=textfmt.CHINA_TZ)


def test_dates_are_china_time_written_the_chinese_way() -> None:
    at = datetime(2026, 11, 30, 17, 5, tzinfo=UTC)  # 01:05 the next day in Fujin
    assert textfmt.date_text(at) == "2026年12月1日"
    assert textfmt.date_text(at, zh=False) == "2026-12-01"
    assert textfmt.date_text("2005-10-19") == "2005年10月19日"
    assert textfmt.date_text(date(2005, 1, 2)) == "2005年1月2日"
    assert textfmt.datetime_text("2005-10-19T09:30:00+08:00") == "2005年10月19日 09:30"
    assert textfmt.short_datetime_text(at, now=NOW) == "今天 01:05"
    assert textfmt.short_datetime_text(at, now=NOW, zh=False) == "Today 01:05"
    assert textfmt.short_datetime_text(at, now=NOW, today="Heute %1") == "Heute 01:05"
    assert textfmt.short_datetime_text("2026-10-19T09:30:00+08:00", now=NOW) == "10月19日 09:30"
    assert textfmt.short_datetime_text("2025-10-19T09:30:00+08:00", now=NOW) == "2025年10月19日"
    assert textfmt.rfc3339(at) == "2026-12-01T01:05:00+08:00"
    assert textfmt.date_text(None) == textfmt.datetime_text("not a time") == ""
    assert textfmt.rfc3339(None) is None


def test_columns_line_up_with_wide_characters() -> None:
    assert textfmt.display_width("富政发〔2026〕12号") == 18
    lines = textfmt.table([["紧急", "文号", "标题"], ["-", "富政发〔2026〕12号", "关于…的通知"],
                           ["特急", "x", "y"]])
    starts = {textfmt.display_width(line[:line.index(last)])
              for line, last in zip(lines, ["标题", "关于", "y"], strict=True)}
    assert len(starts) == 1 and lines[2] == "特急  x" + " " * 17 + "  y"
    assert textfmt.clip("富锦市人民政府关于表彰的决定", 10) == "富锦市人…"
    assert textfmt.display_width(textfmt.clip("富锦市人民政府关于表彰的决定", 10)) <= 10
    assert textfmt.clip("short", 10) == "short"
