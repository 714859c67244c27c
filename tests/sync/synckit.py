"""Helpers of the sync tests: profiles against the real platform, and the platform's view."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from client import models
from client.session import Profile

PASSWORD = "Fujin@2005"
REPO = Path(__file__).resolve().parents[2]


def login(platform: Any, username: str, *, sync: bool = True) -> Profile:
    profile = Profile.login(platform.base_url, username, PASSWORD,
        enrolment_code=platform.issue_enrolment_code(username))
    if sync:
        profile.sync()
    return profile


def now() -> datetime:
    return datetime.now(UTC)


def raw_session(platform: Any, username: str) -> dict[str, str]:
    """Authorization header of a separate device session (the platform's own view)."""
    r = requests.post(f"{platform.base_url}/api/v1/auth/login", timeout=10, json={
        "username": username, "password": PASSWORD, "device_id": f"check-{uuid.uuid4()}",
        "device_name": "test"})
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def platform_view(platform: Any, username: str) -> dict[tuple[str, str], dict[str, Any]]:
    """Every object `username` may see, by a fresh full pull: (type, id) -> data."""
    headers = raw_session(platform, username)
    cursor = None
    objects: dict[tuple[str, str], dict[str, Any]] = {}
    while True:
        params: dict[str, Any] = {"limit": 1000}
        if cursor:
            params["cursor"] = cursor
        r = requests.get(f"{platform.base_url}/api/v1/changes", params=params, headers=headers,
                         timeout=30)
        r.raise_for_status()
        body = r.json()
        for c in body["changes"]:
            if c["op"] == "upsert":
                objects[(c["type"], c["id"])] = c["data"]
            else:
                objects.pop((c["type"], c["id"]), None)
        cursor = body["cursor"]
        if not body["has_more"]:
            return objects


def versions(view: dict[tuple[str, str], dict[str, Any]]) -> dict[tuple[str, str], int]:
    """(type, id) -> version of the objects of the types this client caches (it ignores
    the others, as the protocol says)."""
    return {key: data["version"] for key, data in view.items()
            if key[0] in models.SYNCED_MODELS}


def cache_versions() -> dict[tuple[str, str], int]:
    """(type, id) -> version of every synchronised object in the open cache."""
    out: dict[tuple[str, str], int] = {}
    for kind, model in models.SYNCED_MODELS.items():
        for obj_id, version in model.select(model.id, model.version).tuples():
            out[(kind, obj_id)] = version
    return out


def platform_db(platform: Any) -> sqlite3.Connection:
    """The platform's SQLite file (for what only its database can tell: applied ops)."""
    path = platform.db_url.removeprefix("sqlite:///")
    conn = sqlite3.connect(Path(path), timeout=30)
    conn.execute("PRAGMA busy_timeout = 30000")
    return conn


def pending_tasks(profile: Profile, kind: str | None = None) -> list[models.Task]:
    q = models.Task.select().where((models.Task.assignee_id == profile.user_id)
                                   & (models.Task.status == "pending")
                                   & (models.Task.local_state == ""))
    if kind:
        q = q.where(models.Task.kind == kind)
    return list(q.order_by(models.Task.id))


def sign(profile: Profile, task: models.Task, text: str, decision: str | None = None) -> str:
    assert profile.services is not None
    decision = decision or {"read": "read", "handle": "done"}.get(task.kind, "approve")
    forward: list[str] = []
    if task.kind == "propose" and decision == "approve":
        leader = models.User.get(models.User.username == "zhangjianguo")
        forward = [leader.id]
    result = profile.services.signoff.complete_task(
        task.id, decision=decision, text=text, forward_to=forward, signer=profile.signer(),
        now=now())
    return result.op_id


def run_cli(*args: str, home: Path | None = None, env: dict[str, str] | None = None,
            timeout: float = 120, input_text: str | None = None
            ) -> subprocess.CompletedProcess[str]:
    """`python -m client ARGS` in a subprocess with the test's environment."""
    full_env = dict(os.environ)
    if home is not None:
        full_env["GOVDESK_HOME"] = str(home)
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "client", *args], cwd=REPO, env=full_env,
                          capture_output=True, text=True, timeout=timeout, input=input_text)


def use_home(monkeypatch: Any, path: Path) -> None:
    """Switch to another PC's data directory (GOVDESK_HOME)."""
    monkeypatch.setenv("GOVDESK_HOME", str(path))


def register_document(platform: Any, clerk: dict[str, str], propose_to: list[str], *,
                      title: str, urgency: str = "normal", body: bytes | None = None,
                      doc_number: str | None = None, media_type: str = "application/pdf"
                      ) -> str:
    """A clerk registers an incoming document routed to `propose_to`; returns its id."""
    import hashlib

    body = body if body is not None else f"%PDF-1.4\n% {title}\n".encode() + os.urandom(64)
    sha = hashlib.sha256(body).hexdigest()
    r = requests.put(f"{platform.base_url}/api/v1/blobs/{sha}", data=body, timeout=30,
                     headers={**clerk, "Content-Type": media_type})
    r.raise_for_status()
    r = requests.post(f"{platform.base_url}/api/v1/admin/documents", timeout=30, headers=clerk,
                      json={"doc_number": doc_number or f"佳政函〔2005〕{uuid.uuid4().int % 1000}号",
                            "issuer": "佳木斯市人民政府", "doc_type": "函", "title": title,
                            "urgency": urgency, "issued_on": "2005-10-19",
                            "body_sha256": sha, "propose_to": propose_to})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def demo_copy(demo_template: tuple[Path, list], tmp_path: Path, **platform_args: Any) -> Any:
    """A platform (not started) of its own on a copy of the session's demo database;
    `platform_args` go to EmbeddedPlatform (env, tls)."""
    from server.embedded import EmbeddedPlatform

    src, accounts = demo_template
    dst = tmp_path / "platform" / "platform.db"
    dst.parent.mkdir()
    for suffix in ("", "-wal", "-shm"):
        if Path(str(src) + suffix).exists():
            shutil.copy(str(src) + suffix, str(dst) + suffix)
    running = EmbeddedPlatform(dst, demo=False, **platform_args)
    running.accounts = accounts
    return running
