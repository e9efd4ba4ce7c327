"""The registry of subject fields: every field a view emits is declared and every declared field is
emitted; the loader rejects a field path or placeholder a subject does not declare; the field tables
of docs/subjects.md are generated from the registry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from test_hub_spoke import route_server, spoke_alone
from test_rules import (
    _vnet2vnet_only,
    connection,
    edit,
    failover_site,
    find,
    hub_spoke_site,
    live,
    lng,
    peering,
    vnet,
    vpn_site,
)

from checker import api
from checker.graph import Graph
from checker.model import Resource
from checker.patterns import DeclaredPatterns
from checker.policy.loader import load_policies, policy_files
from checker.views import SUBJECT_KINDS, build_subjects
from checker.views import docs as subject_docs
from checker.views.registry import ENVELOPE

REPO = Path(__file__).resolve().parents[1]


def _live_estate() -> list[Resource]:
    resources = live(failover_site() + [vnet("spoke1", ["10.1.0.0/16"]),
                                        peering("spoke1", "s", "hub", useRemoteGateways=True)])
    for key, value in (("connectionStatus", "Connected"), ("provisioningState", "Succeeded"),
                       ("tunnelConnectionStatus", [{"tunnel": "t1", "connectionStatus": "Connected"}])):
        edit(resources, "conn-s2s", f"properties.{key}", value)
    for key in ("serviceProviderProvisioningState", "circuitProvisioningState", "provisioningState"):
        edit(resources, "er-ams", f"properties.{key}", "Provisioned")
    edit(resources, "gw-vpn", "properties.provisioningState", "Succeeded")
    edit(resources, "spoke1/s", "properties.peeringState", "Connected")
    edit(resources, "spoke1/s", "properties.peeringSyncLevel", "FullyInSync")
    return resources


def _estates() -> list[list[Resource]]:
    fixtures = api.read([REPO / "fixtures"]).resources
    fqdn = edit([lng("onprem-fqdn")], "onprem-fqdn", "properties.fqdn", "vpn.example.com")
    return [fixtures, hub_spoke_site(), failover_site(), _live_estate(), spoke_alone(useRemoteGateways=True),
            _vnet2vnet_only(),
            vpn_site() + route_server("hub") + fqdn + [connection("c-fqdn", "gw-vpn", local="onprem-fqdn")]]


def _emitted() -> dict[str, dict[str, set[str]]]:
    """kind -> top-level field -> the keys seen inside it (for objects and arrays of objects)."""
    seen: dict[str, dict[str, set[str]]] = {}
    for resources in _estates():
        for subject in build_subjects(Graph(resources), DeclaredPatterns())[1]:
            fields = seen.setdefault(subject.kind, {})
            for key, value in subject.data.items():
                if value is None:  # a null fact is an absent one (the conditions read it so)
                    continue
                inner = fields.setdefault(key, set())
                items: list[Any] = value if isinstance(value, list) else [value]
                for item in items:
                    if isinstance(item, dict):
                        inner.update(k for k, v in item.items() if v is not None)
    return seen


def test_every_emitted_field_is_declared_and_every_declared_field_is_emitted() -> None:
    emitted = _emitted()
    assert set(emitted) == set(SUBJECT_KINDS)
    for kind, schema in SUBJECT_KINDS.items():
        fields = emitted[kind]
        undeclared = sorted(k for k in fields if k not in schema.by_key and not (schema.envelope and k in ENVELOPE))
        assert undeclared == [], f"{kind}: emitted but not declared in checker/views/fields.py"
        never = sorted(k for k in schema.by_key if k not in fields)
        assert never == [], f"{kind}: declared but never emitted"
        for key, row in schema.by_key.items():
            if row.parts:
                extra = sorted(fields[key] - set(row.parts) - {"displayName"})
                assert extra == [], f"{kind}.{key}: parts emitted but not declared"


def test_a_field_the_subject_does_not_declare_is_a_load_error_with_a_suggestion(tmp_path: Path) -> None:
    (tmp_path / "X-TYPO.yaml").write_text(
        "id: X-TYPO\ntitle: t\nseverity: low\npatterns: [vpn]\nsubject: gateway\ndescription: d\n"
        "then:\n  field: tunnelHeadrom\n  greaterOrEquals: 0\n"
        "message: \"{displayName}: {tunnelHeadroom} left, {bgp.asnn}\"\nremediation: r\n")
    policies, errors = load_policies([tmp_path], SUBJECT_KINDS)
    assert policies == []
    texts = [(e.line, e.message, e.hint) for e in errors]
    assert (8, "then.field: subject 'gateway' has no field 'tunnelHeadrom'", "did you mean 'tunnelHeadroom'?") in texts
    assert (10, "message: placeholder '{bgp.asnn}': field 'bgp' of subject 'gateway' has no part 'asnn'",
            "did you mean 'asn'?") in texts
    # without the registry (a plain list of kinds) the loader checks the kind only
    assert load_policies([tmp_path], tuple(SUBJECT_KINDS))[1] == []


def test_the_bundled_policies_only_read_declared_fields() -> None:
    policies, errors = load_policies([REPO / "policies"], SUBJECT_KINDS)
    assert errors == [] and len(policies) == len(policy_files(REPO / "policies")) > 0


def test_the_field_tables_of_subjects_md_are_generated_from_the_registry(tmp_path: Path) -> None:
    text = subject_docs.DOC.read_text(encoding="utf-8")
    assert subject_docs.render_doc(text, SUBJECT_KINDS) == text
    assert subject_docs.main(["--check"]) == 0
    stale = text.replace("| `tunnelCount` |", "| `tunnelCount` (edited by hand) |")
    assert subject_docs.render_doc(stale, SUBJECT_KINDS) == text
    row = next(r for r in SUBJECT_KINDS["gateway"].fields if "tunnelCount" in r.names)
    assert f"| `tunnelCount` | {row.type}, may be unknown | {row.doc} |" in text
    assert find(vpn_site(), "gw-vpn") is not None
