"""The GUI starts and quits cleanly 20 times under Xvfb, quit with Ctrl+Q typed into the
window (issue 12 item 7; the offscreen half and the cause are in test_exit_cycles.py; a
file of its own so that the two halves run in different test workers)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from server.embedded import TEMPLATE_DIR_ENV
from tests.support.services import require_service
from tests.ui.test_exit_cycles import CYCLES, _assert_clean, _cycle, _env


@pytest.fixture(scope="module")
def template_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # The run's shared demo template (tests/conftest.py), else one of this module's own.
    shared = os.environ.get(TEMPLATE_DIR_ENV)
    return Path(shared) if shared else tmp_path_factory.mktemp("demo-templates")


@pytest.fixture(scope="module")  # one X server for all the cycles, as one user's session
def xvfb() -> Iterator[str]:
    if not (shutil.which("Xvfb") and shutil.which("xdotool")):
        require_service("Xvfb and xdotool")
    display = f":{os.getpid() % 400 + 100}"
    server = subprocess.Popen(["Xvfb", display, "-screen", "0", "1600x1000x24", "-nolisten",
                               "tcp"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if subprocess.run(["xdotool", "getmouselocation"], env={**os.environ,
                              "DISPLAY": display}, capture_output=True).returncode == 0:
                break
            time.sleep(0.1)
        yield display
    finally:
        server.terminate()
        server.wait(10)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("n", range(CYCLES))  # one item per cycle (see test_exit_cycles)
def test_twenty_clean_exits_under_xvfb_with_ctrl_q(template_dir: Path, xvfb: str,
                                                   n: int) -> None:
    env = _env(template_dir, QT_QPA_PLATFORM="xcb", DISPLAY=xvfb)
    xenv = {**os.environ, "DISPLAY": xvfb}

    def ctrl_q(proc: subprocess.Popen[str]) -> None:
        found = subprocess.run(["xdotool", "search", "--sync", "--onlyvisible", "--pid",
                                str(proc.pid)], env=xenv, capture_output=True, text=True,
                               timeout=30)
        window = found.stdout.split()[-1]
        subprocess.run(["xdotool", "windowfocus", "--sync", window], env=xenv, timeout=30,
                       capture_output=True)
        subprocess.run(["xdotool", "key", "--clearmodifiers", "ctrl+q"], env=xenv,
                       timeout=30, check=True)

    code, lines = _cycle(env, ctrl_q)
    _assert_clean(code, lines, n)
