"""Migration 5: security controls of issue 13 (等保 2.0 level 3).

- `enrolment_code`: one-time codes county IT issues; a signing key is registered only
  with the user's password and such a code (server/enrolment.py).
- `audit_event`: the audit trail of key enrolments, password resets, deactivations and
  unit moves.
- `signing_key.device_name`: the key object names the device it was enrolled on, so
  the user's other devices can announce it.
- `login_failure.address`: failed sign-ins are throttled per address as well as per
  account, so spraying one password over many accounts is slowed down;
  `login_failure.device_id`: a device that signed in before is throttled by its own
  failures only, never locked out by failures elsewhere.

The new tables are frozen copies (column types only), as in the baseline.
"""

from __future__ import annotations

import peewee
from playhouse.migrate import SchemaMigrator, migrate

NAME = "security"


class _Frozen(peewee.Model):
    class Meta:
        legacy_table_names = False


class EnrolmentCode(_Frozen):
    code_hash = peewee.CharField(primary_key=True)
    user_id = peewee.CharField(index=True)
    issued_by = peewee.CharField()
    issued_at = peewee.DateTimeField()
    expires_at = peewee.DateTimeField()
    used_at = peewee.DateTimeField(null=True)
    used_for_key = peewee.CharField(null=True)


class AuditEvent(_Frozen):
    id = peewee.AutoField()
    at = peewee.DateTimeField(index=True)
    actor_id = peewee.CharField(null=True)
    action = peewee.CharField(index=True)
    subject_id = peewee.CharField(null=True, index=True)
    detail = peewee.TextField()


def apply(db: peewee.Database, migrator: SchemaMigrator) -> None:
    with db.bind_ctx([EnrolmentCode, AuditEvent]):
        db.create_tables([EnrolmentCode, AuditEvent])
    migrate(
        migrator.add_column("login_failure", "address",
                            peewee.CharField(default="")),
        migrator.add_index("login_failure", ("address",)),
        migrator.add_column("login_failure", "device_id", peewee.CharField(default="")),
        migrator.add_column("signing_key", "device_name", peewee.CharField(default="")),
    )
