"""Units, users and signing keys: the directory every signed-in user sees.

Each writer runs in its own `write_tx()` (nesting into the caller's when there is one)
and publishes the changed object to everyone ("*") with its PROTOCOL fields:
- unit: id, name, parent_id, kind, sort_order, version, updated_at
- user: id, username, display_name, unit_id, roles, title, active, version, updated_at
  (never the password hash)
- key:  id, user_id, algorithm, public_key, revoked_at, version, updated_at

`key.register` (PROTOCOL op) and `key.revoke` (extra op `{"key_id"}`: a user revokes
one of their own keys, e.g. the key of a lost laptop, from another device) are registered
here with `server.ops`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import uuid
from collections.abc import Iterable
from typing import Any

from protocol import ops, signing
from server import audit, clock, feed, security
from server.db import write_tx
from server.errors import Problem
from server.models import EVERYONE, AuthSession, SigningKey, Unit, UnitSeal, UnitSeries, User
from server.ops import OpOutcome, current_device_id, register_op

# reviewer: 核稿 of outgoing documents (办公室主任); exchange: an account standing for an
# outside body (省, 佳木斯市) that sends issued documents into the exchange.
ROLES = ("clerk", "leader", "staff", "publisher", "admin", "reviewer", "exchange")
KEY_ALGORITHMS = {"ed25519": 32, "sm2-sm3": 65}  # raw public key length
_USERNAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")


# --- serialised forms ------------------------------------------------------------------


def unit_json(unit: Unit) -> dict[str, Any]:
    return {
        "id": unit.id,
        "name": unit.name,
        "parent_id": unit.parent_id,
        "kind": unit.kind,
        "sort_order": unit.sort_order,
        "version": unit.version,
        "updated_at": clock.rfc3339(unit.updated_at),
        # 发文字号 series the unit numbers in, and whether an admin registered its seal.
        "series": [{"prefix": s.prefix, "label": s.label} for s in
                   UnitSeries.select().where(UnitSeries.unit == unit.id)
                   .order_by(UnitSeries.sort_order, UnitSeries.prefix)],
        "has_seal": UnitSeal.select().where(UnitSeal.unit == unit.id).exists(),
    }


def user_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "unit_id": user.unit_id,
        "roles": list(user.roles or []),
        "title": user.title,
        "active": bool(user.active),
        "version": user.version,
        "updated_at": clock.rfc3339(user.updated_at),
    }


def key_json(key: SigningKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "user_id": key.user_id,
        "algorithm": key.algorithm,
        "public_key": key.public_key,
        # Sub-second: an opinion accepted in the same second as the revocation stays valid.
        "revoked_at": clock.rfc3339(key.revoked_at, timespec="milliseconds"),
        # When and on which device it was enrolled: offline verification refuses a
        # signature dated before it, and the user's other devices announce it (issue 13).
        "created_at": clock.rfc3339(key.created_at, timespec="milliseconds"),
        "device_name": key.device_name or "",
        "version": key.version,
        "updated_at": clock.rfc3339(key.updated_at),
    }


def publish_unit(unit: Unit) -> int:
    return feed.publish("unit", unit.id, unit_json(unit), EVERYONE)


def publish_user(user: User) -> int:
    return feed.publish("user", user.id, user_json(user), EVERYONE)


def publish_key(key: SigningKey) -> int:
    return feed.publish("key", key.id, key_json(key), EVERYONE)


# --- units and users -------------------------------------------------------------------


def create_unit(
    name: str,
    kind: str,
    *,
    unit_id: str | None = None,
    parent_id: str | None = None,
    sort_order: int = 0,
) -> Unit:
    with write_tx():
        if parent_id is not None and Unit.get_or_none(Unit.id == parent_id) is None:
            raise Problem(422, "unit.unknown_parent", "Unknown parent unit", parent_id)
        unit = Unit.create(
            id=unit_id or uuid.uuid4().hex,
            name=name,
            kind=kind,
            parent=parent_id,
            sort_order=sort_order,
            updated_at=clock.now(),
        )
        publish_unit(unit)
    return unit


def touch_unit(unit: Unit) -> None:
    """Bump the unit's version and publish it (its series or seal changed)."""
    with write_tx():
        unit.version += 1
        unit.updated_at = clock.now()
        unit.save()
        publish_unit(unit)


def _check_roles(roles: Iterable[str]) -> list[str]:
    roles = list(dict.fromkeys(roles))
    bad = [r for r in roles if r not in ROLES]
    if bad:
        raise Problem(422, "user.unknown_role", "Unknown role", ", ".join(bad))
    return roles


def create_user(
    username: str,
    password: str,
    display_name: str,
    unit_id: str,
    roles: Iterable[str],
    title: str = "",
    *,
    user_id: str | None = None,
    password_hash: str | None = None,
) -> User:
    """Create a user and publish it; Problem 409 `user.exists`, 422 on bad input.

    `password_hash`: `security.hash_password(password)` made by the caller, so that many
    accounts sharing one password (the demo county) cost one scrypt instead of one each."""
    if not _USERNAME_RE.match(username):
        raise Problem(422, "user.invalid_username", "Invalid user name",
                      "letters, digits, '_', '.', '-' only, at most 64")
    if password_hash is None:
        security.check_password_policy(password)
    roles = _check_roles(roles)
    # slow: keep it out of the write lock
    password_hash = password_hash or security.hash_password(password)
    with write_tx():
        if Unit.get_or_none(Unit.id == unit_id) is None:
            raise Problem(422, "user.unknown_unit", "Unknown unit", unit_id)
        if User.get_or_none(User.username == username) is not None:
            raise Problem(409, "user.exists", "User exists", username)
        user = User.create(
            id=user_id or uuid.uuid4().hex,
            username=username,
            display_name=display_name,
            unit=unit_id,
            roles=roles,
            title=title,
            password_hash=password_hash,
            updated_at=clock.now(),
        )
        publish_user(user)
    return user


def revoke_sessions(user_id: str) -> int:
    """End every session of the user (inside the caller's transaction); returns how many.

    Their access and refresh tokens stop working at once and their event streams end
    at the next session check (server/api/events.py)."""
    with write_tx():
        return int(AuthSession.update(revoked_at=clock.now()).where(
            (AuthSession.user == user_id) & AuthSession.revoked_at.is_null()).execute())


def set_password(user_id: str, password: str, *, actor_id: str | None = None) -> None:
    """Reset the password: every session ends (an intruder is signed out), audited."""
    security.check_password_policy(password)
    password_hash = security.hash_password(password)
    with write_tx():
        n = User.update(password_hash=password_hash).where(User.id == user_id).execute()
        if not n:
            raise Problem(404, "user.not_found", "No such user", user_id)
        ended = revoke_sessions(user_id)
        audit.record("user.password_reset", actor_id=actor_id, subject_id=user_id,
                     sessions_revoked=ended)


def update_user(user_id: str, *, actor_id: str | None = None, **changes: Any) -> User:
    """Change display_name / unit_id / roles / title / active; bumps version, publishes.

    Deactivation and a change of unit end every session of the user (audited); a move's
    republishing of what the user may see is `server.moves.move_user`'s."""
    allowed = {"display_name", "unit_id", "roles", "title", "active"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"cannot change {sorted(unknown)}")
    if "roles" in changes:
        changes["roles"] = _check_roles(changes["roles"])
    with write_tx():
        user = User.get_or_none(User.id == user_id)
        if user is None:
            raise Problem(404, "user.not_found", "No such user", user_id)
        if "unit_id" in changes and Unit.get_or_none(Unit.id == changes["unit_id"]) is None:
            raise Problem(422, "user.unknown_unit", "Unknown unit", changes["unit_id"])
        old_unit = user.unit_id
        for name, value in changes.items():
            setattr(user, "unit" if name == "unit_id" else name, value)
        moved = "unit_id" in changes and changes["unit_id"] != old_unit
        user.version += 1
        user.updated_at = clock.now()
        user.save()
        if changes.get("active") is False:
            ended = revoke_sessions(user.id)
            audit.record("user.deactivated", actor_id=actor_id, subject_id=user.id,
                         sessions_revoked=ended)
        if moved:
            ended = revoke_sessions(user.id)
            audit.record("user.moved", actor_id=actor_id, subject_id=user.id,
                         from_unit=old_unit, to_unit=changes["unit_id"],
                         sessions_revoked=ended)
        publish_user(user)
    return user


def deactivate_user(user_id: str, *, actor_id: str | None = None) -> User:
    """Disable sign-in and revoke every session; the user stays in the directory."""
    return update_user(user_id, actor_id=actor_id, active=False)


# --- signing keys ----------------------------------------------------------------------


def key_id_for(public_raw: bytes) -> str:
    """PROTOCOL/contracts: key_id = first 16 hex of sha256 of the raw public key."""
    return hashlib.sha256(public_raw).hexdigest()[:16]


def decode_public_key(algorithm: str, public_key: str) -> bytes:
    if algorithm not in KEY_ALGORITHMS:
        raise Problem(422, "key.unknown_algorithm", "Unknown algorithm",
                      f"algorithm must be one of {', '.join(KEY_ALGORITHMS)}")
    try:
        raw = base64.b64decode(public_key, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise Problem(422, "key.invalid_public_key", "Invalid public key",
                      "public_key is not base64") from exc
    if len(raw) != KEY_ALGORITHMS[algorithm] or (algorithm == "sm2-sm3" and raw[0] != 4):
        raise Problem(422, "key.invalid_public_key", "Invalid public key",
                      f"a {algorithm} public key is {KEY_ALGORITHMS[algorithm]} raw bytes"
                      + (" (uncompressed point, 0x04 first)" if algorithm == "sm2-sm3" else ""))
    # A small-order Ed25519 point "verifies" forged signatures; an SM2 point off the
    # curve is no key at all (issue 13, finding 10). protocol.signing checks both.
    if algorithm == "ed25519" and signing.ed25519_small_order(raw):
        raise Problem(422, "key.small_order", "Weak public key",
                      "an Ed25519 key of small order (or no canonical point) is refused")
    if not signing.is_valid_public_key(algorithm, public_key):
        raise Problem(422, "key.invalid_public_key", "Invalid public key",
                      "the public key is not a point of the curve")
    return raw


def register_key(user: User, key_id: str, algorithm: str, public_key: str,
                 device_id: str = "", device_name: str = "") -> SigningKey:
    """Store and publish a key. Callers prove the second factor first
    (server/enrolment.py); the demo build registers its historic keys directly."""
    raw = decode_public_key(algorithm, public_key)
    if key_id != key_id_for(raw):
        raise Problem(422, "key.id_mismatch", "Key id does not match",
                      "key_id must be the first 16 hex digits of sha256(public key)")
    with write_tx():
        existing = SigningKey.get_or_none(SigningKey.id == key_id)
        if existing is not None:
            if existing.user_id == user.id and existing.public_key == public_key:
                if existing.revoked_at is not None:
                    raise Problem(409, "key.revoked", "Key revoked",
                                  "this key was revoked; generate a new one")
                return existing  # registering the same key twice is harmless
            raise Problem(409, "key.id_taken", "Key id taken", key_id)
        now = clock.now()
        key = SigningKey.create(id=key_id, user=user.id, algorithm=algorithm,
                                public_key=public_key, device_id=device_id,
                                device_name=device_name[:200], created_at=now,
                                updated_at=now)
        publish_key(key)
    return key


def revoke_key(key_id: str, by: str | None = None) -> SigningKey:
    """Revoke a key (by its owner or an admin: the caller checks who `by` is)."""
    with write_tx():
        key = SigningKey.get_or_none(SigningKey.id == key_id)
        if key is None:
            raise Problem(404, "key.not_found", "No such key", key_id)
        if key.revoked_at is None:
            key.revoked_at = clock.now()
            key.version += 1
            key.updated_at = key.revoked_at
            key.save()
            publish_key(key)
    return key


def _op_key_register(user: User, data: dict[str, Any]) -> OpOutcome:
    """Refused: a bearer token alone must not register a signing key (issue 13, High 1).

    Keys are enrolled with the password and a one-time code: POST /api/v1/keys/enrol."""
    return OpOutcome("rejected", "key.enrolment_required",
                     "enrol the key with the password and an enrolment code "
                     "(POST /api/v1/keys/enrol)")


def _op_key_revoke(user: User, data: dict[str, Any]) -> OpOutcome:
    """Revoke one of the caller's own keys; an already revoked key stays as it is.

    Opinions signed before stay valid; the platform refuses later sign-offs with it. The
    key's device, when it is another than the caller's, is signed out too (a lost
    laptop must not keep syncing): it needs the password again, which gives it a new key."""
    key_id = data.get("key_id")
    if not isinstance(key_id, str) or not key_id:
        return OpOutcome("rejected", "op.invalid_data", "key_id must be a non-empty string")
    key = SigningKey.get_or_none(SigningKey.id == key_id)
    if key is None:
        return OpOutcome("rejected", "key.not_found", f"no key {key_id}")
    if key.user_id != user.id:
        return OpOutcome("rejected", "auth.forbidden", "only the key's owner may revoke it here")
    revoke_key(key_id, by=user.id)
    if key.device_id and key.device_id != current_device_id():
        AuthSession.update(revoked_at=clock.now()).where(
            (AuthSession.user == user.id) & (AuthSession.device_id == key.device_id)
            & AuthSession.revoked_at.is_null()).execute()
    return OpOutcome("applied")


register_op(ops.KEY_REGISTER, _op_key_register)
register_op(ops.KEY_REVOKE, _op_key_revoke)
