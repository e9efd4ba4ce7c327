"""The subjects policies see: one view per gateway, GatewaySubnet, connection, local network gateway,
circuit, peering, BGP ASN and site, each in its own module over one read-only ``Index`` of the graph
(docs/subjects.md)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from checker.gcpause import collector_paused
from checker.graph import Graph
from checker.model import EvaluationCrash, Resource, Secret, equals_ci
from checker.patterns import DeclaredPatterns, SiteInfo, detect_sites
from checker.subject import Subject
from checker.views.bgp_asn import asn_subjects
from checker.views.circuit import circuit_subject
from checker.views.connection import connection_subject, secret_identity
from checker.views.gateway import gateway_subject
from checker.views.gateway_subnet import gateway_subnet_subject
from checker.views.index import Index
from checker.views.local_gateway import local_gateway_subject
from checker.views.peering import peering_subject
from checker.views.readers import CIRCUIT, GATEWAY_SUBNET, LNG, SUBNET, display_name
from checker.views.registry import KindSchema, schemas
from checker.views.site import site_subject

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["build_subjects", "display_name", "SiteInfo", "DeclaredPatterns", "SUBJECT_KINDS"]

#: Every subject kind the views produce, with its declared fields (docs/subjects.md); policies name
#: one of them, and the policy loader checks their field paths against it.
SUBJECT_KINDS: Mapping[str, KindSchema] = MappingProxyType(schemas())


def build_subjects(graph: Graph, declared: DeclaredPatterns) -> tuple[list[SiteInfo], list[Subject]]:
    """Sites (with their patterns) and every subject the policies are evaluated on. An exception
    inside a view is a bug: it raises :class:`EvaluationCrash` naming the view and the resource."""
    with collector_paused():  # many small acyclic objects: see checker/gcpause.py
        return _build_subjects(graph, declared)


def _build_subjects(graph: Graph, declared: DeclaredPatterns) -> tuple[list[SiteInfo], list[Subject]]:
    sites = detect_sites(graph, declared)
    ix = Index(graph, sites)
    subjects: list[Subject] = [_view(gateway_subject, ix, gateway) for gateway in ix.gateways]
    for subnet in graph.of_type(SUBNET):
        if equals_ci(subnet.name.rsplit("/", 1)[-1], GATEWAY_SUBNET):
            subjects.append(_view(gateway_subnet_subject, ix, subnet))
    groups: dict[str, list[Resource]] = {}
    for connection in ix.connections:
        key = connection.properties.get("sharedKey")
        if isinstance(key, Secret):
            groups.setdefault(secret_identity(key), []).append(connection)
    subjects.extend(_view(connection_subject, ix, connection, groups) for connection in ix.connections)
    subjects.extend(_view(local_gateway_subject, ix, lng) for lng in graph.of_type(LNG))
    subjects.extend(_view(circuit_subject, ix, circuit) for circuit in graph.of_type(CIRCUIT))
    subjects.extend(_view(peering_subject, ix, peering) for peering in ix.peerings)
    try:
        subjects.extend(asn_subjects(ix))
    except Exception as error:
        raise EvaluationCrash(error, view=asn_subjects.__name__, resource="(every BGP ASN)") from error
    subjects.extend(_view(site_subject, ix, site) for site in ix.sites)
    return sites, subjects


def _view(build: Callable[..., Subject], ix: Index, item: Resource | SiteInfo, *rest: Any) -> Subject:
    """``build(ix, item, *rest)``; an exception names the view and the resource (or site)."""
    try:
        return build(ix, item, *rest)
    except Exception as error:
        raise EvaluationCrash(error, view=build.__name__, resource=_resource_id(item)) from error


def _resource_id(item: Resource | SiteInfo) -> str:
    return item.id if isinstance(item, Resource) else item.vnet.id
