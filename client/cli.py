"""Command line: login, sync, status, logout, verify, export, keys (plus diagnose, --self-test);
inbox, show, sign, notices, ack live in client/cli_desk.py.

Output is Chinese, English when asked for (`--lang en`, the `language` setting, or an
English LANG/LC_ALL/LC_MESSAGES), chosen as the GUI chooses (client.language); errors
are worded by client.messages from the same catalogue the GUI uses.
Exit codes: 0 ok, 1 error, 2 usage, 3 auth, 4 network. The profile lives under
GOVDESK_HOME (or the user data folder); the last account signed in is remembered.
Nothing here imports Qt.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import logging.handlers
import os
import re
import sys
import threading
import time
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from client import messages, paths
from client.config import Settings, load_settings
from client.errors import AuthError, ConfigError, GovDeskError, KeyringError, NetworkError
from client.language import choose_language

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_AUTH, EXIT_NETWORK = 0, 1, 2, 3, 4
# A sync that sent and pulled everything but could not fetch every file pending work
# needs (the link dropped in the file phase): not a success, the next sync resumes.
EXIT_INCOMPLETE = 5

DECISIONS_ZH = {"approve": "同意", "return": "退回", "forward": "转办", "read": "已阅",
                "done": "办结"}
VERDICTS = {
    "valid": ("签名有效", "signature valid"),
    "invalid": ("签名无效！", "signature INVALID"),
    "unknown_key": ("签名密钥未知", "unknown signing key"),
    "revoked_after": ("签名时密钥已吊销", "key revoked before signing"),
}
LOCAL_STATES = {
    "pending_sync": ("待同步", "not yet synced"),
    "conflict": ("冲突", "conflict"),
    "rejected": ("被拒绝", "rejected"),
}

class Out:
    """Bilingual printing: zh unless the language says otherwise."""

    def __init__(self, settings: Settings | None, stream: TextIO | None = None, *,
                 lang: str | None = None) -> None:
        self.language = choose_language(lang, settings.language if settings else None)
        self.zh = self.language != "en"
        messages.set_language(self.language)
        self.stream = stream or sys.stdout

    def t(self, zh: str, en: str) -> str:
        return zh if self.zh else en

    def say(self, zh: str, en: str) -> None:
        print(self.t(zh, en), file=self.stream, flush=True)

    def error(self, exc: GovDeskError) -> None:
        text = f"错误：{exc.message}" if self.zh else f"Error ({exc.code}): {exc.message}"
        print(text, file=sys.stderr, flush=True)
        if exc.detail and exc.code.startswith(("network.proxy", "tls.")):
            # What the proxy or OpenSSL said: what IT asks for first (passwords removed).
            detail = re.sub(r"//[^/@\s]+@", "//***@", exc.detail)[:300]
            print(self.t(f"详情：{detail}", f"Detail: {detail}"), file=sys.stderr, flush=True)


def exit_code_for(exc: GovDeskError) -> int:
    if isinstance(exc, AuthError | KeyringError):
        return EXIT_AUTH
    if isinstance(exc, NetworkError):
        return EXIT_NETWORK
    if isinstance(exc, ConfigError):
        return EXIT_USAGE
    return EXIT_ERROR


def setup_logging(level: str = "INFO") -> None:
    """A rotating log file in the user log dir; never the console (that is for people)."""
    log_dir = paths.log_dir()
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            log_dir / "govdesk.log", maxBytes=2 * 1024 * 1024, backupCount=3, encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(getattr(logging, level.upper(), logging.INFO))
    # urllib3 at DEBUG would log every URL; INFO is enough and never has headers.
    logging.getLogger("urllib3").setLevel(logging.WARNING)


def _password(out: Out) -> str:
    env = os.environ.get("GOVDESK_PASSWORD")
    if env is not None:
        return env
    if not sys.stdin.isatty():
        line = sys.stdin.readline()
        if line:
            return line.rstrip("\n")
    return getpass.getpass(out.t("密码：", "Password: "))


def _display_width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _fmt_time(ts: datetime | None, out: Out) -> str:
    if ts is None:
        return out.t("从未", "never")
    local = ts.astimezone()
    if out.zh:
        return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M:%S}"
    return local.strftime("%Y-%m-%d %H:%M:%S")


# --- commands ---------------------------------------------------------------------------------


def cmd_login(args: argparse.Namespace, settings: Settings, out: Out) -> int:
    from client.session import Profile

    server = settings.server_url
    if not server:
        raise ConfigError("config.server_url", flag="--server")
    username = args.user or input(out.t("用户名：", "User name: ")).strip()
    password = _password(out)
    code = args.enrolment_code or os.environ.get("GOVDESK_ENROLMENT_CODE")
    if args.offline:
        profile = Profile.open_offline(server, username, password, settings=settings)
    else:
        profile = Profile.login(server, username, password, settings=settings,
                                enrolment_code=code)
    try:
        info = profile.info
        assert info is not None
        out.say(f"已登录：{info.display_name}（{info.username}），平台 {profile.server_url}",
                f"Signed in as {info.display_name} ({info.username}) at {profile.server_url}")
        if not args.offline:
            _say_enrolment(profile, out)
        if args.sync and not args.offline:
            return _run_sync(profile, out)
    finally:
        profile.close()
    return EXIT_OK


def _kb(n: int) -> str:
    return f"{n / 1024:.0f} KB" if n < 10 * 1024 * 1024 else f"{n / 1024 / 1024:.1f} MB"


def progress_text(p: Any, out: Out) -> str:
    """One line for a SyncProgress: the phase, its counts and bytes, the time left."""
    if p.phase == "push":
        total = f"/{p.ops_total}" if p.ops_total else ""
        return out.t(f"上传操作：{p.ops_sent}{total}", f"pushing ops: {p.ops_sent}{total}")
    if p.phase == "pull":
        got = f"，已收 {_kb(p.bytes_done)}" if p.bytes_done else ""
        got_en = f", {_kb(p.bytes_done)} received" if p.bytes_done else ""
        return out.t(f"下载变更：{p.pages} 页，{p.objects} 项{got}",
                     f"pulling changes: {p.pages} pages, {p.objects} objects{got_en}")
    if p.phase == "blobs":
        if not p.files_total:
            return out.t("检查正文和附件…", "checking files...")
        left = ""
        left_en = ""
        if p.eta_s is not None and p.files_done < p.files_total:
            left, left_en = f"，约剩 {p.eta_s:.0f} 秒", f", about {p.eta_s:.0f} s left"
        return out.t(f"下载正文和附件：{p.files_done}/{p.files_total} 个，"
                     f"{_kb(p.bytes_done)} / {_kb(p.bytes_total)}{left}",
                     f"fetching files: {p.files_done}/{p.files_total}, "
                     f"{_kb(p.bytes_done)} of {_kb(p.bytes_total)}{left_en}")
    return ""


class _ProgressLine:
    """A one-line progress display on a terminal: phase, counts, bytes, time left.

    Redrawn at most every 0.1 s, except that a new phase is always drawn at once (a
    throttle must not swallow the line that says what is happening now). Called from
    download threads too: drawing is serialised."""

    def __init__(self, out: Out, enabled: bool) -> None:
        self.out = out
        self.enabled = enabled
        self.last = 0.0
        self.phase = ""
        self.shown = False
        self._lock = threading.Lock()

    def __call__(self, p: Any) -> None:
        if not self.enabled or p.phase == "done":
            return
        with self._lock:
            now = time.monotonic()
            if p.phase == self.phase and now - self.last < 0.1:
                return
            self.last = now
            self.phase = p.phase
            spinner = "|/-\\"[int(now * 8) % 4]
            sys.stderr.write("\r\x1b[2K" + f"{spinner} " + progress_text(p, self.out))
            sys.stderr.flush()
            self.shown = True

    def finish(self) -> None:
        if self.shown:
            sys.stderr.write("\r\x1b[2K")
            sys.stderr.flush()


def _run_sync(profile: Any, out: Out) -> int:
    bar = _ProgressLine(out, sys.stderr.isatty())
    try:
        report = profile.sync(bar)
    finally:
        bar.finish()
    pushed = sum(report.pushed.values())
    conflicts = report.pushed.get("conflict", 0)
    rejected = report.pushed.get("rejected", 0)
    if report.files_missing:
        out.say(f"同步未完成：上传 {pushed} 项操作，下载 {report.objects} 项变更（{report.pages} 页），"
                f"下载文件 {report.blobs_fetched} 个；待办和通知所需的 {report.files_missing} "
                "个文件尚未下载（与平台的连接中断），下次同步将继续下载。",
                f"Sync incomplete: {pushed} ops pushed, {report.objects} changes pulled "
                f"({report.pages} pages), {report.blobs_fetched} files; "
                f"{report.files_missing} files needed by pending work are still missing "
                "(the link to the platform broke); the next sync resumes.")
        _after_sync_notes(profile, report, out, conflicts, rejected)
        return EXIT_INCOMPLETE
    out.say(f"同步完成：上传 {pushed} 项操作，下载 {report.objects} 项变更（{report.pages} 页），"
            f"下载文件 {report.blobs_fetched} 个，用时 {report.seconds:.1f} 秒。",
            f"Sync done: {pushed} ops pushed, {report.objects} changes pulled "
            f"({report.pages} pages), {report.blobs_fetched} files, {report.seconds:.1f} s.")
    _after_sync_notes(profile, report, out, conflicts, rejected)
    return EXIT_OK


def _after_sync_notes(profile: Any, report: Any, out: Out, conflicts: int,
                      rejected: int) -> None:
    if report.answers_lost:
        out.say(f"{report.answers_lost} 项操作已发送，尚未收到平台答复，将在下次同步时自动确认。",
                f"{report.answers_lost} ops were sent but the platform's answer has not "
                "arrived; the next sync confirms them.")
    if report.full_resync == "rolled_back":
        out.say(f"平台已从备份恢复：已完整重新同步，并重新发送了 {report.resent_ops} 项近期操作"
                "（平台已有的不会重复记录）。",
                f"The platform was restored from a backup: full re-sync done and "
                f"{report.resent_ops} recent ops sent again (none is recorded twice).")
    elif report.full_resync:
        out.say("平台数据已重建或同步位置过期，已完整重新同步（未同步的操作均已保留）。",
                "Full re-sync done (platform restored or cursor expired); unsent work kept.")
    if conflicts or rejected:
        out.say(f"注意：{conflicts} 项冲突、{rejected} 项被拒绝，已输入的意见均已保留，请在“问题”中处理。",
                f"Note: {conflicts} conflicts and {rejected} rejected; the typed opinions "
                "are kept, see Problems.")
    from client.services import outbox

    with profile.cache_context():
        waiting = outbox.backing_off(time.time())
    if waiting:
        out.say(f"另有 {waiting} 项操作在等待重试；要立即重试请运行 sync --now。",
                f"{waiting} more ops wait to be retried; run sync --now to retry them now.")
    _announce_new_keys(profile, out)
    # After the sync, not inside it: each PDF is read in a limited child process.
    profile.index_bodies()


def _announce_new_keys(profile: Any, out: Out) -> None:
    """Tell the user of signing keys enrolled for them on other devices (issue 13)."""
    for a in profile.new_keys_elsewhere(mark=True):
        when = _fmt_time(a.enrolled_at, out)
        device = a.device_name or out.t("未知设备", "an unknown device")
        out.say(f"安全提示：{when} 在 {device} 上为您启用了新的签名密钥 {a.key_id}。"
                f"如非本人操作，请立即运行 keys --revoke {a.key_id} 并联系县信息中心。",
                f"Security notice: a new signing key {a.key_id} was enrolled for you on "
                f"{device} at {when}. If this was not you, run keys --revoke {a.key_id} now "
                "and call the county information centre.")


def cmd_sync(args: argparse.Namespace, settings: Settings, out: Out) -> int:
    from client.session import Profile

    profile = Profile.resume(settings.server_url if args.server else None, args.user,
                             settings=settings)
    try:
        if args.now:
            from client.services import outbox

            with profile.cache_context():
                outbox.due_now()
        return _run_sync(profile, out)
    finally:
        profile.close()


def cmd_status(args: argparse.Namespace, settings: Settings, out: Out) -> int:
    from client.services import outbox
    from client.session import Profile
    from client.sync import apply

    profile = Profile.resume(settings.server_url if args.server else None, args.user,
                             settings=settings)
    try:
        info = profile.info
        assert info is not None and profile.services is not None
        state = apply.sync_state()
        badges = profile.services.inbox.badges(now=datetime.now(UTC))
        counts = outbox.counts()
        rows = [
            (out.t("账户", "Account"), f"{info.display_name} ({info.username})"),
            (out.t("平台", "Platform"), profile.server_url),
            (out.t("上次同步", "Last sync"), _fmt_time(state.last_success_at, out)),
            (out.t("待办", "To do"), str(badges.todo)
             + (out.t(f"（特急 {badges.todo_very_urgent}）", f" ({badges.todo_very_urgent} very urgent)")
                if badges.todo_very_urgent else "")),
            (out.t("未读通知", "Unread notices"), str(badges.notices_unread)),
            (out.t("待同步操作", "Pending ops"), str(counts.queued + counts.sent)),
            (out.t("冲突操作", "Conflicting ops"), str(counts.conflict)),
            (out.t("被拒绝/搁置", "Rejected/set aside"), str(counts.rejected + counts.set_aside)),
        ]
        if state.last_error:
            rows.append((out.t("上次错误", "Last error"), state.last_error))
        width = max(_display_width(k) for k, _ in rows)
        for key, value in rows:
            pad = " " * (width - _display_width(key))
            print(f"{key}{pad}  {value}", file=out.stream)
    finally:
        profile.close()
    return EXIT_OK


def cmd_logout(args: argparse.Namespace, settings: Settings, out: Out) -> int:
    from client.session import Profile

    profile = Profile.resume(settings.server_url if args.server else None, args.user,
                             settings=settings)
    wiped = profile.logout(wipe=args.wipe, force=args.force)
    if wiped:
        out.say("已注销，并已删除本机缓存。", "Signed out; the local cache was deleted.")
    else:
        out.say("已注销。本机缓存保留，可离线登录查看。",
                "Signed out. The local cache is kept for offline use.")
    return EXIT_OK


def _print_opinion(out: Out, *, author: str, signed_at: str, decision: str, text: str,
                   verdict: str, note: str = "") -> None:
    zh, en = VERDICTS.get(verdict, (verdict, verdict))
    shown = DECISIONS_ZH.get(decision, decision) if out.zh else decision
    print(f"- {author} {signed_at} {shown}: {text}  → {out.t(zh, en)}{note}", file=out.stream)


def cmd_verify(args: argparse.Namespace, settings: Settings, out: Out) -> int:
    if args.file:
        return _verify_file(args, settings, out)
    if not args.document_id:
        raise ConfigError("usage.document_id")
    from client.session import Profile

    profile = Profile.resume(settings.server_url if args.server else None, args.user,
                             settings=settings)
    try:
        assert profile.services is not None
        doc = profile.services.documents.get(args.document_id)
        out.say(f"{doc.doc_number}  {doc.title}", f"{doc.doc_number}  {doc.title}")
        if doc.digest and doc.local_digest != doc.digest:
            out.say("警告：本机计算的公文摘要与平台记录不一致！",
                    "WARNING: the document digest computed here differs from the platform's!")
        bad = 0
        if not doc.opinions:
            out.say("（没有意见）", "(no opinions)")
        for op in doc.opinions:
            verdict = op.verdict.value if op.verdict else "invalid"
            state = ""
            if op.local_state:
                lz, le = LOCAL_STATES.get(op.local_state, (op.local_state, op.local_state))
                state = f" [{out.t(lz, le)}]"
            if op.accepted_at:
                state += out.t(f" [平台确认收到 {op.accepted_at}]",
                               f" [accepted by the platform {op.accepted_at}]")
            _print_opinion(out, author=op.author_name, signed_at=op.signed_at,
                           decision=op.decision, text=op.text, verdict=verdict, note=state)
            if verdict != "valid":
                bad += 1
    finally:
        profile.close()
    return EXIT_ERROR if bad else EXIT_OK


def _verify_file(args: argparse.Namespace, settings: Settings, out: Out) -> int:
    """Check an exported processing form offline; the signed-in account's directory (if
    any) confirms whose keys they are."""
    from client.services import form_export
    from client.session import Profile, last_account

    form = form_export.read_form(args.file)
    profile = None
    if last_account() is not None and not args.no_directory:
        try:
            profile = Profile.resume(settings.server_url if args.server else None, args.user,
                                     settings=settings)
        except GovDeskError as exc:  # no usable account here: check the file on its own
            logging.getLogger(__name__).info("verify --file without a directory: %s", exc.code)
    try:
        directory = form_export.cache_directory() if profile is not None else None
        platforms = form_export.cache_platform_keys() if profile is not None else None
        report = form_export.check_form(form, directory, platforms)
    finally:
        if profile is not None:
            profile.close()
    out.say(f"{report.doc_number}  {report.title}（导出的处理单）",
            f"{report.doc_number}  {report.title} (exported processing form)")
    if not report.digest_matches:
        out.say("警告：文件中的公文要素与其记录的摘要不一致（公文内容被改动过）！",
                "WARNING: the document's fields do not match its recorded digest (altered)!")
    if not report.opinions:
        out.say("（没有意见）", "(no opinions)")
    for op in report.opinions:
        note = ""
        if op.key_in_directory is False:
            note = out.t(f" [密钥 {op.key_id} 不在本机目录中或不属于此人]",
                         f" [key {op.key_id} not in the local directory or not this person's]")
        elif op.key_in_directory is None:
            note = out.t(f" [密钥 {op.key_id}，未与目录核对]",
                         f" [key {op.key_id}, not checked against a directory]")
        zh, en = RECEIPT_STATES.get(op.receipt, (op.receipt, op.receipt))
        if op.receipt == "ok":
            note += out.t(f" [平台确认收到 {op.accepted_at}]",
                          f" [accepted by the platform {op.accepted_at}]")
        else:
            note += out.t(f" [{zh}]", f" [{en}]")
        if op.platform_key_in_directory is False:
            note += out.t(" [平台密钥与本机所连平台的不符]",
                          " [platform key differs from the one this PC's platform publishes]")
        _print_opinion(out, author=op.author_name or op.author_id, signed_at=op.signed_at,
                       decision=op.decision, text=op.text, verdict=op.verdict.value, note=note)
    return EXIT_OK if report.ok else EXIT_ERROR


# What a processing form's platform receipt check found (protocol/platform_receipt.py).
RECEIPT_STATES = {
    "missing": ("无平台确认回执，签署时间仅为签署人所填",
                "no platform receipt: the signing time is only the signer's claim"),
    "unknown_key": ("平台回执的密钥未知", "the platform receipt's key is unknown"),
    "invalid": ("平台回执无效（处理单被改动过）",
                "the platform receipt does not verify (the form was altered)"),
    "key_not_valid_then": ("平台回执的密钥当时未启用",
                           "the platform receipt's key was not in service at that time"),
}


def cmd_export(args: argparse.Namespace, settings: Settings, out: Out) -> int:
    from client.services import form_export
    from client.session import Profile

    profile = Profile.resume(settings.server_url if args.server else None, args.user,
                             settings=settings)
    try:
        form = form_export.build_form(args.document_id, exported_by=profile.user_id,
                                      platform=profile.server_url)
    finally:
        profile.close()
    out_path = Path(args.out or f"处理单-{args.document_id}.json")
    form_export.write_form(form, out_path)
    out.say(f"已导出处理单：{out_path}（{len(form['opinions'])} 条意见，含签名与公钥）",
            f"Exported the processing form to {out_path} ({len(form['opinions'])} opinions, "
            "with signatures and public keys)")
    return EXIT_OK


def _say_enrolment(profile: Any, out: Out) -> None:
    """After an online sign-in: whether this PC may sign, and how to enrol when not."""
    if profile.key_enrolled:
        if profile.info is not None and profile.info.enrolled_key_id:
            out.say("本机签名密钥已启用，可以签批。", "This PC's signing key is enrolled: you can sign.")
        return
    if profile.enrolment_error is not None:
        out.say(f"签名密钥未启用：{profile.enrolment_error.message}",
                f"Signing key not enrolled: {profile.enrolment_error.message}")
    out.say("本机签名密钥尚未启用，暂不能签批。请向县信息中心索取签名启用码，然后运行："
            "keys --enrol 启用码（需再次输入密码）。",
            "This PC's signing key is not enrolled yet, so you cannot sign. Ask the county "
            "information centre for an enrolment code, then run: keys --enrol CODE "
            "(asks for your password again).")


def cmd_keys(args: argparse.Namespace, settings: Settings, out: Out) -> int:
    """List my signing keys; `--revoke KEY_ID` revokes one (a lost laptop's) and syncs;
    `--enrol CODE` enrols this PC's key with the password and a one-time code."""
    from client.services import keys, outbox
    from client.session import Profile

    profile = Profile.resume(settings.server_url if args.server else None, args.user,
                             settings=settings)
    try:
        assert profile.info is not None
        if args.enrol:
            password = _password(out)
            key_id = profile.enrol_key(password, args.enrol)
            profile.sync()
            out.say(f"已启用本机签名密钥 {key_id}，可以签批。您的其他设备会收到提示。",
                    f"This PC's signing key {key_id} is enrolled: you can sign. Your other "
                    "devices are told about it.")
            return EXIT_OK
        if args.revoke:
            op_id = keys.request_revocation(profile.user_id, args.revoke)
            profile.sync()
            item = outbox.get(op_id)
            if item is None or item.state.value != "done":
                code = item.result_code if item else "?"
                out.say(f"吊销未完成（{code}）。", f"Revocation not done ({code}).")
                return EXIT_ERROR
            out.say(f"已吊销签名密钥 {args.revoke}。此前用它签署的意见仍然有效，此后的签批将被平台拒绝。",
                    f"Key {args.revoke} revoked. Opinions signed before stay valid; "
                    "later sign-offs with it are refused.")
            return EXIT_OK
        for k in keys.my_keys(profile.user_id, device_key_id=profile.info.signing_key_id):
            marks = []
            if k.this_device:
                marks.append(out.t("本机", "this device"))
            if k.revoked_at:
                marks.append(out.t(f"已吊销 {_fmt_time(k.revoked_at, out)}",
                                   f"revoked {_fmt_time(k.revoked_at, out)}"))
            elif k.revocation_queued:
                marks.append(out.t("吊销待同步", "revocation queued"))
            print(f"{k.key_id}  {k.algorithm}  {'，'.join(marks) if out.zh else ', '.join(marks)}",
                  file=out.stream)
        if not profile.key_enrolled:
            _say_enrolment(profile, out)
    finally:
        profile.close()
    return EXIT_OK


# --- parsing and dispatch ---------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="govdesk", description="GovDesk 政务桌面客户端")
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--server", help="平台地址 / platform URL")
        p.add_argument("--user", help="用户名 / user name")
        p.add_argument("--ca-file", help="本县根证书文件 / county CA file")
        p.add_argument("--proxy", help="代理 / proxy URL")
        p.add_argument("--lang", choices=("zh_CN", "en"),
                       help="界面语言 / output language (zh_CN, en)")

    p = sub.add_parser("login", help="登录 / sign in")
    common(p)
    p.add_argument("--offline", action="store_true", help="离线打开 / open offline")
    p.add_argument("--sync", action="store_true", help="登录后同步 / sync after login")
    p.add_argument("--enrolment-code", metavar="CODE",
                   help="签名启用码（县信息中心发放，一次有效）/ one-time signing-key enrolment "
                        "code from county IT (or $GOVDESK_ENROLMENT_CODE)")
    p = sub.add_parser("sync", help="同步 / synchronise")
    common(p)
    p.add_argument("--now", action="store_true",
                   help="立即重试等待中的操作（不等退避时间）/ retry waiting ops now, ignoring backoff")
    p = sub.add_parser("status", help="状态 / status")
    common(p)
    p = sub.add_parser("logout", help="注销 / sign out")
    common(p)
    p.add_argument("--wipe", action="store_true", help="删除本机缓存 / delete the local cache")
    p.add_argument("--force", action="store_true",
                   help="即使有未同步操作 / even with unsynced operations")
    p = sub.add_parser("verify", help="验证公文意见签名 / verify opinions of a document")
    common(p)
    p.add_argument("document_id", nargs="?")
    p.add_argument("--file", help="导出的处理单文件（离线验证）/ an exported processing form")
    p.add_argument("--no-directory", action="store_true",
                   help="不与本机目录核对密钥 / do not check keys against the local directory")
    p = sub.add_parser("export", help="导出带签名的处理单 / export a signed processing form")
    common(p)
    p.add_argument("document_id")
    p.add_argument("--out", help="输出文件 / output file (JSON)")
    p = sub.add_parser("keys", help="我的签名密钥 / my signing keys")
    common(p)
    group = p.add_mutually_exclusive_group()
    group.add_argument("--revoke", metavar="KEY_ID", help="吊销一个密钥 / revoke a key")
    group.add_argument("--enrol", metavar="CODE",
                       help="用启用码和密码启用本机签名密钥 / enrol this PC's signing key "
                            "with a one-time code and the password")
    _add_desk_commands(sub, common)
    return parser


def _add_desk_commands(sub: Any, common: Any) -> None:
    """inbox, show, sign, notices, ack, exchange, receive, refuse: client/cli_desk.py
    (docs/cli.md)."""
    from client import cli_desk

    cli_desk.add_parsers(sub, common)


COMMANDS = {"login": cmd_login, "sync": cmd_sync, "status": cmd_status,
            "logout": cmd_logout, "verify": cmd_verify, "export": cmd_export,
            "keys": cmd_keys}


def main(argv: list[str]) -> int:
    if argv and argv[0] == "diagnose":
        from client import diagnose

        return diagnose.main(argv[1:])
    if argv and argv[0] == "--self-test":
        from client import selftest

        return selftest.main(argv[1:])
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return EXIT_USAGE if exc.code not in (0, None) else EXIT_OK
    out = Out(None, lang=args.lang)
    try:
        flags = {"server_url": args.server, "ca_file": args.ca_file, "proxy": args.proxy}
        settings = load_settings(flags)
        out = Out(settings, lang=args.lang)
        setup_logging(settings.log_level)
        handler = getattr(args, "desk_command", None) or COMMANDS[args.command]
        return handler(args, settings, out)
    except GovDeskError as exc:
        logging.getLogger(__name__).info("%s failed: %s", args.command, exc.code)
        out.error(exc)
        return exit_code_for(exc)
    except KeyboardInterrupt:
        out.say("已中断。", "Interrupted.")
        return 130
