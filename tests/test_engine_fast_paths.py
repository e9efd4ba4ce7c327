"""The evaluation fast paths give the results the general paths give: the ``if`` pre-selection by a
top-level field, the fused leaves, results made without a frozen dataclass's per-field setattr, and
subjects handed over with nulls (read as absent)."""

from __future__ import annotations

import inspect
from pathlib import Path
from types import MappingProxyType

import pytest
from test_rules import connection, find, vpn_site

from checker import api
from checker.graph import Graph
from checker.model import CaseInsensitiveDict, Resource, Unknown
from checker.patterns import DeclaredPatterns
from checker.policy import engine
from checker.policy.conditions import compile_condition, evaluate_condition
from checker.policy.engine import _selector_leaves, evaluate
from checker.policy.model import RuleSettings
from checker.records import FrozenError, replace
from checker.results import Location, ResourceRef, Result
from checker.views import build_subjects

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def _all_results(paths: list[Path]) -> list[Result]:
    options = api.ScanOptions()
    load = api.read(paths, options)
    policies, _ = api.load_policies(options)
    _, subjects = build_subjects(api.build_graph(load.resources), DeclaredPatterns())
    return evaluate(policies, subjects, RuleSettings())


@pytest.mark.slow
@pytest.mark.parametrize("folder", [ROOT / "fixtures", SHARED / "corpus", SHARED / "corpus2"],
                         ids=["fixtures", "corpus", "corpus2"])
def test_the_if_preselection_leaves_every_result_as_it_was(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not folder.is_dir():
        pytest.skip(f"{folder} is not here")
    monkeypatch.setattr(engine, "SELECT_FROM", 0)  # every rule's subjects preselected, however few
    with_selection = _all_results([folder])
    monkeypatch.setattr(engine, "SELECT_FROM", 10**9)  # none
    without = _all_results([folder])
    assert with_selection == without
    monkeypatch.setattr(engine, "SELECT_FROM", 0)
    monkeypatch.setattr(engine, "_selector_leaves", lambda condition: [])
    without = _all_results([folder])
    assert len(with_selection) > 100
    assert with_selection == without


def test_the_preselection_drops_only_the_subjects_whose_if_is_false() -> None:
    resources = vpn_site()
    resources.append(connection("conn-er", "gw-vpn", "ExpressRoute", circuit="er-1"))
    _, subjects = build_subjects(Graph(resources), DeclaredPatterns())
    connections = [s for s in subjects if s.kind == "connection"]
    selectors = engine._Selectors({"connection": connections})
    policies, _ = api.load_policies(api.ScanOptions())
    by_id = {p.id: p for p in policies}
    ipsec_rule = by_id["CONN-DPD-ADVISORY"]  # if: connectionType in [IPsec, Vnet2Vnet]
    kept = selectors.candidates(ipsec_rule, ipsec_rule.default_parameters(), connections)
    assert kept == [s for s in connections if s.data["connectionType"] in ("IPsec", "Vnet2Vnet")] and kept
    er_rules = [p for p in policies if p.subject == "connection"
                and "ExpressRoute" in str(_selector_leaves(p.condition_if))]
    assert er_rules
    for rule in er_rules:
        selected = selectors.candidates(rule, rule.default_parameters(), connections)
        assert all(s.data["connectionType"] != "IPsec" for s in selected)
        for subject in connections:
            if subject not in selected:  # the whole if, run on it, is false
                assert evaluate_condition(rule.condition_if, subject.data, rule.default_parameters()) is False


@pytest.mark.parametrize(("condition", "selects"), [
    ({"field": "connectionType", "in": ["IPsec"]}, True),
    ({"allOf": [{"field": "gatewayType", "equals": "Vpn"}, {"field": "vpnType", "notEquals": "PolicyBased"}]}, True),
    ({"field": "gatewayType", "equals": "[parameters('type')]"}, True),
    ({"anyOf": [{"field": "gatewayType", "equals": "Vpn"}]}, False),  # a member of anyOf decides nothing
    ({"allOf": [{"field": "sku.name", "equals": "VpnGw1"}, {"field": "enableBgp", "equals": True}]}, True),
    ({"allOf": [{"count": {"field": "ipsecPolicies[*]"}, "equals": 0}]}, False),
    ({"field": "sku.name", "equals": "VpnGw1"}, False),  # a path: left to the whole if
    ({"field": "zones[*]", "equals": "1"}, False),
    ({"field": "name", "equals": "[current()]"}, False),
    ({"not": {"field": "gatewayType", "equals": "Vpn"}}, False),
    (None, False),
])
def test_which_ifs_preselect(condition: object, selects: bool) -> None:
    assert bool(_selector_leaves(condition)) is selects


def test_every_plain_member_of_an_allof_preselects() -> None:
    resources = vpn_site()
    _, subjects = build_subjects(Graph(resources), DeclaredPatterns())
    connections = [s for s in subjects if s.kind == "connection"]
    bgp_on = replace(connections[0], data={**connections[0].data, "enableBgp": True})
    bgp_unknown = replace(connections[0], data={**connections[0].data, "enableBgp": Unknown("x")})
    every = [*connections, bgp_on, bgp_unknown]
    policies, _ = api.load_policies(api.ScanOptions())
    rule = next(p for p in policies if p.id == "BGP-CONN-CONSISTENT")  # IPsec and enableBgp equals true
    selected = engine._Selectors({"connection": every}).candidates(rule, rule.default_parameters(), every)
    # the second member leaves out the connections without BGP; an unknown one stays
    assert bgp_on in selected and bgp_unknown in selected
    assert all(s.data.get("enableBgp") is not False for s in selected)
    for subject in every:
        if subject not in selected:
            assert evaluate_condition(rule.condition_if, subject.data, rule.default_parameters()) is False


def test_values_are_grouped_by_type_and_value_and_unhashable_ones_apart() -> None:
    _, subjects = build_subjects(Graph(vpn_site()), DeclaredPatterns())
    gateway_subject = next(s for s in subjects if s.kind == "gateway")
    values = (["a"], "a", "b", ["a"], None, "a", 1, True)
    subjects = [replace(gateway_subject, data={"v": value}) for value in values]
    groups = engine._Selectors({"gateway": subjects})._grouped("gateway", "v")
    # 1 and True are equal in Python but not to a condition: they stay apart
    assert [(value, positions) for value, positions in groups] == [
        (["a"], [0]), ("a", [1, 5]), ("b", [2]), (["a"], [3]), (None, [4]), (1, [6]), (True, [7])]


def test_results_and_locations_keep_their_fields_and_stay_immutable() -> None:
    for cls in (Result, Location):
        init = [name for name in inspect.signature(cls.__init__).parameters if name != "self"]
        assert init == list(cls._fields), f"{cls.__name__}.__init__ out of step with its fields"
    location = Location("a.json", 3, 5, "/resources/0", "properties.x")
    result = Result("R-1", "pass", "high", None, ResourceRef("/x", "t", "x"), location, "m", unknown_reasons=("u",))
    assert (result.location.line, result.unknown_reasons, result.context, result.suppression) == (3, ("u",), False, None)
    assert replace(result, status="fail").status == "fail" and result.status == "pass"
    assert result == Result("R-1", "pass", "high", None, ResourceRef("/x", "t", "x"), location, "m",
                            unknown_reasons=("u",))
    assert hash(result) == hash(replace(result))
    with pytest.raises(FrozenError):
        result.status = "fail"  # type: ignore[misc]
    with pytest.raises(FrozenError):
        location.line = 4  # type: ignore[misc]


def test_properties_only_known_at_deployment_stay_unknown_in_the_subject() -> None:
    resources = vpn_site()
    gw = find(resources, "gw-vpn")
    unknown = Unknown("parameter 'gatewayProperties' has no value")
    gw.body = {**gw.body, "properties": unknown}
    _, subjects = build_subjects(Graph(resources), DeclaredPatterns())
    data = next(s for s in subjects if s.kind == "gateway").data
    assert isinstance(data["properties"].get("natRules"), Unknown)
    assert evaluate_condition({"field": "properties.natRules", "exists": True}, data) != False  # noqa: E712


def test_a_null_fact_reads_as_absent_everywhere() -> None:
    data = {"a": None, "b": {"c": None}, "d": [None]}
    assert evaluate_condition({"field": "a", "exists": False}, data) is True
    assert evaluate_condition({"field": "b.c", "exists": False}, data) is True
    assert evaluate_condition({"field": "a", "equals": "x"}, data) is False
    assert evaluate_condition({"count": {"field": "a[*]"}, "equals": 0}, data) is True
    assert evaluate_condition({"field": "d[*]", "exists": False}, data) is True


def test_a_gateway_resource_body_keeps_its_case_insensitive_properties() -> None:
    resources: list[Resource] = vpn_site()
    gw = find(resources, "gw-vpn")
    _, subjects = build_subjects(Graph(resources), DeclaredPatterns())
    data = next(s for s in subjects if s.kind == "gateway" and s.resource is gw).data
    assert data["properties"] is gw.properties  # no copy: nothing live-only in it
    assert evaluate_condition({"field": "properties.GATEWAYTYPE", "equals": "vpn"}, data) is True


@pytest.mark.slow
@pytest.mark.parametrize("folder", [ROOT / "fixtures", SHARED / "corpus", SHARED / "corpus2"],
                         ids=["fixtures", "corpus", "corpus2"])
def test_generated_conditions_give_every_result_the_closures_give(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not folder.is_dir():
        pytest.skip(f"{folder} is not here")
    monkeypatch.setattr(engine, "GENERATE_FROM", 0)  # every rule's conditions generated
    generated = _all_results([folder])
    monkeypatch.setattr(engine, "GENERATE_FROM", 10**9)  # none
    closures = _all_results([folder])
    assert len(generated) > 100
    assert generated == closures


# Every shape the generator writes out (connectives, negation, the fast leaves of each kind, one and
# two names, deeper paths, the closures it calls for counts, value leaves and [*]), on values of every
# kind a subject holds: the generated function and the closure tree must agree on each.
_CONDITIONS = [
    {"field": "a", "equals": "IPsec"},
    {"field": "a", "notEquals": "IPsec"},
    {"field": "a", "equals": True},
    {"field": "a", "notEquals": False},
    {"field": "a", "equals": 3},
    {"field": "a", "notEquals": 3},
    {"field": "a", "in": ["IPsec", "Vnet2Vnet"]},
    {"field": "a", "notIn": ["IPsec", "Vnet2Vnet"]},
    {"field": "a", "like": "Vpn*AZ"},
    {"field": "a", "notLike": "Vpn*AZ"},
    {"field": "a", "match": "VpnGw#"},
    {"field": "a", "less": 27},
    {"field": "a", "greaterOrEquals": 2.5},
    {"field": "a", "exists": True},
    {"field": "a", "exists": "false"},
    {"field": "a", "equals": [1, 2]},
    {"field": "a", "contains": "gw"},
    {"field": "a", "equals": "[parameters('p')]"},
    {"field": "b.c", "equals": "IPsec"},
    {"field": "b.c", "in": ["x", "IPsec"]},
    {"field": "b.c.d", "greater": 1},
    {"field": "l[*]", "equals": "x"},
    {"count": {"field": "l[*]", "where": {"field": "l[*]", "equals": "x"}}, "greater": 0},
    {"value": "[parameters('p')]", "equals": "IPsec"},
    {"not": {"field": "a", "equals": "IPsec"}},
    {"allOf": [{"field": "a", "exists": True}, {"field": "b.c", "notEquals": "x"}, {"field": "a", "less": 10}]},
    {"anyOf": [{"field": "a", "equals": True}, {"not": {"field": "b.c", "exists": True}},
               {"allOf": [{"field": "a", "like": "*x*"}, {"anyOf": [{"field": "l[*]", "equals": "y"}]}]}]},
]
_VALUES = ["IPsec", "ipsec", "VpnGw2AZ", "VpnGw1", "x", "", True, False, 3, 3.0, 2.5, float("nan"), 0, 30,
           None, Unknown("not known"), [1, 2], ["x", "y"], {"c": "IPsec"}, {"c": {"d": 2}}]


@pytest.mark.parametrize("condition", _CONDITIONS, ids=[str(i) for i in range(len(_CONDITIONS))])
def test_a_generated_condition_agrees_with_its_closures(condition: dict[str, object]) -> None:
    generated = compile_condition(condition, {"p": "IPsec"}, "then", generate=True)
    closures = compile_condition(condition, {"p": "IPsec"}, "then")
    assert "def condition(data)" in generated.source  # type: ignore[attr-defined]
    subjects: list[object] = [{}]
    for value in _VALUES:
        for container in (dict, CaseInsensitiveDict, MappingProxyType):
            subjects.append(container({"a": value, "b": value, "l": value}))
        subjects.append({"a": value, "b": {"c": value}, "l": [value, "x"]})
        subjects.append({"a": value, "b": MappingProxyType({"c": {"d": value}})})
        subjects.append({"a": value, "b": CaseInsensitiveDict({"C": value})})
    for data in subjects:
        assert generated(data) == closures(data), (condition, data)
