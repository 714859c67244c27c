"""How tests react to a missing external service: skip locally, fail in CI."""

from __future__ import annotations

import os

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require_service(reason: str) -> None:
    """Skip the calling test because a service is missing, or fail when running in CI.

    CI starts every service the suite needs (see .ci/run); a missing one there is a
    broken pipeline, not a reason to pass quietly.
    """
    if in_ci():
        pytest.fail(f"service missing in CI: {reason}")
    pytest.skip(reason)
