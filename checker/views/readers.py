"""Readers shared by the views: ARM property names compare case-insensitively and Unknown always
propagates; the display name of a resource; the ARM type names the views use. The IP maths
(prefixes, overlaps, public addresses) is in :mod:`checker.views.prefixes`."""

from __future__ import annotations

import functools
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
LIVE_ONLY = ("provisioningState", "connectionStatus", "tunnelConnectionStatus", "serviceProviderProvisioningState",
             "circuitProvisioningState", "peeringState", "peeringSyncLevel", "ingressBytesTransferred",
             "egressBytesTransferred")




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
