"""The condition language: every operator, field paths, [*] and count semantics, three-valued logic."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.model import CaseInsensitiveDict, Secret, Unknown, case_insensitive
from checker.policy.conditions import (
    OPERATORS,
    STAR,
    ConditionError,
    Undetermined,
    all_of,
    any_of,
    check_condition,
    compile_condition,
    evaluate_condition,
    negate,
    parse_field_path,
    split_message,
)

U = Undetermined(("why",))

# Shaped as the views make subjects: a plain dict of declared names (read exactly; the policy loader
# checks them), whose ARM objects (sku, tags, ...) are case-insensitive as every resource body is.
SUBJECT: dict[str, Any] = {
    "name": "GatewaySubnet",
    "gatewayType": "Vpn",
    "sku": CaseInsensitiveDict({"name": "VpnGw2AZ", "tier": "VpnGw2AZ"}),
    "prefixLength": 27,
    "ratio": 0.5,
    "enableBgp": False,
    "zones": ["1", "2", "3"],
    "tags": CaseInsensitiveDict({"Owner": "net-team", "CreatedBy": "GatewaySKUMigration"}),
    "nothing": None,
    "ipConfigurations": case_insensitive([
        {"name": "ipconfig1", "publicIp": {"sku": "Standard", "allocation": "Static"}},
        {"name": "ipconfig2", "publicIp": {"sku": "Basic", "allocation": "Dynamic"}},
    ]),
    "emptyList": [],
    "refValue": Unknown("reference() to a resource outside the template"),
    "sharedKey": Secret.of("123secret", "template-literal"),
    "mixed": ["a", Unknown("copy loop count unknown")],
    "text": "abc",
    "routes": [{"prefix": "10.0.0.0/8", "hops": [{"t": "VirtualAppliance"}, {"t": "Internet"}]},
               {"prefix": "0.0.0.0/0", "hops": []}],
}


def leaf(field: str, operator: str, operand: Any) -> dict[str, Any]:
    return {"field": field, operator: operand}


CASES = [
    # equals / notEquals: case-insensitive strings, numbers, booleans, missing fields
    (leaf("gatewayType", "equals", "vpn"), True),
    (leaf("gatewayType", "equals", "ExpressRoute"), False),
    (leaf("sku.name", "equals", "VPNGW2AZ"), True),
    (leaf("prefixLength", "equals", 27), True),
    (leaf("prefixLength", "equals", "27"), False),
    (leaf("enableBgp", "equals", False), True),
    (leaf("enableBgp", "equals", 0), False),
    (leaf("zones", "equals", ["1", "2", "3"]), True),
    (leaf("tags", "equals", {"owner": "NET-TEAM", "createdby": "gatewayskumigration"}), True),
    (leaf("absent", "equals", "x"), False),
    (leaf("absent", "notEquals", "x"), True),
    (leaf("nothing", "equals", "x"), False),
    (leaf("gatewayType", "notEquals", "VPN"), False),
    # in / notIn
    (leaf("gatewayType", "in", ["ExpressRoute", "VPN"]), True),
    (leaf("gatewayType", "in", ["ExpressRoute"]), False),
    (leaf("gatewayType", "notIn", ["ExpressRoute"]), True),
    (leaf("absent", "in", ["x"]), False),
    (leaf("absent", "notIn", ["x"]), True),
    # contains / notContains: substrings of strings, members of arrays
    (leaf("sku.name", "contains", "gw2"), True),
    (leaf("sku.name", "contains", "gw3"), False),
    (leaf("zones", "contains", "2"), True),
    (leaf("zones", "contains", "4"), False),
    (leaf("zones", "notContains", "4"), True),
    (leaf("absent", "contains", "x"), False),
    (leaf("absent", "notContains", "x"), True),
    # containsKey
    (leaf("tags", "containsKey", "createdby"), True),
    (leaf("tags", "containsKey", "Cost"), False),
    (leaf("tags", "notContainsKey", "Cost"), True),
    # like / notLike: one or several wildcards, case-insensitive, whole value
    (leaf("sku.name", "like", "vpngw*az"), True),
    (leaf("sku.name", "like", "*AZ"), True),
    (leaf("sku.name", "like", "VpnGw*"), True),
    (leaf("sku.name", "like", "Gw*"), False),
    (leaf("sku.name", "like", "v*g*2*"), True),
    (leaf("sku.name", "notLike", "ErGw*"), True),
    (leaf("absent", "like", "*"), False),
    (leaf("absent", "notLike", "*"), True),
    # match: # digit, ? letter, . any character; case-sensitive
    (leaf("sku.name", "match", "VpnGw#??"), True),
    (leaf("sku.name", "match", "vpngw#??"), False),
    (leaf("sku.name", "matchInsensitively", "vpngw#??"), True),
    (leaf("sku.name", "match", "VpnGw#?"), False),
    (leaf("sku.name", "match", "VpnGw.AZ"), True),
    (leaf("sku.name", "match", "VpnGw?AZ"), False),
    (leaf("sku.name", "notMatch", "ErGw#AZ"), True),
    # ordering
    (leaf("prefixLength", "less", 28), True),
    (leaf("prefixLength", "less", 27), False),
    (leaf("prefixLength", "lessOrEquals", 27), True),
    (leaf("prefixLength", "greater", 26), True),
    (leaf("prefixLength", "greaterOrEquals", 28), False),
    (leaf("ratio", "greater", 0.25), True),
    (leaf("gatewayType", "greater", "ExpressRoute"), True),
    (leaf("absent", "less", 5), False),
    # exists
    (leaf("sku.tier", "exists", True), True),
    (leaf("sku.family", "exists", True), False),
    (leaf("sku.family", "exists", False), True),
    (leaf("nothing", "exists", False), True),
    (leaf("sku", "exists", "true"), True),
    (leaf("absent.deeper.still", "exists", False), True),
    (leaf("text.length", "exists", True), False),
    # indexes
    (leaf("ipConfigurations[1].name", "equals", "ipconfig2"), True),
    (leaf("ipConfigurations[5].name", "exists", False), True),
    (leaf("zones[0]", "equals", "1"), True),
    (leaf("tags['owner']", "equals", "net-team"), True),
    # case-insensitive property names inside ARM objects (a subject's own names are declared, and
    # the loader checks them as written)
    (leaf("sku.NAME", "equals", "VpnGw2AZ"), True),
    (leaf("ipConfigurations[1].PublicIP.Allocation", "equals", "Dynamic"), True),
    # [*] outside count: every element must hold; empty or missing arrays hold
    (leaf("ipConfigurations[*].publicIp.sku", "equals", "standard"), False),
    (leaf("ipConfigurations[*].publicIp.sku", "in", ["Standard", "Basic"]), True),
    (leaf("ipConfigurations[*].name", "like", "ipconfig*"), True),
    (leaf("emptyList[*].name", "equals", "x"), True),
    (leaf("absent[*].name", "equals", "x"), True),
    (leaf("routes[*].hops[*].t", "in", ["VirtualAppliance", "Internet"]), True),
    (leaf("routes[*].hops[*].t", "equals", "Internet"), False),
    (leaf("ipConfigurations[*].publicIp.zone", "exists", False), True),
    # value leaves
    ({"value": "abc", "equals": "ABC"}, True),
    ({"value": 3, "less": 4}, True),
    ({"value": "[parameters('size')]", "equals": 27}, True),
    ({"field": "prefixLength", "equals": "[parameters('size')]"}, True),
    ({"field": "gatewayType", "in": "[parameters('types')]"}, True),
    ({"value": "[[literal]", "equals": "[[LITERAL]"}, True),
    ({"value": "[[literal]", "equals": "[[literal]]"}, False),
    # logical
    ({"allOf": [leaf("gatewayType", "equals", "Vpn"), leaf("prefixLength", "less", 28)]}, True),
    ({"allOf": [leaf("gatewayType", "equals", "Vpn"), leaf("prefixLength", "less", 20)]}, False),
    ({"anyOf": [leaf("gatewayType", "equals", "x"), leaf("prefixLength", "less", 28)]}, True),
    ({"anyOf": [leaf("gatewayType", "equals", "x"), leaf("prefixLength", "less", 20)]}, False),
    ({"not": leaf("gatewayType", "equals", "x")}, True),
    ({"not": {"not": leaf("gatewayType", "equals", "x")}}, False),
]


@pytest.mark.parametrize(("condition", "expected"), CASES, ids=[str(c) for c, _ in CASES])
def test_operator_table(condition: dict[str, Any], expected: bool) -> None:
    result = evaluate_condition(condition, SUBJECT, {"size": 27, "types": ["vpn"]})
    assert result is expected


COUNT_CASES = [
    # count of a field array, with and without where
    ({"count": {"field": "ipConfigurations[*]"}, "equals": 2}, True),
    ({"count": {"field": "ipConfigurations[*]", "where": leaf("ipConfigurations[*].publicIp.sku", "equals",
                                                              "basic")}, "equals": 1}, True),
    ({"count": {"field": "ipConfigurations[*]", "where": leaf("ipConfigurations[*].publicIp.sku", "equals",
                                                              "basic")}, "greater": 1}, False),
    # inside where, the counted [*] is the current element, other fields read the whole subject
    ({"count": {"field": "ipConfigurations[*]", "where": {"allOf": [
        leaf("ipConfigurations[*].name", "like", "ipconfig*"), leaf("gatewayType", "equals", "Vpn")]}},
      "equals": 2}, True),
    ({"count": {"field": "zones[*]", "where": leaf("zones[*]", "in", ["1", "3"])}, "equals": 2}, True),
    # nested counts and flattened arrays
    ({"count": {"field": "routes[*]", "where": {"count": {"field": "routes[*].hops[*]", "where": leaf(
        "routes[*].hops[*].t", "equals", "internet")}, "greater": 0}}, "equals": 1}, True),
    ({"count": {"field": "routes[*].hops[*]"}, "equals": 2}, True),
    # empty and missing arrays count 0
    ({"count": {"field": "emptyList[*]"}, "equals": 0}, True),
    ({"count": {"field": "absent[*]"}, "equals": 0}, True),
    # value counts with current()
    ({"count": {"value": ["1", "2", "3"], "name": "zone", "where": leaf("zones", "contains", "[current('zone')]")},
      "equals": 3}, True),
    ({"count": {"value": "[parameters('types')]", "name": "t", "where": {
        "value": "[current('t')]", "equals": "VPN"}}, "equals": 1}, True),
    ({"count": {"value": ["a", "b", "c"], "where": {"value": "[current()]", "notEquals": "b"}}, "equals": 2}, True),
]


@pytest.mark.parametrize(("condition", "expected"), COUNT_CASES, ids=[str(c) for c, _ in COUNT_CASES])
def test_count_table(condition: dict[str, Any], expected: bool) -> None:
    assert evaluate_condition(condition, SUBJECT, {"types": ["vpn", "ExpressRoute"]}) is expected


# ---------------------------------------------------------------------------------------------------
# Three-valued logic
# ---------------------------------------------------------------------------------------------------

def test_truth_tables() -> None:
    assert all_of([False, U]) is False
    assert all_of([True, U]) == U
    assert all_of([True, True]) is True
    assert any_of([True, U]) is True
    assert any_of([False, U]) == U
    assert any_of([False, False]) is False
    assert negate(U) == U
    assert negate(True) is False
    assert all_of([U, Undetermined(("other",)), U]) == Undetermined(("why", "other"))


def test_undetermined_has_no_truthiness() -> None:
    with pytest.raises(TypeError):
        bool(U)


UNKNOWN_REASON = "reference() to a resource outside the template"


@pytest.mark.parametrize("condition", [
    leaf("refValue", "equals", "x"),
    leaf("refValue", "notEquals", "x"),
    leaf("refValue", "exists", True),
    leaf("refValue", "exists", False),
    leaf("refValue.deeper", "equals", "x"),
    leaf("refValue[*].name", "equals", "x"),
    leaf("refValue", "less", 3),
    {"not": leaf("refValue", "equals", "x")},
    {"allOf": [leaf("refValue", "equals", "x"), leaf("gatewayType", "equals", "Vpn")]},
    {"anyOf": [leaf("refValue", "equals", "x"), leaf("gatewayType", "equals", "ExpressRoute")]},
    {"count": {"field": "refValue[*]"}, "equals": 0},
])
def test_unknown_values_make_the_condition_unknown(condition: dict[str, Any]) -> None:
    assert evaluate_condition(condition, SUBJECT) == Undetermined((UNKNOWN_REASON,))


def test_false_and_unknown_is_false_true_or_unknown_is_true() -> None:
    assert evaluate_condition({"allOf": [leaf("refValue", "equals", "x"), leaf("gatewayType", "equals", "x")]},
                              SUBJECT) is False
    assert evaluate_condition({"anyOf": [leaf("refValue", "equals", "x"), leaf("gatewayType", "equals", "vpn")]},
                              SUBJECT) is True


def test_unknown_element_under_star() -> None:
    assert evaluate_condition(leaf("mixed[*]", "equals", "a"), SUBJECT) == Undetermined(("copy loop count unknown",))
    # one known element already fails: every-element is false whatever the unknown one is
    assert evaluate_condition(leaf("mixed[*]", "equals", "b"), SUBJECT) is False
    # contains over an array with an unknown member: found is true, not found is unknown
    assert evaluate_condition(leaf("mixed", "contains", "a"), SUBJECT) is True
    assert evaluate_condition(leaf("mixed", "contains", "z"), SUBJECT) == Undetermined(("copy loop count unknown",))


def test_count_with_unknown_where_results() -> None:
    data = {"items": [{"v": 1}, {"v": Unknown("u1")}, {"v": 3}]}
    where = leaf("items[*].v", "greater", 2)
    # 1 known match, 1 unknown: the count is 1 or 2
    assert evaluate_condition({"count": {"field": "items[*]", "where": where}, "greater": 0}, data) is True
    assert evaluate_condition({"count": {"field": "items[*]", "where": where}, "greater": 2}, data) is False
    assert evaluate_condition({"count": {"field": "items[*]", "where": where}, "equals": 1}, data) == Undetermined(
        ("u1",))


def test_secret_is_never_compared_but_exists() -> None:
    result = evaluate_condition(leaf("sharedKey", "equals", "123secret"), SUBJECT)
    assert isinstance(result, Undetermined)
    assert "123secret" not in str(result)
    assert evaluate_condition(leaf("sharedKey", "exists", True), SUBJECT) is True
    assert evaluate_condition(leaf("sharedKey.source", "equals", "Template-Literal"), SUBJECT) is True
    assert evaluate_condition(leaf("sharedKey.weak", "equals", True), SUBJECT) is True
    assert evaluate_condition(leaf("sharedKey.digest", "exists", True), SUBJECT) is False


@pytest.mark.parametrize(("operator", "operand", "reason"), [
    ("less", 27, "expected a number at text, found 'abc'"),
    ("greaterOrEquals", 1, "expected a number at text, found 'abc'"),
])
def test_type_mismatch_is_unknown_with_reason(operator: str, operand: Any, reason: str) -> None:
    assert evaluate_condition(leaf("text", operator, operand), SUBJECT) == Undetermined((reason,))


def test_type_mismatch_reasons() -> None:
    assert evaluate_condition(leaf("prefixLength", "less", "x"), SUBJECT) == Undetermined(
        ("expected a string at prefixLength, found 27",))
    assert evaluate_condition(leaf("enableBgp", "less", 1), SUBJECT) == Undetermined(
        ("expected a number at enableBgp, found False",))
    assert evaluate_condition({"count": {"field": "text[*]"}, "equals": 0}, SUBJECT) == Undetermined(
        ("expected an array at text, found 'abc'",))


# ---------------------------------------------------------------------------------------------------
# Field paths, checks, messages
# ---------------------------------------------------------------------------------------------------

def test_parse_field_path() -> None:
    assert parse_field_path("a.b[*].c[2]").segments == ("a", "b", STAR, "c", 2)
    assert parse_field_path("tags['my.tag']").segments == ("tags", "my.tag")
    for bad in ["", "a..b", "[*].a", "a.", "a[x]", "a[1", "a[*]b"]:
        with pytest.raises(ValueError):
            parse_field_path(bad)


def test_check_condition_reports_paths() -> None:
    problems = check_condition({"allOf": [{"field": "a", "equals": 1, "in": [1]}, {"field": "a..b", "exists": True},
                                          {"count": {"field": "items"}, "equals": 1},
                                          {"value": "[concat('a')]", "equals": "a"},
                                          {"field": "a", "equals": "[current('x')]"}]}, ("then",), {})
    found = [(p.path, p.message) for p in problems]
    assert found == [
        (("then", "allOf", 0), "a leaf condition needs exactly one operator (found equals, in)"),
        (("then", "allOf", 1, "field"), "empty property name in field path 'a..b'"),
        (("then", "allOf", 2, "count", "field"), "a count field must end with [*] (found 'items')"),
        (("then", "allOf", 3, "value"), "unsupported expression \"[concat('a')]\""),
        (("then", "allOf", 4, "equals"), "current() is only allowed inside a count's where"),
    ]


def test_compile_rejects_malformed_conditions() -> None:
    with pytest.raises(ConditionError) as caught:
        compile_condition({"allOf": [{"field": "a", "equals": "[parameters('nope')]"}]}, {})
    assert caught.value.path == "allOf[0].equals"
    with pytest.raises(ConditionError):
        compile_condition({"field": "a"}, {})


def test_split_message() -> None:
    parts = split_message("GatewaySubnet {subnet.name} is /{subnet.prefixLength} {{literal}} {parameters.max}")
    kinds = [kind for kind, _ in parts]
    assert kinds == ["text", "field", "text", "field", "text", "parameter"]
    assert "".join(item for kind, item in parts if kind == "text") == "GatewaySubnet  is / {literal} "
    for bad in ["{a..b}", "open { brace", "{parameters.1x}"]:
        with pytest.raises(ValueError):
            split_message(bad)


# ---------------------------------------------------------------------------------------------------
# Generated condition trees over generated data never raise and always give a tri-state
# ---------------------------------------------------------------------------------------------------

KEYS = ["a", "b", "c", "name", "items"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 40), st.floats(allow_nan=True, allow_infinity=True),
                    st.sampled_from(["Vpn", "vpn", "abc", "", "10.0.0.0/8", "*"]),
                    st.builds(Unknown, st.sampled_from(["u1", "u2"])),
                    st.just(Secret.of("s3cr3t-value", "template-literal")))
values = st.recursive(scalars, lambda children: st.one_of(
    st.lists(children, max_size=3), st.dictionaries(st.sampled_from(KEYS), children, max_size=3)), max_leaves=12)
paths = st.lists(st.one_of(st.sampled_from(KEYS), st.sampled_from(["[*]", "[0]", "[2]"])), min_size=1,
                 max_size=4).map(lambda parts: "".join(
                     (p if p.startswith("[") else ("." + p if i else p)) for i, p in enumerate(parts))
                     if not parts[0].startswith("[") else "a" + "".join(p if p.startswith("[") else "." + p
                                                                         for p in parts))
operands = st.one_of(scalars.filter(lambda v: not isinstance(v, (Unknown, Secret))),
                     st.lists(st.sampled_from(["Vpn", 1, True, "x"]), max_size=3))


@st.composite
def leaves(draw: st.DrawFn) -> dict[str, Any]:
    operator = draw(st.sampled_from(OPERATORS))
    operand: Any = draw(operands)
    if operator in ("like", "notLike", "match", "notMatch", "matchInsensitively", "notMatchInsensitively",
                    "containsKey", "notContainsKey"):
        operand = draw(st.sampled_from(["*", "V*n", "#?.", "name", ""]))
    if operator == "exists":
        operand = draw(st.booleans())
    kind = draw(st.sampled_from(["field", "value", "count"]))
    if kind == "field":
        return {"field": draw(paths), operator: operand}
    if kind == "value":
        return {"value": draw(operands), operator: operand}
    base = draw(paths)
    count: dict[str, Any] = {"field": base + "[*]"}
    if draw(st.booleans()):
        count["where"] = {"field": base + "[*]" + draw(st.sampled_from(["", ".name", ".a[*]"])),
                          "equals": draw(operands)}
    return {"count": count, operator: operand}


conditions = st.recursive(leaves(), lambda children: st.one_of(
    st.lists(children, min_size=1, max_size=3).map(lambda items: {"allOf": items}),
    st.lists(children, min_size=1, max_size=3).map(lambda items: {"anyOf": items}),
    children.map(lambda item: {"not": item})), max_leaves=6)


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(condition=conditions, data=st.dictionaries(st.sampled_from(KEYS), values, max_size=5))
def test_generated_conditions_never_raise(condition: dict[str, Any], data: dict[str, Any]) -> None:
    result = compile_condition(condition, {})(data)
    assert result is True or result is False or isinstance(result, Undetermined)
    if isinstance(result, Undetermined):
        assert result.reasons and all(isinstance(r, str) for r in result.reasons)
        assert not any("s3cr3t" in r for r in result.reasons)
