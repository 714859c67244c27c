"""Directory objects of the change feed: `unit`, `user`, `key` (PROTOCOL "Objects")."""

# No `from __future__ import annotations`: TypedDict reads NotRequired at class creation.
from typing import Literal, NotRequired

from pydantic import with_config

from protocol.wire.common import OBJECT_CONFIG, NonEmptyStr, Rfc3339, SyncedObject, WireModel


@with_config(OBJECT_CONFIG)
class Unit(SyncedObject):
    """An org unit: `name`, `parent_id`, `kind` (`county`, `bureau`, `town`, `office`, ...)."""

    name: str
    parent_id: str | None
    kind: str
    sort_order: NotRequired[int]


@with_config(OBJECT_CONFIG)
class User(SyncedObject):
    """A directory entry: `username`, `display_name`, `unit_id`, `roles`, `title`."""

    username: NonEmptyStr
    display_name: str
    unit_id: str | None
    roles: list[str]
    title: NotRequired[str | None]


@with_config(OBJECT_CONFIG)
class Key(SyncedObject):
    """A device signing key: `user_id`, `algorithm`, `public_key` (base64), `revoked_at`."""

    user_id: NonEmptyStr
    algorithm: NonEmptyStr
    public_key: NonEmptyStr
    revoked_at: Rfc3339 | None
    # Issue 13: when and on which device the platform enrolled it (absent from older
    # platforms). A signature dated before `created_at` is refused.
    created_at: NotRequired[Rfc3339 | None]
    device_name: NotRequired[str]


class UserSummary(WireModel):
    """The login answer's `user`: who signed in."""

    id: str
    username: str
    display_name: str
    unit_id: str | None = None
    roles: list[str]
    title: str | None = None


ObjectType = Literal["unit", "user", "document", "task", "opinion", "notice", "receipt", "key",
                     "outgoing", "outgoing_version", "outgoing_step", "delivery",
                     "doc_series", "reminder", "note"]
