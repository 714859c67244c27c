"""The change feed (`GET /changes`): each change, its union over object types, the page.

`Change` is a tagged union: deletions by `op`, upserts by `type`, so a change is checked
against exactly one object schema. `PageEnvelope` is what the transport layer checks of
a page before it is handed on (order of `seq`, the shape of each change's header); the
objects themselves are checked once, against `Change`, by whoever applies them.
"""

# No `from __future__ import annotations`: TypedDict reads NotRequired at class creation.
import functools
from typing import Annotated, Any, Literal, NotRequired, Self

from pydantic import (
    AfterValidator,
    ConfigDict,
    Discriminator,
    Tag,
    TypeAdapter,
    model_validator,
    with_config,
)
from typing_extensions import TypedDict

from protocol.wire.common import OBJECT_CONFIG, NonEmptyStr, WireModel
from protocol.wire.directory import Key, ObjectType, Unit, User
from protocol.wire.documents import Document, Opinion, Task
from protocol.wire.notes import Note
from protocol.wire.notices import Notice, Receipt, ReceiptFields
from protocol.wire.outgoing import (
    Delivery,
    DocSeries,
    Outgoing,
    OutgoingStep,
    OutgoingVersion,
    Reminder,
)

# Each object type's schema (Receipt: its fields plus "names a notice or a document").
OBJECT_SCHEMAS: dict[str, Any] = {
    "unit": Unit, "user": User, "document": Document, "task": Task, "opinion": Opinion,
    "notice": Notice, "receipt": Receipt, "key": Key,
    "outgoing": Outgoing, "outgoing_version": OutgoingVersion, "outgoing_step": OutgoingStep,
    "delivery": Delivery, "doc_series": DocSeries, "reminder": Reminder, "note": Note,
}
REQUIRED_FIELDS: dict[str, frozenset[str]] = {
    kind: frozenset((ReceiptFields if kind == "receipt" else schema).__required_keys__)
    for kind, schema in OBJECT_SCHEMAS.items()}


@functools.cache
def object_adapter(kind: str) -> TypeAdapter[Any]:
    """The validator of one object type, built when first asked for: every process that
    imports the wire schemas would otherwise pay ~30 ms for all of them (a page is
    checked against CHANGE_LIST, which holds them anyway)."""
    return TypeAdapter(OBJECT_SCHEMAS[kind])


def validate_object(kind: str, data: Any) -> dict[str, Any]:
    """`data` checked against the schema of `kind` (pydantic.ValidationError if it fails)."""
    return dict(object_adapter(kind).validate_python(data))


@with_config(OBJECT_CONFIG)
class DeleteChange(TypedDict):
    """The object is gone, or the caller may no longer see it."""

    seq: NotRequired[int]  # required in a page from /changes (see ChangeHeader)
    type: ObjectType
    id: NonEmptyStr
    op: Literal["delete"]
    data: NotRequired[Any]


@with_config(OBJECT_CONFIG)
class _Upsert(TypedDict):
    seq: NotRequired[int]
    id: NonEmptyStr
    op: Literal["upsert"]


@with_config(OBJECT_CONFIG)
class UnitChange(_Upsert):
    type: Literal["unit"]
    data: Unit


@with_config(OBJECT_CONFIG)
class UserChange(_Upsert):
    type: Literal["user"]
    data: User


@with_config(OBJECT_CONFIG)
class DocumentChange(_Upsert):
    type: Literal["document"]
    data: Document


@with_config(OBJECT_CONFIG)
class TaskChange(_Upsert):
    type: Literal["task"]
    data: Task


@with_config(OBJECT_CONFIG)
class OpinionChange(_Upsert):
    type: Literal["opinion"]
    data: Opinion


@with_config(OBJECT_CONFIG)
class NoticeChange(_Upsert):
    type: Literal["notice"]
    data: Notice


@with_config(OBJECT_CONFIG)
class ReceiptChange(_Upsert):
    type: Literal["receipt"]
    data: Receipt


@with_config(OBJECT_CONFIG)
class KeyChange(_Upsert):
    type: Literal["key"]
    data: Key


@with_config(OBJECT_CONFIG)
class OutgoingChange(_Upsert):
    type: Literal["outgoing"]
    data: Outgoing


@with_config(OBJECT_CONFIG)
class OutgoingVersionChange(_Upsert):
    type: Literal["outgoing_version"]
    data: OutgoingVersion


@with_config(OBJECT_CONFIG)
class OutgoingStepChange(_Upsert):
    type: Literal["outgoing_step"]
    data: OutgoingStep


@with_config(OBJECT_CONFIG)
class DeliveryChange(_Upsert):
    type: Literal["delivery"]
    data: Delivery


@with_config(OBJECT_CONFIG)
class DocSeriesChange(_Upsert):
    type: Literal["doc_series"]
    data: DocSeries


@with_config(OBJECT_CONFIG)
class ReminderChange(_Upsert):
    type: Literal["reminder"]
    data: Reminder


@with_config(OBJECT_CONFIG)
class NoteChange(_Upsert):
    type: Literal["note"]
    data: Note


def _change_tag(value: Any) -> str | None:
    """The union member a change is checked against: `delete`, or its object type."""
    if not isinstance(value, dict):
        return None
    op, kind = value.get("op"), value.get("type")
    if not isinstance(kind, str) or kind not in OBJECT_SCHEMAS:
        return None
    return "delete" if op == "delete" else kind if op == "upsert" else None


def _same_id(change: dict[str, Any]) -> dict[str, Any]:
    if change["op"] == "upsert" and change["data"]["id"] != change["id"]:
        raise ValueError("data.id differs from the change's id")
    return change


Change = Annotated[
    Annotated[DeleteChange, Tag("delete")]
    | Annotated[UnitChange, Tag("unit")]
    | Annotated[UserChange, Tag("user")]
    | Annotated[DocumentChange, Tag("document")]
    | Annotated[TaskChange, Tag("task")]
    | Annotated[OpinionChange, Tag("opinion")]
    | Annotated[NoticeChange, Tag("notice")]
    | Annotated[ReceiptChange, Tag("receipt")]
    | Annotated[KeyChange, Tag("key")]
    | Annotated[OutgoingChange, Tag("outgoing")]
    | Annotated[OutgoingVersionChange, Tag("outgoing_version")]
    | Annotated[OutgoingStepChange, Tag("outgoing_step")]
    | Annotated[DeliveryChange, Tag("delivery")]
    | Annotated[DocSeriesChange, Tag("doc_series")]
    | Annotated[ReminderChange, Tag("reminder")]
    | Annotated[NoteChange, Tag("note")],
    Discriminator(_change_tag, custom_error_type="change_kind",
                  custom_error_message="op must be upsert or delete, and type a known object"),
    AfterValidator(_same_id),
]

CHANGE_LIST: TypeAdapter[list[Any]] = TypeAdapter(list[Change])


class ChangePage(WireModel):
    """One page of `GET /api/v1/changes` (the platform's documentation of it, and tests;
    the client checks PageEnvelope, then CHANGE_LIST). Built when first used, not at
    import (~35 ms in every process)."""

    model_config = ConfigDict(defer_build=True)

    changes: list[Change]
    cursor: NonEmptyStr
    has_more: bool
    # The platform's instance (as in /meta), so a sync needs no /meta round trip to
    # notice a restored or re-created platform (docs/protocol.md "The township link"). Optional:
    # a platform that does not send it is checked with /meta instead.
    instance_id: str | None = None


def _upsert_problem(change_id: str, data: Any) -> str | None:
    if not isinstance(data, dict):
        return "an upsert carries a data object"
    if "id" in data and data["id"] != change_id:
        return "data.id differs from the change's id"
    version = data.get("version")
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
        return "data.version is not an integer"
    return None


def header_problem(change: Any) -> str | None:
    """What the transport layer finds wrong with a change's header (ChangeHeader, as one
    plain check: a page of 1,000 changes is checked in a millisecond, not in 10 ms of
    models built and thrown away), or None."""
    if not isinstance(change, dict):
        return "is not an object"
    seq = change.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool):
        return "seq is not an integer"
    if not isinstance(change.get("type"), str):
        return "type is not a string"
    change_id = change.get("id")
    if not isinstance(change_id, str) or not change_id:
        return "id is not a non-empty string"
    op = change.get("op")
    if op == "upsert":
        return _upsert_problem(change_id, change.get("data"))
    return None if op == "delete" else "op is neither upsert nor delete"


class ChangeHeader(WireModel):
    """What the transport layer checks of each change: seq, type, id, op, data's id."""

    seq: int
    type: str
    id: NonEmptyStr
    op: Literal["upsert", "delete"]
    data: Any = None

    @model_validator(mode="after")
    def _upsert_data(self) -> Self:
        problem = _upsert_problem(self.id, self.data) if self.op == "upsert" else None
        if problem:
            raise ValueError(problem)
        return self


class PageEnvelope(WireModel):
    """A /changes page as the transport layer checks it (the objects are checked later):
    each change's header as ChangeHeader says (header_problem), seqs increasing."""

    changes: list[Any]
    cursor: NonEmptyStr
    has_more: bool
    instance_id: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        last = None
        for i, change in enumerate(self.changes):
            problem = header_problem(change)
            if problem:
                raise ValueError(f"changes[{i}]: {problem}")
            if last is not None and change["seq"] <= last:
                raise ValueError(f"changes[{i}].seq does not increase")
            last = change["seq"]
        if self.has_more and not self.changes:
            raise ValueError("has_more is true on an empty page")
        return self
