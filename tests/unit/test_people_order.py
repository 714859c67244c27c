"""People in the order a county office lists them (the demo county's directory): leaders
of the 市政府 first, by rank, then departments, towns last; not by character code, which
put the towns' heads before the 市长."""

from __future__ import annotations

from typing import Any

import pytest
from cachekit import unit, up, user

from client.services import people_order
from client.services.clerk_desk import ClerkDeskService
from client.services.drafting import DraftingService
from client.sync import apply
from server.demo import county


def _county_feed() -> list[dict[str, Any]]:
    feed = [up("unit", unit(u.key, u.name, u.parent, kind=u.kind, sort_order=i))
            for i, u in enumerate(county.units())]
    feed += [up("user", user(f"u-{p.username}", p.display_name, p.unit,
                             roles=list(p.roles), title=p.title)) for p in county.people()]
    return feed


@pytest.fixture
def demo(cache: Any) -> Any:
    apply.apply_page(_county_feed(), cursor="demo")
    apply.set_identity(user_id="u-zhaoxin")
    return cache


def test_title_ranks() -> None:
    ranks = [people_order.title_rank(t) for t in (
        "市长", "常务副市长", "副市长", "局长", "办公室主任（拟办、核稿）", "办公室副主任",
        "信息科科长", "科员")]
    assert ranks == sorted(ranks) and len(set(ranks)) == len(ranks)
    assert people_order.title_rank("镇长") == people_order.title_rank("局长")
    assert people_order.title_rank("") == people_order.STAFF_RANK


def test_the_signatory_list_starts_with_the_mayor_and_ends_with_the_towns(demo: Any) -> None:
    leaders = DraftingService("u-zhaoxin").choices().signatories
    titles = [p.name.split("（")[1].rstrip("）") for p in leaders]
    assert titles[:4] == ["市长", "常务副市长", "副市长", "副市长"]
    assert leaders[0].name == "张建国（市长）"
    assert set(titles[4:]) == {"镇长"}              # the towns' heads after the county's
    towns = [p.unit_name for p in leaders[4:]]
    order = [name for _k, name, _p in county.TOWNS if name in towns]
    assert towns == order                            # the towns in the directory's order


def test_routing_lists_put_county_leadership_first(demo: Any) -> None:
    apply.set_identity(user_id="u-wangli")
    people = ClerkDeskService("u-wangli").routing_people()
    assert people.leaders[0].display_name == "张建国"
    assert people.leaders[-1].title == "镇长"
    first_units = [p.unit_id for p in people.everyone[:5]]
    assert first_units[0] == county.GOV
    towns = [i for i, p in enumerate(people.everyone) if p.unit_id.startswith("fujin-town-")]
    bureaus = [i for i, p in enumerate(people.everyone) if p.unit_id.startswith("fujin-")
               and p.unit_id.removeprefix("fujin-") in {s for s, _n, _p in county.BUREAUS}]
    assert max(bureaus) < min(towns)


def test_names_compare_by_the_installed_key(demo: Any) -> None:
    """Same unit, same rank: by name, in the order the GUI's collator gives (pinyin)."""
    apply.apply_page([up("user", user("u-a", "周强", county.GOV, title="副市长",
                                      roles=["leader"])),
                      up("user", user("u-b", "安平", county.GOV, title="副市长",
                                      roles=["leader"]))], cursor="more")
    pinyin = {"安平": "an ping", "周强": "zhou qiang"}
    people_order.set_name_key(lambda s: pinyin.get(s, s))
    try:
        names = [p.name for p in DraftingService("u-zhaoxin").choices().signatories]
    finally:
        people_order.set_name_key(None)
    assert names.index("安平（副市长）") < names.index("周强（副市长）")
