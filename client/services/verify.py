"""Offline verification of every opinion shown (PROTOCOL "Signatures").

The signed message is rebuilt from what the cache holds, with the document digest
recomputed locally, and checked against the cached directory key named by the
signature. The key must belong to the author.

When the opinion carries the platform's receipt of acceptance (protocol/platform_receipt.py)
and the platform's key is known, revocation is judged at the platform's `accepted_at`,
which the signer cannot choose: an opinion the platform accepted before the key was
revoked stays valid, and `signed_at` must be consistent with it (not after acceptance,
not before the key). Without a receipt (older platforms and opinions), the signer's
`signed_at` is all there is: a key revoked after it keeps the opinion valid.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from client.models import PlatformKey as PlatformKeyRow
from client.models import SigningKey, to_epoch_precise
from client.types import Verdict
from protocol.canonical import document_digest, signoff_message
from protocol.platform_receipt import (
    CLOCK_SKEW_SECONDS,
    PlatformKey,
    check_receipt,
    check_signed_time,
    signed_subject,
)
from protocol.signing import verify_signature_object

log = logging.getLogger(__name__)


def local_digest(document_data: Mapping[str, Any]) -> str | None:
    try:
        return document_digest(document_data)
    except (ValueError, TypeError):
        return None


@dataclass(frozen=True)
class KeyRecord:
    """What verification needs of a directory key (from the cache or an exported form)."""

    user_id: str
    public_key: str
    revoked_at: float | None  # epoch seconds, with fractions
    # When the platform enrolled it (issue 13); None from older platforms and forms.
    created_at: float | None = None




@dataclass(frozen=True)
class Receipt:
    """The platform's receipt of an opinion, with what checking it needs."""

    object_id: str
    accepted_at: Any
    platform_receipt: Any
    platform_keys: Mapping[str, PlatformKey]


@dataclass(frozen=True)
class Checked:
    verdict: Verdict
    # The platform's time of acceptance, when its receipt verified; else None.
    accepted_at: str | None = None
    # ok | missing | unknown_key | invalid | key_not_valid_then (protocol.platform_receipt)
    receipt: str = "missing"


def cached_platform_keys() -> dict[str, PlatformKey]:
    return {r.key_id: PlatformKey(r.key_id, r.algorithm, r.public_key, r.created_at,
                                  r.retired_at) for r in PlatformKeyRow.select()}


def key_record(row: Any) -> KeyRecord:
    """The KeyRecord of a cached directory `SigningKey` row."""
    data = row.data if isinstance(getattr(row, "data", None), Mapping) else {}
    try:
        created = to_epoch_precise(data.get("created_at"))
    except (TypeError, ValueError):
        created = None
    return KeyRecord(row.user_id, row.public_key, row.revoked_at, created)


def verify_opinion(*, task_id: str, document_id: str, author_id: str, decision: str,
                   text: str, handwriting_sha256: str | None, forward_to: list[str],
                   signed_at: str, signature: Any, digest: str | None) -> Verdict:
    """The verdict for one opinion, given the document digest recomputed locally."""
    key = None
    if isinstance(signature, Mapping):
        row = SigningKey.get_or_none(SigningKey.id == signature.get("key_id"))
        if row is not None:
            key = key_record(row)
    return verdict_with_key(task_id=task_id, document_id=document_id, author_id=author_id,
                            decision=decision, text=text,
                            handwriting_sha256=handwriting_sha256, forward_to=forward_to,
                            signed_at=signed_at, signature=signature, digest=digest, key=key)


def verdict_with_key(*, task_id: str, document_id: str, author_id: str, decision: str,
                     text: str, handwriting_sha256: str | None, forward_to: list[str],
                     signed_at: str, signature: Any, digest: str | None,
                     key: KeyRecord | None) -> Verdict:
    """The verdict against a given key (None: the key named by the signature is unknown)."""
    return check_with_key(task_id=task_id, document_id=document_id, author_id=author_id,
                          decision=decision, text=text, handwriting_sha256=handwriting_sha256,
                          forward_to=forward_to, signed_at=signed_at, signature=signature,
                          digest=digest, key=key).verdict


def check_with_key(*, task_id: str, document_id: str, author_id: str, decision: str,
                   text: str, handwriting_sha256: str | None, forward_to: list[str],
                   signed_at: str, signature: Any, digest: str | None,
                   key: KeyRecord | None, receipt: Receipt | None = None) -> Checked:
    """The verdict and the platform's receipt check, against a given key."""
    if not isinstance(signature, Mapping) or digest is None:
        return Checked(Verdict.INVALID)
    if key is None:
        return Checked(Verdict.UNKNOWN_KEY)
    if key.user_id != author_id:
        return Checked(Verdict.INVALID)
    try:
        message = signoff_message(task_id=task_id, document_id=document_id,
                                  document_digest=digest, decision=decision, text=text,
                                  handwriting_sha256=handwriting_sha256,
                                  forward_to=list(forward_to), signer_id=author_id,
                                  signed_at=signed_at)
    except (TypeError, ValueError):
        return Checked(Verdict.INVALID)
    if not verify_signature_object(signature, key.public_key, message):
        return Checked(Verdict.INVALID)
    try:
        signed = to_epoch_precise(signed_at)
    except ValueError:
        return Checked(Verdict.INVALID)
    if signed is None:
        return Checked(Verdict.INVALID)
    state = "missing"
    if receipt is not None:
        rc = check_receipt(receipt=receipt.platform_receipt, accepted_at=receipt.accepted_at,
                           kind="opinion",
                           object_id=receipt.object_id,
                           subject_digest=signed_subject(message, str(signature.get("value"))),
                           platform_keys=receipt.platform_keys)
        state = rc.problem or "ok"
        if rc.accepted is not None:
            why = check_signed_time(signed=signed, accepted=rc.accepted,
                                    key_created=key.created_at, key_revoked=key.revoked_at)
            verdict = (Verdict.VALID if why is None else
                       Verdict.REVOKED_AFTER if why == "key_revoked" else Verdict.INVALID)
            return Checked(verdict, str(receipt.accepted_at), state)
        if state in ("invalid", "key_not_valid_then"):
            # A receipt that is there but is not the platform's: altered or forged.
            return Checked(Verdict.INVALID, None, state)
    # No receipt to go by (or its key not yet known here): the signer's own time.
    # A key cannot sign before it was enrolled: such a date is back-dating (issue 13).
    if key.created_at is not None and signed < key.created_at - CLOCK_SKEW_SECONDS:
        return Checked(Verdict.INVALID, None, state)
    if key.revoked_at is not None and signed >= key.revoked_at:
        return Checked(Verdict.REVOKED_AFTER, None, state)
    return Checked(Verdict.VALID, None, state)


def verify_row(opinion: Any, digest: str | None) -> Verdict:
    """Verdict for a models.Opinion or models.LocalOpinion row."""
    return check_row(opinion, digest).verdict


def check_row(opinion: Any, digest: str | None,
              platform_keys: Mapping[str, PlatformKey] | None = None) -> Checked:
    """Verdict and receipt check for a models.Opinion (or LocalOpinion: no receipt)."""
    signature = opinion.signature
    key = None
    if isinstance(signature, Mapping):
        row = SigningKey.get_or_none(SigningKey.id == signature.get("key_id"))
        if row is not None:
            key = key_record(row)
    receipt = None
    data = getattr(opinion, "data", None)
    if isinstance(data, Mapping) and data.get("platform_receipt") is not None:
        receipt = Receipt(object_id=str(opinion.id), accepted_at=data.get("accepted_at"),
                          platform_receipt=data.get("platform_receipt"),
                          platform_keys=(platform_keys if platform_keys is not None
                                         else cached_platform_keys()))
    return check_with_key(task_id=opinion.task_id, document_id=opinion.document_id,
                          author_id=opinion.author_id, decision=opinion.decision,
                          text=opinion.text, handwriting_sha256=opinion.handwriting_sha256,
                          forward_to=list(opinion.forward_to or []),
                          signed_at=opinion.signed_at, signature=signature, digest=digest,
                          key=key, receipt=receipt)
