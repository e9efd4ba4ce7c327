"""The HTML report: one self-contained page (inline CSS and SVG, no scripts, nothing fetched) with the
verdict, the summary by severity, each site's diagram above its findings, then the resources outside
any site, the waivers, the unknowns and the input errors. Every text is escaped."""

from __future__ import annotations

import html
from collections.abc import Sequence

from checker.model import normalise_id
from checker.report.diagram import CSS as DIAGRAM_CSS
from checker.report.diagram import legend_svg, site_diagrams
from checker.report.gate import GateOutcome
from checker.report.json_report import (
    expired_waivers,
    location_text,
    not_evaluated,
    overall_result,
    safe_text,
    severity_counts,
    sorted_results,
    status_counts,
)
from checker.report.model import SEVERITIES, Report, Result

MAX_ROWS = 500  # per table; the JSON and SARIF reports hold everything
MAX_PASSED_ROWS = 100
_VERDICT = {"pass": "PASS", "fail": "FAIL", "error": "ERROR"}
_MARK = {"fail": "× fail", "unknown": "? unknown", "suppressed": "waived", "pass": "ok",
         "not-applicable": "n/a"}

CSS = """
body { font-family: "DejaVu Sans", Arial, Helvetica, sans-serif; margin: 1.5em; color: #111; background: #fff; }
h1 { font-size: 1.5em; } h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ccc; }
h3 { font-size: 1.05em; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.85em; }
th, td { border: 1px solid #bbb; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #eee; }
.verdict-fail, .status-fail { color: #b00020; font-weight: bold; }
.verdict-error { color: #b00020; font-weight: bold; }
.status-unknown { color: #555; font-style: italic; }
.verdict-pass { color: #1b5e20; font-weight: bold; }
.note { color: #444; font-size: 0.9em; }
.diagram { overflow-x: auto; }
code { font-size: 0.95em; }
""" + DIAGRAM_CSS


def _e(value: object) -> str:
    return html.escape(safe_text(value), quote=True)


def _table(results: Sequence[Result], titles: dict[str, str], limit: int = MAX_ROWS) -> list[str]:
    if not results:
        return ['<p class="note">No findings.</p>']
    out = ["<table>", "<tr><th>Status</th><th>Severity</th><th>Rule</th><th>Resource</th><th>Location</th>"
           "<th>Message</th></tr>"]
    for r in results[:limit]:
        message = _e(r.message)
        if r.status == "unknown" and r.unknown_reasons:
            message += "<br>Unknown: " + _e("; ".join(safe_text(x) for x in r.unknown_reasons))
        if r.suppression is not None:
            verb = "expired" if r.suppression.expired else "until"
            message += f"<br>Waiver {verb} {_e(r.suppression.expires)}: {_e(r.suppression.reason)}"
        if r.status == "fail" and r.remediation:
            message += "<br>Fix: " + _e(r.remediation)
        rule = f'<span title="{_e(titles.get(r.rule, ""))}">{_e(r.rule)}</span>'
        mark = _MARK.get(r.status, r.status) + (" (context)" if r.context else "")
        if r.context:
            message += "<br>Context only: this resource is only in a --context file; not gating unless --gate-context"
        out.append(f'<tr><td class="status-{_e(r.status)}">{_e(mark)}</td>'
                   f"<td>{_e(r.severity)}</td><td>{rule}</td><td><code>{_e(r.resource.name)}</code></td>"
                   f"<td><code>{_e(location_text(r))}</code></td><td>{message}</td></tr>")
    out.append("</table>")
    if len(results) > limit:
        out.append(f'<p class="note">{len(results) - limit} more not shown: see the JSON or SARIF report.</p>')
    return out


def _findings(results: Sequence[Result], titles: dict[str, str]) -> list[str]:
    attention = [r for r in results if r.status in ("fail", "unknown", "suppressed")]
    passed = [r for r in results if r.status in ("pass", "not-applicable")]
    out = [*_table(attention, titles)] if attention else ['<p class="note">No failing, unknown or waived findings.</p>']
    if passed:
        out += [f"<details><summary>Passed and not applicable ({len(passed)})</summary>", *_table(passed, titles, MAX_PASSED_ROWS),
                "</details>"]
    return out


def render_html(report: Report, *, gate: GateOutcome | None = None) -> str:
    titles = {rule.id: rule.title for rule in report.rules}
    verdict = overall_result(report, gate)
    counts = status_counts(report.results)
    ordered = sorted_results(report.results)
    out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{_e(report.tool_name)} report: {_VERDICT[verdict]}</title>", f"<style>{CSS}</style>",
           "</head>", "<body>",
           f'<h1>{_e(report.tool_name)}: <span class="verdict-{verdict}">{_VERDICT[verdict]}</span>'
           + (f" (exit {gate.exit_code})" if gate is not None else "") + "</h1>"]
    summary = (f"{len(report.results)} results: {counts['fail']} failed, {counts['unknown']} unknown, "
               f"{counts['suppressed']} waived, {counts['pass']} passed, {counts['not-applicable']} not applicable")
    if report.errors:
        summary += f"; {len(report.errors)} input error(s)"
    out.append(f"<p>{_e(summary)}. Version {_e(report.tool_version)}.</p>")
    if gate is not None:
        out.append(f"<p>Gate: fail on <b>{_e(gate.fail_on)}</b> and above, unknown results: "
                   f"<b>{_e(gate.unknown)}</b>.</p>")
        if gate.reasons:
            out += ["<ul>", *(f"<li>{_e(reason)}</li>" for reason in gate.reasons), "</ul>"]
    failures, unknowns = severity_counts(report.results, "fail"), severity_counts(report.results, "unknown")
    waived = severity_counts(report.results, "suppressed")
    out += ["<h2>Summary by severity</h2>", "<table>",
            "<tr><th>Severity</th><th>Failed</th><th>Unknown</th><th>Waived</th></tr>",
            *(f"<tr><td>{s}</td><td>{failures[s]}</td><td>{unknowns[s]}</td><td>{waived[s]}</td></tr>"
              for s in SEVERITIES), "</table>"]
    if report.inputs:
        shown = report.inputs[:20]
        more = f" and {len(report.inputs) - 20} more" if len(report.inputs) > 20 else ""
        out.append(f'<p class="note">Inputs: {", ".join(f"<code>{_e(i)}</code>" for i in shown)}{_e(more)}.</p>')

    by_site: dict[str | None, list[Result]] = {}
    for result in ordered:
        by_site.setdefault(normalise_id(result.site) if result.site else None, []).append(result)
    sites = {normalise_id(site.id): site for site in report.sites}
    diagrams = site_diagrams(report)
    drawn = {topology.site_id for topology, _ in diagrams}
    if diagrams:
        out += ['<h2>Legend</h2>', f'<div class="diagram">{legend_svg()}</div>']
    for topology, svg in diagrams:
        if topology.site_id is None:
            continue
        site = sites.get(topology.site_id)
        verdict_text = site.result if site else ""
        source = f", {site.pattern_source}" if site else ""
        out += [f'<section id="site-{_e(topology.name)}">',
                f'<h2>Site {_e(topology.name)} ({_e(topology.pattern or "no pattern")}{_e(source)}): '
                f'<span class="status-{_e(verdict_text)}">{_e(verdict_text)}</span></h2>']
        if site and site.notes:
            out += ["<ul>", *(f'<li class="note">{_e(note)}</li>' for note in site.notes), "</ul>"]
        out += [f'<div class="diagram">{svg}</div>', "<h3>Findings</h3>",
                *_findings(by_site.get(topology.site_id, []), titles), "</section>"]
    outside = [r for key, results in by_site.items() if key is None or key not in drawn for r in results]
    outside_diagram = next((svg for topology, svg in diagrams if topology.site_id is None), None)
    if outside or outside_diagram:
        out += ['<section id="outside">', "<h2>Outside any site</h2>"]
        if outside_diagram:
            out.append(f'<div class="diagram">{outside_diagram}</div>')
        out += ["<h3>Findings</h3>", *_findings(outside, titles), "</section>"]

    suppressed = [r for r in ordered if r.status == "suppressed"]
    expired = expired_waivers(report.results)
    out.append("<h2>Waivers</h2>")
    if suppressed or expired:
        out += ["<table>", "<tr><th>Rule</th><th>Resource</th><th>Status</th><th>Expires</th><th>Source</th>"
                "<th>Reason</th></tr>"]
        for r in [*suppressed, *expired][:MAX_ROWS]:
            s = r.suppression
            state = "expired (counts again)" if s and s.expired else "applied"
            out.append(f"<tr><td>{_e(r.rule)}</td><td><code>{_e(r.resource.name)}</code></td><td>{state}</td>"
                       f"<td>{_e(s.expires if s else '')}</td><td>{_e(s.source if s else '')}</td>"
                       f"<td>{_e(s.reason if s else '')}</td></tr>")
        out.append("</table>")
    else:
        out.append('<p class="note">No waiver applied.</p>')
    unknown = [r for r in ordered if r.status == "unknown"]
    out.append(f"<h2>Unknowns ({len(unknown)})</h2>")
    if unknown:
        out += ["<table>", "<tr><th>Rule</th><th>Resource</th><th>Why it is not known</th></tr>"]
        out += [f"<tr><td>{_e(r.rule)}</td><td><code>{_e(r.resource.name)}</code></td>"
                f"<td>{_e('; '.join(safe_text(x) for x in r.unknown_reasons) or r.message)}</td></tr>"
                for r in unknown[:MAX_ROWS]]
        out.append("</table>")
    else:
        out.append('<p class="note">Every result is known.</p>')
    if report.errors:
        out += ["<h2>Input errors</h2>", "<ul>"]
        out += [f"<li><code>{_e(e.file + (f':{e.line}' if e.line else ''))}</code>: {_e(e.message)}"
                + (f" ({_e(e.hint)})" if e.hint else "") + "</li>" for e in report.errors]
        out.append("</ul>")
    scopes = not_evaluated(report)
    if scopes:
        out += ["<h2>Not evaluated</h2>", "<ul>"]
        out += [f"<li><code>{_e(s.scope)}</code>: {_e(s.code)}: {_e(s.message)}</li>" for s in scopes]
        out.append("</ul>")
    if report.notices:
        out += [f"<details><summary>Notices ({len(report.notices)})</summary>", "<ul>"]
        out += [f"<li><code>{_e(n.file + (f':{n.line}' if n.line else ''))}</code>: {_e(n.message)}</li>"
                for n in report.notices]
        out += ["</ul>", "</details>"]
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"
