"""The admin/clerk API (/api/v1/admin) and the register-document command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from server.embedded import REPO_ROOT, EmbeddedPlatform
from tests.server.workflow_helpers import (
    PASSWORD,
    Api,
    County,
    make_county,
    register,
    sign_in,
    uid,
)


@pytest.fixture(scope="module")
def county(live: EmbeddedPlatform) -> County:
    return make_county(live.db_url, only=[
        "admin", "clerk", "proposer", "publisher", "town_a_clerk", "h1",
    ])


@pytest.fixture(scope="module")
def people(live: EmbeddedPlatform, county: County) -> dict[str, Api]:
    return sign_in(live.base_url, county)


def _problem(r: requests.Response, status: int, code: str | None = None) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    if code:
        assert body["code"] == code, body
    return body


def test_users_units_keys(live: EmbeddedPlatform, people: dict[str, Api],
                          county: County) -> None:
    admin = people["admin"]
    r = admin.post("/api/v1/admin/units", {"name": "锦山镇", "kind": "town",
                                           "parent_id": county.units["root"]})
    assert r.status_code == 201, r.text
    unit = r.json()
    assert unit["parent_id"] == county.units["root"]
    assert unit["id"] in {u["id"] for u in admin.get("/api/v1/admin/units").json()["units"]}
    _problem(admin.post("/api/v1/admin/units", {"name": "x", "kind": "town",
                                                "parent_id": "nope"}), 422)

    username = f"{county.tag}_u{uid()[:6]}"
    r = admin.post("/api/v1/admin/users", {"username": username, "password": PASSWORD,
                                           "display_name": "孙海涛", "unit_id": unit["id"],
                                           "roles": ["staff"], "title": "镇长"})
    assert r.status_code == 201, r.text
    user = r.json()
    assert "password_hash" not in user and user["active"] is True
    _problem(admin.post("/api/v1/admin/users", {"username": username, "password": PASSWORD,
                                                "display_name": "x", "unit_id": unit["id"],
                                                "roles": ["staff"]}), 409, "user.exists")
    _problem(admin.post("/api/v1/admin/users", {"username": "y", "password": PASSWORD,
                                                "display_name": "x", "unit_id": unit["id"],
                                                "roles": ["king"]}), 422)
    listed = admin.get("/api/v1/admin/users", params={"unit_id": unit["id"]}).json()["users"]
    assert [u["username"] for u in listed] == [username]

    # Reset password: the old one stops working, the new one signs in.
    r = admin.post(f"/api/v1/admin/users/{user['id']}/password", {"password": "Neu#20051019"})
    assert r.status_code == 204, r.text
    newcomer = Api(live.base_url, username, "Neu#20051019")
    newcomer.register_key()
    keys = admin.get("/api/v1/admin/keys", params={"user_id": user["id"]}).json()["keys"]
    assert [k["id"] for k in keys] == [newcomer.signer.key_id]
    r = admin.post(f"/api/v1/admin/keys/{newcomer.signer.key_id}/revoke")
    assert r.status_code == 200 and r.json()["revoked_at"]
    _problem(admin.post(f"/api/v1/admin/keys/{newcomer.signer.key_id}/revoke"), 409,
             "key.revoked")
    _problem(admin.post("/api/v1/admin/keys/nokey/revoke"), 404, "key.not_found")

    # Deactivate: sessions end, sign-in refused; twice is 409; self is 409.
    r = admin.post(f"/api/v1/admin/users/{user['id']}/deactivate")
    assert r.status_code == 200 and r.json()["active"] is False
    assert newcomer.get("/api/v1/changes").status_code == 401
    _problem(admin.post(f"/api/v1/admin/users/{user['id']}/deactivate"), 409, "user.inactive")
    _problem(admin.post(f"/api/v1/admin/users/{admin.id}/deactivate"), 409, "user.self")
    _problem(admin.post("/api/v1/admin/users/nobody/deactivate"), 404, "user.not_found")


def test_roles_are_checked(live: EmbeddedPlatform, people: dict[str, Api]) -> None:
    for short in ("clerk", "proposer", "publisher"):
        api = people[short]
        _problem(api.get("/api/v1/admin/users"), 403, "auth.forbidden")
        _problem(api.post("/api/v1/admin/units", {"name": "x", "kind": "town"}), 403)
        _problem(api.post("/api/v1/admin/keys/x/revoke"), 403)
    _problem(people["proposer"].get("/api/v1/admin/documents"), 403)
    _problem(people["h1"].post("/api/v1/admin/notices/x/withdraw"), 403)
    r = requests.get(f"{live.base_url}/api/v1/admin/documents", timeout=10)
    _problem(r, 401)
    _problem(people["admin"].post("/api/v1/admin/users", json=None,
                                  data=b"{not json", headers={"Content-Type": "application/json"}),
             400)


def test_document_list_and_detail(people: dict[str, Api], county: County) -> None:
    clerk = people["clerk"]
    doc = register(clerk, county, title=f"清单 {uid()}")
    listed = clerk.get("/api/v1/admin/documents", params={"status": "registered"}).json()
    entry = next(d for d in listed["documents"] if d["id"] == doc["id"])
    assert entry["pending_tasks"] == 1 and listed["total"] >= 1
    assert all(d["status"] == "registered" for d in listed["documents"])
    assert not any(d["id"] == doc["id"] for d in clerk.get(
        "/api/v1/admin/documents", params={"status": "completed"}).json()["documents"])
    _problem(clerk.get("/api/v1/admin/documents", params={"status": "lost"}), 422)
    # Another unit's clerk neither lists nor opens it.
    other = people["town_a_clerk"]
    assert not any(d["id"] == doc["id"] for d in other.get("/api/v1/admin/documents").json()[
        "documents"])
    _problem(other.get(f"/api/v1/admin/documents/{doc['id']}"), 404, "document.not_found")
    _problem(clerk.get("/api/v1/admin/documents/nope"), 404, "document.not_found")
    detail = clerk.get(f"/api/v1/admin/documents/{doc['id']}").json()
    assert [t["kind"] for t in detail["tasks"]] == ["propose"] and detail["opinions"] == []
    _problem(clerk.post("/api/v1/admin/tasks/nope/cancel"), 404, "task.not_found")
    task_id = detail["tasks"][0]["id"]
    _problem(clerk.post(f"/api/v1/admin/tasks/{task_id}/reroute",
                        {"assignee_id": county.ids["proposer"]}), 409, "task.same_assignee")
    _problem(clerk.post(f"/api/v1/admin/tasks/{task_id}/reroute", {"assignee_id": "ghost"}), 422)


def test_openapi_documents_problem_responses(live: EmbeddedPlatform) -> None:
    spec = requests.get(f"{live.base_url}/openapi.json", timeout=10).json()
    admin_ops = [(path, op) for path, item in spec["paths"].items()
                 if path.startswith("/api/v1/admin/") for op in item.values()]
    assert len(admin_ops) >= 15
    for path, op in admin_ops:
        for status in ("400", "401", "403", "404", "409", "422"):
            assert status in op["responses"], (path, status)
            assert "application/problem+json" in op["responses"][status]["content"]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "server", "register-document", *args],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)


def test_register_document_cli(live: EmbeddedPlatform, people: dict[str, Api],
                               county: County, tmp_path: Path) -> None:
    body = tmp_path / "body.txt"
    body.write_text("富锦市人民政府办公室：\n现将有关事项通知如下。", encoding="utf-8")
    att = tmp_path / "附件1.txt"
    att.write_text("名单", encoding="utf-8")
    base = ["--db", live.db_url, "--file", str(body), "--doc-number", "佳政办发〔2005〕12号",
            "--issuer", "佳木斯市人民政府办公室", "--doc-type", "通知",
            "--title", "关于开展电子政务检查的通知", "--urgency", "very_urgent",
            "--signatory", "王五", "--issued-on", "2005-10-18",
            "--to-unit", county.units["office"], "--clerk", county.users["clerk"],
            "--propose-to", county.users["proposer"]]
    done = _cli(*base, "--attach", str(att), "--due-days", "3")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["urgency"] == "very_urgent" and doc["attachments"][0]["name"] == "附件1.txt"
    assert doc["body"]["media_type"].startswith("text/plain")
    proposer = people["proposer"]
    proposer.pull()
    task = proposer.my_pending(doc["id"])
    assert task["due_at"] is not None
    assert proposer.get(f"/api/v1/blobs/{doc['body']['sha256']}").content == body.read_bytes()

    refused = _cli(*base, "--classification", "secret")
    assert refused.returncode == 1 and "document.classified" in refused.stderr
    missing = _cli(*[a if a != str(body) else str(tmp_path / "gone.pdf") for a in base])
    assert missing.returncode == 1 and "cannot read" in missing.stderr
    nobody = _cli(*base[:-1], "nobody")
    assert nobody.returncode == 1 and "no user" in nobody.stderr
    assert _cli("--db", live.db_url).returncode == 2


def test_series_and_seals_by_api_and_command_line(live: EmbeddedPlatform,
                                                  people: dict[str, Api],
                                                  county: County, tmp_path: Path) -> None:
    from tests.server.outgoing_helpers import tiny_png

    admin, h1 = people["admin"], people["h1"]
    office = county.units["office"]
    r = admin.post(f"/api/v1/admin/units/{office}/series",
                   {"prefix": "富政办发", "label": "富锦市人民政府办公室"})
    assert r.status_code == 200, r.text
    assert r.json()["series"] == [{"prefix": "富政办发", "label": "富锦市人民政府办公室"}]
    _problem(admin.post(f"/api/v1/admin/units/{office}/series", {"prefix": "富政〔2026〕"}),
             422, "series.invalid")
    _problem(h1.post(f"/api/v1/admin/units/{office}/series", {"prefix": "富财发"}), 403,
             "auth.forbidden")
    # The seal: a PNG the admin uploaded; anything else is refused.
    not_png = admin.put_blob(b"GIF89a not a seal", "image/gif")
    _problem(admin.post(f"/api/v1/admin/units/{office}/seal", {"sha256": not_png}), 422,
             "seal.not_png")
    foreign = h1.put_blob(tiny_png() + uid().encode(), "image/png")
    _problem(admin.post(f"/api/v1/admin/units/{office}/seal", {"sha256": foreign}), 422,
             "blob.not_found")
    seal = admin.put_blob(tiny_png(), "image/png")
    r = admin.post(f"/api/v1/admin/units/{office}/seal", {"sha256": seal})
    assert r.status_code == 200 and r.json()["has_seal"] is True, r.text
    h1.pull()
    assert h1.state[("unit", office)]["has_seal"] is True  # everyone's directory

    # The same from the command line.
    town = county.units["town_a"]
    png = tmp_path / "seal.png"
    png.write_bytes(tiny_png())

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "server", *args, "--db", live.db_url],
                              cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)

    done = cli("add-series", "--unit", town, "--prefix", "砚政发")
    assert done.returncode == 0 and "砚政发" in done.stdout, done.stderr
    done = cli("set-seal", "--unit", town, "--png", str(png))
    assert done.returncode == 0, done.stderr
    bad = cli("set-seal", "--unit", town, "--png", str(png) + ".missing")
    assert bad.returncode == 1 and "cannot read" in bad.stderr
    bad = cli("add-series", "--unit", "没有这个单位", "--prefix", "无发")
    assert bad.returncode == 1 and "no unit" in bad.stderr
    h1.pull()
    unit = h1.state[("unit", town)]
    assert unit["has_seal"] and unit["series"] == [{"prefix": "砚政发", "label": ""}]
