"""The site topology the diagrams draw: what each site is made of (on-premises side, hub, spokes) and
how it is connected. Small frozen types built once per evaluation (``checker/topology.py``) from the
graph and the sites; the diagram formats read only these and the results, never the graph."""

from __future__ import annotations

from dataclasses import dataclass

#: Element kinds, by column: on-premises side, hub, spokes.
ONPREM_KINDS = ("local-gateway", "circuit", "remote-gateway", "unknown-end")
HUB_KINDS = ("vnet", "gateway-subnet", "gateway")
SPOKE_KINDS = ("spoke",)


@dataclass(frozen=True)
class Element:
    """A box in the diagram: one resource (or a resource referenced but not in the inputs)."""

    key: str  # unique within its topology (the normalised resource id, or a made-up key)
    kind: str  # one of ONPREM_KINDS, HUB_KINDS, SPOKE_KINDS
    name: str
    details: tuple[str, ...] = ()  # short lines: "VpnGw2AZ", "10.1.0.0/16", "ASN 65010"
    resources: tuple[str, ...] = ()  # normalised ids whose results the element carries


@dataclass(frozen=True)
class Link:
    """A line: a connection (gateway to an on-premises end) or a peering pair (hub to spoke)."""

    key: str
    kind: str  # "connection" | "peering"
    name: str
    source: str  # Element.key on the hub side (a gateway, or the site VNet for peerings)
    target: str  # Element.key on the other side
    label: tuple[str, ...] = ()  # "IPsec, BGP on", "Connected"
    resources: tuple[str, ...] = ()


@dataclass(frozen=True)
class SiteTopology:
    """One site (or, with ``site_id`` None, the resources outside any site)."""

    site_id: str | None
    name: str
    pattern: str = ""
    elements: tuple[Element, ...] = ()
    links: tuple[Link, ...] = ()

    def of_kind(self, *kinds: str) -> list[Element]:
        return [e for e in self.elements if e.kind in kinds]
