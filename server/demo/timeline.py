"""Moving the demo county's 2005 story to the present.

The corpus is written as late 2005 (the seed report's year). `Timeline` maps each of its
dates to the real calendar so that the story's "today" (`STORY_TODAY`) is the day
init-demo runs: every date moves by the same whole number of days (whole years plus a
few days when the demo is built in late November, so seasons and the texts' month/day
deadlines stay right), then lands on a working day. Times are placed in office hours
(08:00–17:30 China time), nothing lies after the real now, and the years written in
发文字号, 收文编号 and texts follow the moved dates (〔2005〕 becomes the year the
document was issued in).

Pure functions of the real now: no platform imports, so tests can use it directly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta, timezone

CST = timezone(timedelta(hours=8), "CST")
STORY_TODAY = date(2005, 12, 1)  # the corpus's last documents arrive around 11-28..12-01
OPEN = time(8, 0)
CLOSE = time(17, 30)
WORK_HOURS = 9.5
# Fixed-date public holidays (元旦, 劳动节, 国庆节); the lunar ones move and are left out.
_HOLIDAYS = {(1, 1), (5, 1), (5, 2), (5, 3), (10, 1), (10, 2), (10, 3), (10, 4), (10, 5),
             (10, 6), (10, 7)}
# A year in a text: 2005年, 〔2005〕, 2005—2006年度; not KV2005 nor a longer number.
_YEAR = re.compile(r"(?<![0-9A-Za-z@.])((?:19|20)\d\d)(?=年|〕|—)")


def is_working_day(d: date) -> bool:
    return d.weekday() < 5 and (d.month, d.day) not in _HOLIDAYS


def next_working_day(d: date, n: int = 1) -> date:
    """The n-th working day after `d` (n < 0: before)."""
    step = 1 if n >= 0 else -1
    left = abs(n)
    while left:
        d += timedelta(days=step)
        if is_working_day(d):
            left -= 1
    return d


def at(d: date, hour: int, minute: int = 0) -> datetime:
    """China time `hour:minute` on `d`, as aware UTC."""
    return datetime.combine(d, time(hour, minute), CST).astimezone(UTC)


def close_of(d: date) -> datetime:
    """17:30 China time on `d`: the end of the working day (办理时限)."""
    return datetime.combine(d, CLOSE, CST).astimezone(UTC)


def cst_date(t: datetime) -> date:
    return t.astimezone(CST).date()


def add_working(t: datetime, hours: float) -> datetime:
    """`t` moved forward by `hours` of office time (a night or a weekend costs nothing);
    a `t` outside office hours starts at the next opening."""
    local = t.astimezone(CST)
    left = timedelta(hours=hours)
    while True:
        d = local.date()
        opening = datetime.combine(d, OPEN, CST)
        closing = datetime.combine(d, CLOSE, CST)
        if not is_working_day(d) or local >= closing:
            local = datetime.combine(next_working_day(d), OPEN, CST)
            continue
        if local < opening:
            local = opening
        if local + left <= closing:
            return (local + left).astimezone(UTC)
        left -= closing - local
        local = datetime.combine(next_working_day(d), OPEN, CST)


def last_office_moment(now: datetime) -> datetime:
    """The latest instant not after `now` that lies in office hours."""
    local = now.astimezone(CST)
    d = local.date()
    if is_working_day(d):
        if datetime.combine(d, OPEN, CST) <= local <= datetime.combine(d, CLOSE, CST):
            return now
        if local > datetime.combine(d, CLOSE, CST):
            return close_of(d)
    return close_of(next_working_day(d, -1))


def shift_years(text: str, years: int, numbers: Mapping[str, str] | None = None) -> str:
    """Years in `text` moved by `years`; whole 发文字号 found in `numbers` (old → new)
    are replaced by their new form first, so a citation matches the cited document."""
    if not text:
        return text
    if numbers:
        pattern = "|".join(re.escape(k) for k in sorted(numbers, key=len, reverse=True))
        parts = re.split(f"({pattern})", text)
        return "".join(numbers[p] if i % 2 else shift_years(p, years)
                       for i, p in enumerate(parts))
    if not years:
        return text
    return _YEAR.sub(lambda m: str(int(m.group(1)) + years), text)


class Timeline:
    """The story's calendar laid onto the real one, as seen at `real_now`."""

    def __init__(self, real_now: datetime, story_today: date = STORY_TODAY) -> None:
        self.real_now = real_now
        self.today = cst_date(real_now)
        self.story_today = story_today
        self.days = (self.today - story_today).days
        # Nothing the demo records lies after this instant.
        self.limit = last_office_moment(real_now)

    # -- dates ------------------------------------------------------------------------------
    def day(self, story_iso: str) -> date:
        """The working day a story date ('2005-10-19') becomes: a Saturday moves back to
        the Friday, a Sunday or a holiday on to the next working day, never past today."""
        d = date.fromisoformat(story_iso[:10]) + timedelta(days=self.days)
        if not is_working_day(d):
            d = next_working_day(d, -1 if d.weekday() == 5 else 1)
        while d > self.today or not is_working_day(d):
            d = next_working_day(d, -1)
        return d

    def iso(self, story_iso: str) -> str:
        return self.day(story_iso).isoformat()

    def years(self, story_iso: str) -> int:
        """How many years a text dated `story_iso` moves (its 〔2005〕 → its real year)."""
        return self.day(story_iso).year - int(story_iso[:4])

    def moment(self, story_iso: str) -> datetime:
        """A story time '2005-11-02T16:30:00+08:00' on its moved working day, clamped into
        office hours and not after the limit."""
        d = self.day(story_iso)
        hh, mm = (int(story_iso[11:13]), int(story_iso[14:16])) if len(story_iso) > 10 else (9, 0)
        local = max(OPEN, min(time(hh, mm), time(17, 15)))
        return self.cap(datetime.combine(d, local, CST).astimezone(UTC))

    def shifted(self, story_iso: str) -> datetime:
        """A story instant such as an expiry at 00:00, on its moved date (a day off moves
        on to the next working day, so "expires after the holiday" stays true)."""
        t = datetime.fromisoformat(story_iso)
        d = t.date() + timedelta(days=self.days)
        if not is_working_day(d):
            d = next_working_day(d)
        return datetime.combine(d, t.timetz()).astimezone(UTC)

    # -- instants ---------------------------------------------------------------------------
    def cap(self, t: datetime) -> datetime:
        """`t`, or a working hour before the limit when `t` would lie in the future."""
        if t <= self.limit:
            return t
        return max(self.limit - timedelta(hours=1), at(cst_date(self.limit), 8, 0))

    def after(self, t: datetime, hours: float) -> datetime:
        """`hours` of office time after `t`; when that would pass the limit, half way
        from `t` to the limit instead (later steps still come after earlier ones)."""
        nxt = add_working(t, hours)
        if nxt <= self.limit:
            return nxt
        if t >= self.limit:
            return t  # at the limit already: the same instant rather than the future
        return t + (self.limit - t) / 2

    def due(self, received: datetime, working_days: int) -> datetime:
        """办理时限: 17:30 of the n-th working day after receipt."""
        return close_of(next_working_day(cst_date(received), working_days))

    def due_from_today(self, working_days: int) -> datetime:
        """17:30 of the n-th working day from today (0 = today, -1 = the last one)."""
        if is_working_day(self.today):
            return close_of(next_working_day(self.today, working_days))
        # A weekend run: "today" is the last working day, later ones count from there.
        return close_of(next_working_day(next_working_day(self.today, -1), working_days))


__all__ = ["CST", "STORY_TODAY", "Timeline", "add_working", "at", "close_of", "cst_date",
           "is_working_day", "last_office_moment", "next_working_day", "shift_years"]
