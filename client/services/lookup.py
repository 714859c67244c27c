"""Small lookups the UI needs beside the main services: titles, a task's document, a unit."""

from __future__ import annotations

from client.models import Delivery, Document, Notice, Task, Unit


def titles(ids: list[str]) -> dict[str, str]:
    """Titles of these documents, notices and deliveries, by id (those held here)."""
    out = {d.id: d.title for d in Document.select(Document.id, Document.title)
           .where(Document.id.in_(ids))}
    out.update({n.id: n.title for n in Notice.select(Notice.id, Notice.title)
                .where(Notice.id.in_(ids))})
    out.update({d.id: d.title for d in Delivery.select(Delivery.id, Delivery.title)
                .where(Delivery.id.in_(ids))})
    return out


def documents_of_tasks(task_ids: list[str]) -> dict[str, str]:
    """The document of each of these tasks, by task id (those held here)."""
    return {t.id: t.document_id for t in
            Task.select(Task.id, Task.document_id).where(Task.id.in_(task_ids))}


def unit_name(unit_id: str | None) -> str:
    """A unit's name from the directory; empty when unknown."""
    unit = Unit.get_or_none(Unit.id == unit_id)
    return unit.name if unit is not None else ""
