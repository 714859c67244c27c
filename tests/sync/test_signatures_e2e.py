"""Signed sign-offs end to end: key lifecycle across devices, the exported processing
form checked offline, tampering caught by the client, and no plaintext at rest.

Real platform subprocess (demo county), real client profiles and the real command line.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import requests
from synckit import (
    PASSWORD,
    login,
    pending_tasks,
    platform_view,
    raw_session,
    register_document,
    run_cli,
    sign,
    use_home,
)

from client import models, paths
from client.errors import AuthError, GovDeskError
from client.services import keys, outbox
from client.session import Profile
from client.types import Verdict


def _verdicts(profile: Profile, document_id: str) -> dict[str, Verdict | None]:
    assert profile.services is not None
    return {o.id: o.verdict for o in profile.services.documents.get(document_id).opinions}


def _task_of(op_id: str) -> models.Task:
    item = outbox.get(op_id)
    assert item is not None
    return models.Task.get(models.Task.id == item.data["task_id"])


def _on_pc(monkeypatch, home: Path) -> None:  # type: ignore[no-untyped-def]
    """Another PC: its own data directory and its own OS keyring."""
    use_home(monkeypatch, home)
    monkeypatch.setenv("GOVDESK_TEST_KEYRING_FILE", str(home.parent / f"{home.name}-keyring.json"))


def test_key_lifecycle_across_devices(fresh_platform, monkeypatch, tmp_path) -> None:
    platform = fresh_platform
    pc1, pc2 = tmp_path / "pc1", tmp_path / "pc2"

    # PC1 signs an opinion that the platform accepts.
    _on_pc(monkeypatch, pc1)
    profile = login(platform, "zhangjianguo")
    k1 = profile.info.signing_key_id
    first_op = sign(profile, pending_tasks(profile, "instruct")[0], "同意。请财政局研究办理。")
    doc1 = _task_of(first_op).document_id
    assert profile.sync().pushed == {"applied": 1}
    profile.close()

    # A second device of the same user gets its own key, registered beside the first.
    _on_pc(monkeypatch, pc2)
    profile = login(platform, "zhangjianguo")
    k2 = profile.info.signing_key_id
    assert k2 != k1
    profile.sync()
    mine = {k.key_id: k for k in keys.my_keys(profile.user_id, device_key_id=k2)}
    assert set(mine) >= {k1, k2} and mine[k2].this_device and not mine[k1].this_device
    assert mine[k1].revoked_at is None
    profile.close()

    # PC1 is lost: from PC2 the user revokes PC1's key (command line: op key.revoke).
    listing = run_cli("keys", home=pc2)
    assert listing.returncode == 0 and k1 in listing.stdout and "本机" in listing.stdout
    revoke = run_cli("keys", "--revoke", k1, home=pc2)
    assert revoke.returncode == 0, revoke.stdout + revoke.stderr
    assert "已吊销" in revoke.stdout
    view = platform_view(platform, "lihua")
    assert view[("key", k1)]["revoked_at"] is not None
    assert view[("key", k2)]["revoked_at"] is None
    # Revoking again (already revoked) is refused locally with a clear message.
    again = run_cli("keys", "--revoke", k1, home=pc2)
    assert again.returncode == 1 and "已经吊销" in again.stderr

    # The lost laptop was signed out with its key: what it signs now stays queued.
    _on_pc(monkeypatch, pc1)
    profile = Profile.resume(platform.base_url, "zhangjianguo")
    late_op = sign(profile, pending_tasks(profile, "instruct")[0], "同意。")
    late_doc = _task_of(late_op).document_id
    with pytest.raises(AuthError):
        profile.sync()
    assert outbox.get(late_op).state.value in ("queued", "sent")
    profile.close()

    # Its owner signs in there again with the password: the sign-off made with the revoked
    # key is refused by the platform, the earlier opinion stays valid, and the device
    # gets a new key with which sign-offs apply again once enrolled (issue 13).
    profile = Profile.login(platform.base_url, "zhangjianguo", PASSWORD)
    report = profile.sync()
    assert report.pushed == {"rejected": 1}
    assert outbox.get(late_op).result_code == "signature.key_revoked"
    assert set(_verdicts(profile, doc1).values()) == {Verdict.VALID}
    late = [v for k, v in _verdicts(profile, late_doc).items() if k == f"local:{late_op}"]
    assert late == [Verdict.REVOKED_AFTER]
    k3 = profile.info.signing_key_id
    assert k3 not in (k1, k2)
    # The new key signs nothing before its enrolment: password + a one-time code.
    assert not profile.key_enrolled
    with pytest.raises(GovDeskError) as refused_before:
        profile.signer()
    assert refused_before.value.code == "key.not_enrolled"
    assert profile.enrol_key(PASSWORD, platform.issue_enrolment_code("zhangjianguo")) == k3
    assert profile.signer().key_id == k3
    applied_op = sign(profile, pending_tasks(profile, "instruct")[0], "同意。")
    assert profile.sync().pushed == {"applied": 1}  # the sign-off (k3 enrolled directly)
    assert outbox.get(applied_op).state.value == "done"
    profile.close()
    verify = run_cli("verify", doc1, home=pc1)
    assert verify.returncode == 0 and "签名有效" in verify.stdout, verify.stdout + verify.stderr

    # An administrator revokes PC2's key: PC2 signs no more, and the opinion
    # PC1 signed with its (now also revoked) first key is still valid on PC2.
    admin = raw_session(platform, "admin")
    r = requests.post(f"{platform.base_url}/api/v1/admin/keys/{k2}/revoke", headers=admin,
                      timeout=10)
    assert r.status_code == 200, r.text
    _on_pc(monkeypatch, pc2)
    profile = Profile.resume(platform.base_url, "zhangjianguo")
    profile.sync()
    # It knows its key is revoked: it refuses to sign before the platform has to.
    with pytest.raises(GovDeskError) as refused:
        sign(profile, pending_tasks(profile, "instruct")[0], "同意。")
    assert refused.value.code == "key.not_enrolled"
    assert set(_verdicts(profile, doc1).values()) == {Verdict.VALID}
    listed = {k.key_id: k for k in keys.my_keys(profile.user_id, device_key_id=k2)}
    assert listed[k1].revoked_at and listed[k2].revoked_at and listed[k3].revoked_at is None
    profile.close()


def _demo_document_with_opinions(platform) -> tuple[str, int]:
    profile = login(platform, "zhangjianguo")
    try:
        counts = {}
        for o in models.Opinion.select(models.Opinion.document_id):
            counts[o.document_id] = counts.get(o.document_id, 0) + 1
        doc_id = max(counts, key=lambda d: (counts[d], d))
        assert counts[doc_id] >= 2
        return doc_id, counts[doc_id]
    finally:
        profile.close()


def _tampered(form: dict, path: Path, change) -> Path:  # type: ignore[no-untyped-def]
    copy = json.loads(json.dumps(form))
    change(copy)
    path.write_text(json.dumps(copy, ensure_ascii=False), encoding="utf-8")
    return path


def test_exported_form_verifies_offline_and_catches_tampering(fresh_platform, tmp_path,
                                                              monkeypatch) -> None:
    platform = fresh_platform
    doc_id, n_opinions = _demo_document_with_opinions(platform)
    out = tmp_path / "处理单.json"
    export = run_cli("export", doc_id, "--out", str(out))
    assert export.returncode == 0, export.stderr
    form = json.loads(out.read_text(encoding="utf-8"))
    assert form["format"] == "govdesk-processing-form" and form["document"]["id"] == doc_id
    assert len(form["opinions"]) == n_opinions
    for o in form["opinions"]:
        assert form["keys"][o["signature"]["key_id"]]["user_id"] == o["author_id"]

    ok = run_cli("verify", "--file", str(out))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.count("签名有效") == n_opinions and "未与目录核对" not in ok.stdout
    # On a PC with no account at all (offline, no directory) it checks the file alone.
    alone = run_cli("verify", "--file", str(out), home=tmp_path / "other-pc")
    assert alone.returncode == 0 and alone.stdout.count("签名有效") == n_opinions
    assert "未与目录核对" in alone.stdout

    def text(f: dict) -> None:
        f["opinions"][0]["text"] += "（补充）"

    def decision(f: dict) -> None:
        f["opinions"][-1]["decision"] = "return" if f["opinions"][-1]["decision"] != "return" \
            else "approve"

    def title(f: dict) -> None:
        f["document"]["title"] = f["document"]["title"] + "（修订）"

    bad = run_cli("verify", "--file", str(_tampered(form, tmp_path / "t1.json", text)))
    assert bad.returncode == 1 and bad.stdout.count("签名无效") == 1, bad.stdout
    bad = run_cli("verify", "--file", str(_tampered(form, tmp_path / "t2.json", decision)))
    assert bad.returncode == 1 and bad.stdout.count("签名无效") == 1, bad.stdout
    bad = run_cli("verify", "--file", str(_tampered(form, tmp_path / "t3.json", title)))
    assert bad.returncode == 1 and bad.stdout.count("签名无效") == n_opinions
    assert "公文内容被改动过" in bad.stdout

    # A key missing from the file: unknown. A forged key put in the file for the author
    # (with a fresh signature over the changed text) passes on its own but the
    # directory of a signed-in checker gives the key to nobody.
    def drop_key(f: dict) -> None:
        f["keys"].pop(f["opinions"][0]["signature"]["key_id"])

    bad = run_cli("verify", "--file", str(_tampered(form, tmp_path / "t4.json", drop_key)))
    assert bad.returncode == 1 and "签名密钥未知" in bad.stdout

    from protocol.canonical import document_digest, signoff_message
    from protocol.signing import Signer, generate_keypair

    def forge(f: dict) -> None:
        o = f["opinions"][0]
        o["text"] = "不同意。"
        kp = generate_keypair("ed25519")
        f["keys"][kp.key_id] = {"user_id": o["author_id"], "algorithm": "ed25519",
                                "public_key": kp.public_b64, "revoked_at": None}
        o["signature"] = Signer.from_keypair(kp, o["author_id"]).sign(signoff_message(
            task_id=o["task_id"], document_id=o["document_id"],
            document_digest=document_digest(f["document"]), decision=o["decision"],
            text=o["text"], handwriting_sha256=o["handwriting_sha256"],
            forward_to=o["forward_to"], signer_id=o["author_id"], signed_at=o["signed_at"]))

    forged = _tampered(form, tmp_path / "t5.json", forge)
    caught = run_cli("verify", "--file", str(forged))
    assert caught.returncode == 1 and "不在本机目录中" in caught.stdout, caught.stdout

    # Not a form at all: a clear error, exit 1.
    junk = tmp_path / "junk.json"
    junk.write_bytes(b"\xff\xfe not json")
    bad = run_cli("verify", "--file", str(junk))
    assert bad.returncode == 1 and "处理单文件无效" in bad.stderr
    assert run_cli("verify").returncode == 2  # neither a document nor a file


def test_an_exported_form_needs_the_platforms_receipt_for_each_opinion(
        fresh_platform, tmp_path) -> None:  # noqa: ANN001
    """Issue 13, finding 5: the time a form's opinions count from is the platform's, signed
    by a key its meta publishes; a form whose opinions lack that receipt (what a thief with
    a revoked key would make, dating it before the revocation) is not in order."""
    from protocol.platform_receipt import receipt_message
    from protocol.signing import Signer, generate_keypair

    platform = fresh_platform
    doc_id, n = _demo_document_with_opinions(platform)
    out = tmp_path / "处理单.json"
    assert run_cli("export", doc_id, "--out", str(out)).returncode == 0
    form = json.loads(out.read_text(encoding="utf-8"))
    assert form["version"] == 2 and form["platform_keys"]
    assert all(o["accepted_at"] and o["platform_receipt"] for o in form["opinions"])
    ok = run_cli("verify", "--file", str(out))
    assert ok.returncode == 0 and ok.stdout.count("平台确认收到") == n, ok.stdout

    def no_receipt(f: dict) -> None:
        f["opinions"][0]["platform_receipt"] = None
        f["opinions"][0]["accepted_at"] = None

    bad = run_cli("verify", "--file", str(_tampered(form, tmp_path / "r1.json", no_receipt)))
    assert bad.returncode == 1 and bad.stdout.count("无平台确认回执") == 1, bad.stdout

    def borrowed(f: dict) -> None:  # another opinion's receipt
        f["opinions"][0]["platform_receipt"] = f["opinions"][1]["platform_receipt"]
        f["opinions"][0]["accepted_at"] = f["opinions"][1]["accepted_at"]

    bad = run_cli("verify", "--file", str(_tampered(form, tmp_path / "r2.json", borrowed)))
    assert bad.returncode == 1 and "平台回执无效" in bad.stdout, bad.stdout

    def earlier(f: dict) -> None:
        f["opinions"][0]["accepted_at"] = "2001-01-01T09:00:00+08:00"

    bad = run_cli("verify", "--file", str(_tampered(form, tmp_path / "r3.json", earlier)))
    assert bad.returncode == 1 and "平台回执无效" in bad.stdout, bad.stdout

    # A whole fake platform in the file (its own key, receipts re-signed with it): the
    # file is consistent on its own, but a signed-in checker's platform never published it.
    fake = Signer.from_keypair(generate_keypair("ed25519"), "platform")
    from protocol.canonical import document_digest, signoff_message
    from protocol.platform_receipt import signed_subject
    from protocol.signing import public_key_from_private

    def fake_platform(f: dict) -> None:
        f["platform_keys"] = [{"key_id": fake.key_id, "algorithm": "ed25519",
                               "public_key": public_key_from_private("ed25519",
                                                                     fake.private_bytes),
                               "created_at": "2000-01-01T00:00:00+08:00", "retired_at": None}]
        for o in f["opinions"]:
            message = signoff_message(
                task_id=o["task_id"], document_id=o["document_id"],
                document_digest=document_digest(f["document"]), decision=o["decision"],
                text=o["text"], handwriting_sha256=o["handwriting_sha256"],
                forward_to=o["forward_to"], signer_id=o["author_id"], signed_at=o["signed_at"])
            o["platform_receipt"] = fake.sign(receipt_message(
                kind="opinion", object_id=o["id"], accepted_at=o["accepted_at"],
                subject_digest=signed_subject(message, o["signature"]["value"])))

    faked = _tampered(form, tmp_path / "r4.json", fake_platform)
    caught = run_cli("verify", "--file", str(faked))
    assert caught.returncode == 1 and "平台密钥与本机所连平台的不符" in caught.stdout, caught.stdout
    alone = run_cli("verify", "--file", str(faked), home=tmp_path / "other-pc")
    assert alone.returncode == 0 and alone.stdout.count("平台确认收到") == n

    # A form made before receipts existed (version 1) is read, and said to lack them.
    def version_1(f: dict) -> None:
        f["version"] = 1
        f.pop("platform_keys")
        for o in f["opinions"]:
            o.pop("platform_receipt"), o.pop("accepted_at")

    old = run_cli("verify", "--file", str(_tampered(form, tmp_path / "r5.json", version_1)))
    assert old.returncode == 1 and old.stdout.count("无平台确认回执") == n, old.stdout


def test_client_refuses_opinions_tampered_in_the_cache(fresh_platform) -> None:
    """Whoever edits the cache (text, decision, or the document itself) cannot make an
    opinion look signed: verify and the `verify` command say invalid."""
    platform = fresh_platform
    doc_id, _ = _demo_document_with_opinions(platform)
    profile = Profile.resume(platform.base_url, "zhangjianguo")
    try:
        assert set(_verdicts(profile, doc_id).values()) == {Verdict.VALID}
        first, second = list(models.Opinion.select().where(
            models.Opinion.document_id == doc_id).order_by(models.Opinion.id))[:2]
        models.Opinion.update(text=first.text + "。").where(
            models.Opinion.id == first.id).execute()
        other = "return" if second.decision != "return" else "approve"
        models.Opinion.update(decision=other).where(models.Opinion.id == second.id).execute()
        verdicts = _verdicts(profile, doc_id)
        assert verdicts[first.id] is Verdict.INVALID and verdicts[second.id] is Verdict.INVALID
    finally:
        profile.close()
    cli = run_cli("verify", doc_id)
    assert cli.returncode == 1 and cli.stdout.count("签名无效") >= 2


def test_cache_and_blobs_hold_no_plaintext(fresh_platform) -> None:
    platform = fresh_platform
    title = "关于砚山镇退耕还林补助资金拨付情况的专项报告"
    sentence = "经核实，二〇〇五年度退耕还林补助资金共计叁佰贰拾万元已全部拨付到户。"
    body = (sentence * 40).encode("utf-8")
    clerk = raw_session(platform, "wangli")
    doc_id = register_document(platform, clerk, ["u-zhangjianguo"], title=title, body=body)
    profile = login(platform, "zhangjianguo")
    try:
        sha = hashlib.sha256(body).hexdigest()
        assert profile.blobs.open_bytes(sha) == body  # prefetched: it is on disk
        assert profile.services.documents.get(doc_id).title == title
        profile.services.documents.set_body_text(doc_id, sentence * 40)  # indexed for search
        profile_dir = paths.profile_dir(platform.base_url, "zhangjianguo")
    finally:
        profile.close()
    files = [p for p in profile_dir.rglob("*") if p.is_file()]
    assert any(p.name.startswith("cache.db") for p in files)
    assert any(p.suffix == ".blob" for p in files)
    needles = [title.encode(), sentence.encode(), sentence[:8].encode(), title.encode("utf-16-le"),
               sentence[:8].encode("utf-16-le"), b"%PDF"]
    for path in files:
        data = path.read_bytes()
        for needle in needles:
            assert needle not in data, f"plaintext {needle[:20]!r} found in {path}"
