"""A Mermaid flowchart per site for the markdown report (GitHub pull-request comments and job
summaries, Azure DevOps wikis render it): the same topology and the same marks as the SVG diagram
(failing: red, thick, "× FAIL" and the rule ids in the label; unknown: dashed, "? UNKNOWN")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from checker.report.diagram import MAX_BRANCHES, RANK, Verdict, _merge, _order, results_by_resource, verdict
from checker.report.json_report import safe_text
from checker.report.model import Report, Result
from checker.report.topology import ONPREM_KINDS, SPOKE_KINDS, Element, SiteTopology

MAX_SITES = 10  # a pull-request comment stops at 65,536 characters
_CLASSES = ["classDef fail stroke:#b00020,stroke-width:3px,fill:#fdecea,color:#111",
            "classDef unknown stroke:#666,stroke-width:2px,stroke-dasharray:5 5,fill:#f0f0f0,color:#111"]
_LINK_STYLE = {"fail": "stroke:#b00020,stroke-width:3px", "unknown": "stroke:#666,stroke-width:2px,stroke-dasharray:5 5"}


def label(text: str) -> str:
    """Text inside a quoted Mermaid label: quotes, angle brackets, ampersands, hashes and backticks
    as Mermaid entity codes, so no name can close the label, inject HTML or end the code fence."""
    text = " ".join(safe_text(text).split())
    out = []
    for char in text:
        if char == "#":
            out.append("#35;")
        elif char in "\"<>&`|{}[]()":
            out.append(f"#{ord(char)};")
        else:
            out.append(char)
    return "".join(out)


def _markdown_text(text: str) -> str:
    """A name in markdown text: no HTML, no emphasis or link syntax."""
    text = " ".join(safe_text(text).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return "".join("\\" + c if c in "\\`*_[]|#" else c for c in text)


def _mark(v: Verdict) -> str:
    if v.status == "fail":
        return "× FAIL: " + ", ".join(v.failing)
    if v.status == "unknown":
        return "? UNKNOWN: " + ", ".join(v.unknown)
    return ""


def _node(node_id: str, name: str, details: Sequence[str], v: Verdict) -> str:
    lines = [label(name), *(label(d) for d in details[:2])]
    mark = _mark(v)
    if mark:
        lines.append(label(mark))
    return f'{node_id}["{"<br/>".join(lines)}"]'


def site_flowchart(topology: SiteTopology, by_resource: Mapping[str, list[Result]]) -> list[str]:
    verdicts = {e.key: verdict(e.resources, by_resource) for e in topology.elements}
    ids: dict[str, str] = {}
    out = ["```mermaid", "flowchart LR"]
    classes: dict[str, list[str]] = {}

    def column(title: str, cid: str, elements: list[Element]) -> None:
        if not elements:
            return
        out.append(f'  subgraph {cid}["{label(title)}"]')
        ordered = _order(elements, verdicts)
        shown = ordered if len(ordered) <= MAX_BRANCHES else ordered[: MAX_BRANCHES - 1]
        for element in shown:
            node_id = ids[element.key] = f"n{len(ids)}"
            out.append("    " + _node(node_id, element.name, element.details, verdicts[element.key]))
            if verdicts[element.key].status in ("fail", "unknown"):
                classes.setdefault(verdicts[element.key].status, []).append(node_id)
        rest = ordered[len(shown):]
        if rest:
            node_id = f"n{len(ids)}"
            merged = _merge([verdicts[e.key] for e in rest])
            failing = sum(1 for e in rest if verdicts[e.key].status == "fail")
            for element in rest:
                ids[element.key] = node_id
            out.append("    " + _node(node_id, f"+{len(rest)} more", [f"{failing} failing"], merged))
            if merged.status in ("fail", "unknown"):
                classes.setdefault(merged.status, []).append(node_id)
        out.append("  end")

    column("on-premises side", "onprem", topology.of_kind(*ONPREM_KINDS))
    vnet = next(iter(topology.of_kind("vnet")), None)
    hub_title = f"VNet {vnet.name} {_mark(verdicts[vnet.key])}".strip() if vnet else "gateways"
    hub_elements = topology.of_kind("gateway-subnet", "gateway")
    column(hub_title, "hub", hub_elements)
    if vnet is not None:
        ids[vnet.key] = "hub"
        if verdicts[vnet.key].status in ("fail", "unknown"):
            classes.setdefault(verdicts[vnet.key].status, []).append("hub")
    column("spokes", "spokes", topology.of_kind(*SPOKE_KINDS))

    edges: dict[tuple[str, str], list[Verdict]] = {}
    texts: dict[tuple[str, str], str] = {}
    for link in sorted(topology.links, key=lambda item: item.key):
        source, target = ids.get(link.source), ids.get(link.target)
        if source is None or target is None:
            continue
        pair = (target, source) if link.kind == "connection" else (source, target)
        edges.setdefault(pair, []).append(verdict(link.resources, by_resource))
        texts[pair] = ", ".join(link.label) if link.kind == "connection" else "peering"
    styles = []
    for n, (pair, verdicts_of_pair) in enumerate(edges.items()):
        v = _merge(verdicts_of_pair)
        text = texts[pair] if len(verdicts_of_pair) == 1 else f"{len(verdicts_of_pair)} links"
        mark = {"fail": "× ", "unknown": "? "}.get(v.status, "")
        arrow = "-.-" if v.status == "unknown" else ("===" if v.status == "fail" else "---")
        out.append(f'  {pair[0]} {arrow}|"{label(mark + text)}"| {pair[1]}')
        if v.status in _LINK_STYLE:
            styles.append(f"  linkStyle {n} {_LINK_STYLE[v.status]}")
    out += [f"  {c}" for c in _CLASSES]
    out += [f"  class {','.join(nodes)} {status}" for status, nodes in sorted(classes.items())]
    out += styles
    out.append("```")
    return out


def site_flowcharts(report: Report) -> list[str]:
    """Markdown lines: a heading and a flowchart per site (worst sites first beyond MAX_SITES)."""
    topologies = list(report.topology)
    if not topologies:
        return []
    by_resource = results_by_resource(report.results)
    shown = topologies
    if len(topologies) > MAX_SITES:
        shown = sorted(topologies, key=lambda t: -RANK[_merge(
            [verdict(e.resources, by_resource) for e in t.elements]).status])[:MAX_SITES]
    lines = ["", "### Site diagrams", ""]
    for topology in shown:
        title = topology.name + (f" ({topology.pattern})" if topology.pattern else "")
        lines += [f"**{_markdown_text(title)}**", "", *site_flowchart(topology, by_resource), ""]
    if len(topologies) > len(shown):
        lines.append(f"{len(topologies) - len(shown)} more sites not drawn: see the HTML report.")
    return lines
