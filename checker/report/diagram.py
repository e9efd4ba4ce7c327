"""Site diagrams as SVG, laid out here (no Graphviz, no scripts): on the left the on-premises ends
(local network gateways, circuits), in the middle the hub VNet with its GatewaySubnet and gateways, on
the right the spokes. Every box and line carries the worst result of its resources: failing is red,
thick and solid with a "× FAIL" marker, unknown is grey and dashed with "? UNKNOWN", passing is plain.
Rule ids are in each element's ``<title>`` (hover) and listed under the diagram. The same input always
gives the same picture; beyond ``MAX_BRANCHES`` ends per column the rest is one "+N more" box."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from checker.model import normalise_id
from checker.report.json_report import safe_text
from checker.report.model import Report, Result
from checker.report.topology import ONPREM_KINDS, SPOKE_KINDS, Element, Link, SiteTopology

MAX_BRANCHES = 8  # ends drawn per column before the rest are grouped
MAX_FINDING_LINES = 12
WIDTH = 1100
LEFT_X, LEFT_W = 10, 280
HUB_X, HUB_W = 440, 280
GW_X, GW_W = 455, 250
RIGHT_X, RIGHT_W = 830, 260
TOP = 34
GAP = 12
LINE_H = 14
CHAR_W = 6.2  # average advance of the 11 px sans-serif font, to cut long lines
BOLD_W = 7.4  # the same for bold text (names, markers)

# status -> (stroke, stroke width, dash, fill, marker); the marker and the line style say the same as
# the colour, so the picture reads in grey scale and to colour-blind readers
STYLES: dict[str, tuple[str, float, str, str, str]] = {
    "fail": ("#b00020", 3.0, "", "#fdecea", "× FAIL"),
    "unknown": ("#666666", 2.0, "6 4", "#f0f0f0", "? UNKNOWN"),
    "suppressed": ("#333333", 1.5, "2 3", "#ffffff", "waived"),
    "pass": ("#333333", 1.0, "", "#ffffff", "ok"),
    "none": ("#999999", 1.0, "", "#ffffff", ""),
}
RANK = {"fail": 4, "unknown": 3, "suppressed": 2, "pass": 1, "none": 0}
KIND_LABELS = {"local-gateway": "local network gateway", "circuit": "ExpressRoute circuit",
               "remote-gateway": "remote gateway", "unknown-end": "unknown end", "vnet": "hub VNet",
               "gateway-subnet": "GatewaySubnet", "gateway": "gateway", "spoke": "peered VNet",
               "group": "grouped"}

CSS = """
.hc-diagram { font-family: "DejaVu Sans", Arial, Helvetica, sans-serif; }
.hc-diagram text { font-size: 11px; fill: #111; }
.hc-diagram .name { font-weight: bold; }
.hc-diagram .marker { font-weight: bold; }
.hc-diagram .label { font-size: 10px; }
.hc-diagram .caption { font-size: 14px; font-weight: bold; }
.hc-diagram .column { font-size: 11px; fill: #555; }
"""


@dataclass(frozen=True)
class Verdict:
    status: str  # fail | unknown | suppressed | pass | none
    failing: tuple[str, ...] = ()  # rule ids
    unknown: tuple[str, ...] = ()
    other: tuple[str, ...] = ()


def results_by_resource(results: Iterable[Result]) -> dict[str, list[Result]]:
    out: dict[str, list[Result]] = {}
    keys: dict[str, str] = {}  # several results share a resource: normalise each id once
    for result in results:
        written = result.resource.id
        key = keys.get(written)
        if key is None:
            key = keys[written] = normalise_id(written)
        out.setdefault(key, []).append(result)
    return out


def verdict(resources: Iterable[str], by_resource: Mapping[str, list[Result]]) -> Verdict:
    """The worst result over these resources, with the rule ids behind it."""
    results = [r for key in resources for r in by_resource.get(key, ())]
    statuses = [r.status for r in results if r.status in RANK]
    status = max(statuses, key=RANK.__getitem__, default="none")
    failing = sorted({r.rule for r in results if r.status == "fail"})
    unknown = sorted({r.rule for r in results if r.status == "unknown"})
    other = sorted({r.rule for r in results if r.status == "suppressed"})
    return Verdict(status, tuple(failing), tuple(unknown), tuple(other))


def _merge(verdicts: Sequence[Verdict]) -> Verdict:
    status = max((v.status for v in verdicts), key=RANK.__getitem__, default="none")
    return Verdict(status, tuple(sorted({r for v in verdicts for r in v.failing})),
                   tuple(sorted({r for v in verdicts for r in v.unknown})),
                   tuple(sorted({r for v in verdicts for r in v.other})))


def _cut(text: str, width: float, char_w: float = CHAR_W) -> str:
    limit = max(4, int(width / char_w))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _t(value: str) -> str:
    return escape(safe_text(value))


def _title(lines: Iterable[str]) -> str:
    return "<title>" + _t("\n".join(line for line in lines if line)) + "</title>"


def _verdict_lines(v: Verdict) -> list[str]:
    lines = []
    if v.failing:
        lines.append("FAIL: " + ", ".join(v.failing))
    if v.unknown:
        lines.append("UNKNOWN: " + ", ".join(v.unknown))
    if v.other:
        lines.append("waived: " + ", ".join(v.other))
    if v.status == "pass":
        lines.append("all checks pass")
    return lines


def _style(status: str) -> str:
    stroke, width, dash, _, _ = STYLES[status]
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    return f'stroke="{stroke}" stroke-width="{width}"{dash_attr}'


def _rules_attr(v: Verdict) -> str:
    return f' data-status="{v.status}" data-rules={quoteattr(" ".join(v.failing + v.unknown))}'


@dataclass
class _Box:
    element: Element
    verdict: Verdict
    x: float
    y: float
    w: float
    lines: tuple[str, ...]
    hidden: tuple[Element, ...] = ()  # for a "+N more" box: the elements it stands for

    @property
    def h(self) -> float:
        return 22 + LINE_H * len(self.lines)

    @property
    def mid_y(self) -> float:
        return self.y + self.h / 2


def _box_svg(box: _Box) -> str:
    v = box.verdict
    stroke_style = _style(v.status)
    fill = STYLES[v.status][3]
    marker = STYLES[v.status][4]
    e = box.element
    title = [f"{KIND_LABELS.get(e.kind, e.kind)}: {e.name}", *e.details, *_verdict_lines(v)]
    if box.hidden:
        title += ["", *(f"{KIND_LABELS.get(h.kind, h.kind)} {h.name}" for h in box.hidden)]
    parts = [f'<g class="element {e.kind}"{_rules_attr(v)} data-name={quoteattr(safe_text(e.name))}>',
             _title(title),
             f'<rect x="{box.x}" y="{box.y}" width="{box.w}" height="{box.h}" rx="4" fill="{fill}" '
             f'{stroke_style}/>']
    name_room = box.w - 12 - (len(marker) * BOLD_W + 8 if marker else 0)
    parts.append(f'<text class="name" x="{box.x + 6}" y="{box.y + 15}">{_t(_cut(e.name, name_room, BOLD_W))}</text>')
    if marker:
        parts.append(f'<text class="marker" x="{box.x + box.w - 6}" y="{box.y + 15}" text-anchor="end">'
                     f'{_t(marker)}</text>')
    for n, line in enumerate(box.lines):
        parts.append(f'<text x="{box.x + 6}" y="{box.y + 30 + n * LINE_H}">{_t(_cut(line, box.w - 12))}</text>')
    parts.append("</g>")
    return "".join(parts)


def _order(elements: list[Element], verdicts: Mapping[str, Verdict]) -> list[Element]:
    """Worst first, then by kind and name: failing ends are never the ones grouped away."""
    return sorted(elements, key=lambda e: (-RANK[verdicts[e.key].status], e.kind, e.name.lower(), e.key))


def _column(elements: list[Element], verdicts: Mapping[str, Verdict], x: float, w: float, y: float,
            extra: Mapping[str, tuple[str, ...]] | None = None) -> tuple[list[_Box], _Box | None, float]:
    boxes: list[_Box] = []
    ordered = _order(elements, verdicts)
    shown = ordered if len(ordered) <= MAX_BRANCHES else ordered[: MAX_BRANCHES - 1]
    for element in shown:
        lines = (*element.details[:3], *((extra or {}).get(element.key, ())))
        box = _Box(element, verdicts[element.key], x, y, w, lines)
        boxes.append(box)
        y += box.h + GAP
    group = None
    rest = ordered[len(shown):]
    if rest:
        merged = _merge([verdicts[e.key] for e in rest])
        kinds = sorted({KIND_LABELS.get(e.kind, e.kind) for e in rest})
        element = Element(f"+{x}", "group", f"+{len(rest)} more", (", ".join(kinds),))
        failing = sum(1 for e in rest if verdicts[e.key].status == "fail")
        unknown = sum(1 for e in rest if verdicts[e.key].status == "unknown")
        group = _Box(element, merged, x, y, w, (", ".join(kinds), f"{failing} failing, {unknown} unknown"),
                     hidden=tuple(rest))
        y += group.h + GAP
    return boxes, group, y


def _line(x1: float, y1: float, x2: float, y2: float, v: Verdict, title: list[str], label: str,
          name: str, offset: int, bow: bool = False) -> str:
    marker = {"fail": "× ", "unknown": "? "}.get(v.status, "")
    parts = [f'<g class="link"{_rules_attr(v)} data-name={quoteattr(safe_text(name))}>', _title(title)]
    if bow:  # both ends in one column (two gateways outside any site): a bow on their right
        x2 = x1
        parts.append(f'<path d="M {x1} {y1} C {x1 + 50} {y1} {x1 + 50} {y2} {x2} {y2}" fill="none" '
                     f'{_style(v.status)}/>')
        label = ""
    else:
        parts.append(f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" {_style(v.status)}/>')
    if label:
        # the label sits on the on-premises end, one row per line that ends at the same box
        parts.append(f'<text class="label" x="{x1 + 6}" y="{y1 - 4 + offset * 12}">'
                     f'{_t(_cut(marker + label, GW_X - LEFT_X - LEFT_W - 14))}</text>')
    parts.append("</g>")
    return "".join(parts)


def render_site_svg(topology: SiteTopology, by_resource: Mapping[str, list[Result]]) -> str:
    """One site's diagram as a standalone ``<svg>`` element (no XML declaration)."""
    verdicts = {e.key: verdict(e.resources, by_resource) for e in topology.elements}
    link_verdicts = {link.key: verdict(link.resources, by_resource) for link in topology.links}
    onprem = topology.of_kind(*ONPREM_KINDS)
    spokes = topology.of_kind(*SPOKE_KINDS)
    vnet = next(iter(topology.of_kind("vnet")), None)
    subnet = next(iter(topology.of_kind("gateway-subnet")), None)
    gateways = topology.of_kind("gateway")
    peering_labels = {link.target: link.label for link in topology.links if link.kind == "peering"}

    body: list[str] = []
    # middle: the hub VNet holding its GatewaySubnet and gateways
    y: float = TOP + 20
    hub_boxes: list[_Box] = []
    inner_x, inner_w = (GW_X, GW_W) if vnet else (HUB_X, HUB_W)
    inner_y: float = y + (22 + LINE_H * min(2, len(vnet.details)) + 6 if vnet else 0)
    if subnet is not None:
        hub_boxes.append(_Box(subnet, verdicts[subnet.key], inner_x, inner_y, inner_w, subnet.details[:2]))
        inner_y += hub_boxes[-1].h + GAP
    gateway_boxes, gateway_group, inner_y = _column(gateways, verdicts, inner_x, inner_w, inner_y)
    hub_boxes += gateway_boxes + ([gateway_group] if gateway_group else [])
    hub_bottom = inner_y
    if vnet is not None:
        v = verdicts[vnet.key]
        height = max(hub_bottom - y + 4, 60)
        title = [f"hub VNet: {vnet.name}", *vnet.details, f"pattern: {topology.pattern or 'none'}",
                 *_verdict_lines(v)]
        marker = STYLES[v.status][4]
        body.append(f'<g class="element vnet"{_rules_attr(v)} data-name={quoteattr(safe_text(vnet.name))}>'
                    f'{_title(title)}<rect x="{HUB_X}" y="{y}" width="{HUB_W}" height="{height}" rx="6" '
                    f'fill="#f7fbff" {_style(v.status)}/>'
                    f'<text class="name" x="{HUB_X + 8}" y="{y + 15}">'
                    f'{_t(_cut("VNet " + vnet.name, HUB_W - 24 - len(marker) * BOLD_W, BOLD_W))}</text>'
                    + (f'<text class="marker" x="{HUB_X + HUB_W - 8}" y="{y + 15}" text-anchor="end">'
                       f'{_t(marker)}</text>' if marker else "")
                    + "".join(f'<text x="{HUB_X + 8}" y="{y + 30 + n * LINE_H}">{_t(_cut(d, HUB_W - 16))}</text>'
                              for n, d in enumerate(vnet.details[:2]))
                    + "</g>")
        hub_bottom = y + height
    body += [_box_svg(b) for b in hub_boxes]

    left_boxes, left_group, left_bottom = _column(onprem, verdicts, LEFT_X, LEFT_W, TOP + 20)
    right_boxes, right_group, right_bottom = _column(spokes, verdicts, RIGHT_X, RIGHT_W, TOP + 20,
                                                     peering_labels)
    placed = {b.element.key: b for b in [*left_boxes, *right_boxes, *hub_boxes]}
    grouped = {e.key: group for group in (left_group, right_group, gateway_group) if group
               for e in group.hidden}

    # connections: gateway (left edge) to the on-premises end (right edge)
    lines: list[str] = []
    per_target: dict[str, int] = {}
    group_links: dict[tuple[str, str], list[Link]] = {}
    for link in sorted(topology.links, key=lambda item: (item.kind, item.name.lower(), item.key)):
        if link.kind != "connection":
            continue
        source = placed.get(link.source) or grouped.get(link.source)
        target = placed.get(link.target) or grouped.get(link.target)
        if source is None or target is None:
            continue
        if source.hidden or target.hidden:
            group_links.setdefault((source.element.key, target.element.key), []).append(link)
            continue
        n = per_target.get(link.target, 0)
        per_target[link.target] = n + 1
        v = link_verdicts[link.key]
        title = [f"connection: {link.name}", *link.label, *_verdict_lines(v)]
        lines.append(_line(target.x + target.w, target.mid_y, source.x, source.mid_y, v, title,
                           ", ".join(link.label), link.name, n, bow=abs(target.x - source.x) < 1))
    groups = {g.element.key: g for g in (left_group, right_group, gateway_group) if g}
    for (source_key, target_key), links in sorted(group_links.items()):
        src = placed.get(source_key) or groups[source_key]
        tgt = placed.get(target_key) or groups[target_key]
        v = _merge([link_verdicts[link.key] for link in links])
        count = f"{len(links)} connection" + ("s" if len(links) > 1 else "")
        title = [count, *(link.name for link in links[:50]), *_verdict_lines(v)]
        lines.append(_line(tgt.x + tgt.w, tgt.mid_y, src.x, src.mid_y, v, title, count, count, 0,
                           bow=abs(tgt.x - src.x) < 1))
    # peerings: hub VNet (right edge) to the spoke (left edge)
    hub_top = TOP + 20
    for link in sorted(topology.links, key=lambda item: item.key):
        if link.kind != "peering":
            continue
        spoke = placed.get(link.target)
        if spoke is None or link.target in grouped:
            continue
        v = link_verdicts[link.key]
        y1 = min(max(spoke.mid_y, hub_top + 10), hub_bottom - 10)
        title = [f"peering: {link.name}", *link.label, *_verdict_lines(v)]
        lines.append(_line(spoke.x, spoke.mid_y, HUB_X + HUB_W, y1, v, title, "", link.name, 0))
    if right_group is not None:
        v = right_group.verdict
        lines.append(_line(right_group.x, right_group.mid_y, HUB_X + HUB_W,
                           min(max(right_group.mid_y, hub_top + 10), hub_bottom - 10), v,
                           [f"{len(right_group.hidden)} more peerings", *_verdict_lines(v)], "",
                           "grouped peerings", 0))
    body += [_box_svg(b) for b in left_boxes + right_boxes]
    body += [_box_svg(g) for g in (left_group, right_group) if g]

    bottom: float = max(left_bottom, right_bottom, hub_bottom + GAP, TOP + 60)
    findings = _findings_text(topology, verdicts, link_verdicts, bottom + 6)
    height = bottom + 10 + LINE_H * len(findings[1]) + 10
    caption = topology.name + (f" ({topology.pattern})" if topology.pattern else "")
    header = [f'<text class="caption" x="{LEFT_X}" y="18">{_t(_cut(caption, WIDTH / 1.3))}</text>',
              f'<text class="column" x="{LEFT_X}" y="{TOP + 10}">on-premises side</text>',
              f'<text class="column" x="{HUB_X}" y="{TOP + 10}">'
              f'{("hub" if gateways else "site VNet") if vnet is not None else "gateways"}</text>',
              f'<text class="column" x="{RIGHT_X}" y="{TOP + 10}">spokes (peerings)</text>']
    label = f"Site diagram of {topology.name}"
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="hc-diagram" role="img" width="{WIDTH}" '
            f'height="{int(height)}" viewBox="0 0 {WIDTH} {int(height)}" aria-label={quoteattr(safe_text(label))}>'
            f'{_title([label])}{"".join(header)}{"".join(lines)}{"".join(body)}{findings[0]}</svg>')


def _findings_text(topology: SiteTopology, verdicts: Mapping[str, Verdict], link_verdicts: Mapping[str, Verdict],
                   y: float) -> tuple[str, list[str]]:
    """The failing and unknown elements with their rule ids, as text under the diagram: readable
    without hovering and in a printed or rendered picture."""
    rows = []
    items = [(e.kind, e.name, verdicts[e.key]) for e in topology.elements] + \
            [(link.kind, link.name, link_verdicts[link.key]) for link in topology.links if link.kind != "peering"]
    for kind, name, v in sorted(items, key=lambda i: (-RANK[i[2].status], i[0], i[1].lower())):
        if v.status == "fail":
            rows.append(f"× FAIL  {KIND_LABELS.get(kind, kind)} {name}: {', '.join(v.failing)}")
        elif v.status == "unknown":
            rows.append(f"? UNKNOWN  {KIND_LABELS.get(kind, kind)} {name}: {', '.join(v.unknown)}")
    if len(rows) > MAX_FINDING_LINES:
        rows = rows[: MAX_FINDING_LINES - 1] + [f"+{len(rows) - MAX_FINDING_LINES + 1} more in the findings"]
    if not rows:
        rows = ["no failing or unknown element"]
    svg = "".join(f'<text class="finding" x="{LEFT_X}" y="{y + 12 + n * LINE_H}">{_t(_cut(row, WIDTH - 20))}</text>'
                  for n, row in enumerate(rows))
    return svg, rows


def legend_svg() -> str:
    """The legend: what the line styles, colours and markers mean."""
    items = [("fail", "failing: red, thick solid, × FAIL"), ("unknown", "unknown: grey, dashed, ? UNKNOWN"),
             ("suppressed", "waived: dotted"), ("pass", "passing: plain, ok"), ("none", "no rule applies")]
    parts = []
    x = 10
    for status, text in items:
        fill = STYLES[status][3]
        parts.append(f'<rect x="{x}" y="8" width="28" height="16" rx="3" fill="{fill}" {_style(status)}/>'
                     f'<text x="{x + 34}" y="20">{_t(text)}</text>')
        x += 40 + int(len(text) * CHAR_W) + 14
    parts.append(f'<text x="10" y="44">Rule ids: hover an element (SVG title), or read the list under each '
                 f'diagram. "+N more" boxes group ends beyond {MAX_BRANCHES - 1}.</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="hc-diagram legend" role="img" width="{WIDTH}" '
            f'height="54" viewBox="0 0 {WIDTH} 54" aria-label="Legend">{_title(["Legend"])}{"".join(parts)}</svg>')


def site_diagrams(report: Report) -> list[tuple[SiteTopology, str]]:
    by_resource = results_by_resource(report.results)
    return [(topology, render_site_svg(topology, by_resource)) for topology in report.topology]


def render_svg(report: Report) -> str:
    """Every site's diagram stacked in one SVG document, legend on top (``graph --format svg``)."""
    y = 0
    parts = []
    for svg in [legend_svg(), *(svg for _, svg in site_diagrams(report))]:
        height = int(svg.split('height="', 1)[1].split('"', 1)[0])
        parts.append(f'<g transform="translate(0,{y})">{svg}</g>')
        y += height + 16
    if len(parts) == 1:
        parts.append(f'<text x="10" y="{y + 14}">No sites and no gateways, connections, local network gateways '
                     'or circuits in the inputs.</text>')
        y += 30
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{y}" viewBox="0 0 {WIDTH} {y}">'
            f'<style>{CSS}</style>{"".join(parts)}</svg>\n')
