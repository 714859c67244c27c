"""The one place that turns an error code + parameters into a sentence.

The English templates of `protocol.errors` are the source strings of the translation
context `errors` in resources/translations/govdesk_<lang>.ts. In the GUI the sentence
goes through Qt's translators (`client.ui.i18n.install` hands us `QCoreApplication.
translate`); the command line, which never loads Qt, reads the same catalogue itself
(the .ts from a checkout, the .qm in the frozen bundle). Chinese is the default, like
the GUI. An unknown code (a newer platform) gives a generic sentence naming it.
"""

from __future__ import annotations

import logging
import struct
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from client.language import DEFAULT, SUPPORTED, translations_dir
from protocol import errors as catalogue

log = logging.getLogger(__name__)

CONTEXT = "errors"

_language = DEFAULT
_translator: Callable[[str], str] | None = None
_tables: dict[str, dict[str, str]] = {}
_lock = threading.Lock()


def set_language(language: str) -> None:
    """The language error messages are rendered in from now on (the UI's, or the CLI's)."""
    global _language
    _language = language if language in SUPPORTED else DEFAULT


def current_language() -> str:
    return _language


def use_translator(translate: Callable[[str], str] | None) -> None:
    """Route templates through `translate` (Qt's, for the GUI); None: our own reader."""
    global _translator
    _translator = translate


def known(code: str | None) -> bool:
    return bool(code) and catalogue.spec(code or "") is not None


def render(code: str, params: Mapping[str, Any] | None = None, *,
           language: str | None = None) -> str:
    """The sentence for `code` with `params`, in `language` (default: the current one)."""
    spec = catalogue.spec(code)
    if spec is None:
        template, params = catalogue.UNKNOWN_TEMPLATE, {**(params or {}), "code": code}
    else:
        params = {**spec.defaults, **(params or {})}
        template = spec.template_for(params)
    return catalogue.fill(translate(template, language=language), params)


def translate(template: str, *, language: str | None = None) -> str:
    """`template` (an English source string of the `errors` context) in `language`."""
    language = language or _language
    if language == "en":
        return template
    if _translator is not None and language == _language:
        translated = _translator(template)
        if translated and translated != template:
            return translated
    return table(language).get(template) or template


def table(language: str) -> dict[str, str]:
    """source -> translation of the `errors` context for `language` (cached)."""
    with _lock:
        found = _tables.get(language)
        if found is None:
            found = _tables[language] = _load(language)
        return found


def _load(language: str) -> dict[str, str]:
    base = translations_dir() / f"govdesk_{language}"
    ts, qm = base.with_suffix(".ts"), base.with_suffix(".qm")
    try:
        if ts.exists():
            return read_ts(ts)
        if qm.exists():
            return read_qm(qm)
    except (OSError, ValueError, ET.ParseError, struct.error) as exc:
        log.warning("cannot read the %s error messages: %s", language, exc)
        return {}
    log.warning("no translation catalogue for %s in %s", language, base.parent)
    return {}


def read_ts(path: Path, context: str = CONTEXT) -> dict[str, str]:
    """Finished translations of `context` in a Qt Linguist .ts file."""
    out: dict[str, str] = {}
    for ctx in ET.parse(path).getroot().iter("context"):
        if (ctx.findtext("name") or "") != context:
            continue
        for msg in ctx.iter("message"):
            source = msg.findtext("source")
            tr = msg.find("translation")
            if source is None or tr is None or tr.get("type") in ("unfinished", "vanished",
                                                                   "obsolete"):
                continue
            if tr.text:
                out[source] = tr.text
    return out


_QM_MAGIC = bytes([0x3C, 0xB8, 0x64, 0x18, 0xCA, 0xEF, 0x9C, 0x95,
                   0xCD, 0x21, 0x1C, 0xBF, 0x60, 0xA1, 0xBD, 0xDD])
_QM_MESSAGES = 0x69
# Message record tags (qtranslator.cpp).
_END, _SOURCE16, _TRANSLATION, _CONTEXT16, _OBSOLETE1, _SOURCE, _CONTEXT, _COMMENT, \
    _OBSOLETE2 = range(1, 10)


def read_qm(path: Path, context: str = CONTEXT) -> dict[str, str]:
    """Translations of `context` in a compiled .qm (as lrelease writes it by default, with
    the context and source text kept next to each translation)."""
    data = path.read_bytes()
    if not data.startswith(_QM_MAGIC):
        raise ValueError(f"{path} is not a Qt translation file")
    pos, messages = len(_QM_MAGIC), b""
    while pos + 5 <= len(data):
        tag, length = data[pos], struct.unpack_from(">I", data, pos + 1)[0]
        if tag == _QM_MESSAGES:
            messages = data[pos + 5:pos + 5 + length]
        pos += 5 + length
    out: dict[str, str] = {}
    pos, record = 0, _blank()
    while pos < len(messages):
        tag = messages[pos]
        pos += 1
        if tag == _END:
            if record["context"] == context and record["source"] and record["translation"]:
                out[record["source"]] = record["translation"]
            record = _blank()
            continue
        if tag in (_OBSOLETE1, _OBSOLETE2):
            pos += 4
            continue
        length = struct.unpack_from(">I", messages, pos)[0]
        pos += 4
        if length == 0xFFFFFFFF:
            continue
        chunk = messages[pos:pos + length]
        pos += length
        if tag == _TRANSLATION:
            record["translation"] = chunk.decode("utf-16-be")
        elif tag in (_SOURCE, _SOURCE16):
            record["source"] = chunk.decode("utf-16-be" if tag == _SOURCE16 else "utf-8")
        elif tag in (_CONTEXT, _CONTEXT16):
            record["context"] = chunk.decode("utf-16-be" if tag == _CONTEXT16 else "utf-8")
    return out


def _blank() -> dict[str, str]:
    return {"context": "", "source": "", "translation": ""}
