"""The connection subject: one per connection (IPsec, Vnet2Vnet, ExpressRoute)."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from types import MappingProxyType

from checker import facts
from checker.model import CaseInsensitiveDict, Resource, Secret, Unknown, equals_ci, normalise_id
from checker.subject import Subject
from checker.views.circuit import circuit_facts, circuit_of
from checker.views.gateway import gateway_data
from checker.views.gateway_parts import connection_brief
from checker.views.index import Index
from checker.views.network import vnet_networks
from checker.views.readers import (
    NOT_THERE,
    display_name,
    envelope,
    first_unknown,
    get_path,
    items_of,
    list_or_unknown,
    not_in_inputs,
    ref_of,
    to_bool,
    to_int,
    without_live,
)
from checker.vocabulary import PATTERNS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def connection_subject(ix: Index, connection: Resource, secret_groups: dict[str, list[Resource]]) -> Subject:
    props = connection.properties
    brief = connection_brief(ix, connection)
    data: dict[str, Any] = envelope(connection.body)
    data["properties"] = without_live(props, connection.source)
    data.update(brief)
    ends = ix.ends_of(connection)
    gw1_ref, gw2_ref = ends.gateway1, ends.gateway2
    data["gateway1"] = gateway_ref_view(ix, gw1_ref)
    data["gateway2"] = gateway_ref_view(ix, gw2_ref) if gw2_ref is not None else NOT_THERE
    lng_ref = ends.local_gateway
    data["localGateway"] = lng_ref_view(ix, lng_ref)
    circuit, circuit_ref = circuit_of(ix, connection)
    data["circuit"] = circuit_facts(ix, circuit, circuit_ref)
    data["useLocalAzureIpAddress"] = to_bool(props.get("useLocalAzureIpAddress"), False)
    data["expressRouteGatewayBypass"] = to_bool(props.get("expressRouteGatewayBypass"), False)
    data["connectionProtocol"] = props.get("connectionProtocol") or (
        "IKEv2" if brief["connectionType"] in ("IPsec", "Vnet2Vnet") else None)
    dpd = to_int(props.get("dpdTimeoutSeconds"))
    data["dpdTimeoutSeconds"] = dpd if dpd not in (None, 0) else 45  # 0/absent = default 45 s
    data["dpdTimeoutDefaulted"] = dpd in (None, 0)
    data["ipsecPolicies"] = _ipsec_policies(props.get("ipsecPolicies"))
    data["ipsecPolicyCount"] = data["ipsecPolicies"] if isinstance(data["ipsecPolicies"], Unknown) \
        else len(data["ipsecPolicies"])
    data["ipsecPolicySummary"] = data["ipsecPolicies"] if isinstance(data["ipsecPolicies"], Unknown) \
        else [_policy_text(p) for p in data["ipsecPolicies"]]
    data["sharedKey"], data["sharedKeyDistinct"] = shared_key_facts(ix, connection, secret_groups,
                                                                    brief["connectionType"])
    data["bgp"] = connection_bgp(ix, connection, data)
    data["circuitReachesGatewayRegion"] = circuit_scope(ix, data["gateway1"], data["circuit"], circuit)
    if data["localGateway"].get("exists") is not False:
        data["localGateway"]["bgpPeerInGatewayVnet"] = bgp_peer_in_vnet(
            ix, data["localGateway"].get("bgpPeeringAddress"), data["gateway1"].get("vnetId"))
    if brief["connectionType"] == "Vnet2Vnet":
        data["reverseConnection"] = reverse_connection(ix, connection, data["ipsecPolicies"])
    if connection.source == "live":
        for key in ("connectionStatus", "tunnelConnectionStatus", "provisioningState",
                    "ingressBytesTransferred", "egressBytesTransferred"):
            data[key] = props.get(key)
        if data["connectionStatus"] is None and not equals_ci(props.get("connectionType"), "ExpressRoute"):
            # Azure returns the status only when one connection is read; a collection that
            # could not read it has not seen it, which is not the same as "not connected".
            data["connectionStatus"] = Unknown(f"the status of connection {connection.name} was not collected")
        tunnels = list_or_unknown(props.get("tunnelConnectionStatus"))
        data["tunnelsNotConnectedCount"] = tunnels if isinstance(tunnels, Unknown) else len(
            [t for t in tunnels if not equals_ci(get_path(t, "connectionStatus"), "Connected")])
    # site: the site of either gateway end
    site = ix.gateway1_sites.get(connection.key)
    if site is None and isinstance(gw2_ref, str):
        gateway = ix.graph.get(gw2_ref)
        if gateway is not None:
            site = ix.site_by_gateway.get(gateway.key)
    if site is not None:
        patterns = site.patterns
    elif brief["connectionType"] == "ExpressRoute":
        patterns = ix.inferred("expressroute", "expressroute-vpn-failover", near=connection)
    elif brief["connectionType"] in ("IPsec", "Vnet2Vnet"):
        patterns = ix.inferred("vpn", "expressroute-vpn-failover", "hub-spoke", near=connection)
    else:
        patterns = PATTERNS
    return Subject("connection", connection, data, site.id if site else None, patterns,
                   connection.origin)


def gateway_ref_view(ix: Index, ref: str | Unknown | None) -> Mapping[str, Any]:
    """The facts of a connection's gateway; the same read-only view for every connection of it."""
    if isinstance(ref, str):
        return ix.part("gateway-ref", normalise_id(ref), lambda: _gateway_ref_view(ix, ref))
    return _gateway_ref_view(ix, ref)


def _gateway_ref_view(ix: Index, ref: str | Unknown | None) -> dict[str, Any]:
    if ref is None:
        return {"exists": False}
    if isinstance(ref, Unknown):
        return {"displayName": "(id not known before deployment)", "exists": ref, "enableBgp": ref,
                "skuName": ref, "gatewayType": ref, "asn": ref, "location": ref, "activeActive": ref,
                "minScaleUnits": ref}
    gateway = ix.graph.get(ref)
    if gateway is None:
        unknown = not_in_inputs("virtual network gateway", ref)
        return {"id": ref, "name": ref.rsplit("/", 1)[-1], "displayName": ref.rsplit("/", 1)[-1], "exists": unknown, "enableBgp": unknown, "skuName": unknown,
                "gatewayType": unknown, "asn": unknown, "location": unknown, "minScaleUnits": unknown}
    data = gateway_data(ix, gateway)
    return {"id": gateway.id, "name": gateway.name, "displayName": display_name(gateway), "exists": True,
            "gatewayType": data.get("gatewayType"),
            "skuName": data.get("skuName"), "enableBgp": data.get("enableBgp"),
            "activeActive": data.get("activeActive"), "asn": data["bgp"]["asn"],
            "location": gateway.body.get("location"), "vnetId": data["subnet"].get("vnetId"),
            "minScaleUnits": data["autoScale"]["min"]}


def lng_ref_view(ix: Index, ref: str | Unknown | None) -> dict[str, Any]:
    if ref is None:
        return {"exists": False, "displayName": "(none referenced)", "addressPrefixCount": 0}
    if isinstance(ref, Unknown):
        return {"exists": ref, "addressPrefixCount": ref, "bgpAsn": ref, "bgpPeeringAddress": ref}
    lng = ix.graph.get(ref)
    if lng is None:
        unknown = not_in_inputs("local network gateway", ref)
        return {"id": ref, "name": ref.rsplit("/", 1)[-1], "displayName": ref.rsplit("/", 1)[-1], "exists": unknown, "addressPrefixCount": unknown, "bgpAsn": unknown,
                "bgpPeeringAddress": unknown, "bgpPeerIsGatewayIp": unknown}
    props = lng.properties
    prefixes = get_path(props, "localNetworkAddressSpace.addressPrefixes")
    count: Any = prefixes if isinstance(prefixes, Unknown) else len(items_of(prefixes))
    bgp = get_path(props, "bgpSettings")
    peer = get_path(bgp, "bgpPeeringAddress") if bgp is not None else None
    gateway_ip = props.get("gatewayIpAddress")
    same: Any = peer if isinstance(peer, Unknown) else gateway_ip if isinstance(gateway_ip, Unknown) else None
    if same is None:
        same = isinstance(peer, str) and isinstance(gateway_ip, str) and peer.strip() == gateway_ip.strip()
    return {"id": lng.id, "name": lng.name, "displayName": display_name(lng), "exists": True,
            "addressPrefixes": prefixes,
            "addressPrefixCount": count, "bgpAsn": to_int(get_path(bgp, "asn")) if bgp is not None else None,
            "bgpPeeringAddress": peer, "gatewayIpAddress": gateway_ip, "bgpPeerIsGatewayIp": same}


def shared_key_facts(ix: Index, connection: Resource, groups: dict[str, list[Resource]],
                     connection_type: Any) -> tuple[Any, Any]:
    """(facts, distinct) of a connection's shared key; ``connection_type`` as its brief gives it."""
    value = connection.properties.get("sharedKey")
    if value is None:
        return None, None
    if isinstance(value, Secret):
        # A parameter default whose value is not known before deployment (newGuid()) is not a key
        # written in the inputs; a literal default, a parameter-file value or a template literal is.
        written = value.source in ("template-literal", "parameter-file") or (
            value.source == "parameter-default" and value.length is not None)
        strength = "not known before deployment" if value.weak is None else ("weak" if value.weak else "strong")
        charset = None if value.bad_characters is None else not value.bad_characters
        shape = (value.source, value.length, value.weak, written, strength, charset)
        facts_ = ix.shared_key_facts.get(shape)  # the same facts for every connection of one key: shared
        if facts_ is None:
            facts_ = ix.shared_key_facts[shape] = MappingProxyType({
                "present": True, "source": value.source, "length": value.length, "weak": value.weak,
                "writtenInInputs": written, "strength": strength, "charsetValid": charset})
        # Keys are shared when their values are equal (same salted digest) or, for values not
        # known before deployment, when they come from the same parameter or Key Vault secret.
        # Different parameters or secrets count as distinct: nothing in the inputs says otherwise.
        group = groups.get(secret_identity(value), ())
        if len(group) > 1 and not equals_ci(connection_type, "Vnet2Vnet"):
            return facts_, False  # another connection holds it: only Vnet2Vnet links share by design
        shared = any(c.key != connection.key and not _mirror_pair(connection, c) for c in group)
        return facts_, not shared
    if isinstance(value, Unknown):
        return {"present": True, "source": value, "writtenInInputs": value}, value
    # a plain string reached the views (a source that did not wrap it): treat as a literal
    return {"present": True, "source": "template-literal", "length": len(str(value)),
            "weak": len(str(value)) < 16, "writtenInInputs": True,
            "strength": "weak" if len(str(value)) < 16 else "strong"}, Unknown("shared key was not wrapped as a secret")


def connection_bgp(ix: Index, connection: Resource, data: dict[str, Any]) -> dict[str, Any]:
    local = data["gateway1"].get("asn") if data["gateway1"].get("exists") is not False else None
    if data["localGateway"].get("exists") is not False:
        remote = data["localGateway"].get("bgpAsn")
        if remote is None and data.get("enableBgp") is not False:
            # with BGP the on-premises ASN must be there; without it there is none to know
            remote = Unknown(f"local network gateway of connection {display_name(connection)} has no bgpSettings.asn")
    else:
        remote = data["gateway2"].get("asn") if data["gateway2"].get("exists") is not False else None
    distinct: Any = local if isinstance(local, Unknown) else remote if isinstance(remote, Unknown) else None
    if distinct is None:
        distinct = local != remote if local is not None and remote is not None else None
    return {"localAsn": local, "remoteAsn": remote, "asnsDistinct": distinct}


def circuit_scope(ix: Index, gateway: dict[str, Any], circuit_view: dict[str, Any],
                  circuit: Resource | None) -> Any:
    if circuit_view.get("exists") is False:
        return None
    if circuit is None:
        return circuit_view.get("exists")
    tier = get_path(circuit.body, "sku.tier")
    if isinstance(tier, Unknown):
        return tier
    if equals_ci(tier, "Premium"):
        return True
    region = gateway.get("location")
    location = circuit_view.get("peeringLocation")
    unknown = first_unknown([region, location])
    if unknown is not None:
        return unknown
    if not isinstance(region, str) or not isinstance(location, str):
        return Unknown("gateway region or circuit peering location is not set")
    region_key = facts.normalise_region(region)
    location_key = facts.normalise_peering_location(location)
    if equals_ci(tier, "Local"):
        local = facts.LOCAL_REGIONS_BY_PEERING_LOCATION.get(location_key)
        if local is None:
            return Unknown(f"local regions of peering location {location} are not in the table")
        return region_key in local
    region_geo = facts.GEO_BY_REGION.get(region_key)
    location_geo = facts.GEO_BY_PEERING_LOCATION.get(location_key)
    if region_geo is None:
        return Unknown(f"geopolitical region of {region} is not in the table")
    if location_geo is None:
        return Unknown(f"geopolitical region of peering location {location} is not in the table")
    return region_geo == location_geo


def _policy_text(policy: dict[str, Any]) -> str:
    """One custom IPsec policy in a line: IKE phase, IPsec phase, SA lifetime."""
    def text(key: str) -> str:
        value = policy.get(key)
        return "unknown" if isinstance(value, Unknown) else str(value) if value is not None else "?"
    return (f"IKE {text('ikeEncryption')}/{text('ikeIntegrity')}/{text('dhGroup')}, "
            f"IPsec {text('ipsecEncryption')}/{text('ipsecIntegrity')}/{text('pfsGroup')}, "
            f"SA {text('saLifeTimeSeconds')} s/{text('saDataSizeKilobytes')} KB")


def _ipsec_policies(value: Any) -> list[dict[str, Any]] | Unknown:
    if isinstance(value, Unknown):
        return value
    out: list[dict[str, Any]] = []
    for policy in value if isinstance(value, list) else []:
        if not isinstance(policy, dict):
            continue
        entry = CaseInsensitiveDict(policy)
        enc, integrity = policy.get("ipsecEncryption"), policy.get("ipsecIntegrity")
        unknown = first_unknown([enc, integrity])
        if unknown is not None:
            entry["gcmPairingValid"] = unknown
        elif isinstance(enc, str) and enc.lower().startswith("gcmaes"):
            entry["gcmPairingValid"] = equals_ci(enc, integrity)
        else:
            entry["gcmPairingValid"] = not (isinstance(integrity, str) and integrity.lower().startswith("gcmaes"))
        out.append(entry)
    return out


def secret_identity(secret: Secret) -> str:
    """What makes two secrets the same one: the value's digest, else where it is defined."""
    if secret.digest:
        return f"digest:{secret.digest}"
    origin = secret.origin
    if origin is None:
        return f"unplaced:{id(secret)}"
    return f"{secret.source}:{origin.file}:{origin.pointer or origin.line}"


def _mirror_pair(a: Resource, b: Resource) -> bool:
    """The two directions of one Vnet2Vnet link share their key by design
    (reference deployments simulate on-premises with such a pair)."""
    pa, pb = a.properties, b.properties
    if not (equals_ci(pa.get("connectionType"), "Vnet2Vnet") and equals_ci(pb.get("connectionType"), "Vnet2Vnet")):
        return False

    def ends(props: dict[str, Any]) -> tuple[str, str] | None:
        g1, g2 = ref_of(props.get("virtualNetworkGateway1")), ref_of(props.get("virtualNetworkGateway2"))
        if isinstance(g1, str) and isinstance(g2, str):
            return normalise_id(g1), normalise_id(g2)
        return None

    ea, eb = ends(pa), ends(pb)
    return ea is not None and eb is not None and ea == (eb[1], eb[0])


def bgp_peer_in_vnet(ix: Index, peer: Any, vnet_id: Any) -> Any:
    """The on-premises BGP peer address lies in the address space of the gateway's VNet (the FAQ
    asks for an address outside it). Absent without a peer address."""
    if peer is None:
        return None
    if isinstance(peer, Unknown):
        return peer
    if isinstance(vnet_id, Unknown):
        return vnet_id
    if not isinstance(vnet_id, str):
        return Unknown("the VNet of the connection's gateway is not known")
    try:
        address = ipaddress.ip_address(str(peer).strip())
    except ValueError:
        return Unknown(f"BGP peer address {peer} is not an IP address")
    networks = vnet_networks(ix, normalise_id(vnet_id))
    for _, network in networks:
        if not isinstance(network, Unknown) and network.version == address.version and address in network:
            return True
    return first_unknown(n for _, n in networks) or False


def reverse_connection(ix: Index, connection: Resource, policies: Any) -> dict[str, Any]:
    """The other connection resource of a VNet-to-VNet link (gateway2 to gateway1) and whether it
    carries the same custom IPsec/IKE policies. ``exists`` is false when it is not in the inputs: a
    comparison of the two sides applies only when both are there."""
    gw2 = ix.ends_of(connection).gateway2
    if isinstance(gw2, Unknown):
        return {"exists": gw2, "displayName": gw2, "ipsecPolicyCount": gw2, "sameIpsecPolicies": gw2}
    if not isinstance(gw2, str):
        return {"exists": False}
    others = [c for c in ix.connections_by_gateway.get(normalise_id(gw2), [])
              if c.key != connection.key and _mirror_pair(connection, c)]
    if not others:
        return {"exists": False}
    other = others[0]
    theirs = _ipsec_policies(other.properties.get("ipsecPolicies"))
    mine_keys, their_keys = _policy_keys(policies), _policy_keys(theirs)
    same: Any = first_unknown([policies, theirs, mine_keys, their_keys])
    if same is None:
        same = mine_keys == their_keys
    return {"exists": True, "id": other.id, "name": other.name, "displayName": display_name(other),
            "ipsecPolicyCount": theirs if isinstance(theirs, Unknown) else len(theirs),
            "ipsecPolicySummary": theirs if isinstance(theirs, Unknown) else [_policy_text(p) for p in theirs],
            "sameIpsecPolicies": same}


_POLICY_FIELDS = ("ikeEncryption", "ikeIntegrity", "dhGroup", "ipsecEncryption", "ipsecIntegrity", "pfsGroup",
                  "saLifeTimeSeconds", "saDataSizeKilobytes")


def _policy_keys(policies: Any) -> Any:
    """The policies compared case-insensitively, in order (unknown when a value is)."""
    out = []
    for policy in policies if isinstance(policies, list) else []:
        values = []
        for key in _POLICY_FIELDS:
            value = policy.get(key)
            if isinstance(value, Unknown):
                return value
            values.append(str(value).lower() if value is not None else None)
        out.append(tuple(values))
    return out
