"""Reference tables the views use to derive facts (SKU limits, regions with availability zones,
ExpressRoute peering locations). Data only; each table names its source (keys of the rule catalogue)."""

from __future__ import annotations

# Gateway SKUs are compared lower-case (enum casing varies between templates and exports).

# S2S/VNet-to-VNet tunnels per VPN gateway SKU. Source: D-SKUTAB, D-LEGACY, D-SKUS.
# VpnGw4/5(AZ) = 100 comes from secondary sources only (unverified).
VPN_TUNNEL_LIMITS: dict[str, int] = {
    "basic": 10, "standard": 10, "highperformance": 30,
    "vpngw1": 30, "vpngw2": 30, "vpngw3": 30,
    "vpngw1az": 30, "vpngw2az": 30, "vpngw3az": 30,
    "vpngw4": 100, "vpngw5": 100, "vpngw4az": 100, "vpngw5az": 100,
}

# Generation constraints per VPN SKU. Source: D-SKUS (performance table by generation).
VPN_SKU_GENERATIONS: dict[str, tuple[str, ...]] = {
    "basic": ("Generation1",),
    "vpngw1": ("Generation1",), "vpngw1az": ("Generation1",),
    "vpngw2": ("Generation1", "Generation2"), "vpngw2az": ("Generation1", "Generation2"),
    "vpngw3": ("Generation1", "Generation2"), "vpngw3az": ("Generation1", "Generation2"),
    "vpngw4": ("Generation2",), "vpngw4az": ("Generation2",),
    "vpngw5": ("Generation2",), "vpngw5az": ("Generation2",),
}

# ExpressRoute gateway capacity in Mbps (ErGwScale: per scale unit). Source: D-ERGW (performance include).
ER_GATEWAY_MBPS: dict[str, int] = {
    "standard": 1000, "ergw1az": 1000,
    "highperformance": 2000, "ergw2az": 2000,
    "ultraperformance": 10000, "ergw3az": 10000,
}
ER_SCALE_UNIT_MBPS = 1000

# ExpressRoute circuit connections per gateway SKU. Source: D-ERGW. No figure for ErGwScale.
ER_MAX_CIRCUITS: dict[str, int] = {
    "standard": 4, "ergw1az": 4,
    "highperformance": 8, "ergw2az": 8,
    "ultraperformance": 16, "ergw3az": 16,
}
ER_MAX_CIRCUITS_PER_PEERING_LOCATION = 4  # per VNet, D-ERGW

# Gateway SKUs that are availability-zone enabled (zone-redundant when their public IPs are).
# Source: D-CONSOL, D-ERGW, D-ERMIG.
AZ_GATEWAY_SKUS = frozenset({
    "vpngw1az", "vpngw2az", "vpngw3az", "vpngw4az", "vpngw5az",
    "ergw1az", "ergw2az", "ergw3az", "ergwscale",
})

# Regions with availability zones (three zones each) and regions without. A region in neither set
# gives Unknown. Source: Azure "regions with availability zones" list as known at writing time
# (unverified, pitfall 19: keep the table current).
ZONES_BY_REGION: dict[str, tuple[str, ...]] = {
    region: ("1", "2", "3") for region in (
        "australiaeast", "brazilsouth", "canadacentral", "centralindia", "centralus", "chinanorth3",
        "eastasia", "eastus", "eastus2", "francecentral", "germanywestcentral", "israelcentral",
        "italynorth", "japaneast", "japanwest", "koreacentral", "mexicocentral", "newzealandnorth",
        "northeurope", "norwayeast", "polandcentral", "qatarcentral", "southafricanorth",
        "southcentralus", "southeastasia", "spaincentral", "swedencentral", "switzerlandnorth",
        "uaenorth", "uksouth", "usgovvirginia", "westeurope", "westus2", "westus3",
    )
}
REGIONS_WITHOUT_ZONES = frozenset({
    "australiacentral", "australiacentral2", "australiasoutheast", "brazilsoutheast", "canadaeast",
    "francesouth", "germanynorth", "jioindiacentral", "jioindiawest", "koreasouth", "northcentralus",
    "norwaywest", "southafricawest", "southindia", "swedensouth", "switzerlandwest", "uaecentral",
    "ukwest", "westcentralus", "westindia", "westus",
})

# Geopolitical region of Azure regions and ExpressRoute peering locations (Standard circuits reach
# VNets in the same geopolitical region), and the local Azure regions of peering locations (Local
# circuits). Source: AC-ER, D-ERFAQ; the mapping itself is from the ExpressRoute locations page as
# known at writing time (unverified, extend as needed; a location not listed gives Unknown).
GEO_BY_REGION: dict[str, str] = {
    **{r: "North America" for r in (
        "eastus", "eastus2", "centralus", "northcentralus", "southcentralus", "westcentralus",
        "westus", "westus2", "westus3", "canadacentral", "canadaeast", "mexicocentral")},
    **{r: "Europe" for r in (
        "northeurope", "westeurope", "francecentral", "francesouth", "germanywestcentral",
        "germanynorth", "norwayeast", "norwaywest", "swedencentral", "swedensouth",
        "switzerlandnorth", "switzerlandwest", "polandcentral", "italynorth", "spaincentral",
        "uksouth", "ukwest")},
    **{r: "Asia" for r in ("eastasia", "southeastasia")},
    **{r: "Japan" for r in ("japaneast", "japanwest")},
    **{r: "Australia" for r in (
        "australiaeast", "australiasoutheast", "australiacentral", "australiacentral2")},
    **{r: "India" for r in ("centralindia", "southindia", "westindia")},
    **{r: "South America" for r in ("brazilsouth", "brazilsoutheast")},
    **{r: "Korea" for r in ("koreacentral", "koreasouth")},
}
GEO_BY_PEERING_LOCATION: dict[str, str] = {
    **{p: "North America" for p in (
        "silicon valley", "silicon valley2", "washington dc", "washington dc2", "chicago", "chicago2",
        "dallas", "dallas2", "new york", "seattle", "los angeles", "los angeles2", "atlanta",
        "denver", "miami", "phoenix", "san antonio", "toronto", "toronto2", "montreal",
        "quebec city", "vancouver", "queretaro")},
    **{p: "Europe" for p in (
        "amsterdam", "amsterdam2", "london", "london2", "dublin", "dublin2", "frankfurt",
        "frankfurt2", "paris", "paris2", "stockholm", "oslo", "zurich", "zurich2", "madrid",
        "milan", "warsaw", "copenhagen", "berlin", "marseille", "geneva", "newport(wales)")},
    **{p: "Asia" for p in ("hong kong", "hong kong2", "singapore", "singapore2", "taipei", "jakarta")},
    **{p: "Japan" for p in ("tokyo", "tokyo2", "osaka")},
    **{p: "Australia" for p in ("sydney", "sydney2", "melbourne", "canberra", "perth")},
    **{p: "India" for p in ("mumbai", "mumbai2", "chennai", "chennai2", "pune", "bangalore")},
    **{p: "South America" for p in ("sao paulo", "sao paulo2", "rio de janeiro", "campinas")},
    **{p: "Korea" for p in ("seoul", "seoul2", "busan")},
}
LOCAL_REGIONS_BY_PEERING_LOCATION: dict[str, tuple[str, ...]] = {
    "amsterdam": ("westeurope",), "amsterdam2": ("westeurope",),
    "dublin": ("northeurope",), "dublin2": ("northeurope",),
    "london": ("uksouth",), "london2": ("uksouth",),
    "frankfurt": ("germanywestcentral",), "frankfurt2": ("germanywestcentral",),
    "paris": ("francecentral",), "paris2": ("francecentral",),
    "stockholm": ("swedencentral",), "oslo": ("norwayeast",), "zurich": ("switzerlandnorth",),
    "silicon valley": ("westus",), "seattle": ("westus2",), "phoenix": ("westus3",),
    "washington dc": ("eastus", "eastus2"), "washington dc2": ("eastus", "eastus2"),
    "chicago": ("northcentralus",), "dallas": ("southcentralus",), "san antonio": ("southcentralus",),
    "toronto": ("canadacentral",), "quebec city": ("canadaeast",),
    "tokyo": ("japaneast",), "osaka": ("japanwest",), "hong kong": ("eastasia",),
    "singapore": ("southeastasia",), "sydney": ("australiaeast",), "melbourne": ("australiasoutheast",),
    "pune": ("centralindia",), "chennai": ("southindia",), "seoul": ("koreacentral",),
    "sao paulo": ("brazilsouth",),
}


def normalise_region(region: str) -> str:
    """ARM accepts display names ("West Europe") and programmatic names ("westeurope")."""
    return region.replace(" ", "").lower()


def normalise_peering_location(location: str) -> str:
    return " ".join(location.split()).lower()
