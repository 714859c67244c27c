"""The Windows installer script cannot be compiled here (Inno Setup is Windows-only), so
its required entries are checked by reading it: ids, privileges, silent presets,
config path, upgrade and uninstall behaviour."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ISS = Path(__file__).resolve().parents[2] / "packaging" / "windows" / "govdesk.iss"


def _sections(text: str) -> dict[str, list[str]]:
    """[Section] -> its non-comment lines (preprocessor lines included)."""
    out: dict[str, list[str]] = {}
    current = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(";"):
            continue
        m = re.fullmatch(r"\[(\w+)\]", line)
        if m:
            current = m.group(1)
            out.setdefault(current, [])
            continue
        out.setdefault(current, []).append(line)
    return out


@pytest.fixture(scope="module")
def iss() -> dict[str, list[str]]:
    return _sections(ISS.read_text(encoding="utf-8"))


def _setup(iss: dict[str, list[str]]) -> dict[str, str]:
    return dict(line.split("=", 1) for line in iss["Setup"] if "=" in line
                and not line.startswith("#"))


def test_setup_identity_and_privileges(iss: dict[str, list[str]]) -> None:
    setup = _setup(iss)
    # A fixed GUID AppId (braces doubled in Inno syntax) is what makes upgrades upgrade.
    assert re.fullmatch(r"\{\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\}",
                        setup["AppId"]), setup["AppId"]
    assert setup["PrivilegesRequired"] == "admin"
    assert setup["DefaultDirName"] == r"{autopf}\GovDesk"
    assert setup["AppVersion"] == "{#AppVersion}"
    assert setup["CloseApplications"] == "yes"
    assert "x64compatible" in setup["ArchitecturesInstallIn64BitMode"]


def test_version_comes_from_the_bundle_unless_defined(iss: dict[str, list[str]]) -> None:
    pre = "\n".join(iss[""])
    assert "#ifndef AppVersion" in pre
    assert re.search(r'#define AppVersion GetVersionNumbersString\(.*govdesk|AppExe', pre)
    assert "#error" in pre  # an unreadable version stops the build instead of "0.0.0"


def test_languages_chinese_and_english(iss: dict[str, list[str]]) -> None:
    langs = "\n".join(iss["Languages"])
    assert 'Name: "chinesesimplified"' in langs and "ChineseSimplified.isl" in langs
    assert 'Name: "english"; MessagesFile: "compiler:Default.isl"' in langs
    # Every custom message exists in both languages.
    names = {}
    for line in iss["CustomMessages"]:
        lang, rest = line.split(".", 1)
        names.setdefault(rest.split("=", 1)[0], set()).add(lang)
    assert names and all(v == {"chinesesimplified", "english"} for v in names.values()), names


def test_files_shortcuts_and_upgrade_cleanup(iss: dict[str, list[str]]) -> None:
    files = "\n".join(iss["Files"])
    assert re.search(r'Source: "\{#BundleDir\}\\\*"; DestDir: "\{app\}".*recursesubdirs', files)
    # The machine config sample is laid down once and never overwritten or uninstalled.
    machine = [ln for ln in iss["Files"] if r'DestDir: "{commonappdata}\GovDesk"' in ln]
    assert machine and "onlyifdoesntexist" in machine[0] and "uninsneveruninstall" in machine[0]
    assert any(r'{app}\_internal' in ln for ln in iss["InstallDelete"])
    icons = "\n".join(iss["Icons"])
    assert r"{autoprograms}" in icons and r"{autodesktop}" in icons
    assert "Tasks: desktopicon" in icons
    assert any("desktopicon" in ln and "unchecked" in ln for ln in iss["Tasks"])


def test_silent_presets_written_to_machine_config(iss: dict[str, list[str]]) -> None:
    code = "\n".join(iss["Code"])
    assert "{param:SERVER|}" in code and "{param:CAFILE|}" in code
    assert r"{commonappdata}\GovDesk" in code
    assert "ConfigName = 'govdesk.toml'" in code and "CaName = 'county-ca.pem'" in code
    # Written as UTF-8 without BOM (tomllib and the client read exactly that)...
    assert "SaveStringsToUTF8FileWithoutBOM" in code
    # ...with TOML literal strings so Windows paths need no escaping.
    assert "'server_url = ''' + ServerUrl + ''''" in code
    assert "'ca_file = ''' + CaTarget + ''''" in code
    assert "FileCopy(CaFile, CaTarget" in code
    # Bad presets stop the installation with a message (suppressible in silent mode).
    assert code.count("SuppressibleMsgBox") >= 2 and "Result := False" in code
    assert "ssPostInstall" in code


def test_uninstall_keeps_user_data_unless_purged(iss: dict[str, list[str]]) -> None:
    code = "\n".join(iss["Code"])
    assert "'/PURGE'" in code
    assert "MB_DEFBUTTON2" in code  # the default answer is "No": keep the data
    purge_branch = code[code.index("if PurgeRequested() then"):]
    assert r"DelTree(ExpandConstant('{localappdata}\GovDesk')" in purge_branch
    assert "DelTree(MachineConfigDir()" in purge_branch
    # Nothing else in the script deletes user data.
    assert code.count("DelTree(") == 2
    assert "[UninstallDelete]" not in ISS.read_text(encoding="utf-8")


def test_pascal_blocks_are_balanced() -> None:
    # A cheap syntax guard: every begin/case/try has its end.
    code = ISS.read_text(encoding="utf-8").split("[Code]", 1)[1]
    code = re.sub(r"\{[^}]*\}", "", code)  # comments
    code = re.sub(r"'[^']*'", "''", code)  # strings
    words = re.findall(r"\b(begin|end|case|try)\b", code, flags=re.IGNORECASE)
    opens = sum(1 for w in words if w.lower() in ("begin", "case", "try"))
    assert opens == sum(1 for w in words if w.lower() == "end")
