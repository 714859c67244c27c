"""Command line of the reference platform.

    python -m server serve --db URL --host H --port P [--workers N]
        [--tls-cert server.pem --tls-key server.key]   (HTTPS, e.g. with the county CA's cert)
    python -m server create-unit --db URL --name 市财政局 --kind bureau [--id ID] [--parent ID]
    python -m server create-user --db URL --username u --password p --name 姓名 \
        --unit UNIT_ID_OR_NAME --roles staff,leader --title 科员
    python -m server set-seal --db URL --unit UNIT_ID_OR_NAME --png seal.png
    python -m server add-series --db URL --unit UNIT_ID_OR_NAME --prefix 富政发 \
        [--label 富锦市人民政府]                  (a 发文字号 series the unit numbers in)
    python -m server purge --db URL --older-than-days 30
    python -m server migrate --db URL       (upgrade the schema; see docs/deploy.md)
    python -m server enrolment-code --db URL --user NAME [--ttl-hours 72] [--json]
        (a one-time code the user needs, with the password, to enrol a signing key)
    python -m server move-user --db URL --user NAME --unit UNIT_ID_OR_NAME
    python -m server audit --db URL [--user NAME] [--limit 50]
    python -m server uploads --db URL [--user NAME]   (uploads per user against the limits)
    python -m server init-demo ...          -> server.demo.build.main(argv)
    python -m server register-document ...  -> server.documents_cli.main(argv)

`--db` defaults to ./govdesk-platform.db (a bare path is a SQLite file). The hooked
subcommands get the remaining arguments unparsed (`main(argv: list[str]) -> int`).
Exit codes: 0 success, 1 a refused request (message on stderr), 2 usage error or a
database at another schema version (`serve` and the others ask for `migrate`; `migrate`
refuses a database newer than the program).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from datetime import timedelta
from pathlib import Path

from server.db import DEFAULT_DB, redact_url

HOOKS = {
    "init-demo": "server.demo.build",
    "register-document": "server.documents_cli",
}


# Open event streams (text/event-stream) never end by themselves: without a limit a
# graceful shutdown would wait for every client to go away.
GRACEFUL_SHUTDOWN_SECONDS = 3
# Idle keep-alive connections are kept this long (uvicorn's default is 5 s): a client
# syncing every minute over a township line keeps its connection, and its TLS session,
# instead of paying a new handshake (seconds under loss) on each run. nginx's default.
KEEP_ALIVE_SECONDS = 75

def _setup_logging(level: str = "info") -> None:
    logging.basicConfig(
        stream=sys.stderr,
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="govdesk-platform",
                                     description="GovDesk reference county platform")
    sub = parser.add_subparsers(dest="command", required=True)

    def with_db(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--db", default=os.environ.get("GOVDESK_DB_URL", DEFAULT_DB),
                       help="database URL or SQLite file (default %(default)s)")
        return p

    serve = with_db(sub.add_parser("serve", help="run the HTTP API"))
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--log-level", default="info")
    serve.add_argument("--access-log", action="store_true",
                       default=os.environ.get("GOVDESK_ACCESS_LOG", "") in ("1", "true", "yes"),
                       help="log every request (uvicorn's access log, to stderr/journal); "
                            "also GOVDESK_ACCESS_LOG=1")
    serve.add_argument("--tls-cert", help="PEM certificate chain: serve HTTPS (needs --tls-key)")
    serve.add_argument("--tls-key", help="PEM private key of --tls-cert")
    serve.add_argument("--parent-pid", type=int, default=None,
                       help="shut down when this process ends (the embedded demo platform)")

    unit = with_db(sub.add_parser("create-unit", help="add an org unit"))
    unit.add_argument("--name", required=True)
    unit.add_argument("--kind", required=True, help="county, bureau, town, office, ...")
    unit.add_argument("--id", dest="unit_id")
    unit.add_argument("--parent")

    user = with_db(sub.add_parser("create-user", help="add a user"))
    user.add_argument("--username", required=True)
    user.add_argument("--password", help="default: $GOVDESK_PASSWORD")
    user.add_argument("--name", required=True, help="display name")
    user.add_argument("--unit", required=True, help="unit id or unique unit name")
    user.add_argument("--roles", default="staff", help="comma-separated: clerk,leader,...")
    user.add_argument("--title", default="")
    user.add_argument("--id", dest="user_id")

    seal = with_db(sub.add_parser("set-seal", help="register a unit's seal image (PNG)"))
    seal.add_argument("--unit", required=True, help="unit id or unique unit name")
    seal.add_argument("--png", required=True, help="the seal image, a PNG file")

    series = with_db(sub.add_parser("add-series", help="let a unit number in a series"))
    series.add_argument("--unit", required=True, help="unit id or unique unit name")
    series.add_argument("--prefix", required=True, help="the 发文字号 prefix, e.g. 富政发")
    series.add_argument("--label", default="",
                        help="the issuing body printed for it (default: the unit's name)")

    purge = with_db(sub.add_parser("purge", help="compact old deletions of the change feed"))
    purge.add_argument("--older-than-days", type=float, required=True)

    with_db(sub.add_parser("migrate", help="upgrade the database schema to this version"))

    code = with_db(sub.add_parser(
        "enrolment-code", help="issue a one-time signing-key enrolment code to a user"))
    code.add_argument("--user", required=True, help="user name or id")
    code.add_argument("--ttl-hours", type=int, default=72)
    code.add_argument("--json", action="store_true")

    move = with_db(sub.add_parser("move-user", help="move a user to another unit"))
    move.add_argument("--user", required=True, help="user name or id")
    move.add_argument("--unit", required=True, help="unit id or unique unit name")

    pkey = with_db(sub.add_parser(
        "platform-key", help="list or rotate the keys the platform signs its receipts with"))
    pkey.add_argument("action", choices=("list", "rotate"))

    aud = with_db(sub.add_parser("audit", help="list the audit trail, newest first"))
    aud.add_argument("--user", help="user name or id the events concern")
    aud.add_argument("--limit", type=int, default=50)
    upl = with_db(sub.add_parser("uploads", help="what users uploaded in the last day, "
                                 "against the upload limits"))
    upl.add_argument("--user", help="user name or id (default: everyone who uploaded)")
    bak = with_db(sub.add_parser("backup", help="copy the database to a file (while serving)"))
    where = bak.add_mutually_exclusive_group(required=True)
    where.add_argument("--out", type=Path, help="backup file to write")
    where.add_argument("--out-dir", type=Path,
                       help="directory for a dated backup file (platform-DATE-TIME.*)")
    bak.add_argument("--keep-days", type=float,
                     help="with --out-dir: delete backups there older than this")
    res = with_db(sub.add_parser("restore", help="put a backup back (platform stopped); "
                                 "clients re-synchronise"))
    res.add_argument("--from", dest="source", required=True, type=Path, help="backup file")

    for name in HOOKS:
        sub.add_parser(name, help=f"see {HOOKS[name]}", add_help=False)
    return parser


def _exit_with_parent(pid: int, poll_seconds: float = 1.0) -> None:
    """SIGTERM ourselves (a graceful shutdown) once our parent `pid` is gone, so a demo
    client that crashed or was killed never leaves its embedded platform running.
    POSIX only: an orphan is re-parented, so our parent pid changes."""
    import signal
    import threading
    import time

    if sys.platform == "win32" or os.getppid() != pid:
        return

    def watch() -> None:
        while os.getppid() == pid:
            time.sleep(poll_seconds)
        logging.getLogger("server").warning("parent process %d ended: shutting down", pid)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from server.db import init_database

    log = logging.getLogger("server")
    if bool(args.tls_cert) != bool(args.tls_key):
        print("error: --tls-cert and --tls-key go together", file=sys.stderr)
        return 2
    tls: dict[str, str] = {}
    if args.tls_cert:
        # Check the files now: uvicorn would only fail later, with a traceback.
        import ssl

        try:
            ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(
                args.tls_cert, args.tls_key)
        except (OSError, ssl.SSLError) as exc:
            print(f"error: cannot use the TLS certificate/key: {exc}", file=sys.stderr)
            return 2
        tls = {"ssl_certfile": args.tls_cert, "ssl_keyfile": args.tls_key}
    if redact_url(args.db) != args.db and args.db != os.environ.get("GOVDESK_DB_URL"):
        log.warning("the database password is on the command line, where ps shows it to "
                    "every user of this host: put the URL in GOVDESK_DB_URL (an "
                    "environment file of mode 0600, docs/operate.md)")
    # Create an empty database's tables once here, before any worker starts; refuse a
    # database at another schema version (SchemaError: one line, exit 2, in main).
    init_database(args.db)
    log.info("serving %s on %s://%s:%d", redact_url(args.db), "https" if tls else "http",
             args.host, args.port)
    if args.parent_pid:
        _exit_with_parent(args.parent_pid)
    if args.workers > 1:
        os.environ["GOVDESK_DB_URL"] = args.db
        uvicorn.run("server.app:app_from_env", factory=True, host=args.host, port=args.port,
                    workers=args.workers, log_level=args.log_level, access_log=args.access_log,
                    timeout_keep_alive=KEEP_ALIVE_SECONDS,
                    timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS, **tls)
    else:
        from server.app import create_app

        uvicorn.run(create_app(args.db), host=args.host, port=args.port,
                    log_level=args.log_level, access_log=args.access_log,
                    timeout_keep_alive=KEEP_ALIVE_SECONDS,
                    timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS, **tls)
    return 0


def _find_unit(ref: str) -> str | None:
    from server.models import Unit

    unit = Unit.get_or_none(Unit.id == ref)
    if unit is not None:
        return unit.id
    matches = list(Unit.select(Unit.id).where(Unit.name == ref).limit(2))
    return matches[0].id if len(matches) == 1 else None


def _create_unit(args: argparse.Namespace) -> int:
    from server import directory
    from server.db import init_database

    init_database(args.db)
    unit = directory.create_unit(args.name, args.kind, unit_id=args.unit_id, parent_id=args.parent)
    print(unit.id)
    return 0


def _create_user(args: argparse.Namespace) -> int:
    from server import directory
    from server.db import init_database

    password = args.password or os.environ.get("GOVDESK_PASSWORD")
    if not password:
        print("error: give --password or set GOVDESK_PASSWORD", file=sys.stderr)
        return 2
    init_database(args.db)
    unit_id = _find_unit(args.unit)
    if unit_id is None:
        print(f"error: no unit (or no unique unit) named {args.unit!r}", file=sys.stderr)
        return 1
    roles = [r.strip() for r in args.roles.split(",") if r.strip()]
    user = directory.create_user(args.username, password, args.name, unit_id, roles, args.title,
                                 user_id=args.user_id)
    print(user.id)
    return 0


def _set_seal(args: argparse.Namespace) -> int:
    from pathlib import Path

    from server.db import init_database
    from server.workflow import numbering

    try:
        png = Path(args.png).read_bytes()
    except OSError as exc:
        print(f"error: cannot read {args.png}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    init_database(args.db)
    unit_id = _find_unit(args.unit)
    if unit_id is None:
        print(f"error: no unit (or no unique unit) named {args.unit!r}", file=sys.stderr)
        return 1
    row = numbering.set_seal("cli", unit_id, png)
    print(f"seal of {unit_id}: {row.sha256}")
    return 0


def _add_series(args: argparse.Namespace) -> int:
    from server.db import init_database
    from server.workflow import numbering

    init_database(args.db)
    unit_id = _find_unit(args.unit)
    if unit_id is None:
        print(f"error: no unit (or no unique unit) named {args.unit!r}", file=sys.stderr)
        return 1
    row = numbering.add_series(unit_id, args.prefix, args.label)
    print(f"{unit_id} numbers in {row.prefix}")
    return 0


def _find_user(ref: str) -> str | None:
    from server.models import User

    user = User.get_or_none((User.id == ref) | (User.username == ref))
    return user.id if user is not None else None


def _enrolment_code(args: argparse.Namespace) -> int:
    import json

    from server import clock, enrolment
    from server.db import init_database

    init_database(args.db)
    user_id = _find_user(args.user)
    if user_id is None:
        print(f"error: no user {args.user!r}", file=sys.stderr)
        return 1
    issued = enrolment.issue_code(user_id, issued_by="cli",
                                  ttl=timedelta(hours=args.ttl_hours))
    if args.json:
        print(json.dumps({"code": issued.code, "user_id": user_id,
                          "expires_at": clock.rfc3339(issued.expires_at)}))
    else:
        print(f"{issued.code}  (user {args.user}, valid until "
              f"{clock.rfc3339(issued.expires_at)}, one use)")
    return 0


def _move_user(args: argparse.Namespace) -> int:
    from server import moves
    from server.db import init_database

    init_database(args.db)
    user_id, unit_id = _find_user(args.user), _find_unit(args.unit)
    if user_id is None or unit_id is None:
        print(f"error: no user {args.user!r} or no unique unit {args.unit!r}", file=sys.stderr)
        return 1
    moves.move_user(user_id, unit_id, actor_id="cli")
    print(f"moved {args.user} to {unit_id}; their sessions were ended")
    return 0


def _platform_key(args: argparse.Namespace) -> int:
    from server import platform_keys
    from server.db import init_database

    init_database(args.db)
    if args.action == "rotate":
        key = platform_keys.rotate(actor_id="cli")
        print(f"new receipt key {key.id}; the previous one retires in "
              f"{int(platform_keys.ROTATION_GRACE.total_seconds())} s and stays published")
    for k in platform_keys.published():
        state = f"retired {k['retired_at']}" if k["retired_at"] else "in service"
        print(f"{k['key_id']}  {k['algorithm']}  since {k['created_at']}  {state}")
    return 0


def _audit(args: argparse.Namespace) -> int:
    import json

    from server import audit
    from server.db import init_database

    init_database(args.db)
    subject = _find_user(args.user) if args.user else None
    for event in audit.events(subject_id=subject, limit=args.limit):
        print(json.dumps(event, ensure_ascii=False))
    return 0


def _uploads(args: argparse.Namespace) -> int:
    from server import uploads
    from server.db import init_database
    from server.models import User

    init_database(args.db)
    limits = uploads.LIMITS
    user_id = None
    if args.user:
        user_id = _find_user(args.user)
        if user_id is None:
            print(f"error: no user {args.user!r}", file=sys.stderr)
            return 1
    rate = f"{limits.per_minute} uploads a minute" if limits.per_minute else "any number a minute"
    volume = f"{limits.mb_per_day} MB a day" if limits.mb_per_day else "any volume a day"
    print(f"limits per user: {rate}, {volume} (GOVDESK_UPLOADS_PER_MINUTE, "
          "GOVDESK_UPLOAD_MB_PER_DAY as this shell has them)")
    rows = uploads.usage(user_id)
    names = {u.id: u.username for u in
             User.select(User.id, User.username).where(User.id.in_([r.user_id for r in rows]))}
    print(f"{'user':<24} {'last minute':>11} {'last 24 h':>9} {'MB':>9}")
    for row in rows:
        print(f"{names.get(row.user_id, row.user_id):<24} {row.uploads_last_minute:>11} "
              f"{row.uploads_last_day:>9} {row.bytes_last_day / uploads.MB:>9.1f}")
    return 0


def _purge(args: argparse.Namespace) -> int:
    from server import feed
    from server.db import init_database

    init_database(args.db)
    result = feed.purge(timedelta(days=args.older_than_days))
    print(f"removed {result.deleted_rows} feed rows and {result.deleted_objects} objects; "
          f"cursors below seq {result.min_cursor_seq} now expire")
    from server import uploads

    print(f"removed {uploads.forget_old()} upload records older than a day")
    return 0


def _migrate(args: argparse.Namespace) -> int:
    import peewee

    from server import migrations
    from server.db import open_database

    def report(migration: migrations.Migration, before: migrations.SchemaState) -> None:
        how = " (tables already there: stamped)" if not before.stamped and before.version else ""
        print(f"applied migration {migration.version} {migration.name}{how}", flush=True)

    try:
        open_database(args.db)
        applied = migrations.migrate(args.db, report)
    except migrations.MigrationFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except peewee.PeeweeException as exc:  # cannot connect, not a database, ...
        reason = " ".join(str(exc).split()) or type(exc).__name__
        print(f"error: cannot migrate {redact_url(args.db)}: {reason}", file=sys.stderr)
        return 1
    if applied:
        print(f"platform database now at version {migrations.LATEST}")
    else:
        print(f"platform database already at version {migrations.LATEST}")
    return 0


def _backup(args: argparse.Namespace) -> int:
    from server import backup

    try:
        if args.out_dir is not None:
            out = backup.backup_into(args.db, args.out_dir, keep_days=args.keep_days)
        else:
            out = args.out
            backup.backup(args.db, out)
    except backup.BackupError as exc:
        print(f"error: backup of {redact_url(args.db)} failed: {exc}", file=sys.stderr)
        return 1
    print(f"backup of {redact_url(args.db)} written to {out}")
    return 0


def _restore(args: argparse.Namespace) -> int:
    from server import backup

    try:
        epoch = backup.restore(args.db, args.source)
    except backup.BackupError as exc:
        print(f"error: restore of {redact_url(args.db)} failed: {exc}", file=sys.stderr)
        return 1
    print(f"{redact_url(args.db)} restored from {args.source}; restore epoch now {epoch} "
          "(clients re-synchronise and send their recent operations again)")
    return 0


def main(argv: list[str] | None = None) -> int:
    from server.db import UNAVAILABLE_ERRORS
    from server.migrations import SchemaError

    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in HOOKS:
        _setup_logging()
        module = importlib.import_module(HOOKS[argv[0]])
        try:
            return int(module.main(argv[1:]) or 0)
        except SchemaError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    args = _parser().parse_args(argv)
    _setup_logging(getattr(args, "log_level", "info"))
    from server.errors import Problem

    commands = {"serve": _serve, "create-unit": _create_unit, "create-user": _create_user,
                "purge": _purge, "migrate": _migrate, "set-seal": _set_seal,
                "add-series": _add_series, "enrolment-code": _enrolment_code,
                "move-user": _move_user, "audit": _audit, "platform-key": _platform_key,
                "uploads": _uploads,
                "backup": _backup, "restore": _restore}
    try:
        return commands[args.command](args)
    except Problem as problem:
        print(f"error: {problem.code}: {problem.detail or problem.title}", file=sys.stderr)
        return 1
    except SchemaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except UNAVAILABLE_ERRORS as exc:
        # One line, not a traceback: which database, and what its driver said.
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        print(f"error: cannot open the platform database "
              f"{redact_url(getattr(args, 'db', '') or '')}: {reason}", file=sys.stderr)
        return 3
