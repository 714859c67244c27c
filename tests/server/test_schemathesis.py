"""Property-based API check: schemathesis 4.x against the real platform's /openapi.json.

Fails on any server error (5xx) and on any status code or content type the schema does
not document. Runs the `schemathesis run` command line against a platform subprocess
with the demo county, signed in as the administrator (who may call every admin path).

Two runs, because two operations would spoil the others: `POST /auth/logout` revokes
the token every other call uses, and `GET /events` streams until the access token
expires. They run against a second platform whose tokens live a few seconds, each with
its own fresh token.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from server.embedded import EmbeddedPlatform

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance"
SEED = os.environ.get("GOVDESK_SCHEMATHESIS_SEED", "2005")


def _schemathesis() -> str:
    exe = Path(sys.executable).with_name("schemathesis")
    found = str(exe) if exe.exists() else shutil.which("schemathesis")
    assert found, "schemathesis is a dev dependency: pip install -e '.[dev]'"
    return found


def _token(base_url: str, username: str = "admin") -> str:
    r = requests.post(f"{base_url}/api/v1/auth/login", timeout=30, json={
        "username": username, "password": "Fujin@2005", "device_id": "schemathesis",
        "device_name": "schemathesis"})
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def _run(base_url: str, token: str, tmp_path: Path, *args: str,
         timeout: float) -> dict[str, Counter[int]]:
    """Run schemathesis; fail with its output on any finding. Returns the status codes
    each operation answered (from its NDJSON report), so a test can check that the
    run got past authentication."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    report = tmp_path / "events.ndjson"
    cmd = [
        _schemathesis(), "run", f"{base_url}/openapi.json",
        "-H", f"Authorization: Bearer {token}",
        "--checks", CHECKS, "--seed", SEED, "--no-color", "--request-timeout", "10",
        "--generation-database", "none", "--report", "ndjson",
        "--report-ndjson-path", str(report), *args,
    ]
    proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=timeout)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"schemathesis found problems:\n{output[-20000:]}"
    statuses: dict[str, Counter[int]] = {}
    for line in report.read_text(encoding="utf-8").splitlines():
        event = json.loads(line).get("ScenarioFinished")
        if not event:
            continue
        recorder = event["recorder"]
        cases = recorder.get("cases", {})
        for case_id, interaction in recorder.get("interactions", {}).items():
            case = cases.get(case_id, {}).get("value", {})
            # Stateful scenarios mix operations under one label: name each call's own.
            label = recorder["label"]
            if case.get("method") and case.get("path") and event.get("phase") == "stateful":
                label = f"{case['method'].upper()} {case['path']}"
            response = interaction.get("response")
            if response:
                statuses.setdefault(label, Counter())[response["status_code"]] += 1
    return statuses


@pytest.fixture(scope="module")
def platform() -> Iterator[EmbeddedPlatform]:
    with EmbeddedPlatform(demo=True) as p:
        yield p


def _operations(base_url: str) -> set[str]:
    schema = requests.get(f"{base_url}/openapi.json", timeout=30).json()
    return {f"{method.upper()} {path}" for path, item in schema["paths"].items()
            for method in item}


def test_every_endpoint_but_logout_and_events(platform: EmbeddedPlatform, tmp_path: Path) -> None:
    statuses = _run(platform.base_url, _token(platform.base_url), tmp_path,
                    "--max-examples", "10", "--max-time", "60",
                    "--exclude-path", "/api/v1/auth/logout", "--exclude-path", "/api/v1/events",
                    timeout=240)
    expected = _operations(platform.base_url) - {"POST /api/v1/auth/logout", "GET /api/v1/events"}
    assert expected <= set(statuses), expected - set(statuses)
    # The token held all along: every operation answered something besides 401.
    # (/auth/refresh takes a refresh token in its body, never the bearer one.)
    unauthorised = [op for op in expected - {"POST /api/v1/auth/refresh"}
                    if not set(statuses[op]) - {401}]
    assert not unauthorised, unauthorised


def test_event_stream_and_logout(tmp_path: Path) -> None:
    # Tokens of this platform expire after 20 s, which ends every event stream it opens
    # (long enough for schemathesis to start and open one on a loaded machine).
    with EmbeddedPlatform(demo=True, env={"GOVDESK_ACCESS_TTL": "20"}) as short:
        statuses = _run(short.base_url, _token(short.base_url), tmp_path / "events",
                        "--max-examples", "3", "--max-time", "15", "--phases", "coverage,fuzzing",
                        "--include-path", "/api/v1/events", timeout=120)
        assert statuses["GET /api/v1/events"][200] >= 1, statuses
        statuses = _run(short.base_url, _token(short.base_url), tmp_path / "logout",
                        "--max-examples", "5", "--max-time", "10", "--phases", "coverage,fuzzing",
                        "--include-path", "/api/v1/auth/logout", timeout=120)
        assert statuses["POST /api/v1/auth/logout"], statuses
