"""Display helpers without a server: fit lines in Chinese (issue #10), the least next bid of an auction."""
from __future__ import annotations

from services.gateway.console.formatting import fit_line
from services.gateway.console.trading import minimum_bid


def test_fit_lines_name_fields_in_chinese() -> None:
    assert fit_line("transfer_modes: 都接受许可") == "转让方式：都接受许可"
    assert fit_line("domain: 同属污染治理") == "领域：同属污染治理"
    assert fit_line("domain (suggested): 同属污染治理") == "领域（系统推测）：同属污染治理"
    assert fit_line("region: 同在浙江省") == "地区：同在浙江省"
    assert fit_line("trl: 技术成熟度 TRL 7（要求≥6）") == "成熟度：技术成熟度 TRL 7（要求≥6）"
    assert fit_line("price: 报价起点1元在预算2元内").startswith("报价：")
    assert fit_line("budget: 预算2元可覆盖报价1元").startswith("预算：")
    assert fit_line("something new: 说明") == "something new: 说明"  # unknown fields stay readable as they are
    assert fit_line(None) == ""


def test_minimum_bid_follows_the_api_rule() -> None:
    english = {"kind": "english", "current_cny": "410000.00", "increment_cny": "10000.00", "starting_cny": "400000.00"}
    assert minimum_bid(english) == "420000.00"
    assert minimum_bid({**english, "current_cny": None}) == "400000.00"
    assert minimum_bid({**english, "kind": "sealed", "current_cny": None}) == "400000.00"
