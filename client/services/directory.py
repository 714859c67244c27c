"""The directory (units and people) for the forward picker and names everywhere."""

from __future__ import annotations

from client.models import Unit, User
from client.services import people_order
from client.types import Person, UnitId, UnitNode, UserId


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class DirectoryService:
    def units_tree(self) -> list[UnitNode]:
        """Every unit as a tree (roots first, then by sort order and name)."""
        units = list(Unit.select().order_by(Unit.sort_order, Unit.name))
        ids = {u.id for u in units}
        children: dict[str | None, list[Unit]] = {}
        for u in units:
            parent = u.parent_id if u.parent_id in ids else None
            children.setdefault(parent, []).append(u)

        def build(u: Unit, seen: frozenset[str]) -> UnitNode:
            kids = [build(c, seen | {u.id}) for c in children.get(u.id, []) if c.id not in seen]
            return UnitNode(id=UnitId(u.id), name=u.name, kind=u.kind,
                            parent_id=UnitId(u.parent_id) if u.parent_id else None,
                            children=kids)

        return [build(u, frozenset()) for u in children.get(None, [])]

    def _people(self, query) -> list[Person]:  # noqa: ANN001
        rows = list(query)
        unit_names = {u.id: u.name for u in
                      Unit.select(Unit.id, Unit.name).where(
                          Unit.id.in_(list({r.unit_id for r in rows if r.unit_id})))}
        people = [Person(id=UserId(r.id), username=r.username, display_name=r.display_name,
                         unit_id=UnitId(r.unit_id or ""), unit_name=unit_names.get(r.unit_id, ""),
                         title=r.title, roles=list(r.roles or [])) for r in rows]
        # As a county office lists people: leadership, departments, towns; rank; name.
        ranks = people_order.load_ranks()
        return sorted(people, key=lambda p: people_order.person_key(p, ranks))

    def people(self, unit_id: str | None = None, *, limit: int = 500) -> list[Person]:
        q = User.select()
        if unit_id is not None:
            q = q.where(User.unit_id == unit_id)
        return self._people(q.order_by(User.display_name).limit(limit))

    def search(self, text: str, *, limit: int = 50) -> list[Person]:
        """People whose name, username, title or unit name contains `text`."""
        text = text.strip()
        if not text:
            return []
        pattern = _like(text)
        units = Unit.select(Unit.id).where(Unit.name ** pattern)
        q = User.select().where(
            User.display_name.contains(text) | User.username.contains(text)
            | User.title.contains(text) | User.unit_id.in_(units))
        return self._people(q.order_by(User.display_name).limit(limit))

    def person(self, user_id: str) -> Person | None:
        found = self._people(User.select().where(User.id == user_id))
        return found[0] if found else None

    def names(self, user_ids: list[str]) -> dict[str, str]:
        rows = User.select(User.id, User.display_name).where(User.id.in_(user_ids))
        return {u.id: u.display_name for u in rows}

    def find_person(self, ref: str) -> Person | None:
        """A person by user id or username (the command line's `--to`)."""
        found = self._people(User.select().where((User.id == ref) | (User.username == ref)))
        return next((p for p in found if p.id == ref), found[0] if found else None)
