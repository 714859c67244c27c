"""A .qm built while another GovDesk runs replaces the file instead of rewriting it: Qt
maps .qm files, and a file rewritten in place under a mapping kills the reader with
SIGBUS (seen in CI when the demo's first start rebuilt it beside a running test)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from client.ui import i18n


def test_a_rebuilt_catalogue_is_a_new_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    src = i18n.translations_dir() / "govdesk_zh_CN.ts"
    if not any(t.exists() for t in (Path(i18n.sys.executable).parent / "pyside6-lrelease",
                                    Path(i18n.PySide6.__file__).parent / "lrelease")):
        pytest.fail("PySide6's lrelease is part of the PySide6 wheel; it must be there")
    folder = tmp_path / "translations"
    folder.mkdir()
    ts = folder / src.name
    shutil.copy(src, ts)
    qm = ts.with_suffix(".qm")
    qm.write_bytes(b"an older catalogue a reader has mapped")
    held = qm.open("rb")  # a reader's view of the old file
    before = qm.stat().st_ino
    try:
        assert i18n._lrelease(ts, qm)
        assert qm.stat().st_ino != before  # a new file took the name
        assert held.read() == b"an older catalogue a reader has mapped"  # the old one intact
    finally:
        held.close()
    assert qm.stat().st_size > 1000
    assert sorted(p.name for p in folder.iterdir()) == sorted([ts.name, qm.name])
