"""`python -m server register-document ...`: 签收/登记 an incoming document from files.

    python -m server register-document --db URL --file body.pdf --doc-number 佳政函〔2004〕85号 \
        --issuer 佳木斯市人民政府 --doc-type 函 --title ... --urgency urgent --signatory 张三 \
        --issued-on 2004-10-19 --to-unit 市政府办公室 --clerk wangli --propose-to liuyang \
        [--attach FILE ...] [--due-days N] [--classification internal] [--cc ...]

Prints the registered document (PROTOCOL JSON) on stdout. Exit codes as server.cli:
0 done, 1 refused (message on stderr), 2 usage error.
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import os
import sys
from datetime import timedelta
from pathlib import Path

from server.db import DEFAULT_DB


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="govdesk-platform register-document",
                                description="register an incoming document (收文登记)")
    p.add_argument("--db", default=os.environ.get("GOVDESK_DB_URL", DEFAULT_DB))
    p.add_argument("--file", required=True, type=Path, help="the body: PDF or UTF-8 text")
    p.add_argument("--doc-number", required=True, help="发文字号, e.g. 佳政函〔2004〕85号")
    p.add_argument("--issuer", required=True, help="发文机关")
    p.add_argument("--doc-type", required=True, help="文种: 通知, 函, 请示, ...")
    p.add_argument("--title", required=True)
    p.add_argument("--urgency", default="normal", choices=["normal", "urgent", "very_urgent"])
    p.add_argument("--classification", default="none")
    p.add_argument("--signatory", default="", help="签发人")
    p.add_argument("--issued-on", required=True, help="成文日期 YYYY-MM-DD")
    p.add_argument("--main-recipient", action="append", default=[], dest="main_recipients")
    p.add_argument("--cc", action="append", default=[])
    p.add_argument("--notes", default="", help="附注")
    p.add_argument("--to-unit", required=True, help="receiving unit: id or unique name")
    p.add_argument("--clerk", required=True, help="username of the registering clerk")
    p.add_argument("--propose-to", action="append", required=True,
                   help="username(s) who propose (拟办); repeat or separate with commas")
    p.add_argument("--attach", action="append", default=[], type=Path, help="attachment file")
    p.add_argument("--due-days", type=float, help="days until the proposal is due")
    return p


def _media_type(path: Path) -> str:
    if path.suffix.lower() == ".txt":
        return "text/plain; charset=utf-8"
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def _fail(message: str) -> int:
    print(f"register-document: {message}", file=sys.stderr)
    return 1


def main(argv: list[str]) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0) if exc.code in (0, None) else 2

    from server import clock, workflow
    from server.db import init_database
    from server.errors import Problem
    from server.models import Unit, User

    try:
        body = args.file.read_bytes()
        attachments = [(p.name, p.read_bytes(), _media_type(p)) for p in args.attach]
    except OSError as exc:
        return _fail(f"cannot read {exc.filename}: {exc.strerror}")
    if not body:
        return _fail(f"{args.file} is empty")

    init_database(args.db)
    unit = Unit.get_or_none(Unit.id == args.to_unit)
    if unit is None:
        matches = list(Unit.select().where(Unit.name == args.to_unit).limit(2))
        if len(matches) != 1:
            return _fail(f"no single unit named {args.to_unit!r}")
        unit = matches[0]
    clerk = User.get_or_none(User.username == args.clerk)
    if clerk is None:
        return _fail(f"no user {args.clerk!r}")
    proposers = []
    for entry in args.propose_to:
        for name in filter(None, (n.strip() for n in entry.split(","))):
            user = User.get_or_none(User.username == name)
            if user is None:
                return _fail(f"no user {name!r}")
            proposers.append(user.id)
    due_at = clock.now() + timedelta(days=args.due_days) if args.due_days else None
    meta = {
        "doc_number": args.doc_number, "issuer": args.issuer, "doc_type": args.doc_type,
        "title": args.title, "classification": args.classification, "urgency": args.urgency,
        "signatory": args.signatory, "main_recipients": args.main_recipients, "cc": args.cc,
        "issued_on": args.issued_on, "notes": args.notes,
    }
    try:
        doc = workflow.register_document(
            clerk, meta=meta, body_bytes=body, body_media_type=_media_type(args.file),
            attachments=attachments, propose_to=proposers, due_at=due_at, unit_id=unit.id,
        )
    except Problem as exc:
        return _fail(f"{exc.code}: {exc.detail or exc.title}")
    from server.serialize import document_json

    print(json.dumps(document_json(doc), ensure_ascii=False, indent=2))
    return 0
