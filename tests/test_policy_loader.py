"""Policy loading: every kind of authoring mistake is reported with its file, line and a clear text."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.model import CheckerError
from checker.policy.engine import compile_policy
from checker.policy.loader import (
    SCHEMA_FILE,
    check_settings,
    default_policy_dir,
    load_policies,
    load_policy_file,
    read_yaml,
    validate_policy_dir,
)
from checker.policy.model import RuleSettings

DATA = Path(__file__).parent / "data" / "policies"
VALID = DATA / "valid"
INVALID = DATA / "invalid"
OPERATOR_LIST = ("equals, notEquals, in, notIn, contains, notContains, containsKey, notContainsKey, like, notLike, "
                 "match, notMatch, matchInsensitively, notMatchInsensitively, less, lessOrEquals, greater, "
                 "greaterOrEquals, exists")


def errors_of(name: str) -> list[str]:
    path = INVALID / name
    policy, errors = load_policy_file(path, f"policies/vpn/{name}")
    assert policy is None
    return [str(error) for error in errors]


@pytest.mark.parametrize(("name", "expected"), [
    ("MISSING-TITLE.yaml", ["policies/vpn/MISSING-TITLE.yaml:1: missing required field 'title'"]),
    ("BAD-SEVERITY.yaml", ["policies/vpn/BAD-SEVERITY.yaml:3: severity: expected one of critical, high, medium, "
                           "low, found string 'urgent'"]),
    ("UNKNOWN-OPERATOR.yaml", [f"policies/vpn/UNKNOWN-OPERATOR.yaml:12: then.allOf[1]: unknown operator 'equal' "
                               f"(did you mean 'equals'? expected one of {OPERATOR_LIST})"]),
    ("TWO-OPERATORS.yaml", ["policies/vpn/TWO-OPERATORS.yaml:9: then.anyOf[0]: a leaf condition needs exactly one "
                            "operator (found equals, notEquals) (split it into one condition per operator under "
                            "allOf or anyOf)"]),
    ("ALLOF-TYPO.yaml", ["policies/vpn/ALLOF-TYPO.yaml:8: then: unknown key 'allof' (did you mean 'allOf'?)"]),
    ("WRONG-TYPE.yaml", ["policies/vpn/WRONG-TYPE.yaml:4: patterns: expected a list, found string 'vpn'"]),
    ("BAD-PARAMETER-REF.yaml", ["policies/vpn/BAD-PARAMETER-REF.yaml:11: then.lessOrEquals: parameter 'maxPrefix' "
                                "is not declared (declared parameters: maxPrefixLength)"]),
    ("ID-MISMATCH.yaml", ["policies/vpn/ID-MISMATCH.yaml:1: id: 'ID-OTHER' does not match the file name "
                          "'ID-MISMATCH' (rename the file to ID-OTHER.yaml or set id: ID-MISMATCH)"]),
    ("MALFORMED-YAML.yaml", ["policies/vpn/MALFORMED-YAML.yaml:5: invalid YAML: expected ',' or ']', but got ':' "
                             "(while parsing a flow sequence started on line 4) (fix the YAML syntax (indentation, "
                             "quotes, ':' after keys))"]),
    ("PYTHON-TAG.yaml", ["policies/vpn/PYTHON-TAG.yaml:6: YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' "
                         "is not allowed (policies are plain data: remove the tag (only strings, numbers, booleans, "
                         "null, lists and mappings are allowed))"]),
])
def test_each_mistake_is_reported_with_file_line_and_text(name: str, expected: list[str]) -> None:
    assert errors_of(name) == expected


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


BASE = """id: {id}
title: A rule
severity: high
patterns: [vpn]
subject: gateway
description: Why.
{extra}then:
{then}
message: "{message}"
remediation: Fix it.
"""


def rule(rule_id: str = "X-ONE", then: str = "  field: name\n  exists: true", extra: str = "",
         message: str = "Gateway {name}") -> str:
    return BASE.format(id=rule_id, then=then, extra=extra, message=message)


def problems(tmp_path: Path, text: str, name: str = "X-ONE.yaml") -> list[str]:
    path = write(tmp_path, name, text)
    policy, errors = load_policy_file(path, name)
    assert policy is None, "expected the policy to be rejected"
    return [str(error) for error in errors]


def test_python_tag_on_a_mapping_is_rejected_and_nothing_runs(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    text = rule().replace("description: Why.", f"description: !!python/object/apply:os.system ['touch {marker}']")
    assert problems(tmp_path, text) == [
        "X-ONE.yaml:6: YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed (policies are plain "
        "data: remove the tag (only strings, numbers, booleans, null, lists and mappings are allowed))"]
    text = rule().replace("then:\n", "then: !!python/object:builtins.dict\n")
    assert problems(tmp_path, text)[0].startswith("X-ONE.yaml:7: YAML tag 'tag:yaml.org,2002:python/object:")
    assert not marker.exists()


def test_duplicate_key_empty_file_and_several_documents(tmp_path: Path) -> None:
    assert problems(tmp_path, rule().replace("severity: high\n", "severity: high\nseverity: low\n")) == [
        "X-ONE.yaml:4: duplicate key 'severity' ('severity' is already set on line 3)"]
    assert problems(tmp_path, "") == [
        "X-ONE.yaml:1: the file is empty (a policy file holds one rule as a YAML mapping)"]
    assert problems(tmp_path, rule() + "---\n" + rule())[0].startswith(
        "X-ONE.yaml:12: invalid YAML: more than one YAML document in the file")
    assert problems(tmp_path, "- just\n- a list\n") == [
        "X-ONE.yaml:1: expected a mapping (one rule), found a list (a policy file holds one rule: id, title, ...)"]


def test_unknown_top_level_field_and_bad_id(tmp_path: Path) -> None:
    text = rule("x-one").replace("title:", "titel: typo\ntitle:")
    assert problems(tmp_path, text) == [
        "X-ONE.yaml:1: id: 'x-one' does not match the file name 'X-ONE' (rename the file to x-one.yaml or set id: "
        "X-ONE)",
        "X-ONE.yaml:1: id: expected a value matching ^[A-Z0-9]+(-[A-Z0-9]+)+$, found string 'x-one' (rule ids are "
        "upper-case words joined by dashes, e.g. GW-SUBNET-SIZE)",
        "X-ONE.yaml:2: unknown field 'titel' (did you mean 'title'? expected one of id, title, severity, patterns, "
        "subject, requires, description, parameters, if, then, message, remediation, property, references)",
    ]


@pytest.mark.parametrize(("then", "expected"), [
    ("  field: name", "X-ONE.yaml:8: then: a leaf condition needs exactly one operator (found none) "
                      f"(expected one of {OPERATOR_LIST})"),
    ("  equals: x", "X-ONE.yaml:8: then: a leaf condition needs exactly one of field, value, count (found none)"),
    ("  count: {field: ipConfigurations}\n  greater: 0",
     "X-ONE.yaml:8: then.count.field: a count field must end with [*] (found 'ipConfigurations') "
     "(write 'ipConfigurations[*]' to count the elements of the array)"),
    ("  field: a..b\n  exists: true", "X-ONE.yaml:8: then.field: empty property name in field path 'a..b'"),
    ("  field: name\n  in: Vpn", "X-ONE.yaml:9: then.in: expected a list or \"[parameters('name')]\", "
                                 "found string 'Vpn'"),
    ("  field: name\n  less: [1]", "X-ONE.yaml:9: then.less: expected a number or a string, found a list"),
    ("  allOf: []", "X-ONE.yaml:8: then.allOf: must not be empty"),
    ("  {}", "X-ONE.yaml:8: then: empty condition (expected allOf, anyOf, not or a field/value/count with an "
             "operator)"),
    ("  not:\n    - field: name\n      exists: true", "X-ONE.yaml:9: then.not: expected a mapping, found a list"),
    ("  allOf:\n    - field: name\n      exists: true\n    - anyOf:\n        - value: \"[concat('a')]\"\n"
     "          equals: a", "X-ONE.yaml:12: then.allOf[1].anyOf[0].value: unsupported expression \"[concat('a')]\" "
                            "(only \"[parameters('name')]\" (and \"[current('name')]\" inside count) are allowed; "
                            "write \"[[\" to start a literal with '[')"),
    ("  allOf:\n    - field: name\n      exists: true\n      anyOf: [{field: a, exists: true}]",
     "X-ONE.yaml:9: then.allOf[0]: 'anyOf' cannot be combined with field, exists in one condition (put each "
     "condition in its own list item under allOf/anyOf)"),
])
def test_condition_mistakes(tmp_path: Path, then: str, expected: str) -> None:
    assert problems(tmp_path, rule(then=then)) == [expected]


def test_parameter_mistakes(tmp_path: Path) -> None:
    extra = "parameters:\n  sizes: {type: integer, default: abc}\n  allowed: {type: string, default: x}\n"
    then = "  field: sku.name\n  in: \"[parameters('allowed')]\""
    found = problems(tmp_path, rule(then=then, extra=extra, message="{parameters.missing}"))
    assert found == [
        "X-ONE.yaml:8: parameters.sizes.default: expected an integer, found string 'abc'",
        "X-ONE.yaml:12: then.in: parameter 'allowed' is used as a list but declared as string (declare it with "
        "type: array)",
        "X-ONE.yaml:13: message: placeholder '{parameters.missing}' names no declared parameter (declared "
        "parameters: allowed, sizes)",
    ]
    found = problems(tmp_path, rule(message="GatewaySubnet {a..b} is { open"))
    assert found == ["X-ONE.yaml:10: message: placeholder '{a..b}': empty property name in field path 'a..b'"]


def test_current_and_value_counts_are_checked(tmp_path: Path) -> None:
    then = ("  count:\n    value: [1, 2]\n    name: zone\n    where:\n      field: zones\n"
            "      contains: \"[current('zon')]\"\n  equals: 2")
    assert problems(tmp_path, rule(then=then)) == [
        "X-ONE.yaml:13: then.count.where.contains: current('zon') names no enclosing count (enclosing count "
        "names: 'zone')"]
    good = then.replace("zon')", "zone')")
    policy, errors = load_policy_file(write(tmp_path, "X-ONE.yaml", rule(then=good)), "X-ONE.yaml")
    assert errors == [] and policy is not None


def test_valid_directory_loads_every_yaml_and_yml_sorted_by_id() -> None:
    policies, errors = load_policies([VALID])
    assert errors == []
    assert [p.id for p in policies] == ["CONN-SHAREDKEY-SECRET", "GW-PROVISIONED", "GW-SUBNET-SIZE"]
    size = policies[2]
    assert size.file == str(VALID / "common" / "GW-SUBNET-SIZE.yaml")
    assert size.line == 1
    assert size.requires == "static" and policies[1].requires == "live"
    assert size.parameters["maxPrefixLength"].default == 27
    assert size.parameters["maxPrefixLength"].type == "integer"
    assert size.condition_if == {"field": "gatewayType", "in": ["Vpn", "ExpressRoute"]}
    assert size.patterns == ("vpn", "expressroute", "expressroute-vpn-failover", "hub-spoke")
    info = size.rule_info()
    assert info.help_uri == "docs/rules/GW-SUBNET-SIZE.md" and info.requires_live is False
    assert policies[1].rule_info().requires_live is True
    assert hash(size) == hash(policies[2])


def test_invalid_files_do_not_hide_valid_ones(tmp_path: Path) -> None:
    shutil.copytree(VALID, tmp_path / "p")
    shutil.copy(INVALID / "BAD-SEVERITY.yaml", tmp_path / "p" / "vpn")
    policies, errors = load_policies([tmp_path / "p"])
    assert len(policies) == 3
    assert [e.file for e in errors] == [str(tmp_path / "p" / "vpn" / "BAD-SEVERITY.yaml")]


def test_duplicate_ids_across_files_and_directories(tmp_path: Path) -> None:
    shutil.copytree(VALID, tmp_path / "a")
    write(tmp_path, "b/hub-spoke/GW-SUBNET-SIZE.yml", (VALID / "common" / "GW-SUBNET-SIZE.yaml").read_text())
    policies, errors = load_policies([tmp_path / "a", tmp_path / "b"])
    assert len(policies) == 3
    assert [str(e) for e in errors] == [
        f"{tmp_path / 'b/hub-spoke/GW-SUBNET-SIZE.yml'}:1: id: duplicate rule id 'GW-SUBNET-SIZE' (already defined "
        f"in {tmp_path / 'a/common/GW-SUBNET-SIZE.yaml'}:1)"]


def test_unknown_subject_kind_only_when_kinds_are_given() -> None:
    policies, errors = load_policies([VALID], known_subjects={"gateway"})
    assert [p.id for p in policies] == ["GW-PROVISIONED", "GW-SUBNET-SIZE"]
    assert [str(e) for e in errors] == [
        f"{VALID / 'vpn' / 'CONN-SHAREDKEY-SECRET.yml'}:5: subject: unknown subject kind 'connection' (expected one "
        "of gateway)"]


def test_validate_policy_dir(tmp_path: Path) -> None:
    assert validate_policy_dir(VALID) == []
    empty = validate_policy_dir(tmp_path)
    assert [str(e) for e in empty] == [f"{tmp_path}: no policy files found (policy files end in .yaml or .yml)"]
    missing = validate_policy_dir(tmp_path / "nope")
    assert [e.message for e in missing] == ["policy directory not found"]
    assert len(validate_policy_dir(INVALID)) == 10


def test_read_yaml_keeps_lines_and_leaves_dates_and_yes_keys_alone() -> None:
    document, positions = read_yaml("a:\n  b: [1, 2]\n  on: 2024-01-31\nc: yes\n", "f.yaml")
    assert document == {"a": {"b": [1, 2], "on": "2024-01-31"}, "c": True}
    assert positions.line(("a", "b", 1)) == 2
    assert positions.line(("a", "on")) == 3
    assert positions.line(("c",), key=True) == 4
    with pytest.raises(CheckerError) as caught:
        read_yaml("a: [1,\n", "f.yaml")
    assert caught.value.file == "f.yaml" and caught.value.line == 2


def test_check_settings_reports_unknown_rules_and_parameters() -> None:
    policies, _ = load_policies([VALID])
    settings = RuleSettings(
        disabled=frozenset({"gw-*", "NOPE-*"}),
        severity={"gw-subnet-size": "low", "NOPE-RULE": "high", "GW-PROVISIONED": "urgent"},
        parameters={"GW-SUBNET-SIZE": {"maxPrefixLength": "26", "minimum": 1}, "OTHER-RULE": {"x": 1}})
    assert check_settings(policies, settings) == [
        "disabled rule 'NOPE-*' matches no rule",
        "severity override for 'GW-PROVISIONED': expected one of critical, high, medium, low, found 'urgent'",
        "severity override for unknown rule 'NOPE-RULE'",
        "parameter 'maxPrefixLength' of rule 'GW-SUBNET-SIZE': expected an integer, found string '26'",
        "rule 'GW-SUBNET-SIZE' has no parameter 'minimum' (parameters: maxPrefixLength)",
        "parameters for unknown rule 'OTHER-RULE'",
    ]
    good = RuleSettings(disabled=frozenset({"GW-*"}), severity={"GW-SUBNET-SIZE": "low"},
                        parameters={"gw-subnet-size": {"maxPrefixLength": 26}})
    assert check_settings(policies, good) == []


def test_schema_is_valid_draft_2020_12() -> None:
    schema = json.loads(SCHEMA_FILE.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_default_policy_dir_is_the_repository_folder_when_not_installed() -> None:
    assert default_policy_dir() == Path(__file__).resolve().parents[1] / "policies"


def test_parameter_names_and_default_types(tmp_path: Path) -> None:
    extra = ("parameters:\n  bad-name: {type: string, default: x}\n  flag: {type: boolean, default: 1}\n"
             "  level: {type: string, default: c, allowedValues: [a, b]}\n")
    assert problems(tmp_path, rule(extra=extra)) == [
        "X-ONE.yaml:8: parameters: invalid name 'bad-name' (names start with a letter and hold only letters, "
        "digits and '_')",
        "X-ONE.yaml:9: parameters.flag.default: expected true or false, found number 1",
        "X-ONE.yaml:10: parameters.level.default: 'c' is not in allowedValues",
    ]


def test_bundled_policies_are_valid() -> None:
    policy_dir = default_policy_dir()
    if not policy_dir.is_dir() or not list(policy_dir.rglob("*.yaml")):
        pytest.skip("no bundled policies yet")
    views = pytest.importorskip("checker.views")
    policies, errors = load_policies([policy_dir], known_subjects=views.SUBJECT_KINDS)
    assert errors == [], "\n".join(str(e) for e in errors)
    assert policies


@pytest.mark.parametrize(("text", "message", "line"), [
    ("a: &x [*x]\n", "an alias refers to a value that contains it", 1),
    ("a: b\nc: &m {x: *m}\n", "an alias refers to a value that contains it", 2),
    ("a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
     "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
     "e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n", "the file holds more than 20000 values", 1),
    ("a: b\nc: \x07\n", "invalid YAML: special characters are not allowed", 2),
    ("a: 1\n  b: 2\n", "invalid YAML: mapping values are not allowed here", 2),
    ("[1, {a: 1}]: x\n", "a mapping key must be a plain string", 1),
])
def test_hostile_or_broken_yaml_is_an_input_error(text: str, message: str, line: int) -> None:
    with pytest.raises(CheckerError) as caught:
        read_yaml(text, "f.yaml")
    assert (caught.value.message, caught.value.line, caught.value.file) == (message, line, "f.yaml")


def test_shared_aliases_are_copied_not_refused() -> None:
    document, _ = read_yaml("a: &m {x: 1}\nb: *m\n", "f.yaml")
    assert document == {"a": {"x": 1}, "b": {"x": 1}}


# ---------------------------------------------------------------------------------------------------
# Generated documents: whatever a policy file holds, the loader answers with a policy or InputErrors
# ---------------------------------------------------------------------------------------------------

VOCABULARY = ["id", "title", "then", "if", "allOf", "anyOf", "not", "field", "value", "count", "where", "name",
              "equals", "in", "like", "less", "exists", "parameters", "type", "default", "message", "patterns",
              "[parameters('p')]", "[current()]", "a[*]", "a..b", "{x}", "vpn", "integer"]
yaml_scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 30), st.sampled_from(VOCABULARY))
yaml_values = st.recursive(yaml_scalars, lambda children: st.one_of(
    st.lists(children, max_size=3), st.dictionaries(st.sampled_from(VOCABULARY), children, max_size=4)),
    max_leaves=15)
valid_conditions = st.sampled_from([
    {"field": "a", "equals": 1}, {"count": {"field": "a[*]", "where": {"field": "a[*].b", "like": "x*"}}, "greater": 0},
    {"allOf": [{"field": "a[*].b", "in": ["x"]}, {"not": {"value": "[parameters('p')]", "less": 3}}]},
    {"count": {"value": [1, 2], "name": "n", "where": {"field": "a", "contains": "[current('n')]"}}, "equals": 1}])


def sometimes(valid: object) -> st.SearchStrategy:
    """Mostly the valid value, so that whole documents are often valid and get compiled too."""
    return st.one_of(st.just(valid), st.just(valid), st.just(valid), st.just(valid), yaml_values)


documents = st.fixed_dictionaries(
    {"id": st.sampled_from(["GEN-RULE", "GEN-RULE", "GEN-RULE", "gen", 5]),
     "then": st.one_of(valid_conditions, valid_conditions, yaml_values),
     "title": sometimes("t"), "severity": st.sampled_from(["high", "x"]), "patterns": sometimes(["vpn"]),
     "subject": sometimes("gateway"), "description": sometimes("d"), "remediation": sometimes("r"),
     "message": st.one_of(st.sampled_from(["{a} {parameters.p}", "{a[*].b}", "{a", "{{x}}"]), yaml_values),
     "parameters": sometimes({"p": {"type": "integer", "default": 1}})},
    optional={"if": st.one_of(valid_conditions, yaml_values)})


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=documents)
def test_generated_documents_never_crash_the_loader(tmp_path: Path, document: dict) -> None:
    path = tmp_path / "GEN-RULE.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    policy, errors = load_policy_file(path, "GEN-RULE.yaml", known_subjects={"gateway"})
    assert (policy is None) == bool(errors)
    if policy is not None:
        compile_policy(policy)  # a policy the loader accepts always compiles
    for error in errors:
        assert error.file == "GEN-RULE.yaml" and isinstance(error.line, int) and error.line >= 1
