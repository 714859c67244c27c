"""The admin config samples shipped in the packages load with the client's own loader,
also with every commented line switched on (a typo there would reach county IT)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from client.config import POLICY_KEYS, load_settings, setting_fields
from client.errors import ConfigError

SAMPLES = Path(__file__).resolve().parents[2] / "packaging" / "config-samples"
_COMMENTED_SETTING = re.compile(r"^# (?P<line>(?P<key>[a-z_]+) = .+)$", re.MULTILINE)


def _uncommented(text: str) -> str:
    return "\n".join(m.group("line") for m in _COMMENTED_SETTING.finditer(text)) + "\n"


def test_machine_sample_as_shipped_sets_nothing(config_files: dict[str, Path]) -> None:
    config_files["machine"].write_text((SAMPLES / "govdesk.toml").read_text("utf-8"), "utf-8")
    settings = load_settings(env={})
    assert all(source == "default" for _key, _value, source in settings.explain())


def test_machine_sample_documents_every_setting_validly(config_files: dict[str, Path]) -> None:
    text = (SAMPLES / "govdesk.toml").read_text("utf-8")
    keys = {m.group("key") for m in _COMMENTED_SETTING.finditer(text)}
    assert keys == {f.name for f in setting_fields()}, "sample out of date with Settings"
    config_files["machine"].write_text(_uncommented(text), "utf-8")
    settings = load_settings(env={})
    assert settings.server_url == "https://oa.example.gov.cn"
    assert settings.sources["server_url"].startswith("machine:")


def test_policy_sample_locks_only_lockable_keys(config_files: dict[str, Path]) -> None:
    text = (SAMPLES / "policy.toml").read_text("utf-8")
    keys = {m.group("key") for m in _COMMENTED_SETTING.finditer(text)}
    assert keys and keys <= POLICY_KEYS
    config_files["policy"].write_text(_uncommented(text), "utf-8")
    settings = load_settings(env={}, flags={"server_url": "http://127.0.0.1:1"})
    assert settings.server_url == "https://oa.example.gov.cn"  # the flag lost to policy
    assert settings.is_locked("server_url") and settings.signature_algorithm == "sm2-sm3"


def test_a_typo_in_an_uncommented_sample_line_is_refused(
        config_files: dict[str, Path]) -> None:
    config_files["machine"].write_text('sever_url = "https://x"\n', "utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(env={})
    assert err.value.code == "config.unknown_key" and "sever_url" in err.value.message


def test_machine_config_saved_by_old_notepad_with_a_bom_loads(
        config_files: dict[str, Path]) -> None:
    # County IT edits %ProgramData%\GovDesk\govdesk.toml in Notepad; before Windows 10
    # 1903 (and on LTSC 2019) Notepad saves UTF-8 with a byte-order mark.
    text = "# 富锦市\nserver_url = 'https://oa.example.gov.cn'\n"
    config_files["machine"].write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert load_settings(env={}).server_url == "https://oa.example.gov.cn"
