"""Hostile and broken inputs through the whole CLI: each gives a clear error (file, line, problem)
with exit code 2 or a result, never a traceback, and the other inputs are still checked."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from checker.cli import main

pytestmark = pytest.mark.slow  # outside `make test-fast` (see the Makefile)

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"


def template(resources: list[Any], **extra: Any) -> dict[str, Any]:
    return {"$schema": SCHEMA, "contentVersion": "1.0.0.0", **extra, "resources": resources}


def vnet(prefix: Any = "10.1.255.224/27", **props: Any) -> dict[str, Any]:
    return {"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-09-01", "name": "vnet-hub",
            "location": "westeurope",
            "properties": {"addressSpace": {"addressPrefixes": ["10.1.0.0/16"]},
                           "subnets": [{"name": "GatewaySubnet", "properties": {"addressPrefix": prefix}}], **props}}


def gateway(sku: Any = None, **props: Any) -> dict[str, Any]:
    return {"type": "Microsoft.Network/virtualNetworkGateways", "apiVersion": "2023-09-01", "name": "vgw-hub",
            "location": "westeurope",
            "properties": {"gatewayType": "Vpn", "vpnType": "RouteBased", "activeActive": False,
                           "sku": sku if sku is not None else {"name": "VpnGw2AZ", "tier": "VpnGw2AZ"},
                           "ipConfigurations": [{"name": "default", "properties": {
                               "subnet": {"id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet-hub', 'GatewaySubnet')]"}}}],
                           **props}}


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert "internal error" not in err
    return code, out, err


def write(path: Path, content: Any) -> Path:
    path.write_bytes(content if isinstance(content, bytes) else json.dumps(content, indent=2).encode())
    return path


# Inputs that cannot be read: exit 2, and the message names the file, a line and the problem.
UNREADABLE = [
    ("truncated.json", b'{\n  "$schema": "x",\n  "resources": [\n', "invalid JSON", 4),
    ("empty.json", b"", "the file is empty", 1),
    ("not-arm.json", {"name": "something else", "version": 3}, "not an ARM template", 1),
    ("latin1.json", b'{"resources": [], "x": "caf\xe9"}', "not valid UTF-8", 1),
    ("huge-int.json", b'{"resources": [], "n": ' + b"1" * 5000 + b"}", "invalid JSON value", None),
    ("deep.json", b'{"resources": [], "x": ' + b"[" * 1000 + b"]" * 1000 + b"}", "nested", 1),
    ("azbb.json", {"$schema": "https://raw.githubusercontent.com/mspnp/template-building-blocks/master/schemas/buildingBlocks.json",
                   "contentVersion": "1.0.0.0", "parameters": {"buildingBlocks": {"value": []}}},
     "Azure Building Blocks", 1),
]


@pytest.mark.parametrize(("name", "content", "message", "line"), UNREADABLE, ids=[u[0] for u in UNREADABLE])
def test_unreadable_inputs_exit_2_with_file_line_and_problem(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: Any, message: str,
        line: int | None) -> None:
    bad = write(tmp_path / name, content)
    code, _, err = run(["scan", str(bad), "--format", "json"], capsys)
    assert code == 2
    assert message in err
    assert name in err
    if line is not None:
        assert f"{name}:{line}" in err


# Templates whose expressions or structure are wrong: exit 2 with the problem named.
BROKEN_TEMPLATES = [
    ("unknown-function", template([vnet(prefix="[nosuchfunction('x')]")]), "nosuchfunction"),
    ("argument-count", template([vnet(prefix="[toLower()]")]), "toLower"),
    ("cyclic-variable", template([vnet(prefix="[variables('a')]")], variables={"a": "[variables('b')]", "b": "[variables('a')]"}),
     "variable"),
    ("self-variable", template([vnet(prefix="[variables('a')]")], variables={"a": "[concat(variables('a'), 'x')]"}),
     "variable"),
    ("copy-over-800", template([{**gateway(), "name": "[format('gw{0}', copyIndex())]", "copy": {"name": "c", "count": 801}}]),
     "800"),
    ("missing-linked", template([{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "linked",
                                  "properties": {"mode": "Incremental", "templateLink": {"relativePath": "nested/missing.json"}}}]),
     "missing.json"),
    ("unterminated-string", template([vnet(prefix="[concat('10.1.0.0/24)]")]), "string"),
]


@pytest.mark.parametrize(("name", "doc", "message"), BROKEN_TEMPLATES, ids=[b[0] for b in BROKEN_TEMPLATES])
def test_broken_templates_exit_2_and_name_the_problem(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, doc: dict[str, Any], message: str) -> None:
    bad = write(tmp_path / f"{name}.json", doc)
    code, _, err = run(["scan", str(bad), "--format", "json", "--allow-empty"], capsys)
    assert code == 2
    assert message.lower() in err.lower()
    assert f"{name}.json:" in err


# Wrong shapes: a result (often unknown) or a clear error, never a crash.
WRONG_SHAPES = [
    ("sku-string", template([vnet(), gateway(sku="VpnGw2AZ")])),
    ("prefix-list", template([vnet(prefix=["10.1.255.224/27"]), gateway()])),
    ("prefix-number", template([vnet(prefix=27), gateway()])),
    ("prefix-garbage", template([vnet(prefix="10.1.999.0/27"), gateway()])),
    ("null-properties", template([{**vnet(), "properties": None}, {**gateway(), "properties": None}])),
    ("malformed-subnet-id", template([vnet(), {**gateway(), "properties": {**gateway()["properties"], "ipConfigurations": [
        {"name": "x", "properties": {"subnet": {"id": "not/an/id"}}}]}}])),
    ("ip-configurations-object", template([vnet(), {**gateway(), "properties": {**gateway()["properties"], "ipConfigurations": {"a": 1}}}])),
    ("subnets-string", template([vnet(subnets="GatewaySubnet"), gateway()])),
]


@pytest.mark.parametrize(("name", "doc"), WRONG_SHAPES, ids=[w[0] for w in WRONG_SHAPES])
def test_wrong_shapes_give_results_or_clear_errors(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, doc: dict[str, Any]) -> None:
    path = write(tmp_path / f"{name}.json", doc)
    code, out, err = run(["scan", str(path), "--format", "json"], capsys)
    assert code in (0, 1, 2)
    report = json.loads(out)
    if code == 2:
        assert report["errors"], "exit 2 must come with an input error"
    else:
        assert report["results"], "a readable template must produce results"
        assert report["summary"]["result"] != "pass" or code == 0


def test_other_inputs_are_still_checked_when_one_is_broken(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "broken.json", b'{"resources": [')
    write(tmp_path / "good.json", template([vnet(), gateway()]))
    code, out, err = run(["scan", str(tmp_path), "--format", "json"], capsys)
    assert code == 2
    report = json.loads(out)
    assert any(r["location"]["file"].endswith("good.json") for r in report["results"])
    assert [e["file"].endswith("broken.json") for e in report["errors"]] == [True]
    assert report["summary"]["result"] != "pass"


def test_copy_bomb_is_bounded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inner = template([{**gateway(), "name": "[format('gw{0}', copyIndex())]", "copy": {"name": "c", "count": 800}}])
    outer = template([{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01",
                       "name": "[format('d{0}', copyIndex())]", "copy": {"name": "d", "count": 800},
                       "properties": {"mode": "Incremental", "template": inner}}])
    path = write(tmp_path / "bomb.json", outer)
    code, _, err = run(["scan", str(path), "--format", "json"], capsys)
    assert code == 2
    assert "resources" in err.lower()


def test_linked_template_uri_is_reported_not_fetched(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "remote.json", template([
        {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "remote",
         "properties": {"mode": "Incremental", "templateLink": {"uri": "https://example.invalid/t.json"}}},
        vnet(), gateway()]))
    code, out, _ = run(["scan", str(path), "--format", "json"], capsys)
    report = json.loads(out)
    assert any("https://example.invalid/t.json" in n["message"] for n in report["notices"])


# ---------------------------------------------------------------------------------------------------
# Limits: each hostile input stops at a named limit with file, line and problem (docs/robustness.md).
# ---------------------------------------------------------------------------------------------------

def deployment(inner: dict[str, Any], name: str = "d", scope: str = "inner") -> dict[str, Any]:
    return {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": name,
            "properties": {"mode": "Incremental", "expressionEvaluationOptions": {"scope": scope}, "template": inner}}


def doubling(make: str, leaf: Any, steps: int = 60) -> dict[str, Any]:
    """Variables v0..v{steps} where each one holds the next one twice: 2**steps elements in the end."""
    variables: dict[str, Any] = {f"v{i}": make.format(f"variables('v{i + 1}')", i=i) for i in range(steps)}
    variables[f"v{steps}"] = leaf
    return variables


def nested_deployments(levels: int) -> dict[str, Any]:
    doc = template([])
    for level in range(levels):
        doc = template([deployment(doc, name=f"d{level}")])
    return doc


def deep_json(levels: int) -> bytes:
    return b'{"$schema": "x",\n "resources": [],\n "x": ' + b"[" * levels + b"]" * levels + b"}"


USER_FUNCTION = [{"namespace": "a", "members": {"f": {
    "parameters": [{"name": "x", "type": "int"}],
    "output": {"type": "int", "value": "[a.f(parameters('x'))]"}}}}]
SHARING_FUNCTION = [{"namespace": "a", "members": {"f": {
    "parameters": [{"name": "x", "type": "object"}],
    "output": {"type": "object", "value": "[createObject('a', parameters('x'), 'b', parameters('x'))]"}}}}]


def _sharing_chain(levels: int) -> str:
    text = "createObject()"
    for _ in range(levels):
        text = f"a.f({text})"
    return f"[{text}]"


LIMITS: list[tuple[str, Any, str, int | None]] = [
    ("json-depth", deep_json(201), "JSON nested deeper than 200 levels", 3),
    ("integer-digits", b'{"resources": [],\n "n": ' + b"7" * 5000 + b"}", "an integer of 5,000 digits", 2),
    ("expression-length", template([vnet(prefix="[concat('" + "a" * 25_000 + "')]")]),
     "more than the limit of 24576", None),
    ("expression-depth", template([vnet(prefix="[" + "concat(" * 70 + "'a'" + ")" * 70 + "]")]),
     "expression nested deeper than 64 levels", None),
    ("copy-count", template([{**gateway(), "name": "[concat('g', copyIndex())]", "copy": {"name": "c", "count": 801}}]),
     "copy loop 'c': count 801 is over ARM's limit of 800", None),
    ("property-copy-count", template([vnet(copy=[{"name": "subnets", "count": 10**6, "input": {}}])]),
     "copy loop 'subnets': count 1000000 is over ARM's limit of 800", None),
    ("nested-deployments", nested_deployments(12), "nested deployments go deeper than 10 levels", None),
    ("user-function-recursion", template([vnet(prefix="[a.f(1)]")], functions=USER_FUNCTION),
     "user-defined functions call each other more than 32 levels deep", None),
    ("variable-cycle", template([vnet(prefix="[variables('a')]")],
                                variables={"a": "[variables('b')]", "b": "[concat(variables('a'), 'x')]"}),
     "variable 'a' refers to itself through 'b'", None),
    ("variable-chain", template([vnet(prefix="[variables('v0')]")],
                                variables={**{f"v{i}": f"[variables('v{i + 1}')]" for i in range(200)}, "v200": "x"}),
     "variables refer to each other more than 64 levels deep", None),
    ("parameter-chain", template([vnet(prefix="[parameters('p0')]")], parameters={
        **{f"p{i}": {"type": "string", "defaultValue": f"[parameters('p{i + 1}')]"} for i in range(200)},
        "p200": {"type": "string", "defaultValue": "x"}}),
     "parameter default values refer to each other more than 64 levels deep", None),
    ("doubling-strings", template([vnet(prefix="[variables('v0')]")], variables=doubling("[concat({0}, {0})]", "ab")),
     "more than the limit of 1000000", None),
    ("doubling-arrays", template([vnet(prefix="[length(variables('v0'))]")],
                                 variables=doubling("[concat({0}, {0})]", "[createArray(1, 2)]")),
     "more than the limit of 1000000", None),
    ("doubling-objects", template([vnet(prefix="[string(variables('v0'))]")],
                                  variables=doubling("[createObject('a', {0}, 'b', {0})]", "x")),
     "(counted as a tree), more than the limit of 1,000,000", None),
    ("doubling-union", template([{**vnet(), "tags": "[variables('v0')]"}],
                                variables=doubling("[union({0}, createObject('k{i}', {0}))]", {"a": 1})),
     "(counted as a tree), more than the limit of 1,000,000", None),
    ("doubling-user-function", template([{**vnet(), "tags": _sharing_chain(40)}], functions=SHARING_FUNCTION),
     "(counted as a tree), more than the limit of 1,000,000", None),
    ("huge-range", template([vnet(prefix="[length(range(0, 2000000000))]")]),
     "range(): the count must be between 0 and 10000", None),
    ("huge-padding", template([vnet(prefix="[padLeft('a', 100000000, 'b')]")]), "larger than the limit of 16384", None),
]


@pytest.mark.parametrize(("name", "doc", "message", "line"), LIMITS, ids=[limit[0] for limit in LIMITS])
def test_limits_stop_hostile_inputs_with_file_line_and_problem(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, doc: Any, message: str,
        line: int | None) -> None:
    path = write(tmp_path / f"{name}.json", doc)
    code, out, err = run(["scan", str(path), "--format", "json", "--allow-empty"], capsys)
    assert code == 2
    errors = json.loads(out)["errors"]
    assert any(message in e["message"] and e["file"].endswith(f"{name}.json") for e in errors), errors
    assert all(e["line"] is not None for e in errors)
    if line is not None:
        assert any(e["line"] == line for e in errors if message in e["message"])
    assert_no_swallowed_crash(out + err)


def assert_no_swallowed_crash(text: str) -> None:
    """Layers that never raise report an unexpected exception by its type: none may appear."""
    for sign in ("could not be expanded (", "could not read the export (", "internal error", "Traceback"):
        assert sign not in text


def test_file_size_limit_is_configurable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    big = template([vnet(), gateway()], variables={"padding": "x" * (1024 * 1024 + 10)})
    path = write(tmp_path / "big.json", big)
    code, _, err = run(["scan", str(path), "--format", "json", "--max-file-size", "1"], capsys)
    assert code == 2
    assert f"big.json: file is {path.stat().st_size:,} bytes, more than the limit of 1,048,576" in err
    assert "--max-file-size" in err
    code, out, _ = run(["scan", str(path), "--format", "json", "--max-file-size", "2"], capsys)
    assert code == 1 and json.loads(out)["results"]


def test_total_resource_limit_stops_expansion(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from checker.sources.arm import deployment as deployment_module

    monkeypatch.setattr(deployment_module, "MAX_RESOURCES", 300)
    doc = template([deployment(template([{**vnet(), "name": "[format('v{0}', copyIndex())]",
                                          "copy": {"name": "v", "count": 800}}]),
                               name="[format('d{0}', copyIndex())]", scope="outer") | {
                                   "copy": {"name": "d", "count": 800}}])
    path = write(tmp_path / "bomb.json", doc)
    code, _, err = run(["scan", str(path), "--format", "json"], capsys)
    assert code == 2
    assert "bomb.json:" in err and "the template expands to more than 300 resources; expansion stopped" in err


def test_depth_is_checked_in_large_files_read_by_the_fast_scanner(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from checker.sources import decode

    monkeypatch.setattr(decode, "FULL_POSITION_LIMIT", 100)  # this small export takes the large-file path
    gid = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworkGateways/gw"
    deep = "[" * 400 + "]" * 400
    text = '{"data": [\n {"id": "' + gid + '", "type": "Microsoft.Network/virtualNetworkGateways", "x": ' + deep + "}]}"
    path = write(tmp_path / "deep-export.json", text.encode())
    code, _, err = run(["scan", str(path), "--format", "json"], capsys)
    assert code == 2
    assert "deep-export.json:2:2: JSON nested deeper than 200 levels" in err


# ---------------------------------------------------------------------------------------------------
# Wrong shapes through the whole CLI: a result or a clear input error, never a crash (each row is the
# regression test of a crash or a silent acceptance found and fixed; docs/robustness.md lists them).
# ---------------------------------------------------------------------------------------------------

def connection(**props: Any) -> dict[str, Any]:
    return {"type": "Microsoft.Network/connections", "apiVersion": "2023-09-01", "name": "cn",
            "location": "westeurope",
            "properties": {"connectionType": "IPsec",
                           "virtualNetworkGateway1": {"id": "[resourceId('Microsoft.Network/virtualNetworkGateways', 'vgw-hub')]"},
                           "localNetworkGateway2": {"id": "[resourceId('Microsoft.Network/localNetworkGateways', 'lng')]"},
                           **props}}


def local_gateway(**props: Any) -> dict[str, Any]:
    return {"type": "Microsoft.Network/localNetworkGateways", "apiVersion": "2023-09-01", "name": "lng",
            "location": "westeurope",
            "properties": {"gatewayIpAddress": "203.0.113.1",
                           "localNetworkAddressSpace": {"addressPrefixes": ["192.168.0.0/16"]}, **props}}


# (name, template, expected input error or None when the template must give results)
SHAPES: list[tuple[str, dict[str, Any], str | None]] = [
    ("type-expression", template([{**vnet(), "type": "[concat('Microsoft.Network/', 'virtualNetworks')]"}, gateway()]),
     "the type of the resource is an expression; ARM requires a literal type"),
    ("api-version-expression", template([{**vnet(), "apiVersion": "[parameters('v')]"}, gateway()],
                                        parameters={"v": {"type": "string", "defaultValue": "2023-09-01"}}),
     # ARM deploys an apiVersion given by a parameter or variable (Azure-Samples subscription replicator,
     # arm-ttk issue 373: "this template seems to work for us"); it was an input error here.
     None),
    ("variable-name-expression", template([vnet(), gateway()], variables={"[concat('a', 'b')]": 1}),
     "the variable name '[concat('a', 'b')]' is an expression"),
    ("parameter-name-expression", template([vnet(), gateway()], parameters={"[x]": {"type": "string"}}),
     "the parameter name '[x]' is an expression"),
    ("output-name-expression", template([vnet(), gateway()], outputs={"[x]": {"type": "string", "value": "a"}}),
     "the output name '[x]' is an expression"),
    ("property-name-expression", template([{**vnet(), "tags": {"[concat('a', 'b')]": "c"}}, gateway()]), None),
    ("property-name-bad-expression", template([{**vnet(), "tags": {"[nosuch()]": "c"}}, gateway()]), "nosuch"),
    ("resources-string", template("abc"), "'resources' must be an array or an object"),  # type: ignore[arg-type]
    ("resources-number", template(5), "'resources' must be an array or an object"),  # type: ignore[arg-type]
    ("resource-not-object", template([vnet(), gateway(), "x"]), "the resource at /resources/2 is not an object"),
    ("parameters-list", template([vnet(), gateway()], parameters=[1, 2]),
     "'parameters' at /parameters must be an object, not an array"),
    ("variables-string", template([vnet(), gateway()], variables="x"),
     "'variables' at /variables must be an object, not a string"),
    ("functions-object", template([vnet(), gateway()], functions={"a": 1}),
     "'functions' at /functions must be an array, not an object"),
    ("outputs-list", template([vnet(), gateway()], outputs=[1]), "'outputs' at /outputs must be an object, not an array"),
    ("parameter-declaration-string", template([vnet(), gateway()], parameters={"p": "x"}),
     "parameter 'p' must be declared as an object, not a string"),
    ("sku-list", template([vnet(), gateway(sku=["VpnGw2AZ"])]), None),
    ("sku-name-number", template([vnet(), gateway(sku={"name": 5, "tier": None})]), None),
    ("prefix-dict", template([vnet(prefix={"a": 1}), gateway()]), None),
    ("prefix-null", template([vnet(prefix=None), gateway()]), None),
    ("address-prefixes-string", template([{**vnet(), "properties": {"addressSpace": {"addressPrefixes": "10.0.0.0/8"}}},
                                          gateway()]), None),
    ("address-space-list", template([{**vnet(), "properties": {"addressSpace": ["10.0.0.0/8"]}}, gateway()]), None),
    ("properties-wrong-types", template([{**vnet(), "properties": []}, {**gateway(), "properties": [1]},
                                         {**connection(), "properties": "x"}, {**local_gateway(), "properties": 3}]), None),
    ("connection-references-wrong", template([vnet(), gateway(), local_gateway(), connection(
        virtualNetworkGateway1="x", localNetworkGateway2=5, peer=[1], virtualNetworkGateway2={"id": None})]), None),
    ("connection-fields-wrong", template([vnet(), gateway(), local_gateway(), connection(
        connectionType=5, routingWeight="x", enableBgp="yes", ipsecPolicies=[None, "x", {"saLifeTimeSeconds": "long"}])]),
     None),
    ("local-gateway-fields-wrong", template([vnet(), gateway(), connection(), local_gateway(
        gatewayIpAddress=5, localNetworkAddressSpace={"addressPrefixes": [None, 3, "bad"]},
        bgpSettings={"asn": "x", "bgpPeeringAddress": 5})]), None),
    ("malformed-ids", template([vnet(), {**gateway(), "properties": {**gateway()["properties"], "ipConfigurations": [
        {"name": "a", "properties": {"subnet": {"id": "/"}}}]}}, local_gateway(),
        connection(virtualNetworkGateway1={"id": "///"}, localNetworkGateway2={"id": "providers"})]), None),
    ("name-object", template([{**vnet(), "name": {"a": 1}}, gateway()]), None),
    ("zones-and-tags-wrong", template([{**vnet(), "tags": "x", "zones": "1"}, {**gateway(), "tags": [1], "location": 5}]),
     None),
    ("condition-not-boolean", template([{**gateway(), "condition": "maybe"}, vnet()]),
     "the condition of the resource at /resources/0 is not a boolean"),
    ("copy-count-text", template([{**gateway(), "copy": {"name": "c", "count": "x"}}, vnet()]),
     "copy loop 'c': count must be an integer"),
    ("nested-template-text", template([{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01",
                                        "name": "d", "properties": {"mode": "Incremental", "template": "x"}}]),
     "properties.template is not an object"),
    ("nested-parameters-wrong", template([deployment(template([gateway()]))
                                          | {"properties": {**deployment(template([gateway()]))["properties"],
                                                            "parameters": {"a": 1}}}]),
     "nested deployment parameter 'a' has neither 'value' nor 'reference'"),
]


@pytest.mark.parametrize(("name", "doc", "error"), SHAPES, ids=[shape[0] for shape in SHAPES])
def test_wrong_shapes_give_the_expected_outcome(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, doc: dict[str, Any], error: str | None) -> None:
    path = write(tmp_path / f"{name}.json", doc)
    code, out, err = run(["scan", str(path), "--format", "json", "--allow-empty"], capsys)
    assert_no_swallowed_crash(out + err)
    report = json.loads(out)
    if error is None:
        assert code in (0, 1) and not report["errors"]
        assert report["results"]
    else:
        assert code == 2
        assert any(error in e["message"] and e["file"].endswith(f"{name}.json") and e["line"] for e in report["errors"]), \
            report["errors"]
    code, out, err = run(["graph", str(path), "--format", "json"], capsys)
    assert code == (0 if error is None else 2)
    assert json.loads(out)["resources"] is not None


PARAMETERS_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#"


def parameter_file(parameters: Any) -> dict[str, Any]:
    return {"$schema": PARAMETERS_SCHEMA, "contentVersion": "1.0.0.0", "parameters": parameters}


PARAMETER_FILES: list[tuple[str, Any, str | None]] = [
    ("values-not-objects", parameter_file({"p": "10.1.255.224/27"}), "parameter 'p' has neither 'value' nor 'reference'"),
    ("parameters-list", parameter_file(["a"]), "not a parameter file: no 'parameters' object"),
    ("parameters-null", parameter_file(None), "not a parameter file: no 'parameters' object"),
    ("value-wrong-type", parameter_file({"p": {"value": 5}}),
     "parameter 'p' is declared as string but the value given is an integer"),
    ("reference-not-key-vault", parameter_file({"p": {"reference": "x"}}),
     "parameter 'p': 'reference' is not a Key Vault reference"),
    ("key-vault-odd-fields", parameter_file({"k": {"reference": {"keyVault": {"id": 5}, "secretName": ["x"]}}}), None),
    # A value for an undeclared parameter in the template's own parameter file: ARM refuses the deployment
    # ("not present in the original template"), so this is an input error (it was a notice).
    ("undeclared-parameter", parameter_file({"zzz": {"value": 1}}), "parameter 'zzz', which the template"),
    ("deep-value", parameter_file({"p": {"value": json.loads("[" * 150 + "]" * 150)}}),
     "parameter 'p' is declared as string but the value given is an array"),
]


@pytest.mark.parametrize(("name", "doc", "error"), PARAMETER_FILES, ids=[p[0] for p in PARAMETER_FILES])
def test_broken_parameter_files_beside_or_given(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, doc: Any, error: str | None) -> None:
    main_template = template([vnet(prefix="[parameters('p')]"), gateway()],
                             parameters={"p": {"type": "string", "defaultValue": "10.1.255.224/27"},
                                         "k": {"type": "securestring", "defaultValue": ""}})
    path = write(tmp_path / "main.json", main_template)
    write(tmp_path / "main.parameters.json", doc)
    given = write(tmp_path / f"{name}.json", doc)
    for args in (["scan", str(path)], ["scan", str(path), "-p", str(given)]):
        code, out, err = run([*args, "--format", "json"], capsys)
        assert_no_swallowed_crash(out + err)
        if error is None:
            assert code in (0, 1)
        else:
            assert code == 2 and error in err


GID = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworkGateways/gw"
VID = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v"
EXPORTED_GATEWAY = {"id": GID, "name": "gw", "type": "Microsoft.Network/virtualNetworkGateways", "location": "westeurope",
                    "properties": {"gatewayType": "Vpn", "sku": {"name": "VpnGw2"}, "ipConfigurations": [
                        {"name": "a", "properties": {"subnet": {"id": VID + "/subnets/GatewaySubnet"}}}]}}
EXPORTED_VNET = {"id": VID, "name": "v", "type": "Microsoft.Network/virtualNetworks", "location": "westeurope",
                 "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}, "subnets": [
                     {"id": VID + "/subnets/GatewaySubnet", "name": "GatewaySubnet",
                      "properties": {"addressPrefix": "10.0.0.0/27"}}]}}
AZ_GATEWAY = {"id": GID, "name": "gw", "type": "Microsoft.Network/virtualNetworkGateways", "location": "westeurope",
              "gatewayType": "Vpn", "sku": {"name": "VpnGw2"},
              "ipConfigurations": [{"id": GID + "/ipConfigurations/a", "name": "a",
                                    "subnet": {"id": VID + "/subnets/GatewaySubnet"}}]}

EXPORTS: list[tuple[str, Any, str | None]] = [
    ("non-object-elements", [EXPORTED_GATEWAY, 1, "x", None, EXPORTED_VNET], "element /1 is not a resource object"),
    ("graph-rows-not-objects", {"data": [1, EXPORTED_GATEWAY], "count": 2}, "element /data/0 is not a resource object"),
    ("id-not-text", [{"id": 5, "type": "Microsoft.Network/virtualNetworks"}, EXPORTED_GATEWAY], "resource at /0 has no id"),
    ("table-column-names-not-text", {"data": {"columns": [{"name": {"x": 1}}, {"name": ["y"]}], "rows": [[GID, "t"]]},
                                     "count": 1}, "resource at /data/0 has no id and no type"),
    ("snapshot-not-evaluated-number", {"hybridCheckSnapshot": {"notEvaluated": 5}, "data": [EXPORTED_GATEWAY]},
     "hybridCheckSnapshot.notEvaluated is an integer, not a list of scopes"),
    ("snapshot-not-evaluated-items", {"hybridCheckSnapshot": {"notEvaluated": [1]}, "data": [EXPORTED_GATEWAY]},
     "hybridCheckSnapshot.notEvaluated[0] is an integer, not an object"),
    ("properties-null-or-list", [{**EXPORTED_GATEWAY, "properties": None}, {**EXPORTED_VNET, "properties": [1]}], None),
    ("az-odd-nesting", [{**AZ_GATEWAY, "ipConfigurations": {"a": {"b": {"c": [1, {"id": "x", "foo": [{"id": 3}]}]}}}},
                        EXPORTED_VNET], None),
    ("az-lists-in-lists", [{**AZ_GATEWAY, "ipConfigurations": [[[{"id": "x", "subnet": "y"}]]], "bgpSettings": [None]},
                           EXPORTED_VNET], None),
    ("az-shared-key-object", [{"id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/connections/c",
                               "type": "Microsoft.Network/connections", "name": "c", "sharedKey": {"a": 1},
                               "connectionType": "IPsec", "virtualNetworkGateway1": {"id": GID}}, AZ_GATEWAY,
                              EXPORTED_VNET], None),
    ("malformed-ids", [{**EXPORTED_GATEWAY, "id": "/////"}, {**EXPORTED_VNET, "id": "not-an-id"}], None),
    ("fields-wrong", [{**EXPORTED_GATEWAY, "tags": [1], "properties": {
        "gatewayType": "Vpn", "sku": "x", "activeActive": "true", "bgpSettings": {"asn": "x", "bgpPeeringAddresses": "y"},
        "ipConfigurations": "x"}}, {**EXPORTED_VNET, "zones": 5, "location": None}], None),
    ("not-a-number", b'[{"id": "' + GID.encode() + b'", "type": "Microsoft.Network/virtualNetworkGateways", '
                     b'"properties": {"gatewayType": "Vpn", "bgpSettings": {"asn": 1e400, "peerWeight": NaN}}}]',
     "outside JSON's finite range"),  # non-finite numbers are input errors (issue 17, finding 11)
]


@pytest.mark.parametrize(("name", "doc", "error"), EXPORTS, ids=[e[0] for e in EXPORTS])
def test_broken_exports_give_results_or_errors(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, doc: Any, error: str | None) -> None:
    path = write(tmp_path / f"{name}.json", doc)
    code, out, err = run(["scan", str(path), "--format", "json", "--allow-empty"], capsys)
    assert_no_swallowed_crash(out + err)
    if error is None:
        assert code in (0, 1) and json.loads(out)["results"]
    else:
        assert code == 2 and f"{name}.json" in err and error in err


def _laughs(levels: int) -> str:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for level in range(levels):
        this, previous = chr(98 + level), chr(97 + level)
        lines.append(f"{this}: &{this} [" + ", ".join([f"*{previous}"] * 9) + "]")
    return "\n".join(lines) + "\n"


CONFIGS: list[tuple[str, bytes, str, int | None]] = [
    ("alias-bomb.yaml", _laughs(8).encode(), "the configuration holds more than 100,000 values (aliases included)", 1),
    ("deep.yaml", ("rules: " + "[" * 3000 + "]" * 3000).encode(), "nested deeper than 64 levels", 1),
    ("deep-block.yaml", "".join("  " * i + f"k{i}:\n" for i in range(70)).encode() + b"  " * 70 + b"x\n",
     "nested deeper than 64 levels", 66),
    ("python-tag.yaml", b"fail-on: !!python/object/apply:os.system ['echo hi']\n",
     "the YAML tag tag:yaml.org,2002:python/object/apply:os.system is not supported", 1),
    ("python-name.yaml", b"fail-on: !!python/name:os.system\n", "could not determine a constructor", 1),
    ("set-tag.yaml", b"fail-on: !!set {a, b}\n", "the YAML tag tag:yaml.org,2002:set is not supported", 1),
    ("long-number.yaml", b"max-file-size: " + b"9" * 5000 + b"\n",
     "max-file-size: the value cannot be read: the number is too long", 1),
    ("latin1.yaml", b"format: json\nfail-on: caf\xe9\n", "not valid UTF-8 (byte 0xe9 at offset 25)", 2),
    ("nul-path.yaml", b'format: json\nbaseline: "a\\0b"\n', "baseline: the text holds a NUL character", 2),
    ("nul-output.yaml", b'outputs: {json: "a\\0b"}\n', "outputs.json: the text holds a NUL character", 1),
    ("list.yaml", b"- a\n- b\n", "(top level): expected object, found a list", 1),
    ("duplicate.yaml", b"fail-on: high\nfail-on: low\n", "fail-on: key given twice", 2),
    ("pyproject.toml", b"tool = 5\n", "no [tool.hybrid-check] table", None),
    ("deep.toml", b"[tool.hybrid-check]\nrules = " + b"[" * 3000 + b"]" * 3000 + b"\n",
     "the TOML is nested too deeply to read", None),
    ("nested.toml", b"[tool.hybrid-check]\nrules = " + b"[" * 70 + b"]" * 70 + b"\n",
     "nested deeper than 64 levels", 1),
]


@pytest.mark.parametrize(("name", "content", "message", "line"), CONFIGS, ids=[c[0] for c in CONFIGS])
def test_hostile_configuration_files_exit_2_with_file_line_and_problem(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: bytes, message: str,
        line: int | None) -> None:
    config = tmp_path / name
    config.write_bytes(content)
    good = write(tmp_path / "good.json", template([vnet(), gateway()]))
    code, _, err = run(["scan", str(good), "--config", str(config)], capsys)
    assert code == 2
    if name.endswith(".toml") and sys.version_info < (3, 11):
        # no TOML reader in the standard library before 3.11: the file is refused, with the way out
        message, line = "reading pyproject.toml needs Python 3.11 or later", None
    assert message in err
    assert (f"{name}:{line}:" if line is not None else f"{name}:") in err


@pytest.mark.parametrize(("name", "doc", "rules"), [
    ("sku-string", template([vnet(), gateway(sku="VpnGw2AZ")]), ("VPN-SKU-CURRENT", "VPN-SKU-AZ", "VPN-TUNNEL-COUNT")),
    ("sku-list", template([vnet(), gateway(sku=["VpnGw2AZ"])]), ("VPN-SKU-CURRENT", "VPN-SKU-AZ")),
    ("prefix-list", template([vnet(prefix=["10.1.255.224/27"]), gateway()]), ("GW-SUBNET-SIZE", "GW-SUBNET-PLACEMENT")),
    ("prefix-number", template([vnet(prefix=27), gateway()]), ("GW-SUBNET-SIZE", "GW-SUBNET-PLACEMENT")),
    ("prefix-object", template([vnet(prefix={"a": 1}), gateway()]), ("GW-SUBNET-SIZE",)),
])
def test_values_of_the_wrong_shape_are_unknown_never_pass(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, doc: dict[str, Any], rules: tuple[str, ...]) -> None:
    path = write(tmp_path / f"{name}.json", doc)
    code, out, _ = run(["scan", str(path), "--format", "json"], capsys)
    assert code == 1
    statuses = {r["rule"]: r["status"] for r in json.loads(out)["results"]}
    assert {rule: statuses.get(rule) for rule in rules} == {rule: "unknown" for rule in rules}


def test_positions_in_a_minified_file_are_exact() -> None:
    """A one-line export keeps a column per object, found from the previous object (not by searching
    back to the start of the file for each one: that made a minified 100,000-resource export take
    minutes instead of a second; bench_inputs.py measures the time)."""
    from checker.sources.decode import loads

    text = '{"data": [' + ", ".join(f'{{"id": "/x/{i}", "type": "t"}}' for i in range(50)) + "]}"
    decoded = loads(text, "minified.json")
    items = decoded["data"]
    assert [(item.line, item.column) for item in items[:2]] == [(1, 11), (1, 11 + len('{"id": "/x/0", "type": "t"}, '))]
    assert items[-1].column == text.index('{"id": "/x/49"') + 1
    multi = loads('{"a": [\n  {"b": 1}, {"c": 2},\n {"d": 3}]}', "lines.json")
    assert [(o.line, o.column) for o in multi["a"]] == [(2, 3), (2, 13), (3, 2)]


def test_string_of_a_value_doubled_inside_one_expression_is_bounded(capsys: pytest.CaptureFixture[str]) -> None:
    path = Path(__file__).resolve().parent / "data" / "arm" / "doubling-string.json"
    code, _, err = run(["scan", str(path), "--format", "json", "--allow-empty"], capsys)
    assert code == 2
    assert "doubling-string.json:3: string(): the value is larger than 1000000 elements once written out" in err
