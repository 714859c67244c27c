"""留言 (notes) and the context of a conflict (docs/protocol.md "Conflicts in words").

- `note`: a short text one user sends another about a document, e.g. the 批示 a
  conflict kept from being recorded, sent on to whoever holds the step now. Seen by its
  sender and its recipient only.
- `NoteSendData`: the op `note.send`.
- `ConflictContext`: the optional `context` of a conflict or rejection of `POST /ops`.
"""

# No `from __future__ import annotations`: TypedDict reads NotRequired at class creation.
from typing import Final, Literal

from pydantic import Field, with_config

from protocol.wire.common import OBJECT_CONFIG, NonEmptyStr, Rfc3339, SyncedObject, WireModel

MAX_NOTE_TEXT: Final = 4000  # characters; a 批示 (MAX_OPINION_TEXT) fits with room to spare

# What made the step (or notice) go away (server.conflicts).
ConflictAction = Literal["rerouted", "cancelled", "returned", "recalled", "completed", "signed",
                         "withdrawn"]


@with_config(OBJECT_CONFIG)
class Note(SyncedObject):
    """留言 from `from_id` to `to_id` about a document; `at` is when the platform took it."""

    document_id: NonEmptyStr
    from_id: NonEmptyStr
    to_id: NonEmptyStr
    text: str
    at: Rfc3339


class NoteSendData(WireModel):
    """`note.send`: the sender must see the document (or have held a step of it), the
    recipient must see it; the text is not empty after cleaning."""

    note_id: str = Field(min_length=1, max_length=100)
    document_id: str = Field(min_length=1, max_length=100)
    to_user_id: str = Field(min_length=1, max_length=100)
    text: str = Field(min_length=1, max_length=MAX_NOTE_TEXT)


class ConflictContext(WireModel):
    """Who made the step go away (`by`, `by_name`), when (`at`), how (`action`), the
    clerk's `reason`, and who holds the document's step now (`holder_*`). Every field
    is optional; a client shows what it gets."""

    action: ConflictAction | str | None = None
    by: str | None = None
    by_name: str | None = None
    at: Rfc3339 | None = None
    reason: str | None = None
    document_id: str | None = None
    document_title: str | None = None  # the caller may no longer hold the document
    task_id: str | None = None
    task_kind: str | None = None  # propose, instruct, ...: "your 批示" in the client's words
    notice_id: str | None = None
    holder_id: str | None = None
    holder_name: str | None = None
    holder_task_id: str | None = None
