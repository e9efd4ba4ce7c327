"""Differential tests against the Bicep compiler's own output: for every main.bicep / compiled JSON pair
listed in ../shared/corpus2/MANIFEST.md, the graph read from the .bicep equals the graph read from the
JSON (same resource ids, types and evaluated bodies, with the same parameter values), and so do the
scan verdicts. Registry modules (``br/public:``) are compiled into the JSON but not fetched from the
.bicep: their resources are left out of the comparison (the .bicep side reports them as not expanded).

Skipped when ../shared/corpus2 is absent."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from checker import api
from checker.model import Origin, Secret, Unknown
from checker.sources import decode
from checker.sources.arm import deployment
from checker.sources.arm.context import DeploymentContext
from checker.sources.arm.parameters import ParameterValue
from checker.sources.bicep import reader
from checker.sources.inputs import InputLoad
from tests.conftest import shared_dir

CORPUS2 = (shared_dir() or Path("/nonexistent")) / "corpus2"
pytestmark = pytest.mark.skipif(not (CORPUS2 / "MANIFEST.md").is_file(), reason="../shared/corpus2 is absent")

_GW_VNET = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Network/" \
           "virtualNetworks/vnet1"

#: Parameter values where generated ones would not reach the module's resources (an object parameter
#: whose members the template reads). Every other required parameter gets a value of its declared type.
VALUES: dict[str, dict[str, Any]] = {
    # allowedValues of these arrays drifted between the Bicep and its JSON (see DRIFTED): no zones
    "ALZ-Bicep@f974c926/infra-as-code/bicep/modules/hubNetworking/hubNetworking.bicep": {
        "parAzFirewallAvailabilityZones": [], "parAzGatewayAvailabilityZones": [],
    },
    "avm/res/network/virtual-network-gateway/main.bicep": {
        "name": "gw1", "gatewayType": "Vpn", "virtualNetworkResourceId": _GW_VNET,
        "clusterSettings": {"clusterMode": "activeActiveBgp", "asn": 65010},
        "vpnClientAddressPoolPrefix": "172.16.0.0/24",
    },
    "avm/ptn/network/virtual-wan/main.bicep": {
        "virtualWanParameters": {"virtualWanName": "vwan1"},
        "virtualHubParameters": [{"hubName": "hub1", "hubLocation": "westeurope",
                                  "hubAddressPrefix": "10.0.0.0/23"}],
    },
    "avm/res/network/virtual-network/main.bicep": {
        "name": "vnet1", "addressPrefixes": ["10.0.0.0/16"],
        "subnets": [{"name": "GatewaySubnet", "addressPrefix": "10.0.0.0/27"}],
    },
}

#: The one pair whose JSON was not compiled from this Bicep (MANIFEST "Pairs" row 1): the JSON holds
#: ErGw1AZ as the ExpressRoute gateway's default SKU where the committed Bicep says ErGw2AZ.
DRIFTED = {"ALZ-Bicep@f974c926/infra-as-code/bicep/modules/hubNetworking/hubNetworking.bicep":
           {"alz-ExpressRoute-Gateway"}}


def _pairs() -> list[tuple[str, str]]:
    if not (CORPUS2 / "MANIFEST.md").is_file():
        return []
    text = (CORPUS2 / "MANIFEST.md").read_text(encoding="utf-8")
    return re.findall(r"^\| \d+ \| `bicep/([^`]+\.bicep)` \| `([^`]+\.json)` \|", text, re.M)


def _generated(template: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    definitions = template.get("definitions", {})
    for name, spec in template.get("parameters", {}).items():
        if "defaultValue" in spec or spec.get("nullable"):
            continue
        node = spec
        while "$ref" in node and "type" not in node:
            node = definitions.get(node["$ref"].rsplit("/", 1)[-1], {})
        if "allowedValues" in spec:
            values[name] = spec["allowedValues"][0]
            continue
        kind = str(node.get("type", "string")).lower()
        values[name] = {"int": 1, "bool": True, "object": {}, "array": ["v"]}.get(kind, f"v-{name}")
    return values


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Unknown):
        return "<unknown>"
    if isinstance(value, Secret):
        return "<secret>"
    if type(value).__name__ == "PartlyKnown":
        return "<partly known>"
    return value


@cache
def _loads(bicep_rel: str, json_name: str) -> tuple[InputLoad, InputLoad, set[str]]:
    bicep = CORPUS2 / "bicep" / bicep_rel
    compiled = bicep.parent / json_name
    template = decode.loads(compiled.read_bytes(), str(compiled))
    key = bicep_rel.split("bicep-registry-modules/", 1)[-1]
    values = {**_generated(json.loads(compiled.read_text(encoding="utf-8-sig"))), **VALUES.get(key, {})}
    given = {name: ParameterValue(value=value, origin=Origin(file="test")) for name, value in values.items()}
    context = DeploymentContext()
    # The repository is the scanned tree: modules are linked from sibling folders (../publicIp/...).
    repository = CORPUS2 / "bicep" / bicep_rel.split("/", 1)[0]
    resources, errors, notices = reader.read_bicep_files([bicep], str, explicit=given, context=context,
                                                         max_file_bytes=50_000_000, link_roots=(repository,))
    from_bicep = InputLoad(resources, errors, notices, [str(bicep)])
    expanded = deployment.expand_template(template, str(compiled), parameter_values=given, context=context,
                                          base_dir=compiled.parent)
    from_json = InputLoad(expanded.resources, expanded.errors, expanded.notices, [str(compiled)])
    # Registry modules: compiled into the JSON, reported as not expanded from the .bicep.
    registry = {r.id.lower() for r in resources
                if isinstance(r.body.get("properties"), dict)
                and "uri" in (r.body["properties"].get("templateLink") or {})}
    excluded = set(registry)
    changed = True
    while changed:
        changed = False
        for r in expanded.resources:
            holder = str((r.metadata or {}).get("deployment", "")).lower()
            if holder in excluded and r.id.lower() not in excluded:
                excluded.add(r.id.lower())
                changed = True
    return from_bicep, from_json, excluded - registry


def _graph(load: InputLoad, excluded: set[str]) -> dict[str, tuple[str, Any]]:
    graph: dict[str, tuple[str, Any]] = {}
    for resource in load.resources:
        if resource.id.lower() in excluded:
            continue
        body = _plain(resource.body)
        properties = body.get("properties")
        if resource.type.lower() == "microsoft.resources/deployments" and isinstance(properties, dict):
            # the module's template: inline in the JSON, linked (.bicep or registry) from the .bicep
            properties.pop("template", None)
            properties.pop("templateLink", None)
        graph[resource.id] = (resource.type, body)
    return graph


@pytest.mark.parametrize(("bicep_rel", "json_name"), _pairs() or [("none", "none")])
def test_graph_and_verdicts_match_the_compiled_template(bicep_rel: str, json_name: str) -> None:
    if bicep_rel == "none":
        pytest.skip("no pairs")
    from_bicep, from_json, excluded = _loads(bicep_rel, json_name)
    assert [e.message for e in from_bicep.errors] == [] or len(from_bicep.errors) == len(from_json.errors), \
        [e.message for e in from_bicep.errors]
    graph_b, graph_j = _graph(from_bicep, excluded), _graph(from_json, excluded)
    assert graph_b, "the .bicep gives no resources"
    assert set(graph_b) == set(graph_j)
    differing = {key.rsplit("/", 1)[-1] for key in graph_b if graph_b[key] != graph_j[key]}
    assert differing == DRIFTED.get(bicep_rel, set())

    # Verdicts over the same resources: the registry modules' resources (JSON only) are left out.
    kept = [r for r in from_json.resources if r.id.lower() not in excluded]
    report_b = api.evaluate(from_bicep)
    report_j = api.evaluate(InputLoad(kept, from_json.errors, from_json.notices, from_json.files))

    def verdicts(report: Any) -> set[tuple[str, str, str]]:
        return {(r.rule, r.resource.id.lower(), r.status) for r in report.results}

    if bicep_rel in DRIFTED:
        names = DRIFTED[bicep_rel]
        only = verdicts(report_b) ^ verdicts(report_j)
        assert {rid.rsplit("/", 1)[-1] for _, rid, _ in only} <= names
    else:
        assert verdicts(report_b) == verdicts(report_j)


def test_drifted_pair_differs_only_in_the_expressroute_sku() -> None:
    bicep_rel = next(iter(DRIFTED))
    pair = next(((b, j) for b, j in _pairs() if b == bicep_rel), None)
    if pair is None:
        pytest.skip("pair not listed")
    from_bicep, from_json, excluded = _loads(*pair)
    graph_b, graph_j = _graph(from_bicep, excluded), _graph(from_json, excluded)
    key = next(k for k in graph_b if k.endswith("/alz-ExpressRoute-Gateway"))
    sku_b = graph_b[key][1]["properties"]["sku"]["name"]
    sku_j = graph_j[key][1]["properties"]["sku"]["name"]
    assert (sku_b, sku_j) == ("ErGw2AZ", "ErGw1AZ")
    del graph_b[key][1]["properties"]["sku"], graph_j[key][1]["properties"]["sku"]
    assert graph_b[key] == graph_j[key]


def test_registry_modules_are_reported_not_expanded() -> None:
    pair = next(((b, j) for b, j in _pairs() if b.endswith("virtual-network-gateway/main.bicep")), None)
    if pair is None:
        pytest.skip("pair not listed")
    from_bicep, _, excluded = _loads(*pair)
    messages = [n.message for n in from_bicep.notices if n.kind == "not-expanded"]
    assert any("br/public:avm/res/network/public-ip-address" in m for m in messages)
