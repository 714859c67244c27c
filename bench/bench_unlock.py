"""Cost of one offline password check (the sign-in without network and the screen lock):
what each guess costs someone who copied the verifier (issue 13 finding 9).

Run: .venv/bin/python bench/bench_unlock.py [--rounds 5]
Prints the seconds of one check with today's parameters (client/auth.py VERIFIER_N …,
target >= 0.5 s on an office PC) and, for comparison, with N = 2**14 (before) and 2**16.
Measured here (2 shared cores, load 2.6-7): N = 2**17 0.76-0.83 s, 2**16 0.29-0.46 s,
2**14 0.05-0.09 s.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from client import auth  # noqa: E402

PASSWORD = "Fujin@2005"


def verifier_with(n: int) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(PASSWORD.encode(), salt=salt, n=n, r=auth.VERIFIER_R,
                            p=auth.VERIFIER_P, dklen=32, maxmem=256 * 1024 * 1024)
    return (f"scrypt${n}${auth.VERIFIER_R}${auth.VERIFIER_P}$"
            f"{base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}")


def seconds_per_check(encoded: str, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        ok = auth.check_verifier(PASSWORD, encoded)
        times.append(time.perf_counter() - start)
        assert ok
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    current = auth.new_verifier(PASSWORD)
    print(f"N=2**{auth.VERIFIER_N.bit_length() - 1} r={auth.VERIFIER_R} p={auth.VERIFIER_P} "
          f"(today): {seconds_per_check(current, args.rounds):.3f} s per check, "
          f"{128 * auth.VERIFIER_N * auth.VERIFIER_R // 2**20} MiB")
    for exp in (16, 14):
        print(f"N=2**{exp}: {seconds_per_check(verifier_with(2**exp), args.rounds):.3f} s")


if __name__ == "__main__":
    main()
