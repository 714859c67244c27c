"""Issue 13, High 1: a bearer token alone gives no power to sign.

Against a real platform process: a thief holding only the mayor's access token cannot
register a key (the op is refused, the enrolment endpoint wants the password and a
one-time code county IT issued to the mayor), and what he signs with a key of his own
is refused. The mayor's own enrolment works end to end from the command line, is
audited, and his other PC announces it.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import uuid
from pathlib import Path

import requests

from protocol.signing import generate_keypair
from tests.sync.synckit import PASSWORD, REPO, raw_session, run_cli, use_home

MAYOR = "zhangjianguo"


def _enrol(base: str, headers: dict[str, str], kp, *, password: str, code: str
           ) -> requests.Response:
    return requests.post(f"{base}/api/v1/keys/enrol", headers=headers, timeout=10, json={
        "key_id": kp.key_id, "algorithm": kp.algorithm, "public_key": kp.public_b64,
        "password": password, "enrolment_code": code})


def _audit(platform, user: str) -> list[dict]:
    proc = subprocess.run([sys.executable, "-m", "server", "audit", "--db", platform.db_url,
                           "--user", user, "--limit", "100"], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]


def test_a_stolen_token_cannot_register_a_key_nor_sign(fresh_platform) -> None:
    platform = fresh_platform
    base = platform.base_url
    stolen = raw_session(platform, MAYOR)  # all the thief has
    kp = generate_keypair("ed25519")
    # The op of PROTOCOL: refused whatever the key.
    r = requests.post(f"{base}/api/v1/ops", headers=stolen, timeout=10, json={"ops": [{
        "op_id": str(uuid.uuid4()), "type": "key.register",
        "data": {"key_id": kp.key_id, "algorithm": "ed25519", "public_key": kp.public_b64}}]})
    [result] = r.json()["results"]
    assert (result["status"], result["code"]) == ("rejected", "key.enrolment_required")
    # The enrolment endpoint: without the password, a valid code is worth nothing...
    code = platform.issue_enrolment_code(MAYOR)
    r = _enrol(base, stolen, kp, password="guess-1", code=code)
    assert r.status_code == 403 and r.json()["code"] == "key.enrolment_refused"
    # ...without a code of his own the password is worth nothing either: a made-up
    # code, and a code issued to somebody else, get the same answer.
    for wrong in ("ABCD-EFGH-JKLM", platform.issue_enrolment_code("wangli")):
        r = _enrol(base, stolen, kp, password=PASSWORD, code=wrong)
        assert r.status_code == 403 and r.json()["code"] == "key.enrolment_refused"
    keys = requests.get(f"{base}/api/v1/changes", headers=stolen, params={"limit": 1000},
                        timeout=30).json()["changes"]
    assert kp.key_id not in {c["id"] for c in keys if c["type"] == "key"}
    # With both: enrolled; the code is spent, a second use is refused.
    r = _enrol(base, stolen, kp, password=PASSWORD, code=code)
    assert r.status_code == 201, r.text
    assert r.json()["device_name"] == "test" and r.json()["created_at"]
    other = generate_keypair("ed25519")
    r = _enrol(base, stolen, other, password=PASSWORD, code=code)
    assert r.status_code == 403 and r.json()["code"] == "key.enrolment_refused"
    # Every attempt is in the audit trail, the refusals with their reason.
    events = _audit(platform, MAYOR)
    actions = [e["action"] for e in events]
    assert actions.count("key.enrolled") == 1
    assert [e["detail"]["reason"] for e in events if e["action"] == "key.enrolment_refused"
            ] == ["code", "code", "code", "password"]  # newest first
    assert actions.count("enrolment_code.issued") >= 2


def test_enrolment_end_to_end_on_the_command_line(fresh_platform, monkeypatch,
                                                  tmp_path: Path) -> None:
    platform = fresh_platform
    env = {"GOVDESK_PASSWORD": PASSWORD}
    pc1, pc2 = tmp_path / "pc1", tmp_path / "pc2"

    def on(home: Path) -> None:
        use_home(monkeypatch, home)
        monkeypatch.setenv("GOVDESK_TEST_KEYRING_FILE", str(home.parent / f"{home.name}.json"))

    # PC1: the code given at sign-in enrols the key at once.
    on(pc1)
    first = run_cli("login", "--server", platform.base_url, "--user", MAYOR, "--sync",
                    "--enrolment-code", platform.account(MAYOR)["enrolment_code"], env=env)
    assert first.returncode == 0, first.stderr
    assert "本机签名密钥已启用" in first.stdout

    # PC2: signed in without a code: told how to enrol, and signing is refused.
    on(pc2)
    login = run_cli("login", "--server", platform.base_url, "--user", MAYOR, "--sync", env=env)
    assert login.returncode == 0, login.stderr
    assert "尚未启用" in login.stdout and "keys --enrol" in login.stdout
    todo = json.loads(run_cli("inbox", "--view", "todo", "--json").stdout)["rows"]
    task = next(r for r in todo if r["task_kind"] == "instruct")
    refused = run_cli("sign", task["task_id"], "--decision", "approve", "--text", "同意。")
    assert refused.returncode != 0 and "签名密钥尚未启用" in refused.stderr, refused.stderr
    # A wrong code: a clear refusal, nothing enrolled.
    wrong = run_cli("keys", "--enrol", "AAAA-BBBB-CCCC", env=env)
    assert wrong.returncode != 0 and "启用码" in wrong.stderr, wrong.stderr
    # The right one (with the password again): enrolled, and the sign-off goes through.
    ok = run_cli("keys", "--enrol", platform.issue_enrolment_code(MAYOR), env=env)
    assert ok.returncode == 0, ok.stderr
    assert "已启用本机签名密钥" in ok.stdout
    signed = run_cli("sign", task["task_id"], "--decision", "approve", "--text", "同意。")
    assert signed.returncode == 0, signed.stdout + signed.stderr
    assert run_cli("sync").returncode == 0
    pc2_key = json.loads(Path(next(pc2.rglob("profile.json"))).read_text())["enrolled_key_id"]
    assert pc2_key

    # PC1 is told, once, that a key was enrolled for the mayor on another device.
    on(pc1)
    told = run_cli("sync")
    assert told.returncode == 0, told.stderr
    assert "安全提示" in told.stdout and pc2_key in told.stdout
    assert "安全提示" not in run_cli("sync").stdout


def test_admin_issues_codes_by_api_and_cli_only(fresh_platform) -> None:
    platform = fresh_platform
    admin = raw_session(platform, "admin")
    mayor_id = platform.account(MAYOR)["user_id"]
    r = requests.post(f"{platform.base_url}/api/v1/admin/users/{mayor_id}/enrolment-codes",
                      headers=admin, json={"ttl_hours": 1}, timeout=10)
    assert r.status_code == 201, r.text
    assert len(r.json()["code"].replace("-", "")) == 12
    # A user cannot issue a code to himself.
    mayor = raw_session(platform, MAYOR)
    r = requests.post(f"{platform.base_url}/api/v1/admin/users/{mayor_id}/enrolment-codes",
                      headers=mayor, json={}, timeout=10)
    assert r.status_code == 403
    # Only the code's hash is stored.
    code = platform.issue_enrolment_code(MAYOR)
    db = sqlite_rows(platform, "SELECT code_hash FROM enrolment_code")
    digest = hashlib.sha256(code.replace("-", "").encode()).hexdigest()
    assert (digest,) in db and not any(code in str(row) for row in db)


def sqlite_rows(platform, sql: str) -> list[tuple]:
    from tests.sync.synckit import platform_db

    with platform_db(platform) as conn:
        return list(conn.execute(sql))


def test_weak_and_off_curve_keys_are_refused_by_the_platform(fresh_platform) -> None:
    """Issue 13, finding 10, against the platform: an identity-point Ed25519 key and an
    SM2 point off the curve are not enrolled even with password and code."""
    import base64
    import types

    platform = fresh_platform
    headers = raw_session(platform, MAYOR)
    identity = (1).to_bytes(32, "little")
    weak = types.SimpleNamespace(key_id=hashlib.sha256(identity).hexdigest()[:16],
                                 algorithm="ed25519", public_b64=base64.b64encode(identity).decode())
    r = _enrol(platform.base_url, headers, weak, password=PASSWORD,
               code=platform.issue_enrolment_code(MAYOR))
    assert r.status_code == 422 and r.json()["code"] == "key.small_order", r.text
    sm2 = generate_keypair("sm2-sm3")
    raw = bytearray(base64.b64decode(sm2.public_b64))
    raw[-1] ^= 1
    off = types.SimpleNamespace(key_id=hashlib.sha256(bytes(raw)).hexdigest()[:16],
                                algorithm="sm2-sm3", public_b64=base64.b64encode(bytes(raw)).decode())
    r = _enrol(platform.base_url, headers, off, password=PASSWORD,
               code=platform.issue_enrolment_code(MAYOR))
    assert r.status_code == 422 and r.json()["code"] == "key.invalid_public_key", r.text
