"""The transport's check of a change's header: the plain check the page envelope runs
(header_problem) says what ChangeHeader, the schema, says, case by case."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from protocol.wire import ChangeHeader, PageEnvelope
from protocol.wire.changes import header_problem

GOOD = {"seq": 7, "type": "document", "id": "d-1", "op": "upsert",
        "data": {"id": "d-1", "version": 3}}

CASES: list[tuple[str, Any]] = [
    ("well formed", GOOD),
    ("a delete needs no data", {"seq": 8, "type": "task", "id": "t-1", "op": "delete"}),
    ("a type this client does not know", {**GOOD, "type": "spaceship"}),
    ("no version", {**GOOD, "data": {"id": "d-1"}}),
    ("unknown fields are kept", {**GOOD, "extra": [1, 2]}),
    ("not an object", ["seq", 7]),
    ("seq missing", {k: v for k, v in GOOD.items() if k != "seq"}),
    ("seq a string", {**GOOD, "seq": "7"}),
    ("seq a boolean", {**GOOD, "seq": True}),
    ("seq a float", {**GOOD, "seq": 7.0}),
    ("type missing", {k: v for k, v in GOOD.items() if k != "type"}),
    ("type a number", {**GOOD, "type": 3}),
    ("id empty", {**GOOD, "id": ""}),
    ("id a number", {**GOOD, "id": 1}),
    ("op unknown", {**GOOD, "op": "merge"}),
    ("op missing", {k: v for k, v in GOOD.items() if k != "op"}),
    ("upsert without data", {**GOOD, "data": None}),
    ("upsert with a list", {**GOOD, "data": []}),
    ("data of another id", {**GOOD, "data": {"id": "d-2"}}),
    ("version a string", {**GOOD, "data": {"id": "d-1", "version": "3"}}),
    ("version a boolean", {**GOOD, "data": {"id": "d-1", "version": False}}),
]


@pytest.mark.parametrize(("what", "change"), CASES, ids=[c[0] for c in CASES])
def test_the_plain_check_agrees_with_the_schema(what: str, change: Any) -> None:
    try:
        ChangeHeader.model_validate(change)
        schema_ok = True
    except ValidationError:
        schema_ok = False
    assert (header_problem(change) is None) == schema_ok, what


def test_a_page_names_the_change_that_is_wrong_and_keeps_the_changes_as_sent() -> None:
    bad = {**GOOD, "seq": 9, "id": ""}
    with pytest.raises(ValidationError, match=r"changes\[1\]: id is not a non-empty string"):
        PageEnvelope.model_validate({"changes": [GOOD, bad], "cursor": "c", "has_more": False})
    with pytest.raises(ValidationError, match=r"changes\[1\].seq does not increase"):
        PageEnvelope.model_validate({"changes": [GOOD, GOOD], "cursor": "c", "has_more": False})
    page = PageEnvelope.model_validate({"changes": [GOOD], "cursor": "c", "has_more": False})
    assert page.changes[0] is GOOD
