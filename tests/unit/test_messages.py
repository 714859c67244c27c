"""One message catalogue: every error code has an English template (no Chinese leaks into
the English UI or CLI) and a Chinese translation; every code raised by the client or
returned by the platform is in it; unknown codes never crash."""

from __future__ import annotations

import pickle
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from client import language, messages
from client.errors import AuthError, ConflictError, GovDeskError
from protocol import errors as catalogue

REPO = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
ZH_TS = REPO / "resources" / "translations" / "govdesk_zh_CN.ts"
EN_TS = REPO / "resources" / "translations" / "govdesk_en.ts"

ALL_CASES = [(spec.code, template) for spec in catalogue.CATALOGUE.values()
             for template in spec.templates()]


def _sample(template: str) -> dict[str, str]:
    """A distinct ASCII value for each parameter, to see it substituted."""
    return {name: f"<{name}-42>" for name in catalogue.template_params(template)}


@pytest.mark.parametrize(("code", "template"), ALL_CASES,
                         ids=[f"{c}:{i}" for i, (c, _) in enumerate(ALL_CASES)])
def test_english_has_no_chinese_and_fills_every_parameter(code: str, template: str) -> None:
    params = _sample(template)
    assert catalogue.CATALOGUE[code].template_for(params) == template
    text = messages.render(code, params, language="en")
    assert text.strip() and not CJK.search(text), text
    assert "{" not in text and "}" not in text, text
    assert all(value in text for value in params.values()), text
    messages.set_language("en")
    assert str(GovDeskError(code, **params)) == text


@pytest.mark.parametrize(("code", "template"), ALL_CASES,
                         ids=[f"{c}:{i}" for i, (c, _) in enumerate(ALL_CASES)])
def test_chinese_has_a_translation_with_the_same_parameters(code: str, template: str) -> None:
    zh = messages.table("zh_CN").get(template)
    assert zh and CJK.search(zh), f"{code}: no zh_CN translation of {template!r}"
    assert catalogue.template_params(zh) == catalogue.template_params(template)
    params = _sample(template)
    text = messages.render(code, params, language="zh_CN")
    assert CJK.search(text) and "{" not in text and "}" not in text, text
    assert GovDeskError(code, **params).message == text  # Chinese is the default


def test_the_unknown_code_sentence_is_translated_too() -> None:
    assert CJK.search(messages.table("zh_CN")[catalogue.UNKNOWN_TEMPLATE])
    assert not CJK.search(catalogue.UNKNOWN_TEMPLATE)


def test_every_kind_is_known_and_no_code_is_listed_twice() -> None:
    assert all(spec.kind in catalogue.KINDS for spec in catalogue.CATALOGUE.values())
    codes = [spec.code for spec in catalogue._SPECS]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"[a-z_]+\.[a-z_]+", code) for code in codes)


# --- the catalogue covers the source ------------------------------------------------------

# Where a code is written in the source: the first string of an error constructor (or the
# second, after a status, for the platform's Problem), a default `code` parameter, a
# (code, detail) pair returned, and the platform's status -> (code, title) table.
_CODE = r'"([a-z_]+\.[a-z_]+)"'
_RAISES = [
    re.compile(r"\b(?:\w*Error|Problem|OpOutcome|RuleViolation|_rejected)\(\s*"
               r"(?:\d{3}\s*,\s*|\"(?:rejected|conflict)\"\s*,\s*)?" + _CODE),
    re.compile(r"\b_bad\([^()\n]*,\s*" + _CODE + r"\)"),
    re.compile(r"\bcode(?:: str)?\s*=\s*" + _CODE),
    re.compile(r"\breturn\s+" + _CODE + r"\s*,"),
    re.compile(r"^\s*\d{3}: \(" + _CODE, re.MULTILINE),
]
# A sentence (or any second string) right after the code at a client raise site.
_SENTENCE = re.compile(r"\b\w*Error\(\s*(?:\"[a-z_.]+\"|[\w.]+)\s*,\s*f?[\"']")


def _codes_in(*roots: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for root in roots:
        for path in sorted((REPO / root).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            for pattern in _RAISES:
                for code in pattern.findall(text):
                    found.setdefault(code, set()).add(str(path.relative_to(REPO)))
    return found


def test_every_code_the_client_raises_is_in_the_catalogue() -> None:
    found = _codes_in("client", "protocol")
    assert len(found) > 60  # the scan itself works
    missing = {code: where for code, where in found.items() if code not in catalogue.CATALOGUE}
    assert not missing, missing


def test_every_code_the_platform_returns_is_in_the_catalogue() -> None:
    found = _codes_in("server")
    assert len(found) > 50 and "task.cancelled" in found and "route.not_found" in found
    missing = {code: where for code, where in found.items() if code not in catalogue.CATALOGUE}
    assert not missing, missing


def test_no_sentence_is_written_at_a_client_raise_site() -> None:
    offenders = []
    for path in sorted((REPO / "client").rglob("*.py")):
        for match in _SENTENCE.finditer(path.read_text(encoding="utf-8")):
            offenders.append(f"{path.relative_to(REPO)}: {match.group(0)}")
    assert not offenders, offenders


def test_the_scan_sees_a_new_code_and_a_sentence() -> None:
    sample = 'raise GovDeskError("task.brand_new", "一句话")\n'
    assert any(p.findall(sample) == ["task.brand_new"] for p in _RAISES)
    assert _SENTENCE.search(sample)
    assert not _SENTENCE.search('raise GovDeskError("task.brand_new", limit=3)\n')


# --- rendering ----------------------------------------------------------------------------


def test_unknown_codes_render_a_generic_sentence_naming_the_code() -> None:
    err = ConflictError("task.brand_new", detail="something new", limit=3)
    assert "task.brand_new" in err.message and CJK.search(err.message)
    assert messages.render("task.brand_new", language="en") == \
        "The platform reported an error this version does not know (task.brand_new)."
    assert not messages.known("task.brand_new") and messages.known("task.cancelled")
    assert messages.render("http.418", {"status": 418}, language="en") == \
        "The platform refused the request (HTTP 418)."


def test_variants_follow_the_parameters_given() -> None:
    assert messages.render("auth.throttled", {"retry_after": "30"}, language="en") == \
        "Too many failed sign-ins. Please try again in 30 seconds."
    assert messages.render("auth.throttled", {"status": 429}, language="en") == \
        "Too many failed sign-ins. Please try again later."
    assert messages.render("opinion.too_long", language="en") == \
        f"The opinion is longer than {catalogue.MAX_OPINION_TEXT} characters."
    # Odd or missing parameters never raise.
    assert "…" in messages.render("form.unreadable", {"path": "x"}, language="en")


def test_an_error_keeps_code_params_detail_and_follows_the_language() -> None:
    err = AuthError("auth.not_logged_in", username="wangli", detail="for the log")
    assert err.code == "auth.not_logged_in" and err.params == {"username": "wangli"}
    assert err.detail == "for the log" and "wangli" in str(err) and str(err) == err.message
    assert CJK.search(err.message)
    messages.set_language("en")
    assert err.message == "Account wangli has not signed in on this PC. Please sign in first."
    assert repr(err) == "AuthError('auth.not_logged_in', username='wangli')"
    again = pickle.loads(pickle.dumps(err))
    assert type(again) is AuthError and again.params == err.params and again.detail == err.detail
    with pytest.raises(TypeError):
        GovDeskError("task.not_found", "本机没有这项待办")  # type: ignore[misc]


def test_the_platform_titles_come_from_the_catalogue() -> None:
    from server.errors import Problem

    assert Problem(409, "task.cancelled", "Task cancelled").title == \
        catalogue.english("task.cancelled")
    assert Problem(422, "opinion.too_long", "Too long").title == \
        catalogue.english("opinion.too_long")
    assert Problem(418, "teapot.brewing", "I'm a teapot").title == "I'm a teapot"
    assert catalogue.title("config.locked") is None  # needs a parameter: no fixed title


# --- the translation catalogue ------------------------------------------------------------


def test_the_ts_files_hold_the_catalogue_as_it_is(tmp_path: Path) -> None:
    """tools/build_translations.py would change nothing: no template is missing or stale
    in either .ts (English has them all, untranslated)."""
    sys.path.insert(0, str(REPO / "tools"))
    try:
        import build_translations
    finally:
        sys.path.remove(str(REPO / "tools"))
    for ts in (ZH_TS, EN_TS):
        copy = tmp_path / ts.name
        shutil.copy(ts, copy)
        untranslated = build_translations.sync_errors_context(copy)
        assert copy.read_text(encoding="utf-8") == ts.read_text(encoding="utf-8"), ts.name
        if ts is EN_TS:
            assert len(untranslated) == len(set(catalogue.all_templates()))
        else:
            assert untranslated == []


def test_the_compiled_catalogue_reads_the_same_as_its_source(tmp_path: Path) -> None:
    """The frozen bundle ships only .qm files: the command line reads those."""
    lrelease = Path(sys.executable).parent / "pyside6-lrelease"
    if not lrelease.exists():
        import PySide6

        lrelease = Path(PySide6.__file__).parent / "lrelease"
    qm = tmp_path / "govdesk_zh_CN.qm"
    subprocess.run([str(lrelease), str(ZH_TS), "-qm", str(qm)], check=True, timeout=60,
                   capture_output=True)
    from_qm = messages.read_qm(qm)
    assert from_qm == messages.read_ts(ZH_TS)
    assert len(from_qm) == len(set(catalogue.all_templates()))


def test_the_cli_reads_the_qm_when_the_ts_is_not_shipped(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    lrelease = Path(sys.executable).parent / "pyside6-lrelease"
    if not lrelease.exists():
        import PySide6

        lrelease = Path(PySide6.__file__).parent / "lrelease"
    subprocess.run([str(lrelease), str(ZH_TS), "-qm", str(tmp_path / "govdesk_zh_CN.qm")],
                   check=True, timeout=60, capture_output=True)
    monkeypatch.setattr(messages, "translations_dir", lambda: tmp_path)
    monkeypatch.setattr(messages, "_tables", {})
    assert messages.render("task.not_pending", language="zh_CN") == "这项待办已经办理，不能再次签批。"
    monkeypatch.setattr(messages, "translations_dir", lambda: tmp_path / "nowhere")
    monkeypatch.setattr(messages, "_tables", {})
    # No catalogue at all: the English source, never a crash.
    assert messages.render("task.not_pending", language="zh_CN") == \
        "This task has already been handled."


# --- choosing the language ----------------------------------------------------------------


@pytest.mark.parametrize(("env", "flag", "setting", "expected"), [
    ({}, None, None, "zh_CN"),
    ({"LANG": "en_US.UTF-8"}, None, None, "en"),
    ({"LANG": "zh_CN.UTF-8", "LC_ALL": "en_GB.UTF-8"}, None, None, "en"),
    ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "zh_CN.UTF-8"}, None, None, "zh_CN"),
    ({"LANG": "C.UTF-8"}, None, None, "zh_CN"),
    ({"LANG": "zh_CN.UTF-8"}, "en", None, "en"),
    ({"LANG": "en_US.UTF-8"}, None, "zh_CN", "zh_CN"),
    ({"LANG": "zh_CN.UTF-8"}, None, "en", "en"),
])
def test_language_is_chosen_like_the_gui(monkeypatch: pytest.MonkeyPatch, env: dict[str, str],
                                         flag: str | None, setting: str | None,
                                         expected: str) -> None:
    for name in ("LANG", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert language.choose_language(flag, setting, system_is_english=lambda: False) == expected


def test_no_environment_falls_back_to_the_system_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LANG", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    assert language.choose_language(system_is_english=lambda: True) == "en"
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert language.choose_language(system_is_english=lambda: True) == "zh_CN"
