"""SARIF: golden output, the OASIS schema, levels and security severities, relative URIs, fingerprints
that survive line moves, suppressions, and what is left out."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from checker.records import replace
from checker.report.model import Location
from checker.report.sarif import find_repository_root, render_sarif

try:
    from test_report_sample import check_golden, sample_report
except ImportError:  # tests collected as a package
    from tests.test_report_sample import check_golden, sample_report



@pytest.fixture
def in_repo(tmp_path, monkeypatch) -> Path:
    """A working directory that is a repository root (input paths in the sample are relative to it)."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "templates").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _run(text: str) -> dict:
    document = json.loads(text)
    assert len(document["runs"]) == 1
    return document["runs"][0]


def test_sarif_golden(in_repo) -> None:
    check_golden("report.sarif", render_sarif(sample_report()))


def test_sarif_validates_against_the_schema(in_repo, sarif_schema_path: Path) -> None:
    schema = json.loads(sarif_schema_path.read_text(encoding="utf-8"))
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
    document = json.loads(render_sarif(sample_report()))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]
    assert errors == []


def test_sarif_of_a_real_scan_validates_and_has_every_failure(sarif_schema_path: Path) -> None:
    from checker.api import scan
    from tests.conftest import REPO_ROOT

    report = scan([REPO_ROOT / "fixtures"])
    document = json.loads(render_sarif(report, root=REPO_ROOT))
    schema = json.loads(sarif_schema_path.read_text(encoding="utf-8"))
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
    assert [e.message for e in validator.iter_errors(document)] == []
    results = document["runs"][0]["results"]
    failures = [r for r in report.results if r.status == "fail"]
    assert len([r for r in results if r["properties"]["status"] == "fail"]) == len(failures)
    assert all(r["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1 for r in results
               if "physicalLocation" in r["locations"][0])
    assert all(not r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith("/")
               for r in results if "physicalLocation" in r["locations"][0])
    broken = json.loads(render_sarif(sample_report()))
    broken["runs"][0]["results"][0]["level"] = "fatal"
    assert list(validator.iter_errors(broken))  # the check can fail


def test_rules_carry_levels_security_severity_and_help(in_repo) -> None:
    run = _run(render_sarif(sample_report()))
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    assert rules["BGP-ASN-RESERVED"]["properties"]["security-severity"] == "9.5"
    assert rules["VPN-SKU-AZ"]["properties"]["security-severity"] == "8.0"
    assert rules["GW-DIAG-LOGS"]["properties"]["security-severity"] == "5.5"
    assert rules["ER-FASTPATH"]["properties"]["security-severity"] == "3.0"
    assert rules["VPN-SKU-AZ"]["defaultConfiguration"]["level"] == "error"
    assert rules["GW-DIAG-LOGS"]["defaultConfiguration"]["level"] == "warning"
    assert rules["ER-FASTPATH"]["defaultConfiguration"]["level"] == "note"
    assert "helpUri" not in rules["VPN-SKU-AZ"]  # no address is guessed
    assert rules["BGP-ASN-RESERVED"]["helpUri"] == "https://example.org/rules/BGP-ASN-RESERVED"  # the rule's own
    assert rules["VPN-SKU-AZ"]["help"]["markdown"].startswith("**VPN gateway uses an AZ SKU** (high)")
    assert "security" in rules["VPN-SKU-AZ"]["properties"]["tags"]
    assert rules["VPN-SKU-AZ"]["shortDescription"]["text"] == "VPN gateway uses an AZ SKU"
    for result in run["results"]:
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]


def test_results_levels_locations_and_omissions(in_repo) -> None:
    run = _run(render_sarif(sample_report()))
    results = run["results"]
    assert {r["properties"]["status"] for r in results} == {"fail", "unknown", "suppressed"}
    assert len(results) == 10  # 14 results minus 3 passes and 1 not-applicable
    by_key = {(r["ruleId"], r["locations"][0]["logicalLocations"][0]["name"]): r for r in results}
    assert by_key[("VPN-SKU-AZ", "vgw-hub")]["level"] == "error"
    assert by_key[("VPN-ACTIVE-ACTIVE", "vgw-hub")]["level"] == "warning"
    assert by_key[("ER-FASTPATH", "cn-er-2")]["level"] == "note"
    unknown = by_key[("BGP-ASN-RESERVED", "lng-dc1")]
    assert unknown["level"] == "warning" and unknown["properties"]["status"] == "unknown"
    assert "parameter 'onPremAsn' has no value" in unknown["message"]["text"]
    physical = by_key[("VPN-SKU-AZ", "vgw-hub")]["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"] == {"uri": "templates/hub.json", "uriBaseId": "%SRCROOT%"}
    assert physical["region"]["startLine"] == 44
    for result in results:
        for location in result["locations"]:
            if "physicalLocation" in location:
                assert location["physicalLocation"]["region"]["startLine"] >= 1
    live = by_key[("ER-FASTPATH", "cn-live")]
    assert "physicalLocation" not in live["locations"][0]
    expired = by_key[("ER-CIRCUIT-REDUNDANCY", "vgw-er")]
    assert "suppressions" not in expired and "expired on 2026-10-31" in expired["message"]["text"]
    assert "<secret>" in by_key[("CONN-SHAREDKEY-SECRET", "cn-hub-onprem")]["message"]["text"]


def test_suppressions(in_repo) -> None:
    report = sample_report()
    inline = next(r for r in report.results if r.rule == "ER-CIRCUIT-REDUNDANCY")
    assert inline.suppression is not None
    report.results.append(replace(
        inline, resource=replace(inline.resource, id=inline.resource.id + "-2", name="vgw-er-2"),
        status="suppressed", suppression=replace(inline.suppression, expired=False)))
    run = _run(render_sarif(report))
    suppressed = [r for r in run["results"] if "suppressions" in r]
    kinds = sorted(r["suppressions"][0]["kind"] for r in suppressed)
    assert kinds == ["external", "inSource"]
    assert all(r["suppressions"][0]["status"] == "accepted" for r in suppressed)
    assert {r["suppressions"][0]["justification"] for r in suppressed} == {
        "second on-prem device arrives in Q1", "second circuit ordered"}


def test_missing_line_becomes_line_one(in_repo) -> None:
    report = sample_report()
    report.results = [replace(r, location=Location(r.location.file, None)) for r in report.results]
    run = _run(render_sarif(report))
    lines = {loc["physicalLocation"]["region"]["startLine"]
             for r in run["results"] for loc in r["locations"] if "physicalLocation" in loc}
    assert lines == {1}


def test_fingerprints_stable_when_lines_move(in_repo) -> None:
    report = sample_report()
    before = [r["partialFingerprints"] for r in _run(render_sarif(report))["results"]]
    report.results = [replace(r, location=Location(r.location.file, (r.location.line or 0) + 25))
                      for r in report.results]
    after = [r["partialFingerprints"] for r in _run(render_sarif(report))["results"]]
    assert before == after
    assert len({fp["hybridCheck/v1"] for fp in before}) == len(before)  # distinct per finding


def test_fingerprint_changes_with_file_resource_or_rule(in_repo) -> None:
    report = sample_report()
    first = report.results[1]
    variants = [first,
                replace(first, location=Location("templates/other.json", 44)),
                replace(first, resource=replace(first.resource, id=first.resource.id + "2")),
                replace(first, rule="VPN-SKU-CURRENT")]
    report.results = variants
    fingerprints = {r["partialFingerprints"]["hybridCheck/v1"] for r in _run(render_sarif(report))["results"]}
    assert len(fingerprints) == 4


def test_fingerprint_ignores_resource_id_casing(in_repo) -> None:
    report = sample_report()
    first = report.results[1]
    report.results = [first, replace(
        first, resource=replace(first.resource, id=first.resource.id.upper()))]
    fingerprints = {r["partialFingerprints"]["hybridCheck/v1"] for r in _run(render_sarif(report))["results"]}
    assert len(fingerprints) == 1


def test_uris_relative_to_given_root(tmp_path, monkeypatch) -> None:
    (tmp_path / "repo" / "infra").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "repo" / "infra")
    report = sample_report()
    run = _run(render_sarif(report, root=tmp_path / "repo"))
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"]
            for r in run["results"] for loc in r["locations"] if "physicalLocation" in loc}
    assert "infra/templates/hub.json" in uris
    outside = replace(report.results[1], location=Location("/elsewhere/x y.json", 3))
    report.results = [outside]
    artifact = _run(render_sarif(report, root=tmp_path / "repo"))["results"][0]["locations"][0][
        "physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": "file:///elsewhere/x%20y.json"}


def test_default_root_is_the_git_repository(tmp_path, monkeypatch) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "a" / "b").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "a" / "b")
    assert find_repository_root() == tmp_path
    run = _run(render_sarif(sample_report()))
    uri = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.startswith("a/b/templates/")


def test_input_errors_become_notifications(in_repo) -> None:
    run = _run(render_sarif(sample_report()))
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    errors = [n for n in invocation["toolExecutionNotifications"] if n["level"] == "error"]
    assert errors[0]["locations"][0]["physicalLocation"]["region"] == {"startLine": 7, "startColumn": 3}
