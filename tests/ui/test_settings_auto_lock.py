"""Auto-lock in Settings (issue 10, item 26): the user's to choose unless a policy file
locks it; only then does it say "set by your administrator"."""

from __future__ import annotations

from types import SimpleNamespace

from client.config import load_settings
from client.ui.settings_dialog import SettingsDialog


def test_without_a_policy_the_user_chooses_auto_lock(qtbot, tmp_path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("GOVDESK_POLICY_FILE", str(tmp_path / "no-policy.toml"))
    monkeypatch.setenv("GOVDESK_MACHINE_CONFIG", str(tmp_path / "no-machine.toml"))
    monkeypatch.setenv("GOVDESK_USER_CONFIG", str(tmp_path / "settings.toml"))
    settings = load_settings()
    assert not settings.is_locked("auto_lock_minutes")
    ctx = SimpleNamespace(auto_lock_minutes=settings.auto_lock_minutes,
                          auto_lock_locked=settings.is_locked("auto_lock_minutes"))
    dialog = SettingsDialog(ctx)
    qtbot.addWidget(dialog)
    assert dialog.auto_lock is not None and dialog.auto_lock_label is None
    texts = [dialog.auto_lock.itemText(i) for i in range(dialog.auto_lock.count())]
    assert not any("administrator" in t or "管理员" in t for t in texts)
    assert dialog.auto_lock.currentData() == settings.auto_lock_minutes
    dialog.auto_lock.setCurrentIndex(dialog.auto_lock.findData(5))
    dialog.accept()
    assert ctx.auto_lock_minutes == 5
    assert load_settings().auto_lock_minutes == 5  # kept for the next start
    assert 'auto_lock_minutes = 5' in (tmp_path / "settings.toml").read_text()


def test_a_policy_locks_auto_lock_and_says_so(qtbot, tmp_path, monkeypatch) -> None:  # noqa: ANN001
    policy = tmp_path / "policy.toml"
    policy.write_text("auto_lock_minutes = 10\n", encoding="utf-8")
    monkeypatch.setenv("GOVDESK_POLICY_FILE", str(policy))
    monkeypatch.setenv("GOVDESK_MACHINE_CONFIG", str(tmp_path / "no-machine.toml"))
    monkeypatch.setenv("GOVDESK_USER_CONFIG", str(tmp_path / "settings.toml"))
    settings = load_settings()
    assert settings.is_locked("auto_lock_minutes")
    ctx = SimpleNamespace(auto_lock_minutes=settings.auto_lock_minutes,
                          auto_lock_locked=True)
    dialog = SettingsDialog(ctx)
    qtbot.addWidget(dialog)
    assert dialog.auto_lock is None
    assert "10" in dialog.auto_lock_label.text()
    assert "administrator" in dialog.auto_lock_label.text()
    dialog.accept()
    assert ctx.auto_lock_minutes == 10 and not (tmp_path / "settings.toml").exists()
