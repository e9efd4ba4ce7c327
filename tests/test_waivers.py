"""Waivers: inline metadata parsing (errors with file and line), matching by rule and resource globs,
live versus expired waivers."""

from __future__ import annotations

from datetime import date

import pytest

from checker.model import CheckerError
from checker.report.model import Location, ResourceRef, Result
from checker.report.waivers import Waiver, apply_waivers, inline_waivers
from checker.sources.decode import loads

GW_ID = ("/subscriptions/s1/resourceGroups/rg-net/providers/Microsoft.Network/"
         "virtualNetworkGateways/vgw-hub")
TODAY = date(2026, 11, 26)


def _result(status: str = "fail", rule: str = "VPN-SKU-AZ", rid: str = GW_ID, name: str = "vgw-hub") -> Result:
    return Result(rule=rule, status=status, severity="high", site=None,
                  resource=ResourceRef(rid, "Microsoft.Network/virtualNetworkGateways", name),
                  location=Location("main.json", 20), message="sku.name is VpnGw2")


def _waiver(rule: str = "VPN-SKU-AZ", resource: str = "vgw-hub", expires: date = date(2027, 1, 31),
            source: str = "config") -> Waiver:
    # an inline waiver is written in the template that holds the finding; a configuration waiver in the configuration
    return Waiver(rule=rule, resource=resource, reason="migration booked", expires=expires, source=source,
                  file="main.json" if source == "inline" else ".hybrid-check.yaml", line=4)


def test_inline_waivers_from_decoded_template() -> None:
    text = b"""{
  "metadata": {
    "hybrid-check": {
      "ignore": [
        {"rule": "VPN-SKU-AZ", "reason": "migration booked", "expires": "2027-01-31"},
        {"rule": "VPN-ACTIVE-*", "reason": "one device", "expires": "2026-06-30"}
      ]
    }
  }
}"""
    metadata = loads(text, "main.json")["metadata"]
    waivers = inline_waivers(metadata, GW_ID, "main.json", 2)
    assert [(w.rule, w.expires, w.source, w.resource) for w in waivers] == [
        ("VPN-SKU-AZ", date(2027, 1, 31), "inline", GW_ID), ("VPN-ACTIVE-*", date(2026, 6, 30), "inline", GW_ID)]
    assert waivers[1].line == 6 and waivers[1].file == "main.json"


def test_no_inline_section_gives_no_waivers() -> None:
    assert inline_waivers({"description": "hub gateway"}, GW_ID, "main.json", 3) == []


@pytest.mark.parametrize(("entry", "text"), [
    ({"rule": "VPN-SKU-AZ", "expires": "2027-01-31"}, "reason is missing"),
    ({"rule": "VPN-SKU-AZ", "reason": "  ", "expires": "2027-01-31"}, "reason is missing"),
    ({"rule": "VPN-SKU-AZ", "reason": "booked"}, "expires is missing"),
    ({"reason": "booked", "expires": "2027-01-31"}, "rule is missing"),
    ({"rule": "VPN-SKU-AZ", "reason": "booked", "expires": "next year"}, "is not a date"),
    ("VPN-SKU-AZ", "must be an object"),
])
def test_incomplete_inline_waiver_is_an_error_with_position(entry, text) -> None:
    with pytest.raises(CheckerError, match=text) as caught:
        inline_waivers({"hybrid-check": {"ignore": [entry]}}, GW_ID, "main.json", 12)
    assert caught.value.file == "main.json" and caught.value.line == 12
    assert caught.value.hint and ("expires" in caught.value.hint or "YYYY-MM-DD" in caught.value.hint)


def test_ignore_must_be_a_list() -> None:
    with pytest.raises(CheckerError, match="must be a list"):
        inline_waivers({"hybrid-check": {"ignore": {"rule": "X"}}}, GW_ID, "main.json", 5)


def test_live_waiver_suppresses_fail_and_unknown() -> None:
    results = [_result("fail"), _result("unknown"), _result("pass"), _result("not-applicable")]
    out = apply_waivers(results, [_waiver()], today=TODAY)
    assert [r.status for r in out] == ["suppressed", "suppressed", "pass", "not-applicable"]
    assert out[0].suppression is not None
    assert (out[0].suppression.reason, out[0].suppression.expires, out[0].suppression.source,
            out[0].suppression.expired) == ("migration booked", "2027-01-31", "config", False)
    assert out[2].suppression is None


def test_expired_waiver_keeps_status_and_says_so() -> None:
    out = apply_waivers([_result("fail")], [_waiver(expires=date(2026, 11, 25))], today=TODAY)
    assert out[0].status == "fail"
    assert out[0].suppression is not None and out[0].suppression.expired


def test_waiver_applies_through_its_last_day() -> None:
    out = apply_waivers([_result("fail")], [_waiver(expires=TODAY)], today=TODAY)
    assert out[0].status == "suppressed"


def test_live_waiver_wins_over_expired_one() -> None:
    waivers = [_waiver(expires=date(2025, 1, 1)), _waiver(rule="VPN-*", expires=date(2027, 5, 1))]
    out = apply_waivers([_result()], waivers, today=TODAY)
    assert out[0].status == "suppressed" and out[0].suppression.expires == "2027-05-01"


@pytest.mark.parametrize(("rule", "resource", "matches"), [
    ("VPN-SKU-AZ", "vgw-hub", True),
    ("vpn-sku-*", "VGW-*", True),
    ("VPN-SKU-AZ", "vgw-spoke", False),
    ("VPN-ACTIVE-ACTIVE", "vgw-hub", False),
    ("*", GW_ID.upper(), True),
    ("*", "/subscriptions/s1/resourceGroups/rg-net/*", True),
    ("*", "/subscriptions/s2/*", False),
    ("*", "*/virtualNetworkGateways/vgw-*", True),
])
def test_matching_by_rule_and_resource_globs(rule, resource, matches) -> None:
    out = apply_waivers([_result()], [_waiver(rule=rule, resource=resource)], today=TODAY)
    assert (out[0].status == "suppressed") is matches


def test_inline_waiver_matches_only_its_own_resource() -> None:
    other = _result(rid=GW_ID + "2", name="vgw-hub2")
    inline = _waiver(resource=GW_ID, source="inline")
    out = apply_waivers([_result(), other], [inline], today=TODAY)
    assert [r.status for r in out] == ["suppressed", "fail"]


def test_inline_waiver_with_bracket_in_id_is_literal() -> None:
    odd_id = GW_ID + "[copyIndex()]"
    out = apply_waivers([_result(rid=odd_id)], [_waiver(resource=odd_id, source="inline")], today=TODAY)
    assert out[0].status == "suppressed"


def test_expired_waiver_fails_the_gate_end_to_end() -> None:
    from checker.report.gate import evaluate_gate
    from checker.report.model import Report

    def gate_on(today: date) -> int:
        results = apply_waivers([_result("fail")], [_waiver(expires=date(2026, 12, 31))], today=today)
        return evaluate_gate(Report("hybrid-check", "0", results=results)).exit_code

    assert gate_on(date(2026, 12, 31)) == 0
    assert gate_on(date(2027, 1, 1)) == 1


def test_configuration_waivers_apply(tmp_path) -> None:
    from checker.config import load_config

    path = tmp_path / ".hybrid-check.yaml"
    path.write_text("waivers:\n  - rule: VPN-*\n    resource: vgw-*\n    reason: booked\n"
                    "    expires: 2027-01-31\n", encoding="utf-8")
    out = apply_waivers([_result("fail")], load_config(path).waivers, today=TODAY)
    assert out[0].status == "suppressed" and out[0].suppression.source == "config"
