"""Parameter files: recognition by content, reading values and Key Vault references with positions."""

from __future__ import annotations

import pytest

from checker.model import CheckerError, Unknown
from checker.sources.arm.deployment import is_template
from checker.sources.arm.parameters import ParameterValue, is_parameter_file, read_parameter_file
from checker.sources.decode import loads

PARAMETER_FILE = """{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "gatewaySku": {
      "value": "VpnGw2AZ"
    },
    "vpnSharedKey": {
      "reference": {
        "keyVault": { "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv" },
        "secretName": "vpnSharedKey"
      }
    },
    "literalWithBrackets": { "value": "[replace-with-shared-key]" }
  }
}"""


def test_reads_values_with_the_line_of_each_entry() -> None:
    values = read_parameter_file(loads(PARAMETER_FILE, "p.json"), "p.json")
    sku = values["gatewaySku"]
    assert isinstance(sku, ParameterValue)
    assert sku.value == "VpnGw2AZ"
    assert not sku.key_vault
    assert (sku.origin.file, sku.origin.line, sku.origin.pointer) == ("p.json", 5, "/parameters/gatewaySku")


def test_key_vault_reference_is_unknown_and_flagged() -> None:
    values = read_parameter_file(loads(PARAMETER_FILE, "p.json"), "p.json")
    key = values["vpnSharedKey"]
    assert key.key_vault
    assert key.value == Unknown("Key Vault reference to secret 'vpnSharedKey'")
    assert key.origin.line == 8


def test_values_are_literals_never_expressions() -> None:
    values = read_parameter_file(loads(PARAMETER_FILE, "p.json"), "p.json")
    assert values["literalWithBrackets"].value == "[replace-with-shared-key]"


def test_entry_without_value_or_reference_is_an_error_with_its_line() -> None:
    text = '{"parameters": {\n "a": {"value": 1},\n "b": {"metadata": {}}\n}}'
    with pytest.raises(CheckerError) as raised:
        read_parameter_file(loads(text, "bad.json"), "bad.json")
    assert raised.value.file == "bad.json"
    assert raised.value.line == 3
    assert "'b'" in raised.value.message and raised.value.hint


def test_reference_that_is_not_key_vault_is_an_error() -> None:
    text = '{"parameters": {"a": {"reference": {"secretName": "x"}}}}'
    with pytest.raises(CheckerError, match="Key Vault"):
        read_parameter_file(loads(text, "bad.json"), "bad.json")


def test_not_a_parameter_file_is_an_error() -> None:
    with pytest.raises(CheckerError) as raised:
        read_parameter_file(loads('{"resources": []}', "t.json"), "t.json")
    assert raised.value.line == 1


@pytest.mark.parametrize("doc, expected", [
    ({"$schema": "https://schema.management.azure.com/schemas/2015-01-01/deploymentParameters.json#"}, True),
    ({"parameters": {"a": {"value": 1}, "b": {"reference": {"keyVault": {"id": "x"}}}}}, True),
    ({"parameters": {"a": {"value": 1}}, "resources": []}, False),
    ({"parameters": {"a": {"type": "string"}}}, False),
    ({"parameters": {}}, False),
    ([], False),
    ({"buildingBlocks": []}, False),
])
def test_is_parameter_file(doc: object, expected: bool) -> None:
    assert is_parameter_file(doc) is expected


@pytest.mark.parametrize("doc, expected", [
    ({"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"}, True),
    ({"$schema": "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#"},
     True),
    ({"$schema": "https://schema.management.azure.com/schemas/2019-08-01/managementGroupDeploymentTemplate.json#"},
     True),
    ({"$schema": "https://schema.management.azure.com/schemas/2019-08-01/tenantDeploymentTemplate.json#"}, True),
    ({"resources": [], "contentVersion": "1.0.0.0"}, True),
    ({"resources": {}, "languageVersion": "2.0"}, True),
    ({"resources": []}, False),
    ({"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
      "resources": [], "parameters": {}}, False),
    ({"parameters": {"a": {"value": 1}}}, False),
    ({"responses": {"200": {"body": {}}}, "parameters": {}}, False),
    ("text", False),
])
def test_is_template(doc: object, expected: bool) -> None:
    assert is_template(doc) is expected
