"""Layered settings of the desktop client.

Lowest to highest: built-in defaults < machine config < user settings < environment
< command-line flags. A locked policy file (written by the county's administrators)
sits above all of them for the keys in `POLICY_KEYS`: nothing below can override what
it says. `explain()` tells where each value came from (for `diagnose`).

TOML is read with the standard library (`tomllib`); the user file is written by a
tiny writer below because it only ever holds flat scalar keys.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import platformdirs

from client.errors import ConfigError

APP_NAME = "GovDesk"

SIGNATURE_ALGORITHMS = ("ed25519", "sm2-sm3")

# Keys the policy file may lock. Other keys in a policy file are an error (a typo in a
# policy would otherwise silently lock nothing).
POLICY_KEYS = frozenset({
    "server_url",
    "ca_file",
    "proxy",
    "auto_lock_minutes",
    "wipe_cache_on_logout",
    "signature_algorithm",
    "prefetch_max_blob_mb",
    "prefetch_total_mb",
    "allow_server_edit",
})

# Environment variables (besides the generic GOVDESK_<KEY>) that name a setting.
ENV_ALIASES = {
    "GOVDESK_SERVER": "server_url",
    "GOVDESK_CA_FILE": "ca_file",
    "GOVDESK_PROXY": "proxy",
    "GOVDESK_LANG": "language",
}

# GOVDESK_* variables that are not settings (paths of the config files, test knobs).
_ENV_NOT_SETTINGS = frozenset({
    "GOVDESK_HOME", "GOVDESK_MACHINE_CONFIG", "GOVDESK_POLICY_FILE", "GOVDESK_USER_CONFIG",
    "GOVDESK_PASSWORD",
})


@dataclass(frozen=True)
class Settings:
    server_url: str | None = None
    ca_file: str | None = None
    proxy: str | None = None
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    http_retries: int = 3
    sync_interval_seconds: int = 60
    sync_page_limit: int = 1000  # the protocol's largest page: fewer round trips and commits
    offline_probe_max_seconds: int = 300
    auto_lock_minutes: int = 15
    wipe_cache_on_logout: bool = False
    signature_algorithm: str = "ed25519"
    # Attachments larger than this are fetched on demand only, and prefetch stops at
    # the total (the cache of a township PC should not fill its disk).
    prefetch_max_blob_mb: int = 50
    prefetch_total_mb: int = 2048
    allow_server_edit: bool = True
    # Ops the platform applied are kept this long, to be sent again should the platform
    # be restored from a backup older than them (it answers `duplicate` to those it has).
    applied_op_retention_days: int = 30
    language: str | None = None
    log_level: str = "INFO"
    # Where each value came from: key -> source label. Not a setting itself.
    sources: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    locked: frozenset[str] = field(default_factory=frozenset, compare=False, repr=False)

    def explain(self) -> list[tuple[str, Any, str]]:
        """(key, value, source) for every setting, for `diagnose`."""
        out = []
        for f in setting_fields():
            source = self.sources.get(f.name, "default")
            if f.name in self.locked:
                source += " (locked)"
            out.append((f.name, getattr(self, f.name), source))
        return out

    def is_locked(self, key: str) -> bool:
        return key in self.locked

    def with_overrides(self, **values: Any) -> Settings:
        """A copy with `values` applied as command-line flags (policy still wins)."""
        data = {f.name: getattr(self, f.name) for f in setting_fields()}
        sources = dict(self.sources)
        for key, value in values.items():
            if value is None or key in self.locked:
                continue
            data[key] = _coerce(key, value, "flag")
            sources[key] = "flag"
        return Settings(**data, sources=sources, locked=self.locked)


def setting_fields() -> list[dataclasses.Field]:
    return [f for f in fields(Settings) if f.name not in ("sources", "locked")]


_FIELD_TYPES = {f.name: f.type for f in fields(Settings)}


def _coerce(key: str, value: Any, source: str) -> Any:
    """Turn a raw value (TOML scalar or environment string) into the field's type."""
    kind = _FIELD_TYPES[key]
    try:
        if kind == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
            raise ValueError(value)
        if kind == "int":
            if isinstance(value, bool):
                raise ValueError(value)
            return int(value)
        if kind == "float":
            if isinstance(value, bool):
                raise ValueError(value)
            return float(value)
        if kind in ("str", "str | None"):
            if value is None or (kind == "str | None" and value == ""):
                return None
            if not isinstance(value, str | int | float):
                raise ValueError(value)
            value = str(value)
            if key == "signature_algorithm" and value not in SIGNATURE_ALGORITHMS:
                raise ValueError(value)
            if key == "server_url":
                value = value.rstrip("/")
            return value
    except (TypeError, ValueError):
        pass
    raise ConfigError("config.invalid_value", key=key, value=repr(value), source=source)


def _machine_wide_path(env_var: str, filename: str) -> Path:
    """`env_var` when set, else the machine-wide GovDesk folder's `filename`."""
    env = os.environ.get(env_var)
    if env:
        return Path(env)
    if sys.platform == "win32":
        base = os.environ.get("PROGRAMDATA", r"C:\ProgramData")
        return Path(base) / APP_NAME / filename
    return Path("/etc/govdesk") / filename


def machine_config_path() -> Path:
    return _machine_wide_path("GOVDESK_MACHINE_CONFIG", "govdesk.toml")


def policy_path() -> Path:
    return _machine_wide_path("GOVDESK_POLICY_FILE", "policy.toml")


def user_config_path() -> Path:
    env = os.environ.get("GOVDESK_USER_CONFIG")
    if env:
        return Path(env)
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "settings.toml"


def _read_toml(path: Path, label: str) -> dict[str, Any]:
    """Flat table of a TOML file, {} when missing; unknown keys are refused."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError("config.unreadable", path=str(path), reason=exc.strerror,
                          detail=label) from exc
    try:
        # utf-8-sig: Notepad before Windows 10 1903 saves UTF-8 with a BOM.
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError("config.malformed", path=str(path), reason=str(exc),
                          detail=label) from exc
    # A [govdesk] table is accepted too, for admins who like sections.
    if set(data) == {"govdesk"} and isinstance(data["govdesk"], dict):
        data = data["govdesk"]
    unknown = sorted(k for k in data if k not in _FIELD_TYPES or k in ("sources", "locked"))
    if unknown:
        raise ConfigError("config.unknown_key", path=str(path), keys=", ".join(unknown),
                          detail=label)
    return data


def _env_settings(env: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """key -> (value, variable name) from GOVDESK_* variables."""
    out: dict[str, tuple[str, str]] = {}
    for name, value in env.items():
        if not name.startswith("GOVDESK_") or name in _ENV_NOT_SETTINGS:
            continue
        key = ENV_ALIASES.get(name) or name[len("GOVDESK_"):].lower()
        if key in _FIELD_TYPES and key not in ("sources", "locked"):
            out[key] = (value, name)
    return out


def load_settings(flags: Mapping[str, Any] | None = None, *,
                  env: Mapping[str, str] | None = None) -> Settings:
    """Merge every layer; raises ConfigError for a malformed or invalid file or value."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}

    def apply(layer: Mapping[str, Any], label: str) -> None:
        for key, value in layer.items():
            values[key] = _coerce(key, value, label)
            sources[key] = label

    mpath = machine_config_path()
    apply(_read_toml(mpath, "机器配置文件"), f"machine:{mpath}")
    upath = user_config_path()
    apply(_read_toml(upath, "用户配置文件"), f"user:{upath}")
    for key, (value, var) in _env_settings(env).items():
        apply({key: value}, f"env:{var}")
    for key, value in (flags or {}).items():
        if value is not None:
            apply({key: value}, "flag")

    ppath = policy_path()
    policy = _read_toml(ppath, "策略文件")
    not_lockable = sorted(k for k in policy if k not in POLICY_KEYS)
    if not_lockable:
        raise ConfigError("config.policy_key", path=str(ppath), keys=", ".join(not_lockable))
    apply(policy, f"policy:{ppath}")
    return Settings(**values, sources=sources, locked=frozenset(policy))


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value)
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
               .replace("\r", "\\r").replace("\t", "\\t"))
    return f'"{escaped}"'


def save_user_setting(key: str, value: Any) -> Path:
    """Write one key of the user's settings file (None removes it); refuses locked keys."""
    if key not in _FIELD_TYPES or key in ("sources", "locked"):
        raise ConfigError("config.unknown_key", keys=key)
    ppath = policy_path()
    policy = _read_toml(ppath, "策略文件")
    if key in policy:
        raise ConfigError("config.locked", key=key)
    if key == "server_url" and policy.get("allow_server_edit") is False:
        raise ConfigError("config.locked", key=key, detail="allow_server_edit = false")
    path = user_config_path()
    current = _read_toml(path, "用户配置文件")
    if value is None:
        current.pop(key, None)
    else:
        current[key] = _coerce(key, value, "user")
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(f"{k} = {_toml_value(v)}\n" for k, v in sorted(current.items())
                   if v is not None)
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path
