"""Property tests: generated templates (realistic pieces from a small grammar mixed with junk values)
expand into resources and InputErrors, and generated configuration files load into a Config or raise
CheckerError; nothing else ever escapes, and no layer reports an exception it swallowed."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.cli import main
from checker.config import Config, load_config
from checker.model import CheckerError, InputError, Resource
from checker.sources.arm.context import DeploymentContext
from checker.sources.arm.deployment import expand_template
from checker.sources.decode import loads

pytestmark = pytest.mark.slow  # outside `make test-fast` (see the Makefile)

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
PROPERTY_SETTINGS = settings(max_examples=120, deadline=None, derandomize=True,
                             suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
#: What the expander writes when an unexpected exception reached its last line of defence.
SWALLOWED = "could not be expanded ("

# -- template grammar --------------------------------------------------------------------------------

JUNK = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70)
    # non-finite numbers are input errors (issue 17, finding 11; tests/test_hardening_round2.py)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8)

EXPRESSIONS = st.sampled_from([
    "[parameters('prefix')]", "[parameters('count')]", "[parameters('missing')]", "[variables('name')]",
    "[variables('list')]", "[variables('self')]", "[variables('missing')]", "[copyIndex()]", "[copyIndex('loop')]",
    "[concat('vnet-', string(copyIndex()))]", "[resourceId('Microsoft.Network/virtualNetworks', 'vnet')]",
    "[reference('vnet').properties]", "[length(variables('list'))]", "[createObject('a', variables('list'))]",
    "[union(variables('obj'), createObject('b', 1))]", "[range(0, parameters('count'))]", "[ns.f('x')]",
    "[json('{\"a\": [1, 2]}')]", "[if(equals(parameters('count'), 2), 'a', 'b')]", "[nosuch()]", "[concat(",
    "[[literal]", "[subscription().subscriptionId]", "[cidrSubnet(parameters('prefix'), 27, 0)]",
])
SCALARS = st.sampled_from(["10.0.0.0/16", "10.1.255.224/27", "GatewaySubnet", "VpnGw2AZ", "Vpn", "IPsec", "", 27, True])
VALUES = st.one_of(SCALARS, EXPRESSIONS, JUNK)
TYPES = st.sampled_from([
    "Microsoft.Network/virtualNetworks", "Microsoft.Network/virtualNetworks/subnets",
    "Microsoft.Network/virtualNetworkGateways", "Microsoft.Network/connections",
    "Microsoft.Network/localNetworkGateways", "Microsoft.Network/expressRouteCircuits", "subnets",
    "Microsoft.Network/routeTables", "Microsoft.Insights/diagnosticSettings", "[variables('name')]", "Bad"])
PROPERTY_NAMES = st.sampled_from([
    "addressSpace", "subnets", "addressPrefix", "addressPrefixes", "sku", "gatewayType", "ipConfigurations",
    "subnet", "id", "sharedKey", "virtualNetworkGateway1", "localNetworkGateway2", "peerings", "enableBgp",
    "routes", "[concat('a', 'b')]", "copy"])

PROPERTIES = st.recursive(
    VALUES,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(PROPERTY_NAMES, inner, max_size=4),
    max_leaves=10)

COPY = st.fixed_dictionaries({"name": st.sampled_from(["loop", "other", 5]),
                              "count": st.one_of(st.integers(-2, 4), st.just(801), EXPRESSIONS, JUNK)})
PROPERTY_COPY = st.lists(st.fixed_dictionaries({
    "name": st.sampled_from(["subnets", "routes"]), "count": st.one_of(st.integers(0, 3), EXPRESSIONS),
    "input": PROPERTIES}), min_size=1, max_size=2)


@st.composite
def resources(draw: st.DrawFn, depth: int = 0) -> Any:
    if draw(st.integers(0, 12)) == 0:
        return draw(JUNK)
    resource: dict[str, Any] = {"type": draw(TYPES), "apiVersion": "2023-09-01",
                                "name": draw(st.one_of(st.sampled_from(["vnet", "vnet/GatewaySubnet", "gw", "a/b/c"]),
                                                       EXPRESSIONS, JUNK))}
    if draw(st.booleans()):
        properties = draw(st.one_of(st.dictionaries(PROPERTY_NAMES, PROPERTIES, max_size=5), JUNK))
        if isinstance(properties, dict) and draw(st.booleans()):
            properties["copy"] = draw(PROPERTY_COPY)
        resource["properties"] = properties
    if draw(st.integers(0, 3)) == 0:
        resource["copy"] = draw(COPY)
    if draw(st.integers(0, 3)) == 0:
        resource["condition"] = draw(st.one_of(st.booleans(), EXPRESSIONS, JUNK))
    if draw(st.integers(0, 4)) == 0:
        resource["dependsOn"] = draw(st.lists(st.one_of(EXPRESSIONS, st.text(max_size=5)), max_size=2))
    if draw(st.integers(0, 4)) == 0:
        resource["sku"] = draw(st.one_of(st.fixed_dictionaries({"name": VALUES}), VALUES))
    if depth < 2 and draw(st.integers(0, 4)) == 0:
        resource["resources"] = draw(st.lists(resources(depth + 1), max_size=2))
    if depth < 2 and draw(st.integers(0, 5)) == 0:
        resource["type"] = "Microsoft.Resources/deployments"
        resource["properties"] = {
            "mode": "Incremental",
            "expressionEvaluationOptions": {"scope": draw(st.sampled_from(["inner", "outer", 5]))},
            "parameters": draw(st.one_of(
                st.dictionaries(st.sampled_from(["prefix", "count", "other"]),
                                st.one_of(st.fixed_dictionaries({"value": VALUES}), JUNK), max_size=2), JUNK)),
            "template": draw(templates(depth + 1)),
        }
    return resource


@st.composite
def templates(draw: st.DrawFn, depth: int = 0) -> Any:
    doc: dict[str, Any] = {"$schema": SCHEMA, "contentVersion": "1.0.0.0"}
    doc["parameters"] = draw(st.one_of(
        st.fixed_dictionaries({
            "prefix": st.fixed_dictionaries({"type": st.sampled_from(["string", "int", "securestring"]),
                                             "defaultValue": VALUES}),
            "count": st.fixed_dictionaries({"type": st.just("int"), "defaultValue": st.one_of(st.integers(-1, 5), VALUES)}),
        }),
        JUNK))
    doc["variables"] = draw(st.one_of(
        st.fixed_dictionaries({"name": VALUES, "list": st.one_of(st.lists(SCALARS, max_size=3), VALUES),
                               "obj": st.one_of(st.dictionaries(st.text(max_size=3), SCALARS, max_size=2), VALUES),
                               "self": st.sampled_from(["[variables('self')]", "[concat(variables('name'), 'x')]"])}),
        JUNK))
    if draw(st.booleans()):
        doc["functions"] = [{"namespace": "ns", "members": {"f": {
            "parameters": [{"name": "p", "type": "string"}],
            "output": {"type": "string", "value": draw(st.one_of(EXPRESSIONS, st.just("[ns.f(parameters('p'))]")))}}}}]
    doc["resources"] = draw(st.one_of(st.lists(resources(depth), max_size=4),
                                      st.dictionaries(st.text(min_size=1, max_size=4), resources(depth), max_size=3),
                                      JUNK))
    if draw(st.integers(0, 3)) == 0:
        doc["languageVersion"] = "2.0"
    return doc


def _expand(doc: Any, tmp_path: Path) -> tuple[list[Resource], list[InputError]]:
    # Through the decoder as a file would be, so every object carries its position.
    decoded = loads(json.dumps(doc), "generated.json")
    load = expand_template(decoded, "generated.json", parameter_values={}, context=DeploymentContext(),
                           base_dir=tmp_path)
    return load.resources, load.errors


@PROPERTY_SETTINGS
@given(doc=templates())
def test_generated_templates_expand_to_resources_and_input_errors(doc: Any, tmp_path: Path) -> None:
    found, errors = _expand(doc, tmp_path)
    assert all(isinstance(resource, Resource) for resource in found)
    assert all(isinstance(error, InputError) and error.file == "generated.json" for error in errors)
    assert not [error for error in errors if SWALLOWED in error.message]
    for resource in found:
        assert isinstance(resource.id, str) and isinstance(resource.type, str)
        assert isinstance(resource.body, dict)


@PROPERTY_SETTINGS
@given(doc=templates())
def test_generated_templates_pass_through_the_whole_cli(doc: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("cli")
    path = folder / "generated.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["scan", str(path), "--format", "json", "--allow-empty"])
    assert code in (0, 1, 2)
    text = out.getvalue() + err.getvalue()
    assert "internal error" not in text and SWALLOWED not in text
    report = json.loads(out.getvalue())
    if report["errors"]:
        assert code == 2  # an input error is never a pass


# -- configuration files --------------------------------------------------------------------------

KEYS = st.sampled_from([
    "fail-on", "unknown", "allow-empty", "format", "outputs", "show-passed", "baseline", "pattern",
    "pattern-by-vnet", "parameters", "policies", "max-file-size", "rules", "waivers", "subscription-id",
    "location", "audit", "sarif-root", "nonsense"])
CONFIG_SCALARS = st.one_of(
    st.sampled_from(["high", "fail", "json", "vpn", "VPN-BGP-ENABLED", "2999-01-01", "a\x00b", "*", "~", "null"]),
    st.integers(-5, 2**80), st.booleans(), st.none(), st.floats(allow_nan=True), st.text(max_size=8))
CONFIG_VALUES = st.recursive(
    CONFIG_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.one_of(st.sampled_from(["severity", "enabled", "parameters", "rule", "resource", "reason", "expires",
                                   "json", "sarif"]), st.text(max_size=4)), inner, max_size=3),
    max_leaves=10)
CONFIGS = st.dictionaries(KEYS, CONFIG_VALUES, max_size=6)
YAML_JUNK = st.sampled_from([
    "&a [x, *a]", "a: &x [1]\nb: [*x, *x]", "!!python/object/apply:os.system ['true']", "? [a]\n: 1",
    "{a: b", "- - - -", "---\n---", "a: !!binary aGk=", "\t", "fail-on: high\nfail-on: low", "a: *missing",
    "%YAML 1.1\n---\na: 1", "!!set {a, b}", "[" * 80 + "]" * 80])


def _config_ok(path: Path) -> None:
    try:
        result = load_config(path)
    except CheckerError as exc:
        assert exc.file == str(path) and exc.message
        return
    assert isinstance(result, Config)


@PROPERTY_SETTINGS
@given(document=CONFIGS, style=st.sampled_from(["block", "flow", "json"]), junk=st.one_of(st.none(), YAML_JUNK))
def test_generated_yaml_configurations_load_or_raise_checker_error(
        document: dict[str, Any], style: str, junk: str | None, tmp_path: Path) -> None:
    import yaml

    if junk is not None:
        text = junk
    elif style == "json":
        text = json.dumps(document, default=str)
    else:
        text = yaml.safe_dump(document, default_flow_style=style == "flow", allow_unicode=True)
    path = tmp_path / ".hybrid-check.yaml"
    path.write_text(text, encoding="utf-8")
    _config_ok(path)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)) and value == value and value not in (float("inf"), float("-inf")):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value if item is not None) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))} = {_toml_value(v)}" for k, v in value.items()
                               if v is not None) + "}"
    return json.dumps(str(value))


@PROPERTY_SETTINGS
@given(document=CONFIGS, junk=st.one_of(st.none(), st.sampled_from([
    "tool = 5", "[tool]\nhybrid-check = 1", "[tool.hybrid-check\n", "[tool.hybrid-check]\nrules = " + "[" * 90 + "]" * 90,
    "[tool.hybrid-check]\nwaivers = [{expires = 07:32:00}]", "[tool.other]\nx = 1"])))
def test_generated_toml_configurations_load_or_raise_checker_error(
        document: dict[str, Any], junk: str | None, tmp_path: Path) -> None:
    if junk is not None:
        text = junk
    else:
        text = "[tool.hybrid-check]\n" + "".join(f"{json.dumps(key)} = {_toml_value(value)}\n"
                                                  for key, value in document.items() if value is not None)
    path = tmp_path / "pyproject.toml"
    path.write_text(text, encoding="utf-8")
    _config_ok(path)
