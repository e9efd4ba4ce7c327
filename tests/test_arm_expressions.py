"""Parser and evaluator of ARM template expressions: syntax, errors, limits, unknown and secret values,
user-defined functions, lambdas, and the cost of evaluating many expressions."""

from __future__ import annotations

from typing import Any

import pytest

from checker.model import CheckerError, Secret, Unknown
from checker.sources.arm.context import DeploymentContext
from checker.sources.arm.expressions import (
    MAX_EXPRESSION_LENGTH,
    Access,
    Call,
    ExpressionError,
    Literal,
    UserFunction,
    evaluate_string,
    evaluate_value,
    is_expression,
    parse_expression,
)


class Scope:
    """A minimal EvalScope: parameters, variables, one copy loop, user functions."""

    def __init__(self, parameters: dict[str, Any] | None = None, variables: dict[str, Any] | None = None,
                 copy: dict[str | None, int] | None = None, functions: list[UserFunction] | None = None,
                 context: DeploymentContext | None = None) -> None:
        self.context = context or DeploymentContext()
        self.parameters = parameters or {}
        self.variables = variables or {}
        self.copy = copy or {}
        self.functions = {(f.namespace.lower(), f.name.lower()): f for f in functions or []}

    def parameter(self, name: str) -> Any:
        if name not in self.parameters:
            raise CheckerError(f"parameter '{name}' is not defined")
        return self.parameters[name]

    def variable(self, name: str) -> Any:
        if name not in self.variables:
            raise CheckerError(f"variable '{name}' is not defined")
        return evaluate_value(self.variables[name], self)

    def copy_index(self, loop: str | None) -> int:
        if loop not in self.copy:
            raise CheckerError("copyIndex() used outside a copy loop")
        return self.copy[loop]

    def user_function(self, namespace: str, name: str) -> UserFunction | None:
        return self.functions.get((namespace.lower(), name.lower()))


def ev(text: str, scope: Scope | None = None) -> Any:
    return evaluate_string(text, scope or Scope())


def error_of(text: str, scope: Scope | None = None) -> ExpressionError:
    with pytest.raises(ExpressionError) as info:
        ev(text, scope)
    return info.value


# --------------------------------------------------------------------------------------------------
# is_expression and literal strings
# --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("[parameters('a')]", True),
    ("[[parameters('a')]", False),
    ("plain", False),
    ("[not closed", False),
    ("not opened]", False),
    ("", False),
    ("[", False),
    (" [concat('a')]", False),
])
def test_is_expression(text: str, expected: bool) -> None:
    assert is_expression(text) is expected


def test_literal_strings_come_back_unchanged() -> None:
    assert ev("Standard") == "Standard"
    assert ev("[not an expression") == "[not an expression"
    assert ev("") == ""


def test_double_bracket_escapes_a_literal() -> None:
    assert ev("[[variables('x')]") == "[variables('x')]"
    assert ev("[[replace-with-shared-key]") == "[replace-with-shared-key]"


# --------------------------------------------------------------------------------------------------
# Parser: every syntax feature
# --------------------------------------------------------------------------------------------------

def test_parse_builds_call_tree_with_offsets() -> None:
    node = parse_expression("[concat('a', parameters('b'))]")
    assert isinstance(node, Call) and node.name == "concat" and node.offset == 1
    first, second = node.args
    assert first == Literal("a", 8)
    assert isinstance(second, Call) and second.name == "parameters"
    assert second.args == (Literal("b", 24),)


def test_parse_accepts_text_without_brackets() -> None:
    node = parse_expression("add(1, 2)")
    assert isinstance(node, Call) and [a.value for a in node.args] == [1, 2]  # type: ignore[union-attr]


def test_parse_is_cached_by_text() -> None:
    assert parse_expression("[concat('x', 'y')]") is parse_expression("[concat('x', 'y')]")


def test_string_literal_with_escaped_quotes() -> None:
    assert ev("['it''s']") == "it's"
    assert ev("['']") == ""
    assert ev("[concat('''', 'a', '''')]") == "'a'"


def test_string_literal_keeps_brackets_and_commas() -> None:
    assert ev("[concat('[a, b]', ')')]") == "[a, b])"


def test_integers_including_negative() -> None:
    assert ev("[add(-3, 10)]") == 7
    assert ev("[-5]") == -5
    assert ev("[0]") == 0


def test_bare_and_function_literals() -> None:
    assert ev("[true]") is True
    assert ev("[false()]") is False
    assert ev("[null()]") is None
    assert ev("[if(true, 'y', 'n')]") == "y"
    assert ev("[equals(null, null())]") is True


def test_whitespace_everywhere() -> None:
    assert ev("[ concat ( 'a' ,\n\t'b' ) ]") == "ab"
    assert ev("[createObject('k', 1) . k]") == 1
    assert ev("[createArray(1, 2) [ 1 ] ]") == 2


def test_property_and_index_access_chained_after_calls() -> None:
    scope = Scope(variables={"cfg": {"hub": {"subnets": [{"name": "GatewaySubnet", "prefix": "10.0.0.0/27"}]}}})
    assert ev("[variables('cfg').hub.subnets[0].prefix]", scope) == "10.0.0.0/27"
    assert ev("[variables('cfg')['hub']['subnets'][0]['name']]", scope) == "GatewaySubnet"
    node = parse_expression("[variables('cfg').hub[0]]")
    assert isinstance(node, Access) and isinstance(node.target, Access)


def test_computed_index() -> None:
    scope = Scope(parameters={"i": 1, "key": "b"})
    assert ev("[createArray('x', 'y')[parameters('i')]]", scope) == "y"
    assert ev("[createObject('a', 1, 'b', 2)[parameters('key')]]", scope) == 2


def test_property_access_is_case_insensitive() -> None:
    scope = Scope(variables={"cfg": {"AddressPrefix": "10.1.0.0/16"}})
    assert ev("[variables('cfg').addressprefix]", scope) == "10.1.0.0/16"


def test_function_names_are_case_insensitive() -> None:
    assert ev("[CONCAT('a', ToUpper('b'))]") == "aB"


# --------------------------------------------------------------------------------------------------
# Parser errors: each with a message that says what is wrong and a hint
# --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, message, column", [
    ("[foo('a')]", "unknown function 'foo'", 1),
    ("[concat('a'", "missing ')' to close the call of 'concat'", None),
    ("[concat('a')", "missing ']' at the end", 12),
    ("['abc]", "unterminated string literal", 1),
    ("[concat('a') x]", "unexpected 'x' after the end of the expression", 13),
    ("[concat('a'; 'b')]", "expected ',' or ')' in the arguments of 'concat'", None),
    ("[concat(]", "unexpected end of the expression", None),
    ("[]", "empty expression", None),
    ("[   ]", "empty expression", None),
    ("[parameters]", "expected '(' after function name 'parameters'", None),
    ("[1.5]", "decimal numbers are not supported", None),
    ("[createArray(1)[0]", "expected ']' to close the index", None),
    ("[createObject('a', 1).]", "expected a property name after '.'", None),
    ("[concat('a',)]", "unexpected ')'", None),
    ("[#]", "unexpected '#'", None),
    ("[add(99999999999999999999999, 1)]", "too large", None),
])
def test_syntax_errors(text: str, message: str, column: int | None) -> None:
    with pytest.raises(ExpressionError) as info:
        parse_expression(text)
    error = info.value
    assert message in error.message
    assert error.hint
    if column is not None:
        assert error.column == column


def test_unterminated_call_names_the_function() -> None:
    with pytest.raises(ExpressionError) as info:
        parse_expression("[concat('a', 'b'")
    assert "missing ')' to close the call of 'concat'" in info.value.message


@pytest.mark.parametrize("text, expected", [
    ("[concat()]", "function 'concat' takes at least 1 argument"),
    ("[parameters()]", "function 'parameters' takes 1 argument, got 0"),
    ("[if(true, 1)]", "function 'if' takes 3 arguments, got 2"),
    ("[substring('a', 1, 2, 3)]", "function 'substring' takes 2 to 3 arguments, got 4"),
    ("[resourceGroup(1)]", "function 'resourceGroup' takes 0 arguments, got 1"),
])
def test_wrong_argument_count(text: str, expected: str) -> None:
    with pytest.raises(ExpressionError) as info:
        parse_expression(text)
    assert expected in info.value.message


def test_error_is_a_checker_error() -> None:
    with pytest.raises(CheckerError):
        parse_expression("[nope()]")


def test_expression_length_limit() -> None:
    long_text = "[concat('" + "a" * MAX_EXPRESSION_LENGTH + "')]"
    with pytest.raises(ExpressionError) as info:
        parse_expression(long_text)
    assert "limit" in info.value.message
    just_fits = "['" + "a" * (MAX_EXPRESSION_LENGTH - 6) + "']"
    assert ev(just_fits) == "a" * (MAX_EXPRESSION_LENGTH - 6)


def test_nesting_limit() -> None:
    deep = "[" + "string(" * 70 + "1" + ")" * 70 + "]"
    with pytest.raises(ExpressionError) as info:
        parse_expression(deep)
    assert "nested deeper than 64" in info.value.message
    ok = "[" + "string(" * 40 + "1" + ")" * 40 + "]"
    assert ev(ok) == "1"


def test_long_access_chain_is_bounded() -> None:
    with pytest.raises(ExpressionError):
        parse_expression("[json('{}')" + ".a" * 100 + "]")


# --------------------------------------------------------------------------------------------------
# Evaluation errors
# --------------------------------------------------------------------------------------------------

def test_missing_property_names_available_ones() -> None:
    error = error_of("[createObject('alpha', 1, 'beta', 2).gamma]")
    assert "'gamma' does not exist" in error.message and "alpha, beta" in error.message
    assert error.hint and "tryGet" in error.hint


def test_index_out_of_range() -> None:
    error = error_of("[createArray(1, 2)[2]]")
    assert "index 2 is out of range for an array of length 2" in error.message


def test_wrong_index_types() -> None:
    assert "must be an integer" in error_of("[createArray(1)['a']]").message
    assert "must be a string" in error_of("[createObject('a', 1)[0]]").message
    assert "cannot read .length of a string" in error_of("['abc'.length]").message


def test_function_errors_name_the_function_and_position() -> None:
    error = error_of("[concat('a', substring('abc', 5))]")
    assert error.message.startswith("substring():")
    assert error.column == 13


def test_undefined_parameter_propagates_checker_error() -> None:
    with pytest.raises(CheckerError) as info:
        ev("[parameters('missing')]")
    assert "missing" in info.value.message


def test_copy_index_outside_loop_propagates_checker_error() -> None:
    with pytest.raises(CheckerError):
        ev("[copyIndex()]")


# --------------------------------------------------------------------------------------------------
# Unknown values
# --------------------------------------------------------------------------------------------------

def test_reference_is_unknown_naming_the_call() -> None:
    value = ev("[reference('pip-gw')]")
    assert isinstance(value, Unknown)
    assert value.reason == "reference('pip-gw') is only known after deployment"


def test_property_access_on_reference_names_the_path() -> None:
    value = ev("[reference('pip-gw').ipAddress]")
    assert value == Unknown("reference('pip-gw').ipAddress is only known after deployment")
    nested = ev("[reference('nested').outputs['prefix'].value]")
    assert nested.reason == "reference('nested').outputs.prefix.value is only known after deployment"


def test_reference_of_resource_id_uses_the_name() -> None:
    value = ev("[reference(resourceId('Microsoft.Network/publicIPAddresses', 'pip-gw'), '2023-04-01')]")
    assert value.reason == "reference('pip-gw') is only known after deployment"


@pytest.mark.parametrize("text, fragment", [
    ("[listKeys('st', '2023-01-01')]", "listKeys('st')"),
    ("[listSecrets(resourceId('Microsoft.Web/sites', 'app'), '2022-03-01').x]", "listSecrets('app').x"),
    ("[newGuid()]", "newGuid()"),
    ("[utcNow()]", "utcNow()"),
    ("[pickZones('Microsoft.Compute', 'virtualMachines', 'westeurope')]", "pickZones()"),
])
def test_deployment_time_functions_are_unknown(text: str, fragment: str) -> None:
    value = ev(text)
    assert isinstance(value, Unknown) and fragment in value.reason


def test_functions_of_unknown_are_unknown_with_the_reason_kept() -> None:
    value = ev("[toUpper(concat('x', reference('pip').ipAddress))]")
    assert value.reason == "reference('pip').ipAddress is only known after deployment"
    assert isinstance(ev("[add(1, length(reference('x').list))]"), Unknown)


def test_unknown_parameter_flows_through() -> None:
    scope = Scope(parameters={"kv": Unknown("Key Vault reference")})
    assert ev("[parameters('kv')]", scope) == Unknown("Key Vault reference")
    assert ev("[concat('a', parameters('kv'))]", scope) == Unknown("Key Vault reference")
    assert ev("[parameters('kv').inner]", scope) == Unknown("Key Vault reference")


def test_if_with_known_condition_ignores_unknown_branch() -> None:
    assert ev("[if(true, 'known', reference('x').y)]") == "known"
    assert isinstance(ev("[if(false, 'known', reference('x').y)]"), Unknown)
    assert isinstance(ev("[if(equals(reference('x').y, 1), 'a', 'b')]"), Unknown)


def test_if_is_lazy() -> None:
    assert ev("[if(false, substring('abc', 10), 'safe')]") == "safe"
    assert ev("[if(true, 'safe', parameters('undefined'))]") == "safe"


def test_coalesce_decides_with_an_earlier_known_value() -> None:
    assert ev("[coalesce(null(), 'first', reference('x'))]") == "first"
    assert isinstance(ev("[coalesce(null(), reference('x'), 'later')]"), Unknown)
    assert ev("[coalesce(null(), null())]") is None


def test_and_or_decided_by_known_values() -> None:
    assert ev("[and(reference('x').on, false)]") is False
    assert ev("[or(reference('x').on, true)]") is True
    assert isinstance(ev("[and(reference('x').on, true)]"), Unknown)
    assert isinstance(ev("[or(false, reference('x').on)]"), Unknown)


def test_containers_keep_unknown_elements() -> None:
    array = ev("[createArray('a', reference('x').id)]")
    assert array[0] == "a" and isinstance(array[1], Unknown)
    obj = ev("[createObject('id', reference('x').id, 'name', 'gw')]")
    assert obj["name"] == "gw" and isinstance(obj["id"], Unknown)
    merged = ev("[union(createObject('a', reference('x').id), createObject('b', 2))]")
    assert merged["b"] == 2 and isinstance(merged["a"], Unknown)


def test_length_and_empty_of_array_with_unknown_elements() -> None:
    assert ev("[length(createArray(reference('a'), reference('b')))]") == 2
    assert ev("[empty(createArray(reference('a')))]") is False


def test_property_access_next_to_unknown_properties() -> None:
    assert ev("[createObject('id', reference('x').id, 'name', 'gw').name]") == "gw"


def test_string_of_object_with_unknown_inside_is_unknown() -> None:
    assert isinstance(ev("[string(createObject('a', reference('x')))]"), Unknown)
    assert isinstance(ev("[equals(createArray(reference('x')), createArray(1))]"), Unknown)


# --------------------------------------------------------------------------------------------------
# Secrets
# --------------------------------------------------------------------------------------------------

def secret_scope() -> Scope:
    return Scope(parameters={"key": Secret.of("s3cr3t-value-xyz", "parameter-file"), "flag": True})


def test_secret_passed_unchanged_stays_the_same_object() -> None:
    scope = secret_scope()
    secret = scope.parameters["key"]
    assert ev("[parameters('key')]", scope) is secret
    assert ev("[if(parameters('flag'), parameters('key'), 'none')]", scope) is secret
    assert ev("[coalesce(null(), parameters('key'))]", scope) is secret


def test_secret_transformed_becomes_unknown_without_its_text() -> None:
    scope = secret_scope()
    for text in ("[concat('prefix', parameters('key'))]", "[toUpper(parameters('key'))]",
                 "[base64(parameters('key'))]", "[length(parameters('key'))]", "[parameters('key').x]",
                 "[string(createArray(parameters('key')))]", "[format('{0}', parameters('key'))]"):
        value = ev(text, scope)
        assert value == Unknown("derived from a secure value"), text
        assert "s3cr3t" not in repr(value)


def test_secret_in_container_is_kept_as_secret() -> None:
    scope = secret_scope()
    array = ev("[createArray(parameters('key'))]", scope)
    assert array == [scope.parameters["key"]]


# --------------------------------------------------------------------------------------------------
# User-defined functions
# --------------------------------------------------------------------------------------------------

def functions_scope() -> Scope:
    return Scope(variables={"v": "var"}, functions=[
        UserFunction("contoso", "uniqueName", ("prefix",), "[concat(parameters('prefix'), '-gw')]"),
        UserFunction("contoso", "twice", ("name",), "[concat(contoso.uniqueName(parameters('name')), '2')]"),
        UserFunction("contoso", "subnet", ("vnet", "name"),
                     {"id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', parameters('vnet'), "
                            "parameters('name'))]", "fixed": 1}),
        UserFunction("bad", "usesVariable", (), "[variables('v')]"),
        UserFunction("bad", "usesReference", (), "[reference('x')]"),
        UserFunction("bad", "loop", ("n",), "[bad.loop(parameters('n'))]"),
        UserFunction("bad", "outerParameter", (), "[parameters('prefix')]"),
    ])


def test_user_function_call() -> None:
    scope = functions_scope()
    assert ev("[contoso.uniqueName('hub')]", scope) == "hub-gw"
    assert ev("[CONTOSO.UNIQUENAME('hub')]", scope) == "hub-gw"
    assert ev("[contoso.twice('hub')]", scope) == "hub-gw2"


def test_user_function_object_output() -> None:
    value = ev("[contoso.subnet('vnet1', 'GatewaySubnet')]", functions_scope())
    assert value["fixed"] == 1
    assert value["id"].endswith("/virtualNetworks/vnet1/subnets/GatewaySubnet")


def test_user_function_with_lambda_inside() -> None:
    scope = Scope(functions=[UserFunction("ns", "names", ("items",),
                                          "[map(parameters('items'), lambda('i', concat(lambdaVariables('i'), "
                                          "'-x')))]")])
    assert ev("[ns.names(createArray('a', 'b'))]", scope) == ["a-x", "b-x"]


def test_user_function_passes_unknown_and_secret_arguments_through() -> None:
    secret = Secret.of("hidden-value-0001", "parameter-file")
    scope = Scope(parameters={"key": secret}, functions=[UserFunction("ns", "id", ("v",), "[parameters('v')]")])
    assert ev("[ns.id(parameters('key'))]", scope) is secret
    assert isinstance(ev("[ns.id(reference('x'))]", scope), Unknown)


def test_user_function_errors() -> None:
    scope = functions_scope()
    assert "unknown user-defined function 'contoso.missing'" in error_of("[contoso.missing()]", scope).message
    assert "takes 1 argument(s), got 2" in error_of("[contoso.uniqueName('a', 'b')]", scope).message
    assert "variables" in error_of("[bad.usesVariable()]", scope).message
    assert "reference() cannot be used in a user-defined function" in error_of(
        "[bad.usesReference()]", scope).message
    assert "has no parameter 'prefix'" in error_of("[bad.outerParameter()]", scope).message


def test_user_function_recursion_is_bounded() -> None:
    error = error_of("[bad.loop(1)]", functions_scope())
    assert "more than 32 levels" in error.message


# --------------------------------------------------------------------------------------------------
# Lambdas
# --------------------------------------------------------------------------------------------------

def test_lambda_variables_and_nesting() -> None:
    assert ev("[map(createArray(1, 2), lambda('x', map(createArray(10), "
              "lambda('y', add(lambdaVariables('x'), lambdaVariables('y'))))))]") == [[11], [12]]


def test_lambda_variable_outside_lambda_is_an_error() -> None:
    assert "not a variable of an enclosing lambda" in error_of("[lambdaVariables('x')]").message


def test_lambda_can_read_parameters() -> None:
    scope = Scope(parameters={"suffix": "-x"})
    assert ev("[map(createArray('a'), lambda('n', concat(lambdaVariables('n'), parameters('suffix'))))]",
              scope) == ["a-x"]


def test_lambda_is_not_a_value() -> None:
    assert "a lambda" in error_of("[string(lambda('x', 1))]").message


# --------------------------------------------------------------------------------------------------
# evaluate_value and performance
# --------------------------------------------------------------------------------------------------

def test_non_string_values_pass_through() -> None:
    scope = Scope()
    for value in (1, True, None, ["[add(1, 1)]"], {"a": "[b]"}):
        assert evaluate_string(value, scope) is value  # type: ignore[arg-type]


def test_evaluate_value_walks_objects_and_arrays() -> None:
    scope = Scope(parameters={"name": "gw"})
    value = evaluate_value({"name": "[parameters('name')]", "list": ["[[x]", "[add(1, 1)]"], "n": 3}, scope)
    assert value == {"name": "gw", "list": ["[x]", 2], "n": 3}


def test_twenty_thousand_copy_iterations_evaluate_consistently() -> None:
    # Speed is measured in benchmarks/bench_inputs.py, not here.
    texts = ["[concat(parameters('prefix'), '-pip-', copyIndex())]",
             "[resourceId('Microsoft.Network/virtualNetworks/subnets', parameters('prefix'), 'GatewaySubnet')]",
             "[variables('cfg').sku]", "[format('{0}-{1:D3}', parameters('prefix'), copyIndex(1))]",
             "[if(equals(parameters('prefix'), 'hub'), 'VpnGw2AZ', 'VpnGw1AZ')]"]
    scope = Scope(parameters={"prefix": "hub"}, variables={"cfg": {"sku": "VpnGw2AZ"}}, copy={None: 0})
    names = set()
    for index in range(20_000):
        scope.copy[None] = index
        values = [evaluate_string(text, scope) for text in texts]
        names.add(values[0])
        assert values[1:3] == [f"/subscriptions/{scope.context.subscription_id}/resourceGroups/"
                               f"{scope.context.resource_group}/providers/Microsoft.Network/virtualNetworks/hub/"
                               "subnets/GatewaySubnet", "VpnGw2AZ"]
    assert len(names) == 20_000
    assert evaluate_string(texts[3], scope) == "hub-20000"
