"""Issue 13, finding 5: offline verification refuses a signature dated before its key
was enrolled (a stolen key, revoked later, cannot sign "in the past")."""

from __future__ import annotations

from datetime import UTC, datetime

from client.services.verify import KeyRecord, verdict_with_key
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
