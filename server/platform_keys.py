"""The platform's receipt keys: sign (subject, accepted_at) for what it accepts.

`sign_receipt(kind, object_id, subject)` is called inside the write transaction that
records an opinion, a signed 发文 step or a read/ack receipt; it returns the platform's
`accepted_at` and its signature (protocol/platform_receipt.py says what is signed).
`published()` lists every key for `GET /meta`, retired ones too, so old receipts stay
checkable. `rotate()` makes a new key and retires the old one a little later, so
requests already under way with the old key still sign inside its service period.
"""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from typing import Any

from protocol import signing
from protocol.platform_receipt import receipt_message, receipt_subject
from server import audit, clock
from server.db import write_tx
from server.models import PlatformKey

# An old key keeps signing until every worker has seen the new one (they read the current
# key on each signature, so one transaction's length is enough; a minute is generous).
ROTATION_GRACE = timedelta(minutes=1)


def current() -> PlatformKey:
    """The key in service now (read again for each transaction: a rotation elsewhere takes
    effect at once, the old key's grace only covers transactions already under way)."""
    return _current()


def _current() -> PlatformKey:
    now = clock.now()
    key: PlatformKey | None = (PlatformKey.select()
           .where(PlatformKey.retired_at.is_null() | (PlatformKey.retired_at > now))
           .order_by(PlatformKey.created_at.desc(), PlatformKey.id)
           .first())
    if key is None:
        raise RuntimeError("the platform has no receipt key in service: run "
                           "`python -m server platform-key rotate`")
    return key


def sign_receipt(kind: str, object_id: str, subject_digest: str,
                 key: PlatformKey | None = None) -> tuple[str, dict[str, str]]:
    """(accepted_at, platform_receipt) for an object accepted now; `key` is `current()`
    when the caller signs several objects in one transaction."""
    key = key or _current()
    accepted_at = clock.rfc3339(clock.now()) or ""
    message = receipt_message(kind=kind, object_id=object_id, subject_digest=subject_digest,
                              accepted_at=accepted_at)
    value = signing.sign(key.algorithm, base64.b64decode(key.private_key), message)
    return accepted_at, {"key_id": key.id, "algorithm": key.algorithm, "value": value}


def receipt_fields(*, receipt_id: str, notice_id: str | None, document_id: str | None,
                   user_id: str, kind: str, at: datetime,
                   key: PlatformKey | None = None) -> dict[str, Any]:
    """`accepted_at` and `platform_receipt` of a read/ack receipt about to be created
    (its `at` is the user's claim, already bounded)."""
    subject = receipt_subject(notice_id=notice_id, document_id=document_id, user_id=user_id,
                              kind=kind, at=clock.rfc3339(at) or "")
    accepted_at, receipt = sign_receipt("receipt", receipt_id, subject, key)
    return {"accepted_at": accepted_at, "platform_receipt": receipt}


def published() -> list[dict[str, Any]]:
    """Every receipt key, oldest first, as `meta.platform_keys`."""
    return [{"key_id": k.id, "algorithm": k.algorithm, "public_key": k.public_key,
             "created_at": clock.rfc3339(k.created_at),
             "retired_at": clock.rfc3339(k.retired_at)}
            for k in PlatformKey.select().order_by(PlatformKey.created_at, PlatformKey.id)]


def rotate(*, actor_id: str | None = None) -> PlatformKey:
    """A new receipt key; the one in service retires after ROTATION_GRACE."""
    with write_tx():
        now = clock.now()
        pair = signing.generate_keypair(signing.ED25519)
        (PlatformKey.update(retired_at=now + ROTATION_GRACE)
         .where(PlatformKey.retired_at.is_null()).execute())
        key = PlatformKey.create(id=pair.key_id, algorithm=pair.algorithm,
                                 public_key=pair.public_b64,
                                 private_key=base64.b64encode(pair.private_bytes).decode(),
                                 created_at=now)
        audit.record("platform_key.rotated", actor_id=actor_id, subject_id=None,
                     key_id=pair.key_id)
    return key


def backdate(since: datetime) -> None:
    """Demo only: the demo county's platform has served since its story began."""
    with write_tx():
        PlatformKey.update(created_at=since).where(PlatformKey.retired_at.is_null()).execute()
