"""Offline verification of every opinion shown (PROTOCOL "Signatures").

The signed message is rebuilt from what the cache holds, with the document digest
recomputed locally, and checked against the cached directory key named by the
signature. The key must belong to the author; a key revoked *after* the opinion was
signed keeps it valid, one signed after the revocation is flagged.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from client.models import SigningKey, to_epoch_precise
from client.types import Verdict
from protocol.canonical import document_digest, signoff_message
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


# A signer's clock may run this far ahead of the platform's (as the platform allows).
CLOCK_SKEW_SECONDS = 300.0


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
    if not isinstance(signature, Mapping) or digest is None:
        return Verdict.INVALID
    if key is None:
        return Verdict.UNKNOWN_KEY
    if key.user_id != author_id:
        return Verdict.INVALID
    try:
        message = signoff_message(task_id=task_id, document_id=document_id,
                                  document_digest=digest, decision=decision, text=text,
                                  handwriting_sha256=handwriting_sha256,
                                  forward_to=list(forward_to), signer_id=author_id,
                                  signed_at=signed_at)
    except (TypeError, ValueError):
        return Verdict.INVALID
    if not verify_signature_object(signature, key.public_key, message):
        return Verdict.INVALID
    try:
        signed = to_epoch_precise(signed_at)
    except ValueError:
        return Verdict.INVALID
    # A key cannot sign before it was enrolled: such a date is back-dating (issue 13).
    if key.created_at is not None and (signed is None
                                       or signed < key.created_at - CLOCK_SKEW_SECONDS):
        return Verdict.INVALID
    if key.revoked_at is not None and (signed is None or signed >= key.revoked_at):
        return Verdict.REVOKED_AFTER
    return Verdict.VALID


def verify_row(opinion: Any, digest: str | None) -> Verdict:
    """Verdict for a models.Opinion or models.LocalOpinion row."""
    return verify_opinion(task_id=opinion.task_id, document_id=opinion.document_id,
                          author_id=opinion.author_id, decision=opinion.decision,
                          text=opinion.text, handwriting_sha256=opinion.handwriting_sha256,
                          forward_to=list(opinion.forward_to or []),
                          signed_at=opinion.signed_at, signature=opinion.signature,
                          digest=digest)

