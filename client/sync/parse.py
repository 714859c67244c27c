"""Turn a page of the change feed into checked changes, against the shared wire schemas.

One check per change, against the schema of its type (protocol.wire.changes.Change): a
page with any malformed change is refused whole, with ProtocolError
`protocol.bad_change`, before anything is written. The changes are handed on as they
came (plain dicts, unknown fields included): the cache stores each object as the
platform sent it.

A change of an object type this protocol version does not define is left out before the
check (docs/protocol.md "Extensions": a client ignores a type it does not know), so a
newer platform's additions never stop an older client's sync; its header must still be
well formed.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from client.errors import ProtocolError
from protocol.wire import CHANGE_LIST
from protocol.wire.changes import OBJECT_SCHEMAS


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


def _unknown_type(change: Any) -> bool:
    """A well-formed header of an object type the protocol (as this client knows it) does
    not define: a non-empty string type, an id, upsert or delete."""
    return (isinstance(change, dict) and isinstance(change.get("type"), str)
            and bool(change["type"]) and change["type"] not in OBJECT_SCHEMAS
            and isinstance(change.get("id"), str) and bool(change["id"])
            and change.get("op") in ("upsert", "delete"))


def validate_page(changes: Any, cursor: Any) -> list[dict[str, Any]]:
    """The page's changes of known types, in order; raise ProtocolError
    `protocol.bad_change` unless every one of them is well formed."""
    if not isinstance(changes, list):
        raise bad_change(-1, "changes is not a list")
    if not isinstance(cursor, str) or not cursor:
        raise bad_change(-1, "cursor must be a non-empty string")
    known = [c for c in changes if not _unknown_type(c)]
    try:
        CHANGE_LIST.validate_python(known)
    except ValidationError as exc:
        index, why = _why(exc)
        if 0 <= index < len(known):  # report the position in the page as received
            index = next(i for i, c in enumerate(changes) if c is known[index])
        raise bad_change(index, why) from None
    return known
