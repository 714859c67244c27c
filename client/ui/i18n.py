"""Language: Simplified Chinese by default, English when asked for (flag, setting, locale).

The source strings are English, so English needs no catalogue: without a loaded
translator Qt shows the source text. Chinese loads govdesk_zh_CN.qm plus Qt's own
catalogue qtbase_zh_CN.qm (file dialogs, standard buttons), which
tools/build_translations.py copies from PySide6 next to ours so the bundle ships it.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import platformdirs
import PySide6
from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QCoreApplication,
    QLibraryInfo,
    QLocale,
    QTranslator,
)

from client import messages
from client.language import SUPPORTED, translations_dir
from client.language import choose_language as _choose_language

log = logging.getLogger(__name__)

__all__ = ["SUPPORTED", "catalogue_path", "choose_language", "current_language", "install"]

_installed: list[QTranslator] = []
_current = "zh_CN"

# Texts of Qt's own dialogs our catalogue translates (it is searched first): Qt's zh_CN
# calls a file's size 体积 (volume), offices say 大小; and Qt 6's file dialog labels gained
# mnemonics ("&Look in:") its zh_CN catalogue does not have yet, so they showed English.
QT_OVERRIDES = (
    QT_TRANSLATE_NOOP("QFileSystemModel", "Size"),
    QT_TRANSLATE_NOOP("QFileDialog", "&Look in:"),
    QT_TRANSLATE_NOOP("QFileDialog", "Files of &type:"),
)


def file_type_texts() -> list[str]:
    """The file dialog's 类型 column as it reads now: Qt's zh_CN has none of these (Qt
    asks them with a disambiguation, which lupdate finds in translate() calls only)."""
    translate = QCoreApplication.translate
    return [
        translate("QAbstractFileIconProvider", "Folder", "All other platforms"),
        translate("QAbstractFileIconProvider", "Folder", "Match Windows Explorer"),
        translate("QAbstractFileIconProvider", "File", "All other platforms"),
        translate("QAbstractFileIconProvider", "File", "Match Windows Explorer"),
        translate("QAbstractFileIconProvider", "%1 File",
                  "%1 is a file name suffix, for example txt"),
    ]


def current_language() -> str:
    """The language the running UI was built in (`install` sets it)."""
    return _current


def choose_language(flag: str | None = None, setting: str | None = None) -> str:
    """The language to use: an explicit flag, then the setting, then the system locale
    when it is English; Chinese otherwise (the county offices' language)."""
    return _choose_language(
        flag, setting,
        system_is_english=lambda: QLocale.system().language() == QLocale.Language.English)


def catalogue_path(language: str) -> Path | None:
    """The .qm for `language`; built from the .ts with lrelease when it is missing or
    older than its source (a fresh checkout holds only the .ts files)."""
    ts = translations_dir() / f"govdesk_{language}.ts"
    qm = ts.with_suffix(".qm")
    if qm.exists() and (not ts.exists() or qm.stat().st_mtime >= ts.stat().st_mtime):
        return qm
    if not ts.exists():
        return None
    targets = [qm, Path(platformdirs.user_cache_dir("GovDesk", appauthor=False)) / qm.name]
    for target in targets:
        if target.exists() and target.stat().st_mtime >= ts.stat().st_mtime:
            return target
        if _lrelease(ts, target):
            return target
    return None


def _lrelease(ts: Path, qm: Path) -> bool:
    tools = [Path(sys.executable).parent / "pyside6-lrelease",
             Path(PySide6.__file__).parent / "lrelease"]
    for tool in tools:
        if not tool.exists():
            continue
        # Written beside it and renamed over it: another GovDesk process may have the old
        # file mapped (Qt maps .qm files), and rewriting it in place under that mapping
        # kills that process with SIGBUS; two processes building at once each rename a
        # whole file.
        tmp = qm.with_name(f"{qm.name}.{os.getpid()}.tmp")
        try:
            qm.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run([str(tool), str(ts), "-qm", str(tmp)], check=True, timeout=60,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            os.replace(tmp, qm)
            return qm.exists()
        except (OSError, subprocess.SubprocessError) as exc:
            log.warning("building %s with %s failed: %s", qm, tool, exc)
        finally:
            tmp.unlink(missing_ok=True)
    return False


def _translate_error(template: str) -> str:
    return QCoreApplication.translate(messages.CONTEXT, template)


def use_pinyin_order() -> None:
    """People's names in the services' lists compare in pinyin order (张 after 李), in
    either UI language: the names are Chinese. The services cannot import Qt."""
    from PySide6.QtCore import QCollator

    from client.services import people_order

    collator = QCollator(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    people_order.set_name_key(collator.sortKey)


def install(app: QCoreApplication, language: str) -> bool:
    """Install the translators for `language`; returns False when the catalogue is missing
    (the UI then shows the English source strings)."""
    global _current
    _current = language if language in SUPPORTED else "zh_CN"
    # Error messages (client.messages) follow the UI's language through Qt's translators.
    messages.set_language(_current)
    messages.use_translator(_translate_error)
    use_pinyin_order()
    for tr in _installed:
        app.removeTranslator(tr)
    _installed.clear()
    if language == "en":
        QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
        return True
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    # Qt's catalogue first: Qt asks the translator installed last first, so ours (below)
    # wins where both translate a text (QT_OVERRIDES).
    qt = QTranslator(app)
    if load_qt_catalogue(qt, language):
        app.installTranslator(qt)
        _installed.append(qt)
    else:
        log.warning("Qt's own catalogue for %s missing: file dialogs stay English", language)
    ok = True
    ours = QTranslator(app)
    path = catalogue_path(language)
    if path is not None and ours.load(str(path)):
        app.installTranslator(ours)
        _installed.append(ours)
    else:
        log.warning("translation catalogue for %s missing; run tools/build_translations.py",
                    language)
        ok = False
    return ok


def qt_catalogue_dirs() -> list[Path]:
    """Where Qt's qtbase_<lang>.qm may be: the copy shipped with ours, Qt's own place,
    the PySide6 package (a frozen bundle's QLibraryInfo may point elsewhere)."""
    return [translations_dir(),
            Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)),
            Path(PySide6.__file__).parent / "Qt" / "translations"]


def load_qt_catalogue(translator: QTranslator, language: str) -> bool:
    for directory in qt_catalogue_dirs():
        for name in (f"qtbase_{language}", f"qt_{language}"):
            if (directory / f"{name}.qm").exists() and translator.load(name, str(directory)):
                return True
    return False
