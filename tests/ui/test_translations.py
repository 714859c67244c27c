"""The Chinese catalogue is complete and in step with the tr() calls of client/ui."""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TS = ROOT / "resources" / "translations" / "govdesk_zh_CN.ts"


def _messages(ts: Path) -> dict[tuple[str, str], ET.Element]:
    out = {}
    for ctx in ET.parse(ts).getroot().findall("context"):
        name = ctx.findtext("name")
        for m in ctx.findall("message"):
            out[(name, m.findtext("source"))] = m
    return out


def test_zh_cn_catalogue_is_complete() -> None:
    messages = _messages(TS)
    assert len(messages) > 250
    unfinished = [k for k, m in messages.items()
                  if m.find("translation").get("type") in ("unfinished", "obsolete")
                  or not "".join(m.find("translation").itertext()).strip()]
    assert unfinished == []


def test_catalogue_covers_every_tr_call(tmp_path: Path) -> None:
    copy = tmp_path / "check.ts"
    shutil.copy(TS, copy)
    lupdate = Path(sys.executable).parent / "pyside6-lupdate"
    files = sorted(str(p) for p in (ROOT / "client" / "ui").rglob("*.py"))
    subprocess.run([str(lupdate), "-no-obsolete", *files, "-ts", str(copy)], check=True,
                   capture_output=True)
    fresh = _messages(copy)
    missing = [k for k, m in fresh.items()
               if m.find("translation").get("type") == "unfinished"]
    assert missing == [], f"strings without a Chinese translation: {missing[:10]}"


def test_chinese_is_loaded_and_english_falls_back(qapp) -> None:  # noqa: ANN001
    from PySide6.QtCore import QCoreApplication

    from client.ui import fmt, i18n

    assert i18n.install(qapp, "zh_CN")
    assert QCoreApplication.translate("Labels", "Extra urgent") == "特急"
    assert fmt.date_text("2005-10-19") == "2005年10月19日"
    i18n.install(qapp, "en")
    assert QCoreApplication.translate("Labels", "Extra urgent") == "Extra urgent"
    assert fmt.date_text("2005-10-19") == "2005-10-19"
