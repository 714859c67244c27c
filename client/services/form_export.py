"""The exported processing form (公文处理单) as a signed JSON file, checkable offline.

    python -m client export DOCUMENT_ID --out form.json     # from the local cache
    python -m client verify --file form.json                # anywhere, no platform

The file (UTF-8 JSON, `"format": "govdesk-processing-form"`, `"version": 1`) holds:
- `document`: the PROTOCOL document object as the platform sent it (every field of the
  digest payload, `body` and `attachments` with their hashes, and the platform's
  `digest`);
- `opinions`: every opinion recorded on the platform, with `task_id`, `author_id`,
  `author_name`, `decision`, `text`, `handwriting_sha256`, `forward_to`, `signed_at`
  and the `signature` object;
- `keys`: `key_id -> {"user_id", "algorithm", "public_key", "revoked_at", "created_at"}`
  for every key that signed one of them, from the directory;
- (version 2) each opinion's `accepted_at` and `platform_receipt`, the platform's signed
  receipt of when it accepted the opinion; `platform_keys` (as `meta` lists them) to
  check those receipts with.
It goes beside the printed (PDF) processing form; the PDF shows people the same
opinions, the JSON lets a machine re-check them.

Checking recomputes the document digest from the fields in the file and every
signature over the canonical sign-off payload (PROTOCOL "Signatures"): a changed
title, text, decision or document makes the opinion `invalid`. The file carries the
public keys, so on its own it proves that the opinions were signed by the keys it
names and were not changed since; that a key really is the named official's is
confirmed against a directory (the checker's synced cache when there is one: a key the
directory gives to someone else, or does not know, is reported). The same holds for the
platform's receipt keys.

A form is in order only when every opinion carries a platform receipt that verifies:
then revocation is judged at the platform's time of acceptance, not at the `signed_at`
the signer chose (a thief with a revoked key cannot date a form before the revocation).
Version 1 forms (before receipts) are read, and reported as lacking them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from client import models
from client.errors import GovDeskError
from client.models import SigningKey
from client.services import verify
from client.types import Verdict
from protocol.platform_receipt import PlatformKey, platform_keys_from_wire

FORMAT = "govdesk-processing-form"
VERSION = 2
READABLE_VERSIONS = (1, 2)
MAX_FILE_BYTES = 50 * 1024 * 1024

# key_id -> the directory's record, or None when the directory does not know it.
DirectoryLookup = Callable[[str], verify.KeyRecord | None]
# platform key_id -> the checker's cached platform key, or None when not known there.
PlatformLookup = Callable[[str], PlatformKey | None]


@dataclass(frozen=True)
class OpinionCheck:
    author_id: str
    author_name: str
    decision: str
    text: str
    signed_at: str
    key_id: str
    verdict: Verdict
    # None: no directory to ask; True: the directory lists the key for this author;
    # False: the directory does not know it (or gives it to another user).
    key_in_directory: bool | None
    # The platform's receipt: ok | missing | unknown_key | invalid | key_not_valid_then,
    # and its time of acceptance when ok.
    receipt: str = "missing"
    accepted_at: str | None = None
    # As key_in_directory, for the platform key that signed the receipt.
    platform_key_in_directory: bool | None = None


@dataclass(frozen=True)
class FormCheck:
    document_id: str
    doc_number: str
    title: str
    digest_matches: bool  # the digest recomputed from the file equals the recorded one
    opinions: list[OpinionCheck]

    @property
    def ok(self) -> bool:
        return self.digest_matches and all(
            o.verdict is Verdict.VALID and o.key_in_directory is not False
            and o.receipt == "ok" and o.platform_key_in_directory is not False
            for o in self.opinions)


def _bad_file(what: str) -> GovDeskError:
    return GovDeskError("form.malformed", detail=what)


def build_form(document_id: str, *, exported_by: str, platform: str) -> dict[str, Any]:
    """The processing form of a document from the open cache (platform opinions only:
    a sign-off not yet accepted by the platform is not part of the record)."""
    loaded = models.load_document(document_id)
    if loaded is None:
        raise GovDeskError("document.not_found")
    _, data, _ = loaded
    names = {u.id: u.display_name for u in models.User.select(models.User.id,
                                                              models.User.display_name)}
    opinions = []
    key_ids: set[str] = set()
    rows = models.Opinion.select().where(models.Opinion.document_id == document_id)
    for o in sorted(rows, key=lambda r: (models.to_epoch(r.signed_at) or 0, r.id)):
        signature = dict(o.signature or {})
        if isinstance(signature.get("key_id"), str):
            key_ids.add(signature["key_id"])
        opinions.append({
            "id": o.id, "task_id": o.task_id, "document_id": o.document_id,
            "author_id": o.author_id, "author_name": names.get(o.author_id, o.author_id),
            "decision": o.decision, "text": o.text, "handwriting_sha256": o.handwriting_sha256,
            "forward_to": list(o.forward_to or []), "signed_at": o.signed_at,
            "signature": signature,
            "accepted_at": (o.data or {}).get("accepted_at"),
            "platform_receipt": (o.data or {}).get("platform_receipt"),
        })
    keys = {}
    for k in SigningKey.select().where(SigningKey.id.in_(sorted(key_ids))):
        revoked = models.from_epoch(k.revoked_at)
        keys[k.id] = {"user_id": k.user_id, "algorithm": k.algorithm,
                      "public_key": k.public_key,
                      "revoked_at": revoked.isoformat() if revoked else None,
                      # issue 13: offline verification refuses a signature dated earlier
                      "created_at": (k.data or {}).get("created_at")
                      if isinstance(k.data, dict) else None}
    receipt_key_ids: set[str] = set()
    for entry in opinions:
        receipt = entry.get("platform_receipt")
        if isinstance(receipt, Mapping) and isinstance(receipt.get("key_id"), str):
            receipt_key_ids.add(receipt["key_id"])
    platform_keys = [
        {"key_id": k.key_id, "algorithm": k.algorithm, "public_key": k.public_key,
         "created_at": _rfc3339(k.created_at), "retired_at": _rfc3339(k.retired_at)}
        for k in models.PlatformKey.select().where(
            models.PlatformKey.key_id.in_(sorted(receipt_key_ids)))]
    return {
        "format": FORMAT, "version": VERSION,
        "exported_at": datetime.now(UTC).astimezone().isoformat(timespec="seconds"),
        "exported_by": exported_by, "platform": platform,
        "platform_keys": platform_keys,
        "document": data, "opinions": opinions, "keys": keys,
    }


def _rfc3339(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="microseconds")


def write_form(form: Mapping[str, Any], path: Path) -> None:
    """Write atomically (a half-written form must never look like a whole one)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(json.dumps(form, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                       encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise GovDeskError("form.write_failed", path=str(path), reason=exc.strerror,
                           detail=str(exc)) from exc


def read_form(path: Path) -> dict[str, Any]:
    try:
        if Path(path).stat().st_size > MAX_FILE_BYTES:
            raise _bad_file("file too large")
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise GovDeskError("form.unreadable", path=str(path), reason=exc.strerror,
                           detail=str(exc)) from exc
    try:
        form = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise _bad_file("not UTF-8 JSON") from exc
    if not isinstance(form, dict) or form.get("format") != FORMAT:
        raise _bad_file("not a GovDesk processing form")
    if form.get("version") not in READABLE_VERSIONS:
        raise _bad_file(f"version {form.get('version')!r} not supported")
    if not isinstance(form.get("document"), dict) or not isinstance(form.get("opinions"), list) \
            or not isinstance(form.get("keys"), dict):
        raise _bad_file("document / opinions / keys missing")
    return form


def cache_directory() -> DirectoryLookup:
    """A lookup in the open cache's directory (for a checker who is signed in)."""

    def lookup(key_id: str) -> verify.KeyRecord | None:
        row = SigningKey.get_or_none(SigningKey.id == key_id)
        return None if row is None else verify.key_record(row)

    return lookup


def _key_record(entry: Any) -> verify.KeyRecord | None:
    if not isinstance(entry, Mapping):
        return None
    user_id, public_key = entry.get("user_id"), entry.get("public_key")
    if not isinstance(user_id, str) or not isinstance(public_key, str):
        return None
    try:
        revoked = models.to_epoch_precise(entry.get("revoked_at"))
        created = models.to_epoch_precise(entry.get("created_at"))
    except (TypeError, ValueError):
        return None
    return verify.KeyRecord(user_id, public_key, revoked, created)


def cache_platform_keys() -> PlatformLookup:
    """A lookup in the open cache's platform keys (as the checker's platform published)."""
    keys = verify.cached_platform_keys()
    return keys.get


def check_form(form: Mapping[str, Any], directory: DirectoryLookup | None = None,
               platform_directory: PlatformLookup | None = None) -> FormCheck:
    """Verdicts for every opinion of a form (never raises on bad content: it is invalid)."""
    doc = form["document"]
    platform_keys = platform_keys_from_wire(form.get("platform_keys"))
    digest = verify.local_digest(doc)
    digest_matches = digest is not None and digest == doc.get("digest")
    checks = []
    for o in form["opinions"]:
        o = o if isinstance(o, Mapping) else {}
        signature = o.get("signature")
        key_id = signature.get("key_id") if isinstance(signature, Mapping) else None
        key_id = key_id if isinstance(key_id, str) else ""
        key = _key_record(form["keys"].get(key_id)) if key_id else None
        fields_ok = all(isinstance(o.get(f), str) for f in
                        ("task_id", "author_id", "decision", "text", "signed_at")) \
            and isinstance(o.get("forward_to", []), list) \
            and o.get("document_id") == doc.get("id")
        checked = verify.Checked(Verdict.INVALID)
        platform_known: bool | None = None
        if fields_ok:
            receipt = None
            if o.get("platform_receipt") is not None:
                receipt = verify.Receipt(object_id=str(o.get("id", "")),
                                         accepted_at=o.get("accepted_at"),
                                         platform_receipt=o.get("platform_receipt"),
                                         platform_keys=platform_keys)
            checked = verify.check_with_key(
                task_id=o["task_id"], document_id=str(doc.get("id")), author_id=o["author_id"],
                decision=o["decision"], text=o["text"],
                handwriting_sha256=o.get("handwriting_sha256"),
                forward_to=list(o.get("forward_to") or []), signed_at=o["signed_at"],
                signature=signature, digest=digest, key=key, receipt=receipt)
            receipt_key = (o.get("platform_receipt") or {}).get("key_id") \
                if isinstance(o.get("platform_receipt"), Mapping) else None
            if platform_directory is not None and checked.receipt == "ok" \
                    and isinstance(receipt_key, str):
                mine = platform_directory(receipt_key)
                platform_known = (mine is not None
                                  and mine.public_key == platform_keys[receipt_key].public_key)
        verdict = checked.verdict
        in_directory = None
        if directory is not None and key is not None:
            known = directory(key_id)
            in_directory = (known is not None and known.user_id == key.user_id
                            and known.public_key == key.public_key)
            if known is not None and known.revoked_at is not None and verdict is Verdict.VALID:
                # The directory's revocation counts, even if the file does not say it.
                # Judged at the platform's time when the receipt holds, else the claim.
                when = (models.to_epoch_precise(checked.accepted_at) if checked.accepted_at
                        else models.to_epoch_precise(o["signed_at"]))
                if when is None or when >= known.revoked_at:
                    verdict = Verdict.REVOKED_AFTER
        checks.append(OpinionCheck(
            author_id=str(o.get("author_id", "")), author_name=str(o.get("author_name", "")),
            decision=str(o.get("decision", "")), text=str(o.get("text", "")),
            signed_at=str(o.get("signed_at", "")), key_id=key_id, verdict=verdict,
            key_in_directory=in_directory, receipt=checked.receipt,
            accepted_at=checked.accepted_at, platform_key_in_directory=platform_known))
    return FormCheck(document_id=str(doc.get("id", "")), doc_number=str(doc.get("doc_number", "")),
                     title=str(doc.get("title", "")), digest_matches=digest_matches,
                     opinions=checks)
