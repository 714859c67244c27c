"""Migration 9: time the platform vouches for (issue 13).

- `platform_key`: the keys the platform signs its receipts with, published in `meta`;
  the first one is made here, so every worker of a new or upgraded platform signs with
  the same key from its first request.
- `accepted_at` and `platform_receipt` on `opinion`, `outgoing_step` and `receipt`: the
  platform's own time of acceptance and its signature over it (protocol/platform_receipt.py).
  Rows accepted before this migration keep them empty: their time is the signer's claim
  only, and offline verification says so.
"""

from __future__ import annotations

import base64
from datetime import UTC

import peewee
from playhouse.migrate import SchemaMigrator, migrate

from protocol import signing
from server import clock

NAME = "platform_receipts"


class _Frozen(peewee.Model):
    class Meta:
        legacy_table_names = False


class PlatformKey(_Frozen):
    id = peewee.CharField(primary_key=True)
    algorithm = peewee.CharField()
    public_key = peewee.TextField()
    private_key = peewee.TextField()
    created_at = peewee.DateTimeField()
    retired_at = peewee.DateTimeField(null=True)


def apply(db: peewee.Database, migrator: SchemaMigrator) -> None:
    columns = []
    for table in ("opinion", "outgoing_step", "receipt"):
        columns += [migrator.add_column(table, "accepted_at", peewee.CharField(null=True)),
                    migrator.add_column(table, "platform_receipt", peewee.TextField(null=True))]
    migrate(*columns)
    with db.bind_ctx([PlatformKey]):
        db.create_tables([PlatformKey])
        # Ed25519: constant-time in OpenSSL, unlike this project's pure-Python SM2, and
        # the platform signs on every request (protocol/signing.py says why that matters).
        pair = signing.generate_keypair(signing.ED25519)
        PlatformKey.insert(id=pair.key_id, algorithm=pair.algorithm, public_key=pair.public_b64,
                           private_key=base64.b64encode(pair.private_bytes).decode(),
                           created_at=clock.now().astimezone(UTC).replace(tzinfo=None)).execute()
