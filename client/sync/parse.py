"""Turn a page of the change feed into checked changes, against the shared wire schemas.

One check per change, against the schema of its type (protocol.wire.changes.Change): a
page with any malformed change is refused whole, with ProtocolError
`protocol.bad_change`, before anything is written. The changes are handed on as they
came (plain dicts, unknown fields included): the cache stores each object as the
platform sent it.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from client.errors import ProtocolError
from protocol.wire import CHANGE_LIST


def bad_change(index: int, why: str) -> ProtocolError:
    return ProtocolError("protocol.bad_change", detail=f"change #{index}: {why}")


def _why(exc: ValidationError) -> tuple[int, str]:
    """The first error as (index of the change, "where: what")."""
    first = exc.errors(include_url=False, include_input=False)[0]
    loc = list(first["loc"])
    index = loc.pop(0) if loc and isinstance(loc[0], int) else -1
    # Drop the union tag pydantic puts after the index ("document", "delete", ...).
    if loc and isinstance(loc[0], str) and loc[0] not in ("seq", "type", "id", "op", "data"):
        loc.pop(0)
    where = ".".join(str(part) for part in loc)
    return int(index), f"{where}: {first['msg']}" if where else first["msg"]


def validate_page(changes: Any, cursor: Any) -> None:
    """Raise ProtocolError `protocol.bad_change` unless every change is well formed."""
    if not isinstance(changes, list):
        raise bad_change(-1, "changes is not a list")
    if not isinstance(cursor, str) or not cursor:
        raise bad_change(-1, "cursor must be a non-empty string")
    try:
        CHANGE_LIST.validate_python(changes)
    except ValidationError as exc:
        index, why = _why(exc)
        raise bad_change(index, why) from None
