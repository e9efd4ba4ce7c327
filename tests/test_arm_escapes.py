"""'[[' escapes are consumed once per evaluation pass, as ARM does, across nested deployments.

An outer-scope nested template is evaluated by its parent's pass (which goes over the whole nested
template, inner-scope templates inside it included), then by its own deployment's pass; an
inner-scope template is evaluated only by its own deployment (plus any enclosing outer-scope pass
that went over its text). The real case: a subscription-scope template whose outer-scope nested
deployment holds an inner-scope deployment naming a peering
``[[concat(parameters('hubName'),'/',...)]``: the outer pass yields ``[concat(...)]`` and the inner
deployment evaluates it with its own parameters.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from checker.sources.arm.context import DeploymentContext
from checker.sources.arm.deployment import TemplateLoad, expand_template
from checker.sources.decode import loads

RG = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
SUB = "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#"
CONTEXT = DeploymentContext(subscription_id="sub", resource_group="rg")


def tpl(resources: list[Any], *, schema: str = RG, **sections: Any) -> dict[str, Any]:
    return {"$schema": schema, "contentVersion": "1.0.0.0", **sections, "resources": resources}


def deployment(name: str, template: dict[str, Any], scope: str, **extra: Any) -> dict[str, Any]:
    properties: dict[str, Any] = {"mode": "Incremental", "expressionEvaluationOptions": {"scope": scope},
                                  "template": template}
    properties.update(extra.pop("properties", {}))
    return {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": name,
            "properties": properties, **extra}


def vnet(name: str) -> dict[str, Any]:
    return {"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-09-01", "name": name,
            "location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}


def expand(doc: dict[str, Any]) -> TemplateLoad:
    return expand_template(loads(json.dumps(doc, indent=1), "main.json"), "main.json", parameter_values={},
                           context=CONTEXT, base_dir=Path("."))


def vnet_names(load: TemplateLoad) -> list[Any]:
    return [r.body["name"] for r in load.resources if r.type == "Microsoft.Network/virtualNetworks"]


def test_inner_in_outer_the_real_case_peering_named_with_an_escaped_expression() -> None:
    peering = {"type": "Microsoft.Network/virtualNetworks/virtualNetworkPeerings", "apiVersion": "2023-09-01",
               "name": "[[concat(parameters('hubName'),'/','to-', parameters('spokeName'))]",
               "properties": {"remoteVirtualNetwork": {"id": "[[resourceId('Microsoft.Network/virtualNetworks', "
                                                             "parameters('spokeName'))]"}}}
    inner = tpl([peering], parameters={"hubName": {"type": "string"}, "spokeName": {"type": "string"}})
    middle = tpl([deployment("peer", inner, "inner", properties={"parameters": {
        "hubName": {"value": "[parameters('hubName')]"}, "spokeName": {"value": "spoke-vnet"}}})])
    top = tpl([deployment("hub", middle, "outer", resourceGroup="rg-hub")], schema=SUB,
              parameters={"hubName": {"type": "string", "defaultValue": "hub-vnet"}})
    load = expand(top)
    assert load.errors == []
    [resource] = [r for r in load.resources if r.type.endswith("virtualNetworkPeerings")]
    assert resource.name == "hub-vnet/to-spoke-vnet"
    assert resource.id.startswith("/subscriptions/sub/resourceGroups/rg-hub/")
    assert resource.body["properties"]["remoteVirtualNetwork"]["id"].endswith(
        "/resourceGroups/rg-hub/providers/Microsoft.Network/virtualNetworks/spoke-vnet")


def test_outer_in_top_the_own_pass_of_the_nested_deployment_evaluates_what_the_escape_left() -> None:
    inner = tpl([vnet("[[variables('n')]"), vnet("plain-[[x]")], variables={"n": "from-inner"})
    load = expand(tpl([deployment("d", inner, "outer")], variables={"n": "from-top"}))
    assert load.errors == []
    assert vnet_names(load) == ["from-inner", "plain-[[x]"]


def test_outer_in_outer_the_middle_pass_evaluates_once_escaped_text() -> None:
    innermost = tpl([vnet("[[variables('n')]"), vnet("[[[variables('n')]")], variables={"n": "from-innermost"})
    middle = tpl([deployment("d2", innermost, "outer")], variables={"n": "from-middle"})
    load = expand(tpl([deployment("d1", middle, "outer")], variables={"n": "from-top"}))
    assert load.errors == []
    # top pass -> "[variables('n')]", middle pass evaluates it; a double escape reaches the innermost pass
    assert vnet_names(load) == ["from-middle", "from-innermost"]


def test_outer_in_inner_the_escape_is_consumed_by_the_inner_pass_and_evaluated_by_the_outer_one() -> None:
    innermost = tpl([vnet("[[variables('n')]")], variables={"n": "from-innermost"})
    middle = tpl([deployment("d2", innermost, "outer")], variables={"n": "from-middle"})
    load = expand(tpl([deployment("d1", middle, "inner")], variables={"n": "from-top"}))
    assert load.errors == []
    assert vnet_names(load) == ["from-innermost"]


def test_inner_in_inner_an_escape_stays_a_literal() -> None:
    innermost = tpl([vnet("[[variables('n')]")], variables={"n": "from-innermost"})
    middle = tpl([deployment("d2", innermost, "inner")], variables={"n": "from-middle"})
    load = expand(tpl([deployment("d1", middle, "inner")]))
    assert load.errors == []
    assert vnet_names(load) == ["[variables('n')]"]


def test_top_level_escape_is_a_literal() -> None:
    load = expand(tpl([vnet("[[parameters('x')]")]))
    assert load.errors == [] and vnet_names(load) == ["[parameters('x')]"]


def test_deploy_if_not_exists_policy_template_keeps_its_expressions_for_the_policy_engine() -> None:
    # A policy definition deployed by a template: the template pass consumes one '[' and leaves the
    # policy's own expressions ([field()], [parameters()] of the remediation template) as text.
    dine_template = tpl([{"type": "Microsoft.Network/virtualHubs/hubVirtualNetworkConnections",
                          "apiVersion": "2023-09-01",
                          "name": "[[concat(parameters('hubName'),'/',last(split(parameters('vnet'),'/')))]",
                          "properties": {"remoteVirtualNetwork": {"id": "[[parameters('vnet')]"}}}],
                        parameters={"hubName": {"type": "string"}, "vnet": {"type": "string"}})
    policy = {"type": "Microsoft.Authorization/policyDefinitions", "apiVersion": "2021-06-01", "name": "dine",
              "properties": {"policyType": "Custom", "mode": "All", "policyRule": {
                  "if": {"field": "type", "equals": "Microsoft.Network/virtualNetworks"},
                  "then": {"effect": "deployIfNotExists", "details": {
                      "type": "Microsoft.Network/virtualHubs/hubVirtualNetworkConnections",
                      "deployment": {"properties": {"mode": "incremental", "template": dine_template,
                                                    "parameters": {"vnet": {"value": "[[field('id')]"}}}}}}}}}
    load = expand(tpl([policy]))
    assert load.errors == []
    [definition] = load.resources
    details = definition.body["properties"]["policyRule"]["then"]["details"]
    inner = details["deployment"]["properties"]
    assert inner["parameters"]["vnet"]["value"] == "[field('id')]"
    assert inner["template"]["resources"][0]["name"] == \
        "[concat(parameters('hubName'),'/',last(split(parameters('vnet'),'/')))]"
