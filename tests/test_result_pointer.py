"""Findings say where in the resource: the JSON pointer of every resource reaches the result's location
(JSON report and SARIF), and a rule that names the property it tests points at that property."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from checker.cli import main
from checker.policy.loader import load_policies

REPO = Path(__file__).resolve().parents[1]
VPN_HUB = REPO / "fixtures" / "vpn" / "compliant" / "vpn-hub.json"
SYMBOLIC = REPO / "fixtures" / "vpn" / "non-compliant" / "vpn-branch-bicep.json"
REPORT_SCHEMA = REPO / "checker" / "schemas" / "report.schema.json"


def _scan(path: Path, fmt: str, capsys: pytest.CaptureFixture[str]) -> dict:
    main(["scan", str(path), "--format", fmt])
    return json.loads(capsys.readouterr().out)


def _resolve(document: object, pointer: str) -> object:
    for part in pointer.split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        document = document[int(part)] if isinstance(document, list) else document[part]  # type: ignore[index]
    return document


def test_json_locations_carry_the_pointer_of_the_resource(capsys: pytest.CaptureFixture[str]) -> None:
    report = _scan(VPN_HUB, "json", capsys)
    jsonschema.validate(report, json.loads(REPORT_SCHEMA.read_text()))
    template = json.loads(VPN_HUB.read_text())
    assert report["results"]
    for result in report["results"]:
        location = result["location"]
        assert location["pointer"].startswith("/resources/"), result
        pointed = _resolve(template, location["pointer"])
        if location["property"] is None:  # the pointer is the resource (or inline child) itself
            assert isinstance(pointed, dict)
            assert pointed["name"].rsplit("/", 1)[-1] in result["resource"]["name"] or \
                "[" in pointed["name"], (pointed["name"], result["resource"]["name"])
    # an inline GatewaySubnet points inside its VNet, not at the VNet
    subnet = next(r for r in report["results"] if r["resource"]["type"].endswith("/subnets"))
    assert "/properties/subnets/" in subnet["location"]["pointer"]


def test_a_rule_naming_its_property_points_at_it(capsys: pytest.CaptureFixture[str]) -> None:
    report = _scan(VPN_HUB, "json", capsys)
    active = [r for r in report["results"] if r["rule"] == "VPN-ACTIVE-ACTIVE"]
    assert active and all(r["location"]["property"] == "properties.activeActive" for r in active)
    template = json.loads(VPN_HUB.read_text())
    for result in active:
        assert result["location"]["pointer"].endswith("/properties/activeActive")
        assert _resolve(template, result["location"]["pointer"]) is True  # the compliant hub is active-active


def test_sarif_logical_location_carries_the_pointer(capsys: pytest.CaptureFixture[str]) -> None:
    sarif = _scan(SYMBOLIC, "sarif", capsys)
    results = sarif["runs"][0]["results"]
    active = next(r for r in results if r["ruleId"] == "VPN-ACTIVE-ACTIVE")
    logical = active["locations"][0]["logicalLocations"][0]
    # languageVersion 2.0: resources are an object keyed by symbolic name
    assert logical["properties"] == {"jsonPointer": "/resources/gateway/properties/activeActive",
                                     "property": "properties.activeActive"}
    assert all(r["locations"][0]["logicalLocations"][0]["properties"]["jsonPointer"].startswith("/resources/")
               for r in results if "physicalLocation" in r["locations"][0])


def test_property_must_be_a_dotted_path(tmp_path: Path) -> None:
    source = (REPO / "policies" / "vpn" / "VPN-ACTIVE-ACTIVE.yaml").read_text()
    good, bad = tmp_path / "good", tmp_path / "bad"
    good.mkdir()
    bad.mkdir()
    (good / "VPN-ACTIVE-ACTIVE.yaml").write_text(source)
    (bad / "VPN-ACTIVE-ACTIVE.yaml").write_text(
        source.replace("property: properties.activeActive", "property: /properties/activeActive"))
    loaded, errors = load_policies([good])
    assert errors == [] and loaded[0].property == "properties.activeActive"
    loaded, errors = load_policies([bad])
    assert loaded == [] and errors and "property" in str(errors[0])
