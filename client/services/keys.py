"""The signed-in user's own signing keys: list them, ask the platform to revoke one.

Each device of a user has its own key (made at its first online sign-in). A lost
laptop's key is revoked from another device with the op `key.revoke` (docs/contracts.md);
opinions signed before the revocation stay valid, later sign-offs with it are refused
by the platform. A device whose own key was revoked gets a new one at its next online
sign-in (client/session.py `Profile._replace_revoked_key`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from client import models
from client.errors import GovDeskError
from client.models import SigningKey, from_epoch
from client.services import op_owners
from client.types import OpId


@dataclass(frozen=True)
class OwnKey:
    key_id: str
    algorithm: str
    revoked_at: datetime | None
    this_device: bool
    revocation_queued: bool


def my_keys(me: str, *, device_key_id: str | None) -> list[OwnKey]:
    """My keys as the directory in the cache lists them, this device's first."""
    queued = op_owners.KEY_REVOKE.queued_key_ids()
    keys = [OwnKey(k.id, k.algorithm, from_epoch(k.revoked_at), k.id == device_key_id,
                   k.id in queued)
            for k in SigningKey.select().where(SigningKey.user_id == me)]
    return sorted(keys, key=lambda k: (not k.this_device, k.revoked_at is not None, k.key_id))


def request_revocation(me: str, key_id: str) -> OpId:
    """Queue `key.revoke` for one of my keys (the platform applies it at the next push)."""
    key = SigningKey.get_or_none(SigningKey.id == key_id)
    if key is None or key.user_id != me:
        raise GovDeskError("key.not_found", key_id=key_id)
    if key.revoked_at is not None:
        raise GovDeskError("key.revoked", key_id=key_id)
    with models.database_proxy.obj.atomic():
        return op_owners.KEY_REVOKE.queue(key_id)
