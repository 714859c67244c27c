"""PyInstaller runtime hook: Qt environment fixes for the frozen client (runs before main).

- Only the xcb, offscreen and minimal platform plugins are bundled (Wayland/EGL/VNC are
  filtered out in build.spec); on a Wayland session Qt would first look for the missing
  wayland plugin, so we ask for xcb (XWayland) when an X display exists.
- `govdesk-cli` is the diagnostics executable that IT runs over SSH or from a text
  console: without any display it falls back to offscreen instead of aborting.
- The PySide6 wheels ship input-method plugins for ibus and compose only. UOS and Kylin
  use fcitx: fcitx5 also speaks the ibus protocol, so QT_IM_MODULE=fcitx is mapped to ibus
  (Chinese input would otherwise silently not work in the bundled Qt).
"""

import os
import sys


def _setup_qt_env() -> None:
    if not sys.platform.startswith("linux"):
        return
    env = os.environ
    has_x = bool(env.get("DISPLAY"))
    has_wayland = bool(env.get("WAYLAND_DISPLAY"))
    if not env.get("QT_QPA_PLATFORM"):
        exe = os.path.basename(sys.executable)
        if has_x:
            env["QT_QPA_PLATFORM"] = "xcb"
        elif not has_wayland and exe.startswith("govdesk-cli"):
            env["QT_QPA_PLATFORM"] = "offscreen"
    if env.get("QT_IM_MODULE", "").startswith("fcitx"):
        env["QT_IM_MODULE"] = "ibus"


_setup_qt_env()
