"""Readers shared by the views: ARM property names compare case-insensitively and Unknown always
propagates; IP maths (prefixes, overlaps); the display name of a resource; the ARM type names the
views use."""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType

from checker.model import (
    CaseInsensitiveDict,
    Resource,
    Secret,
    Unknown,
    equals_ci,
    normalise_id,
    placeholder_text,
    symbolic_id,
)
from checker.views.registry import ENVELOPE
from checker.vocabulary import (  # noqa: F401 (the ARM type names the views use, read from here)
    CIRCUIT,
    CIRCUIT_PEERING,
    CONNECTION,
    GATEWAY,
    HUB_BGP_CONNECTION,
    HUB_IP_CONFIGURATION,
    LNG,
    METRIC_ALERT,
    PEERING,
    PIP,
    ROUTE,
    ROUTE_TABLE,
    SUBNET,
    VIRTUAL_HUB,
    VNET,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

ROUTE_SERVER_SUBNET = "RouteServerSubnet"
GATEWAY_SUBNET = "GatewaySubnet"
MIGRATION_TAG = ("CreatedBy", "GatewaySKUMigration")
VPN_LOG_CATEGORIES = ("GatewayDiagnosticLog", "TunnelDiagnosticLog", "RouteDiagnosticLog", "IKEDiagnosticLog")
AZURE_APIPA = ipaddress.ip_network("169.254.21.0/24"), ipaddress.ip_network("169.254.22.0/24")
APIPA = ipaddress.ip_network("169.254.0.0/16")
NON_PUBLIC_V4 = tuple(ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16", "127.0.0.0/8",
    "0.0.0.0/8", "224.0.0.0/4", "240.0.0.0/4"))
LIVE_ONLY = ("provisioningState", "connectionStatus", "tunnelConnectionStatus", "serviceProviderProvisioningState",
             "circuitProvisioningState", "peeringState", "peeringSyncLevel", "ingressBytesTransferred",
             "egressBytesTransferred")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network



# Small readers: ARM property names compare case-insensitively; Unknown always propagates.
# ---------------------------------------------------------------------------------------------------

def get_path(container: Any, path: str) -> Any:
    """``a.b.c`` inside nested dicts; None when absent; the Unknown itself when one is met."""
    parts = _PATHS.get(path)
    if parts is None:
        parts = tuple(path.split("."))
        if len(_PATHS) < 4096:
            _PATHS[path] = parts
    current = container
    for part in parts:
        if isinstance(current, dict):
            found = dict.get(current, part, _ABSENT)  # the name as written: no case-insensitive lookup
            if found is not _ABSENT:
                current = found
                continue
            if isinstance(current, CaseInsensitiveDict):
                current = current.get(part)  # any spelling (an UnknownObject gives its Unknown)
                if current is None:
                    return None
                continue
            lowered = part.lower()
            current = next((v for k, v in current.items() if isinstance(k, str) and k.lower() == lowered), None)
        elif isinstance(current, Unknown):
            return current
        else:
            return None
    return current


_PATHS: dict[str, tuple[str, ...]] = {}  # each path text split once


_ABSENT = object()


def ref_of(value: Any) -> str | Unknown | None:
    if value.__class__ is str:
        return value  # the common case: an id as written
    if isinstance(value, dict):
        found = dict.get(value, "id")  # the name as usually written, without the case-insensitive path
        value = found if found is not None else get_path(value, "id")
        if value.__class__ is str:
            return value
    value = symbolic_id(value) or value  # an id unknown before deployment but built like a declared one
    if isinstance(value, Secret):  # an id passed through a secure parameter: unknown, not absent
        return Unknown(f"the reference comes from a secure value ({value.source}) whose text is not read")
    return value if isinstance(value, (str, Unknown)) else None


def list_or_unknown(value: Any) -> list[Any] | Unknown:
    if isinstance(value, Unknown):
        return value
    return list(value) if isinstance(value, list) else []


def items_of(value: Any) -> list[Any]:
    """The elements of a list; nothing for an absent or unknown list."""
    return list(value) if isinstance(value, list) else []


def to_bool(value: Any, default: bool) -> bool | Unknown:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return default


def to_int(value: Any) -> int | Unknown | None:
    if isinstance(value, Unknown) or value is None:
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def lower_or_none(value: Any) -> str | None:
    return value.lower() if isinstance(value, str) else None


#: The facts of a part that is not there (no second gateway, no circuit): one read-only mapping
#: that every subject shares rather than a dict each.
NOT_THERE: Mapping[str, Any] = MappingProxyType({"exists": False})


def first_unknown(values: Iterable[Any]) -> Unknown | None:
    for value in values:
        if isinstance(value, Unknown):
            return value
    return None


def not_in_inputs(kind: str, ref: str) -> Unknown:
    return Unknown(f"{kind} {ref} is not in the inputs")


def to_network(text: Any, what: str) -> Network | Unknown:
    if isinstance(text, Unknown):
        return Unknown(f"{what} is not known: {text.reason}")
    network = parse_network(str(text).strip())
    return network if network is not None else Unknown(f"{what} '{text}' is not a valid CIDR prefix")


_IPV4 = re.compile(r"(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:/(\d{1,2}))?")


def _ipv4_int(octets: tuple[str, ...]) -> int | None:
    """The address of four dotted-decimal octets, or None where ``ipaddress`` must decide (leading
    zeros, values over 255)."""
    value = 0
    for octet in octets:
        number = int(octet)
        if number > 255 or (len(octet) > 1 and octet[0] == "0"):
            return None
        value = value << 8 | number
    return value


@functools.lru_cache(maxsize=65536)
def parse_network(text: str) -> Network | None:
    """A CIDR prefix (host bits allowed, as ARM does), None when it is not one. Plain IPv4 text is
    read directly (the common case, thousands of times in a large estate); anything else, and any
    doubtful IPv4 text, goes through ``ipaddress``. Networks are immutable, so they are shared."""
    match = _IPV4.fullmatch(text)
    if match is not None:
        address = _ipv4_int(match.groups()[:4])
        length = int(match.group(5)) if match.group(5) is not None else 32
        if address is not None and length <= 32:
            return ipaddress.IPv4Network((address, length), strict=False)
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


def subnet_prefixes(props: dict[str, Any], what: str) -> list[Network | Unknown]:
    """Every prefix of a subnet (``addressPrefix`` and ``addressPrefixes[]``: a subnet may
    carry several)."""
    out: list[Network | Unknown] = []
    single = get_path(props, "addressPrefix")
    if single is not None:
        out.append(to_network(single, f"{what} addressPrefix"))
    many = get_path(props, "addressPrefixes")
    if isinstance(many, Unknown):
        out.append(Unknown(f"{what} addressPrefixes are not known: {many.reason}"))
    elif isinstance(many, list):
        out.extend(to_network(p, f"{what} addressPrefixes") for p in many)
    seen: dict[str, Network | Unknown] = {}
    for item in out:
        seen.setdefault(str(item) if not isinstance(item, Unknown) else repr(item), item)
    return list(seen.values())


def prefix_list(values: Any, what: str) -> list[Network | Unknown]:
    if isinstance(values, Unknown):
        return [Unknown(f"{what} are not known: {values.reason}")]
    if not isinstance(values, list):
        return []
    return [to_network(v, what) for v in values]


def known_networks(networks: Iterable[Network | Unknown]) -> list[Network]:
    return [n for n in networks if not isinstance(n, Unknown)]


def last_address(network: Network) -> int:
    """The network's last address as a number (``int(network.broadcast_address)``, without making the
    address object that ``broadcast_address`` makes and keeps on first use)."""
    return int(network.network_address) | ((1 << (network.max_prefixlen - network.prefixlen)) - 1)


def networks_overlap(a: Network, b: Network) -> bool:
    """``a.overlaps(b)`` for networks of one address family, False across families: their ranges of
    addresses meet (one holds the other, or they are equal)."""
    return a.version == b.version and int(a.network_address) <= last_address(b) \
        and int(b.network_address) <= last_address(a)


def overlap_pairs(left: list[tuple[str, Network | Unknown]], right: list[tuple[str, Network | Unknown]],
                   ) -> tuple[list[dict[str, str]], Unknown | None]:
    """Overlapping pairs per address family (IPv4 and IPv6 never overlap each other); a supernet
    overlaps."""
    pairs = []
    unknown: Unknown | None = None
    for left_owner, a in left:
        for right_owner, b in right:
            if isinstance(a, Unknown):
                unknown = unknown or a
                continue
            if isinstance(b, Unknown):
                unknown = unknown or b
                continue
            if networks_overlap(a, b):
                pairs.append({"left": str(a), "leftOwner": left_owner, "right": str(b), "rightOwner": right_owner})
    return pairs, unknown


def overlapping_pairs(networks: list[Network]) -> list[tuple[int, int]]:
    """Index pairs (i < j) of overlapping networks of the same address family, by a sweep over the
    networks sorted by first address: O(n log n) plus the pairs found, not every pair compared."""
    order = sorted(range(len(networks)), key=lambda k: (networks[k].version, int(networks[k].network_address)))
    pairs: list[tuple[int, int]] = []
    active: list[int] = []  # networks that may still overlap the next ones, same family
    for k in order:
        net = networks[k]
        start = int(net.network_address)
        active = [a for a in active if networks[a].version == net.version and last_address(networks[a]) >= start]
        pairs.extend((min(a, k), max(a, k)) for a in active)
        active.append(k)
    return sorted(pairs)


def count_or_unknown(items: list[Any], unknown: Unknown | None) -> int | Unknown:
    """A definite overlap is a failure whatever else is unknown; no overlap found is only a pass
    when nothing was unknown."""
    if items:
        return len(items)
    return unknown if unknown is not None else 0


def resource_data(resource: Resource, name: str) -> dict[str, Any]:
    """The facts every single-resource subject starts from: its body, its properties without the
    live-only fields on template data, its short name and the name shown in messages."""
    data: dict[str, Any] = envelope(resource.body)
    data["properties"] = without_live(resource.properties, resource.source)
    data["name"] = name
    data["displayName"] = display_name(resource)
    return data


@functools.lru_cache(maxsize=65536)
def is_public_ip(text: str) -> bool | Unknown:
    match = _IPV4.fullmatch(text.strip())
    address_int = _ipv4_int(match.groups()[:4]) if match is not None and match.group(5) is None else None
    if address_int is not None:
        return not any(start <= address_int <= end for start, end in _NON_PUBLIC_V4_RANGES)
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return False  # a placeholder such as "x.x.x.x" is a value, and not a public address
    if address.version == 6:
        return address.is_global
    return not any(address in net for net in NON_PUBLIC_V4)


_NON_PUBLIC_V4_RANGES = tuple((int(n.network_address), int(n.broadcast_address)) for n in NON_PUBLIC_V4)


# ---------------------------------------------------------------------------------------------------
# Readable names: a name only known at deployment has a placeholder id (<unknown@LINE>); reports say
# what it is instead ("gateway at line 35 (name from parameter 'gatewayName')"). Ids never change.
# ---------------------------------------------------------------------------------------------------

_KIND_LABELS = {
    GATEWAY.lower(): "gateway", CONNECTION.lower(): "connection", PEERING.lower(): "peering",
    SUBNET.lower(): "subnet", LNG.lower(): "local network gateway", PIP.lower(): "public IP",
    ROUTE_TABLE.lower(): "route table", CIRCUIT.lower(): "circuit", VNET.lower(): "virtual network",
}


@functools.cache
def _parameter_without_value() -> re.Pattern[str]:  # compiled on first use (a rare path)
    return re.compile(r"parameter '([^']+)' has no value")


PLACEHOLDER_MARK = "<unknown@"


def display_name(resource: Resource, with_kind: bool = False) -> str:
    """The name as written when it is known. Otherwise where the resource is declared and which
    parameters its name comes from: ``at line 35 (name from parameter 'gatewayName')``, to follow a
    kind word ("VPN gateway at line 35 ..."); ``with_kind`` puts the kind in front for text that has
    none ("gateway at line 35 ...")."""
    written = resource.body.get("name")
    if PLACEHOLDER_MARK not in resource.name and not isinstance(written, Unknown):
        return resource.name
    if isinstance(written, Unknown) and written.symbol is not None:
        return placeholder_text(written.symbol).rsplit("/", 1)[-1]  # <vnetName>: where the name comes from
    if isinstance(written, str) and PLACEHOLDER_MARK not in written:
        return written.rsplit("/", 1)[-1]  # a child whose parent's name is not known: its own name is
    line = resource.origin.line if resource.origin is not None else None
    where = f"at line {line}" if line else ""
    if with_kind:
        kind = _KIND_LABELS.get(resource.type.lower(), resource.type.rsplit("/", 1)[-1])
        where = f"{kind} {where}".strip()
    names = list(dict.fromkeys(_parameter_without_value().findall(written.reason))) if isinstance(
        written, Unknown) else []
    if len(names) == 1:
        source = f"name from parameter '{names[0]}'"
    elif names:
        source = "name from parameters " + ", ".join(f"'{n}'" for n in names)
    else:
        source = "name not known before deployment"
    return f"{where} ({source})".strip()


# ---------------------------------------------------------------------------------------------------
# Small facts used by several views
# ---------------------------------------------------------------------------------------------------

def all_true(values: list[Any]) -> Any:
    if any(v is False for v in values):
        return False
    return first_unknown(values) or all(v is True for v in values)


def any_true(values: list[Any]) -> Any:
    """True when one value is true; else the first unknown; else False."""
    if any(v is True for v in values):
        return True
    return first_unknown(values) or False


def same_subnet(a: Any, b: Any) -> Any:
    unknown = first_unknown([a, b])
    if unknown is not None:
        return unknown
    return isinstance(a, str) and isinstance(b, str) and normalise_id(a) == normalise_id(b)


def canonical(value: Any, names: tuple[str, ...]) -> Any:
    """ARM enum values in their documented casing (parameter files may write them in any case)."""
    if type(value) is str:
        return _canonical(value, names)
    if isinstance(value, str):
        return next((n for n in names if n.lower() == value.lower()), value)
    return value


@functools.lru_cache(maxsize=4096)
def _canonical(value: str, names: tuple[str, ...]) -> str:
    lowered = value.lower()
    return next((n for n in names if n.lower() == lowered), value)


def migration_tagged(gateway: Resource) -> bool:
    tags = gateway.body.get("tags")
    if not isinstance(tags, dict):
        return False
    key, expected = MIGRATION_TAG
    return any(equals_ci(k, key) and equals_ci(v, expected) for k, v in tags.items())


def without_live(props: dict[str, Any], source: str) -> dict[str, Any]:
    """Live-only fields are read from live data only: a template or export copy is dropped. The ARM
    object itself when there is nothing to drop (subjects only read it), else a case-insensitive
    copy without them."""
    if source == "live" or _LIVE_ONLY_NAMES.isdisjoint(props):
        return props
    copy = CaseInsensitiveDict(props)
    for name in _LIVE_ONLY_NAMES.intersection(props):
        dict.__delitem__(copy, name)
    return copy


_LIVE_ONLY_NAMES = frozenset(LIVE_ONLY)
_ENVELOPE_NAMES = frozenset(ENVELOPE)
_ENVELOPE_SPELLING = {name.lower(): name for name in ENVELOPE}


def envelope(body: dict[str, Any]) -> dict[str, Any]:
    """A resource body's top-level members, for a subject's data: a plain dict, as every object the
    views build, whose names conditions read exactly, so the ARM envelope names (``location``,
    ``sku``, ``properties``...) are given their usual spelling whatever the input's (``Location``);
    the first spelling written wins, as in :class:`CaseInsensitiveDict`. What is below them stays
    the case-insensitive ARM object it is."""
    out = dict(body)
    if _ENVELOPE_NAMES.issuperset(out):  # the usual case: every name as usually written
        return out
    out = {}
    for key, value in dict.items(body):
        if key.__class__ is str and key not in _ENVELOPE_NAMES:
            key = _ENVELOPE_SPELLING.get(key.lower(), key)
        if key not in out:
            out[key] = value
    return out


def maybe_unknown(maybe: list[tuple[Resource, Unknown]], known: int, what: str) -> Unknown:
    """"N known + M unknown" as an unknown count that says what is unknown."""
    names = ", ".join(display_name(c, with_kind=True) for c, _ in maybe[:3]) + (" ..." if len(maybe) > 3 else "")
    return Unknown(f"{known} {what}(s) known, and {len(maybe)} connection(s) not known before deployment (their "
                   f"gateway, or how many a copy loop makes) may add to them ({names}: {maybe[0][1].reason})")
