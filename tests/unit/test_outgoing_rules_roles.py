"""The units 核发 goes to, counted once each (the clerk's confirmation names the counts)."""

from protocol.outgoing_rules import delivery_roles


def test_a_unit_in_both_lists_is_main_and_counted_once() -> None:
    roles = delivery_roles([{"name": "各镇人民政府", "unit_ids": ["a", "b"]},
                            {"name": "市财政局", "unit_ids": ["f"]}],
                           [{"name": "市财政局", "unit_ids": ["f"]},
                            {"name": "市审计局", "unit_ids": ["g"]}])
    assert roles == {"a": "main", "b": "main", "f": "main", "g": "cc"}
