"""Time on the platform: aware UTC inside, RFC 3339 in China Standard Time on the wire."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

CST = timezone(timedelta(hours=8), "CST")


def now() -> datetime:
    return datetime.now(UTC)


def rfc3339(dt: datetime | None, *, timespec: str = "seconds") -> str | None:
    """`2005-10-19T09:30:00+08:00` (naive input is taken as UTC); None stays None."""
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(CST).isoformat(timespec=timespec)


def parse_rfc3339(text: str) -> datetime:
    """Parse an RFC 3339 time with offset; ValueError when it has none or is malformed."""
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        raise ValueError(f"time without offset: {text!r}")
    return dt.astimezone(UTC)


def bounded(claim: datetime, *, not_before: datetime | None,
            not_after: datetime | None = None) -> datetime:
    """A client-chosen time (a receipt's `at`) held to what the platform knows: not
    before `not_before` (publication), not after `not_after` (default: now, acceptance).
    Issue 13, finding 12: an ack dated 2001 must not appear as such in a report."""
    ceiling = not_after or now()
    if claim.tzinfo is None:
        claim = claim.replace(tzinfo=UTC)
    if not_before is not None:
        floor = not_before if not_before.tzinfo else not_before.replace(tzinfo=UTC)
        claim = max(claim, floor)
    ceiling = ceiling if ceiling.tzinfo else ceiling.replace(tzinfo=UTC)
    return min(claim, ceiling)
