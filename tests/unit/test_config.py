"""Layered settings: defaults < machine < user < environment < flags, policy above all."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from client import config
from client.config import load_settings, save_user_setting
from client.errors import ConfigError


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    paths = {
        "machine": tmp_path / "etc" / "govdesk.toml",
        "policy": tmp_path / "etc" / "policy.toml",
        "user": tmp_path / "user" / "settings.toml",
    }
    paths["machine"].parent.mkdir()
    monkeypatch.setenv("GOVDESK_MACHINE_CONFIG", str(paths["machine"]))
    monkeypatch.setenv("GOVDESK_POLICY_FILE", str(paths["policy"]))
    monkeypatch.setenv("GOVDESK_USER_CONFIG", str(paths["user"]))
    for name in ("GOVDESK_SERVER", "GOVDESK_CA_FILE", "GOVDESK_PROXY", "GOVDESK_LANG"):
        monkeypatch.delenv(name, raising=False)
    return paths


def test_defaults_without_any_file(files: dict[str, Path]) -> None:
    s = load_settings(env={})
    assert s.server_url is None
    assert s.connect_timeout == 5.0 and s.read_timeout == 30.0
    assert s.signature_algorithm == "ed25519"
    assert all(source == "default" for _, _, source in s.explain())


def test_each_layer_overrides_the_one_below(files: dict[str, Path]) -> None:
    files["machine"].write_text(
        'server_url = "https://machine.example/"\nsync_interval_seconds = 120\n'
        'auto_lock_minutes = 30\nproxy = "http://proxy.machine:3128"\n', encoding="utf-8")
    files["user"].parent.mkdir()
    files["user"].write_text('server_url = "https://user.example"\nsync_interval_seconds = 90\n',
                             encoding="utf-8")
    env = {"GOVDESK_SERVER": "https://env.example", "GOVDESK_SYNC_INTERVAL_SECONDS": "45"}
    s = load_settings({"sync_interval_seconds": 10}, env=env)
    assert s.server_url == "https://env.example"           # env beats user and machine
    assert s.sync_interval_seconds == 10                    # flag beats env
    assert s.auto_lock_minutes == 30                        # only the machine says it
    assert s.proxy == "http://proxy.machine:3128"
    where = {key: source for key, _, source in s.explain()}
    assert where["server_url"] == "env:GOVDESK_SERVER"
    assert where["sync_interval_seconds"] == "flag"
    assert where["auto_lock_minutes"] == f"machine:{files['machine']}"
    assert where["read_timeout"] == "default"
    # The trailing slash of a server URL is dropped wherever it comes from.
    assert load_settings(env={}).server_url == "https://user.example"


def test_policy_locks_keys_against_every_layer(files: dict[str, Path]) -> None:
    files["policy"].write_text(
        'server_url = "https://county.gov.example"\nwipe_cache_on_logout = true\n'
        'signature_algorithm = "sm2-sm3"\nallow_server_edit = false\n', encoding="utf-8")
    files["machine"].write_text('server_url = "https://machine.example"\n', encoding="utf-8")
    s = load_settings({"server_url": "https://flag.example", "wipe_cache_on_logout": False},
                      env={"GOVDESK_SERVER": "https://env.example"})
    assert s.server_url == "https://county.gov.example"
    assert s.wipe_cache_on_logout is True
    assert s.signature_algorithm == "sm2-sm3"
    assert s.is_locked("server_url") and not s.is_locked("proxy")
    explained = {key: source for key, _, source in s.explain()}
    assert explained["server_url"] == f"policy:{files['policy']} (locked)"
    # Later overrides (command-line flags parsed after loading) cannot unlock either.
    assert s.with_overrides(server_url="https://other.example").server_url == \
        "https://county.gov.example"
    assert s.with_overrides(read_timeout=3).read_timeout == 3.0
    with pytest.raises(ConfigError) as err:
        save_user_setting("signature_algorithm", "ed25519")
    assert err.value.code == "config.locked"
    with pytest.raises(ConfigError):
        save_user_setting("server_url", "https://mine.example")


def test_allow_server_edit_false_forbids_saving_a_server(files: dict[str, Path]) -> None:
    files["policy"].write_text("allow_server_edit = false\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        save_user_setting("server_url", "https://mine.example")
    assert err.value.code == "config.locked"
    save_user_setting("language", "en")  # other keys stay editable


def test_policy_may_not_lock_arbitrary_keys(files: dict[str, Path]) -> None:
    files["policy"].write_text("log_level = \"DEBUG\"\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(env={})
    assert err.value.code == "config.policy_key"
    assert "log_level" in err.value.message


@pytest.mark.parametrize(("text", "code"), [
    ("server_url = \n", "config.malformed"),
    ("servr_url = \"https://x\"\n", "config.unknown_key"),
    ("auto_lock_minutes = \"soon\"\n", "config.invalid_value"),
    ("signature_algorithm = \"rsa\"\n", "config.invalid_value"),
    ("wipe_cache_on_logout = 3\n", "config.invalid_value"),
    (b"\xff\xfe server".decode("latin-1"), "config.malformed"),
])
def test_bad_machine_file_is_a_clear_error(files: dict[str, Path], text: str, code: str) -> None:
    files["machine"].write_bytes(text.encode("latin-1") if "\xff" in text else text.encode())
    with pytest.raises(ConfigError) as err:
        load_settings(env={})
    assert err.value.code == code
    assert err.value.message  # a sentence for a person


def test_bad_environment_value_names_the_variable(files: dict[str, Path]) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(env={"GOVDESK_READ_TIMEOUT": "slow"})
    assert "GOVDESK_READ_TIMEOUT" in err.value.message


def test_user_settings_round_trip(files: dict[str, Path]) -> None:
    path = save_user_setting("server_url", "https://富锦.example/平台")
    save_user_setting("proxy", 'http://a"b\\c')
    save_user_setting("sync_interval_seconds", "30")
    save_user_setting("wipe_cache_on_logout", True)
    assert path == files["user"]
    assert tomllib.loads(path.read_text(encoding="utf-8"))["proxy"] == 'http://a"b\\c'
    s = load_settings(env={})
    assert s.server_url == "https://富锦.example/平台"
    assert s.sync_interval_seconds == 30 and s.wipe_cache_on_logout is True
    save_user_setting("proxy", None)
    assert load_settings(env={}).proxy is None
    with pytest.raises(ConfigError):
        save_user_setting("no_such_key", 1)


def test_machine_paths_default_to_etc_on_linux(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOVDESK_MACHINE_CONFIG", raising=False)
    monkeypatch.delenv("GOVDESK_POLICY_FILE", raising=False)
    monkeypatch.setattr(config.sys, "platform", "linux")
    assert config.machine_config_path() == Path("/etc/govdesk/govdesk.toml")
    assert config.policy_path() == Path("/etc/govdesk/policy.toml")
    monkeypatch.setattr(config.sys, "platform", "win32")
    monkeypatch.setenv("PROGRAMDATA", r"C:\ProgramData")
    assert config.policy_path().parts[-2:] == ("GovDesk", "policy.toml")
