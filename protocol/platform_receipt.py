"""The platform's receipt of a signed act: time the platform vouches for (issue 13).

A user's `signed_at` (and a receipt's `at`) is the user's claim, chosen by their PC.
When the platform accepts an opinion, a signed 发文 step or a read/ack receipt, it
records its own `accepted_at` and signs

    canonical_json({"v": 1, "purpose": "govdesk-platform-receipt", "kind": kind,
                    "id": object_id, "subject": subject_digest, "accepted_at": accepted_at})

with a platform key published in `GET /meta` (`platform_keys`). The key names the
platform (each platform makes its own); the instance id does not, since a copy of a
platform database (the demo, a staging copy) is given a new one but keeps its receipts. `subject_digest` binds
the receipt to exactly what was accepted: for a signed act, SHA-256 over the signed
message and the user's signature value (`signed_subject`); for a receipt, over its
fields (`receipt_subject`). The result travels on the object as `accepted_at` and
`platform_receipt` (a PROTOCOL signature object).

Offline verification (`check_receipt`, `check_signed_time`) then judges revocation at
the platform's time, which a thief holding a revoked key cannot choose, and bounds the
user's claim by it. Shared by the platform (which signs) and the client (which checks).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from protocol.canonical import PAYLOAD_VERSION, canonical_json, sha256_hex
from protocol.signing import verify_signature_object

PURPOSE = "govdesk-platform-receipt"
KINDS = ("opinion", "outgoing_step", "receipt")

# How far a signer's clock may run ahead of the platform's (the platform allows this much).
CLOCK_SKEW_SECONDS = 300.0


@dataclass(frozen=True)
class PlatformKey:
    """A platform receipt key as `meta` publishes it (times as epoch seconds)."""

    key_id: str
    algorithm: str
    public_key: str
    created_at: float
    retired_at: float | None = None


def signed_subject(message: bytes, signature_value: str) -> str:
    """Digest of a signed act: the exact message and the exact signature accepted."""
    return sha256_hex(canonical_json({"v": PAYLOAD_VERSION,
                                      "message_sha256": sha256_hex(message),
                                      "signature": signature_value}))


def receipt_subject(*, notice_id: str | None, document_id: str | None, user_id: str,
                    kind: str, at: str) -> str:
    """Digest of a read/ack receipt's fields (`at` exactly as the wire carries it)."""
    return sha256_hex(canonical_json({"v": PAYLOAD_VERSION, "kind": "receipt",
                                      "notice_id": notice_id, "document_id": document_id,
                                      "user_id": user_id, "receipt_kind": kind, "at": at}))


def receipt_message(*, kind: str, object_id: str, subject_digest: str,
                    accepted_at: str) -> bytes:
    """The exact bytes a platform receipt signature covers."""
    if kind not in KINDS:
        raise ValueError(f"unknown receipt kind {kind!r}")
    return canonical_json({"v": PAYLOAD_VERSION, "purpose": PURPOSE, "kind": kind,
                           "id": object_id, "subject": subject_digest,
                           "accepted_at": accepted_at})


def _epoch(text: Any) -> float | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        return None  # a receipt time always names its zone
    return when.timestamp()


@dataclass(frozen=True)
class ReceiptCheck:
    """`accepted` is the platform's time (epoch) when the receipt holds, else None and
    `problem` says why: missing, unknown_key, invalid, key_not_valid_then."""

    accepted: float | None
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def check_receipt(*, receipt: Any, accepted_at: Any, kind: str, object_id: str, subject_digest: str,
                  platform_keys: Mapping[str, PlatformKey]) -> ReceiptCheck:
    """Whether `receipt` is the platform's signature of (subject, accepted_at) under a
    platform key that was in service at `accepted_at`. Never raises on bad input."""
    if not isinstance(receipt, Mapping) or not isinstance(accepted_at, str):
        return ReceiptCheck(None, "missing")
    accepted = _epoch(accepted_at)
    if accepted is None:
        return ReceiptCheck(None, "invalid")
    key_id = receipt.get("key_id")
    key = platform_keys.get(key_id) if isinstance(key_id, str) else None
    if key is None:
        return ReceiptCheck(None, "unknown_key")
    try:
        message = receipt_message(kind=kind, object_id=object_id,
                                  subject_digest=subject_digest, accepted_at=accepted_at)
    except (TypeError, ValueError):
        return ReceiptCheck(None, "invalid")
    if receipt.get("algorithm") != key.algorithm or not verify_signature_object(
            receipt, key.public_key, message):
        return ReceiptCheck(None, "invalid")
    # A key signs only while in service: a receipt dated outside it is not the platform's.
    if accepted < key.created_at - 1 or (key.retired_at is not None
                                         and accepted > key.retired_at + 1):
        return ReceiptCheck(None, "key_not_valid_then")
    return ReceiptCheck(accepted, None)


def check_signed_time(*, signed: float, accepted: float, key_created: float | None,
                      key_revoked: float | None) -> str | None:
    """The user's claimed time against the platform's: None when consistent, else why.

    - `signed_after_acceptance`: the claim is later than the platform received it (beyond
      the clock skew);
    - `before_key`: dated before the signer's key was enrolled (back-dating);
    - `key_revoked`: the platform accepted it when the key was already revoked.
    A sign-off made offline days before acceptance is fine: only the platform's time
    decides revocation, and it cannot be chosen by the signer.
    """
    if signed > accepted + CLOCK_SKEW_SECONDS:
        return "signed_after_acceptance"
    if key_created is not None and (signed < key_created - CLOCK_SKEW_SECONDS
                                    or accepted < key_created - 1):
        return "before_key"
    if key_revoked is not None and accepted >= key_revoked:
        return "key_revoked"
    return None


def platform_keys_from_wire(entries: Any) -> dict[str, PlatformKey]:
    """`meta.platform_keys` (or a form's copy) as a lookup; malformed entries are skipped."""
    out: dict[str, PlatformKey] = {}
    if not isinstance(entries, list):
        return out
    for entry in entries:
        if not isinstance(entry, Mapping):
            continue
        key_id, algorithm, public = (entry.get("key_id"), entry.get("algorithm"),
                                     entry.get("public_key"))
        created = _epoch(entry.get("created_at"))
        retired_raw = entry.get("retired_at")
        retired = _epoch(retired_raw) if retired_raw is not None else None
        if not (isinstance(key_id, str) and isinstance(algorithm, str)
                and isinstance(public, str)) or created is None \
                or (retired_raw is not None and retired is None):
            continue
        out[key_id] = PlatformKey(key_id, algorithm, public, created, retired)
    return out
