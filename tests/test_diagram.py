"""Site diagrams (SVG), the HTML report and the Mermaid flowcharts: well-formed, complete (every
gateway, connection, circuit and local network gateway by name), failing elements carry their rule
ids, grouping keeps a 30-branch hub readable, the layout is stable, and names are escaped."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from checker import api
from checker.model import normalise_id
from checker.report.diagram import MAX_BRANCHES, render_svg
from checker.report.html import render_html
from checker.report.markdown import render_markdown
from checker.report.mermaid import label
from checker.views import display_name

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"
SVG_NS = "{http://www.w3.org/2000/svg}"
KINDS = ("Microsoft.Network/virtualNetworkGateways", "Microsoft.Network/connections",
         "Microsoft.Network/localNetworkGateways", "Microsoft.Network/expressRouteCircuits")
FIXTURE_DIRS = sorted(str(p.relative_to(FIXTURES)) for p in FIXTURES.glob("*/*") if p.is_dir())


def _svg_root(text: str) -> ET.Element:
    return ET.fromstring(text.encode("utf-8"))


def _groups(root: ET.Element) -> list[dict[str, Any]]:
    """Every element and link group: its name, rules, status and hover text."""
    out = []
    for g in root.iter(f"{SVG_NS}g"):
        if "data-name" not in g.attrib:
            continue
        title = g.find(f"{SVG_NS}title")
        out.append({"name": g.attrib["data-name"], "rules": set(g.attrib.get("data-rules", "").split()),
                    "status": g.attrib.get("data-status"), "title": title.text if title is not None else ""})
    return out


@pytest.mark.parametrize("fixture", FIXTURE_DIRS)
def test_fixture_diagrams_are_well_formed_and_name_every_hybrid_resource(fixture: str) -> None:
    report = api.scan([FIXTURES / fixture])
    text = render_svg(report)
    root = _svg_root(text)
    groups = _groups(root)
    shown = " ".join([g["name"] for g in groups] + [g["title"] or "" for g in groups])
    graph = api.build_graph(api.read([FIXTURES / fixture]).resources)
    expected = [display_name(r) for kind in KINDS for r in graph.of_type(kind)]
    assert expected, "every fixture holds gateways or connections"
    missing = [name for name in expected if name not in shown]
    assert not missing
    # one diagram per site, each with its caption
    captions = [t.text for t in root.iter(f"{SVG_NS}text") if t.attrib.get("class") == "caption"]
    for site in report.sites:
        assert any(c and c.startswith(site.name) for c in captions)


@pytest.mark.parametrize("fixture", FIXTURE_DIRS)
def test_failing_elements_carry_their_failing_rule_ids(fixture: str) -> None:
    report = api.scan([FIXTURES / fixture])
    groups = _groups(_svg_root(render_svg(report)))
    failing = [r for r in report.results if r.status == "fail" and r.resource.type in KINDS]
    for result in failing:
        holders = [g for g in groups if g["name"] == result.resource.name or result.resource.name in g["title"]]
        assert any(result.rule in g["rules"] and g["status"] == "fail" for g in holders), (
            result.rule, result.resource.name)
    # and nothing is drawn failing without a failing result behind it
    failing_rules = {r.rule for r in report.results if r.status == "fail"}
    for g in groups:
        if g["status"] == "fail":
            assert g["rules"] & failing_rules


def _branch_template(branches: int, reverse: bool = False, odd_name: str | None = None) -> dict[str, Any]:
    """A hub with a VPN gateway and ``branches`` local network gateways and IPsec connections; every
    third connection without BGP and with a weak policy, so some fail and some pass."""
    net = "Microsoft.Network"
    resources: list[dict[str, Any]] = [
        {"type": f"{net}/virtualNetworks", "apiVersion": "2023-09-01", "name": "vnet-hub", "location": "westeurope",
         "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                        "subnets": [{"name": "GatewaySubnet", "properties": {"addressPrefix": "10.0.255.0/27"}}]}},
        {"type": f"{net}/publicIPAddresses", "apiVersion": "2023-09-01", "name": "pip-gw", "location": "westeurope",
         "sku": {"name": "Standard"}, "zones": ["1", "2", "3"],
         "properties": {"publicIPAllocationMethod": "Static"}},
        {"type": f"{net}/virtualNetworkGateways", "apiVersion": "2023-09-01", "name": "vgw-hub",
         "location": "westeurope",
         "properties": {"gatewayType": "Vpn", "vpnType": "RouteBased", "sku": {"name": "VpnGw2AZ", "tier": "VpnGw2AZ"},
                        "enableBgp": True, "bgpSettings": {"asn": 65010}, "activeActive": False,
                        "ipConfigurations": [{"name": "ipconfig1", "properties": {
                            "subnet": {"id": f"[resourceId('{net}/virtualNetworks/subnets', 'vnet-hub', 'GatewaySubnet')]"},
                            "publicIPAddress": {"id": f"[resourceId('{net}/publicIPAddresses', 'pip-gw')]"}}}]}},
    ]
    for n in range(branches):
        name = odd_name if (odd_name and n == 0) else f"lgw-branch-{n:02d}"
        resources.append({"type": f"{net}/localNetworkGateways", "apiVersion": "2023-09-01", "name": name,
                          "location": "westeurope",
                          "properties": {"gatewayIpAddress": f"81.2.{n // 200}.{n % 200 + 10}",
                                         "localNetworkAddressSpace": {"addressPrefixes": [f"192.168.{n}.0/24"]},
                                         "bgpSettings": {"asn": 65100 + n, "bgpPeeringAddress": f"192.168.{n}.1"}}})
        resources.append({"type": f"{net}/connections", "apiVersion": "2023-09-01", "name": f"cn-{name}",
                          "location": "westeurope",
                          "properties": {"connectionType": "IPsec", "enableBgp": n % 3 != 0,
                                         "connectionProtocol": "IKEv2", "sharedKey": "[parameters('key')]",
                                         "virtualNetworkGateway1": {"id": f"[resourceId('{net}/virtualNetworkGateways', 'vgw-hub')]"},
                                         "localNetworkGateway2": {"id": f"[resourceId('{net}/localNetworkGateways', '{name}')]"}}})
    if reverse:
        resources.reverse()
    return {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0", "parameters": {"key": {"type": "securestring"}}, "resources": resources}


def _scan_template(tmp_path: Path, template: dict[str, Any], name: str = "hub.json") -> Any:
    path = tmp_path / name
    path.write_text(json.dumps(template), encoding="utf-8")
    return api.scan([path])


@pytest.mark.parametrize("branches", [1, 3, 30])
def test_branches_stay_readable_and_beyond_the_threshold_are_grouped(tmp_path: Path, branches: int) -> None:
    report = _scan_template(tmp_path, _branch_template(branches))
    assert not report.errors
    svg = render_svg(report)
    root = _svg_root(svg)
    groups = _groups(root)
    boxes = [g for g in groups if g["name"].startswith("lgw-branch-")]
    grouped = [g for g in groups if re.fullmatch(r"\+\d+ more", g["name"])]
    if branches <= MAX_BRANCHES:
        assert len(boxes) == branches and not grouped
    else:
        assert len(boxes) == MAX_BRANCHES - 1
        assert [g["name"] for g in grouped] == [f"+{branches - MAX_BRANCHES + 1} more"]
        # the hidden branches are named in the group's hover text
        hidden = {f"lgw-branch-{n:02d}" for n in range(branches)} - {g["name"] for g in boxes}
        assert all(name in grouped[0]["title"] for name in hidden)
    # a bounded picture whatever the number of branches
    height = int(root.attrib["height"])
    assert height < 1500
    # failing branches are drawn first: none of the grouped ones fails while a drawn one passes
    if grouped:
        drawn_status = [g["status"] for g in boxes + [g for g in groups if g["name"].startswith("cn-")]]
        assert "fail" in drawn_status or grouped[0]["status"] != "fail"


def test_layout_is_stable_for_the_same_input_in_any_order(tmp_path: Path) -> None:
    first = render_svg(_scan_template(tmp_path, _branch_template(30), "a.json"))
    again = render_svg(_scan_template(tmp_path, _branch_template(30), "a.json"))
    reversed_order = render_svg(_scan_template(tmp_path, _branch_template(30, reverse=True), "a.json"))
    assert first == again
    assert first == reversed_order


ODD = 'lgw-<b>&"quoted"-`x`|#'


def test_names_are_escaped_in_svg_html_and_mermaid(tmp_path: Path) -> None:
    report = _scan_template(tmp_path, _branch_template(3, odd_name=ODD))
    svg = render_svg(report)
    names = [g["name"] for g in _groups(_svg_root(svg))]
    assert ODD in names  # the parsed SVG gives the name back exactly
    assert "<b>" not in svg
    page = render_html(report)
    assert "<b>&" not in page and "&lt;b&gt;&amp;" in page
    for inline in re.findall(r"<svg.*?</svg>", page, flags=re.S):
        ET.fromstring(inline)
    text = render_markdown(report)
    block = text.split("```mermaid", 1)[1].split("```", 1)[0]
    assert "<b>" not in block and '"quoted"' not in block and "`" not in block
    assert label(ODD) in block


def test_html_report_is_self_contained(tmp_path: Path) -> None:
    report = api.scan([FIXTURES])
    page = render_html(report)
    assert page.startswith("<!DOCTYPE html>")
    lowered = page.lower()
    for forbidden in ("<script", "<link", "@import", "url(", "<iframe", "<img"):
        assert forbidden not in lowered
    # no attribute fetches or links anything over the network
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", lowered)
    # every site has its diagram above its findings, and the summary, waivers and unknowns are there
    for site in report.sites:
        start = page.index(f'<section id="site-{site.name}">')
        section = page[start:page.index("</section>", start)]
        assert section.index("<svg") < section.index("<h3>Findings</h3>")
    for heading in ("Summary by severity", "Waivers", "Unknowns"):
        assert f"<h2>{heading}" in page
    unknown = [r for r in report.results if r.status == "unknown"]
    assert unknown and all(r.rule in page for r in unknown)


def test_markdown_has_a_flowchart_per_site() -> None:
    report = api.scan([FIXTURES / "expressroute-vpn-failover"])
    text = render_markdown(report)
    blocks = re.findall(r"```mermaid\n(.*?)```", text, flags=re.S)
    assert len(blocks) == len(report.topology) >= 2
    for block in blocks:
        assert block.startswith("flowchart LR")
    failing = {r.rule for r in report.results if r.status == "fail"}
    assert failing and all(any(rule in b for b in blocks) for rule in failing)


def test_outside_panel_holds_what_no_site_draws(tmp_path: Path) -> None:
    template = _branch_template(2)
    # a connection whose gateway is not in the inputs: no site, drawn in the final panel
    template["resources"].append({
        "type": "Microsoft.Network/connections", "apiVersion": "2023-09-01", "name": "cn-orphan",
        "location": "westeurope",
        "properties": {"connectionType": "IPsec", "virtualNetworkGateway1": {"id": "/subscriptions/x/resourceGroups/r/"
                       "providers/Microsoft.Network/virtualNetworkGateways/vgw-elsewhere"},
                       "localNetworkGateway2": {"id": "[resourceId('Microsoft.Network/localNetworkGateways', 'lgw-branch-00')]"}}})
    report = _scan_template(tmp_path, template)
    assert [t.name for t in report.topology][-1] == "Outside any site"
    outside = report.topology[-1]
    assert {link.name for link in outside.links} == {"cn-orphan"}
    assert normalise_id("/subscriptions/x/resourceGroups/r/providers/Microsoft.Network/virtualNetworkGateways/"
                        "vgw-elsewhere") in {e.key for e in outside.elements}
    assert "cn-orphan" not in {link.name for t in report.topology[:-1] for link in t.links}


def test_cli_graph_svg_and_html_output(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    run = subprocess.run([sys.executable, "-m", "checker", "scan", str(FIXTURES / "vpn" / "compliant"),
                          "-o", f"html:{out}", "--format", "json"], capture_output=True, text=True)
    assert run.returncode in (0, 1), run.stderr
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    graph = subprocess.run([sys.executable, "-m", "checker", "graph", str(FIXTURES / "vpn" / "compliant"),
                            "--format", "svg"], capture_output=True, text=True)
    assert graph.returncode == 0, graph.stderr
    root = ET.fromstring(graph.stdout.encode("utf-8"))
    assert root.tag == f"{SVG_NS}svg"
