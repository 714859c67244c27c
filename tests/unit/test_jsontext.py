"""client.jsontext against the standard library it replaces on the sync's hot paths."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from client import jsontext

# JSON values as a platform sends them: no NaN or infinity, no lone surrogates.
_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=20)
values = st.recursive(
    st.none() | st.booleans() | st.integers() | _text
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(_text, inner, max_size=5),
    max_leaves=30)


def _std_dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@given(values)
def test_dumps_reads_back_as_the_same_value(value: object) -> None:
    text = jsontext.dumps(value)
    assert json.loads(text) == value
    assert jsontext.loads(text) == value


@given(st.recursive(st.none() | st.booleans() | st.integers() | _text,
                    lambda inner: st.lists(inner, max_size=5)
                    | st.dictionaries(_text, inner, max_size=5), max_leaves=30))
def test_dumps_writes_the_same_text_as_the_standard_library(value: object) -> None:
    # Floats aside (both exact, spelt differently at times), the stored text is the same.
    assert jsontext.dumps(value) == _std_dumps(value)


@given(values)
def test_loads_reads_what_the_standard_library_reads(value: object) -> None:
    for text in (_std_dumps(value), json.dumps(value), json.dumps(value, indent=2)):
        assert jsontext.loads(text) == json.loads(text)
        assert jsontext.loads(text.encode()) == json.loads(text)


def test_chinese_is_kept_as_is() -> None:
    assert jsontext.dumps({"title": "关于做好冬季安全生产工作的通知"}) == (
        '{"title":"关于做好冬季安全生产工作的通知"}')


def test_big_integers_and_floats_survive() -> None:
    value = {"big": 2**70, "neg": -(2**65), "f": 0.1, "tiny": 5e-324, "e": 1.5e16}
    assert jsontext.loads(jsontext.dumps(value)) == value
    assert math.isclose(jsontext.loads("1e-7"), 1e-7)


@pytest.mark.parametrize("bad", [
    b"", b"{", b"[1] trailing", b"\xff\xfe", b'{"a": "\\ud800"}', b"[" * 1000 + b"]" * 1000,
    b'{"a": 1,}', "“not json”".encode(),
])
def test_bad_input_is_a_value_error(bad: bytes) -> None:
    with pytest.raises(ValueError):
        jsontext.loads(bad)
