"""Build the .qm catalogues from resources/translations/*.ts (and optionally refresh
the .ts files from the sources).

    python tools/build_translations.py            # .ts -> .qm
    python tools/build_translations.py --update   # scan client/ui for tr() first

Uses pyside6-lrelease / pyside6-lupdate from the virtualenv, or the lrelease/lupdate
binaries shipped inside the PySide6 package.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TS_DIR = ROOT / "resources" / "translations"
SOURCES = ROOT / "client" / "ui"


def _tool(name: str) -> list[str]:
    """Find `name` (lrelease or lupdate): PySide6 wrapper, PySide6 binary, then PATH."""
    bindir = Path(sys.executable).parent
    wrapper = bindir / f"pyside6-{name}"
    if wrapper.exists():
        return [str(wrapper)]
    try:
        import PySide6

        shipped = Path(PySide6.__file__).parent / name
        if shipped.exists():
            return [str(shipped)]
    except ImportError:
        pass
    found = shutil.which(f"pyside6-{name}") or shutil.which(name)
    if found:
        return [found]
    raise SystemExit(f"{name} not found: install PySide6-Essentials into this environment")


def update_ts() -> None:
    files = sorted(str(p) for p in SOURCES.rglob("*.py"))
    for ts in sorted(TS_DIR.glob("govdesk_*.ts")):
        subprocess.run([*_tool("lupdate"), "-no-obsolete", *files, "-ts", str(ts)],
                       check=True)


def build_qm() -> list[Path]:
    built = []
    for ts in sorted(TS_DIR.glob("govdesk_*.ts")):
        qm = ts.with_suffix(".qm")
        subprocess.run([*_tool("lrelease"), str(ts), "-qm", str(qm)], check=True,
                       stdout=subprocess.DEVNULL)
        built.append(qm)
    return built


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true",
                        help="refresh the .ts files from tr() calls before building")
    args = parser.parse_args(argv)
    if args.update:
        update_ts()
    for qm in build_qm():
        print(qm.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
