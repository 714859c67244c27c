"""Error messages in the GUI go through Qt's translators: English under English (no
Chinese leaks into the problems view), Chinese from the .qm's `errors` context."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from client import messages
from client.errors import ConflictError
from client.types import OpState, OutboxItem
from client.ui.problems_view import ProblemsView
from protocol import errors as catalogue

CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


def _problem(op_id: str, code: str | None, detail: str | None) -> OutboxItem:
    return OutboxItem(op_id=op_id, type="task.complete",
                      data={"task_id": "t1", "decision": "approve", "text": "同意。"},
                      state=OpState.CONFLICT, attempts=1,
                      created_at=datetime(2005, 10, 19, 2, 0, tzinfo=UTC),
                      next_attempt_at=None, result_code=code, result_detail=detail,
                      local_ref=None, blobs_first=[])


def test_problems_view_shows_english_reasons_under_english(qtbot, qapp) -> None:  # noqa: ANN001
    from client.ui import i18n

    i18n.install(qapp, "en")
    try:
        view = ProblemsView()
        qtbot.addWidget(view)
        view.set_items([_problem("a", "task.cancelled", "the task was cancelled"),
                        _problem("b", "opinion.too_long", "too long"),
                        _problem("c", "signature.key_revoked", None)], {})
        reasons = [view.tree.topLevelItem(i).text(3) for i in range(3)]
        assert reasons == [catalogue.english("task.cancelled"),
                           catalogue.english("opinion.too_long"),
                           catalogue.english("signature.key_revoked")]
        assert not any(CJK.search(r) for r in reasons)
        assert str(ConflictError("task.not_pending")) == "This task has already been handled."
    finally:
        i18n.install(qapp, "zh_CN")


def test_chinese_comes_through_qt_for_every_template(qapp) -> None:  # noqa: ANN001
    from PySide6.QtCore import QCoreApplication

    from client.ui import i18n

    assert i18n.install(qapp, "zh_CN")
    try:
        for template in catalogue.all_templates():
            translated = QCoreApplication.translate(messages.CONTEXT, template)
            assert CJK.search(translated), template
        # The renderer asks Qt: a translator that says otherwise wins.
        messages.use_translator(lambda text: "经由 Qt" if "handled" in text else text)
        assert messages.render("task.not_pending") == "经由 Qt"
        assert messages.render("task.cancelled") == "平台上该办理环节已被撤回或改派他人"
    finally:
        i18n.install(qapp, "en")
