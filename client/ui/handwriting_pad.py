"""A pad to sign by hand with mouse, pen or finger; saved as a transparent PNG."""

from __future__ import annotations

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QEvent,
    QIODevice,
    QPointF,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QTabletEvent,
    QTouchEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

INK = QColor("#0d2a6b")  # blue-black, like a signing pen


class HandwritingPad(QWidget):
    """Collects strokes; `png_bytes()` renders them cropped onto a transparent image."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("handwritingPad")
        self.setAccessibleName(self.tr("Handwriting pad"))
        self.setToolTip(self.tr("Sign here with the mouse, a pen or your finger"))
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents, True)
        self.setAttribute(Qt.WidgetAttribute.WA_StaticContents, True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(96)
        self._strokes: list[list[tuple[QPointF, float]]] = []
        self._current: list[tuple[QPointF, float]] | None = None

    def sizeHint(self) -> QSize:
        return QSize(360, 140)

    # -- content ------------------------------------------------------------------------
    def is_empty(self) -> bool:
        return not any(len(s) > 0 for s in self._strokes)

    def clear(self) -> None:
        self._strokes = []
        self._current = None
        self.update()
        self.changed.emit()

    def undo(self) -> None:
        if self._strokes:
            self._strokes.pop()
            self.update()
            self.changed.emit()

    def add_stroke(self, points: list[tuple[float, float]], pressure: float = 0.6) -> None:
        """Programmatic strokes (tests, replays)."""
        self._strokes.append([(QPointF(x, y), pressure) for x, y in points])
        self.update()
        self.changed.emit()

    def png_bytes(self, *, margin: int = 8, scale: float = 2.0) -> bytes | None:
        """The signature cropped to its ink, at `scale`× for print; None when empty."""
        if self.is_empty():
            return None
        bounds = QRectF()
        for stroke in self._strokes:
            for p, _ in stroke:
                bounds = bounds.united(QRectF(p, p).adjusted(-3, -3, 3, 3))
        bounds = bounds.adjusted(-margin, -margin, margin, margin)
        image = QImage(max(1, int(bounds.width() * scale)), max(1, int(bounds.height() * scale)),
                       QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.scale(scale, scale)
        painter.translate(-bounds.topLeft())
        self._paint_strokes(painter)
        painter.end()
        data = QByteArray()
        buf = QBuffer(data)
        buf.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buf, "PNG")
        buf.close()
        return bytes(data.data())

    # -- painting -----------------------------------------------------------------------
    def _paint_strokes(self, painter: QPainter) -> None:
        for stroke in self._strokes:
            if len(stroke) == 1:
                p, pressure = stroke[0]
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(INK)
                r = 1.2 + 2.0 * pressure
                painter.drawEllipse(p, r, r)
                continue
            for (a, pa), (b, pb) in zip(stroke, stroke[1:], strict=False):
                pen = QPen(INK, 1.5 + 3.0 * (pa + pb) / 2, Qt.PenStyle.SolidLine,
                           Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
                painter.setPen(pen)
                painter.drawLine(a, b)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("#fffef8"))
        painter.setPen(QPen(QColor("#b9c3cf"), 1, Qt.PenStyle.DashLine))
        painter.drawRect(self.rect().adjusted(0, 0, -1, -1))
        baseline = self.height() - 28
        painter.drawLine(16, baseline, self.width() - 16, baseline)
        if self.is_empty():
            painter.setPen(QColor("#8a96a3"))
            painter.drawText(QRectF(self.rect()).adjusted(0, 0, 0, -30),
                             Qt.AlignmentFlag.AlignCenter, self.tr("Sign here"))
        self._paint_strokes(painter)

    # -- input: mouse, tablet pen, touch ------------------------------------------------
    def _begin(self, p: QPointF, pressure: float) -> None:
        self._current = [(p, pressure)]
        self._strokes.append(self._current)
        self.update()

    def _extend(self, p: QPointF, pressure: float) -> None:
        if self._current is not None:
            self._current.append((p, pressure))
            self.update()

    def _end(self) -> None:
        if self._current is not None:
            self._current = None
            self.changed.emit()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._begin(event.position(), 0.5)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._extend(event.position(), 0.5)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._end()

    def tabletEvent(self, event: QTabletEvent) -> None:
        kind = event.type()
        pressure = max(0.1, event.pressure())
        if kind == QEvent.Type.TabletPress:
            self._begin(event.position(), pressure)
        elif kind == QEvent.Type.TabletMove:
            self._extend(event.position(), pressure)
        elif kind == QEvent.Type.TabletRelease:
            self._end()
        event.accept()

    def event(self, event: QEvent) -> bool:
        if isinstance(event, QTouchEvent):
            points = event.points()
            if points:
                p = points[0]
                kind = event.type()
                if kind == QEvent.Type.TouchBegin:
                    self._begin(p.position(), max(0.3, p.pressure()))
                elif kind == QEvent.Type.TouchUpdate:
                    self._extend(p.position(), max(0.3, p.pressure()))
                elif kind in (QEvent.Type.TouchEnd, QEvent.Type.TouchCancel):
                    self._end()
            event.accept()
            return True
        return super().event(event)

