"""The suite's lowered verifier cost is bounded: never below the old 2**14, never above
today's cost, and absent it the real cost applies."""

from __future__ import annotations

import pytest

from client import auth


@pytest.mark.parametrize(("value", "n"), [("", auth.VERIFIER_N), ("1024", 2**14),
                                          ("32768", 2**15), (str(2**30), auth.VERIFIER_N),
                                          ("x", auth.VERIFIER_N)])
def test_lowered_cost_is_bounded(value: str, n: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVDESK_TEST_VERIFIER_N", value)
    assert auth.verifier_cost(auth.new_verifier("pw")) == (n, auth.VERIFIER_R, auth.VERIFIER_P)
