"""Helpers for the workflow/notice/admin tests: a small county in a real platform
subprocess, and signed-in HTTP clients that pull their feed and sign like the client.

The county is created in the test process with server.directory on the platform's own
SQLite file (WAL: both processes may write); everything else goes over HTTP.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from protocol.canonical import document_digest, signoff_message
from protocol.signing import Signer, generate_keypair

PASSWORD = "Secret#2005"
TIMEOUT = 30
_counter = itertools.count(1)


def uid() -> str:
    return uuid.uuid4().hex


@contextlib.contextmanager
def running_platform(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A platform subprocess without demo data on the backend named by `request.param`
    ("sqlite", or "postgresql": a fresh database on GOVDESK_TEST_PG_URL)."""
    from server.db import close_database
    from server.embedded import EmbeddedPlatform
    from tests.support.postgres import fresh_pg_database

    if getattr(request, "param", "sqlite") == "postgresql":
        with fresh_pg_database(request.getfixturevalue("pg_url")) as url, EmbeddedPlatform(
            url, demo=False
        ) as running:
            yield running
            close_database()  # this process's connection, before the database is dropped
    else:
        with EmbeddedPlatform(demo=False) as running:
            yield running
            close_database()


class Api:
    """One signed-in user: HTTP calls, ops, and a local copy of their change feed."""

    def __init__(self, base_url: str, username: str, password: str = PASSWORD) -> None:
        self.base_url = base_url
        self.password = password
        self.http = requests.Session()
        r = self.http.post(f"{base_url}/api/v1/auth/login", timeout=TIMEOUT, json={
            "username": username, "password": password, "device_id": f"dev-{username}",
            "device_name": "测试机"})
        assert r.status_code == 200, r.text
        body = r.json()
        self.user: dict[str, Any] = body["user"]
        self.id: str = self.user["id"]
        self.http.headers["Authorization"] = f"Bearer {body['access_token']}"
        self.cursor: str | None = None
        self.state: dict[tuple[str, str], dict[str, Any]] = {}
        self.deleted: set[tuple[str, str]] = set()
        self.signer: Signer | None = None

    # --- plain HTTP ---
    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.http.get(self.base_url + path, timeout=TIMEOUT, **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> requests.Response:
        return self.http.post(self.base_url + path, json=json, timeout=TIMEOUT, **kw)

    def put_blob(self, data: bytes, media_type: str = "application/pdf") -> str:
        sha = hashlib.sha256(data).hexdigest()
        r = self.http.put(f"{self.base_url}/api/v1/blobs/{sha}", data=data, timeout=TIMEOUT,
                          headers={"Content-Type": media_type})
        assert r.status_code in (200, 201), r.text
        return sha

    # --- ops ---
    def ops(self, ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
        r = self.post("/api/v1/ops", {"ops": ops})
        assert r.status_code == 200, r.text
        return r.json()["results"]

    def op(self, op_type: str, data: dict[str, Any], op_id: str | None = None) -> dict[str, Any]:
        return self.ops([{"op_id": op_id or uid(), "type": op_type, "data": data}])[0]

    def enrolment_code(self) -> str:
        """A one-time code for this user, as county IT issues it (the test process shares
        the platform's database)."""
        from server import enrolment

        return enrolment.issue_code(self.id, issued_by="test").code

    def enrol(self, kp: Any, *, code: str | None = None,
              password: str | None = None) -> requests.Response:
        return self.post("/api/v1/keys/enrol", {
            "key_id": kp.key_id, "algorithm": kp.algorithm, "public_key": kp.public_b64,
            "password": self.password if password is None else password,
            "enrolment_code": self.enrolment_code() if code is None else code})

    def register_key(self, algorithm: str = "ed25519") -> Signer:
        kp = generate_keypair(algorithm)
        r = self.enrol(kp)
        assert r.status_code == 201, r.text
        self.signer = Signer.from_keypair(kp, self.id)
        return self.signer

    # --- feed ---
    def pull(self) -> dict[tuple[str, str], dict[str, Any]]:
        while True:
            params: dict[str, Any] = {"limit": 200}
            if self.cursor:
                params["cursor"] = self.cursor
            r = self.get("/api/v1/changes", params=params)
            assert r.status_code == 200, r.text
            page = r.json()
            for ch in page["changes"]:
                key = (ch["type"], ch["id"])
                if ch["op"] == "upsert":
                    self.state[key] = ch["data"]
                    self.deleted.discard(key)
                else:
                    self.state.pop(key, None)
                    self.deleted.add(key)
            self.cursor = page["cursor"]
            if not page["has_more"]:
                return self.state

    def objects(self, obj_type: str, **match: Any) -> list[dict[str, Any]]:
        return [d for (t, _), d in self.state.items()
                if t == obj_type and all(d.get(k) == v for k, v in match.items())]

    def my_pending(self, document_id: str, kind: str | None = None) -> dict[str, Any]:
        """The one pending task of this user on the document (after a pull)."""
        tasks = [t for t in self.objects("task", document_id=document_id, assignee_id=self.id,
                                         status="pending") if kind in (None, t["kind"])]
        assert len(tasks) == 1, tasks
        return tasks[0]

    # --- sign-off ---
    def signoff_data(
        self, task: dict[str, Any], decision: str, *, text: str = "", forward_to: list[str] = (),
        circulate_to: list[str] | None = None, handwriting_sha256: str | None = None,
        signed_at: str | None = None, signer: Signer | None = None,
    ) -> dict[str, Any]:
        """The task.complete data the client would send, signed over the digest the user
        sees (recomputed from the document in the pulled feed)."""
        signer = signer or self.signer
        assert signer is not None, "register a key first"
        if signed_at is None:  # now: the platform bounds the signer's claimed time
            from datetime import UTC, datetime

            signed_at = datetime.now(UTC).isoformat(timespec="seconds")
        doc = self.state[("document", task["document_id"])]
        digest = document_digest(doc)
        message = signoff_message(
            task_id=task["id"], document_id=doc["id"], document_digest=digest,
            decision=decision, text=text, handwriting_sha256=handwriting_sha256,
            forward_to=list(forward_to), signer_id=self.id, signed_at=signed_at,
        )
        data = {"task_id": task["id"], "decision": decision, "text": text,
                "handwriting_sha256": handwriting_sha256, "forward_to": list(forward_to),
                "signed_at": signed_at, "signature": signer.sign(message),
                "document_digest": digest}
        if circulate_to is not None:
            data["circulate_to"] = circulate_to
        return data

    def sign(self, document_id: str, decision: str, **kw: Any) -> dict[str, Any]:
        """Pull, then complete this user's pending task on the document."""
        self.pull()
        task = self.my_pending(document_id)
        return self.op("task.complete", self.signoff_data(task, decision, **kw))


@dataclass
class County:
    """Units and user names of one test county (names are unique per county)."""

    tag: str
    units: dict[str, str] = field(default_factory=dict)     # short name -> unit id
    users: dict[str, str] = field(default_factory=dict)     # short name -> username
    ids: dict[str, str] = field(default_factory=dict)       # short name -> user id


# short name -> (unit, roles, title)
PEOPLE = {
    "admin": ("info", ["admin"], "网络管理员"),
    "clerk": ("office", ["clerk"], "文书"),
    "proposer": ("office", ["staff"], "办公室主任"),
    "reader": ("office", ["staff"], "秘书"),
    "publisher": ("office", ["publisher"], "信息科科长"),
    "mayor": ("gov", ["leader"], "市长"),
    "deputy": ("gov", ["leader"], "副市长"),
    "h1": ("finance", ["staff"], "局长"),
    "h2": ("finance", ["staff"], "科员"),
    "h3": ("finance", ["staff"], "科员"),
    "h4": ("finance", ["staff"], "科员"),
    "town_a": ("town_a", ["staff"], "镇长"),
    "town_a_clerk": ("town_a", ["clerk"], "文书"),
    "town_b": ("town_b", ["staff"], "党政办主任"),
    "village": ("village_a", ["staff"], "村主任"),
}


def make_county(db_url: str, only: list[str] | None = None) -> County:
    """Create a county (in the platform's database, from this process); `only` limits the
    people created (password hashing is what makes this slow)."""
    from server import directory
    from server.db import init_database

    init_database(db_url)
    n = next(_counter)
    tag = f"c{n}{uuid.uuid4().hex[:4]}"
    county = County(tag)
    root = directory.create_unit(f"富锦市{tag}", "county", unit_id=f"{tag}-root")
    units = {
        "gov": ("市政府", "county"), "office": ("市政府办公室", "office"),
        "finance": ("市财政局", "bureau"), "info": ("市信息中心", "office"),
        "town_a": ("砚山镇", "town"), "town_b": ("长安镇", "town"),
    }
    county.units["root"] = root.id
    for short, (name, kind) in units.items():
        county.units[short] = directory.create_unit(
            name, kind, unit_id=f"{tag}-{short}", parent_id=root.id).id
    county.units["village_a"] = directory.create_unit(
        "砚山村", "village", unit_id=f"{tag}-village_a", parent_id=county.units["town_a"]).id
    for short, (unit, roles, title) in PEOPLE.items():
        if only is not None and short not in only:
            continue
        username = f"{tag}_{short}"
        user = directory.create_user(username, PASSWORD, f"{short}-{tag}", county.units[unit],
                                     roles, title)
        county.users[short] = username
        county.ids[short] = user.id
    return county


def sign_in(base_url: str, county: County, keys: Iterable[str] | None = ()) -> dict[str, Api]:
    """An Api for each of the county's people (short name -> Api); `keys` names those who
    register a signing key (None: everyone)."""
    apis = {short: Api(base_url, username) for short, username in county.users.items()}
    for short in apis if keys is None else keys:
        apis[short].register_key()
    return apis


def register(clerk: Api, county: County, *, propose_to: list[str] | None = None,
             title: str = "关于做好2005年秋季防火工作的通知", **extra: Any) -> dict[str, Any]:
    """Upload a body and register a document through the admin API; returns its JSON."""
    body = f"%PDF-1.4 测试正文 {uid()}".encode()
    sha = clerk.put_blob(body)
    att = clerk.put_blob(f"附件 {uid()}".encode(), "text/plain; charset=utf-8")
    payload = {
        "doc_number": "佳政函〔2004〕85号", "issuer": "佳木斯市人民政府", "doc_type": "函",
        "title": title, "urgency": "urgent", "signatory": "张三",
        "main_recipients": ["各县（市）区人民政府"], "cc": [], "issued_on": "2004-10-19",
        "notes": "", "body_sha256": sha, "attachments": [{"name": "附件1.txt", "sha256": att}],
        "propose_to": propose_to or [county.ids["proposer"]],
        **extra,
    }
    r = clerk.post("/api/v1/admin/documents", payload)
    assert r.status_code == 201, r.text
    return r.json()


def doc_keys(api: Api, document_id: str) -> set[tuple[str, str]]:
    """Keys in the user's feed state that belong to the document (document, tasks, opinions)."""
    out = set()
    for (t, i), d in api.state.items():
        if (t == "document" and i == document_id) or (
            t in ("task", "opinion") and d.get("document_id") == document_id
        ):
            out.add((t, i))
    return out
