"""The resource graph: every resource by normalised id, inline children turned into resources, and the
references between resources (gateway -> subnet, connection -> circuit...) resolved once."""

from __future__ import annotations

import functools
import gc
from collections import defaultdict
from collections.abc import Iterable

from checker.duplicates import INPUT_KEY, KEEP_FIRST, SAME, Duplicates, separate_deployments
from checker.model import (
    Origin,
    Resource,
    Unknown,
    normalise_id,
    normalise_type,
    parse_resource_id,
    placeholder_text,
    same_type,
    symbolic_id,
)
from checker.records import Frozen
from checker.vocabulary import CONNECTION, GATEWAY, PEERING, PRIVATE_ENDPOINT, SUBNET

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

RELATION_KINDS: tuple[str, ...] = (
    "child",
    "subnet-nsg",
    "subnet-route-table",
    "gateway-subnet",
    "gateway-public-ip",
    "connection-gateway1",
    "connection-gateway2",
    "connection-local-gateway",
    "connection-peer",
    "peering-remote-vnet",
    "diagnostic-target",
    "ip-configuration-subnet",
)

#: Column headers for :meth:`Graph.table_rows`.
TABLE_HEADERS: tuple[str, ...] = ("resource", "type", "location", "relations")

#: Parent type -> (property holding the inline array, child type) for children ARM lets a template
#: declare inline in the parent's properties as well as as separate resources.
INLINE_CHILDREN: dict[str, tuple[tuple[str, str], ...]] = {
    "microsoft.network/virtualnetworks": (
        ("subnets", "Microsoft.Network/virtualNetworks/subnets"),
        ("virtualNetworkPeerings", "Microsoft.Network/virtualNetworks/virtualNetworkPeerings"),
    ),
    "microsoft.network/routetables": (("routes", "Microsoft.Network/routeTables/routes"),),
    "microsoft.network/expressroutecircuits": (
        ("peerings", "Microsoft.Network/expressRouteCircuits/peerings"),
    ),
    "microsoft.network/networksecuritygroups": (
        ("securityRules", "Microsoft.Network/networkSecurityGroups/securityRules"),
    ),
}

_CHILD_TYPES = frozenset(child_type.lower() for specs in INLINE_CHILDREN.values() for _, child_type in specs)
_GATEWAY = GATEWAY.lower()
_CONNECTION = CONNECTION.lower()
_SUBNET = SUBNET.lower()
_PEERING = PEERING.lower()
_PRIVATE_ENDPOINT = PRIVATE_ENDPOINT.lower()
_CONNECTION_REFS = (
    ("virtualNetworkGateway1", "connection-gateway1"),
    ("virtualNetworkGateway2", "connection-gateway2"),
    ("localNetworkGateway2", "connection-local-gateway"),
    ("peer", "connection-peer"),
)
# Arrays of ip configurations whose ``properties.subnet.id`` places another resource in a subnet.
_IP_CONFIGURATION_ARRAYS = ("ipConfigurations", "frontendIPConfigurations", "gatewayIPConfigurations")


_set = object.__setattr__


class Relation(Frozen):
    """One reference from a resource to another, found at the property path ``via``."""

    # many per resource: slots keep them small (a __dict__ written to directly would cost a dict each)
    __slots__ = _fields = ("kind", "source", "target", "resolved", "via", "target_raw")
    kind: str  # one of RELATION_KINDS
    source: str  # normalised id of the referring resource
    target: str  # normalised id referenced ("" when the reference is Unknown)
    resolved: bool  # True when the target is in the graph
    via: str  # property path, e.g. "properties.ipConfigurations[0].properties.subnet.id"
    target_raw: Any  # the reference as written (a string id, or an Unknown)

    def __init__(self, kind: str, source: str, target: str, resolved: bool, via: str, target_raw: Any) -> None:
        _set(self, "kind", kind)
        _set(self, "source", source)
        _set(self, "target", target)
        _set(self, "resolved", resolved)
        _set(self, "via", via)
        _set(self, "target_raw", target_raw)


def _leaf_type(resource_type: str) -> str:
    return resource_type.rsplit("/", 1)[-1]


def _copy_object(value: dict[str, Any]) -> dict[str, Any]:
    """A shallow copy that keeps a decoded object's class and position (``JsonObject``)."""
    copy = value.copy() if type(value) is dict else type(value)(value)
    for attribute in ("line", "column"):
        if hasattr(value, attribute):
            setattr(copy, attribute, getattr(value, attribute))
    return copy


def _origins(resource: Resource) -> list[Origin]:
    recorded = resource.metadata.get("origins")
    if isinstance(recorded, list) and recorded:
        return list(recorded)
    return [resource.origin]


def _merge(first: Resource, second: Resource) -> Resource:
    """Two declarations of one resource: ``second`` wins key by key (top level and ``properties``).
    Properties written differently in both are listed in ``metadata["conflicts"]``."""
    body = _copy_object(first.body)
    conflicts: list[str] = list(first.metadata.get("conflicts", []))
    for key, value in second.body.items():
        old = body.get(key)
        if key == "properties" and isinstance(old, dict) and isinstance(value, dict):
            properties = _copy_object(old)
            for name, prop in value.items():
                if name in properties and properties[name] != prop and name not in conflicts:
                    conflicts.append(name)
                properties[name] = prop
            body[key] = properties
        else:
            body[key] = value
    metadata = {**first.metadata, **second.metadata}
    metadata["origins"] = _origins(first) + _origins(second)
    if first.metadata.get("inline") or second.metadata.get("inline"):
        metadata["inline"] = True
    if conflicts:
        metadata["conflicts"] = conflicts
    return Resource(
        id=second.id, type=second.type, name=second.name, body=body, origin=second.origin,
        source=second.source, subscription_id=second.subscription_id or first.subscription_id,
        resource_group=second.resource_group or first.resource_group, metadata=metadata,
    )


def _ref_key(ref: Any) -> str | None:
    if ref.__class__ is str:
        return normalise_id(ref) if ref.strip() else None
    if isinstance(ref, dict):
        ref = ref.get("id")
    ref = symbolic_id(ref) or ref
    if isinstance(ref, str) and ref.strip():
        return normalise_id(ref)
    return None


class Graph:
    """All resources of a scan by normalised id, with their relations indexed both ways.

    Inline children (``properties.subnets[]`` and the like) become resources of their child type
    with ``metadata["inline"] = True``; a child declared inline and as a separate resource is one
    resource whose separate declaration wins property by property (``metadata["origins"]`` keeps
    both places, ``metadata["conflicts"]`` the properties written differently). A later duplicate
    of the same id from the same input is merged the same way; one from another input is merged or
    not as :mod:`checker.duplicates` decides (``duplicates.errors``, ``duplicates.notices``). References to resources not in the inputs are kept as
    relations with ``resolved=False``; references that are :class:`Unknown` have ``target == ""``
    unless their identity is known (an id built from parameters without value: ``symbolic_id``).
    Views read children from the graph, not from the parent's inline arrays; an inline array that
    is itself Unknown gives no child resource (the parent's body still shows the Unknown); an inline
    child whose name is Unknown is kept under the name's symbol or a ``<unknown@LINE-INDEX>``
    placeholder (its body keeps the Unknown name).
    """

    def __init__(self, resources: Iterable[Resource]) -> None:
        self.resources: dict[str, Resource] = {}
        # References as plain tuples (kind, source, target, via, raw), indexed both ways;
        # Relation objects are made when asked for (most are never asked for).
        self._from: defaultdict[str, list[tuple[str, str, str, str, Any]]] = defaultdict(list)
        self._to: defaultdict[str, list[tuple[str, str, str, str, Any]]] = defaultdict(list)
        self._by_type: dict[str, list[Resource]] = {}
        # Each id as written, to its key: references usually repeat an id exactly as declared
        # (resourceId() writes both), so most lookups need no normalisation.
        self._exact: dict[str, str] = {}
        # Keys of child resources declared as separate resources (not only inline): they win merges.
        self._declared: set[str] = set()
        self._merged: set[str] = set()
        #: An id declared by two inputs: what was merged or kept, as input errors and notices.
        self.duplicates = Duplicates()
        resources = list(resources)
        self.duplicates.notices.extend(separate_deployments(resources))
        # Building allocates hundreds of thousands of small objects and no reference cycles; the
        # cyclic collector would otherwise rescan the whole (large) heap many times over.
        collecting = gc.isenabled()
        gc.disable()
        try:
            for resource in resources:
                self._add(resource, None)
            if self._merged:
                self._reindex_merged()
        finally:
            if collecting:
                gc.enable()

    # -- building ---------------------------------------------------------------------------------

    def _add(self, resource: Resource, inline_parent: tuple[str, str] | None) -> None:
        # One pass: each resource is indexed while it is still in the CPU cache.
        if isinstance(resource.id, str) and resource.id.strip():
            key = normalise_id(resource.id)
            self._exact[resource.id] = key
            resource.remember_key(key)
        else:
            # No usable id (a source could not compute one): still listed, never merged with another.
            key = f"<no id {len(self.resources)}>"
        rtype = normalise_type(resource.type) if isinstance(resource.type, str) else ""
        existing = self.resources.get(key)
        if existing is None:
            self.resources[key] = resource
            by_type = self._by_type.get(rtype)
            if by_type is None:
                self._by_type[rtype] = [resource]
            else:
                by_type.append(resource)
            self._index_references(key, rtype, resource)
            # The parent link is recorded once, when the child is first seen.
            if inline_parent is not None:
                self._store("child", inline_parent[0], key, inline_parent[1], resource.id)
            elif rtype in _CHILD_TYPES or (rtype.count("/") >= 2 and "/providers/" not in rtype):
                parent_id = _parent_id(resource.id, rtype)
                if parent_id:
                    self._store("child", normalise_id(parent_id), key, "id", resource.id)
        else:
            verdict = self.duplicates.decide(existing, resource)
            if verdict == SAME:
                # Another input declares the same values: checked once, where it was first declared.
                existing.metadata["origins"] = _origins(existing) + _origins(resource)
                return
            if verdict == KEEP_FIRST:
                return  # another input declares this id differently: the first keeps its place
            if inline_parent is not None and key in self._declared:
                # A separate declaration wins over an inline one whatever their order in the inputs.
                self.resources[key] = _merge(resource, existing)
            else:
                self.resources[key] = _merge(existing, resource)
            self._merged.add(key)
        if inline_parent is None:
            if rtype in _CHILD_TYPES:
                self._declared.add(key)
            specs = INLINE_CHILDREN.get(rtype)
            if specs:
                self._add_inline_children(key, resource, specs)

    def _add_inline_children(self, parent_key: str, parent: Resource,
                             specs: tuple[tuple[str, str], ...]) -> None:
        properties = parent.properties
        parent_id = parent.id.rstrip("/")
        file, parent_line, pointer = parent.origin.file, parent.origin.line, parent.origin.pointer
        source, subscription, group = parent.source, parent.subscription_id, parent.resource_group
        resources, store = self.resources, self._store
        tag = parent.metadata.get(INPUT_KEY)
        inline_metadata = {"inline": True} if tag is None else {"inline": True, INPUT_KEY: tag}
        for array_name, child_type in specs:
            items = properties.get(array_name)
            if not isinstance(items, list):
                continue
            leaf = _leaf_type(child_type)
            rtype = normalise_type(child_type)
            by_type = self._by_type.setdefault(rtype, [])
            has_references = rtype in (_SUBNET, _PEERING)
            for index, item in enumerate(items):
                name = item.get("name") if isinstance(item, dict) else None
                if isinstance(name, Unknown):
                    # Known only at deployment: kept under its symbol (<subnetName~t>, which references
                    # built from the same parameter find) or a placeholder, never dropped.
                    symbol = name.symbol
                    name = symbol if symbol is not None and "/" not in symbol.strip("/") else \
                        f"<unknown@{getattr(item, 'line', None) or parent_line}-{index}>"
                if not isinstance(name, str) or not name:
                    continue  # not an object with a name: nothing to merge on
                child_id = f"{parent_id}/{leaf}/{name}"
                # The inline object is the child's body as it is (ARM GET bodies of sub-resources
                # look the same); the id and type live on the Resource.
                origin = Origin(file, getattr(item, "line", None) or parent_line, getattr(item, "column", None),
                                pointer + _child_pointer(array_name, index))
                child = Resource(child_id, child_type, placeholder_text(name), item, origin, source, subscription,
                                 group, dict(inline_metadata))
                via = _child_path(array_name, index)
                key = normalise_id(child_id)
                if key in resources:
                    self._add(child, (parent_key, via))
                    continue
                # The common case, inlined: a child seen for the first time.
                resources[key] = child
                by_type.append(child)
                if has_references:
                    self._index_references(key, rtype, child)
                store("child", parent_key, key, via, child_id)

    def _index_references(self, key: str, rtype: str, resource: Resource) -> None:
        body = resource.body
        properties = body.get("properties") if isinstance(body, dict) else None
        if isinstance(properties, Unknown):
            if rtype.endswith("/diagnosticsettings"):
                self._diagnostic_target(key, resource)  # its target is in its id, known without its properties
            return
        if not isinstance(properties, dict):
            properties = {}
        if rtype == _SUBNET:
            self._reference(key, "subnet-nsg", properties, "networkSecurityGroup", "properties")
            self._reference(key, "subnet-route-table", properties, "routeTable", "properties")
        elif rtype == _GATEWAY:
            self._ip_configuration_references(key, properties, "ipConfigurations", _GATEWAY_IP_REFS)
        elif rtype == _CONNECTION:
            for name, kind in _CONNECTION_REFS:
                self._reference(key, kind, properties, name, "properties")
        elif rtype == _PEERING:
            self._reference(key, "peering-remote-vnet", properties, "remoteVirtualNetwork", "properties")
        elif rtype.endswith("/diagnosticsettings"):
            self._diagnostic_target(key, resource)
        else:
            for array_name in _IP_CONFIGURATION_ARRAYS:
                if array_name in properties:
                    self._ip_configuration_references(key, properties, array_name, _OTHER_IP_REFS)
            if rtype == _PRIVATE_ENDPOINT:
                self._reference(key, "ip-configuration-subnet", properties, "subnet", "properties")

    def _put(self, kind: str, source: str, raw: Any, via: str) -> None:
        if isinstance(raw, str) and raw.strip():
            self._store(kind, source, normalise_id(raw), via, raw)
            return
        symbol = symbolic_id(raw)
        if symbol is not None:
            # Unknown before deployment, but the same id as the resource declared by the same
            # expression over the same parameters: the relation resolves to it.
            self._store(kind, source, normalise_id(symbol), via, raw)
            return
        if not isinstance(raw, Unknown):
            raw = Unknown(f"the reference at {via} is not a resource id")
        self._store(kind, source, "", via, raw)

    def _reference(self, source: str, kind: str, container: Any, name: str, path: str) -> None:
        """The ``{name}.id`` reference in ``container`` (nothing when the property is absent)."""
        if not isinstance(container, dict):
            return
        value = container.get(name)
        if value is None:
            return
        if isinstance(value, dict):
            raw = value.get("id")
            if raw is not None:
                self._put(kind, source, raw, _via(path, name, ".id"))
        else:
            self._put(kind, source, value, _via(path, name, ""))

    def _ip_configuration_references(self, source: str, properties: dict[str, Any], array_name: str,
                                     kinds: tuple[tuple[str, str], ...]) -> None:
        items = properties.get(array_name)
        if isinstance(items, Unknown):
            for _, kind in kinds:
                self._put(kind, source, items, f"properties.{array_name}")
            return
        if not isinstance(items, list):
            return
        for index, item in enumerate(items):
            if isinstance(item, Unknown):
                for _, kind in kinds:
                    self._put(kind, source, item, f"properties.{array_name}[{index}]")
                continue
            if not isinstance(item, dict):
                continue
            inner = item.get("properties")
            path = _item_path(array_name, index)
            if isinstance(inner, Unknown):
                for _, kind in kinds:
                    self._put(kind, source, inner, path)
                continue
            for name, kind in kinds:
                self._reference(source, kind, inner, name, path)

    def _diagnostic_target(self, source: str, resource: Resource) -> None:
        # Both forms carry the target before the last "/providers/": the extension resource
        # ``{target}/providers/Microsoft.Insights/diagnosticSettings/x`` and the legacy nested
        # ``{target}/providers/diagnosticSettings/...`` name.
        cut = resource.id.lower().rfind("/providers/")
        target = resource.id[:cut] if cut > 0 else ""
        if target and "/providers/" in target.lower():
            self._put("diagnostic-target", source, target, "id")
            return
        scope = resource.body.get("scope")
        if scope is not None:
            self._put("diagnostic-target", source, scope, "scope")
        elif target:
            self._put("diagnostic-target", source, target, "id")

    def _reindex_merged(self) -> None:
        """References of merged resources come from their merged body: drop the ones read from the
        first declaration, read them again, and rebuild the reverse index and the type index."""
        for key in self._merged:
            self._from[key] = [e for e in self._from.get(key, ()) if e[0] == "child"]
            resource = self.resources[key]
            self._index_references(key, normalise_type(resource.type), resource)
        self._to = defaultdict(list)
        for entries in self._from.values():
            for entry in entries:
                if entry[2]:
                    self._to[entry[2]].append(entry)
        self._by_type = {}
        for resource in self.resources.values():
            self._by_type.setdefault(normalise_type(resource.type), []).append(resource)

    def _store(self, kind: str, source: str, target: str, via: str, raw: Any) -> None:
        entry = (kind, source, target, via, raw)
        self._from[source].append(entry)
        if target:
            self._to[target].append(entry)

    def _relation(self, entry: tuple[str, str, str, str, Any]) -> Relation:
        kind, source, target, via, raw = entry
        return Relation(kind, source, target, bool(target) and target in self.resources, via, raw)

    # -- queries ----------------------------------------------------------------------------------

    def _key(self, item: Resource | str) -> str:
        if isinstance(item, str):
            return normalise_id(item)
        if isinstance(item.id, str) and item.id.strip():
            return item.key
        # Rare: a resource kept under a placeholder key because its id is not known.
        return next((k for k, r in self.resources.items() if r is item), "")

    @property
    def relations(self) -> list[Relation]:
        """Every relation, grouped by referring resource."""
        return [self._relation(entry) for entries in self._from.values() for entry in entries]

    def key_of(self, resource_id: str) -> str:
        """The key of an id string (:func:`normalise_id`), without normalising an id written as one
        of the graph's resources was."""
        key = self._exact.get(resource_id)
        return key if key is not None else normalise_id(resource_id)

    def get(self, ref: Any) -> Resource | None:
        """The resource for an id string or an ``{"id": ...}`` object; None for Unknown, None or
        anything not in the graph."""
        if ref.__class__ is str:
            key = self._exact.get(ref)
            if key is not None:
                return self.resources.get(key)
        key = _ref_key(ref)
        return self.resources.get(key) if key is not None else None

    def of_type(self, resource_type: str) -> list[Resource]:
        """Resources of one type (compared case-insensitively), in input order."""
        return list(self._by_type.get(normalise_type(resource_type), ()))

    def relations_from(self, source: Resource | str, kind: str | None = None) -> list[Relation]:
        entries = self._from.get(self._key(source), ())
        return [self._relation(e) for e in entries if kind is None or e[0] == kind]

    def relations_to(self, target: Resource | str, kind: str | None = None) -> list[Relation]:
        entries = self._to.get(self._key(target), ())
        return [self._relation(e) for e in entries if kind is None or e[0] == kind]

    def children(self, parent: Resource | str, child_type: str | None = None) -> list[Resource]:
        """Child resources (inline or separate), in input order, optionally of one type only."""
        out = []
        for entry in self._from.get(self._key(parent), ()):
            if entry[0] != "child":
                continue
            child = self.resources.get(entry[2])
            if child is not None and (child_type is None or same_type(child.type, child_type)):
                out.append(child)
        return out

    def parent(self, child: Resource | str) -> Resource | None:
        for entry in self._to.get(self._key(child), ()):
            if entry[0] == "child":
                return self.resources.get(entry[1])
        return None

    # -- output -----------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """Resources (id, type, name, source, where defined) and relations; never resource bodies,
        so no secret can reach this output."""
        resources = []
        for resource in self.resources.values():
            entry: dict[str, Any] = {
                "id": resource.id, "type": resource.type, "name": resource.name,
                "source": resource.source, "inline": bool(resource.metadata.get("inline")),
                "origins": [_origin_json(o) for o in _origins(resource)],
            }
            if resource.metadata.get("conflicts"):
                entry["conflicts"] = list(resource.metadata["conflicts"])
            resources.append(entry)
        relations = [{
            "kind": r.kind, "source": r.source, "target": r.target, "resolved": r.resolved, "via": r.via,
            "unknown": r.target_raw.reason if isinstance(r.target_raw, Unknown) else None,
        } for r in self.relations]
        return {
            "resources": resources,
            "relations": relations,
            "summary": {
                "resources": len(resources),
                "relations": len(relations),
                "unresolved": sum(1 for r in relations if r["target"] and not r["resolved"]),
                "unknown": sum(1 for r in relations if not r["target"]),
            },
        }

    def table_rows(self) -> list[list[str]]:
        """One row per resource, in input order, with the columns of :data:`TABLE_HEADERS`: its
        name path, type, location and its outgoing relations, one per line."""
        rows: list[list[str]] = []
        for key, resource in self.resources.items():
            location = resource.body.get("location") if isinstance(resource.body, dict) else None
            lines = [self._relation_text(self._relation(entry)) for entry in self._from.get(key, ())]
            rows.append([_name_path(str(resource.id)), str(resource.type),
                         location if isinstance(location, str) else "", "\n".join(lines)])
        return rows

    def _relation_text(self, relation: Relation) -> str:
        if relation.resolved:
            return f"{relation.kind} -> {placeholder_text(_type_and_names(str(self.resources[relation.target].id)))}"
        if isinstance(relation.target_raw, Unknown):
            return f"{relation.kind} -> {relation.target_raw}"
        return f"{relation.kind} -> {_type_and_names(str(relation.target_raw))} (not in inputs)"


_GATEWAY_IP_REFS = (("subnet", "gateway-subnet"), ("publicIPAddress", "gateway-public-ip"))
_OTHER_IP_REFS = (("subnet", "ip-configuration-subnet"),)


def _parent_id(resource_id: str, resource_type: str) -> str | None:
    """The parent of a child resource id: the id without its last type/name pair. Falls back to
    :func:`parse_resource_id` when the id does not end the plain way."""
    head, _, _ = resource_id.rstrip("/").rpartition("/")
    parent, _, segment = head.rpartition("/")
    if parent and segment.lower() == resource_type.rsplit("/", 1)[-1]:
        return parent
    parent_id = parse_resource_id(resource_id).get("parent")
    return parent_id if isinstance(parent_id, str) else None


@functools.lru_cache(maxsize=4096)
def _via(path: str, name: str, suffix: str) -> str:
    # Property paths repeat across resources: one shared string each instead of one per relation.
    return f"{path}.{name}{suffix}"


@functools.lru_cache(maxsize=4096)
def _child_path(array_name: str, index: int) -> str:
    return f"properties.{array_name}[{index}]"


@functools.lru_cache(maxsize=4096)
def _child_pointer(array_name: str, index: int) -> str:
    return f"/properties/{array_name}/{index}"


@functools.lru_cache(maxsize=4096)
def _item_path(array_name: str, index: int) -> str:
    return f"properties.{array_name}[{index}].properties"


def _origin_json(origin: Origin) -> dict[str, Any]:
    return {"file": origin.file, "line": origin.line, "pointer": origin.pointer}


def _after_providers(resource_id: str) -> str | None:
    cut = resource_id.lower().rfind("/providers/")
    return resource_id[cut + len("/providers/"):] if cut >= 0 else None


def _name_path(resource_id: str) -> str:
    """``vnet-hub/GatewaySubnet`` for a subnet id: the names after the last provider namespace."""
    tail = _after_providers(resource_id)
    if tail is None:
        return resource_id
    return "/".join(tail.split("/")[2::2]) or resource_id


def _type_and_names(resource_id: str) -> str:
    """``virtualNetworks/vnet-hub/subnets/GatewaySubnet``: the id without scope and namespace."""
    tail = _after_providers(resource_id)
    return tail.split("/", 1)[-1] if tail else resource_id


