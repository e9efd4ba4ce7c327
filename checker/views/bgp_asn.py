"""The bgp-asn subject: one per ASN set on a gateway, local network gateway or circuit peering."""

from __future__ import annotations

from checker.model import Resource, Unknown
from checker.subject import Subject
from checker.views.circuit import circuit_scope
from checker.views.gateway import gateway_data, gateway_scope
from checker.views.index import Index
from checker.views.local_gateway import local_gateway_scope
from checker.views.readers import CIRCUIT, CIRCUIT_PEERING, LNG, display_name, get_path, to_int

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def asn_subjects(ix: Index) -> list[Subject]:
    """Each ASN with the site and patterns of the resource that sets it."""
    out = []
    for gateway in ix.gateways:
        data = gateway_data(ix, gateway)
        if data.get("enableBgp") is True and not data["bgp"].get("asnDefaulted"):
            out.append(_asn(gateway, "azure", get_path(gateway.properties, "bgpSettings.asn"),
                            gateway_scope(ix, gateway)))
    for lng in ix.graph.of_type(LNG):
        asn = get_path(lng.properties, "bgpSettings.asn")
        if asn is not None:
            out.append(_asn(lng, "on-premises", asn, local_gateway_scope(ix, lng)))
    for circuit in ix.graph.of_type(CIRCUIT):
        owner = circuit_scope(ix, circuit)
        for peering in ix.graph.children(circuit, CIRCUIT_PEERING):
            asn = get_path(peering.properties, "peerASN")
            if asn is not None:
                out.append(_asn(peering, "on-premises", asn, owner))
    return out


#: a 4-byte ASN is 1..4294967295 (RFC 6793); 0 is reserved (RFC 7607) and nothing else is an ASN
ASN_RANGE = (1, 4294967295)


def _asn(resource: Resource, side: str, raw: Any, owner: tuple[str | None, tuple[str, ...]]) -> Subject:
    """``asnValid`` is false for an ASN that is not an integer (65010.5, "x", NaN) or is outside
    1..4294967295 (0, negative, too large): a failure, never a default."""
    asn: Any = to_int(raw)
    valid: Any
    if isinstance(raw, Unknown):
        asn, valid = raw, raw
    elif isinstance(asn, int):
        valid = ASN_RANGE[0] <= asn <= ASN_RANGE[1]
    else:
        valid = False
        asn = raw if isinstance(raw, (int, float, str)) and not isinstance(raw, bool) else "not a number"
    data = {"side": side, "asn": asn, "asnValid": valid,
            "ownerType": resource.type, "ownerName": display_name(resource, with_kind=True)}
    return Subject("bgp-asn", resource, data, owner[0], owner[1], resource.origin)
