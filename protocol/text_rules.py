"""What a displayed name may contain (issue 13, findings 8 and 11). Pure functions.

A title, 文号, issuer or file name can be made to display differently from what it
says: a right-to-left override turns "关于…通知\u202efdp.exe" into "关于…通知exe.pdf",
zero-width characters make two 文号 look identical, "../" climbs out of a folder. The
platform stores names cleaned by these rules and the client applies them again to
whatever it shows or writes to disk (data from older platforms included), so the rule
lives once, here.

- `clean_label`: one line of text: no control characters (line breaks become spaces),
  no bidirectional controls, no invisible format characters, NFC, single spaces.
- `clean_filename`: a label that is also a safe file name: no path separators or
  characters Windows refuses, no leading dots, never "." or "..", at most 255 bytes.
- `executable_type`: the extension of a name that would run as a program when opened.
"""

from __future__ import annotations

import re
import unicodedata

# Bidirectional controls (UAX #9): embeddings, overrides, isolates, marks.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                          "\u2066\u2067\u2068\u2069")
# Invisible characters that make different text look the same.
INVISIBLE = frozenset("\u00ad\u034f\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d"
                      "\u2060\u2061\u2062\u2063\u2064\u3164\ufeff\uffa0")
_SPACES = re.compile(r"\s+")
_FILE_FORBIDDEN = re.compile(r'[/\\<>:"|?*]')

# Opened with the system's program, these run code (Windows, Linux desktops, macOS).
EXECUTABLE_EXTENSIONS = frozenset({
    "exe", "com", "bat", "cmd", "scr", "pif", "msi", "msp", "cpl", "hta", "jar", "js",
    "jse", "vbs", "vbe", "wsf", "wsh", "ps1", "psm1", "lnk", "reg", "dll", "sh", "bash",
    "run", "bin", "appimage", "desktop", "deb", "rpm", "py", "pyw", "pl", "rb", "app",
    "command", "scpt", "iso", "img", "vhd", "vhdx", "chm", "url", "inf", "sys", "gadget",
    "application", "xbap", "docm", "xlsm", "pptm", "dotm", "xlam", "ppam",
})


def _dropped(ch: str) -> bool:
    if ch in BIDI_CONTROLS or ch in INVISIBLE:
        return True
    category = unicodedata.category(ch)
    # Cc: control characters; Cf: other format characters (tags, shaping controls);
    # Co/Cn: private use and unassigned code points have no agreed look.
    return category in ("Cf", "Co", "Cn") or (category == "Cc" and not ch.isspace())


def clean_label(text: str) -> str:
    """One line of displayable text (see the module docstring)."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(" " if ch.isspace() else ch for ch in text if not _dropped(ch))
    return _SPACES.sub(" ", text).strip()


def clean_text(text: str) -> str:
    """Multi-line text (notes, notice bodies): the same characters dropped, line breaks
    and tabs kept."""
    text = unicodedata.normalize("NFC", text)
    return "".join(ch for ch in text if ch in "\n\t" or not _dropped(ch))


def has_hidden_characters(text: str) -> bool:
    """Whether `clean_label` would change more than spacing."""
    return any(_dropped(ch) for ch in unicodedata.normalize("NFC", text))


def clean_filename(name: str, default: str = "attachment") -> str:
    """A file name that shows what it is and stays inside its folder."""
    name = _FILE_FORBIDDEN.sub("_", clean_label(name)).lstrip(". ").rstrip(". ")
    while len(name.encode("utf-8")) > 255:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:-1] + dot + ext) if dot and len(ext) <= 10 and stem else name[:-1]
    return name or default


def executable_type(name: str) -> str | None:
    """The extension (lower case, no dot) when opening `name` would run a program."""
    ext = clean_filename(name).rpartition(".")[2].lower()
    return ext if "." in clean_filename(name) and ext in EXECUTABLE_EXTENSIONS else None
