"""Signing-key enrolment with a second factor (issue 13, High 1).

A bearer token alone must not be worth a signature: registering a signing key needs the
user's password again (checked here, throttled like a sign-in) and a one-time
enrolment code that county IT issues to that user (as a CA issues a certificate), by
the admin API or `python -m server enrolment-code`. The op `key.register` is refused
(`key.enrolment_required`); clients call `POST /api/v1/keys/enrol` instead.

Codes: 12 characters of an alphabet without look-alikes, shown as XXXX-XXXX-XXXX;
only their SHA-256 is stored; each is bound to one user, expires (72 h by default) and
is used at most once. A wrong password and a wrong, used or expired code get the same
answer (`key.enrolment_refused`), and both count as a failed sign-in of the account.

Every enrolment is audited, and the key object (published to everyone) names the
device and time, so the user's other devices announce it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from server import audit, clock, directory, security
from server.db import write_tx
from server.errors import Problem
from server.models import AuthSession, EnrolmentCode, SigningKey, User

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 12
DEFAULT_TTL = timedelta(hours=72)
MAX_ACTIVE_KEYS = 5  # a user's devices; more is a sign of abuse (finding 14)


@dataclass(frozen=True)
class IssuedCode:
    code: str
    user_id: str
    expires_at: datetime


def normalise(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def code_hash(code: str) -> str:
    return hashlib.sha256(normalise(code).encode("ascii", "replace")).hexdigest()


def issue_code(user_id: str, *, issued_by: str, ttl: timedelta = DEFAULT_TTL) -> IssuedCode:
    """A fresh one-time code for `user_id`; Problem 404 for an unknown user."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    code = "-".join(raw[i:i + 4] for i in range(0, CODE_LENGTH, 4))
    with write_tx():
        user = User.get_or_none(User.id == user_id)
        if user is None:
            raise Problem(404, "user.not_found", "No such user", user_id)
        expires = clock.now() + ttl
        EnrolmentCode.create(code_hash=code_hash(code), user_id=user_id, issued_by=issued_by,
                             issued_at=clock.now(), expires_at=expires)
        audit.record("enrolment_code.issued", actor_id=issued_by, subject_id=user_id,
                     expires_at=clock.rfc3339(expires))
    return IssuedCode(code, user_id, expires)


def _refused() -> Problem:
    return Problem(403, "key.enrolment_refused", "Enrolment refused",
                   "the password or the enrolment code is wrong, used or expired")


def enrol(user: User, session: AuthSession, *, key_id: str, algorithm: str,
          public_key: str, password: str, code: str, address: str = "") -> SigningKey:
    """Register `user`'s key after checking password and code; audited."""
    from server import auth  # auth imports directory; keep the cycle out of import time

    auth.throttle_check(user.username, address)
    password_ok = security.verify_password(password, user.password_hash)
    if not password_ok:
        auth.record_failure(user.username, address)
        audit.record("key.enrolment_refused", actor_id=user.id, subject_id=user.id,
                     reason="password", device_id=session.device_id)
        raise _refused()
    with write_tx():
        row = EnrolmentCode.get_or_none(EnrolmentCode.code_hash == code_hash(code))
        usable = (row is not None and row.user_id == user.id and row.used_at is None
                  and row.expires_at > clock.now())
        if row is None or not usable:
            auth.record_failure(user.username, address)
            audit.record("key.enrolment_refused", actor_id=user.id, subject_id=user.id,
                         reason="code", device_id=session.device_id)
            outcome: Problem | SigningKey = _refused()
        else:
            active = SigningKey.select().where(
                (SigningKey.user == user.id) & SigningKey.revoked_at.is_null()
                & (SigningKey.id != key_id)).count()
            if active >= MAX_ACTIVE_KEYS:
                raise Problem(409, "key.too_many", "Too many keys",
                              f"at most {MAX_ACTIVE_KEYS} active keys; revoke an old one")
            key = directory.register_key(user, key_id, algorithm, public_key,
                                         device_id=session.device_id,
                                         device_name=session.device_name)
            row.used_at = clock.now()
            row.used_for_key = key.id
            row.save()
            audit.record("key.enrolled", actor_id=user.id, subject_id=user.id, key_id=key.id,
                         algorithm=algorithm, device_id=session.device_id,
                         device_name=session.device_name)
            outcome = key
    if isinstance(outcome, Problem):
        raise outcome  # after the commit: the failure and its audit row stay
    return outcome
