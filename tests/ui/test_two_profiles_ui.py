"""Two signed-in officials' windows in one process, sharing the UI's database thread: each
window lists, opens and signs from its own cache only (no profile context on the GUI
thread: the AppContext and the profiles' services carry their own cache)."""

from __future__ import annotations

from client import models
from client.session import Profile
from client.ui.context import AppContext
from client.ui.main_window import MainWindow
from client.ui.signoff_panel import SignRequest
from tests.ui.conftest import PASSWORD, wait_for

DECISION = {"read": "read", "handle": "done", "instruct": "approve"}


def _window(qtbot, ops, profile: Profile) -> MainWindow:  # noqa: ANN001
    window = MainWindow(AppContext(profile, ops))
    qtbot.addWidget(window)
    window.resize(1366, 860)
    window.show()
    return window


def test_two_windows_of_two_profiles_share_the_database_thread(
        qtbot, ops, zh, platform, test_keyring) -> None:  # noqa: ANN001
    profiles = [Profile.login(platform.base_url, name, PASSWORD,
        enrolment_code=platform.issue_enrolment_code(name))
                for name in ("zhangjianguo", "lihua")]
    try:
        for profile in profiles:
            profile.sync()
        windows = [_window(qtbot, ops, p) for p in profiles]
        for window in windows:
            wait_for(qtbot, ops, lambda w=window: w.model.rowCount() > 0)
        signed: dict[str, str] = {}
        for profile, window in zip(profiles, windows, strict=True):
            with profile.cache_context():
                mine = {t.id for t in models.Task.select().where(
                    (models.Task.assignee_id == profile.user_id)
                    & (models.Task.status == "pending"))}
            rows = window.model.rows()
            assert rows and {r.task_id for r in rows if r.task_id} <= mine
            row = next(r for r in rows if r.task_kind in DECISION)
            ctx = window.ctx
            got: list[object] = []
            ops.db(lambda c=ctx, r=row: c.open_document(r.document_id, r.task_id), got.append)
            assert ops.wait_idle(30_000) and got
            decision = DECISION[row.task_kind]
            assert decision in got[0].decisions  # type: ignore[attr-defined]
            req = SignRequest(task_id=row.task_id, decision=decision,
                              text=f"{profile.username}：已办。", forward_to=[],
                              handwriting_png=None, go_next=False)
            ops.db(lambda c=ctx, q=req: c.sign(q), got.append)
            assert ops.wait_idle(30_000) and len(got) == 2
            signed[profile.username] = row.task_id
        status: dict[str, object] = {}
        for profile, window in zip(profiles, windows, strict=True):
            ops.db(window.ctx.status_info, lambda s, n=profile.username: status.__setitem__(n, s))
        assert ops.wait_idle(30_000)
        for profile in profiles:
            assert status[profile.username].unsent >= 1  # type: ignore[attr-defined]  # its sign-off
            with profile.cache_context():
                local = {o.task_id for o in models.LocalOpinion.select()}
            assert local == {signed[profile.username]}
        for window in windows:
            window.close()
    finally:
        for profile in profiles:
            profile.close()
