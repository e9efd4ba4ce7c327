"""The terminal report: results grouped by site and pattern, failures first, one line per result,
then input errors, notices and a summary line."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import IO, Any

from tabulate import tabulate

from checker.report.escape import terminal_text
from checker.report.gate import GateOutcome
from checker.report.json_report import (
    location_text,
    not_evaluated,
    overall_result,
    safe_text,
    sorted_results,
    status_counts,
)
from checker.report.model import Report, Result, Site

_COLOURS = {"fail": "31", "unknown": "33", "pass": "32", "suppressed": "2", "not-applicable": "2",
            "error": "31;1", "critical": "31;1", "high": "31", "medium": "33", "low": "36"}
HIDDEN_UNLESS_SHOWN = ("pass", "not-applicable")


def use_color(stream: IO[Any]) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set to a non-empty value (no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (OSError, ValueError):
        return False


def _paint(text: str, key: str, color: bool) -> str:
    code = _COLOURS.get(key)
    if not color or not code:
        return text
    return f"\x1b[{code}m{text}\x1b[0m"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _status_cell(result: Result, color: bool) -> str:
    text = result.status
    if result.baseline == "existing":
        text += " (baseline)"
    return _paint(text, result.status, color)


def _message_cell(result: Result) -> str:
    message = _one_line(safe_text(result.message))
    if result.status == "unknown" and result.unknown_reasons:
        message += " [unknown: " + "; ".join(_one_line(safe_text(r)) for r in result.unknown_reasons) + "]"
    if result.suppression is not None:
        if result.suppression.expired:
            message += f" [waiver expired {result.suppression.expires}: {_one_line(result.suppression.reason)}]"
        else:
            message += (f" [waived until {result.suppression.expires} ({result.suppression.source}): "
                        f"{_one_line(result.suppression.reason)}]")
    return message


def _site_heading(site: Site | None, results: Sequence[Result], color: bool) -> str:
    if site is None:
        return "Resources outside any site"
    if site.pattern:
        patterns = ", ".join(site.patterns) if site.patterns else site.pattern
        pattern = f"pattern {patterns} ({site.pattern_source})"
    else:
        pattern = "no pattern detected"
    heading = f"Site {site.name}: {pattern}: {_paint(site.result.upper(), site.result, color)}"
    for note in site.notes:
        heading += f"\n  note: {_one_line(safe_text(note))}"
    return heading


def _rows(results: Sequence[Result], color: bool) -> list[list[str]]:
    return [[_status_cell(r, color), r.rule, _paint(r.severity, r.severity, color),
             safe_text(r.resource.name), location_text(r), _message_cell(r)] for r in results]


#: Notice kinds counted rather than listed in the table.
QUIET_NOTICE_KINDS = frozenset({"info", "condition-false"})


def summary_line(report: Report, gate: GateOutcome | None) -> str:
    counts = status_counts(report.results)
    parts = [f"{counts[s]} {s}" for s in ("fail", "unknown", "suppressed", "pass", "not-applicable") if counts[s]]
    read = f"{len(report.inputs)} input(s)"
    if report.resource_count is not None:
        read += f", {report.resource_count} resource(s)"
    text = f"{read}, {len(report.results)} result(s)" + (": " + ", ".join(parts) if parts else "")
    if report.errors:
        text += f"; {len(report.errors)} input error(s)"
    if gate is not None:
        verdict = overall_result(report, gate).upper()
        text += (f". Gate {verdict} (exit {gate.exit_code}; fail-on {gate.fail_on}, unknown {gate.unknown})")
    else:
        text += f". Result {overall_result(report, None).upper()}"
    return text


def render_table(report: Report, *, gate: GateOutcome | None = None, show_passed: bool = False,
                 color: bool = False) -> str:
    headers = ["status", "rule", "severity", "resource", "location", "message"]
    sites = list(report.sites)
    known = {site.id.lower() for site in sites}
    groups: list[tuple[Site | None, list[Result]]] = [
        (site, [r for r in report.results if r.site and r.site.lower() == site.id.lower()]) for site in sites]
    groups.append((None, [r for r in report.results if not r.site or r.site.lower() not in known]))

    blocks: list[str] = []
    for site, results in groups:
        if site is None and not results:
            continue
        shown = [r for r in sorted_results(results) if show_passed or r.status not in HIDDEN_UNLESS_SHOWN]
        hidden = len(results) - len(shown)
        block = _site_heading(site, results, color)
        if shown:
            block += "\n" + tabulate(_rows(shown, color), headers=headers, tablefmt="simple")
        if hidden:
            block += f"\n({hidden} passed or not applicable; --show-passed lists them)"
        if not results:
            block += "\n(no results)"
        blocks.append(block)

    if report.fixed:
        blocks.append(f"Fixed since the baseline: {len(report.fixed)}\n" + "\n".join(
            f"  {r.rule} on {safe_text(r.resource.name)} ({location_text(r)})" for r in report.fixed))
    if report.errors:
        blocks.append(_paint("Input errors:", "error", color) + "\n" + "\n".join(
            f"  {safe_text(error)}" for error in report.errors))
    scopes = not_evaluated(report)
    if scopes:
        blocks.append("Not evaluated:\n" + "\n".join(
            f"  {item.scope}: {item.code}: {_one_line(safe_text(item.message))}" for item in scopes))
    # What was not read or not expanded is shown; routine notes (a false condition, a name only
    # known at deployment) are counted here and listed in the JSON report.
    listed = [n for n in report.notices if n.kind not in QUIET_NOTICE_KINDS]
    quiet = len(report.notices) - len(listed)
    if listed or quiet:
        lines = [f"  {n.file}{':' + str(n.line) if n.line else ''}: {_one_line(safe_text(n.message))}"
                 for n in listed]
        if quiet:
            lines.append(f"  ({quiet} more note(s), e.g. resources whose condition is false: --format json lists them)")
        blocks.append("Notices:\n" + "\n".join(lines))
    if gate is not None and gate.reasons:
        blocks.append("Gate:\n" + "\n".join(f"  {reason}" for reason in gate.reasons))
    blocks.append(summary_line(report, gate))
    # Names and messages come from the inputs: no terminal control reaches the screen but our colours.
    return terminal_text("\n\n".join(blocks) + "\n", keep_colours=_COLOURS.values() if color else ())
