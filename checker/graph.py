"""The resource graph: every resource by normalised id, inline children turned into resources, and the
references between resources (gateway -> subnet, connection -> circuit...) resolved once."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from checker.model import (
    Origin,
    Resource,
    Unknown,
    normalise_id,
    normalise_type,
    parse_resource_id,
    same_type,
)

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
TABLE_HEADERS: tuple[str, ...] = ("resource", "relation", "target", "status", "via")

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

_GATEWAY = "microsoft.network/virtualnetworkgateways"
_CONNECTION = "microsoft.network/connections"
_SUBNET = "microsoft.network/virtualnetworks/subnets"
_PEERING = "microsoft.network/virtualnetworks/virtualnetworkpeerings"
_PRIVATE_ENDPOINT = "microsoft.network/privateendpoints"
_CONNECTION_REFS = (
    ("virtualNetworkGateway1", "connection-gateway1"),
    ("virtualNetworkGateway2", "connection-gateway2"),
    ("localNetworkGateway2", "connection-local-gateway"),
    ("peer", "connection-peer"),
)
# Arrays of ip configurations whose ``properties.subnet.id`` places another resource in a subnet.
_IP_CONFIGURATION_ARRAYS = ("ipConfigurations", "frontendIPConfigurations", "gatewayIPConfigurations")


@dataclass(frozen=True)
class Relation:
    """One reference from a resource to another, found at the property path ``via``."""

    kind: str  # one of RELATION_KINDS
    source: str  # normalised id of the referring resource
    target: str  # normalised id referenced ("" when the reference is Unknown)
    resolved: bool  # True when the target is in the graph
    via: str  # property path, e.g. "properties.ipConfigurations[0].properties.subnet.id"
    target_raw: Any  # the reference as written (a string id, or an Unknown)


def _leaf_type(resource_type: str) -> str:
    return resource_type.rsplit("/", 1)[-1]


def _copy_object(value: dict[str, Any]) -> dict[str, Any]:
    """A shallow copy that keeps a decoded object's class and position (``JsonObject``)."""
    copy = value.copy()
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
    if isinstance(ref, dict):
        ref = ref.get("id")
    if isinstance(ref, str) and ref.strip():
        return normalise_id(ref)
    return None


class Graph:
    """All resources of a scan by normalised id, with their relations indexed both ways.

    Inline children (``properties.subnets[]`` and the like) become resources of their child type
    with ``metadata["inline"] = True``; a child declared inline and as a separate resource is one
    resource whose separate declaration wins property by property (``metadata["origins"]`` keeps
    both places, ``metadata["conflicts"]`` the properties written differently). A later duplicate
    of the same id is merged the same way. References to resources not in the inputs are kept as
    relations with ``resolved=False``; references that are :class:`Unknown` have ``target == ""``.
    Views read children from the graph, not from the parent's inline arrays.
    """

    def __init__(self, resources: Iterable[Resource]) -> None:
        self.resources: dict[str, Resource] = {}
        self._inline_paths: dict[str, str] = {}
        self._declared: set[str] = set()  # keys declared as separate resources (not only inline)
        for resource in resources:
            self._add(resource, inline_path=None)
        self._by_type: dict[str, list[Resource]] = {}
        for resource in self.resources.values():
            self._by_type.setdefault(normalise_type(resource.type), []).append(resource)
        self._from: dict[str, list[Relation]] = {}
        self._to: dict[str, list[Relation]] = {}
        self.relations: list[Relation] = []
        for key, resource in self.resources.items():
            for relation in self._relations_of(key, resource):
                self.relations.append(relation)
                self._from.setdefault(relation.source, []).append(relation)
                if relation.target:
                    self._to.setdefault(relation.target, []).append(relation)

    # -- building ---------------------------------------------------------------------------------

    def _add(self, resource: Resource, inline_path: str | None) -> None:
        key = normalise_id(resource.id)
        existing = self.resources.get(key)
        if existing is None:
            self.resources[key] = resource
        elif inline_path is not None and key in self._declared:
            # A separate declaration wins over an inline one whatever their order in the inputs.
            self.resources[key] = _merge(resource, existing)
        else:
            self.resources[key] = _merge(existing, resource)
        if inline_path is None:
            self._declared.add(key)
        if inline_path is not None and key not in self._inline_paths:
            self._inline_paths[key] = inline_path
        if inline_path is None:
            self._add_inline_children(resource)

    def _add_inline_children(self, parent: Resource) -> None:
        specs = INLINE_CHILDREN.get(normalise_type(parent.type))
        if not specs:
            return
        properties = parent.properties
        for array_name, child_type in specs:
            items = properties.get(array_name)
            if not isinstance(items, list):
                continue
            leaf = _leaf_type(child_type)
            for index, item in enumerate(items):
                name = item.get("name") if isinstance(item, dict) else None
                if not isinstance(name, str) or not name:
                    continue  # an inline child without a known name has no id to merge on
                path = f"properties.{array_name}[{index}]"
                pointer = f"{parent.origin.pointer}/properties/{array_name}/{index}"
                body = _copy_object(item)
                child_id = f"{parent.id.rstrip('/')}/{leaf}/{name}"
                body["id"] = child_id
                body.setdefault("type", child_type)
                origin = Origin(file=parent.origin.file, line=getattr(item, "line", None) or parent.origin.line,
                                column=getattr(item, "column", None), pointer=pointer)
                child = Resource(
                    id=child_id, type=child_type, name=name, body=body, origin=origin,
                    source=parent.source, subscription_id=parent.subscription_id,
                    resource_group=parent.resource_group, metadata={"inline": True},
                )
                self._add(child, inline_path=path)

    def _relations_of(self, key: str, resource: Resource) -> Iterator[Relation]:
        rtype = normalise_type(resource.type)
        if rtype.count("/") >= 2:
            parent_id = parse_resource_id(resource.id).get("parent")
            if parent_id:
                yield Relation("child", normalise_id(parent_id), key, True,
                               self._inline_paths.get(key, "id"), resource.id)
        properties = resource.properties
        if rtype == _SUBNET:
            yield from self._refs(key, "subnet-nsg", properties, "networkSecurityGroup", "properties")
            yield from self._refs(key, "subnet-route-table", properties, "routeTable", "properties")
        elif rtype == _GATEWAY:
            yield from self._ip_configuration_refs(key, properties, "ipConfigurations",
                                                   {"subnet": "gateway-subnet",
                                                    "publicIPAddress": "gateway-public-ip"})
        elif rtype == _CONNECTION:
            for name, kind in _CONNECTION_REFS:
                yield from self._refs(key, kind, properties, name, "properties")
        elif rtype == _PEERING:
            yield from self._refs(key, "peering-remote-vnet", properties, "remoteVirtualNetwork", "properties")
        elif rtype.endswith("/diagnosticsettings"):
            yield from self._diagnostic_target(key, resource)
        else:
            for array_name in _IP_CONFIGURATION_ARRAYS:
                if array_name in properties:
                    yield from self._ip_configuration_refs(key, properties, array_name,
                                                           {"subnet": "ip-configuration-subnet"})
            if rtype == _PRIVATE_ENDPOINT:
                yield from self._refs(key, "ip-configuration-subnet", properties, "subnet", "properties")

    def _relation(self, kind: str, source: str, raw: Any, via: str) -> Relation:
        if isinstance(raw, str) and raw.strip():
            target = normalise_id(raw)
            return Relation(kind, source, target, target in self.resources, via, raw)
        if not isinstance(raw, Unknown):
            raw = Unknown(f"the reference at {via} is not a resource id")
        return Relation(kind, source, "", False, via, raw)

    def _refs(self, source: str, kind: str, container: Any, name: str, path: str) -> Iterator[Relation]:
        """The ``{name}.id`` reference in ``container`` (nothing when the property is absent)."""
        if not isinstance(container, dict):
            return
        value = container.get(name)
        via = f"{path}.{name}"
        if value is None:
            return
        if isinstance(value, dict):
            raw = value.get("id")
            if raw is None:
                return
            yield self._relation(kind, source, raw, via + ".id")
        else:
            yield self._relation(kind, source, value, via)

    def _ip_configuration_refs(self, source: str, properties: dict[str, Any], array_name: str,
                               kinds: dict[str, str]) -> Iterator[Relation]:
        items = properties.get(array_name)
        path = f"properties.{array_name}"
        if isinstance(items, Unknown):
            for kind in kinds.values():
                yield self._relation(kind, source, items, path)
            return
        if not isinstance(items, list):
            return
        for index, item in enumerate(items):
            item_path = f"{path}[{index}]"
            if isinstance(item, Unknown):
                for kind in kinds.values():
                    yield self._relation(kind, source, item, item_path)
                continue
            if not isinstance(item, dict):
                continue
            inner = item.get("properties")
            if isinstance(inner, Unknown):
                for kind in kinds.values():
                    yield self._relation(kind, source, inner, item_path + ".properties")
                continue
            for name, kind in kinds.items():
                yield from self._refs(source, kind, inner, name, item_path + ".properties")

    def _diagnostic_target(self, key: str, resource: Resource) -> Iterator[Relation]:
        # Both forms carry the target before the last "/providers/": the extension resource
        # ``{target}/providers/Microsoft.Insights/diagnosticSettings/x`` and the legacy nested
        # ``{target}/providers/diagnosticSettings/...`` name.
        cut = resource.id.lower().rfind("/providers/")
        target = resource.id[:cut] if cut > 0 else ""
        if target and "/providers/" in target.lower():
            yield self._relation("diagnostic-target", key, target, "id")
            return
        scope = resource.body.get("scope")
        if scope is not None:
            yield self._relation("diagnostic-target", key, scope, "scope")
        elif target:
            yield self._relation("diagnostic-target", key, target, "id")

    # -- queries ----------------------------------------------------------------------------------

    @staticmethod
    def _key(item: Resource | str) -> str:
        return item.key if isinstance(item, Resource) else normalise_id(item)

    def get(self, ref: Any) -> Resource | None:
        """The resource for an id string or an ``{"id": ...}`` object; None for Unknown, None or
        anything not in the graph."""
        key = _ref_key(ref)
        return self.resources.get(key) if key is not None else None

    def of_type(self, resource_type: str) -> list[Resource]:
        return list(self._by_type.get(normalise_type(resource_type), ()))

    def relations_from(self, source: Resource | str, kind: str | None = None) -> list[Relation]:
        found = self._from.get(self._key(source), [])
        return [r for r in found if kind is None or r.kind == kind]

    def relations_to(self, target: Resource | str, kind: str | None = None) -> list[Relation]:
        found = self._to.get(self._key(target), [])
        return [r for r in found if kind is None or r.kind == kind]

    def children(self, parent: Resource | str, child_type: str | None = None) -> list[Resource]:
        out = []
        for relation in self.relations_from(parent, "child"):
            child = self.resources.get(relation.target)
            if child is not None and (child_type is None or same_type(child.type, child_type)):
                out.append(child)
        return out

    def parent(self, child: Resource | str) -> Resource | None:
        for relation in self.relations_to(child, "child"):
            return self.resources.get(relation.source)
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
                "unresolved": sum(1 for r in self.relations if r.target and not r.resolved),
                "unknown": sum(1 for r in self.relations if not r.target),
            },
        }

    def table_rows(self) -> list[list[str]]:
        """One row per relation (columns :data:`TABLE_HEADERS`), plus one row for each resource
        that has no relation at all, in input order."""
        rows: list[list[str]] = []
        for key, resource in self.resources.items():
            outgoing = self._from.get(key, [])
            if not outgoing and key not in self._to:
                rows.append([_short_id(resource.id), "-", "", "", ""])
            for relation in outgoing:
                rows.append([_short_id(resource.id), relation.kind, _target_text(relation),
                             _status(relation), relation.via])
        return rows


def _origin_json(origin: Origin) -> dict[str, Any]:
    return {"file": origin.file, "line": origin.line, "pointer": origin.pointer}


def _short_id(resource_id: str) -> str:
    """The id from its provider namespace on (what a reader scans for), the whole id otherwise."""
    cut = resource_id.lower().find("/providers/")
    return resource_id[cut + len("/providers/"):] if cut >= 0 else resource_id


def _target_text(relation: Relation) -> str:
    if isinstance(relation.target_raw, Unknown):
        return str(relation.target_raw)
    return _short_id(str(relation.target_raw))


def _status(relation: Relation) -> str:
    if not relation.target:
        return "unknown"
    return "resolved" if relation.resolved else "not in inputs"

