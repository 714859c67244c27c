"""Size of the frozen GovDesk bundle and its start-up time (offscreen).

    .venv/bin/python bench/bench_bundle.py [--bundle dist/govdesk] [--build] [--runs 5]

Prints:
- the bundle size, with the parts that dominate it (Qt libraries, plugins, translations,
  Python, SQLCipher);
- frozen process start -> QApplication up (the self-test's Qt probe: no UI code);
- frozen process start -> main window painted and saved (`govdesk --screenshot`, the UI
  engineer's entry), when the UI provides it;
- `govdesk-cli --self-test` wall time (what IT waits for after a rollout).
Times are medians of --runs runs; the first (cold page cache) run is reported apart.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:7.1f} MB"


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def build(dest: Path) -> Path:
    t0 = time.monotonic()
    subprocess.run([sys.executable, "-m", "PyInstaller", "build.spec", "--noconfirm",
                    "--log-level=WARN", "--distpath", str(dest / "dist"),
                    "--workpath", str(dest / "build")], cwd=ROOT, check=True)
    print(f"build: {time.monotonic() - t0:.1f} s (pyinstaller build.spec)")
    return dest / "dist" / "govdesk"


def report_size(bundle: Path) -> None:
    internal = bundle / "_internal"
    qt = internal / "PySide6" / "Qt"
    parts = {
        "Qt libraries": qt / "lib", "Qt plugins": qt / "plugins",
        "Qt translations": qt / "translations", "PySide6 bindings": internal / "PySide6",
        "sqlcipher3": internal / "sqlcipher3", "cryptography": internal / "cryptography",
        "client resources": internal / "resources",
    }
    total = _size(bundle)
    print(f"bundle: {bundle}")
    print(f"  total              {_mb(total)}  ({sum(1 for _ in bundle.rglob('*'))} files)")
    seen = 0
    for label, path in parts.items():
        n = _size(path) if path.exists() else 0
        if label == "PySide6 bindings":
            n -= _size(qt) if qt.exists() else 0
        seen += n
        print(f"  {label:<18} {_mb(n)}")
    print(f"  other (Python, system libs) {_mb(total - seen)}")


def _env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", GOVDESK_HOME=str(tmp / "home"),
               GOVDESK_MACHINE_CONFIG=str(tmp / "machine.toml"),
               GOVDESK_POLICY_FILE=str(tmp / "policy.toml"),
               GOVDESK_USER_CONFIG=str(tmp / "user.toml"))
    env.pop("PYTHONPATH", None)
    return env


def _time(cmd: list[str], env: dict[str, str], runs: int, ok_codes: tuple[int, ...] = (0,)
          ) -> tuple[float, list[float], str]:
    """(first run, later runs, error text or '') in seconds."""
    times = []
    for _ in range(runs + 1):
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120,
                              stdin=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
        if proc.returncode not in ok_codes:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["?"]
            return times[0], [], f"exit {proc.returncode}: {tail[0][:160]}"
    return times[0], times[1:], ""


def _print_time(label: str, result: tuple[float, list[float], str]) -> None:
    first, later, error = result
    if error:
        print(f"  {label:<34} n/a ({error})")
        return
    print(f"  {label:<34} median {statistics.median(later) * 1000:6.0f} ms  "
          f"(min {min(later) * 1000:.0f}, max {max(later) * 1000:.0f}; "
          f"first run {first * 1000:.0f} ms)")


def report_startup(bundle: Path, runs: int) -> None:
    with tempfile.TemporaryDirectory(prefix="govdesk-bench-") as tmp_name:
        tmp = Path(tmp_name)
        env = _env(tmp)
        print(f"start-up, offscreen, {runs} runs:")
        probe_env = dict(env, GOVDESK_SELFTEST_QT_PROBE="1")
        _print_time("start -> QApplication (probe)",
                    _time([str(bundle / "govdesk-cli")], probe_env, runs))
        shot = tmp / "login.png"
        _print_time("start -> login window (--screenshot)",
                    _time([str(bundle / "govdesk"), "--screenshot", str(shot), "--view", "login"],
                          env, runs))
        if shot.exists():
            print(f"    window image: {shot.stat().st_size} bytes")
        # Exit 1 (a failed check, e.g. no keyring on a build server) still times the run.
        _print_time("govdesk-cli --self-test",
                    _time([str(bundle / "govdesk-cli"), "--self-test"], env, 2, (0, 1)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / "govdesk")
    parser.add_argument("--build", action="store_true",
                        help="build a fresh bundle into a temporary folder first")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="govdesk-build-") as tmp:
        bundle = build(Path(tmp)) if args.build else args.bundle
        if not (bundle / "govdesk").is_file():
            print(f"no bundle at {bundle}: run `pyinstaller build.spec --noconfirm` or pass "
                  "--build", file=sys.stderr)
            return 1
        report_size(bundle)
        report_startup(bundle, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
