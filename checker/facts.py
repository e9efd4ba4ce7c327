"""Reference tables the views use to derive facts (SKU limits, lifecycle dates, regions with
availability zones, ExpressRoute peering locations). Data only.

Every table names its source by a key of ``SOURCES`` (the Microsoft page and the date of the
version that was read). The tables state Azure as of ``FACTS_AS_OF``: verdicts never read the clock
of the machine that runs a scan. A retirement that had happened by that date is a fact ("retired on
30 June 2026"); one announced for a later date would be stated as announced. Updating the tables
(and ``FACTS_AS_OF``) is how the checker learns of later changes (docs/facts.md).
"""

from __future__ import annotations

from checker.records import Record

FACTS_AS_OF = "2026-12-07"


class Source(Record):
    """A documentation page: its address and the date (``ms.date``) of the version read."""

    __slots__ = ("url", "date")

    def __init__(self, url: str, date: str) -> None:
        self.url = url
        self.date = date


SOURCES: dict[str, Source] = {
    "S-FAQ": Source("https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq", "2026-06-04"),
    "S-SKU": Source("https://learn.microsoft.com/azure/vpn-gateway/about-gateway-skus", "2026-06-08"),
    "S-LEG": Source("https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-skus-legacy", "2026-02-27"),
    "S-CONS": Source("https://learn.microsoft.com/azure/vpn-gateway/gateway-sku-consolidation", "2024-09-26"),
    "S-NEW": Source("https://learn.microsoft.com/azure/vpn-gateway/whats-new", "2025-11-25"),
    "S-BPIP": Source("https://learn.microsoft.com/azure/vpn-gateway/basic-public-ip-migrate-about", "2026-03-06"),
    "S-PIPRET": Source("https://learn.microsoft.com/azure/virtual-network/ip-services/"
                       "public-ip-basic-upgrade-guidance", "2025-09-30"),
    "S-NAT": Source("https://learn.microsoft.com/azure/vpn-gateway/nat-overview", "2024-01-23"),
    "S-AA3": Source("https://learn.microsoft.com/azure/vpn-gateway/active-active-portal", "2024-12-06"),
    "S-REG": Source("https://learn.microsoft.com/azure/reliability/regions-list", "2025-09-23"),
    "S-ERGW": Source("https://learn.microsoft.com/azure/expressroute/expressroute-about-virtual-network-gateways",
                     "2025-11-10"),
    "S-FP": Source("https://learn.microsoft.com/azure/expressroute/about-fastpath", "2025-11-10"),
    "S-ERFAQ": Source("https://learn.microsoft.com/azure/expressroute/expressroute-faqs", "2026-03-31"),
    "S-LOC": Source("https://learn.microsoft.com/azure/expressroute/expressroute-locations-providers",
                    "2026-04-28"),
    "S-GEO": Source("https://learn.microsoft.com/azure/expressroute/expressroute-locations-providers"
                    "#expressroute-locations", "2024-04-05"),
    "S-ROUT": Source("https://learn.microsoft.com/azure/expressroute/expressroute-routing", "2026-03-31"),
    "S-ADVPFX": Source("https://learn.microsoft.com/azure/virtual-network/advertised-gateway-prefixes-overview",
                       "undated (rendered page)"),
    "S-DEPFAQ": Source("https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-skus-legacy", "2024-03-06"),
    "S-ERMIG": Source("https://learn.microsoft.com/azure/expressroute/gateway-migration", "2025-05-19"),
    "S-RES": Source("https://learn.microsoft.com/azure/expressroute/design-architecture-for-resiliency",
                    "2024-04-18"),
    "S-APRL": Source("https://azure.github.io/Azure-Proactive-Resiliency-Library-v2/", "2026-07-21"),
    "S-ERLIM": Source("https://learn.microsoft.com/azure/azure-resource-manager/management/"
                      "azure-subscription-service-limits#expressroute-limits", "undated include (read 2026-12-07)"),
}


class Lifecycle(Record):
    """A dated lifecycle fact of a SKU: ``status`` holds from ``date`` on (source: ``source``)."""

    __slots__ = ("status", "date", "source", "note")

    def __init__(self, status: str, date: str | None, source: str, note: str = "") -> None:
        self.status = status  # "retired", "creation-blocked", "limited" (supported but not for production)
        self.date = date
        self.source = source
        self.note = note


# Gateway SKUs are compared lower-case (enum casing varies between templates and exports).

# VPN gateway SKU lifecycle as of FACTS_AS_OF. The legacy SKUs' retirement moved twice (30 Sep 2025,
# then March 2026, then 30 June 2026: S-DEPFAQ, S-NEW, S-LEG); the FAQ of June 2026 calls them retired
# and says they are migrated automatically (Standard to VpnGw1AZ, HighPerformance to VpnGw2AZ). The
# non-AZ VpnGw1-5 SKUs could not be created from 1 Jan 2025 (S-CONS; S-NEW says May 2025) and their
# retirement was announced for September 2026 (S-CONS: 16 Sep 2026 targeted; the linked Azure update:
# 30 Sep 2026). Basic is not retiring but is not for production (S-SKU, S-FAQ).
VPN_SKU_LIFECYCLE: dict[str, Lifecycle] = {
    "standard": Lifecycle("retired", "2026-06-30", "S-LEG", "migrated to VpnGw1AZ"),
    "highperformance": Lifecycle("retired", "2026-06-30", "S-LEG", "migrated to VpnGw2AZ"),
    **{f"vpngw{n}": Lifecycle("retired", "2026-09-30", "S-CONS", f"migrated to VpnGw{n}AZ; creation blocked "
                              "since 2025-01-01") for n in range(1, 6)},
    "basic": Lifecycle("limited", None, "S-SKU", "not retiring; no BGP, no active-active, dev/test only"),
}

# Basic public IPs: retired for every service on 30 Sep 2025 (S-PIPRET); VPN gateways had until the
# end of June 2026, when customer-initiated migration ended (S-BPIP). New Basic-SKU VPN gateways need a
# Standard public IP (S-BPIP).
BASIC_PUBLIC_IP_RETIREMENT = Lifecycle("retired", "2025-09-30", "S-PIPRET")
BASIC_PUBLIC_IP_VPN_GATEWAY_RETIREMENT = Lifecycle("retired", "2026-06-30", "S-BPIP")

# S2S/VNet-to-VNet tunnels per VPN gateway SKU (route-based). Source: S-SKU (VpnGw1-5AZ, Basic;
# "Max 100" for VpnGw4/5AZ), S-LEG (Standard 10, HighPerformance 30; policy-based Basic 1).
VPN_TUNNEL_LIMITS: dict[str, int] = {
    "basic": 10, "standard": 10, "highperformance": 30,
    "vpngw1": 30, "vpngw2": 30, "vpngw3": 30,
    "vpngw1az": 30, "vpngw2az": 30, "vpngw3az": 30,
    "vpngw4": 100, "vpngw5": 100, "vpngw4az": 100, "vpngw5az": 100,
}
VPN_TUNNEL_LIMIT_POLICY_BASED = 1  # a policy-based (Basic) gateway has one S2S tunnel. Source: S-LEG

# SKUs on which VPN NAT rules work; NAT does not work on Vnet2Vnet or P2S connections, with policy-based
# traffic selectors or policy-based gateways, or with APIPA BGP addresses. Source: S-FAQ, S-NAT.
VPN_NAT_SKUS = frozenset({"vpngw2", "vpngw3", "vpngw4", "vpngw5", "vpngw2az", "vpngw3az", "vpngw4az", "vpngw5az"})

# Generation constraints per VPN SKU. Source: S-SKU (performance table by generation).
VPN_SKU_GENERATIONS: dict[str, tuple[str, ...]] = {
    "basic": ("Generation1",),
    "vpngw1": ("Generation1",), "vpngw1az": ("Generation1",),
    "vpngw2": ("Generation1", "Generation2"), "vpngw2az": ("Generation1", "Generation2"),
    "vpngw3": ("Generation1", "Generation2"), "vpngw3az": ("Generation1", "Generation2"),
    "vpngw4": ("Generation2",), "vpngw4az": ("Generation2",),
    "vpngw5": ("Generation2",), "vpngw5az": ("Generation2",),
}

# ExpressRoute gateway capacity in Mbps (ErGwScale: per scale unit). Source: S-ERGW (performance include).
ER_GATEWAY_MBPS: dict[str, int] = {
    "standard": 1000, "ergw1az": 1000,
    "highperformance": 2000, "ergw2az": 2000,
    "ultraperformance": 10000, "ergw3az": 10000,
}
ER_SCALE_UNIT_MBPS = 1000

# ExpressRoute circuit connections per gateway SKU. Source: S-ERGW.
ER_MAX_CIRCUITS: dict[str, int] = {
    "standard": 4, "ergw1az": 4,
    "highperformance": 8, "ergw2az": 8,
    "ultraperformance": 16, "ergw3az": 16,
}
# ErGwScale: circuits by the minimum scale units (autoScaleConfiguration.bounds.min), highest first:
# 16 circuits from 10 units, 8 from 2, 4 from 1. Source: S-ERGW.
ER_SCALE_MAX_CIRCUITS: tuple[tuple[int, int], ...] = ((10, 16), (2, 8), (1, 4))
ER_MAX_CIRCUITS_PER_PEERING_LOCATION = 4  # per VNet, S-ERGW
ER_FASTPATH_MIN_SCALE_UNITS = 10  # ErGwScale needs at least 10 scale units for FastPath. Source: S-FP, S-ERGW
ER_GATEWAY_SUBNET_26_CIRCUITS = 16  # a gateway with 16 circuits needs a /26 GatewaySubnet. Source: S-ERGW
ER_GATEWAY_VNET_PEERINGS = 500  # peerings of a VNet with an ExpressRoute gateway. Source: S-ERGW
# Virtual network links of one circuit (connections from ExpressRoute gateways; Global Reach connections
# count against the same limit): 10 on a Standard circuit of any size; with the Premium add-on it grows
# with the bandwidth (no Premium below 50 Mbps). Other tiers (Local, Basic) are not in the table.
# Source: S-ERLIM
ER_VNET_LINKS_STANDARD = 10
ER_VNET_LINKS_PREMIUM: tuple[tuple[int, int], ...] = (  # (at least this many Mbps, links), largest first
    (10000, 100), (5000, 75), (2000, 60), (1000, 50), (500, 40), (100, 25), (50, 20))
# Prefixes a VNet (with its gateway-transit spokes) may advertise to on-premises over one ExpressRoute
# connection; above that the BGP session drops. Source: S-ERFAQ, S-ADVPFX.
ER_ADVERTISED_PREFIX_LIMITS = {"ipv4": 1000, "ipv6": 100}
# ASNs ExpressRoute reserves for itself on private peering (a peer ASN must not use them). Source: S-ROUT.
ER_RESERVED_PEER_ASNS = (65515, 65516, 65517, 65518, 65519, 65520)

# Gateway SKUs that are availability-zone enabled (zone-redundant when their public IPs are).
# Source: S-CONS, S-ERGW, S-ERMIG.
AZ_GATEWAY_SKUS = frozenset({
    "vpngw1az", "vpngw2az", "vpngw3az", "vpngw4az", "vpngw5az",
    "ergw1az", "ergw2az", "ergw3az", "ergwscale",
})

# Regions with availability zones (three zones each) and regions without. A region in neither set
# gives Unknown. Source: S-REG (2025-09-23).
ZONES_BY_REGION: dict[str, tuple[str, ...]] = {
    region: ("1", "2", "3") for region in (
        "australiaeast", "austriaeast", "belgiumcentral", "brazilsouth", "canadacentral", "centralindia",
        "centralus", "chilecentral", "chinanorth3", "eastasia", "eastus", "eastus2", "francecentral",
        "germanywestcentral", "indonesiacentral", "israelcentral", "italynorth", "japaneast", "japanwest",
        "koreacentral", "malaysiawest", "mexicocentral", "newzealandnorth", "northeurope", "norwayeast",
        "polandcentral", "qatarcentral", "southafricanorth", "southcentralus", "southeastasia",
        "spaincentral", "swedencentral", "switzerlandnorth", "uaenorth", "uksouth", "usgovvirginia",
        "westeurope", "westus2", "westus3",
    )
}
REGIONS_WITHOUT_ZONES = frozenset({
    "australiacentral", "australiacentral2", "australiasoutheast", "brazilsoutheast", "canadaeast",
    "francesouth", "germanynorth", "jioindiacentral", "jioindiawest", "koreasouth", "northcentralus",
    "norwaywest", "southafricawest", "southindia", "swedensouth", "switzerlandwest", "uaecentral",
    "ukwest", "westcentralus", "westindia", "westus",
})

# Geopolitical region of Azure regions and ExpressRoute peering locations (a Standard circuit reaches
# VNets in its own geopolitical region; crossing one needs Premium). Source: S-GEO (the geopolitical
# region table), S-LOC for locations added since. Australia is two geopolitical regions: Australia
# Government (Australia Central 1/2, Canberra 1/2) and Oceania. A region whose geopolitical region S-GEO
# does not list but which is the Local region of a location (S-LOC) takes that location's region:
# newzealandnorth (Auckland), indonesiacentral (Jakarta), malaysiawest (Kuala Lumpur); mexicocentral is
# not in S-GEO and is placed with Queretaro (North America). A region or location not listed gives Unknown.
GEO_BY_REGION: dict[str, str] = {
    **{r: "North America" for r in (
        "eastus", "eastus2", "centralus", "northcentralus", "southcentralus", "westcentralus",
        "westus", "westus2", "westus3", "canadacentral", "canadaeast", "mexicocentral")},
    **{r: "Europe" for r in (
        "northeurope", "westeurope", "francecentral", "francesouth", "germanywestcentral",
        "germanynorth", "norwayeast", "norwaywest", "swedencentral", "swedensouth",
        "switzerlandnorth", "switzerlandwest", "polandcentral", "italynorth", "spaincentral",
        "uksouth", "ukwest")},
    **{r: "Asia" for r in ("eastasia", "southeastasia", "indonesiacentral", "malaysiawest")},
    **{r: "Japan" for r in ("japaneast", "japanwest")},
    **{r: "Australia Government" for r in ("australiacentral", "australiacentral2")},
    **{r: "Oceania" for r in ("australiaeast", "australiasoutheast", "newzealandnorth")},
    **{r: "India" for r in ("centralindia", "southindia", "westindia")},
    **{r: "South America" for r in ("brazilsouth", "brazilsoutheast")},
    **{r: "Korea" for r in ("koreacentral", "koreasouth")},
    "israelcentral": "Israel",
    **{r: "UAE" for r in ("uaecentral", "uaenorth")},
    **{r: "South Africa" for r in ("southafricawest", "southafricanorth")},
    "qatarcentral": "Qatar",
}
GEO_BY_PEERING_LOCATION: dict[str, str] = {
    **{p: "North America" for p in (
        "silicon valley", "silicon valley2", "washington dc", "washington dc2", "chicago", "chicago2",
        "dallas", "dallas2", "new york", "seattle", "los angeles", "los angeles2", "atlanta",
        "denver", "miami", "phoenix", "san antonio", "toronto", "toronto2", "montreal",
        "quebec city", "vancouver", "las vegas", "minneapolis", "quincy",
        # S-GEO writes "Queretaro(Mexico)"; the ARM spelling of the location is not documented
        "queretaro", "queretaro(mexico)", "queretaro (mexico)")},
    **{p: "Europe" for p in (
        "amsterdam", "amsterdam2", "london", "london2", "dublin", "dublin2", "frankfurt",
        "frankfurt2", "paris", "paris2", "stockholm", "oslo", "zurich", "zurich2", "madrid", "madrid2",
        "milan", "milan2", "munich", "stavanger", "warsaw", "copenhagen", "berlin", "marseille", "geneva",
        "newport(wales)")},
    **{p: "Asia" for p in ("hong kong", "hong kong2", "singapore", "singapore2", "taipei", "jakarta",
                           "jakarta2", "bangkok", "kuala lumpur", "kuala lumpur2")},
    **{p: "Japan" for p in ("tokyo", "tokyo2", "tokyo3", "osaka")},
    **{p: "Australia Government" for p in ("canberra", "canberra2")},
    **{p: "Oceania" for p in ("sydney", "sydney2", "melbourne", "perth", "auckland")},
    **{p: "India" for p in ("mumbai", "mumbai2", "chennai", "chennai2", "pune")},
    **{p: "South America" for p in ("sao paulo", "sao paulo2", "rio de janeiro", "campinas", "santiago")},
    **{p: "Korea" for p in ("seoul", "seoul2", "busan")},
    **{p: "Israel" for p in ("tel aviv", "tel aviv2")},
    **{p: "UAE" for p in ("abu dhabi", "dubai", "dubai2")},
    **{p: "South Africa" for p in ("cape town", "johannesburg")},
    **{p: "Qatar" for p in ("doha", "doha2")},
}
# The Azure regions an ExpressRoute Local circuit at a peering location reaches. Source: S-LOC ("Local
# Azure regions" column, 2026-04-28). An empty tuple: Local is not offered at that location (a Local
# circuit there reaches no region). A location not listed gives Unknown.
LOCAL_REGIONS_BY_PEERING_LOCATION: dict[str, tuple[str, ...]] = {
    "amsterdam": ("westeurope",), "amsterdam2": ("westeurope",),
    "dublin": ("northeurope",), "dublin2": ("northeurope",),
    "london": ("uksouth",), "london2": ("uksouth",), "newport(wales)": ("ukwest",),
    "frankfurt": ("germanywestcentral",), "frankfurt2": ("germanywestcentral",), "berlin": ("germanynorth",),
    "paris": ("francecentral",), "paris2": ("francecentral",), "marseille": ("francesouth",),
    "stockholm": ("swedencentral",), "oslo": ("norwayeast",),
    "zurich": ("switzerlandnorth",), "geneva": ("switzerlandwest",),
    "madrid": ("spaincentral",), "milan": ("italynorth",), "warsaw": ("polandcentral",),
    "silicon valley": ("westus",), "seattle": ("westus2",), "phoenix": ("westus3",), "denver": ("westcentralus",),
    "washington dc": ("eastus", "eastus2"), "washington dc2": ("eastus", "eastus2"),
    "chicago": ("northcentralus",), "chicago2": ("northcentralus",), "san antonio": ("southcentralus",),
    "dallas": (), "dallas2": (),
    "toronto": ("canadacentral",), "quebec city": ("canadaeast",),
    "tokyo": ("japaneast",), "osaka": ("japanwest",), "hong kong": ("eastasia",),
    "singapore": ("southeastasia",),
    "jakarta": ("indonesiacentral",), "jakarta2": ("indonesiacentral",),
    "kuala lumpur": ("malaysiawest",), "kuala lumpur2": ("malaysiawest",),
    "sydney": ("australiaeast",), "melbourne": ("australiasoutheast",), "auckland": ("newzealandnorth",),
    "canberra": ("australiacentral",), "canberra2": ("australiacentral2",),
    "pune": ("centralindia",), "chennai": ("southindia",), "chennai2": ("southindia",), "mumbai": ("westindia",),
    "seoul": ("koreacentral",), "busan": ("koreasouth",),
    "sao paulo": ("brazilsouth",), "campinas": ("brazilsouth",),
    "abu dhabi": ("uaecentral",), "dubai": ("uaenorth",), "dubai2": (),
    "doha": ("qatarcentral",), "doha2": ("qatarcentral",),
    "cape town": ("southafricawest",), "johannesburg": ("southafricanorth",),
}

# Which table rests on which source, for the consistency test and docs/facts.md.
TABLE_SOURCES: dict[str, tuple[str, ...]] = {
    "VPN_SKU_LIFECYCLE": ("S-LEG", "S-DEPFAQ", "S-CONS", "S-NEW", "S-FAQ", "S-SKU"),
    "BASIC_PUBLIC_IP_RETIREMENT": ("S-PIPRET",),
    "BASIC_PUBLIC_IP_VPN_GATEWAY_RETIREMENT": ("S-BPIP",),
    "VPN_TUNNEL_LIMITS": ("S-SKU", "S-LEG"),
    "VPN_TUNNEL_LIMIT_POLICY_BASED": ("S-LEG",),
    "VPN_NAT_SKUS": ("S-FAQ", "S-NAT"),
    "VPN_SKU_GENERATIONS": ("S-SKU",),
    "ER_GATEWAY_MBPS": ("S-ERGW",),
    "ER_MAX_CIRCUITS": ("S-ERGW",),
    "ER_MAX_CIRCUITS_PER_PEERING_LOCATION": ("S-ERGW", "S-ERFAQ"),
    "ER_SCALE_UNIT_MBPS": ("S-ERGW",),
    "ER_SCALE_MAX_CIRCUITS": ("S-ERGW",),
    "ER_FASTPATH_MIN_SCALE_UNITS": ("S-FP", "S-ERGW"),
    "ER_GATEWAY_SUBNET_26_CIRCUITS": ("S-ERGW",),
    "ER_GATEWAY_VNET_PEERINGS": ("S-ERGW",),
    "ER_VNET_LINKS_STANDARD": ("S-ERLIM",),
    "ER_VNET_LINKS_PREMIUM": ("S-ERLIM",),
    "ER_ADVERTISED_PREFIX_LIMITS": ("S-ERFAQ", "S-ADVPFX"),
    "ER_RESERVED_PEER_ASNS": ("S-ROUT",),
    "AZ_GATEWAY_SKUS": ("S-CONS", "S-ERGW", "S-ERMIG"),
    "ZONES_BY_REGION": ("S-REG",),
    "REGIONS_WITHOUT_ZONES": ("S-REG",),
    "GEO_BY_REGION": ("S-GEO", "S-LOC"),
    "GEO_BY_PEERING_LOCATION": ("S-GEO", "S-LOC"),
    "LOCAL_REGIONS_BY_PEERING_LOCATION": ("S-LOC",),
}


def er_scale_circuit_limit(min_scale_units: int) -> int | None:
    """Circuits an ErGwScale gateway takes with ``min_scale_units`` (None below 1 unit)."""
    for units, circuits in ER_SCALE_MAX_CIRCUITS:
        if min_scale_units >= units:
            return circuits
    return None


def er_vnet_link_limit(tier: str, bandwidth_mbps: float) -> int | None:
    """Virtual network links a circuit of this tier and bandwidth takes; None where the limits table
    has no entry (a tier other than Standard and Premium, Premium below 50 Mbps)."""
    if tier.lower() == "standard":
        return ER_VNET_LINKS_STANDARD
    if tier.lower() == "premium":
        return next((links for mbps, links in ER_VNET_LINKS_PREMIUM if bandwidth_mbps >= mbps), None)
    return None


def normalise_region(region: str) -> str:
    """ARM accepts display names ("West Europe") and programmatic names ("westeurope")."""
    return region.replace(" ", "").lower()


def normalise_peering_location(location: str) -> str:
    return " ".join(location.split()).lower()
