"""Directory objects of the change feed: `unit`, `user`, `key` (PROTOCOL "Objects")."""

from __future__ import annotations

from typing import Literal

from protocol.wire.common import NonEmptyStr, Rfc3339, SyncedObject, WireModel


class Unit(SyncedObject):
    """An org unit: `name`, `parent_id`, `kind` (`county`, `bureau`, `town`, `office`, ...)."""

    name: str
    parent_id: str | None
    kind: str
    sort_order: int = 0


class User(SyncedObject):
    """A directory entry: `username`, `display_name`, `unit_id`, `roles`, `title`."""

    username: NonEmptyStr
    display_name: str
    unit_id: str | None
    roles: list[str]
    title: str | None = None


class Key(SyncedObject):
    """A device signing key: `user_id`, `algorithm`, `public_key` (base64), `revoked_at`."""

    user_id: NonEmptyStr
    algorithm: NonEmptyStr
    public_key: NonEmptyStr
    revoked_at: Rfc3339 | None


class UserSummary(WireModel):
    """The login answer's `user`: who signed in."""

    id: str
    username: str
    display_name: str
    unit_id: str | None = None
    roles: list[str]
    title: str | None = None


ObjectType = Literal["unit", "user", "document", "task", "opinion", "notice", "receipt", "key"]
