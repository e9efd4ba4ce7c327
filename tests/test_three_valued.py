"""Counts, sets and links are unknown when a member is unknown: "N known + M unknown" is never N, and
a link rule fails only when the absence is known."""

from __future__ import annotations

from test_rules import connection, edit, er_site, find, gateway, lng, results, status, vpn_site

from checker.graph import Graph
from checker.model import Origin, Resource, Unknown
from checker.patterns import DeclaredPatterns
from checker.subject import Subject
from checker.views import build_subjects

FROM_OUTPUT = Unknown("reference('gatewayModule').outputs.resourceId.value comes from a deployment")


def subject(resources: list[Resource], kind: str) -> Subject:
    found = [s for s in build_subjects(Graph(resources), DeclaredPatterns())[1] if s.kind == kind]
    assert len(found) == 1
    return found[0]


def vpn_site_through_outputs() -> list[Resource]:
    """The landing-zone shape: the connection's gateway id comes from a module's outputs."""
    return edit(vpn_site(), "conn-s2s", "properties.virtualNetworkGateway1", {"id": FROM_OUTPUT})


def test_a_connection_whose_gateway_is_not_known_makes_the_s2s_link_unknown_not_failed() -> None:
    data = subject(vpn_site_through_outputs(), "site").data["s2s"]
    assert isinstance(data["ipsecLinkCount"], Unknown) and isinstance(data["hasOnPremLink"], Unknown)
    assert "not known before deployment" in data["hasOnPremLink"].reason
    assert "conn-s2s" in data["hasOnPremLink"].reason
    [result] = results(vpn_site_through_outputs(), "CONN-S2S-LINK")
    # An unknown's message is the rule's title; what is unknown is in its reasons, printed once.
    assert result.status == "unknown" and any("conn-s2s" in reason and "not known before deployment" in reason
                                              for reason in result.unknown_reasons)
    # with no connection at all, the absence is known in the deployed estate; a template may leave it to
    # another deployment, so there it is unknown and says so
    without = [r for r in vpn_site() if r.name != "conn-s2s"]
    [alone] = results(without, "CONN-S2S-LINK")
    assert alone.status == "unknown" and any("--context" in reason for reason in alone.unknown_reasons)
    for resource in without:
        resource.source = "export"
    assert status(without, "CONN-S2S-LINK") == "fail"


def test_a_known_link_decides_but_its_count_stays_unknown() -> None:
    resources = vpn_site() + [lng("branch"), connection("conn-2", "gw-vpn", local="branch")]
    resources = edit(resources, "conn-2", "properties.virtualNetworkGateway1", {"id": FROM_OUTPUT})
    data = subject(resources, "site").data["s2s"]
    assert data["hasOnPremLink"] is True
    assert isinstance(data["ipsecLinkCount"], Unknown) and data["ipsecLinkCount"].reason.startswith("1 IPsec")
    gateway_data = subject(resources, "gateway").data
    assert isinstance(gateway_data["connectionCount"], Unknown)
    assert isinstance(gateway_data["tunnelCount"], Unknown) and isinstance(gateway_data["tunnelHeadroom"], Unknown)


def test_er_link_and_circuit_count_are_unknown_when_the_connection_gateway_is_unknown() -> None:
    resources = [r for r in er_site(("er-ams",))]
    resources = edit(resources, "conn-er-ams", "properties.virtualNetworkGateway1", {"id": FROM_OUTPUT})
    site = subject(resources, "site").data["er"]
    assert isinstance(site["hasCircuitLink"], Unknown) and isinstance(site["circuitCount"], Unknown)
    assert isinstance(site["distinctPeeringLocations"], Unknown)
    assert status(resources, "ER-CONN-LINK") == "unknown"
    assert status(resources, "ER-CIRCUIT-REDUNDANCY") == "unknown"
    gw = subject(resources, "gateway").data
    assert isinstance(gw["erConnectionCount"], Unknown) and isinstance(gw["er"]["linkedCircuitCount"], Unknown)


def test_a_definite_excess_stays_a_failure_whatever_is_unknown() -> None:
    branches: list[Resource] = []
    for index in range(11):  # Basic: 10 tunnels
        branches += [lng(f"b{index}"), connection(f"c{index}", "gw-basic", local=f"b{index}")]
    resources = [find(vpn_site(), "hub"), gateway("gw-basic", "hub", sku="Basic", pips=("pip-1",),
                                                  active_active=False), *branches]
    extra = edit([lng("bx"), connection("cx", "gw-basic", local="bx")], "cx",
                 "properties.virtualNetworkGateway1", {"id": FROM_OUTPUT})
    data = subject(resources + extra, "gateway").data
    assert data["tunnelHeadroom"] == -1  # 11 known tunnels over a limit of 10
    assert status(resources + extra, "VPN-TUNNEL-COUNT") == "fail"


def test_a_connection_of_another_file_is_not_counted_as_maybe_ours() -> None:
    other = edit([lng("bx"), connection("cx", "gw-vpn", local="bx")], "cx",
                 "properties.virtualNetworkGateway1", {"id": FROM_OUTPUT})
    for resource in other:
        resource.origin = Origin(file="other.json", line=1)
    data = subject(vpn_site() + other, "site").data["s2s"]
    assert data["ipsecLinkCount"] == 1 and data["hasOnPremLink"] is True


def test_a_connection_to_a_circuit_not_known_before_deployment_is_an_unknown_circuit_not_none() -> None:
    # Found on Azure/Enterprise-Scale-for-AVS BrownField/Storage/AVS-to-ANFdatastore-NewVNet (3758eb71):
    # the ER connection's peer.id comes from a deployment's outputs; "0 circuit(s)" failed.
    resources = edit(er_site(("er-ams",)), "conn-er-ams", "properties.peer", {"id": FROM_OUTPUT})
    resources = [r for r in resources if r.name != "er-ams"]
    site = subject(resources, "site").data["er"]
    assert isinstance(site["circuitCount"], Unknown) and "0 circuit(s) known" in site["circuitCount"].reason
    assert isinstance(site["distinctPeeringLocations"], Unknown)
    assert status(resources, "ER-CIRCUIT-REDUNDANCY") == "unknown"


def test_a_copy_loop_of_unknown_count_makes_connection_counts_unknown(tmp_path) -> None:
    """Issue 9 item 7: one representative instance of a loop whose count is a parameter without value;
    its body is checked, but rules that count instances give unknown."""
    import json
    from pathlib import Path

    from checker import api

    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "vpn" / "compliant" / "vpn-hub.json"
    template = json.loads(fixture.read_text(encoding="utf-8"))
    template["parameters"]["branchCount"] = {"type": "int"}  # no value: the count is only known at deployment
    for resource in template["resources"]:
        if resource["type"] == "Microsoft.Network/connections":
            resource["name"] = "[concat(variables('connectionName'), '-', copyIndex())]"
            resource["copy"] = {"name": "branches", "count": "[parameters('branchCount')]"}
    path = tmp_path / "vpn-hub-branches.json"
    path.write_text(json.dumps(template), encoding="utf-8")
    report = api.scan([path])
    by_rule = {(r.rule, r.status) for r in report.results}
    assert ("VPN-TUNNEL-COUNT", "unknown") in by_rule  # 1 known + an unknown number of branches
    [tunnels] = [r for r in report.results if r.rule == "VPN-TUNNEL-COUNT"]
    assert any("copy loop 'branches'" in reason for reason in tunnels.unknown_reasons)
    # the representative branch itself is still checked (its IPsec settings, its shared key)
    assert {r.status for r in report.results if r.rule == "CONN-SHAREDKEY-SECRET"} <= {"pass", "fail"}
    assert [r for r in report.results if r.rule == "CONN-SHAREDKEY-SECRET"]
