"""Template expansion: one test per deployment feature (conditions, copy loops, child and extension
resources, ids per scope, nested and linked deployments, languageVersion 2.0, parameters, secrets),
plus every template of the shared corpus."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import checker.sources.arm.deployment as deployment_module
from checker.model import Origin, Secret, Unknown, normalise_id
from checker.sources.arm.context import DeploymentContext
from checker.sources.arm.deployment import TemplateLoad, expand_template, is_template
from checker.sources.arm.parameters import ParameterValue, is_parameter_file, read_parameter_file
from checker.sources.decode import JsonObject, loads

DATA = Path(__file__).parent / "data" / "arm"
SUB = "11111111-2222-3333-4444-555555555555"
RG = "rg-hub"
CONTEXT = DeploymentContext(subscription_id=SUB, resource_group=RG)
RG_PREFIX = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers"
RG_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
SUB_SCHEMA = "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#"
MG_SCHEMA = "https://schema.management.azure.com/schemas/2019-08-01/managementGroupDeploymentTemplate.json#"
TENANT_SCHEMA = "https://schema.management.azure.com/schemas/2019-08-01/tenantDeploymentTemplate.json#"


def template(resources: Any, *, parameters: dict[str, Any] | None = None, variables: dict[str, Any] | None = None,
             schema: str = RG_SCHEMA, **extra: Any) -> str:
    """A template as indented JSON text, so decoded objects carry real line numbers."""
    doc: dict[str, Any] = {"$schema": schema, "contentVersion": "1.0.0.0"}
    doc.update(extra)
    if parameters is not None:
        doc["parameters"] = parameters
    if variables is not None:
        doc["variables"] = variables
    doc["resources"] = resources
    return json.dumps(doc, indent=2)


def expand(text: str, params: dict[str, ParameterValue] | None = None, *, file: str = "main.json",
           context: DeploymentContext = CONTEXT, base_dir: Path = DATA) -> TemplateLoad:
    return expand_template(loads(text, file), file, parameter_values=params or {}, context=context,
                           base_dir=base_dir)


def given(value: Any, line: int = 7, file: str = "main.parameters.json") -> ParameterValue:
    return ParameterValue(value, Origin(file, line, 9, "/parameters/x"), key_vault=False)


def by_name(load: TemplateLoad) -> dict[str, Any]:
    return {r.name: r for r in load.resources}


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing ``needle``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in template")


VNET = {"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-09-01", "name": "vnet",
        "location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}


# ---------------------------------------------------------------------------------------------------
# Basic shape of a resource
# ---------------------------------------------------------------------------------------------------

def test_resource_shape_origin_and_positions_survive_evaluation() -> None:
    text = template([{**VNET, "name": "[concat('hub', '-vnet')]", "tags": {"env": "[parameters('env')]"},
                      "dependsOn": [], "comments": "x", "metadata": {"hybrid-check": {"waive": ["GW-1"]}}}],
                    parameters={"env": {"type": "string", "defaultValue": "prod"}})
    load = expand(text)
    assert load.errors == []
    [vnet] = load.resources
    assert vnet.id == f"{RG_PREFIX}/Microsoft.Network/virtualNetworks/hub-vnet"
    assert (vnet.type, vnet.name, vnet.source) == ("Microsoft.Network/virtualNetworks", "hub-vnet", "template")
    assert (vnet.subscription_id, vnet.resource_group) == (SUB, RG)
    assert vnet.body["name"] == "hub-vnet" and vnet.body["tags"] == {"env": "prod"}
    assert "apiVersion" not in vnet.body and "comments" not in vnet.body and "dependsOn" not in vnet.body
    assert vnet.origin == Origin("main.json", line_of(text, '"resources"') + 1, 5, "/resources/0")
    properties = vnet.body["properties"]
    assert isinstance(properties, JsonObject)
    assert properties.line == line_of(text, '"properties"')
    assert vnet.metadata["hybrid-check"] == {"waive": ["GW-1"]}


# ---------------------------------------------------------------------------------------------------
# Conditions
# ---------------------------------------------------------------------------------------------------

def test_condition_false_skips_and_unknown_is_kept_with_a_notice() -> None:
    text = template([
        {**VNET, "name": "off", "condition": "[equals(parameters('mode'), 'other')]"},
        {**VNET, "name": "on", "condition": "[equals(parameters('mode'), 'hub')]"},
        {**VNET, "name": "maybe", "condition": "[parameters('deployIt')]"},
    ], parameters={"mode": {"type": "string", "defaultValue": "hub"}, "deployIt": {"type": "bool"}})
    load = expand(text)
    resources = by_name(load)
    assert set(resources) == {"on", "maybe"}
    assert "condition" not in resources["on"].metadata
    assert resources["maybe"].metadata["condition"] == "unknown"
    assert any("condition" in n.message and n.line == resources["maybe"].origin.line for n in load.notices)
    assert any(n.kind == "condition-false" and "/resources/0" in n.message for n in load.notices)


# ---------------------------------------------------------------------------------------------------
# Copy loops
# ---------------------------------------------------------------------------------------------------

def test_resource_copy_names_each_instance_and_records_the_loop() -> None:
    text = template([{**VNET, "name": "[format('spoke-{0}', copyIndex(1))]",
                      "copy": {"name": "spokes", "count": "[length(parameters('spokes'))]", "mode": "Serial",
                               "batchSize": 2},
                      "properties": {"addressSpace": {"addressPrefixes": ["[parameters('spokes')[copyIndex()]]"]}}}],
                    parameters={"spokes": {"type": "array", "defaultValue": ["10.1.0.0/16", "10.2.0.0/16", "10.3.0.0/16"]}})
    load = expand(text)
    assert load.errors == []
    names = [r.name for r in load.resources]
    assert names == ["spoke-1", "spoke-2", "spoke-3"]
    third = load.resources[2]
    assert third.body["properties"]["addressSpace"]["addressPrefixes"] == ["10.3.0.0/16"]
    assert third.metadata["copy"] == {"name": "spokes", "index": 2, "mode": "serial", "batchSize": 2}


def test_copy_count_zero_yields_nothing_and_over_800_is_an_error() -> None:
    text = template([
        {**VNET, "name": "[concat('none', copyIndex())]", "copy": {"name": "none", "count": 0}},
        {**VNET, "name": "[concat('many', copyIndex())]", "copy": {"name": "many", "count": 801}},
        {**VNET, "name": "fine"},
    ])
    load = expand(text)
    assert [r.name for r in load.resources] == ["fine"]
    [error] = load.errors
    assert "801" in error.message and "800" in error.message
    assert error.line == line_of(text, '"name": "many"') - 1 and error.hint


def test_copy_with_unknown_count_is_reported_not_guessed() -> None:
    # One representative instance is checked (issue: rules about each instance must evaluate); the count
    # itself is not guessed: the instance says so in its metadata. (It yielded no resource before.)
    text = template([{**VNET, "name": "[concat('gw', copyIndex())]",
                      "copy": {"name": "gws", "count": "[parameters('n')]"}}],
                    parameters={"n": {"type": "int"}})
    load = expand(text)
    assert load.errors == []
    [instance] = load.resources
    assert instance.metadata["copy"]["countUnknown"] is True
    assert "gws" in load.notices[-1].message and "unknown" in load.notices[-1].message


def test_property_copy_builds_arrays_with_named_copy_index() -> None:
    circuit = {
        "type": "Microsoft.Network/expressRouteCircuits", "apiVersion": "2023-09-01", "name": "er",
        "location": "westeurope",
        "properties": {
            "serviceProviderProperties": {"bandwidthInMbps": 50},
            "copy": [
                {"name": "peerings", "count": "[length(parameters('peerings'))]",
                 "input": {"name": "[parameters('peerings')[copyIndex('peerings')].name]",
                           "properties": {"vlanId": "[add(100, copyIndex('peerings'))]"}}},
                {"name": "authorizations", "count": 2, "input": {"name": "[format('auth{0}', copyIndex('authorizations', 1))]"}},
            ]}}
    load = expand(template([circuit], parameters={
        "peerings": {"type": "array", "defaultValue": [{"name": "AzurePrivatePeering"}, {"name": "MicrosoftPeering"}]}}))
    assert load.errors == []
    properties = load.resources[0].body["properties"]
    assert "copy" not in properties
    assert properties["peerings"] == [{"name": "AzurePrivatePeering", "properties": {"vlanId": 100}},
                                      {"name": "MicrosoftPeering", "properties": {"vlanId": 101}}]
    assert properties["authorizations"] == [{"name": "auth1"}, {"name": "auth2"}]
    assert properties["serviceProviderProperties"] == {"bandwidthInMbps": 50}


def test_variable_copy_both_forms() -> None:
    variables = {
        "copy": [{"name": "subnets", "count": 2,
                  "input": {"name": "[format('snet{0}', copyIndex('subnets'))]",
                            "properties": {"addressPrefix": "[format('10.0.{0}.0/24', copyIndex('subnets'))]"}}}],
        "network": {"copy": [{"name": "prefixes", "count": 2, "input": "[format('10.{0}.0.0/16', copyIndex('prefixes'))]"}],
                    "label": "hub"},
    }
    vnet = {**VNET, "properties": {"addressSpace": {"addressPrefixes": "[variables('network').prefixes]"},
                                   "subnets": "[variables('subnets')]"}, "tags": {"label": "[variables('network').label]"}}
    load = expand(template([vnet], variables=variables))
    assert load.errors == []
    body = load.resources[0].body
    assert body["properties"]["addressSpace"]["addressPrefixes"] == ["10.0.0.0/16", "10.1.0.0/16"]
    assert [s["properties"]["addressPrefix"] for s in body["properties"]["subnets"]] == ["10.0.0.0/24", "10.0.1.0/24"]
    assert body["tags"] == {"label": "hub"}


# ---------------------------------------------------------------------------------------------------
# Child and extension resources, ids per scope
# ---------------------------------------------------------------------------------------------------

def test_nested_child_resources_compose_name_and_type() -> None:
    vnet = {**VNET, "resources": [
        {"type": "subnets", "apiVersion": "2023-09-01", "name": "GatewaySubnet",
         "properties": {"addressPrefix": "10.0.255.0/27"}},
        {"type": "Microsoft.Network/virtualNetworks/virtualNetworkPeerings", "apiVersion": "2023-09-01",
         "name": "vnet/to-spoke", "properties": {"allowGatewayTransit": True}},
        {"type": "Microsoft.Network/virtualNetworks/subnets", "apiVersion": "2023-09-01",
         "name": "AzureBastionSubnet", "properties": {}},
        {"type": "providers/locks", "apiVersion": "2020-05-01", "name": "vnet/Microsoft.Authorization/lock",
         "properties": {"level": "CanNotDelete"}},
    ]}
    load = expand(template([vnet]))
    assert load.errors == []
    resources = by_name(load)
    subnet = resources["vnet/GatewaySubnet"]
    assert subnet.type == "Microsoft.Network/virtualNetworks/subnets"
    assert subnet.id == f"{RG_PREFIX}/Microsoft.Network/virtualNetworks/vnet/subnets/GatewaySubnet"
    assert subnet.origin.pointer == "/resources/0/resources/0"
    assert subnet.body["name"] == "vnet/GatewaySubnet"
    assert "resources" not in resources["vnet"].body
    assert resources["vnet/to-spoke"].id.endswith("/virtualNetworks/vnet/virtualNetworkPeerings/to-spoke")
    assert resources["vnet/AzureBastionSubnet"].type == "Microsoft.Network/virtualNetworks/subnets"
    lock = resources["lock"]  # nested child in the legacy extension form
    assert lock.type == "Microsoft.Authorization/locks"
    assert lock.id == f"{RG_PREFIX}/Microsoft.Network/virtualNetworks/vnet/providers/Microsoft.Authorization/locks/lock"


def test_ids_at_subscription_management_group_and_tenant_scope() -> None:
    rg = {"type": "Microsoft.Resources/resourceGroups", "apiVersion": "2022-09-01", "name": "rg-net",
          "location": "westeurope"}
    policy = {"type": "Microsoft.Authorization/policyAssignments", "apiVersion": "2022-06-01", "name": "deny-pip",
              "properties": {}}
    sub = expand(template([rg, policy], schema=SUB_SCHEMA))
    ids = [r.id for r in sub.resources]
    assert ids == [f"/subscriptions/{SUB}/resourceGroups/rg-net",
                   f"/subscriptions/{SUB}/providers/Microsoft.Authorization/policyAssignments/deny-pip"]
    assert sub.resources[1].resource_group is None and sub.resources[1].subscription_id == SUB
    mg = expand(template([policy], schema=MG_SCHEMA), context=CONTEXT.with_(management_group="corp"))
    assert mg.resources[0].id == ("/providers/Microsoft.Management/managementGroups/corp/providers/"
                                  "Microsoft.Authorization/policyAssignments/deny-pip")
    assert mg.resources[0].subscription_id is None
    tenant = expand(template([policy], schema=TENANT_SCHEMA))
    assert tenant.resources[0].id == "/providers/Microsoft.Authorization/policyAssignments/deny-pip"


def test_extension_resource_with_scope_id_and_relative_scope() -> None:
    gateway = {"type": "Microsoft.Network/virtualNetworkGateways", "apiVersion": "2023-09-01", "name": "gw",
               "location": "westeurope", "properties": {}}
    by_id = {"type": "Microsoft.Insights/diagnosticSettings", "apiVersion": "2021-05-01-preview", "name": "diag",
             "scope": "[resourceId('Microsoft.Network/virtualNetworkGateways', 'gw')]", "properties": {}}
    relative = {**by_id, "name": "diag2", "scope": "[format('Microsoft.Network/virtualNetworkGateways/{0}', 'gw')]"}
    load = expand(template([gateway, by_id, relative]))
    assert load.errors == []
    gateway_id = f"{RG_PREFIX}/Microsoft.Network/virtualNetworkGateways/gw"
    resources = by_name(load)
    for name in ("diag", "diag2"):
        setting = resources[name]
        assert setting.type == "Microsoft.Insights/diagnosticSettings"
        assert setting.id == f"{gateway_id}/providers/Microsoft.Insights/diagnosticSettings/{name}"
        assert setting.metadata["scope"] == gateway_id


def test_legacy_nested_provider_form_of_an_extension_resource() -> None:
    legacy = {"type": "Microsoft.Network/virtualNetworkGateways/providers/diagnosticSettings",
              "apiVersion": "2017-05-01-preview", "name": "gw/Microsoft.Insights/setting",
              "properties": {"logs": [{"category": "GatewayDiagnosticLog", "enabled": True}]}}
    load = expand(template([legacy]))
    assert load.errors == []
    [setting] = load.resources
    gateway_id = f"{RG_PREFIX}/Microsoft.Network/virtualNetworkGateways/gw"
    assert setting.id == f"{gateway_id}/providers/Microsoft.Insights/diagnosticSettings/setting"
    assert setting.type == "Microsoft.Insights/diagnosticSettings" and setting.name == "setting"
    assert setting.metadata["scope"] == gateway_id
    assert setting.metadata["writtenType"] == legacy["type"]


def test_unknown_name_keeps_the_resource_with_a_placeholder_id() -> None:
    text = template([{**VNET, "name": "[parameters('vnetName')]",
                      "resources": [{"type": "subnets", "apiVersion": "2023-09-01", "name": "GatewaySubnet",
                                     "properties": {}}]}],
                    parameters={"vnetName": {"type": "string"}})
    load = expand(text)
    assert load.errors == []
    vnet, subnet = load.resources
    # The placeholder says where the name comes from (it was <unknown@LINE>): the parameter, with a
    # tag of the declaring template in the id so that two templates' parameters never alias.
    [segment] = [part for part in vnet.id.split("/") if part.startswith("<vnetName~")]
    assert vnet.id == f"{RG_PREFIX}/Microsoft.Network/virtualNetworks/{segment}"
    assert vnet.name == "<vnetName>"
    assert vnet.body["name"] == Unknown("parameter 'vnetName' has no value")
    assert subnet.id == f"{RG_PREFIX}/Microsoft.Network/virtualNetworks/{segment}/subnets/GatewaySubnet"
    assert isinstance(subnet.body["name"], Unknown)
    assert any("<vnetName>" in n.message and n.line == vnet.origin.line for n in load.notices)


def test_resources_with_unknown_names_never_share_an_id() -> None:
    copied = {**VNET, "name": "[parameters('names')[copyIndex()]]", "copy": {"name": "c", "count": 3}}
    inner = {"$schema": RG_SCHEMA, "contentVersion": "1.0.0.0", "parameters": {"n": {"type": "string"}},
             "resources": [{**VNET, "name": "[parameters('n')]"}]}
    deployment = nested("[concat('d', copyIndex())]", inner, scope="inner", parameters={"n": {"value": "[parameters('x')]"}})
    deployment["copy"] = {"name": "d", "count": 2}
    load = expand(template([copied, {**VNET, "name": "[parameters('x')]"}, deployment],
                           parameters={"names": {"type": "array"}, "x": {"type": "string"}}))
    vnets = [r for r in load.resources if r.type == "Microsoft.Network/virtualNetworks"]
    assert len(vnets) == 6
    # Three names from distinct items of one array parameter, and the VNet named by parameter 'x'
    # (declared at the top and by both copies of the deployment, which pass 'x' on): the same name
    # in the same resource group is the same resource in ARM, so those three share one id (they were
    # kept apart before unknowns kept their identity).
    assert len({r.key for r in vnets}) == 4
    assert sorted(r.name for r in vnets) == ["<names[0]>", "<names[1]>", "<names[2]>", "<x>", "<x>", "<x>"]


def test_name_with_wrong_segment_count_is_an_error_and_the_rest_expands() -> None:
    text = template([{**VNET, "type": "Microsoft.Network/virtualNetworks/subnets", "name": "only-one"},
                     {**VNET, "name": "ok"}])
    load = expand(text)
    assert [r.name for r in load.resources] == ["ok"]
    [error] = load.errors
    assert "segment" in error.message and error.line == line_of(text, '"resources"') + 1


# ---------------------------------------------------------------------------------------------------
# Nested deployments
# ---------------------------------------------------------------------------------------------------

def nested(name: str, inner: dict[str, Any], *, scope: str | None = None, parameters: dict[str, Any] | None = None,
           **extra: Any) -> dict[str, Any]:
    properties: dict[str, Any] = {"mode": "Incremental", "template": inner}
    if scope is not None:
        properties["expressionEvaluationOptions"] = {"scope": scope}
    if parameters is not None:
        properties["parameters"] = parameters
    return {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": name,
            "properties": properties, **extra}


def test_nested_outer_scope_sees_the_parent_parameters_and_variables() -> None:
    inner = {"$schema": RG_SCHEMA, "contentVersion": "1.0.0.0", "parameters": {"prefix": {"type": "string",
                                                                                          "defaultValue": "inner"}},
             "resources": [{**VNET, "name": "[format('{0}-{1}', parameters('prefix'), variables('suffix'))]",
                            "tags": {"rg": "[resourceGroup().name]"}}]}
    text = template([nested("outer-dep", inner, resourceGroup="rg-spoke")],
                    parameters={"prefix": {"type": "string", "defaultValue": "outer"}}, variables={"suffix": "vnet"})
    load = expand(text)
    assert load.errors == []
    deployment, vnet = load.resources
    assert deployment.type == "Microsoft.Resources/deployments"
    assert deployment.id == f"/subscriptions/{SUB}/resourceGroups/rg-spoke/providers/Microsoft.Resources/deployments/outer-dep"
    assert "template" not in deployment.body["properties"]
    assert vnet.name == "outer-vnet"
    # outer scope: functions still see the parent deployment's resource group, but the resource lands in rg-spoke
    assert vnet.body["tags"] == {"rg": RG}
    assert vnet.resource_group == "rg-spoke"
    assert vnet.origin.pointer == "/resources/0/properties/template/resources/0"
    assert vnet.metadata["deployment"] == deployment.id


def test_nested_inner_scope_gets_its_own_parameters_and_context() -> None:
    inner = {"$schema": RG_SCHEMA, "contentVersion": "1.0.0.0",
             "parameters": {"prefix": {"type": "string"}, "size": {"type": "int", "defaultValue": 3}},
             "variables": {"suffix": "inner"},
             "resources": [{**VNET, "name": "[format('{0}-{1}', parameters('prefix'), variables('suffix'))]",
                            "tags": {"rg": "[resourceGroup().name]", "sub": "[subscription().subscriptionId]",
                                     "size": "[string(parameters('size'))]"}}]}
    other_sub = "99999999-0000-0000-0000-000000000000"
    text = template([nested("inner-dep", inner, scope="inner",
                            parameters={"prefix": {"value": "[concat(parameters('prefix'), '-x')]"}},
                            subscriptionId=other_sub, resourceGroup="rg-remote")],
                    parameters={"prefix": {"type": "string", "defaultValue": "outer"}}, variables={"suffix": "outer"})
    load = expand(text)
    assert load.errors == []
    _, vnet = load.resources
    assert vnet.name == "outer-x-inner"
    assert vnet.body["tags"] == {"rg": "rg-remote", "sub": other_sub, "size": "3"}
    assert vnet.id == f"/subscriptions/{other_sub}/resourceGroups/rg-remote/providers/Microsoft.Network/virtualNetworks/outer-x-inner"
    assert (vnet.subscription_id, vnet.resource_group) == (other_sub, "rg-remote")


def test_nested_deployment_from_subscription_into_a_resource_group() -> None:
    inner = {"$schema": RG_SCHEMA, "contentVersion": "1.0.0.0", "resources": [VNET]}
    load = expand(template([nested("to-rg", inner, scope="inner", resourceGroup="rg-net")], schema=SUB_SCHEMA))
    deployment, vnet = load.resources
    assert deployment.id == f"/subscriptions/{SUB}/resourceGroups/rg-net/providers/Microsoft.Resources/deployments/to-rg"
    assert vnet.id == f"/subscriptions/{SUB}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet"


def test_nested_deployment_in_a_copy_loop_passes_copy_index() -> None:
    inner = {"$schema": RG_SCHEMA, "contentVersion": "1.0.0.0", "parameters": {"n": {"type": "string"}},
             "resources": [{**VNET, "name": "[parameters('n')]"}]}
    deployment = nested("[format('dep{0}', copyIndex())]", inner, scope="inner",
                        parameters={"n": {"value": "[format('vnet{0}', copyIndex())]"}})
    deployment["copy"] = {"name": "deps", "count": 2}
    load = expand(template([deployment]))
    assert [r.name for r in load.resources] == ["dep0", "vnet0", "dep1", "vnet1"]


def test_linked_template_by_relative_path_with_its_parameter_file() -> None:
    load = expand_template(loads((DATA / "linked" / "main.json").read_bytes(), "linked/main.json"),
                           "linked/main.json", parameter_values={}, context=CONTEXT, base_dir=DATA / "linked")
    resources = by_name(load)
    vnet = resources["hub-vnet"]  # prefix from the inline parameters, evaluated in the outer scope
    assert vnet.origin.file == "linked/nested/child.json" and vnet.origin.pointer == "/resources/0"
    assert vnet.body["properties"]["addressSpace"]["addressPrefixes"] == ["10.1.0.0/16"]  # from parametersLink
    # the grandchild's relativePath is resolved against the folder of the linked file that holds it
    assert resources["onprem"].origin.file == "linked/nested/grandchild.json"
    assert resources["onprem"].metadata["deployment"].endswith("/deployments/grandchild")
    assert {"local-link", "remote-link", "missing-link", "grandchild"} <= set(resources)


def test_linked_template_by_uri_is_never_fetched(monkeypatch: pytest.MonkeyPatch) -> None:
    import urllib.request

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a URI was fetched")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    load = expand_template(loads((DATA / "linked" / "main.json").read_bytes(), "linked/main.json"),
                           "linked/main.json", parameter_values={}, context=CONTEXT, base_dir=DATA / "linked")
    not_expanded = [n for n in load.notices if n.kind == "not-expanded"]
    assert len(not_expanded) == 1
    assert "https://example.invalid/templates/gateway.json" in not_expanded[0].message
    assert not_expanded[0].file == "linked/main.json"


def test_missing_linked_file_is_an_error_at_the_deployment() -> None:
    text = (DATA / "linked" / "main.json").read_text()
    load = expand_template(loads(text, "linked/main.json"), "linked/main.json", parameter_values={},
                           context=CONTEXT, base_dir=DATA / "linked")
    [error] = load.errors
    assert error.file == "linked/main.json"
    assert error.line == line_of(text, '"name": "missing-link"') - 3
    assert "nested/does-not-exist.json" in error.message and error.hint


def test_nesting_depth_limit() -> None:
    load = expand_template(loads((DATA / "loop" / "self.json").read_bytes(), "loop/self.json"), "loop/self.json",
                           parameter_values={}, context=CONTEXT, base_dir=DATA / "loop")
    assert len(load.resources) == deployment_module.MAX_NESTING_DEPTH + 1
    assert len(load.errors) == 1 and "deeper than" in load.errors[0].message


def test_total_resource_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deployment_module, "MAX_RESOURCES", 50)
    load = expand(template([{**VNET, "name": "[concat('v', copyIndex())]", "copy": {"name": "c", "count": 60}}]))
    assert len(load.resources) == 50
    assert len(load.errors) == 1 and "more than 50 resources" in load.errors[0].message


# ---------------------------------------------------------------------------------------------------
# languageVersion 2.0
# ---------------------------------------------------------------------------------------------------

V2 = {
    "$schema": RG_SCHEMA, "languageVersion": "2.0", "contentVersion": "1.0.0.0",
    "definitions": {"skuType": {"type": "string", "allowedValues": ["VpnGw1AZ", "VpnGw2AZ"]}},
    "functions": [{"namespace": "net", "members": {"gwName": {
        "parameters": [{"name": "prefix", "type": "string"}],
        "output": {"type": "string", "value": "[format('{0}-gw', parameters('prefix'))]"}}}}],
    "parameters": {"sku": {"$ref": "#/definitions/skuType", "defaultValue": "VpnGw2AZ"},
                   "zones": {"type": "array", "nullable": True}},
    "resources": {
        "hubVnet": {"existing": True, "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-09-01",
                    "name": "hub-vnet", "resourceGroup": "rg-shared"},
        "gwSubnet": {"type": "Microsoft.Network/virtualNetworks/subnets", "apiVersion": "2023-09-01",
                     "name": "GatewaySubnet", "parent": "spokeVnet", "properties": {"addressPrefix": "10.0.255.0/27"}},
        "spokeVnet": {**VNET, "name": "spoke-vnet", "dependsOn": ["hubVnet"]},
        "gateway": {"type": "Microsoft.Network/virtualNetworkGateways", "apiVersion": "2023-09-01",
                    "name": "[net.gwName('hub')]", "location": "westeurope", "dependsOn": ["gwSubnet"],
                    "properties": {"sku": {"name": "[parameters('sku')]"},
                                   "zones": "[coalesce(parameters('zones'), createArray())]"}},
        "gatewayDiag": {"type": "Microsoft.Insights/diagnosticSettings", "apiVersion": "2021-05-01-preview",
                        "name": "diag", "scope": "gateway", "properties": {}},
    },
}


def test_language_version_2_symbolic_names_existing_parent_scope_and_functions() -> None:
    load = expand(json.dumps(V2, indent=2))
    assert load.errors == []
    resources = {r.metadata["symbolicName"]: r for r in load.resources}
    assert set(resources) == {"gwSubnet", "spokeVnet", "gateway", "gatewayDiag"}  # existing: not emitted
    subnet = resources["gwSubnet"]
    assert subnet.name == "spoke-vnet/GatewaySubnet"
    assert subnet.id == f"{RG_PREFIX}/Microsoft.Network/virtualNetworks/spoke-vnet/subnets/GatewaySubnet"
    assert subnet.origin.pointer == "/resources/gwSubnet"
    gateway = resources["gateway"]
    assert gateway.name == "hub-gw"  # user-defined function
    assert gateway.body["properties"]["sku"] == {"name": "VpnGw2AZ"}
    assert gateway.body["properties"]["zones"] == []  # nullable parameter without value is null
    assert gateway.metadata["dependsOn"] == [subnet.id]
    hub_id = f"/subscriptions/{SUB}/resourceGroups/rg-shared/providers/Microsoft.Network/virtualNetworks/hub-vnet"
    assert resources["spokeVnet"].metadata["dependsOn"] == [hub_id]  # dangling: the existing resource's id
    assert normalise_id(hub_id) not in {r.key for r in load.resources}
    assert resources["gatewayDiag"].id == f"{gateway.id}/providers/Microsoft.Insights/diagnosticSettings/diag"


def test_language_version_2_definition_constraints_apply_to_given_values() -> None:
    load = expand(json.dumps(V2, indent=2), {"sku": given("Basic", line=4)})
    [error] = load.errors
    assert error.file == "main.parameters.json" and error.line == 4
    assert "sku" in error.message and "allowed" in error.message
    gateway = next(r for r in load.resources if r.metadata.get("symbolicName") == "gateway")
    assert isinstance(gateway.body["properties"]["sku"]["name"], Unknown)


# ---------------------------------------------------------------------------------------------------
# Parameters and variables
# ---------------------------------------------------------------------------------------------------

PARAMETERS = {
    "sku": {"type": "string", "defaultValue": "VpnGw1", "allowedValues": ["VpnGw1", "VpnGw2AZ"]},
    "asn": {"type": "int", "defaultValue": 65515},
    "location": {"type": "string", "defaultValue": "[resourceGroup().location]"},
}
GATEWAY = {"type": "Microsoft.Network/virtualNetworkGateways", "apiVersion": "2023-09-01", "name": "gw",
           "location": "[parameters('location')]",
           "properties": {"sku": {"name": "[parameters('sku')]"}, "bgpSettings": {"asn": "[parameters('asn')]"}}}


def test_parameter_file_values_win_over_defaults_which_are_evaluated() -> None:
    load = expand(template([GATEWAY], parameters=PARAMETERS), {"sku": given("VpnGw2AZ")},
                  context=CONTEXT.with_(location="northeurope"))
    assert load.errors == []
    body = load.resources[0].body
    assert body["properties"]["sku"]["name"] == "VpnGw2AZ"
    assert body["properties"]["bgpSettings"]["asn"] == 65515
    assert body["location"] == "northeurope"


def test_parameter_names_match_case_insensitively() -> None:
    load = expand(template([GATEWAY], parameters=PARAMETERS), {"SKU": given("VpnGw2AZ")})
    assert load.resources[0].body["properties"]["sku"]["name"] == "VpnGw2AZ"


def test_value_outside_allowed_values_is_an_error_at_the_parameter_file() -> None:
    load = expand(template([GATEWAY], parameters=PARAMETERS), {"sku": given("Basic", line=12)})
    [error] = load.errors
    assert (error.file, error.line) == ("main.parameters.json", 12)
    assert "'sku'" in error.message and "VpnGw2AZ" in error.message and "Basic" not in error.message
    assert isinstance(load.resources[0].body["properties"]["sku"]["name"], Unknown)


def test_value_of_the_wrong_type_is_an_error() -> None:
    load = expand(template([GATEWAY], parameters=PARAMETERS), {"asn": given("65515", line=3)})
    [error] = load.errors
    assert error.line == 3 and "int" in error.message and "string" in error.message
    assert isinstance(load.resources[0].body["properties"]["bgpSettings"]["asn"], Unknown)


def test_parameter_without_value_is_unknown() -> None:
    load = expand(template([{**GATEWAY, "properties": {"vpnType": "[parameters('vpnType')]"}}],
                           parameters={**PARAMETERS, "vpnType": {"type": "string"}}))
    assert load.errors == []
    assert load.resources[0].body["properties"]["vpnType"] == Unknown("parameter 'vpnType' has no value")


def test_variables_are_lazy_and_a_cycle_is_reported_once() -> None:
    text = template([{**VNET, "tags": {"a": "[variables('a')]", "again": "[variables('a')]", "ok": "[variables('ok')]"}}],
                    variables={"a": "[concat('x', variables('b'))]", "b": "[variables('a')]", "ok": "fine",
                               "unused": "[variables('unused')]"})
    load = expand(text)
    [error] = load.errors
    assert "variable 'a' refers to itself through 'b'" in error.message
    assert error.line == line_of(text, '"variables"') and error.hint
    tags = load.resources[0].body["tags"]
    assert tags["ok"] == "fine"
    assert isinstance(tags["a"], Unknown) and isinstance(tags["again"], Unknown)


def test_bad_expression_is_an_error_and_the_rest_still_expands() -> None:
    text = template([{**VNET, "tags": {"bad": "[nosuchfunction()]"}}, {**VNET, "name": "second"}])
    load = expand(text)
    assert [r.name for r in load.resources] == ["vnet", "second"]
    [error] = load.errors
    assert error.file == "main.json" and error.line == line_of(text, '"tags"')
    assert isinstance(load.resources[0].body["tags"]["bad"], Unknown)


def test_expand_template_never_raises_on_garbage() -> None:
    for doc in ([], {"resources": 5}, {"resources": [5, {"type": 1}]}, {"resources": {"x": {"copy": []}}}):
        load = expand_template(doc, "x.json", parameter_values={}, context=CONTEXT, base_dir=DATA)
        assert load.resources == [] and load.errors


# ---------------------------------------------------------------------------------------------------
# Secrets
# ---------------------------------------------------------------------------------------------------

SECRET_PARAMETERS = {
    "fileKey": {"type": "securestring"},
    "vaultKey": {"type": "securestring"},
    "defaultKey": {"type": "string", "defaultValue": "DefaultSharedKeyValue-1"},
    "missingKey": {"type": "securestring"},
    "plainKey": {"type": "string"},
    "adminSecret": {"type": "secureString", "defaultValue": "Adm1nPassw0rdValue!!"},
}
LITERAL_KEY = "LiteralSharedKey-2024-abcdef"
FILE_KEY = "FromTheParameterFile-7788"
PLAIN_KEY = "PlainStringParameter-5566"


def connection(name: str, shared_key: str) -> dict[str, Any]:
    return {"type": "Microsoft.Network/connections", "apiVersion": "2023-09-01", "name": name,
            "location": "westeurope", "properties": {"connectionType": "IPsec", "sharedKey": shared_key}}


def secrets_template() -> str:
    resources = [
        connection("literal", LITERAL_KEY),
        connection("weak", "abc123"),
        connection("file", "[parameters('fileKey')]"),
        connection("vault", "[parameters('vaultKey')]"),
        connection("default", "[parameters('defaultKey')]"),
        connection("missing", "[parameters('missingKey')]"),
        connection("plain", "[parameters('plainKey')]"),
        connection("computed", "[concat('abc', 'def')]"),
        {"type": "Microsoft.Network/connections", "apiVersion": "2023-09-01", "name": "er",
         "properties": {"connectionType": "ExpressRoute", "authorizationKey": "ErAuthorizationKey-0001"}},
        {"type": "Microsoft.Network/expressRouteCircuits", "apiVersion": "2023-09-01", "name": "circuit",
         "properties": {"peerings": [{"name": "AzurePrivatePeering", "properties": {"sharedKey": "md5secret"}}],
                        "copy": [{"name": "authorizations", "count": 1,
                                  "input": {"name": "a", "properties": {"sharedKey": "CopiedKeyValue-42"}}}]},
         "resources": [{"type": "peerings", "apiVersion": "2023-09-01", "name": "MicrosoftPeering",
                        "properties": {"sharedKey": "[parameters('defaultKey')]"}}]},
        {"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2023-09-01", "name": "vm",
         "properties": {"osProfile": {"adminUsername": "azureuser", "adminPassword": "[parameters('adminSecret')]"},
                        "extra": {"adminPassword": "VmLiteralPassword-99"}}},
        nested("pass-through", {"$schema": RG_SCHEMA, "contentVersion": "1.0.0.0",
                                "parameters": {"key": {"type": "string"}},
                                "resources": [connection("nested", "[parameters('key')]")]},
               scope="inner", parameters={"key": {"value": "NestedLiteralKey-3344"}}),
    ]
    return template(resources, parameters=SECRET_PARAMETERS)


def secrets_load() -> TemplateLoad:
    vault = ParameterValue(Unknown("Key Vault reference to secret 'vpn'"), Origin("p.json", 5), key_vault=True)
    return expand(secrets_template(), {"fileKey": given(FILE_KEY), "vaultKey": vault, "plainKey": given(PLAIN_KEY)})


def test_secret_sources_are_classified_from_the_raw_value() -> None:
    load = secrets_load()
    assert load.errors == []
    resources = by_name(load)

    def key(name: str) -> Secret:
        value = resources[name].body["properties"]["sharedKey"]
        assert isinstance(value, Secret), name
        return value

    assert key("literal").source == "template-literal" and key("literal").weak is False
    assert key("literal").length == len(LITERAL_KEY)
    assert key("weak").source == "template-literal" and key("weak").weak is True
    assert key("file").source == "parameter-file"
    assert key("vault").source == "key-vault" and key("vault").length is None
    assert key("default").source == "parameter-default"
    assert key("missing").source == "secure-parameter" and key("missing").digest is None
    assert key("plain").source == "parameter-file"  # not a secure parameter, still classified by its origin
    # concat() of literals is a key written in the template (issue 17, finding 8), not computed at deployment
    assert key("computed").source == "template-literal"
    assert key("nested").source == "template-literal"  # literal passed through properties.parameters
    assert key("plain").digest != key("file").digest
    er = resources["er"].body["properties"]["authorizationKey"]
    assert isinstance(er, Secret) and er.source == "template-literal"
    circuit = resources["circuit"].body["properties"]
    assert isinstance(circuit["peerings"][0]["properties"]["sharedKey"], Secret)
    assert isinstance(circuit["authorizations"][0]["properties"]["sharedKey"], str)  # not a secret path
    child_key = resources["circuit/MicrosoftPeering"].body["properties"]["sharedKey"]
    assert isinstance(child_key, Secret) and child_key.source == "parameter-default"
    vm = resources["vm"].body["properties"]
    assert vm["osProfile"]["adminPassword"].source == "parameter-default"
    assert vm["extra"]["adminPassword"].source == "template-literal"


def test_no_secret_text_anywhere_in_the_load() -> None:
    load = secrets_load()
    text = repr(load) + "".join(str(e) for e in load.errors) + "".join(n.message for n in load.notices)
    for secret in (LITERAL_KEY, FILE_KEY, PLAIN_KEY, "DefaultSharedKeyValue-1", "Adm1nPassw0rdValue!!",
                   "ErAuthorizationKey-0001", "md5secret", "VmLiteralPassword-99", "NestedLiteralKey-3344"):
        assert secret not in text
    assert "azureuser" in text  # the body itself is there


def test_secure_parameter_values_are_secrets_wherever_they_flow() -> None:
    text = template([{**VNET, "tags": {"copy": "[parameters('adminSecret')]"}}], parameters=SECRET_PARAMETERS)
    load = expand(text)
    tag = load.resources[0].body["tags"]["copy"]
    assert isinstance(tag, Secret) and tag.source == "parameter-default"
    assert "Adm1nPassw0rdValue" not in repr(load)


def test_error_about_a_secure_value_does_not_show_it() -> None:
    load = expand(template([VNET], parameters={"k": {"type": "securestring", "allowedValues": ["A-very-long-key-1"]}}),
                  {"k": given("TopSecretButNotAllowed-1")})
    assert len(load.errors) == 1 and "TopSecretButNotAllowed-1" not in repr(load)


# ---------------------------------------------------------------------------------------------------
# The shared corpus
# ---------------------------------------------------------------------------------------------------

def load_corpus_file(path: Path, corpus: Path) -> TemplateLoad | None:
    doc = loads(path.read_bytes(), str(path))
    if not is_template(doc):
        return None
    parameters: dict[str, ParameterValue] = {}
    sibling = path.with_name(path.name[: -len(".json")] + ".parameters.json")
    if sibling.is_file():
        parameter_doc = loads(sibling.read_bytes(), str(sibling))
        assert is_parameter_file(parameter_doc)
        parameters = read_parameter_file(parameter_doc, str(sibling))
    return expand_template(doc, str(path.relative_to(corpus)), parameter_values=parameters,
                           context=DeploymentContext(), base_dir=path.parent)


def test_every_corpus_template_expands_without_exceptions(corpus_dir: Path) -> None:
    expanded = 0
    for path in sorted(corpus_dir.rglob("*.json")):
        if path.stat().st_size == 0:
            continue
        load = load_corpus_file(path, corpus_dir)
        if load is None:
            continue
        expanded += 1
        for resource in load.resources:
            assert resource.id.startswith("/") and resource.type and resource.origin.line, path
    assert expanded >= 15


def corpus_load(corpus_dir: Path, relative: str) -> TemplateLoad:
    load = load_corpus_file(corpus_dir / relative, corpus_dir)
    assert load is not None
    return load


def test_corpus_site_to_site_quickstart_with_its_parameter_file(corpus_dir: Path) -> None:
    load = corpus_load(corpus_dir, "quickstarts/site-to-site-vpn.azuredeploy.json")
    assert load.errors == []
    resources = {r.type.lower(): r for r in load.resources}
    gateway = resources["microsoft.network/virtualnetworkgateways"]
    assert gateway.body["properties"]["sku"]["name"] == "Basic"  # template default, not in the parameter file
    vnet = resources["microsoft.network/virtualnetworks"]
    subnets = {s["name"]: s["properties"]["addressPrefix"] for s in vnet.body["properties"]["subnets"]}
    assert subnets["GatewaySubnet"] == "10.3.200.0/29"  # from the parameter file
    key = resources["microsoft.network/connections"].body["properties"]["sharedKey"]
    assert isinstance(key, Secret) and key.source == "parameter-file"


def test_corpus_expressroute_quickstart_child_peering(corpus_dir: Path) -> None:
    load = corpus_load(corpus_dir, "quickstarts/expressroute-private-peering-vnet.azuredeploy.json")
    assert load.errors == []
    peering = next(r for r in load.resources if r.type.lower() == "microsoft.network/expressroutecircuits/peerings")
    assert peering.name.endswith("/AzurePrivatePeering")
    assert peering.body["properties"]["peerASN"] == 65001


def test_corpus_vnet_to_vnet_bgp_subnet_prefixes_from_variable_objects(corpus_dir: Path) -> None:
    load = corpus_load(corpus_dir, "quickstarts/vnet-to-vnet-bgp.azuredeploy.json")
    assert load.errors == []
    prefixes = sorted(s["properties"]["addressPrefix"] for r in load.resources
                      if r.type == "Microsoft.Network/virtualNetworks" for s in r.body["properties"]["subnets"]
                      if s["name"] == "GatewaySubnet")
    assert prefixes == ["10.0.1.224/27", "10.0.3.224/27"]
    keys = [r.body["properties"]["sharedKey"] for r in load.resources if r.type == "Microsoft.Network/connections"]
    assert len(keys) == 2 and all(isinstance(k, Secret) and k.source == "secure-parameter" for k in keys)


def test_corpus_avm_gateway_test_nested_language_version_2(corpus_dir: Path) -> None:
    load = corpus_load(corpus_dir, "avm-brm/virtual-network-gateway.tests.max.main.test.json")
    gateways = [r for r in load.resources if r.type == "Microsoft.Network/virtualNetworkGateways"]
    assert gateways, "the module inlined in the nested deployment yields the gateway"
    assert gateways[0].body["properties"]["sku"]["name"] == "VpnGw2AZ"
    assert gateways[0].resource_group and "nvgmax" in gateways[0].resource_group
    assert gateways[0].metadata["symbolicName"] == "virtualNetworkGateway"


def test_corpus_linked_uri_templates_are_reported_not_fetched(corpus_dir: Path) -> None:
    load = corpus_load(corpus_dir, "mspnp-refarch/expressroute-vpn-failover.azuredeploy.json")
    assert [r.type for r in load.resources] == ["Microsoft.Resources/deployments"] * 3
    assert len([n for n in load.notices if n.kind == "not-expanded"]) == 3


def test_key_vault_reference_flows_as_unknown_into_plain_properties() -> None:
    vault = ParameterValue(Unknown("Key Vault reference to secret 'prefix'"), Origin("p.json", 5), key_vault=True)
    load = expand(template([{**VNET, "tags": {"p": "[parameters('prefix')]"}}],
                           parameters={"prefix": {"type": "string", "defaultValue": "10.0.0.0/16"}}),
                  {"prefix": vault})
    assert load.errors == []
    assert load.resources[0].body["tags"]["p"] == Unknown("Key Vault reference to secret 'prefix'")


def test_value_for_an_undeclared_parameter_is_an_error_naming_file_template_and_parameter() -> None:
    # ARM refuses a deployment whose parameter file gives a parameter the template does not declare.
    load = expand(template([VNET]), {"notDeclared": given("x", line=9)})
    assert len(load.resources) == 1
    [error] = load.errors
    assert error.file == "main.parameters.json" and error.line == 9
    assert "'notDeclared'" in error.message and "main.json" in error.message


def test_value_given_for_every_template_for_an_undeclared_parameter_is_a_notice() -> None:
    # -p/--set apply to every template of a scan: a template that does not declare the name ignores it.
    shared = ParameterValue("x", Origin("--set notDeclared"), for_every_template=True)
    load = expand(template([VNET]), {"notDeclared": shared})
    assert load.errors == [] and len(load.resources) == 1
    [notice] = load.notices
    assert notice.file == "--set notDeclared" and "notDeclared" in notice.message


def test_nested_deployment_value_for_an_undeclared_parameter_is_an_error() -> None:
    inner = {"$schema": RG_SCHEMA, "contentVersion": "1.0.0.0", "resources": [VNET]}
    load = expand(template([nested("d", inner, scope="inner", parameters={"stray": {"value": 1}})]))
    assert any("'stray'" in e.message and "/resources/0/properties/template" in e.message for e in load.errors)


def test_a_parameter_file_is_not_expanded_as_a_template() -> None:
    doc = loads('{"parameters": {"a": {"value": 1}}}', "p.json")
    load = expand_template(doc, "p.json", parameter_values={}, context=CONTEXT, base_dir=DATA)
    assert load.resources == [] and len(load.errors) == 1 and load.errors[0].line == 1


def test_management_group_to_subscription_to_resource_group_chain() -> None:
    rg_level = {"$schema": RG_SCHEMA, "contentVersion": "1.0.0.0", "resources": [VNET]}
    sub_level = {"$schema": SUB_SCHEMA, "contentVersion": "1.0.0.0",
                 "resources": [nested("to-rg", rg_level, scope="inner", resourceGroup="rg-conn")]}
    text = template([nested("to-sub", sub_level, scope="inner", subscriptionId="conn-sub", location="westeurope")],
                    schema=MG_SCHEMA)
    load = expand(text, context=CONTEXT.with_(management_group="corp"))
    assert load.errors == []
    ids = [r.id for r in load.resources]
    assert ids == ["/subscriptions/conn-sub/providers/Microsoft.Resources/deployments/to-sub",
                   "/subscriptions/conn-sub/resourceGroups/rg-conn/providers/Microsoft.Resources/deployments/to-rg",
                   "/subscriptions/conn-sub/resourceGroups/rg-conn/providers/Microsoft.Network/virtualNetworks/vnet"]
    assert load.resources[0].resource_group is None and load.resources[2].resource_group == "rg-conn"


def test_nested_deployment_outputs_are_offered_to_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    """The scope offers ``deployment_outputs(name)``; a reference() that asks for it gets the outputs
    of an expanded nested deployment (here a stand-in reference() shows the hook at work)."""
    from checker.sources.arm import expressions, functions

    def reference(scope: Any, args: Any, name: str) -> Any:
        outputs = scope.deployment_outputs(args[0])
        return {"outputs": outputs} if outputs is not None else Unknown("not known")

    monkeypatch.setitem(functions.FUNCTIONS, "reference", functions.FunctionSpec("reference", reference, 1, 3, "keep"))
    expressions._compiled.cache_clear()
    inner = {"$schema": RG_SCHEMA, "contentVersion": "1.0.0.0", "parameters": {"net": {"type": "string"}},
             "resources": [], "outputs": {"gatewayPrefix": {"type": "string",
                                                          "value": "[format('{0}.255.224/27', parameters('net'))]"}}}
    vnet = {**VNET, "properties": {"subnets": [{"name": "GatewaySubnet", "properties": {
        "addressPrefix": "[reference('prefixes-for-test').outputs.gatewayPrefix.value]"}}]}}
    text = template([nested("prefixes-for-test", inner, scope="inner", parameters={"net": {"value": "10.7"}}), vnet])
    try:
        load = expand(text)
    finally:
        expressions._compiled.cache_clear()
    assert load.errors == []
    subnet = by_name(load)["vnet"].body["properties"]["subnets"][0]
    assert subnet["properties"]["addressPrefix"] == "10.7.255.224/27"


def test_secret_inside_a_value_built_by_an_expression_is_sealed_without_touching_the_variable() -> None:
    variables = {"props": {"connectionType": "IPsec", "sharedKey": "SharedViaVariable-123456"}}
    resources = [{"type": "Microsoft.Network/connections", "apiVersion": "2023-09-01", "name": "c",
                  "properties": "[variables('props')]"},
                 {**VNET, "tags": "[variables('props')]"}]
    load = expand(template(resources, variables=variables))
    assert load.errors == []
    connection_key = by_name(load)["c"].body["properties"]["sharedKey"]
    # the key is a literal written in the variable: written in the template (issue 17, finding 8)
    assert isinstance(connection_key, Secret) and connection_key.source == "template-literal"
    assert by_name(load)["vnet"].body["tags"]["sharedKey"] == "SharedViaVariable-123456"  # not a secret path


def test_unknown_condition_of_a_nested_deployment_marks_its_resources() -> None:
    inner = {"$schema": RG_SCHEMA, "contentVersion": "1.0.0.0", "resources": [VNET]}
    deployment = nested("maybe", inner, scope="inner")
    deployment["condition"] = "[parameters('flag')]"
    load = expand(template([deployment], parameters={"flag": {"type": "bool"}}))
    assert [r.metadata.get("condition") for r in load.resources] == ["unknown", "unknown"]


def test_not_fetched_notice_hides_the_query_string_of_a_uri() -> None:
    linked = {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "sas",
              "properties": {"mode": "Incremental",
                             "templateLink": {"uri": "https://store.invalid/t/gw.json?sv=2024&sig=SECRETSIGNATURE"}}}
    load = expand(template([linked]))
    [notice] = load.notices
    assert notice.kind == "not-expanded" and "https://store.invalid/t/gw.json?..." in notice.message
    assert "SECRETSIGNATURE" not in repr(load)


def test_a_condition_does_not_cascade_to_nested_child_resources() -> None:
    child = {"type": "subnets", "apiVersion": "2023-09-01", "name": "GatewaySubnet", "properties": {}}
    load = expand(template([{**VNET, "name": "off", "condition": False, "resources": [child]},
                            {**VNET, "name": "maybe", "condition": "[parameters('flag')]", "resources": [child]}],
                           parameters={"flag": {"type": "bool"}}))
    resources = by_name(load)
    assert set(resources) == {"off/GatewaySubnet", "maybe", "maybe/GatewaySubnet"}
    assert resources["maybe"].metadata["condition"] == "unknown"
    assert "condition" not in resources["maybe/GatewaySubnet"].metadata


def test_classic_depends_on_names_resolve_to_ids() -> None:
    pips = {"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2023-09-01",
            "name": "[concat('pip', copyIndex())]", "copy": {"name": "pipLoop", "count": 2}, "properties": {}}
    gateway = {**GATEWAY, "dependsOn": ["pipLoop", "vnet", "Microsoft.Network/virtualNetworks/vnet",
                                        "[resourceId('Microsoft.Network/routeTables', 'rt')]", "not-declared"]}
    load = expand(template([gateway, pips, VNET], parameters=PARAMETERS))
    vnet_id = f"{RG_PREFIX}/Microsoft.Network/virtualNetworks/vnet"
    assert by_name(load)["gw"].metadata["dependsOn"] == [
        f"{RG_PREFIX}/Microsoft.Network/publicIPAddresses/pip0", f"{RG_PREFIX}/Microsoft.Network/publicIPAddresses/pip1",
        vnet_id, vnet_id, f"{RG_PREFIX}/Microsoft.Network/routeTables/rt", "not-declared"]


@pytest.mark.parametrize("member", ["template", "templateLink"])
def test_nested_template_or_link_unknown_before_deployment_is_not_expanded_not_an_error(member: str) -> None:
    deployment = {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "d",
                  "properties": {"mode": "Incremental", member: "[parameters('inner')]"}}
    load = expand(template([deployment], parameters={"inner": {"type": "object"}}))
    assert load.errors == []
    assert [r.type for r in load.resources] == ["Microsoft.Resources/deployments"]
    [notice] = [n for n in load.notices if n.kind == "not-expanded"]
    assert member in notice.message and "parameter 'inner' has no value" in notice.message


def test_nested_template_given_by_a_known_expression_is_expanded() -> None:
    inner = {"$schema": RG_SCHEMA, "contentVersion": "1.0.0.0", "resources": [VNET]}
    deployment = nested("d", inner, scope="inner")
    deployment["properties"]["template"] = "[variables('inner')]"
    load = expand(template([deployment], variables={"inner": inner}))
    assert load.errors == []
    assert [r.type for r in load.resources] == ["Microsoft.Resources/deployments", VNET["type"]]


def test_nested_parameters_unknown_before_deployment_leave_the_inner_parameters_without_value() -> None:
    inner = {"$schema": RG_SCHEMA, "contentVersion": "1.0.0.0",
             "parameters": {"name": {"type": "string"}},
             "resources": [{**VNET, "name": "[parameters('name')]"}]}
    deployment = nested("d", inner, scope="inner")
    deployment["properties"]["parameters"] = "[parameters('given')]"
    load = expand(template([deployment], parameters={"given": {"type": "object"}}))
    assert load.errors == []
    assert any(n.kind == "not-expanded" and "parameters" in n.message for n in load.notices)
    vnet = [r for r in load.resources if r.type == VNET["type"]][0]
    assert isinstance(vnet.body["name"], Unknown)


def test_nested_parameters_given_by_a_known_expression_are_not_evaluated_twice() -> None:
    inner = {"$schema": RG_SCHEMA, "contentVersion": "1.0.0.0",
             "parameters": {"name": {"type": "string"}},
             "resources": [{**VNET, "name": "[parameters('name')]"}]}
    deployment = nested("d", inner, scope="inner")
    deployment["properties"]["parameters"] = "[variables('p')]"
    load = expand(template([deployment], variables={"p": {"name": {"value": "[[literal]"}}}))
    assert load.errors == []
    vnet = [r for r in load.resources if r.type == VNET["type"]][0]
    assert vnet.name == "[literal]"


def test_nested_parameter_given_by_a_property_copy_loop_named_value() -> None:
    # Bicep module calls with [for ...] write {"copy": [{"name": "value", "count": n, "input": ...}]}.
    inner = {"$schema": RG_SCHEMA, "contentVersion": "1.0.0.0", "parameters": {"names": {"type": "array"}},
             "resources": [{**VNET, "name": "[parameters('names')[1]]"}]}
    loop = {"copy": [{"name": "value", "count": 2, "input": "[format('vnet-{0}', copyIndex('value'))]"}]}
    load = expand(template([nested("d", inner, scope="inner", parameters={"names": loop})]))
    assert load.errors == []
    assert [r.name for r in load.resources if r.type == VNET["type"]] == ["vnet-1"]


def test_copy_loop_with_an_unknown_count_yields_one_representative_instance() -> None:
    pip = {"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2023-09-01",
           "name": "[concat('pip-', copyIndex(1))]", "location": "westeurope",
           "copy": {"name": "pips", "count": "[parameters('count')]"},
           "sku": {"name": "Standard"}, "zones": ["1", "2", "3"],
           "properties": {"publicIPAllocationMethod": "Static",
                          "idleTimeoutInMinutes": "[add(4, length(parameters('names')[copyIndex()]))]"}}
    load = expand(template([pip], parameters={"count": {"type": "int"}, "names": {"type": "array"}}))
    assert load.errors == []
    [instance] = load.resources
    assert instance.metadata["copy"] == {"name": "pips", "index": None, "countUnknown": True}
    assert instance.body["sku"]["name"] == "Standard" and instance.body["zones"] == ["1", "2", "3"]
    assert isinstance(instance.body["name"], Unknown)
    assert isinstance(instance.body["properties"]["idleTimeoutInMinutes"], Unknown)
    assert any("one representative instance" in n.message for n in load.notices)


def test_a_nested_template_in_a_copy_loop_checks_and_resolves_each_deployment_on_its_own() -> None:
    # The template object is read for its declarations once and deployed three times: each deployment
    # has its own values, defaults and variables, and a value that breaks allowedValues is reported for
    # the deployment that gives it, its parameter then unknown there only.
    inner = {"$schema": RG_SCHEMA, "contentVersion": "1.0.0.0",
             "parameters": {"sku": {"type": "string", "allowedValues": ["Basic", "Standard"]},
                            "prefix": {"type": "string", "defaultValue": "[concat('net-', parameters('sku'))]"}},
             "variables": {"name": "[toLower(parameters('prefix'))]"},
             "resources": [{**VNET, "name": "[variables('name')]", "tags": {"sku": "[parameters('sku')]"}}]}
    skus = ["Basic", "Premium", "Standard"]
    deployment = nested("[concat('d', copyIndex())]", inner, scope="inner",
                        parameters={"sku": {"value": "[variables('skus')[copyIndex()]]"}},
                        copy={"name": "deployments", "count": 3})
    load = expand(template([deployment], variables={"skus": skus}))
    vnets = [r for r in load.resources if r.type == VNET["type"]]
    assert [v.name for v in vnets if isinstance(v.body["name"], str)] == ["net-basic", "net-standard"]
    assert [v.body["tags"]["sku"] for v in vnets if isinstance(v.body["name"], str)] == ["Basic", "Standard"]
    unknown = [v for v in vnets if not isinstance(v.body["name"], str)]
    assert len(unknown) == 1 and isinstance(unknown[0].body["tags"]["sku"], Unknown)
    assert len(load.errors) == 1 and "not one of its allowed values" in load.errors[0].message
