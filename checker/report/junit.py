"""JUnit XML for CI test views (Azure Pipelines PublishTestResults, GitHub test reporters): one
testsuite per site (or input file), one testcase per rule and resource."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field

from checker.model import normalise_id
from checker.report.escape import xml_text
from checker.report.json_report import location_text, safe_text
from checker.report.model import Report, Result
from checker.vocabulary import UNKNOWN_MODES

# Worst first: the status a testcase takes when several results share one rule and resource.
_PRECEDENCE = ("fail", "unknown", "suppressed", "pass", "not-applicable")
INPUT_ERRORS_SUITE = "input errors"


@dataclass
class _Case:
    rule: str
    resource_name: str
    file: str | None
    line: int | None
    results: list[Result] = field(default_factory=list)

    @property
    def status(self) -> str:
        statuses = {r.status for r in self.results}
        return next((s for s in _PRECEDENCE if s in statuses), "pass")


def _suite_name(result: Result, site_names: dict[str, str]) -> str:
    if result.site:
        name = site_names.get(result.site.lower())
        return f"site {name}" if name else f"site {result.site}"
    return f"file {result.location.file}" if result.location.file else "no site"


def _details(results: Sequence[Result]) -> str:
    lines = []
    for r in results:
        lines.append(f"{r.status} ({r.severity}) {safe_text(r.resource.id)} at {location_text(r) or '-'}: "
                     f"{safe_text(r.message)}")
        lines.extend(f"  unknown: {safe_text(reason)}" for reason in r.unknown_reasons)
        if r.suppression is not None:
            state = "expired" if r.suppression.expired else "until"
            lines.append(f"  waiver ({r.suppression.source}) {state} {r.suppression.expires}: "
                         f"{safe_text(r.suppression.reason)}")
        if r.baseline:
            lines.append(f"  baseline: {r.baseline}")
        if r.context:
            lines.append("  context: the resource is only in a --context file (the estate as it is)")
        if r.remediation:
            lines.append(f"  fix: {safe_text(r.remediation)}")
    return "\n".join(lines)


def _first_message(case: _Case, status: str) -> str:
    chosen = next(r for r in case.results if r.status == status)
    text = safe_text(chosen.message)
    if chosen.suppression is not None and chosen.suppression.expired:
        text += f" (waiver expired {chosen.suppression.expires})"
    return text


def _add_case(suite: ET.Element, case: _Case, unknown: str, counts: dict[str, int],
              gate_context: bool = False) -> None:
    element = ET.SubElement(suite, "testcase", {"classname": case.rule, "name": case.resource_name, "time": "0"})
    if case.file:
        element.set("file", case.file)
    if case.line:
        element.set("line", str(case.line))
    counts["tests"] += 1
    status = case.status
    severity = next(r.severity for r in case.results if r.status == status)
    details = _details(case.results)
    if status in ("fail", "unknown") and not gate_context and all(r.context for r in case.results):
        # A finding about the estate the change does not touch: visible, not failing the run.
        counts["skipped"] += 1
        ET.SubElement(element, "skipped", {"message": f"{status}, context only (not gating): "
                                                      + _first_message(case, status)})
        ET.SubElement(element, "system-out").text = details
    elif status == "fail":
        counts["failures"] += 1
        ET.SubElement(element, "failure", {"message": _first_message(case, status), "type": severity}).text = details
    elif status == "unknown" and unknown == "fail":
        counts["failures"] += 1
        ET.SubElement(element, "failure", {"message": "unknown: " + _first_message(case, status),
                                           "type": "unknown"}).text = details
    elif status == "unknown":
        # warn/pass: visible but not failing; <error> would fail the run in Azure Pipelines and GitHub
        counts["skipped"] += 1
        ET.SubElement(element, "skipped", {"message": f"unknown ({unknown}): " + _first_message(case, status)})
        ET.SubElement(element, "system-out").text = details
    elif status == "suppressed":
        counts["skipped"] += 1
        suppression = next(r.suppression for r in case.results if r.status == "suppressed")
        reason = f"suppressed until {suppression.expires}: {safe_text(suppression.reason)}" if suppression \
            else "suppressed"
        ET.SubElement(element, "skipped", {"message": reason})
    elif status == "not-applicable":
        counts["skipped"] += 1
        ET.SubElement(element, "skipped", {"message": "not applicable: " + _first_message(case, status)})
    else:
        ET.SubElement(element, "system-out").text = details


def render_junit(report: Report, *, unknown: str = "fail", gate_context: bool = False) -> str:
    """``unknown``: ``fail`` makes an unknown a <failure>; ``warn`` and ``pass`` make it <skipped> with
    the reason, so it shows without failing the test run (the gate's exit code decides the build). A case
    whose results are all about --context resources is <skipped> too unless ``gate_context``."""
    if unknown not in UNKNOWN_MODES:
        raise ValueError(f"unknown must be one of {', '.join(UNKNOWN_MODES)}, not {unknown!r}")
    site_names = {site.id.lower(): site.name for site in report.sites}
    suites: dict[str, dict[tuple[str, str], _Case]] = {}
    for site in report.sites:
        suites.setdefault(f"site {site.name}", {})
    for result in report.results:
        cases = suites.setdefault(_suite_name(result, site_names), {})
        key = (result.rule, normalise_id(result.resource.id))
        case = cases.get(key)
        if case is None:
            case = cases[key] = _Case(result.rule, safe_text(result.resource.name), result.location.file,
                                      result.location.line)
        case.results.append(result)

    root = ET.Element("testsuites", {"name": report.tool_name})
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for name, cases in suites.items():
        suite = ET.SubElement(root, "testsuite", {"name": name})
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for case in cases.values():
            _add_case(suite, case, unknown, counts, gate_context)
        _set_counts(suite, counts, totals)
    if report.errors:
        suite = ET.SubElement(root, "testsuite", {"name": INPUT_ERRORS_SUITE})
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for error in report.errors:
            where = error.file + (f":{error.line}" if error.line else "")
            error_case = ET.SubElement(suite, "testcase", {"classname": "input", "name": where, "time": "0"})
            ET.SubElement(error_case, "error", {"message": safe_text(error.message), "type": "input"}).text = \
                safe_text(error)
            counts["tests"] += 1
            counts["errors"] += 1
        _set_counts(suite, counts, totals)
    for total_name, total in totals.items():
        root.set(total_name, str(total))
    root.set("time", "0")
    for element in root.iter():  # names and messages come from the inputs: only XML 1.0 characters
        element.text = xml_text(element.text) if element.text else element.text
        for attribute, text in list(element.attrib.items()):
            element.set(attribute, xml_text(text))
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _set_counts(suite: ET.Element, counts: dict[str, int], totals: dict[str, int]) -> None:
    for key, value in counts.items():
        suite.set(key, str(value))
        totals[key] += value
    suite.set("time", "0")
