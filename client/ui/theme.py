"""Fonts, colours and the style sheet; one font scale drives every size in the UI."""

from __future__ import annotations

from functools import cache
from string import Template

from PySide6.QtGui import QColor, QFont, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QApplication

from client.ui.resources import style_path

# Simplified Chinese glyph shapes first; then what Windows, Kylin/UOS and macOS ship.
FONT_FAMILIES = [
    "Noto Sans CJK SC",
    "Microsoft YaHei",
    "Microsoft YaHei UI",
    "SimSun",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Source Han Sans SC",
    "PingFang SC",
    "Noto Sans",
    "DejaVu Sans",
]
SERIF_FAMILIES = ["Noto Serif CJK SC", "SimSun", "FangSong", "AR PL UMing CN", "Noto Serif"]

# Older officials on older screens: larger than the desktop default.
BASE_POINT_SIZE = 12.0
FONT_SCALES = (1.0, 1.15, 1.3, 1.5, 1.75, 2.0)

URGENT_RED = QColor("#c62828")        # 特急
URGENT_ORANGE = QColor("#e65100")     # 加急
OVERDUE_BACKGROUND = QColor("#fdecea")
OVERDUE_TEXT = QColor("#b71c1c")
MUTED_TEXT = QColor("#5f6b7a")
VALID_GREEN = QColor("#2e7d32")
UNKNOWN_GREY = QColor("#6d6d6d")
ACCENT = QColor("#1f5fa8")

_current_scale = 1.0


@cache
def _known_families() -> frozenset[str]:
    return frozenset(QFontDatabase.families())


def available_families(families: list[str]) -> list[str]:
    known = _known_families()
    chosen = [f for f in families if f in known]
    return chosen or families


_fonts: dict[tuple[float, float, bool], QFont] = {}


def ui_font(scale: float | None = None, *, delta: float = 0.0, bold: bool = False) -> QFont:
    """The UI font at the current scale; ``delta`` in points before scaling. Cached:
    item models ask for it on every paint of every cell."""
    s = _current_scale if scale is None else scale
    key = (s, delta, bold)
    cached = _fonts.get(key)
    if cached is not None:
        return cached
    font = QFont()
    font.setFamilies(available_families(FONT_FAMILIES))
    font.setPointSizeF(max(6.0, (BASE_POINT_SIZE + delta) * s))
    font.setBold(bold)
    font.setStyleStrategy(QFont.StyleStrategy.PreferAntialias)
    _fonts[key] = font
    return font


def serif_font(*, delta: float = 0.0, bold: bool = False) -> QFont:
    """Song-style face for the processing form, as printed forms use."""
    font = QFont()
    font.setFamilies(available_families(SERIF_FAMILIES) + available_families(FONT_FAMILIES))
    font.setPointSizeF(max(6.0, (BASE_POINT_SIZE + delta) * _current_scale))
    font.setBold(bold)
    return font


def current_scale() -> float:
    return _current_scale


def style_sheet(scale: float) -> str:
    template = Template(style_path("govdesk.qss").read_text(encoding="utf-8"))
    size = BASE_POINT_SIZE * scale
    return template.safe_substitute(
        base=f"{size:.1f}pt",
        small=f"{size * 0.88:.1f}pt",
        large=f"{size * 1.2:.1f}pt",
        title=f"{size * 1.45:.1f}pt",
        pad=str(round(6 * scale)),
        padl=str(round(10 * scale)),
    )


def apply_theme(app: QApplication, scale: float = 1.0) -> None:
    """Set the application font and style sheet; call again when the user rescales."""
    global _current_scale
    _current_scale = scale
    app.setFont(ui_font(scale))
    app.setStyleSheet(style_sheet(scale))


def setup_high_dpi() -> None:
    """Before QApplication exists: crisp scaling on 125 %/150 % office screens."""
    from PySide6.QtCore import Qt

    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
