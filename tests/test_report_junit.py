"""JUnit XML: golden output, parsed with ElementTree, counts that add up, unknown modes."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from checker.report.junit import render_junit

try:
    from test_report_sample import check_golden, sample_report, without_errors
except ImportError:  # tests collected as a package
    from tests.test_report_sample import check_golden, sample_report, without_errors


def _parse(text: str) -> ET.Element:
    return ET.fromstring(text.encode("utf-8"))


def _cases(root: ET.Element) -> list[ET.Element]:
    return root.findall("./testsuite/testcase")


def test_junit_golden() -> None:
    check_golden("report.junit.xml", render_junit(sample_report()))


def test_suites_per_site_and_file() -> None:
    root = _parse(render_junit(sample_report()))
    names = [suite.get("name") for suite in root.findall("testsuite")]
    assert names == ["site vnet-hub", "site vnet-er", "site vnet-lab", "file templates/branch.json", "no site",
                     "input errors"]


@pytest.mark.parametrize(("mode", "failures", "skipped"), [("fail", 9, 2), ("warn", 6, 5), ("pass", 6, 5)])
def test_counts_add_up(mode: str, failures: int, skipped: int) -> None:
    root = _parse(render_junit(sample_report(), unknown=mode))
    cases = _cases(root)
    assert int(root.get("tests")) == len(cases) == 15
    assert int(root.get("failures")) == sum(1 for c in cases if c.find("failure") is not None) == failures
    assert int(root.get("skipped")) == sum(1 for c in cases if c.find("skipped") is not None) == skipped
    assert int(root.get("errors")) == sum(1 for c in cases if c.find("error") is not None) == 1
    for suite in root.findall("testsuite"):
        suite_cases = suite.findall("testcase")
        assert int(suite.get("tests")) == len(suite_cases)
        assert int(suite.get("failures")) == sum(1 for c in suite_cases if c.find("failure") is not None)
        assert int(suite.get("skipped")) == sum(1 for c in suite_cases if c.find("skipped") is not None)


def test_testcase_shape() -> None:
    root = _parse(render_junit(without_errors(sample_report())))
    by_key = {(c.get("classname"), c.get("name")): c for c in _cases(root)}
    failing = by_key[("VPN-SKU-AZ", "vgw-hub")]
    failure = failing.find("failure")
    assert failure is not None and failure.get("type") == "high"
    assert failure.get("message") == "sku.name is VpnGw2, not an AZ SKU"
    assert "Use VpnGw2AZ." in failure.text
    assert failing.get("file") == "templates/hub.json" and failing.get("line") == "44"
    suppressed = by_key[("VPN-ACTIVE-ACTIVE", "vgw-er-vpn")].find("skipped")
    assert suppressed is not None and "2027-03-31" in suppressed.get("message")
    not_applicable = by_key[("ER-FASTPATH", "cn-er")].find("skipped")
    assert not_applicable is not None and not_applicable.get("message").startswith("not applicable")
    passed = by_key[("VPN-GW-PRESENT", "vgw-hub")]
    assert passed.find("failure") is None and passed.find("skipped") is None
    expired = by_key[("ER-CIRCUIT-REDUNDANCY", "vgw-er")].find("failure")
    assert expired is not None and "waiver expired 2026-10-31" in expired.get("message")
    assert "input errors" not in {s.get("name") for s in root.findall("testsuite")}


def test_unknown_modes() -> None:
    fail_mode = {(c.get("classname"), c.get("name")): c for c in _cases(_parse(render_junit(sample_report())))}
    unknown = fail_mode[("BGP-ASN-RESERVED", "lng-dc1")].find("failure")
    assert unknown is not None and unknown.get("type") == "unknown"
    warn_mode = {(c.get("classname"), c.get("name")): c
                 for c in _cases(_parse(render_junit(sample_report(), unknown="warn")))}
    skipped = warn_mode[("BGP-ASN-RESERVED", "lng-dc1")].find("skipped")
    assert skipped is not None and skipped.get("message").startswith("unknown (warn)")
    with pytest.raises(ValueError):
        render_junit(sample_report(), unknown="maybe")


def test_one_testcase_per_rule_and_resource() -> None:
    report = without_errors(sample_report())
    duplicate = next(r for r in report.results if r.rule == "VPN-SKU-AZ")
    report.results.append(duplicate)
    root = _parse(render_junit(report))
    assert sum(1 for c in _cases(root) if c.get("classname") == "VPN-SKU-AZ") == 1


def test_secret_is_never_in_the_xml() -> None:
    text = render_junit(sample_report())
    assert "abc123" not in text
    assert "sharedKey &lt;secret&gt;" in text
