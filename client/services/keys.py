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
from client.models import SigningKey, from_epoch, parse_time
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


# --- announcements of keys enrolled elsewhere (issue 13) ---------------------------------

ANNOUNCED = "key.announced"  # local audit action: this device told its user about a key


@dataclass(frozen=True)
class KeyAnnouncement:
    """A signing key of mine enrolled on another device after this one's."""

    key_id: str
    algorithm: str
    device_name: str
    enrolled_at: datetime | None


def _created(key: SigningKey) -> datetime | None:
    raw = key.data.get("created_at") if isinstance(key.data, dict) else None
    try:
        return parse_time(raw) if isinstance(raw, str) else None
    except ValueError:
        return None


def new_keys_elsewhere(me: str, *, device_key_id: str | None) -> list[KeyAnnouncement]:
    """My unrevoked keys enrolled after this device's own key, on other devices, that this
    device has not announced yet (a key nobody of mine enrolled is the alarm)."""
    if not device_key_id:
        return []
    own = SigningKey.get_or_none(SigningKey.id == device_key_id)
    own_at = _created(own) if own is not None else None
    if own_at is None:
        return []
    told = {e.object for e in models.AuditEntry.select(models.AuditEntry.object)
            .where(models.AuditEntry.action == ANNOUNCED)}
    out = []
    for k in SigningKey.select().where((SigningKey.user_id == me) & SigningKey.revoked_at.is_null()
                                       & (SigningKey.id != device_key_id)):
        at = _created(k)
        if at is not None and at > own_at and k.id not in told:
            out.append(KeyAnnouncement(k.id, k.algorithm,
                                       str((k.data or {}).get("device_name") or ""), at))
    return sorted(out, key=lambda a: (a.enrolled_at or datetime.min, a.key_id))


def mark_announced(me: str, key_ids: list[str]) -> None:
    """Record (local audit log) that the user was told; they are not told twice."""
    from client.services import audit

    with models.database_proxy.obj.atomic():
        for key_id in key_ids:
            audit.record(ANNOUNCED, user_id=me, obj=key_id)
