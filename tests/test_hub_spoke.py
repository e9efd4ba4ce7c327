"""Hub and spoke without the hub in the inputs, and Azure Route Server as the hub's transit."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import shared_dir
from test_rules import drop, find, hub_spoke_site, peering, res, results, rid, status, vnet, vpn_site

from checker.graph import Graph
from checker.model import Resource, Unknown
from checker.patterns import DeclaredPatterns
from checker.subject import Subject
from checker.views import build_subjects

REPO = Path(__file__).resolve().parents[1]
SHARED = shared_dir()
AVM_VNET = (SHARED or REPO) / "corpus2/bicep/bicep-registry-modules/avm/res/network/virtual-network/main.json"
HUB_ID = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/hub-rg/providers/" \
         "Microsoft.Network/virtualNetworks/hub"


def subjects(resources: list[Resource]) -> list[Subject]:
    return build_subjects(Graph(resources), DeclaredPatterns())[1]


def of(resources: list[Resource], kind: str, name: str | None = None) -> Subject:
    found = [s for s in subjects(resources) if s.kind == kind and (name is None or s.resource.name == name)]
    assert len(found) == 1, [(s.kind, s.resource.name) for s in found]
    return found[0]


def spoke_alone(**flags: Any) -> list[Resource]:
    """A spoke landing zone: its VNet and its peering to a hub in another subscription."""
    remote = peering("spoke1", "spoke1-to-hub", "hub", **flags)
    remote.body["properties"]["remoteVirtualNetwork"] = {"id": HUB_ID}
    return [vnet("spoke1", ["10.1.0.0/16"], {"app": "10.1.0.0/24"}), remote]


# --- spoke side without the hub -----------------------------------------------------------------------

def test_a_spoke_template_alone_is_a_hub_spoke_site_on_the_spoke_side() -> None:
    site = of(spoke_alone(useRemoteGateways=True, allowForwardedTraffic=True), "site")
    assert site.data["pattern"] == "hub-spoke" and site.data["role"] == "spoke"
    assert site.data["hubs"] == ["hub"]
    assert any("spoke side" in note for note in site.data["notes"])
    # the on-premises prefixes come through the hub, which is not in the inputs
    assert isinstance(site.data["overlaps"]["onPremCount"], Unknown)
    peer = of(spoke_alone(useRemoteGateways=True), "vnet-peering")
    assert "hub-spoke" in peer.patterns and peer.data["involvesHub"] is True


def test_spoke_alone_flag_rules_evaluate_and_transit_rules_are_unknown() -> None:
    good = spoke_alone(useRemoteGateways=True, allowForwardedTraffic=True, allowVirtualNetworkAccess=True)
    assert status(good, "HUB-PEER-FLAGS") == "pass"
    assert status(good, "HUB-GW-LOCATION") == "pass"
    assert status(good, "HUB-ALLOW-TRANSIT") == "unknown"
    bad = spoke_alone(useRemoteGateways=True, allowForwardedTraffic=False)
    assert status(bad, "HUB-PEER-FLAGS") == "fail"


def test_a_peering_without_transit_between_vnets_without_gateways_is_no_hub_and_spoke() -> None:
    plain = [vnet("a", ["10.1.0.0/16"]), vnet("b", ["10.2.0.0/16"]), peering("a", "a-to-b", "b"),
             peering("b", "b-to-a", "a")]
    assert all(s.kind != "site" for s in subjects(plain))
    assert of(plain, "vnet-peering", "a/a-to-b").patterns == ()


def test_the_reverse_peering_is_read_when_only_the_hub_vnet_is_missing() -> None:
    # The hub VNet is not in the inputs, but both peerings are (one module deploying both sides).
    resources = drop(hub_spoke_site(), "hub")
    resources = [r for r in resources if r.name != "hub"]
    assert status(resources, "HUB-ALLOW-TRANSIT", "spoke1/spoke1-to-hub") == "pass"
    no_transit = [r for r in hub_spoke_site() if r.name != "hub"]
    find(no_transit, "hub/hub-to-spoke1").body["properties"]["allowGatewayTransit"] = False
    assert status(no_transit, "HUB-ALLOW-TRANSIT", "spoke1/spoke1-to-hub") == "fail"


@pytest.mark.skipif(not AVM_VNET.exists(), reason="../shared/corpus2 is not present")
def test_avm_virtual_network_module_both_sides_flags_a_hub_without_transit() -> None:
    # Azure/bicep-registry-modules avm/res/network/virtual-network main.json (corpus2 MANIFEST,
    # commit 68885bf0): the module deploys the spoke's peering and, with remotePeeringEnabled, the
    # hub's peering back. A spoke that uses remote gateways over a reverse peering without
    # allowGatewayTransit is a critical failure, even though the hub VNet is not in the inputs.
    peerings = [{"remoteVirtualNetworkResourceId": HUB_ID, "useRemoteGateways": True,
                 "allowForwardedTraffic": True, "remotePeeringEnabled": True,
                 "remotePeeringAllowGatewayTransit": False, "remotePeeringAllowForwardedTraffic": True}]
    out = subprocess.run(
        [sys.executable, "-m", "checker", "scan", str(AVM_VNET), "--set", "name=spoke1",
         "--set", 'addressPrefixes=["10.1.0.0/16"]', "--set", f"peerings={json.dumps(peerings)}",
         "--format", "json", "--show-passed"], capture_output=True, text=True, cwd=REPO)
    report = json.loads(out.stdout)
    verdicts = {(r["rule"], r["resource"]["name"]): r["status"] for r in report["results"]}
    assert verdicts[("HUB-ALLOW-TRANSIT", "spoke1/peer-spoke1-hub")] == "fail"
    assert verdicts[("HUB-PEER-FLAGS", "hub/peer-hub-spoke1")] == "pass"
    assert [s["pattern"] for s in report["sites"]] == ["hub-spoke"]


# --- Route Server ------------------------------------------------------------------------------------

def route_server(vnet_name: str, name: str = "rs", branch: Any = None, subnet: Any = None) -> list[Resource]:
    props: dict[str, Any] = {"sku": "Standard"}
    if branch is not None:
        props["allowBranchToBranchTraffic"] = branch
    hub = res("Microsoft.Network/virtualHubs", name, {"properties": props})
    subnet_ref = subnet if subnet is not None else f"{rid('virtualNetworks', vnet_name)}/subnets/RouteServerSubnet"
    config = res("Microsoft.Network/virtualHubs/ipConfigurations", f"{name}/ipconfig",
                 {"properties": {"subnet": {"id": subnet_ref}}},
                 rid_=f"{rid('virtualHubs', name)}/ipConfigurations/ipconfig")
    bgp = res("Microsoft.Network/virtualHubs/bgpConnections", f"{name}/nva",
              {"properties": {"peerIp": "10.0.1.4", "peerAsn": 65001}},
              rid_=f"{rid('virtualHubs', name)}/bgpConnections/nva")
    return [hub, config, bgp]


def rs_hub() -> list[Resource]:
    """A hub VNet with a Route Server only (an SD-WAN/NVA hub) and a spoke using it."""
    return [vnet("hub", ["10.0.0.0/16"], {"RouteServerSubnet": "10.0.1.0/27"}),
            vnet("spoke1", ["10.1.0.0/16"]),
            peering("hub", "hub-to-spoke1", "spoke1", allowGatewayTransit=True, allowForwardedTraffic=True),
            peering("spoke1", "spoke1-to-hub", "hub", useRemoteGateways=True, allowForwardedTraffic=True),
            *route_server("hub", branch=True)]


def test_route_server_in_the_remote_vnet_is_a_transit_for_use_remote_gateways() -> None:
    data = of(rs_hub(), "vnet-peering", "spoke1/spoke1-to-hub").data
    remote = data["remoteVnet"]
    assert remote["hasGateway"] is False and remote["hasRouteServer"] is True
    assert remote["hasGatewayOrRouteServer"] is True and remote["routeServerBranchToBranch"] is True
    assert data["localVnet"]["hasRouteServer"] is False
    assert "hub-spoke" in of(rs_hub(), "vnet-peering", "spoke1/spoke1-to-hub").patterns
    hub_side = of(rs_hub(), "vnet-peering", "hub/hub-to-spoke1").data
    assert hub_side["localVnet"]["hasRouteServer"] is True and hub_side["involvesHub"] is True


def test_route_server_facts_on_the_site_and_defaults() -> None:
    resources = vpn_site() + route_server("hub")
    site = of(resources, "site").data
    assert site["routeServer"]["exists"] is True and site["routeServer"]["bgpConnectionCount"] == 1
    assert site["routeServer"]["allowBranchToBranchTraffic"] is False  # absent: false (ARM default)
    assert site["role"] == "hub"
    assert of(vpn_site(), "site").data["routeServer"] == {"exists": False}


def test_a_virtual_wan_hub_is_not_a_route_server_and_an_unknown_subnet_is_unknown() -> None:
    wan = res("Microsoft.Network/virtualHubs", "wanhub",
              {"properties": {"virtualWan": {"id": rid("virtualWans", "wan")}, "addressPrefix": "10.9.0.0/24"}})
    assert of(vpn_site() + [wan], "site").data["routeServer"] == {"exists": False}
    unknown = of(vpn_site() + route_server("x", subnet=Unknown("parameter 'subnetId' has no value")), "site")
    assert isinstance(unknown.data["routeServer"]["exists"], Unknown)


def test_a_declared_pattern_does_not_turn_the_spoke_side_into_a_vpn_site() -> None:
    resources = spoke_alone(useRemoteGateways=True, allowForwardedTraffic=True)
    sites = build_subjects(Graph(resources), DeclaredPatterns(everywhere="vpn"))[0]
    assert [s.patterns for s in sites] == [("hub-spoke",)]
    assert results(resources, "VPN-GW-PRESENT", DeclaredPatterns(everywhere="vpn")) == []
