"""The inbox filter bar: search text, urgency, type, issuer, period, unread, sort."""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import QEvent, QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QCheckBox,
    QComboBox,
    QCompleter,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QWidget,
)

from client.types import InboxFilters, InboxSort
from client.ui import fmt
from client.ui.resources import icon

# The 15 document types of the 2012 regulation (党政机关公文处理工作条例).
DOC_TYPES = ("决议", "决定", "命令（令）", "公报", "公告", "通告", "意见", "通知", "通报",
             "报告", "请示", "批复", "议案", "函", "纪要")


class FiltersBar(QFrame):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filters")
        # Two groups side by side, or one above the other when the window is narrow
        # (1024 × 768 screens, large text): the bar never forces the window wider.
        self._outer = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self._outer.setContentsMargins(12, 6, 12, 6)
        self._outer.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        layout = QHBoxLayout()
        layout.setContentsMargins(0, 0, 0, 0)
        second = QHBoxLayout()
        second.setContentsMargins(0, 0, 0, 0)
        self._outer.addLayout(layout, 1)
        self._outer.addLayout(second)
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Search title, doc no., issuer (Ctrl+F)"))
        self.search.setAccessibleName(self.tr("Search"))
        self.search.setClearButtonEnabled(True)
        self.search.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.search.setMinimumWidth(260)
        layout.addWidget(self.search, 2)

        self.urgency = QComboBox()
        self.urgency.setAccessibleName(self.tr("Urgency"))
        # Item data are comma-joined strings: Qt hands tuples back as lists.
        self.urgency.addItem(self.tr("Any urgency"), "")
        self.urgency.addItem(fmt.urgency_text("very_urgent"), "very_urgent")
        self.urgency.addItem(fmt.urgency_text("urgent"), "urgent")
        self.urgency.addItem(self.tr("Extra urgent or urgent"), "very_urgent,urgent")
        layout.addWidget(self.urgency)

        self.doc_type = QComboBox()
        self.doc_type.setAccessibleName(self.tr("Document type"))
        self.doc_type.addItem(self.tr("Any type"), "")
        for t in DOC_TYPES:
            self.doc_type.addItem(t, t)
        layout.addWidget(self.doc_type)

        self.issuer = QLineEdit()
        self.issuer.setPlaceholderText(self.tr("Issuer"))
        self.issuer.setAccessibleName(self.tr("Issuer"))
        self.issuer.setClearButtonEnabled(True)
        self.issuer.setMaximumWidth(160)
        # Completes from the issuers in the cache, on any part of the name.
        self._issuer_names = QStringListModel(self)
        completer = QCompleter(self._issuer_names, self)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.issuer.setCompleter(completer)
        layout.addWidget(self.issuer)

        self.period = QComboBox()
        self.period.setAccessibleName(self.tr("Received within"))
        self.period.addItem(self.tr("Any time"), 0)
        self.period.addItem(self.tr("Today"), 1)
        self.period.addItem(self.tr("Last 7 days"), 7)
        self.period.addItem(self.tr("Last 30 days"), 30)
        second.addWidget(self.period)

        self.unread = QCheckBox(self.tr("&Unread only"))
        second.addWidget(self.unread)

        sort_label = QLabel(self.tr("S&ort:"))
        self.sort = QComboBox()
        self.sort.setAccessibleName(self.tr("Sort order"))
        self.sort.addItem(self.tr("Newest"), InboxSort.RECEIVED)
        self.sort.addItem(self.tr("Urgency"), InboxSort.URGENCY)
        self.sort.addItem(self.tr("Deadline"), InboxSort.DUE)
        self.sort.addItem(self.tr("Doc no."), InboxSort.DOC_NUMBER)
        sort_label.setBuddy(self.sort)
        second.addWidget(sort_label)
        second.addWidget(self.sort)
        self._rows = (layout, second)
        self._fit(self.width())

        # Typing waits a moment before querying; choices apply at once.
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.changed)
        self.search.textChanged.connect(self._debounce.start)
        self.issuer.textChanged.connect(self._debounce.start)
        for combo in (self.urgency, self.doc_type, self.period, self.sort):
            combo.currentIndexChanged.connect(self.changed)
        self.unread.toggled.connect(self.changed)

    def _fit(self, width: int) -> None:
        first, second = self._rows
        margins = self._outer.contentsMargins()
        sides = margins.left() + margins.right()
        wide = (first.minimumSize().width() + second.minimumSize().width()
                + self._outer.spacing() + sides)
        self.setMinimumWidth(max(first.minimumSize().width(),
                                 second.minimumSize().width()) + sides)
        direction = (QBoxLayout.Direction.LeftToRight if width >= wide
                     else QBoxLayout.Direction.TopToBottom)
        if self._outer.direction() != direction:
            self._outer.setDirection(direction)
            self.updateGeometry()

    def is_two_rows(self) -> bool:
        return self._outer.direction() == QBoxLayout.Direction.TopToBottom

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        self._fit(event.size().width())

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt name)
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # larger text: maybe two rows now
            self._fit(self.width())

    def filters(self, *, now: datetime | None = None) -> InboxFilters:
        days = self.period.currentData() or 0
        received_from = None
        if days:
            now = now or datetime.now(fmt.CHINA_TZ)
            start = now.replace(hour=0, minute=0, second=0, microsecond=0)
            received_from = start - timedelta(days=days - 1)
        return InboxFilters(
            urgency=tuple(u for u in (self.urgency.currentData() or "").split(",") if u),
            doc_type=tuple(t for t in [self.doc_type.currentData() or ""] if t),
            issuer=self.issuer.text().strip() or None,
            received_from=received_from,
            unread_only=self.unread.isChecked(),
            text=self.search.text().strip(),
        )

    def set_issuers(self, names: list[str]) -> None:
        if names != self._issuer_names.stringList():
            self._issuer_names.setStringList(names)

    def sort_order(self) -> InboxSort:
        return self.sort.currentData() or InboxSort.RECEIVED

    def state(self) -> tuple[object, ...]:
        """Every choice in the bar, to give a view its own filters back (set_state)."""
        return (self.search.text(), self.issuer.text(), self.urgency.currentIndex(),
                self.doc_type.currentIndex(), self.period.currentIndex(),
                self.sort.currentIndex(), self.unread.isChecked())

    def set_state(self, state: tuple[object, ...] | None) -> None:
        """Show `state` (None: everything cleared) without emitting `changed`."""
        self.blockSignals(True)
        try:
            if state is None:
                self.reset()
            else:
                search, issuer, urgency, doc_type, period, sort, unread = state
                self.search.setText(str(search))
                self.issuer.setText(str(issuer))
                for combo, index in ((self.urgency, urgency), (self.doc_type, doc_type),
                                     (self.period, period), (self.sort, sort)):
                    combo.setCurrentIndex(int(index))  # type: ignore[call-overload]
                self.unread.setChecked(bool(unread))
        finally:
            self.blockSignals(False)
        self._debounce.stop()  # the text was set, not typed: no delayed query

    def reset(self) -> None:
        for w in (self.search, self.issuer):
            w.clear()
        for combo in (self.urgency, self.doc_type, self.period, self.sort):
            combo.setCurrentIndex(0)
        self.unread.setChecked(False)
