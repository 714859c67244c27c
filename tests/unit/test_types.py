"""mypy: protocol/ strict with no error; the client's logic and the platform gain none."""

from __future__ import annotations

import importlib.util

import pytest

from tools import mypy_baseline


def test_no_file_gains_type_errors_and_protocol_is_clean() -> None:
    if importlib.util.find_spec("mypy") is None:
        pytest.fail("mypy is missing: install the dev extra")
    counts, output = mypy_baseline.run_mypy()
    protocol = {p: n for p, n in counts.items() if p.startswith("protocol/")}
    assert not protocol, output
    base = mypy_baseline.read_baseline()
    worse = {p: (n, base.get(p, 0)) for p, n in counts.items() if n > base.get(p, 0)}
    assert not worse, f"more mypy errors than tests/mypy-baseline.txt allows: {worse}\n{output}"
