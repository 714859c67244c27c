"""Type-check what issue 9 puts under mypy and compare with tests/mypy-baseline.txt.

    python tools/mypy_baseline.py            # print errors per file against the baseline
    python tools/mypy_baseline.py --update   # write the current counts as the new baseline

protocol/ is strict and must stay at zero; elsewhere a file may not gain errors.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = ("protocol", "client/services", "client/sync", "server")
BASELINE = ROOT / "tests" / "mypy-baseline.txt"
_ERROR = re.compile(r"^(?P<path>[\w/.-]+\.py):\d+: error:")


def run_mypy() -> tuple[Counter[str], str]:
    with tempfile.TemporaryDirectory() as cache:
        done = subprocess.run(
            [sys.executable, "-m", "mypy", "--cache-dir", cache, "--no-pretty",
             "--show-error-codes", *TARGETS],
            cwd=ROOT, capture_output=True, text=True, timeout=600)
    if done.returncode not in (0, 1):  # 2: mypy itself failed (bad config, crash)
        raise RuntimeError(done.stdout + done.stderr)
    counts: Counter[str] = Counter()
    for line in done.stdout.splitlines():
        match = _ERROR.match(line)
        if match:
            counts[match["path"]] += 1
    return counts, done.stdout


def read_baseline() -> Counter[str]:
    counts: Counter[str] = Counter()
    for line in BASELINE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            path, n = line.rsplit(maxsplit=1)
            counts[path] = int(n)
    return counts


def write_baseline(counts: Counter[str]) -> None:
    lines = ["# mypy errors allowed per file (tools/mypy_baseline.py --update); only shrinks"]
    lines += [f"{path} {n}" for path, n in sorted(counts.items())]
    BASELINE.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--update", action="store_true")
    args = parser.parse_args()
    counts, output = run_mypy()
    if args.update:
        write_baseline(counts)
        print(f"baseline: {sum(counts.values())} errors in {len(counts)} files")
        return 0
    base = read_baseline()
    worse = {p: (n, base.get(p, 0)) for p, n in counts.items() if n > base.get(p, 0)}
    for path, (now, allowed) in sorted(worse.items()):
        print(f"{path}: {now} errors, baseline {allowed}")
    print(f"mypy: {sum(counts.values())} errors now, baseline {sum(base.values())}")
    if worse:
        print(output)
    return 1 if worse else 0


if __name__ == "__main__":
    sys.exit(main())
