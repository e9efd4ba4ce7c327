"""Outputs through any depth of modules: a connection whose gateway id is an output of a module that
itself takes it from another module's output, computed from resourceId(), resolves at any depth, in
classic and symbolic-name (languageVersion 2.0) templates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from checker.graph import Graph
from checker.sources.arm.context import DeploymentContext
from checker.sources.arm.deployment import expand_template
from checker.sources.decode import loads

RG = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
GW_TYPE = "Microsoft.Network/virtualNetworkGateways"


def module(name: str, template: dict[str, Any], symbolic: bool) -> dict[str, Any]:
    return {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": name,
            "properties": {"mode": "Incremental", "expressionEvaluationOptions": {"scope": "inner"},
                           "template": template}}


def output_of(name: str, symbolic: bool, style: str) -> str:
    if symbolic:
        return f"reference('{name}').outputs.gatewayId.value"
    if style == "resourceId":
        return (f"reference(resourceId('Microsoft.Resources/deployments', '{name}'), '2022-09-01')"
                f".outputs.gatewayId.value")
    return f"reference('{name}').outputs.gatewayId.value"


def chain(depth: int, symbolic: bool, style: str) -> dict[str, Any]:
    """depth nested modules; the innermost deploys the gateway and outputs its id, each outer module
    passes the inner module's output on."""
    gateway = {"type": GW_TYPE, "apiVersion": "2023-09-01", "name": "gw1", "location": "westeurope",
               "properties": {"gatewayType": "Vpn", "sku": {"name": "VpnGw2AZ"}}}
    current = template_of({"gw": gateway}, symbolic,
                          outputs={"gatewayId": {"type": "string", "value": f"[resourceId('{GW_TYPE}', 'gw1')]"}})
    for level in range(depth - 1):
        inner_name = f"level{level}"
        current = template_of({inner_name: module(inner_name, current, symbolic)}, symbolic, outputs={
            "gatewayId": {"type": "string", "value": f"[{output_of(inner_name, symbolic, style)}]"}})
    connection = {"type": "Microsoft.Network/connections", "apiVersion": "2023-09-01", "name": "conn",
                  "location": "westeurope", "properties": {
                      "connectionType": "IPsec",
                      "virtualNetworkGateway1": {"id": f"[{output_of('hub', symbolic, style)}]"}}}
    resources = {"hub": module("hub", current, symbolic), "conn": connection}
    if symbolic:
        connection["dependsOn"] = ["hub"]
    return template_of(resources, symbolic)


def template_of(resources: dict[str, Any], symbolic: bool, outputs: dict[str, Any] | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {"$schema": RG, "contentVersion": "1.0.0.0"}
    if symbolic:
        doc["languageVersion"] = "2.0"
        doc["resources"] = resources
    else:
        doc["resources"] = list(resources.values())
    if outputs:
        doc["outputs"] = outputs
    return doc


@pytest.mark.parametrize("depth", [1, 2, 4])
@pytest.mark.parametrize(("symbolic", "style"), [(False, "name"), (False, "resourceId"), (True, "name")])
def test_gateway_id_through_module_outputs_resolves(depth: int, symbolic: bool, style: str) -> None:
    doc = chain(depth, symbolic, style)
    load = expand_template(loads(json.dumps(doc, indent=1), "main.json"), "main.json", parameter_values={},
                           context=DeploymentContext(), base_dir=Path("."))
    assert load.errors == []
    graph = Graph(load.resources)
    [connection] = graph.of_type("Microsoft.Network/connections")
    [relation] = graph.relations_from(connection, "connection-gateway1")
    assert relation.resolved, relation
    assert graph.get(relation.target).type == GW_TYPE


def test_gateway_named_from_a_parameter_without_value_resolves_through_module_outputs() -> None:
    doc = chain(3, False, "resourceId")
    # the innermost module names the gateway from its parameter, passed down from the top one (no value)
    node = doc
    modules = []
    while True:
        deployment = next((r for r in node["resources"] if r["type"] == "Microsoft.Resources/deployments"), None)
        if deployment is None:
            break
        modules.append(deployment)
        node = deployment["properties"]["template"]
    node["resources"][0]["name"] = "[parameters('gwName')]"
    node["outputs"]["gatewayId"]["value"] = f"[resourceId('{GW_TYPE}', parameters('gwName'))]"
    doc["parameters"] = {"gwName": {"type": "string"}}
    for deployment in modules:
        deployment["properties"]["parameters"] = {"gwName": {"value": "[parameters('gwName')]"}}
        deployment["properties"]["template"]["parameters"] = {"gwName": {"type": "string"}}
    load = expand_template(loads(json.dumps(doc, indent=1), "main.json"), "main.json", parameter_values={},
                           context=DeploymentContext(), base_dir=Path("."))
    assert load.errors == []
    graph = Graph(load.resources)
    [connection] = graph.of_type("Microsoft.Network/connections")
    [relation] = graph.relations_from(connection, "connection-gateway1")
    assert relation.resolved
    assert graph.get(relation.target).name == "<gwName>"
