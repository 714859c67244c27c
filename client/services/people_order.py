"""People in the order a county office lists them: county leadership (市政府/县政府) first,
then the government office and county departments, then the towns; within a unit by
position (市长, 常务副市长, 副市长, 局长/镇长, 主任, deputies, 科长, staff); then by name.

Character code put 孙海涛 (砚山镇镇长) before 张建国 (市长) in the 签发领导 list. The directory
carries no per-person order, so rank comes from the unit's kind and `sort_order` and from
the title's words. Names compare by `name_key`: code points here (no Qt in services);
the GUI installs a zh_CN collator (pinyin order) at start-up through `set_name_key`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final, Protocol, TypeVar

# Unit kinds (protocol.wire.directory.Unit.kind) in the order of a county's lists.
KIND_RANK: Final[Mapping[str, int]] = {
    "county": 0, "government": 0, "leadership": 0,
    "office": 1, "center": 2, "bureau": 2, "department": 2,
    "town": 3, "township": 3,
}
OTHER_KIND_RANK: Final = 2   # a kind not listed: with the departments
EXTERNAL_RANK: Final = 9     # outside bodies (exchange accounts) last

# Title words, first match wins: 常务副市长 before 副市长 before the unit heads.
_TITLE_RANKS: Final[tuple[tuple[re.Pattern[str], int], ...]] = tuple(
    (re.compile(p), r) for p, r in (
        (r"^(市|县|区|旗)长$", 0),
        (r"^常务副(市|县|区|旗)长", 1),
        (r"^副(市|县|区|旗)长", 2),
        (r"^秘书长", 3),
        (r"^副秘书长", 4),
        (r"^(?!.*副).*(局长|镇长|乡长|书记|中心主任)", 5),
        (r"^(?!.*副).*主任", 6),
        (r"副", 7),
        (r"(科|股)长", 8),
    ))
STAFF_RANK: Final = 9


class _Person(Protocol):
    @property
    def display_name(self) -> str: ...

    @property
    def unit_id(self) -> Any: ...

    @property
    def title(self) -> str: ...


def _identity(name: str) -> Any:
    return name


name_key: Callable[[str], Any] = _identity


def set_name_key(key: Callable[[str], Any] | None) -> None:
    """How names compare (a collator's sort key); None: code points again."""
    global name_key
    name_key = key or _identity


def title_rank(title: str | None) -> int:
    """市长 0 … staff 9, from the title's first part (办公室主任（拟办、核稿） → 办公室主任)."""
    head = re.split(r"[（(]", (title or "").strip(), maxsplit=1)[0].strip()
    for pattern, rank in _TITLE_RANKS:
        if pattern.search(head):
            return rank
    return STAFF_RANK


class UnitInfo(Protocol):
    @property
    def id(self) -> Any: ...

    @property
    def kind(self) -> Any: ...

    @property
    def sort_order(self) -> Any: ...

    @property
    def name(self) -> Any: ...


def unit_ranks(units: Iterable[UnitInfo]) -> dict[str, tuple[int, int, str]]:
    """unit id → (kind rank, sort_order, name): the unit's place in the county's lists."""
    out: dict[str, tuple[int, int, str]] = {}
    for u in units:
        kind = str(u.kind or "")
        rank = EXTERNAL_RANK if kind == "external" else KIND_RANK.get(kind, OTHER_KIND_RANK)
        out[str(u.id)] = (rank, int(u.sort_order or 0), str(u.name or ""))
    return out


def person_key(p: _Person, ranks: Mapping[str, tuple[int, int, str]]) -> tuple[Any, ...]:
    level, order, unit = ranks.get(str(p.unit_id or ""), (EXTERNAL_RANK, 0, ""))
    return (level, order, name_key(unit), title_rank(p.title), name_key(p.display_name))


P = TypeVar("P", bound=_Person)


def ordered(people: Iterable[P], units: Iterable[UnitInfo]) -> list[P]:
    ranks = unit_ranks(units)
    return sorted(people, key=lambda p: person_key(p, ranks))


def load_ranks() -> dict[str, tuple[int, int, str]]:
    """The cache's units as ranks (the directory in client.models)."""
    from client.models import Unit

    return unit_ranks(Unit.select(Unit.id, Unit.kind, Unit.sort_order, Unit.name))
