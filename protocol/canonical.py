"""Canonical JSON and the signed payloads of PROTOCOL.md "Signatures".

Shared by the desktop client and the reference platform, so both hash and sign the
very same bytes. Pure Python: no Qt, no I/O.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

PAYLOAD_VERSION = 1

# Order is irrelevant to the bytes (keys are sorted); it is the PROTOCOL's list.
DOCUMENT_DIGEST_FIELDS = (
    "doc_number",
    "issuer",
    "doc_type",
    "title",
    "classification",
    "urgency",
    "signatory",
    "main_recipients",
    "cc",
    "issued_on",
    "notes",
)


def _check_keys(obj: Any) -> None:
    """Refuse non-string keys: json would turn 1 and "1" into the same key silently."""
    if isinstance(obj, Mapping):
        for key, value in obj.items():
            if not isinstance(key, str):
                raise TypeError(f"canonical JSON keys must be strings, got {key!r}")
            _check_keys(value)
    elif isinstance(obj, list | tuple):
        for item in obj:
            _check_keys(item)


def canonical_json(obj: Any) -> bytes:
    """PROTOCOL canonical JSON: sorted keys, no spaces, UTF-8, non-ASCII kept as is.

    Raises ValueError for NaN/Infinity and for strings that are not valid Unicode
    (lone surrogates), TypeError for values JSON cannot hold or non-string keys.
    """
    _check_keys(obj)
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)
    # A lone surrogate raises UnicodeEncodeError here, which is a ValueError.
    return text.encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def document_digest_from_fields(
    *,
    doc_number: str | None,
    issuer: str | None,
    doc_type: str | None,
    title: str | None,
    classification: str | None,
    urgency: str | None,
    signatory: str | None,
    main_recipients: Any,
    cc: Any,
    issued_on: str | None,
    notes: str | None,
    body_sha256: str | None,
    attachment_sha256s: Sequence[str],
) -> str:
    """Digest of a document from its separate elements (for the platform's rows)."""
    if isinstance(attachment_sha256s, str):
        raise TypeError("attachment_sha256s must be a list of hashes, not a string")
    payload = {
        "v": PAYLOAD_VERSION,
        "doc_number": doc_number,
        "issuer": issuer,
        "doc_type": doc_type,
        "title": title,
        "classification": classification,
        "urgency": urgency,
        "signatory": signatory,
        "main_recipients": main_recipients,
        "cc": cc,
        "issued_on": issued_on,
        "notes": notes,
        "body_sha256": body_sha256,
        "attachment_sha256s": list(attachment_sha256s),
    }
    return sha256_hex(canonical_json(payload))


def document_digest(doc: Mapping[str, Any]) -> str:
    """SHA-256 hex of the canonical digest payload of a PROTOCOL `document` object.

    Every listed field must be present (null is allowed): a missing one would hash the
    same as null and hide a truncated record, so it is a ValueError instead.
    """
    missing = [f for f in (*DOCUMENT_DIGEST_FIELDS, "body", "attachments") if f not in doc]
    if missing:
        raise ValueError(f"document lacks field(s) needed for its digest: {', '.join(missing)}")
    body = doc["body"]
    if body is None:
        body_sha256 = None
    elif isinstance(body, Mapping) and "sha256" in body:
        body_sha256 = body["sha256"]
    else:
        raise ValueError("document body must be an object with 'sha256' or null")
    attachments = doc["attachments"]
    if not isinstance(attachments, list | tuple):
        raise ValueError("document attachments must be a list")
    hashes = []
    for i, att in enumerate(attachments):
        if not isinstance(att, Mapping) or "sha256" not in att:
            raise ValueError(f"document attachment {i} lacks 'sha256'")
        hashes.append(att["sha256"])
    fields = {f: doc[f] for f in DOCUMENT_DIGEST_FIELDS}
    return document_digest_from_fields(**fields, body_sha256=body_sha256,
                                       attachment_sha256s=hashes)


def signoff_payload(
    *,
    task_id: str,
    document_id: str,
    document_digest: str,
    decision: str,
    text: str,
    handwriting_sha256: str | None,
    forward_to: Sequence[str],
    signer_id: str,
    signed_at: str,
) -> dict[str, Any]:
    """The object a sign-off signs (PROTOCOL "Signatures"), with "v": 1."""
    if isinstance(forward_to, str):
        raise TypeError("forward_to must be a list of user ids, not a string")
    return {
        "v": PAYLOAD_VERSION,
        "task_id": task_id,
        "document_id": document_id,
        "document_digest": document_digest,
        "decision": decision,
        "text": text,
        "handwriting_sha256": handwriting_sha256,
        # A copy, so a caller changing its list later cannot change what was signed.
        "forward_to": list(forward_to),
        "signer_id": signer_id,
        "signed_at": signed_at,
    }


def signoff_message(
    *,
    task_id: str,
    document_id: str,
    document_digest: str,
    decision: str,
    text: str,
    handwriting_sha256: str | None,
    forward_to: Sequence[str],
    signer_id: str,
    signed_at: str,
) -> bytes:
    """The exact bytes a sign-off signature covers: canonical JSON of the payload."""
    return canonical_json(signoff_payload(
        task_id=task_id,
        document_id=document_id,
        document_digest=document_digest,
        decision=decision,
        text=text,
        handwriting_sha256=handwriting_sha256,
        forward_to=forward_to,
        signer_id=signer_id,
        signed_at=signed_at,
    ))


# --- 发文 (outgoing documents) ----------------------------------------------------------
# The fields of an outgoing document's digest: what its signers approve. The 发文字号 and
# 成文日期 are not in it (they are given after 签发); the body is by its version's hash.
OUTGOING_DIGEST_FIELDS = (
    "unit_id",
    "doc_type",
    "title",
    "classification",
    "urgency",
    "signatory_id",
    "main_recipients",
    "cc",
    "notes",
)


def outgoing_digest(outgoing: Mapping[str, Any], *, body_sha256: str) -> str:
    """Digest of one version of an outgoing document: SHA-256 of the canonical JSON of
    `{"v": 1, "kind": "outgoing", <OUTGOING_DIGEST_FIELDS>, "body_sha256",
    "attachment_sha256s"}`. `outgoing` is the wire object (or the draft's fields)."""
    payload: dict[str, Any] = {"v": PAYLOAD_VERSION, "kind": "outgoing"}
    for name in OUTGOING_DIGEST_FIELDS:
        payload[name] = outgoing.get(name)
    payload["body_sha256"] = body_sha256
    payload["attachment_sha256s"] = [a["sha256"] for a in outgoing.get("attachments") or ()]
    return sha256_hex(canonical_json(payload))


def step_message(
    *,
    step_id: str,
    outgoing_id: str,
    outgoing_digest: str,
    decision: str,
    text: str,
    handwriting_sha256: str | None,
    signer_id: str,
    signed_at: str,
) -> bytes:
    """The bytes a signed 发文 step (核稿, 会签, 签发) covers."""
    return canonical_json({
        "v": PAYLOAD_VERSION,
        "kind": "outgoing_step",
        "step_id": step_id,
        "outgoing_id": outgoing_id,
        "outgoing_digest": outgoing_digest,
        "decision": decision,
        "text": text,
        "handwriting_sha256": handwriting_sha256,
        "signer_id": signer_id,
        "signed_at": signed_at,
    })
