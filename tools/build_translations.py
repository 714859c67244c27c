"""Build the .qm catalogues from resources/translations/*.ts (and optionally refresh
the .ts files from the sources).

    python tools/build_translations.py            # .ts -> .qm
    python tools/build_translations.py --update   # scan client/ui for tr() first

Either way the `errors` context (the error catalogue's English templates, which lupdate
cannot see: they sit in a table in protocol/errors.py) is brought in line with the
catalogue first: new templates are added untranslated, translations of the others kept.

Uses pyside6-lrelease / pyside6-lupdate from the virtualenv, or the lrelease/lupdate
binaries shipped inside the PySide6 package.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
TS_DIR = ROOT / "resources" / "translations"
SOURCES = ROOT / "client" / "ui"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from client.messages import CONTEXT as ERRORS_CONTEXT  # noqa: E402
from client.messages import read_ts  # noqa: E402
from protocol import errors as catalogue  # noqa: E402

_ERRORS_BLOCK = re.compile(r"<context>\s*<name>" + ERRORS_CONTEXT + r"</name>.*?</context>\n",
                           re.DOTALL)


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


def _xml(text: str) -> str:
    return escape(text, {"'": "&apos;", '"': "&quot;"})


def errors_context(translations: Mapping[str, str]) -> str:
    """The `errors` context of a .ts, one message per catalogue template, in lupdate's
    layout; the codes using a template are noted for the translator."""
    codes: dict[str, list[str]] = {}
    for spec in catalogue.CATALOGUE.values():
        for template in spec.templates():
            codes.setdefault(template, []).append(spec.code)
    lines = ["<context>", f"    <name>{ERRORS_CONTEXT}</name>"]
    for template in catalogue.all_templates():
        done = translations.get(template)
        note = ", ".join(codes.get(template, ["(unknown code)"]))
        lines += ["    <message>",
                  f"        <source>{_xml(template)}</source>",
                  f"        <extracomment>{_xml(note)}</extracomment>",
                  f"        <translation>{_xml(done)}</translation>" if done else
                  '        <translation type="unfinished"></translation>',
                  "    </message>"]
    lines.append("</context>")
    return "\n".join(lines) + "\n"


def sync_errors_context(ts: Path, translations: Mapping[str, str] | None = None) -> list[str]:
    """Rewrite the `errors` context of `ts` from the catalogue, keeping its translations
    (or using `translations`); returns the templates still untranslated."""
    kept = dict(read_ts(ts)) if translations is None else dict(translations)
    text = _ERRORS_BLOCK.sub("", ts.read_text(encoding="utf-8"))
    block = errors_context(kept)
    text = text.replace("</TS>", block + "</TS>", 1)
    ts.write_text(text, encoding="utf-8")
    return [t for t in catalogue.all_templates() if t not in kept]


def update_ts() -> None:
    files = sorted(str(p) for p in SOURCES.rglob("*.py"))
    for ts in sorted(TS_DIR.glob("govdesk_*.ts")):
        kept = read_ts(ts)  # lupdate drops the errors context: it is in no tr() call
        subprocess.run([*_tool("lupdate"), "-no-obsolete", *files, "-ts", str(ts)],
                       check=True)
        sync_errors_context(ts, kept)


def build_qm() -> list[Path]:
    built = []
    for ts in sorted(TS_DIR.glob("govdesk_*.ts")):
        qm = ts.with_suffix(".qm")
        # Renamed over the old one, never rewritten in place: a running GovDesk maps it.
        tmp = qm.with_name(qm.name + ".tmp")
        subprocess.run([*_tool("lrelease"), str(ts), "-qm", str(tmp)], check=True,
                       stdout=subprocess.DEVNULL)
        os.replace(tmp, qm)
        built.append(qm)
    return built + copy_qt_catalogues()


def copy_qt_catalogues() -> list[Path]:
    """Qt's own catalogue (file dialogs, standard buttons) for every language we translate,
    copied from the installed PySide6 next to ours: the bundle ships resources/translations
    whole, so the file dialogs are Chinese whatever the freezer does with Qt's files."""
    import PySide6
    from PySide6.QtCore import QLibraryInfo

    dirs = [Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)),
            Path(PySide6.__file__).parent / "Qt" / "translations"]
    copied = []
    for ts in sorted(TS_DIR.glob("govdesk_*.ts")):
        language = ts.stem.removeprefix("govdesk_")
        if language == "en":
            continue  # Qt's source strings are English
        name = f"qtbase_{language}.qm"
        source = next((d / name for d in dirs if (d / name).exists()), None)
        if source is None:
            print(f"warning: {name} not found in PySide6", file=sys.stderr)
            continue
        target = TS_DIR / name
        shutil.copyfile(source, target)
        copied.append(target)
    return copied


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true",
                        help="refresh the .ts files from tr() calls before building")
    args = parser.parse_args(argv)
    if args.update:
        update_ts()
    else:
        for ts in sorted(TS_DIR.glob("govdesk_*.ts")):
            sync_errors_context(ts)
    for qm in build_qm():
        print(qm.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
