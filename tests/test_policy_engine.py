"""The policy engine: subject selection, statuses, settings, message rendering, speed, rule pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.model import CheckerError, Origin, Resource, Secret, Unknown
from checker.policy import docs
from checker.policy.engine import (
    POLICY_LIST_HEADER,
    evaluate,
    explain,
    format_policy_list,
)
from checker.policy.loader import default_policy_dir, load_policies, policy_files
from checker.policy.model import ParameterSpec, Policy, RuleSettings
from checker.records import replace
from checker.report.model import Location, ResourceRef
from checker.subject import Subject

VALID = Path(__file__).parent / "data" / "policies" / "valid"
GATEWAY_TYPE = "Microsoft.Network/virtualNetworkGateways"


@pytest.fixture(scope="module")
def policies() -> list[Policy]:
    loaded, errors = load_policies([VALID])
    assert errors == []
    return loaded


def gateway(name: str, data: dict[str, Any], *, patterns: tuple[str, ...] = ("vpn",), source: str = "template",
            site: str | None = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/hub",
            location: Origin | None = None, kind: str = "gateway") -> Subject:
    resource = Resource(
        id=f"/subscriptions/s/resourceGroups/rg/providers/{GATEWAY_TYPE}/{name}", type=GATEWAY_TYPE, name=name,
        body={}, origin=Origin("main.json", 40, 7), source=source)
    return Subject(kind=kind, resource=resource, data={"name": name, **data}, site=site, patterns=patterns,
                   location=location)


def vpn(name: str, prefix: Any, **extra: Any) -> Subject:
    return gateway(name, {"gatewayType": "Vpn", "skuName": "VpnGw1",
                          "subnet": {"name": "GatewaySubnet", "prefixLength": prefix}}, **extra)


def only(results: list, rule: str) -> list:
    return [r for r in results if r.rule == rule]


def unknown_title(policies: list[Policy]) -> str:
    return next(p.title for p in policies if p.id == "GW-SUBNET-SIZE")


def test_statuses_and_messages(policies: list[Policy]) -> None:
    subjects = [vpn("gw-ok", 27), vpn("gw-small", 28), vpn("gw-unknown", Unknown("prefix from reference()")),
                vpn("gw-bad-type", "abc"),
                gateway("gw-other", {"gatewayType": "LocalGateway"})]
    results = only(evaluate(policies, subjects), "GW-SUBNET-SIZE")
    by_name = {r.resource.name: r for r in results}
    assert set(by_name) == {"gw-ok", "gw-small", "gw-unknown", "gw-bad-type"}  # `if` false: no result at all
    assert by_name["gw-ok"].status == "pass"
    assert by_name["gw-small"].status == "fail"
    assert by_name["gw-small"].message == "GatewaySubnet GatewaySubnet is /28; SKU VpnGw1 needs /27 or larger"
    unknown = by_name["gw-unknown"]
    assert unknown.status == "unknown"
    assert unknown.unknown_reasons == ("prefix from reference()",)
    # a policy's message states the problem; an unknown gets the subject and the title, and its reason
    # travels once, in unknown_reasons, which every format prints once
    assert unknown.message == "gw-unknown: " + unknown_title(policies)
    assert by_name["gw-ok"].message == "gw-ok: " + unknown_title(policies)
    assert by_name["gw-bad-type"].status == "unknown"
    assert by_name["gw-bad-type"].unknown_reasons == ("expected a number at subnet.prefixLength, found 'abc'",)
    small = by_name["gw-small"]
    assert small.severity == "critical"
    assert small.site == "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/hub"
    assert small.resource == ResourceRef(id=f"/subscriptions/s/resourceGroups/rg/providers/{GATEWAY_TYPE}/gw-small",
                                         type=GATEWAY_TYPE, name="gw-small")
    assert small.location == Location("main.json", 40, 7)
    assert small.remediation == "Resize the GatewaySubnet to /27 or larger."


def test_unknown_if_gives_unknown(policies: list[Policy]) -> None:
    subject = gateway("gw", {"gatewayType": Unknown("gatewayType from a parameter without value"),
                             "subnet": {"prefixLength": 24}})
    [result] = only(evaluate(policies, [subject]), "GW-SUBNET-SIZE")
    assert result.status == "unknown"
    assert result.unknown_reasons == ("gatewayType from a parameter without value",)


def test_subject_location_wins_over_resource_origin(policies: list[Policy]) -> None:
    subject = vpn("gw", 24, location=Origin("vnet.json", 12, 3))
    [result] = only(evaluate(policies, [subject]), "GW-SUBNET-SIZE")
    assert result.location == Location("vnet.json", 12, 3)


def test_live_rules_are_not_applicable_on_template_data(policies: list[Policy]) -> None:
    template = gateway("gw-t", {"provisioningState": "Failed"})
    live = gateway("gw-l", {"provisioningState": "Failed"}, source="live")
    live_ok = gateway("gw-l2", {"provisioningState": "succeeded"}, source="live")
    results = only(evaluate(policies, [template, live, live_ok]), "GW-PROVISIONED")
    statuses = {r.resource.name: r.status for r in results}
    assert statuses == {"gw-t": "not-applicable", "gw-l": "fail", "gw-l2": "pass"}
    not_applicable = next(r for r in results if r.resource.name == "gw-t")
    assert "needs live data" in not_applicable.message and "template" in not_applicable.message


def test_pattern_and_kind_selection(policies: list[Policy]) -> None:
    subjects = [vpn("gw-er-site", 28, patterns=("expressroute",)),  # GW-SUBNET-SIZE covers expressroute
                vpn("gw-no-pattern", 28, patterns=()),
                vpn("gw-wrong-kind", 28, kind="connection")]
    results = evaluate(policies, subjects)
    assert [(r.rule, r.resource.name) for r in results] == [("GW-SUBNET-SIZE", "gw-er-site")]
    # GW-PROVISIONED covers vpn and hub-spoke only
    er_live = gateway("gw-er", {"provisioningState": "Failed"}, patterns=("expressroute",), source="live")
    assert only(evaluate(policies, [er_live]), "GW-PROVISIONED") == []


def test_settings_severity_parameters_and_disabled(policies: list[Policy]) -> None:
    subjects = [vpn("gw", 28), gateway("gw-live", {"provisioningState": "Failed"}, source="live")]
    settings = RuleSettings(severity={"gw-subnet-size": "low"}, parameters={"GW-SUBNET-SIZE": {"maxPrefixLength": 28}})
    [result] = only(evaluate(policies, subjects, settings), "GW-SUBNET-SIZE")
    assert (result.status, result.severity) == ("pass", "low")
    [small] = only(evaluate(policies, [vpn("gw", 29)], settings), "GW-SUBNET-SIZE")
    assert small.status == "fail" and small.message.endswith("needs /28 or larger")  # parameters reach the message
    disabled = RuleSettings(disabled=frozenset({"gw-subnet-*"}))
    results = evaluate(policies, subjects, disabled)
    assert {r.rule for r in results} == {"GW-PROVISIONED"}
    # the defaults are untouched by a previous override
    [again] = only(evaluate(policies, subjects), "GW-SUBNET-SIZE")
    assert (again.status, again.severity) == ("fail", "critical")


def test_secrets_are_never_printed(policies: list[Policy]) -> None:
    literal = Secret.of("123secret-shared-key", "template-literal")
    vault = Secret.of(None, "key-vault")
    subjects = [gateway("conn-literal", {"connectionType": "IPsec", "sharedKey": literal}, kind="connection"),
                gateway("conn-vault", {"connectionType": "ipsec", "sharedKey": vault}, kind="connection"),
                gateway("conn-none", {"connectionType": "IPsec"}, kind="connection"),
                gateway("conn-er", {"connectionType": "ExpressRoute", "sharedKey": literal}, kind="connection")]
    results = only(evaluate(policies, subjects), "CONN-SHAREDKEY-SECRET")
    assert {r.resource.name: r.status for r in results} == {"conn-literal": "fail", "conn-vault": "pass",
                                                            "conn-none": "pass"}
    literal_result = next(r for r in results if r.resource.name == "conn-literal")
    assert literal_result.message == "Connection conn-literal has shared key <secret>"
    for result in results:
        assert "123secret" not in repr(result)


def test_secret_compared_by_value_is_unknown_and_not_printed() -> None:
    policy = Policy(
        id="T-SECRET", title="t", severity="low", patterns=("vpn",), subject="connection", requires="static",
        description="d", parameters={}, condition_if=None,
        condition_then={"field": "sharedKey", "notEquals": "123secret"}, message="{sharedKey} {nothing} {list}",
        remediation="r", references=(), file="f.yaml", line=1)
    subject = gateway("c", {"sharedKey": Secret.of("123secret", "parameter-file"), "list": ["a", Unknown("u"), True]},
                      kind="connection")
    [result] = evaluate([policy], [subject])
    assert result.status == "unknown"
    assert result.message == "c: t"
    assert "123secret" not in result.message + "".join(result.unknown_reasons)
    assert result.unknown_reasons == ("sharedKey is a secret; its value is not compared",)
    assert "123secret" not in repr(result)


def test_malformed_subject_data_never_raises() -> None:
    policy = Policy(
        id="T-ODD", title="Odd data", severity="low", patterns=("vpn",), subject="gateway", requires="static",
        description="d", parameters={}, condition_if={"field": "a[*].b", "exists": True},
        condition_then={"count": {"field": "a[*]", "where": {"field": "a[*].b", "greater": 1}}, "greater": 0},
        message="{a[*].b}", remediation="r", references=(), file="f.yaml", line=1)
    odd_values: list[Any] = [None, 3, "text", [None, 1, "x"], {"b": 1}, [{"b": "x"}], [{"b": Unknown("u")}],
                             float("nan"), [[1]], {"a": {"b": 2}}]
    subjects = [gateway(f"g{i}", {"a": value}) for i, value in enumerate(odd_values)]
    results = evaluate([policy], subjects)
    assert all(r.status in ("pass", "fail", "unknown") for r in results)
    statuses = {r.resource.name: r.status for r in results}
    assert statuses["g5"] == "unknown"  # "x" greater 1: a type mismatch, never a pass or a fail
    assert statuses["g2"] == "unknown"  # a string where an array is expected


def test_a_malformed_rule_built_in_code_is_a_checker_error() -> None:
    policy = Policy(
        id="T-BAD", title="t", severity="low", patterns=("vpn",), subject="gateway", requires="static",
        description="d", parameters={}, condition_if=None, condition_then={"field": "a", "equals": "[parameters('x')]"},
        message="m", remediation="r", references=(), file="rules/T-BAD.yaml", line=3)
    with pytest.raises(CheckerError) as caught:
        evaluate([policy], [gateway("g", {})])
    assert (caught.value.file, caught.value.line) == ("rules/T-BAD.yaml", 3)
    assert caught.value.message == "rule T-BAD: then.equals: parameter 'x' is not declared"
    # the ``then`` is compiled when a subject first reaches it (the loader rejects such a rule first)
    guarded = replace(policy, condition_if={"field": "kind", "equals": "never"})
    assert evaluate([guarded], [gateway("g", {})]) == []
    with pytest.raises(CheckerError):
        evaluate([guarded], [gateway("g", {"kind": "never"})])


def test_results_are_sorted_and_deterministic(policies: list[Policy]) -> None:
    subjects = [vpn("gw-b", 28), vpn("gw-a", 24), gateway("gw-c", {"provisioningState": "x"}, source="live")]
    first = evaluate(policies, subjects)
    second = evaluate(list(reversed(policies)), list(reversed(subjects)))
    assert first == second
    assert [(r.rule, r.resource.name) for r in first] == [
        ("GW-PROVISIONED", "gw-a"), ("GW-PROVISIONED", "gw-b"), ("GW-PROVISIONED", "gw-c"),
        ("GW-SUBNET-SIZE", "gw-a"), ("GW-SUBNET-SIZE", "gw-b")]


@pytest.mark.slow
def test_sixty_rules_over_many_subjects_give_every_verdict(policies: list[Policy]) -> None:
    """60 rules over 2,000 subjects each (120,000 verdicts; the speed is measured in benchmarks/).
    A quarter of the rules carry a count and a [*] condition."""
    template = next(p for p in policies if p.id == "GW-SUBNET-SIZE")
    heavy_then = {"allOf": [
        template.condition_then,
        {"count": {"field": "ipConfigurations[*]", "where": {"field": "ipConfigurations[*].publicIp.sku",
                                                             "equals": "Standard"}}, "greaterOrEquals": 1},
        {"field": "ipConfigurations[*].name", "like": "ip*"},
    ]}
    light_then = {"anyOf": [template.condition_then, {"field": "sku.name", "in": ["VpnGw1AZ", "VpnGw2AZ"]}]}
    sixty = [Policy(id=f"PERF-{i:02d}", title="p", severity="low", patterns=("vpn",), subject="gateway",
                    requires="static", description="d",
                    parameters={"maxPrefixLength": ParameterSpec("maxPrefixLength", "integer", 27, "")},
                    condition_if=template.condition_if, condition_then=heavy_then if i % 4 == 0 else light_then,
                    message=template.message, remediation="r", references=(), file="f", line=1) for i in range(60)]
    subjects = [gateway(f"gw{i}", {"gatewayType": "Vpn", "skuName": "VpnGw1", "sku": {"name": "VpnGw1"},
                                   "subnet": {"name": "GatewaySubnet", "prefixLength": 26 + i % 3},
                                   "ipConfigurations": [{"name": "ip1", "publicIp": {"sku": "Standard"}},
                                                        {"name": "ip2", "publicIp": {"sku": "Basic"}}]})
                for i in range(2000)]
    results = evaluate(sixty, subjects)
    assert len(results) == 60 * 2000
    assert {r.status for r in results} == {"pass", "fail"}


def test_explain_and_policy_list(policies: list[Policy]) -> None:
    size = next(p for p in policies if p.id == "GW-SUBNET-SIZE")
    text = explain(size)
    assert text.startswith("GW-SUBNET-SIZE: GatewaySubnet is /27 or larger\n")
    assert "maxPrefixLength (integer, default 27): Largest allowed prefix length" in text
    assert "lessOrEquals: \"[parameters('maxPrefixLength')]\"" in text
    assert "Rule page: docs/rules/GW-SUBNET-SIZE.md" in text
    rows = format_policy_list(policies)
    assert len(POLICY_LIST_HEADER) == len(rows[0])
    assert rows[1] == ["GW-PROVISIONED", "high", "vpn, hub-spoke", "gateway",
                       "Gateway provisioning succeeded (live data only)"]
    assert rows[2][4] == "GatewaySubnet is /27 or larger"


# ---------------------------------------------------------------------------------------------------
# Rule pages
# ---------------------------------------------------------------------------------------------------

def test_rule_pages_write_then_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "rules"
    assert docs.main(["--policies", str(VALID), "--out", str(out)]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == ["CONN-SHAREDKEY-SECRET.md", "GW-PROVISIONED.md", "GW-SUBNET-SIZE.md", "README.md"]
    page = (out / "GW-SUBNET-SIZE.md").read_text()
    for expected in ["# GW-SUBNET-SIZE: GatewaySubnet is /27 or larger", "| Severity | critical |",
                     "| Source | `policies/common/GW-SUBNET-SIZE.yaml` |", "## How to fix",
                     "| `maxPrefixLength` | integer | `27` | Largest allowed prefix length |",
                     "- <https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-vpn-gateway-settings#gwsub>"]:
        assert expected in page
    assert "[GW-PROVISIONED](GW-PROVISIONED.md)" in (out / "README.md").read_text()
    assert docs.main(["--policies", str(VALID), "--out", str(out), "--check"]) == 0
    (out / "GW-PROVISIONED.md").write_text("edited by hand\n")
    (out / "OLD-RULE.md").write_text(docs.GENERATED_MARKER + "\n# old\n")
    capsys.readouterr()
    assert docs.main(["--policies", str(VALID), "--out", str(out), "--check"]) == 1
    assert capsys.readouterr().out.splitlines() == [f"{out / 'GW-PROVISIONED.md'}: out of date",
                                                    f"{out / 'OLD-RULE.md'}: no such rule any more"]
    assert docs.main(["--policies", str(VALID), "--out", str(out)]) == 0
    assert not (out / "OLD-RULE.md").exists()
    assert docs.main(["--policies", str(VALID), "--out", str(out), "--check"]) == 0


def test_rule_pages_refuse_invalid_policies(tmp_path: Path) -> None:
    invalid = Path(__file__).parent / "data" / "policies" / "invalid"
    assert docs.main(["--policies", str(invalid), "--out", str(tmp_path), "--check"]) == 2


def test_bundled_rule_pages_are_up_to_date() -> None:
    policy_dir = default_policy_dir()
    if not policy_dir.is_dir() or not policy_files(policy_dir):
        pytest.skip("no bundled policies yet")
    out = Path(__file__).resolve().parents[1] / "docs" / "rules"
    policies, errors = load_policies([policy_dir])
    assert errors == [], "\n".join(str(e) for e in errors)
    stale = docs.out_of_date(policies, out, policy_dir)
    assert stale == [], "run `python -m checker.policy.docs`:\n" + "\n".join(stale)


# ---------------------------------------------------------------------------------------------------
# Generated subject data through real rules: never an exception, never a secret in the output
# ---------------------------------------------------------------------------------------------------

SECRET_TEXT = "do-not-print-this-key"
odd_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=5),
                        st.builds(Unknown, st.just("generated unknown")),
                        st.just(Secret.of(SECRET_TEXT, "parameter-file")))
odd_values = st.recursive(odd_scalars, lambda children: st.one_of(
    st.lists(children, max_size=3),
    st.dictionaries(st.sampled_from(["name", "prefixLength", "source", "sku", "a"]), children, max_size=3)),
    max_leaves=10)


@pytest.mark.slow
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.dictionaries(st.sampled_from(["gatewayType", "subnet", "skuName", "provisioningState",
                                             "connectionType", "sharedKey", "name"]), odd_values, max_size=6),
       source=st.sampled_from(["template", "export", "live"]))
def test_generated_subjects_never_raise(policies: list[Policy], data: dict[str, Any], source: str) -> None:
    subjects = [gateway("g", data, source=source), gateway("c", data, source=source, kind="connection")]
    for result in evaluate(policies, subjects):
        assert result.status in ("pass", "fail", "unknown", "not-applicable")
        assert SECRET_TEXT not in repr(result)
