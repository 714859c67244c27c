"""The fonts of the issued PDF, found by path and embedded (subset) by reportlab.

GB/T 9704-2012 names four faces: 仿宋 (正文, 三级/四级标题, 版记), 楷体 (二级标题, the
签发人's name), 黑体 (一级标题, 密级, 紧急程度) and 宋体 (小标宋 for the title and the
发文机关标志, 半角宋体 for page numbers). reportlab embeds only TrueType outlines: the
CFF fonts of fonts-noto-cjk raise "postscript outlines are not supported". Debian has
no simplified-Chinese 仿宋 in TrueType (cwTeX 仿宋 lacks 2,379 of the 6,763 GB 2312
characters), so 仿宋 falls back to the 宋 (明) face, as offices without 仿宋_GB2312 do:

    仿宋, 宋体, 小标宋  AR PL UMing CN (uming.ttc)        fonts-arphic-uming
    楷体               AR PL UKai CN  (ukai.ttc)         fonts-arphic-ukai
    黑体               WenQuanYi Zen Hei (wqy-zenhei.ttc) fonts-wqy-zenhei

小标宋 is UMing drawn with a thin outline stroke (no bold UMing exists). A county that
holds licensed fonts points a role at them with `GOVDESK_PDF_FONT_<ROLE>=path[:index]`
(ROLE one of FANGSONG, SONG, KAI, HEI; a TrueType .ttf, or .ttc with a face index).

Without the packages the platform refuses to lay out an issued document (FontMissingError,
one line naming the package). Only a caller that says so — the demo county's sample PDFs,
so that a fresh machine runs the demo with Python alone — gets reportlab's built-in
STSong-Light instead, which is not embedded (`builtin_fallback()`, and in the embedded
demo platform's serving process GOVDESK_DEMO_PDF_FALLBACK=1).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont

log = logging.getLogger(__name__)
BUILTIN: Final = "STSong-Light"
_fallback: ContextVar[bool] = ContextVar("gbt9704_builtin_fallback", default=False)
# Set by the embedded demo platform (server.embedded) for its serving process: what a
# demo user issues (核发) falls back too, as the demo county's own documents do.
DEMO_FALLBACK_ENV: Final = "GOVDESK_DEMO_PDF_FALLBACK"
_warned: set[str] = set()


class FontMissingError(RuntimeError):
    """A font file the issued PDF needs is not on this machine (message: one line)."""


@dataclass(frozen=True)
class FontFile:
    path: str
    index: int  # face in a .ttc collection
    package: str  # the Debian package that ships it


FANGSONG: Final = "fangsong"
SONG: Final = "song"
KAI: Final = "kai"
HEI: Final = "hei"
ROLES: Final = (FANGSONG, SONG, KAI, HEI)

_UMING = FontFile("/usr/share/fonts/truetype/arphic/uming.ttc", 0, "fonts-arphic-uming")
DEFAULTS: Final[dict[str, FontFile]] = {
    FANGSONG: _UMING,
    SONG: _UMING,
    KAI: FontFile("/usr/share/fonts/truetype/arphic/ukai.ttc", 0, "fonts-arphic-ukai"),
    HEI: FontFile("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0, "fonts-wqy-zenhei"),
}
DEBIAN_PACKAGES: Final = tuple(sorted({f.package for f in DEFAULTS.values()}))

_lock = threading.Lock()
_names: dict[str, str] = {}  # role -> registered reportlab font name
_by_file: dict[tuple[str, int], str] = {}  # one registration per face, shared by roles
_serial = [0]  # registered names stay unique across forget()


def font_file(role: str) -> FontFile:
    """Where `role`'s font is read from: the environment override, else the Debian path."""
    if role not in DEFAULTS:
        raise ValueError(f"unknown font role {role!r} (one of {', '.join(ROLES)})")
    override = os.environ.get(f"GOVDESK_PDF_FONT_{role.upper()}", "").strip()
    if not override:
        return DEFAULTS[role]
    path, index = override, 0
    head, sep, tail = override.rpartition(":")
    if sep and tail.isdigit():
        path, index = head, int(tail)
    return FontFile(path, index, f"GOVDESK_PDF_FONT_{role.upper()}")


@contextlib.contextmanager
def builtin_fallback() -> Iterator[None]:
    """Within this block a missing font becomes the unembedded STSong-Light (the demo)."""
    token = _fallback.set(True)
    try:
        yield
    finally:
        _fallback.reset(token)


def font(role: str) -> str:
    """The reportlab font name for `role`, registering (and so embedding) it on first use."""
    name = _names.get(role)
    if name is not None:
        return name
    try:
        return _font(role)
    except FontMissingError as exc:
        if not (_fallback.get() or os.environ.get(DEMO_FALLBACK_ENV) == "1"):
            raise
        with _lock:
            if BUILTIN not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(UnicodeCIDFont(BUILTIN))
            if role not in _warned:
                _warned.add(role)
                log.warning("%s; using the unembedded %s", exc, BUILTIN)
        return BUILTIN


def _font(role: str) -> str:
    with _lock:
        if role in _names:
            return _names[role]
        ff = font_file(role)
        key = (ff.path, ff.index)
        name = _by_file.get(key)
        if name is None:
            name = _register(role, ff)
            _by_file[key] = name
        _names[role] = name
        return name


def _register(role: str, ff: FontFile) -> str:
    if not Path(ff.path).is_file():
        hint = (f"set by {ff.package}" if ff.package.startswith("GOVDESK_")
                else f"install the Debian package {ff.package}")
        raise FontMissingError(f"GB/T 9704 PDF: the {role} font {ff.path} is missing; {hint}")
    _serial[0] += 1
    name = f"GovDesk-{role}-{_serial[0]}"
    try:
        pdfmetrics.registerFont(TTFont(name, ff.path, subfontIndex=ff.index))
    except TTFError as exc:  # e.g. a CFF (.otf/.ttc) font: reportlab embeds TrueType only
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise FontMissingError(f"GB/T 9704 PDF: the {role} font {ff.path} cannot be "
                               f"embedded ({first}); use a TrueType font") from exc
    return name


def forget() -> None:
    """Drop the role → font cache (tests that point a role elsewhere)."""
    with _lock:
        _names.clear()
        _by_file.clear()
