"""复核/编号 and 用印 by the clerk of the drafting unit: the ops `outgoing.number` and
`outgoing.seal`, and the admin's unit configuration they rely on (series, seal).

A 发文字号 is the next number of the unit's (series prefix, year) sequence
(`doc_series`). The sequence row is read and bumped inside the op's `write_tx()`, which
serialises every writer (SQLite `BEGIN IMMEDIATE`, a PostgreSQL advisory lock), and the
row is unique per (unit, prefix, year): no gap and no duplicate under any concurrency. A
cancelled document's number stays spent and is recorded as a gap (server.workflow.outgoing).
"""

from __future__ import annotations

from typing import Any

from protocol import ops
from protocol import outgoing_rules as rules
from protocol.wire.outgoing import OutgoingNumberData, OutgoingSealData
from server import clock, directory
from server.blobs import store_blob
from server.db import write_tx
from server.errors import Problem
from server.models import Blob, DocSeries, Unit, UnitSeal, UnitSeries, User
from server.ops import OpOutcome, register_op
from server.workflow.common import new_id
from server.workflow.outgoing import (
    begin,
    check_series,
    get_outgoing,
    parse,
    publish,
    publish_series,
    require_clerk,
    wrong_status,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_PREFIX = 40


def next_number(unit_id: str, prefix: str, year: int) -> tuple[DocSeries, int]:
    """Take the next number of the sequence (inside `write_tx()`)."""
    series = DocSeries.get_or_none(DocSeries.unit == unit_id, DocSeries.prefix == prefix,
                                   DocSeries.year == year)
    now = clock.now()
    if series is None:
        series = DocSeries.create(id=new_id(), unit=unit_id, prefix=prefix, year=year,
                                  last_number=0, gaps=[], version=0, updated_at=now)
    series.last_number += 1
    series.version += 1
    series.updated_at = now
    series.save()
    return series, series.last_number


def number(user: User, data: Any) -> None:
    d = parse(OutgoingNumberData, data)
    with write_tx():
        out = get_outgoing(user, d.outgoing_id)
        require_clerk(user, out.unit_id)
        if out.status != rules.CLERK_ACTIONS["number"]:
            raise wrong_status(out, rules.CLERK_ACTIONS["number"])
        prefix = d.series or out.series
        check_series(out.unit_id, prefix)
        # The year of the 成文日期 (the 签发), as the number is printed with it.
        year = int(str(out.issued_on)[:4]) if out.issued_on else clock.now().astimezone(
            clock.CST).year
        series, n = next_number(out.unit_id, prefix, year)
        ch = begin(out)
        out.series = prefix
        out.number, out.number_year = n, year
        out.doc_number = rules.format_doc_number(prefix, year, n)
        out.numbered_by = user.id
        out.numbered_at = clock.now()
        out.status = rules.CLERK_RESULT["number"]
        ch.touch()
        publish(ch)
        publish_series(series)


def seal(user: User, data: Any) -> None:
    d = parse(OutgoingSealData, data)
    with write_tx():
        out = get_outgoing(user, d.outgoing_id)
        require_clerk(user, out.unit_id)
        if out.status != rules.CLERK_ACTIONS["seal"]:
            raise wrong_status(out, rules.CLERK_ACTIONS["seal"])
        if UnitSeal.get_or_none(UnitSeal.unit == out.unit_id) is None:
            raise Problem(422, "seal.missing", "No seal",
                          "an administrator has not registered the unit's seal")
        ch = begin(out)
        out.sealed_by = user.id
        out.sealed_at = clock.now()
        out.status = rules.CLERK_RESULT["seal"]
        ch.touch()
        publish(ch)


# --- the administrator's unit configuration ---------------------------------------------


def _unit(unit_id: str) -> Unit:
    unit = Unit.get_or_none(id=unit_id)
    if unit is None:
        raise Problem(404, "unit.not_found", "Unknown unit", unit_id)
    return unit


def set_seal(admin_id: str, unit_id: str, png: bytes) -> UnitSeal:
    """Register (or replace) the unit's seal image; it must be a PNG."""
    if not png.startswith(PNG_MAGIC):
        raise Problem(422, "seal.not_png", "Not a PNG", "the seal image must be a PNG file")
    with write_tx():
        unit = _unit(unit_id)
        sha = store_blob(png, "image/png", uploaded_by=admin_id)
        UnitSeal.delete().where(UnitSeal.unit == unit.id).execute()
        row = UnitSeal.create(unit=unit.id, sha256=sha, registered_by=admin_id,
                              registered_at=clock.now())
        directory.touch_unit(unit)
        return row


def series_issuer(unit: Unit, prefix: str) -> str:
    """The issuing body printed for a series (its label: 富政发 → 富锦市人民政府, drafted
    and numbered by the 办公室), else the unit's own name."""
    row = UnitSeries.get_or_none(UnitSeries.unit == unit.id, UnitSeries.prefix == prefix)
    return (row.label if row is not None and row.label else "") or unit.name


def seal_png(unit_id: str) -> bytes | None:
    row = UnitSeal.get_or_none(UnitSeal.unit == unit_id)
    if row is None:
        return None
    blob = Blob.get_or_none(Blob.sha256 == row.sha256)
    return bytes(blob.data) if blob is not None else None


def add_series(unit_id: str, prefix: str, label: str = "") -> UnitSeries:
    """Let the unit number in the series `prefix` (富政发); adding it again relabels it."""
    prefix = prefix.strip()
    if not prefix or len(prefix) > MAX_PREFIX or any(c in prefix for c in "〔〕[]号\x00"):
        raise Problem(422, "series.invalid", "Invalid series",
                      "a series prefix is a short name such as 富政发, without 〔〕 or 号")
    with write_tx():
        unit = _unit(unit_id)
        existing = UnitSeries.get_or_none(UnitSeries.unit == unit.id, UnitSeries.prefix == prefix)
        if existing is not None:
            existing.label = label.strip()
            existing.save()
            row = existing
        else:
            count = UnitSeries.select().where(UnitSeries.unit == unit.id).count()
            row = UnitSeries.create(unit=unit.id, prefix=prefix, label=label.strip(),
                                    sort_order=count)
        directory.touch_unit(unit)
        return row


def _op(fn: Any) -> Any:
    def handler(user: User, data: dict[str, Any]) -> OpOutcome:
        fn(user, data)
        return OpOutcome("applied")
    return handler


register_op(ops.OUTGOING_NUMBER, _op(number))
register_op(ops.OUTGOING_SEAL, _op(seal))
