"""Exchange data for the `--screenshot` views `clerk_inbox` and `registration` while the
demo platform has none of its own: realistic deliveries to the signed-in clerk's unit
(towns' 请示 and 报告 going up, the province's and 佳木斯's 通知 coming in) and one
document received through the exchange waiting for 登记, written into the demo cache
through the real apply path (each object checked against protocol.wire; the caller
applies `Seeded.changes`). When the demo
platform already sends deliveries, nothing is added."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from client import models
from client.models import Delivery, Document, DocumentData, Unit, User
from protocol.canonical import document_digest
from protocol.wire import validate_object

# (sender: a town's slug or an outside body, doc_type, title, urgency, hours ago)
_BOX = (
    ("黑龙江省人民政府办公厅", "通知", "关于切实做好春季森林草原防灭火工作的紧急通知",
     "very_urgent", 5),
    ("砚山镇", "请示", "关于申请拨付砚山镇防汛应急物资储备资金的请示", "urgent", 30),
    ("佳木斯市人民政府办公室", "通知", "关于开展2026年度政务公开工作考核的通知", "normal", 2),
    ("长安镇", "报告", "关于长安镇2026年春耕生产准备情况的报告", "normal", 3),
    ("头林镇", "请示", "关于头林镇中心小学校舍维修改造项目立项的请示", "normal", 80),
    ("佳木斯市财政局", "函", "关于报送2025年度财政专项资金绩效自评结果的函", "urgent", 1),
    ("兴隆岗镇", "报告", "关于兴隆岗镇秸秆禁烧工作开展情况的报告", "normal", 20),
    ("二龙山镇", "请示", "关于二龙山镇农村饮水安全巩固提升工程配套资金的请示", "normal", 6),
)
_PREFIX = {"黑龙江省人民政府办公厅": "黑政办传", "佳木斯市人民政府办公室": "佳政办发",
           "佳木斯市财政局": "佳财函"}


@dataclass(frozen=True)
class Seeded:
    registration_id: str
    readers: list[str]
    changes: list[dict[str, Any]]   # to apply (client.sync.apply) as one page


def _rfc(dt: datetime) -> str:
    return dt.isoformat(timespec="seconds")


def build(me: str, *, now: datetime | None = None) -> Seeded:
    now = now or datetime.now().astimezone()
    clerk = User.get(User.id == me)
    unit = clerk.unit_id
    towns = {u.name: u for u in Unit.select().where(Unit.kind == "town")}
    changes: list[dict[str, Any]] = []
    if not Delivery.select().where(Delivery.recipient_unit_id == unit).exists():
        for i, (sender, doc_type, title, urgency, hours_ago) in enumerate(_BOX, start=1):
            town = towns.get(sender)
            issuer = f"富锦市{sender}人民政府" if town else sender
            prefix = (_PREFIX.get(sender) or
                      f"{sender[0]}政{'请' if doc_type == '请示' else '报'}")
            sent = now - timedelta(hours=hours_ago)
            doc = {"doc_number": f"{prefix}〔2026〕{3 + i * 2}号", "issuer": issuer,
                   "doc_type": doc_type, "title": title, "classification": "none",
                   "urgency": urgency, "signatory": "孙海涛" if town else None,
                   "main_recipients": ["富锦市人民政府"], "cc": [],
                   "issued_on": (sent - timedelta(days=1)).date().isoformat(), "notes": "",
                   "body": None, "attachments": []}
            doc["digest"] = document_digest(doc)
            data = {"id": f"demo-delivery-{i}", "version": 1, "updated_at": _rfc(sent),
                    "outgoing_id": f"demo-outgoing-{i}" if town else None,
                    "sender_unit_id": town.id if town else f"external-{i}",
                    "recipient_unit_id": unit, "role": "main", "status": "pending",
                    "sent_at": _rfc(sent), "due_at": None, "document": doc,
                    "received_by": None, "received_at": None, "document_id": None,
                    "refused_by": None, "refused_at": None, "reason": None}
            changes.append({"type": "delivery", "id": data["id"], "op": "upsert",
                            "data": validate_object("delivery", data)})
    registration_id = _registration(me, now, changes)
    readers = [u.id for u in User.select().where(User.title.contains("副市长"))
               .order_by(User.display_name) if "leader" in (u.roles or [])][:2]
    return Seeded(registration_id, readers, changes)


def _registration(me: str, now: datetime, changes: list[dict[str, Any]]) -> str:
    """A document received through the exchange (status registered, no route yet): a copy
    of a demo document whose PDF body this PC holds, so the preview shows it."""
    existing = Document.get_or_none((Document.status == "registered")
                                    & Document.delivery_id.is_null(False))
    if existing is not None:
        return str(existing.id)
    source = None
    for doc in (Document.select().where(Document.body_sha256.is_null(False))
                .order_by(Document.urgency_rank.desc(), Document.received_at.desc())):
        entry = models.BlobEntry.get_or_none(models.BlobEntry.sha256 == doc.body_sha256)
        if entry is not None and entry.state == "present":
            source = doc
            break
    if source is None:
        source = Document.select().order_by(Document.received_at.desc()).first()
    data = dict(DocumentData.get(DocumentData.pk == source.pk).data)
    received = now - timedelta(minutes=40)
    data.update({"id": "demo-received-1", "version": 1, "updated_at": _rfc(received),
                 "status": "registered", "received_at": _rfc(received),
                 "registration_number": f"富政办收〔{now.year}〕118号",
                 "delivery_id": "demo-delivery-received", "unit_id":
                 User.get(User.id == me).unit_id})
    changes.append({"type": "document", "id": data["id"], "op": "upsert",
                    "data": validate_object("document", data)})
    return "demo-received-1"
