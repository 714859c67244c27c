"""Issue 13, findings 8 and 11: names show what they are; attachments open safely."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest

from client.errors import GovDeskError
from client.services import attachments
from protocol.text_rules import clean_filename, clean_label, clean_text, executable_type

RLO_EXE = "关于做好防汛工作的通知\u202efdp.exe"  # displays as "…通知exe.pdf"


def test_bidi_invisible_and_control_characters_are_dropped() -> None:
    assert clean_label(RLO_EXE) == "关于做好防汛工作的通知fdp.exe"
    assert clean_label("佳政函\u200b〔2005〕\u200d85号") == clean_label("佳政函〔2005〕85号")
    assert clean_label("关于\u2066测试\u2069\n的\t通知\x07 ") == "关于测试 的 通知"
    assert clean_label("Ｆｕｌｌ　width　space") == "Ｆｕｌｌ width space"
    assert clean_text("第一段\n\u202e第二段\t完") == "第一段\n第二段\t完"
    # Ordinary Chinese office text is untouched.
    text = "关于做好2005年秋季防火工作的通知（佳政函〔2004〕85号）"
    assert clean_label(text) == text


@pytest.mark.parametrize("name,expected", [
    ("../../etc/passwd", "_.._etc_passwd"), ("..", "attachment"), ("", "attachment"),
    ("a\\b:c*?.pdf", "a_b_c__.pdf"), (".hidden.txt", "hidden.txt"),
    ("附件1.docx", "附件1.docx"), ("x" * 300 + ".pdf", "x" * 251 + ".pdf")])
def test_file_names_stay_in_their_folder(name: str, expected: str) -> None:
    assert clean_filename(name) == expected


def test_executable_types_are_named() -> None:
    assert executable_type(RLO_EXE) == "exe"
    assert executable_type("通知.PDF") is None
    assert executable_type("setup.msi") == "msi" and executable_type("run.sh") == "sh"
    assert executable_type("宏.docm") == "docm" and executable_type("README") is None


def test_attachments_open_from_the_profile_and_programs_never(tmp_path: Path) -> None:
    profile = tmp_path / "profile"
    path = attachments.prepare_open(profile, "附件1：\u202e统计表.xlsx", b"data")
    assert path.is_relative_to(profile / "open") and path.read_bytes() == b"data"
    assert path.name == "附件1：统计表.xlsx"
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(GovDeskError) as refused:
        attachments.prepare_open(profile, RLO_EXE, b"MZ...")
    assert refused.value.code == "attachment.executable"
    assert "fdp.exe" in refused.value.message and "EXE" in refused.value.message
    # Copies are cleaned up: old ones when the profile opens, all at sign-out.
    old = attachments.prepare_open(profile, "旧.pdf", b"x").parent
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    assert attachments.clean_open_folder(profile) == 1 and not old.exists()
    assert path.exists()
    assert attachments.clean_open_folder(profile, older_than=0) == 1 and not path.exists()
