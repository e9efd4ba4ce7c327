"""Markdown summary for $GITHUB_STEP_SUMMARY, pull-request comments and pipeline summaries: the verdict,
counts per severity, failures and unknowns with rule links, the rest folded away."""

from __future__ import annotations

from collections.abc import Sequence

from checker.report.escape import markdown_code, markdown_text
from checker.report.gate import GateOutcome
from checker.report.json_report import (
    expired_waivers,
    help_uris,
    location_text,
    not_evaluated,
    overall_result,
    safe_text,
    severity_counts,
    sorted_results,
    status_counts,
)
from checker.report.mermaid import site_flowcharts
from checker.report.model import Report, Result
from checker.vocabulary import SEVERITIES

MAX_ROWS = 200  # PR comments stop at 65,536 characters
_VERDICT = {"pass": "✅ PASS", "fail": "❌ FAIL", "error": "⛔ ERROR"}


def cell(text: object) -> str:
    """Text safe inside a table cell or list item: one line, no pipes, no raw HTML (``<secret>`` stays
    visible), no link, image, mention or emphasis, no control character."""
    return markdown_text(safe_text(text))


def _code(text: object) -> str:
    """An inline code span (links, images and mentions are not recognised inside one)."""
    return markdown_code(safe_text(text))


def _results_table(results: Sequence[Result], urls: dict[str, str]) -> list[str]:
    lines = ["| Status | Severity | Rule | Resource | Location | Message |",
             "|---|---|---|---|---|---|"]
    for r in results[:MAX_ROWS]:
        status = r.status + (" (baseline)" if r.baseline == "existing" else "") + (" (context)" if r.context else "")
        message = cell(r.message)
        if r.status == "unknown" and r.unknown_reasons:
            message += "<br>Unknown: " + cell("; ".join(safe_text(x) for x in r.unknown_reasons))
        if r.suppression is not None:
            verb = "expired" if r.suppression.expired else "until"
            message += f"<br>Waiver {verb} {r.suppression.expires}: {cell(r.suppression.reason)}"
        rule = f"[{r.rule}]({urls[r.rule]})" if urls.get(r.rule) else r.rule
        lines.append(f"| {status} | {r.severity} | {rule} | "
                     f"{_code(r.resource.name)} | {_code(location_text(r))} | {message} |")
    if len(results) > MAX_ROWS:
        lines.append(f"\n{len(results) - MAX_ROWS} more not shown: see the JSON or SARIF report.")
    return lines


def _folded(title: str, results: Sequence[Result], urls: dict[str, str]) -> list[str]:
    if not results:
        return []
    return ["", f"<details><summary>{title} ({len(results)})</summary>", "",
            *_results_table(results, urls), "", "</details>"]


def render_markdown(report: Report, *, gate: GateOutcome | None = None, docs_url: str | None = None) -> str:
    urls = help_uris(report, docs_url)
    verdict = overall_result(report, gate)
    counts = status_counts(report.results)
    heading = f"## hybrid-check: {_VERDICT[verdict]}"
    if gate is not None:
        heading += f" (exit {gate.exit_code})"
    lines = [heading, ""]
    summary = (f"{len(report.results)} results: {counts['fail']} failed, {counts['unknown']} unknown, "
               f"{counts['suppressed']} suppressed, {counts['pass']} passed, "
               f"{counts['not-applicable']} not applicable")
    apart = sum(1 for r in report.results if r.context and r.status in ("fail", "unknown"))
    if apart:
        summary += f" ({apart} failed or unknown only about `--context` resources, marked `(context)`)"
    if report.errors:
        summary += f"; **{len(report.errors)} input error(s)**"
    lines.append(summary + ".")
    if gate is not None:
        lines += ["", f"Gate: fail on **{gate.fail_on}** and above, unknown results: **{gate.unknown}**."]
        lines += [f"- {cell(reason)}" for reason in gate.reasons]
    failures, unknowns = severity_counts(report.results, "fail"), severity_counts(report.results, "unknown")
    lines += ["", "| Severity | Failed | Unknown |", "|---|---:|---:|"]
    lines += [f"| {s} | {failures[s]} | {unknowns[s]} |" for s in SEVERITIES]

    ordered = sorted_results(report.results)
    attention = [r for r in ordered if r.status in ("fail", "unknown")]
    if attention:
        lines += ["", "### Failures and unknowns", "", *_results_table(attention, urls)]
    expired = expired_waivers(report.results)
    if expired:
        lines += ["", f"⚠️ {len(expired)} waiver(s) expired; those findings count again."]
    if report.errors:
        lines += ["", "### Input errors", ""]
        lines += [f"- {_code(error.file + (f':{error.line}' if error.line else ''))}: {cell(error.message)}"
                  + (f" ({cell(error.hint)})" if error.hint else "") for error in report.errors]
    scopes = not_evaluated(report)
    if scopes:
        lines += ["", "### Not evaluated", ""]
        lines += [f"- {_code(item.scope)}: {cell(item.code)}: {cell(item.message)}" for item in scopes]
    if report.sites:
        lines += ["", "### Sites", "", "| Site | Pattern | Result |", "|---|---|---|"]
        for site in report.sites:
            pattern = ", ".join(site.patterns) or (site.pattern or "none")
            lines.append(f"| {cell(site.name)} | {cell(pattern)} ({site.pattern_source}) | {site.result} |")
    lines += site_flowcharts(report)
    lines += _folded("Suppressed", [r for r in ordered if r.status == "suppressed"], urls)
    lines += _folded("Fixed since the baseline", list(report.fixed), urls)
    lines += _folded("Passed", [r for r in ordered if r.status == "pass"], urls)
    lines += _folded("Not applicable", [r for r in ordered if r.status == "not-applicable"], urls)
    if report.notices:
        lines += ["", f"<details><summary>Notices ({len(report.notices)})</summary>", ""]
        lines += [f"- {_code(n.file + (f':{n.line}' if n.line else ''))}: {cell(n.message)}"
                  for n in report.notices]
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"
