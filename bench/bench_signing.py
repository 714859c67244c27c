"""Throughput of sign-off signing and verification, per algorithm.

Run: .venv/bin/python bench/bench_signing.py [--seconds 1.0]
Prints operations per second on one core; the message is a realistic sign-off.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from protocol.canonical import document_digest, signoff_message  # noqa: E402
from protocol.signing import ALGORITHMS, generate_keypair, sign, verify  # noqa: E402

DOCUMENT = {
    "doc_number": "佳政函〔2004〕85号", "issuer": "佳木斯市人民政府", "doc_type": "函",
    "title": "关于富锦市电子政务建设的复函", "classification": "none", "urgency": "urgent",
    "signatory": "张建国", "main_recipients": ["富锦市人民政府"], "cc": ["市财政局"],
    "issued_on": "2004-12-01", "notes": None, "body": {"sha256": "ab" * 32},
    "attachments": [{"sha256": "cd" * 32}],
}


def rate(fn: Callable[[], object], seconds: float) -> float:
    """Calls per second of fn, measured over at least `seconds`."""
    fn()  # warm caches (SM2 public key derivation, imports)
    count = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        fn()
        count += 1
        now = time.perf_counter()
        if now >= deadline:
            return count / (now - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=1.0, help="time per measurement")
    args = parser.parse_args()

    message = signoff_message(
        task_id="task-1", document_id="doc-1", document_digest=document_digest(DOCUMENT),
        decision="approve", text="同意。请财政局按程序办理，并于月底前报送结果。",
        handwriting_sha256="ef" * 32, forward_to=["chenming"], signer_id="zhangjianguo",
        signed_at="2005-10-19T09:30:00+08:00",
    )
    print(f"message: {len(message)} bytes of canonical JSON")
    print(f"document_digest: {rate(lambda: document_digest(DOCUMENT), args.seconds):,.0f}/s")
    for algorithm in ALGORITHMS:
        kp = generate_keypair(algorithm)
        value = sign(algorithm, kp.private_bytes, message)
        assert verify(algorithm, kp.public_b64, message, value)
        keygen = rate(lambda a=algorithm: generate_keypair(a), args.seconds)
        signs = rate(lambda a=algorithm, k=kp: sign(a, k.private_bytes, message), args.seconds)
        verifies = rate(lambda a=algorithm, k=kp, v=value: verify(a, k.public_b64, message, v),
                        args.seconds)
        print(f"{algorithm:8s} keygen {keygen:9,.0f}/s   sign {signs:9,.0f}/s   "
              f"verify {verifies:9,.0f}/s")


if __name__ == "__main__":
    main()
