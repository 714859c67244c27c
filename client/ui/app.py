"""The desktop application: `main(argv)` for the GUI, `--demo` and `--screenshot`.

    python -m client                     sign in and work
    python -m client --demo              demo county platform on loopback, as 张建国
    python -m client --screenshot PATH [--view inbox|document|signoff|signed|notices|
                                        compose|login|enrol|problems|notes|drafting|review_diff|
                                        sign_issue|receipts|clerk_todo|clerk_inbox|registration|
                                        delivery_preview]
    options: --lang zh_CN|en, --server URL, --user NAME; for --screenshot also
             --scale 1.0..2.0 (text size) and --size WIDTHxHEIGHT (window, default 1366x860)
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)

VIEWS = ("inbox", "document", "body", "signoff", "signed", "recall", "notices", "compose",
         "login", "enrol", "problems", "notes")
VIEWS += ("drafting", "review_diff", "sign_issue", "receipts", "clerk_todo")  # 发文
VIEWS += ("clerk_inbox", "registration", "delivery_preview")  # 收发


def _scale(text: str) -> float:
    value = float(text)
    if not 0.8 <= value <= 2.0:
        raise argparse.ArgumentTypeError("the text size is 0.8 … 2.0")
    return value


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError("write the size as WIDTHxHEIGHT, e.g. 1366x768") \
            from None
    if width < 640 or height < 480:
        raise argparse.ArgumentTypeError("the window is at least 640x480")
    return width, height


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="govdesk", description="GovDesk desktop client")
    p.add_argument("--demo", action="store_true",
                   help="start a demo county platform on this computer and sign in to it")
    p.add_argument("--screenshot", metavar="PATH", help="render a view to a PNG and exit")
    p.add_argument("--view", choices=VIEWS, default="inbox", help="view for --screenshot")
    p.add_argument("--lang", choices=("zh_CN", "en"), help="user interface language")
    p.add_argument("--server", help="platform address (otherwise from the settings)")
    p.add_argument("--user", help="user name to sign in with (with --demo: a demo account)")
    p.add_argument("--scale", type=_scale,
                   help="text size for --screenshot (1.5 = 150 %%; default: the setting)")
    p.add_argument("--size", type=_size, help="window size for --screenshot, WIDTHxHEIGHT")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    if args.screenshot and not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: "
                        "%(message)s")

    from PySide6.QtWidgets import QApplication, QMessageBox

    from client.config import load_settings
    from client.errors import GovDeskError
    from client.ui import i18n, theme
    from client.ui.ops import BackgroundOps
    from client.ui.resources import icon
    from client.ui.settings_dialog import saved_language, saved_scale

    _route_qt_messages()
    theme.setup_high_dpi()
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "govdesk"])
    app.setOrganizationName("GovDesk")
    app.setApplicationName("GovDesk")
    app.setApplicationDisplayName("GovDesk")
    app.setWindowIcon(icon("govdesk"))
    try:
        settings = load_settings({"language": args.lang, "server_url": args.server})
    except GovDeskError as exc:
        QMessageBox.critical(None, "GovDesk", exc.message)
        return 2
    language = i18n.choose_language(args.lang, saved_language() or settings.language)
    i18n.install(app, language)
    theme.apply_theme(app, args.scale if args.screenshot and args.scale else saved_scale())
    ops = BackgroundOps(app)
    runner = _Runner(app, ops, settings)
    _quit_on_signals(app)
    try:
        if args.screenshot:
            return runner.screenshot(Path(args.screenshot), args.view, args.size)
        if args.demo:
            return runner.demo(args.user)
        return runner.normal(args.server or settings.server_url, args.user)
    except GovDeskError as exc:
        if not args.screenshot:
            QMessageBox.critical(None, "GovDesk", exc.message)
        log.error("%s: %s", exc.code, exc.message)
        return 1
    finally:
        runner.shutdown()


# Qt messages that only say what a platform plugin cannot do (offscreen has no window
# manager to pass size hints to): not a problem of ours, kept out of the warnings.
_PLATFORM_LIMITS = ("does not support propagateSizeHints",)


def _route_qt_messages() -> None:
    """Qt's own messages go to our log (logger "qt", with time and level) instead of raw
    lines on stderr, so a warning of Qt's is seen in context and counted like ours."""
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    qt_log = logging.getLogger("qt")
    levels = {QtMsgType.QtDebugMsg: logging.DEBUG, QtMsgType.QtInfoMsg: logging.INFO,
              QtMsgType.QtWarningMsg: logging.WARNING, QtMsgType.QtCriticalMsg: logging.ERROR,
              QtMsgType.QtFatalMsg: logging.CRITICAL}

    def handler(kind: Any, _context: Any, message: str) -> None:
        level = levels.get(kind, logging.WARNING)
        if any(limit in message for limit in _PLATFORM_LIMITS):
            level = logging.DEBUG
        qt_log.log(level, "%s", message)

    qInstallMessageHandler(handler)


def _quit_on_signals(app: Any) -> None:
    """Ctrl+C / SIGTERM end the event loop, so the demo platform and the sync thread are
    stopped by the normal shutdown path (Python sees signals only while it runs code,
    hence the idle timer)."""
    import signal

    from PySide6.QtCore import QTimer

    def quit_app(*_args: object) -> None:
        app.quit()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, quit_app)
    timer = QTimer(app)
    timer.timeout.connect(lambda: None)
    timer.start(250)


class _Runner:
    """Owns what a run starts (platform, profile, sync manager) and stops it in order."""

    def __init__(self, app: Any, ops: Any, settings: Any) -> None:
        self.app = app
        self.ops = ops
        self.settings = settings
        self.demo_env: Any = None
        self.profile: Any = None
        self.manager: Any = None
        self.window: Any = None

    # -- helpers --------------------------------------------------------------------
    def blocking(self, label: str, fn: Callable[[], T], *, show: bool = True) -> T:
        """Run `fn` on a worker while a progress dialog keeps the UI alive."""
        from PySide6.QtCore import QCoreApplication, Qt
        from PySide6.QtWidgets import QProgressDialog

        box: dict[str, Any] = {}
        dialog = None
        if show:
            dialog = QProgressDialog(label, "", 0, 0)
            dialog.setWindowTitle("GovDesk")
            dialog.setCancelButton(None)
            dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
            dialog.setMinimumDuration(0)
            dialog.setMinimumWidth(420)
            dialog.show()
        self.ops.net(fn, lambda r: box.setdefault("ok", r),
                     lambda e: box.setdefault("err", e), label=label)
        while not box:
            QCoreApplication.processEvents()
            import time

            time.sleep(0.01)
        if dialog is not None:
            dialog.close()
        if "err" in box:
            raise box["err"]
        return box["ok"]

    def start_demo_platform(self, show: bool) -> str:
        from PySide6.QtCore import QCoreApplication

        from client.ui.demo import DemoEnvironment

        self.demo_env = DemoEnvironment()
        label = QCoreApplication.translate("App", "Starting the demo county platform…")
        self.blocking(label, self.demo_env.start, show=show)
        return self.demo_env.base_url

    def sign_in_demo(self, base_url: str, username: str, show: bool) -> None:
        from PySide6.QtCore import QCoreApplication

        from client.session import Profile
        from client.ui.demo import DEMO_PASSWORD

        label = QCoreApplication.translate("App", "Signing in as %1…").replace("%1", username)

        def sign_in() -> Profile:
            # The demo county's IT hands over the enrolment code at once, so the demo
            # leader can sign straight away (a real first sign-in asks for it).
            code = None
            if self.demo_env is not None:
                # None for no such account (`--demo --user` mistyped): the sign-in
                # below then says so in the words the login dialog uses.
                code = self.demo_env.enrolment_code(username)
            return Profile.login(base_url, username, DEMO_PASSWORD, enrolment_code=code)

        self.profile = self.blocking(label, sign_in, show=show)
        self.first_sync(show)

    def first_sync(self, show: bool) -> None:
        from PySide6.QtCore import QCoreApplication

        label = QCoreApplication.translate("App", "Fetching your documents for the first "
                                                  "time…")
        self.blocking(label, self.profile.sync, show=show)

    def open_window(self, online: bool = True) -> Any:
        from client.sync.manager import SyncManager
        from client.ui.context import AppContext
        from client.ui.main_window import MainWindow

        self.manager = SyncManager(self.profile.engine,
                                   interval=float(self.settings.sync_interval_seconds),
                                   probe_max=float(self.settings.offline_probe_max_seconds))
        ctx = AppContext(self.profile, self.ops, manager=self.manager)
        ctx.online = online
        self.window = MainWindow(ctx)
        self.window.status.set_online(online)
        self.manager.start()
        return self.window

    # -- modes ----------------------------------------------------------------------
    def demo(self, username: str | None = None) -> int:
        from client.ui.demo import DEMO_USER

        base = self.start_demo_platform(show=True)
        # `--user`: any demo account (the clerk wangli, the publisher zhaoxin, ...).
        self.sign_in_demo(base, username or DEMO_USER, show=True)
        window = self.open_window()
        window.show()
        log.info("main window shown")
        return self.app.exec()

    def normal(self, server_url: str | None, username: str | None) -> int:
        from client.session import last_account
        from client.ui.login_dialog import LoginDialog

        last = last_account()
        dialog = LoginDialog(self.ops, server_url=server_url or (last[0] if last else ""),
                             username=username or (last[1] if last else ""),
                             server_locked=self.settings.is_locked("server_url")
                             or not self.settings.allow_server_edit)
        if not dialog.exec():
            return 0
        self.profile = dialog.profile
        if dialog.online:
            self.first_sync(show=True)
        window = self.open_window(online=dialog.online)
        window.show()
        log.info("main window shown")
        return self.app.exec()

    def screenshot(self, path: Path, view: str, size: tuple[int, int] | None = None) -> int:
        from client.ui import screenshots

        return screenshots.render(self, path, view, size=size or screenshots.SIZE)

    def shutdown(self) -> None:
        # Stop what feeds the window first (the sync thread, background work), then
        # close it: a result delivered after the close would repaint a window whose
        # native surface is gone ("QBackingStore::flush() ... does not have a handle").
        if self.manager is not None:
            self.manager.stop(timeout=10)
        self.ops.wait_idle(10_000)
        if self.window is not None:
            self.window.save_layout()
            self.window.close()
        self.ops.shutdown()
        if self.profile is not None:
            self.profile.close()
        if self.demo_env is not None:
            self.demo_env.stop()


if __name__ == "__main__":
    raise SystemExit(main())
