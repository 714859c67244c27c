"""The change feed (`GET /changes`): each change, its union over object types, the page.

`Change` is a tagged union: deletions by `op`, upserts by `type`, so a change is checked
against exactly one object schema. `PageEnvelope` is what the transport layer checks of
a page before it is handed on (order of `seq`, the shape of each change's header); the
objects themselves are checked once, against `Change`, by whoever applies them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from pydantic import Discriminator, Field, Tag, TypeAdapter, model_validator

from protocol.wire.common import NonEmptyStr, SyncedObject, WireModel
from protocol.wire.directory import Key, ObjectType, Unit, User
from protocol.wire.documents import Document, Opinion, Task
from protocol.wire.notices import Notice, Receipt

OBJECT_SCHEMAS: dict[str, type[SyncedObject]] = {
    "unit": Unit, "user": User, "document": Document, "task": Task, "opinion": Opinion,
    "notice": Notice, "receipt": Receipt, "key": Key,
}


class _Change(WireModel):
    seq: int = Field(default=0, description="feed order (required in a page from /changes)")
    type: ObjectType
    id: NonEmptyStr


class DeleteChange(_Change):
    """The object is gone, or the caller may no longer see it."""

    op: Literal["delete"]
    data: Any = None


class _Upsert(_Change):
    op: Literal["upsert"]
    data: SyncedObject

    @model_validator(mode="after")
    def _same_id(self) -> Self:
        if self.data.id != self.id:
            raise ValueError("data.id differs from the change's id")
        return self


class UnitChange(_Upsert):
    type: Literal["unit"]
    data: Unit


class UserChange(_Upsert):
    type: Literal["user"]
    data: User


class DocumentChange(_Upsert):
    type: Literal["document"]
    data: Document


class TaskChange(_Upsert):
    type: Literal["task"]
    data: Task


class OpinionChange(_Upsert):
    type: Literal["opinion"]
    data: Opinion


class NoticeChange(_Upsert):
    type: Literal["notice"]
    data: Notice


class ReceiptChange(_Upsert):
    type: Literal["receipt"]
    data: Receipt


class KeyChange(_Upsert):
    type: Literal["key"]
    data: Key


UPSERT_CHANGES: dict[str, type[_Upsert]] = {
    "unit": UnitChange, "user": UserChange, "document": DocumentChange, "task": TaskChange,
    "opinion": OpinionChange, "notice": NoticeChange, "receipt": ReceiptChange,
    "key": KeyChange,
}


def _change_tag(value: Any) -> str | None:
    """The union member a change is checked against: `delete`, or its object type."""
    if isinstance(value, dict):
        op, kind = value.get("op"), value.get("type")
    else:
        op, kind = getattr(value, "op", None), getattr(value, "type", None)
    if not isinstance(kind, str) or kind not in OBJECT_SCHEMAS:
        return None
    return "delete" if op == "delete" else kind if op == "upsert" else None


Change = Annotated[
    Annotated[DeleteChange, Tag("delete")]
    | Annotated[UnitChange, Tag("unit")]
    | Annotated[UserChange, Tag("user")]
    | Annotated[DocumentChange, Tag("document")]
    | Annotated[TaskChange, Tag("task")]
    | Annotated[OpinionChange, Tag("opinion")]
    | Annotated[NoticeChange, Tag("notice")]
    | Annotated[ReceiptChange, Tag("receipt")]
    | Annotated[KeyChange, Tag("key")],
    Discriminator(_change_tag, custom_error_type="change_kind",
                  custom_error_message="op must be upsert or delete, and type a known object"),
]

CHANGE_LIST: TypeAdapter[list[Change]] = TypeAdapter(list[Change])


class ChangePage(WireModel):
    """One page of `GET /api/v1/changes`."""

    changes: list[Change]
    cursor: NonEmptyStr
    has_more: bool


class ChangeHeader(WireModel):
    """What the transport layer checks of each change: seq, type, id, op, data's id."""

    seq: int
    type: str
    id: NonEmptyStr
    op: Literal["upsert", "delete"]
    data: Any = None

    @model_validator(mode="after")
    def _upsert_data(self) -> Self:
        if self.op != "upsert":
            return self
        data = self.data
        if not isinstance(data, dict):
            raise ValueError("an upsert carries a data object")
        if "id" in data and data["id"] != self.id:
            raise ValueError("data.id differs from the change's id")
        version = data.get("version")
        if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
            raise ValueError("data.version is not an integer")
        return self


class PageEnvelope(WireModel):
    """A /changes page as the transport layer checks it (the objects are checked later)."""

    changes: list[ChangeHeader]
    cursor: NonEmptyStr
    has_more: bool

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        last = None
        for i, change in enumerate(self.changes):
            if last is not None and change.seq <= last:
                raise ValueError(f"changes[{i}].seq does not increase")
            last = change.seq
        if self.has_more and not self.changes:
            raise ValueError("has_more is true on an empty page")
        return self
