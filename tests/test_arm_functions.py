"""ARM template functions: results (documented examples from the ARM function reference where there is
one) and the errors of each function with wrong arguments."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from checker.model import CheckerError, Unknown
from checker.sources.arm.context import DeploymentContext
from checker.sources.arm.expressions import ExpressionError, UserFunction, evaluate_string
from checker.sources.arm.functions import FUNCTIONS, murmur_hash64, unique_string

SUB = "11111111-2222-3333-4444-555555555555"
TENANT = "99999999-8888-7777-6666-555555555555"

OBJECT_TO_TEST = {"one": "a", "two": "b", "three": "c"}
DOGS = [{"name": "Evie", "age": 5}, {"name": "Casper", "age": 3}, {"name": "Indy", "age": 2},
        {"name": "Kira", "age": 8}]


class Scope:
    def __init__(self, context: DeploymentContext | None = None, copy: dict[str | None, int] | None = None,
                 parameters: dict[str, Any] | None = None) -> None:
        self.context = context or DeploymentContext(subscription_id=SUB, tenant_id=TENANT,
                                                    resource_group="rg-hub", location="northeurope",
                                                    deployment_name="deploy1", management_group="mg1")
        self.copy = copy or {}
        self.parameters = {"obj": OBJECT_TO_TEST, "dogs": DOGS, **(parameters or {})}

    def parameter(self, name: str) -> Any:
        if name not in self.parameters:
            raise CheckerError(f"parameter '{name}' is not defined")
        return self.parameters[name]

    def variable(self, name: str) -> Any:
        raise CheckerError(f"variable '{name}' is not defined")

    def copy_index(self, loop: str | None) -> int:
        if loop not in self.copy:
            raise CheckerError("copyIndex() used outside a copy loop")
        return self.copy[loop]

    def user_function(self, namespace: str, name: str) -> UserFunction | None:
        return None


def ev(text: str, scope: Scope | None = None) -> Any:
    return evaluate_string(text, scope or Scope())


CASES: list[tuple[str, Any]] = [
    # strings
    ("[concat('a', 'b', 'c')]", "abc"),
    ("[concat('n', 1, true)]", "n1True"),
    ("[concat(createArray(1, 2), createArray(3))]", [1, 2, 3]),
    ("[concat(createArray(1), null(), createArray(2))]", [1, 2]),
    ("[format('{0}, {1}. Formatted number: {2:N0}', 'Hello', 'User', 8175133)]",
     "Hello, User. Formatted number: 8,175,133"),
    ("[format('{0:D3}', 7)]", "007"),
    ("[format('{0:D3}', -7)]", "-007"),
    ("[format('{0:N2}', 1234)]", "1,234.00"),
    ("[format('{0:X}', 255)]", "FF"),
    ("[format('{0:x4}', 255)]", "00ff"),
    ("[format('{0,5}|{1,-3}|', 'ab', 'c')]", "   ab|c  |"),
    ("[format('{{{0}}}', 'x')]", "{x}"),
    ("[format('{0}', true)]", "True"),
    ("[format('{0:000}', 5)]", "005"),
    ("[format('no items')]", "no items"),
    ("[padLeft('123', 10, '0')]", "0000000123"),
    ("[padLeft(7, 3, '0')]", "007"),
    ("[padLeft('abc', 2, '0')]", "abc"),
    ("[padLeft('ab', 4)]", "  ab"),
    ("[replace('123-123-1234', '-', '')]", "1231231234"),
    ("[replace('aAa', 'a', 'b')]", "bAb"),
    ("[split('one,two,three', ',')]", ["one", "two", "three"]),
    ("[split('one;two,three', createArray(',', ';'))]", ["one", "two", "three"]),
    ("[split('a,,b', ',')]", ["a", "", "b"]),
    ("[split('abc', '')]", ["abc"]),
    ("[join(createArray('a', 'b', 'c'), '-')]", "a-b-c"),
    ("[join(createArray(), ',')]", ""),
    ("[toLower('One Two Three')]", "one two three"),
    ("[toUpper('One Two Three')]", "ONE TWO THREE"),
    ("[trim('    one two three   ')]", "one two three"),
    ("[substring('hello world', 6, 5)]", "world"),
    ("[substring('hello world', 6)]", "world"),
    ("[substring('abc', 3)]", ""),
    ("[substring('abc', 0, 0)]", ""),
    ("[startsWith('abcdef', 'ab')]", True),
    ("[startsWith('abcdef', 'A')]", True),
    ("[startsWith('abcdef', 'e')]", False),
    ("[endsWith('abcdef', 'ef')]", True),
    ("[endsWith('abcdef', 'F')]", True),
    ("[endsWith('abcdef', 'e')]", False),
    ("[indexOf('test', 't')]", 0),
    ("[lastIndexOf('test', 't')]", 3),
    ("[indexOf('abcdef', 'CD')]", 2),
    ("[lastIndexOf('abcdef', 'AB')]", 0),
    ("[indexOf('abcdef', 'z')]", -1),
    ("[indexOf(createArray('a', 'b', 'a'), 'a')]", 0),
    ("[lastIndexOf(createArray('a', 'b', 'a'), 'a')]", 2),
    ("[indexOf(createArray(1, 2), 3)]", -1),
    ("[string(createObject('valueA', 10, 'valueB', 'Example Text'))]", '{"valueA":10,"valueB":"Example Text"}'),
    ("[string(createArray('a', 'b', 'c'))]", '["a","b","c"]'),
    ("[string(5)]", "5"),
    ("[string(true)]", "True"),
    ("[string('x')]", "x"),
    ("[string(null())]", ""),
    ("[string(createObject('flag', true))]", '{"flag":true}'),
    ("[base64('one, two, three')]", "b25lLCB0d28sIHRocmVl"),
    ("[base64ToString('b25lLCB0d28sIHRocmVl')]", "one, two, three"),
    ("[base64ToJson('eyJhIjogMX0=').a]", 1),
    ("[dataUri('Hello')]", "data:text/plain;charset=utf8;base64,SGVsbG8="),
    ("[dataUriToString('data:;base64,SGVsbG8sIFdvcmxkIQ==')]", "Hello, World!"),
    ("[uriComponent('http://contoso.com/resources/nested/azuredeploy.json')]",
     "http%3A%2F%2Fcontoso.com%2Fresources%2Fnested%2Fazuredeploy.json"),
    ("[uriComponentToString('http%3A%2F%2Fcontoso.com%2Fresources%2Fnested%2Fazuredeploy.json')]",
     "http://contoso.com/resources/nested/azuredeploy.json"),
    ("[uri('http://contoso.org/firstpath', 'myscript.sh')]", "http://contoso.org/myscript.sh"),
    ("[uri('http://contoso.org/firstpath/', 'myscript.sh')]", "http://contoso.org/firstpath/myscript.sh"),
    ("[uri('http://contoso.org/firstpath/azuredeploy.json', 'myscript.sh')]",
     "http://contoso.org/firstpath/myscript.sh"),
    # arrays and objects
    ("[length('One Two Three')]", 13),
    ("[length(createArray('a', 'b'))]", 2),
    ("[length(parameters('obj'))]", 3),
    ("[empty('')]", True),
    ("[empty(createArray())]", True),
    ("[empty(createObject())]", True),
    ("[empty(null())]", True),
    ("[empty(' ')]", False),
    ("[contains('OneTwoThree', 'e')]", True),
    ("[contains('OneTwoThree', 'z')]", False),
    ("[contains('OneTwoThree', 'one')]", False),
    ("[contains('a1', 1)]", True),
    ("[contains(parameters('obj'), 'one')]", True),
    ("[contains(parameters('obj'), 'ONE')]", True),
    ("[contains(parameters('obj'), 'a')]", False),
    ("[contains(createArray('one', 'two', 'three'), 'three')]", True),
    ("[contains(createArray('one', 'two', 'three'), 'Three')]", False),
    ("[contains(createArray(createObject('a', 1)), createObject('a', 1))]", True),
    ("[first('One Two Three')]", "O"),
    ("[first(createArray('one', 'two'))]", "one"),
    ("[first(createArray())]", None),
    ("[first('')]", ""),
    ("[last('One Two Three')]", "e"),
    ("[last(createArray('one', 'two'))]", "two"),
    ("[last(createArray())]", None),
    ("[take('one two three', 2)]", "on"),
    ("[take(createArray('one', 'two', 'three'), 2)]", ["one", "two"]),
    ("[take(createArray(1, 2), 5)]", [1, 2]),
    ("[take(createArray(1, 2), -1)]", []),
    ("[skip('one two three', 4)]", "two three"),
    ("[skip(createArray('one', 'two', 'three'), 2)]", ["three"]),
    ("[skip(createArray(1, 2), 5)]", []),
    ("[skip(createArray(1, 2), -3)]", [1, 2]),
    ("[range(5, 3)]", [5, 6, 7]),
    ("[range(0, 0)]", []),
    ("[array('efgh')]", ["efgh"]),
    ("[array(createArray(1))]", [1]),
    ("[array(createObject('a', 'b'))]", [{"a": "b"}]),
    ("[createArray()]", []),
    ("[createObject('intProp', 1, 'arrayProp', createArray('a'), 'objectProp', createObject('key1', 'v'))]",
     {"intProp": 1, "arrayProp": ["a"], "objectProp": {"key1": "v"}}),
    ("[union(createArray('one', 'two', 'three'), createArray('three', 'four'))]", ["one", "two", "three", "four"]),
    ("[union(createObject('one', 'a', 'two', 'b', 'three', 'c1'), createObject('three', 'c2', 'four', 'd'))]",
     {"one": "a", "two": "b", "three": "c2", "four": "d"}),
    ("[union(json('{\"property\": {\"one\": \"a\", \"two\": \"b\", \"three\": \"c1\"}, \"nestedArray\": [1, 2]}'), "
     "json('{\"property\": {\"three\": \"c2\", \"four\": \"d\", \"five\": \"e\"}, \"nestedArray\": [3, 4]}'))]",
     {"property": {"one": "a", "two": "b", "three": "c2", "four": "d", "five": "e"}, "nestedArray": [3, 4]}),
    ("[intersection(createObject('one', 'a', 'two', 'b', 'three', 'c'), "
     "createObject('one', 'a', 'two', 'z', 'three', 'c'))]", {"one": "a", "three": "c"}),
    ("[intersection(createArray('one', 'two', 'three'), createArray('two', 'three'))]", ["two", "three"]),
    ("[items(createObject('item002', 'b', 'item001', 'a'))]",
     [{"key": "item001", "value": "a"}, {"key": "item002", "value": "b"}]),
    ("[objectKeys(createObject('b', 1, 'a', 2))]", ["b", "a"]),
    ("[shallowMerge(createArray(createObject('a', 1, 'n', createObject('x', 1)), "
     "createObject('n', createObject('y', 2))))]", {"a": 1, "n": {"y": 2}}),
    ("[flatten(createArray(createArray(1, 2), createArray(), createArray(3)))]", [1, 2, 3]),
    ("[tryGet(parameters('obj'), 'two')]", "b"),
    ("[tryGet(parameters('obj'), 'missing')]", None),
    ("[tryGet(createArray(1, 2), 5)]", None),
    ("[tryGet(json('{\"a\": {\"b\": 3}}'), 'a', 'b')]", 3),
    ("[indexFromEnd(createArray(1, 2, 3), 1)]", 3),
    ("[tryIndexFromEnd(createArray(1, 2, 3), 3)]", 1),
    ("[tryIndexFromEnd(createArray(1, 2, 3), 4)]", None),
    ("[coalesce(null(), null(), 'default')]", "default"),
    ("[coalesce(null(), createArray(1))]", [1]),
    ("[coalesce('', 'x')]", ""),
    ("[json('{\"a\": \"b\"}').a]", "b"),
    ("[json('null')]", None),
    ("[json('[1, true]')]", [1, True]),
    ("[json('1.5')]", 1.5),
    # numbers and comparison
    ("[add(5, 3)]", 8), ("[sub(7, 3)]", 4), ("[mul(5, 3)]", 15),
    ("[div(8, 3)]", 2), ("[div(-7, 2)]", -3), ("[mod(7, 3)]", 1), ("[mod(-7, 3)]", -1),
    ("[mod(json('7.5'), 2)]", 1.5), ("[int(json('2.9'))]", 2),
    ("[min(createArray(0, 3, 2, 5, 4))]", 0), ("[min(0, 3, 2, 5, 4)]", 0),
    ("[max(createArray(0, 3, 2, 5, 4))]", 5), ("[max(0, 3, 2, 5, 4)]", 5),
    ("[int('4')]", 4), ("[int(' -12 ')]", -12), ("[int(3)]", 3),
    ("[float('1.5')]", 1.5),
    ("[bool('true')]", True), ("[bool('FALSE')]", False), ("[bool(1)]", True), ("[bool(0)]", False),
    ("[equals(1, 1)]", True), ("[equals('a', 'A')]", False), ("[equals('a', 'a')]", True),
    ("[equals(createArray('a', 'b'), createArray('a', 'b'))]", True),
    ("[equals(createObject('a', 1), createObject('a', 1))]", True),
    ("[equals(1, '1')]", False), ("[equals(true, 1)]", False), ("[equals(null(), null())]", True),
    ("[less(8, 24)]", True), ("[less('A', 'a')]", True), ("[lessOrEquals(3, 3)]", True),
    ("[greater(8, 24)]", False), ("[greater('bad', 'bac')]", True), ("[greaterOrEquals(3, 3)]", True),
    ("[and(true, true, false)]", False), ("[and(true, true)]", True),
    ("[or(false, false)]", False), ("[or(false, true, false)]", True),
    ("[not(true)]", False), ("[if(equals(1, 1), 'yes', 'no')]", "yes"),
    # CIDR
    ("[cidrSubnet('10.144.0.0/20', 24, 0)]", "10.144.0.0/24"),
    ("[cidrSubnet('10.144.0.0/20', 24, 4)]", "10.144.4.0/24"),
    ("[cidrSubnet('10.144.0.0/20', 20, 0)]", "10.144.0.0/20"),
    ("[cidrSubnet('fdad:3236:5555::/48', 52, 1)]", "fdad:3236:5555:1000::/52"),
    ("[cidrSubnet('10.0.0.0/16', 27, 1)]", "10.0.0.32/27"),
    ("[cidrHost('10.144.3.0/24', 0)]", "10.144.3.1"),
    ("[cidrHost('10.144.3.0/24', 4)]", "10.144.3.5"),
    ("[cidrHost('10.144.3.0/24', 253)]", "10.144.3.254"),
    ("[cidrHost('fdad:3236:5555:3000::/52', 0)]", "fdad:3236:5555:3000::1"),
    ("[parseCidr('10.144.0.0/20')]",
     {"network": "10.144.0.0", "netmask": "255.255.240.0", "broadcast": "10.144.15.255",
      "firstUsable": "10.144.0.1", "lastUsable": "10.144.15.254", "cidr": 20}),
    ("[parseCidr('fdad:3236:5555::/48')]",
     {"network": "fdad:3236:5555::", "netmask": "ffff:ffff:ffff::", "firstUsable": "fdad:3236:5555::",
      "lastUsable": "fdad:3236:5555:ffff:ffff:ffff:ffff:ffff", "cidr": 48}),
    ("[parseCidr('10.0.0.0/27').cidr]", 27),
    ("[parseCidr('10.0.0.5/24').network]", "10.0.0.0"),
    ("[parseCidr('10.0.0.4/31').firstUsable]", "10.0.0.4"),
    ("[parseCidr('10.0.0.4/31').lastUsable]", "10.0.0.5"),
    ("[parseCidr('10.0.0.4/32').lastUsable]", "10.0.0.4"),
    ("[cidrHost('10.0.0.4/32', 0)]", "10.0.0.4"),
    ("[union(createArray(1, true, '1'), createArray(1, 'x'))]", [1, True, "1", "x"]),
    ("[union(createArray(createObject('a', 1)), createArray(createObject('a', 1), createArray(2)))]",
     [{"a": 1}, [2]]),
    ("[union(createObject('Name', 'a'), createObject('name', 'b'))]", {"Name": "b"}),
    ("[intersection(createArray(createObject('a', 1), 2, 2), createArray(2, createObject('a', 1)))]",
     [{"a": 1}, 2]),
    ("[intersection(createArray(1, 2), createArray(2, 3), createArray(3))]", []),
    # lambdas
    ("[filter(parameters('dogs'), lambda('dog', greaterOrEquals(lambdaVariables('dog').age, 5)))]",
     [{"name": "Evie", "age": 5}, {"name": "Kira", "age": 8}]),
    ("[map(parameters('dogs'), lambda('dog', lambdaVariables('dog').name))]", ["Evie", "Casper", "Indy", "Kira"]),
    ("[reduce(map(parameters('dogs'), lambda('d', lambdaVariables('d').age)), 0, "
     "lambda('cur', 'next', add(lambdaVariables('cur'), lambdaVariables('next'))))]", 18),
    ("[sort(parameters('dogs'), lambda('a', 'b', less(lambdaVariables('a').age, lambdaVariables('b').age)))[0].name]",
     "Indy"),
    ("[sort(createArray(3, 1, 2), lambda('a', 'b', less(lambdaVariables('a'), lambdaVariables('b'))))]", [1, 2, 3]),
    ("[toObject(parameters('dogs'), lambda('d', lambdaVariables('d').name), lambda('d', lambdaVariables('d').age))]",
     {"Evie": 5, "Casper": 3, "Indy": 2, "Kira": 8}),
    ("[toObject(createArray(createObject('name', 'a')), lambda('e', lambdaVariables('e').name))]",
     {"a": {"name": "a"}}),
    ("[mapValues(createObject('a', 1, 'b', 2), lambda('v', mul(lambdaVariables('v'), 10)))]", {"a": 10, "b": 20}),
    ("[groupBy(createArray('apple', 'avocado', 'banana'), lambda('x', first(lambdaVariables('x'))))]",
     {"a": ["apple", "avocado"], "b": ["banana"]}),
    # hashes
    ("[uniqueString('aaa')]", "zavj67f3en4hc"),
    ("[uniqueString('bbb')]", "w5eragfxe33cy"),
    ("[uniqueString('zzz')]", "cryksdzzzawae"),
    ("[uniqueString('xxx', 'yyy', 'zzz')]", "lghi7k5js7itq"),
    ("[uniqueString('/subscriptions/31e9f9a0-9fd2-4294-a0a3-0101246d9700/resourceGroups/rg-modm201-20230913120256"
     "/providers/Microsoft.Compute/virtualMachines/bobjacmodm201')]", "yvjxno3je5on2"),
]


@pytest.mark.parametrize("text, expected", CASES)
def test_function_results(text: str, expected: Any) -> None:
    result = ev(text)
    assert result == expected
    assert type(result) is type(expected)


def test_every_case_names_a_registered_function() -> None:
    used = {name for name in FUNCTIONS if any(f"{name}(" in text.lower() for text, _ in CASES)}
    for name in ("padleft", "cidrsubnet", "cidrhost", "parsecidr", "union", "format", "uniquestring"):
        assert name in used


# --------------------------------------------------------------------------------------------------
# Scope functions and resource ids
# --------------------------------------------------------------------------------------------------

def test_resource_id_forms() -> None:
    rg_path = f"/subscriptions/{SUB}/resourceGroups/rg-hub/providers"
    assert ev("[resourceId('Microsoft.Network/virtualNetworks', 'hub')]") == \
        f"{rg_path}/Microsoft.Network/virtualNetworks/hub"
    assert ev("[resourceId('Microsoft.Network/virtualNetworks/subnets', 'hub', 'GatewaySubnet')]") == \
        f"{rg_path}/Microsoft.Network/virtualNetworks/hub/subnets/GatewaySubnet"
    assert ev("[resourceId('other-rg', 'Microsoft.Network/virtualNetworks', 'hub')]") == \
        f"/subscriptions/{SUB}/resourceGroups/other-rg/providers/Microsoft.Network/virtualNetworks/hub"
    assert ev("[resourceId('sub2', 'rg2', 'Microsoft.Network/virtualNetworks', 'hub')]") == \
        "/subscriptions/sub2/resourceGroups/rg2/providers/Microsoft.Network/virtualNetworks/hub"
    assert ev("[resourceId('Microsoft.Network/virtualNetworks/subnets', 'hub/GatewaySubnet')]") == \
        f"{rg_path}/Microsoft.Network/virtualNetworks/hub/subnets/GatewaySubnet"


def test_resource_id_depends_on_deployment_scope() -> None:
    sub_scope = Scope(DeploymentContext(subscription_id=SUB, scope="subscription"))
    assert ev("[resourceId('Microsoft.Resources/resourceGroups', 'rg1')]", sub_scope) == \
        f"/subscriptions/{SUB}/providers/Microsoft.Resources/resourceGroups/rg1"
    mg_scope = Scope(DeploymentContext(scope="managementGroup"))
    assert ev("[resourceId('Microsoft.Authorization/policyDefinitions', 'p1')]", mg_scope) == \
        "/providers/Microsoft.Authorization/policyDefinitions/p1"


def test_other_resource_id_functions() -> None:
    assert ev("[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', "
              "'acdd72a7-3385-48ef-bd42-f606fba81ae7')]") == \
        f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7"
    assert ev("[subscriptionResourceId('s2', 'Microsoft.Resources/resourceGroups', 'rg')]") == \
        "/subscriptions/s2/providers/Microsoft.Resources/resourceGroups/rg"
    assert ev("[tenantResourceId('Microsoft.Authorization/policyDefinitions', 'p1')]") == \
        "/providers/Microsoft.Authorization/policyDefinitions/p1"
    assert ev("[extensionResourceId(resourceId('Microsoft.Network/virtualNetworks', 'hub'), "
              "'Microsoft.Authorization/locks', 'lock1')]") == \
        (f"/subscriptions/{SUB}/resourceGroups/rg-hub/providers/Microsoft.Network/virtualNetworks/hub"
         "/providers/Microsoft.Authorization/locks/lock1")
    assert ev("[managementGroupResourceId('Microsoft.Authorization/policyDefinitions', 'p1')]") == \
        "/providers/Microsoft.Management/managementGroups/mg1/providers/Microsoft.Authorization/policyDefinitions/p1"
    assert ev("[managementGroupResourceId('mg2', 'Microsoft.Authorization/policyDefinitions', 'p1')]") == \
        "/providers/Microsoft.Management/managementGroups/mg2/providers/Microsoft.Authorization/policyDefinitions/p1"


def test_scope_objects_follow_the_context() -> None:
    assert ev("[resourceGroup()]") == {
        "id": f"/subscriptions/{SUB}/resourceGroups/rg-hub", "name": "rg-hub",
        "type": "Microsoft.Resources/resourceGroups", "location": "northeurope", "tags": {},
        "properties": {"provisioningState": "Succeeded"}}
    assert ev("[subscription().subscriptionId]") == SUB
    assert ev("[subscription().id]") == f"/subscriptions/{SUB}"
    assert ev("[subscription().tenantId]") == TENANT
    assert isinstance(ev("[subscription().displayName]"), Unknown)
    assert ev("[tenant().tenantId]") == TENANT
    assert ev("[managementGroup().id]") == "/providers/Microsoft.Management/managementGroups/mg1"
    assert ev("[deployment().name]") == "deploy1"
    assert ev("[deployment().properties.mode]") == "Incremental"


def test_deployment_template_link_is_unknown() -> None:
    value = ev("[uri(deployment().properties.templateLink.uri, 'nested.json')]")
    assert isinstance(value, Unknown) and "templateLink" in value.reason


def test_environment_is_azure_cloud() -> None:
    assert ev("[environment().name]") == "AzureCloud"
    assert ev("[environment().resourceManager]") == "https://management.azure.com/"
    assert ev("[environment().suffixes.storage]") == "core.windows.net"
    assert ev("[environment().authentication.loginEndpoint]") == "https://login.microsoftonline.com/"


def test_resource_group_outside_a_resource_group_deployment() -> None:
    scope = Scope(DeploymentContext(scope="subscription"))
    with pytest.raises(ExpressionError) as info:
        ev("[resourceGroup().location]", scope)
    assert "not available in a subscription deployment" in info.value.message


def test_copy_index_forms() -> None:
    scope = Scope(copy={None: 2, "subnets": 5})
    assert ev("[copyIndex()]", scope) == 2
    assert ev("[copyIndex(1)]", scope) == 3
    assert ev("[copyIndex('subnets')]", scope) == 5
    assert ev("[copyIndex('subnets', 10)]", scope) == 15
    with pytest.raises(CheckerError):
        ev("[copyIndex('missing')]", scope)


def test_guid_is_uuid5_of_dash_joined_arguments() -> None:
    value = ev("[guid('sub', 'rg', 'name')]")
    assert value == str(uuid.uuid5(uuid.UUID("11fb06fb-712d-4ddd-98c7-e71bbd588830"), "sub-rg-name"))
    assert uuid.UUID(value).version == 5
    assert ev("[guid('a', 'b')]") != ev("[guid('ab')]")


def test_unique_string_helpers() -> None:
    assert unique_string("aaa") == "zavj67f3en4hc"
    assert murmur_hash64(b"") == 0  # seed 0, no input: the finaliser keeps zero
    assert murmur_hash64(b"aaa") != murmur_hash64(b"aab")
    assert len({unique_string(str(i)) for i in range(200)}) == 200
    assert all(len(unique_string(str(i))) == 13 for i in range(20))


# --------------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------------

ERRORS: list[tuple[str, str]] = [
    ("[substring('abc', -1)]", "substring(): the start index and length must refer to a location within"),
    ("[substring('abc', 1, 5)]", "start index 1, length 5, string length 3"),
    ("[substring('abc', 4)]", "substring():"),
    ("[substring(1, 0)]", "the first argument must be a string, got an integer"),
    ("[padLeft('a', 3, 'xy')]", "padLeft(): the padding must be a single character"),
    ("[padLeft(createArray(), 3)]", "padLeft(): the value to pad must be a string or an integer"),
    ("[padLeft('a', 100000)]", "larger than the limit"),
    ("[range(0, -1)]", "range(): the count must be between 0 and 10000"),
    ("[range(0, 10001)]", "range(): the count must be between 0 and 10000"),
    ("[range(2147483647, 1)]", "at most 2147483647"),
    ("[div(1, 0)]", "div(): division by zero"),
    ("[mod(1, 0)]", "mod(): division by zero"),
    ("[add('a', 1)]", "add(): both arguments must be integers"),
    ("[mul(9223372036854775807, 2)]", "does not fit in a 64-bit integer"),
    ("[cidrSubnet('10.0.0.0/16', 8, 0)]", "the new CIDR /8 must be between /16 and /32"),
    ("[cidrSubnet('10.0.0.0/16', 24, 256)]", "subnet index 256 is out of range"),
    ("[cidrSubnet('10.0.0.0', 24, 0)]", "is not in CIDR notation"),
    ("[cidrSubnet('10.0.0.300/16', 24, 0)]", "is not a valid IP address range"),
    ("[cidrHost('10.0.0.0/30', 2)]", "host index 2 is out of range"),
    ("[cidrHost('10.0.0.0/24', -1)]", "host index -1 is out of range"),
    ("[parseCidr('banana/7')]", "is not a valid IP address range"),
    ("[json('{bad')]", "json(): the argument is not valid JSON"),
    ("[int('abc')]", "int(): cannot convert a string 'abc' to an integer"),
    ("[int('1.5')]", "cannot convert"),
    ("[bool('yes')]", "bool(): cannot convert a string 'yes' to a boolean"),
    ("[float('x')]", "float(): cannot convert"),
    ("[createObject('a')]", "createObject(): needs an even number of arguments"),
    ("[createObject(1, 'a')]", "property names must be strings"),
    ("[concat(createArray(1), 'a')]", "concat(): cannot concatenate arrays with a string"),
    ("[concat('a', createObject())]", "concat(): cannot concatenate an object"),
    ("[if('yes', 1, 2)]", "if(): the condition must be a boolean, got a string"),
    ("[not(1)]", "not(): the argument must be a boolean"),
    ("[and(true, 'x')]", "and(): the second argument must be a boolean"),
    ("[less(1, 'a')]", "less(): can only compare two integers or two strings"),
    ("[greater(createArray(), createArray())]", "can only compare"),
    ("[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet')]", "needs 2 name segment(s), got 1"),
    ("[resourceId('vnet', 'x')]", "no resource type"),
    ("[resourceId('a', 'b', 'c', 'Microsoft.Network/virtualNetworks', 'x')]", "at most a subscription id"),
    ("[resourceId('Microsoft.Network/virtualNetworks', 1)]", "resource names must be strings"),
    ("[tenantResourceId('x', 'Microsoft.Network/virtualNetworks', 'n')]", "must be the resource type"),
    ("[union(createArray(1), createObject())]", "union(): all arguments must be arrays or all must be objects"),
    ("[intersection(1, 2)]", "all arguments must be arrays or all must be objects"),
    ("[format('{1}', 'a')]", "format(): format item {1} has no argument (1 given)"),
    ("[format('{0', 1)]", "invalid format item"),
    ("[format('a}b', 1)]", "unmatched '}'"),
    ("[format('{0:Q}', 1)]", "format string 'Q' is not supported"),
    ("[replace('abc', '', 'x')]", "replace(): the string to replace must not be empty"),
    ("[toLower(1)]", "toLower(): the first argument must be a string, got an integer"),
    ("[length(1)]", "length(): the argument must be a string, an array or an object"),
    ("[empty(1)]", "empty(): the argument must be"),
    ("[first(1)]", "first(): the argument must be a string or an array"),
    ("[take(1, 1)]", "take(): the first argument must be a string or an array"),
    ("[take('a', 'b')]", "the second argument must be an integer"),
    ("[contains(1, 1)]", "contains(): the first argument must be"),
    ("[contains(createObject(), 1)]", "the key to find in an object must be a string"),
    ("[indexOf(1, 'a')]", "indexOf(): the first argument must be a string or an array"),
    ("[base64ToString('***')]", "not valid base64"),
    ("[dataUriToString('hello')]", "is not a data URI"),
    ("[uri('relative/path', 'x')]", "is not an absolute URI"),
    ("[split('a', 1)]", "the delimiter must be a string or an array of strings"),
    ("[join(createArray(createObject()), ',')]", "can only join strings"),
    ("[items(createArray())]", "items(): the first argument must be an object"),
    ("[min(createArray())]", "min(): needs at least one value"),
    ("[max('a', 'b')]", "can only compare integers"),
    ("[flatten(createArray(1))]", "the array must hold arrays only"),
    ("[shallowMerge(createArray(1))]", "the array must hold objects only"),
    ("[tryGet('abc', 'a')]", "cannot look up a key in a string"),
    ("[uniqueString(1)]", "uniqueString(): the first argument must be a string"),
    ("[guid('a', 2)]", "guid(): the second argument must be a string"),
    ("[map(createArray(1), 'x')]", "map(): the second argument must be a lambda"),
    ("[map(createArray(1), lambda('a', 'b', 1))]", "the lambda must take 1 parameter(s)"),
    ("[filter(createArray(1), lambda('x', 1))]", "filter(): the lambda must return a boolean"),
    ("[lambda(1, 2)]", "lambda parameter names must be strings"),
    ("[toObject(createArray(1), lambda('x', lambdaVariables('x')))]", "the key lambda must return a string"),
    ("[parameters(1)]", "parameters(): the first argument must be a string"),
    ("[indexFromEnd(createArray(1), 0)]", "index 0 from the end is out of range"),
    # NaN and 1e400 are not JSON: json() rejects them before int() sees them (issue 17, finding 11)
    ("[int(json('NaN'))]", "json(): the argument is not valid JSON: NaN is not a JSON number"),
    ("[int(json('1e400'))]", "the number 1e400 is outside JSON's finite range"),
    ("[uri('http://[bad', 'x')]", "is not an absolute URI"),
    ("[lambda('x', 1)]", "is a lambda, which is not a value"),
    ("[copyIndex(createArray())]", "the argument must be a loop name or an integer offset"),
]


@pytest.mark.parametrize("text, message", ERRORS)
def test_function_errors(text: str, message: str) -> None:
    with pytest.raises(ExpressionError) as info:
        ev(text)
    assert message in info.value.message
    assert info.value.column is not None


def test_errors_carry_hints_where_a_fix_is_clear() -> None:
    for text in ("[div(1, 0)]", "[cidrSubnet('10.0.0.0', 24, 0)]", "[json('{')]", "[substring('a', 5)]"):
        with pytest.raises(ExpressionError) as info:
            ev(text)
        assert info.value.hint, text


def test_unknown_inside_array_search() -> None:
    assert ev("[contains(createArray(reference('x').id, 'a'), 'a')]") is True
    assert isinstance(ev("[contains(createArray(reference('x').id), 'a')]"), Unknown)
    assert isinstance(ev("[indexOf(createArray(reference('x').id, 'a'), 'a')]"), Unknown)
    assert isinstance(ev("[join(createArray('a', reference('x').id), ',')]"), Unknown)
    assert isinstance(ev("[max(createArray(1, reference('x').n))]"), Unknown)
    assert isinstance(ev("[filter(createArray(1), lambda('v', reference('x').on))]"), Unknown)


def test_not_evaluated_functions_are_unknown() -> None:
    value = ev("[dateTimeAdd('2020-01-01', 'P1D')]")
    assert isinstance(value, Unknown) and "dateTimeAdd() is not evaluated" in value.reason


def test_functions_do_not_change_their_arguments() -> None:
    scope = Scope(parameters={"base": {"a": {"x": 1}}, "list": [1, 2]})
    ev("[union(parameters('base'), createObject('a', createObject('y', 2)))]", scope)
    ev("[concat(parameters('list'), createArray(3))]", scope)
    ev("[sort(parameters('list'), lambda('a', 'b', greater(lambdaVariables('a'), lambdaVariables('b'))))]", scope)
    assert scope.parameters["base"] == {"a": {"x": 1}}
    assert scope.parameters["list"] == [1, 2]


@pytest.mark.parametrize(("template", "values", "expected"), [
    ("{5} and {", ["a"], "format item {5} has no argument (1 given)"),  # the earlier problem first
    ("{0} and {", ["a"], "invalid format item at position 8 in '{0} and {'"),
    ("{0} }", ["a"], "unmatched '}' at position 4 in '{0} }'"),
    ("{0,20000}", ["a"], "alignment 20000 is too large"),
])
def test_format_problems_are_reported_left_to_right_every_time(template: str, values: list[object],
                                                                expected: str) -> None:
    from checker.sources.arm.functions import FunctionError, dotnet_format

    for _ in range(2):  # the second time the format string's reading is remembered
        with pytest.raises(FunctionError) as caught:
            dotnet_format(template, values)
        assert caught.value.message == expected


def test_format_reads_a_format_string_once_and_formats_every_value() -> None:
    from checker.sources.arm.functions import dotnet_format

    assert [dotnet_format("{{{0}}}-{1,4}|{1,-4}|{2:D3}", ["x", "ab", n]) for n in (7, -12)] == [
        "{x}-  ab|ab  |007", "{x}-  ab|ab  |-012"]
