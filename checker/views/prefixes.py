"""The views' IP maths: CIDR prefixes read as ARM reads them (host bits allowed), overlapping
prefixes, public addresses. An unreadable or unknown prefix is an :class:`Unknown` that says which."""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Iterable

from checker.model import Unknown
from checker.views.readers import get_path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

AZURE_APIPA = ipaddress.ip_network("169.254.21.0/24"), ipaddress.ip_network("169.254.22.0/24")
APIPA = ipaddress.ip_network("169.254.0.0/16")
NON_PUBLIC_V4 = tuple(ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16", "127.0.0.0/8",
    "0.0.0.0/8", "224.0.0.0/4", "240.0.0.0/4"))

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


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
