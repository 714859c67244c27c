"""Issue 13, finding 5: offline verification refuses a signature dated before its key
was enrolled (a stolen key, revoked later, cannot sign "in the past")."""

from __future__ import annotations

from datetime import UTC, datetime

from client.services.verify import Checked, KeyRecord, Receipt, check_with_key, verdict_with_key
from client.types import Verdict
from protocol.canonical import signoff_message
from protocol.signing import Signer, generate_keypair

DIGEST = "a" * 64


def _verdict(signed_at: str, key: KeyRecord, signer: Signer) -> Verdict:
    args = dict(task_id="t1", document_id="d1", decision="approve", text="同意。",
                handwriting_sha256=None, forward_to=[])
    message = signoff_message(document_digest=DIGEST, signer_id="u-mayor",
                              signed_at=signed_at, **args)
    return verdict_with_key(**args, author_id="u-mayor", signed_at=signed_at,
                            signature=signer.sign(message), digest=DIGEST, key=key)


def test_a_signature_before_the_key_existed_is_invalid() -> None:
    kp = generate_keypair("ed25519")
    signer = Signer.from_keypair(kp, "u-mayor")
    enrolled = datetime(2026, 3, 1, tzinfo=UTC).timestamp()
    revoked = datetime(2026, 6, 1, tzinfo=UTC).timestamp()
    key = KeyRecord("u-mayor", kp.public_b64, revoked, enrolled)
    # Back-dated to before the revocation, and before the key even existed.
    assert _verdict("1999-01-01T09:00:00+08:00", key, signer) == Verdict.INVALID
    assert _verdict("2026-02-01T09:00:00+08:00", key, signer) == Verdict.INVALID
    assert _verdict("2026-04-01T09:00:00+08:00", key, signer) == Verdict.VALID
    assert _verdict("2026-07-01T09:00:00+08:00", key, signer) == Verdict.REVOKED_AFTER
    # A key record without its enrolment time (older platform) is judged as before.
    old = KeyRecord("u-mayor", kp.public_b64, revoked)
    assert _verdict("1999-01-01T09:00:00+08:00", old, signer) == Verdict.VALID


# --- with the platform's receipt of acceptance (protocol/platform_receipt.py) ------------


def _receipted(signed_at: str, accepted_at: str, key: KeyRecord, signer: Signer,
               platform: Signer, platform_created: float,
               published: Signer | None = None) -> Checked:
    """`platform` signs the receipt; `published` (default: the same) is the key known."""
    from protocol.platform_receipt import PlatformKey, receipt_message, signed_subject

    args = dict(task_id="t1", document_id="d1", decision="approve", text="同意。",
                handwriting_sha256=None, forward_to=[])
    message = signoff_message(document_digest=DIGEST, signer_id="u-mayor",
                              signed_at=signed_at, **args)
    signature = signer.sign(message)
    receipt = platform.sign(receipt_message(
        kind="opinion", object_id="o1", accepted_at=accepted_at,
        subject_digest=signed_subject(message, signature["value"])))
    known = published or platform
    keys = {known.key_id: PlatformKey(known.key_id, known.algorithm, _public(known),
                                      platform_created)}
    return check_with_key(**args, author_id="u-mayor", signed_at=signed_at,
                          signature=signature, digest=DIGEST, key=key,
                          receipt=Receipt(object_id="o1", accepted_at=accepted_at,
                                          platform_receipt=receipt, platform_keys=keys))


def _public(signer: Signer) -> str:
    from protocol.signing import public_key_from_private

    return public_key_from_private(signer.algorithm, signer.private_bytes)


def test_revocation_is_judged_at_the_platforms_time_not_the_signers() -> None:
    kp = generate_keypair("ed25519")
    signer = Signer.from_keypair(kp, "u-mayor")
    platform = Signer.from_keypair(generate_keypair("ed25519"), "platform")
    since = datetime(2026, 1, 1, tzinfo=UTC).timestamp()
    enrolled = datetime(2026, 3, 1, tzinfo=UTC).timestamp()
    revoked = datetime(2026, 6, 1, tzinfo=UTC).timestamp()
    key = KeyRecord("u-mayor", kp.public_b64, revoked, enrolled)
    # Signed offline in April, accepted in May: valid, with the platform's time.
    ok = _receipted("2026-04-01T09:00:00+08:00", "2026-05-01T09:00:00+08:00", key, signer,
                    platform, since)
    assert (ok.verdict, ok.receipt, ok.accepted_at) == (Verdict.VALID, "ok",
                                                        "2026-05-01T09:00:00+08:00")
    # The thief's trick: dated April, but the platform received it after the revocation.
    late = _receipted("2026-04-01T09:00:00+08:00", "2026-07-01T09:00:00+08:00", key, signer,
                      platform, since)
    assert late.verdict == Verdict.REVOKED_AFTER
    # A claim later than the platform's receipt, or before the key: not consistent.
    assert _receipted("2026-05-02T09:00:00+08:00", "2026-05-01T09:00:00+08:00", key, signer,
                      platform, since).verdict == Verdict.INVALID
    assert _receipted("2026-02-01T09:00:00+08:00", "2026-04-01T09:00:00+08:00", key, signer,
                      platform, since).verdict == Verdict.INVALID
    # A receipt dated before the platform key existed is not the platform's.
    early = _receipted("2026-04-01T09:00:00+08:00", "2026-05-01T09:00:00+08:00", key, signer,
                       platform, datetime(2026, 5, 2, tzinfo=UTC).timestamp())
    assert (early.verdict, early.receipt) == (Verdict.INVALID, "key_not_valid_then")
    # A receipt by another key than the platform's: invalid, not "valid by the claim".
    other = Signer.from_keypair(generate_keypair("ed25519"), "platform")
    forged = _receipted("2026-04-01T09:00:00+08:00", "2026-05-01T09:00:00+08:00", key, signer,
                        other, since, published=platform)
    assert forged.receipt == "unknown_key"
