"""The JSON report: the stable machine-readable contract (``schemaVersion`` 1.0, extended but never
renamed), plus the small helpers every other format shares (safe text, counts, ordering, rule URLs)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from checker.model import Secret, Unknown
from checker.report.model import Report, Result, Site
from checker.vocabulary import SEVERITIES, STATUSES

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from checker.report.gate import GateOutcome

SCHEMA_VERSION = "1.0"

#: Rule pages live in the repository under docs/rules/<ID>.md. Reports link to them only when the
#: user says where they are published (--rule-docs-url, rule-docs-url: in the configuration): no
#: address is guessed.
RULE_PAGE_SUFFIX = ".md"

SEVERITY_RANK = {severity: rank for rank, severity in enumerate(SEVERITIES)}  # critical = 0
# failures first, then what needs a look, then what is settled
STATUS_ORDER = {"fail": 0, "unknown": 1, "suppressed": 2, "not-applicable": 3, "pass": 4}


def safe_text(value: Any) -> str:
    """Text for any output: a Secret is always ``<secret>`` whatever it is wrapped in."""
    if value is None:
        return ""
    if isinstance(value, Secret):
        return "<secret>"
    if isinstance(value, Unknown):
        return str(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(safe_text(item) for item in value)
    return str(value)


def rule_page_url(rule_id: str, help_uri: str = "", docs_url: str | None = None) -> str:
    """An absolute URL for a rule page, or an empty string when none is known: a rule's own
    ``help_uri`` when it is a full URL, else ``<docs_url>/<ID>.md`` when the rule pages' address is
    configured."""
    if "://" in help_uri:
        return help_uri
    if docs_url:
        return f"{docs_url.rstrip('/')}/{rule_id}{RULE_PAGE_SUFFIX}"
    return ""


def help_uris(report: Report, docs_url: str | None = None) -> dict[str, str]:
    """Rule id -> page URL for every rule the report mentions that has one."""
    urls = {info.id: rule_page_url(info.id, info.help_uri, docs_url) for info in report.rules}
    for result in report.results:
        urls.setdefault(result.rule, rule_page_url(result.rule, "", docs_url))
    return {rule: url for rule, url in urls.items() if url}


def status_counts(results: Iterable[Result]) -> dict[str, int]:
    counts = dict.fromkeys(STATUSES, 0)
    for result in results:
        counts[result.status] = counts.get(result.status, 0) + 1
    return counts


def severity_counts(results: Iterable[Result], status: str = "fail") -> dict[str, int]:
    counts = dict.fromkeys(SEVERITIES, 0)
    for result in results:
        if result.status == status:
            counts[result.severity] = counts.get(result.severity, 0) + 1
    return counts


def location_text(result: Result) -> str:
    file = result.location.file or ""
    if result.location.line:
        return f"{file}:{result.location.line}"
    return file


def sort_key(result: Result) -> tuple[Any, ...]:
    """What to act on first, the same in every format: failures and unknowns before settled results,
    then severity, status, rule, resource and place."""
    settled = 0 if result.status in ("fail", "unknown") else 1
    return (settled, SEVERITY_RANK.get(result.severity, 9), STATUS_ORDER.get(result.status, 9), result.rule,
            result.resource.name.lower(), result.location.file or "", result.location.line or 0)


def sorted_results(results: Iterable[Result]) -> list[Result]:
    return sorted(results, key=sort_key)


def expired_waivers(results: Iterable[Result]) -> list[Result]:
    return [r for r in results if r.suppression is not None and r.suppression.expired]


def not_evaluated(report: Report) -> list[Any]:
    """Live scopes that could not be collected (older Report objects may not carry the field)."""
    return list(getattr(report, "not_evaluated", None) or [])


def overall_result(report: Report, gate: GateOutcome | None) -> str:
    """pass | fail | error: the gate's verdict when there is one, else what the results say
    (an unknown is never a pass)."""
    if gate is not None:
        return {0: "pass", 1: "fail"}.get(gate.exit_code, "error")
    if report.errors:
        return "error"
    if (any(r.status in ("fail", "unknown") for r in report.results) or not_evaluated(report)
            or any(n.kind == "not-expanded" for n in report.notices)):
        return "fail"
    return "pass"


def _result_dict(result: Result) -> dict[str, Any]:
    suppression = None
    if result.suppression is not None:
        suppression = {"reason": safe_text(result.suppression.reason), "expires": result.suppression.expires,
                       "source": result.suppression.source, "expired": result.suppression.expired}
    return {
        "rule": result.rule,
        "status": result.status,
        "severity": result.severity,
        "site": result.site,
        "resource": {"id": safe_text(result.resource.id), "type": result.resource.type,
                     "name": safe_text(result.resource.name)},
        "location": {"file": result.location.file, "line": result.location.line,
                     "pointer": safe_text(result.location.pointer), "property": result.location.property},
        "message": safe_text(result.message),
        "remediation": safe_text(result.remediation),
        "unknownReasons": [safe_text(reason) for reason in result.unknown_reasons],
        "suppression": suppression,
        "baseline": result.baseline,
        # only present when true: the subject lives only in a --context file (not gating by default)
        **({"context": True} if result.context else {}),
    }


def _site_dict(site: Site) -> dict[str, Any]:
    return {"id": site.id, "name": site.name, "pattern": site.pattern, "patternSource": site.pattern_source,
            "patterns": list(site.patterns), "result": site.result,
            "notes": [safe_text(note) for note in site.notes]}


def _gate_dict(gate: GateOutcome | None) -> dict[str, Any] | None:
    if gate is None:
        return None
    return {"failOn": gate.fail_on, "unknown": gate.unknown, "passed": gate.passed,
            "exitCode": gate.exit_code, "reasons": list(gate.reasons)}


def report_to_dict(report: Report, gate: GateOutcome | None = None, docs_url: str | None = None) -> dict:
    """The report as plain JSON data (see checker/schemas/report.schema.json)."""
    results: Sequence[Result] = report.results
    return {
        "schemaVersion": SCHEMA_VERSION,
        "tool": {"name": report.tool_name, "version": report.tool_version},
        "summary": {
            "result": overall_result(report, gate),
            "total": len(results),
            "files": len(report.inputs),
            "resources": report.resource_count,
            "counts": status_counts(results),
            "failuresBySeverity": severity_counts(results, "fail"),
            "unknownsBySeverity": severity_counts(results, "unknown"),
            "expiredWaivers": len(expired_waivers(results)),
            "errors": len(report.errors),
            "gate": _gate_dict(gate),
        },
        "inputs": list(report.inputs),
        "rules": [{"id": info.id, "title": safe_text(info.title), "severity": info.severity,
                   "patterns": list(info.patterns), "requiresLive": info.requires_live,
                   **({"helpUri": url} if (url := rule_page_url(info.id, info.help_uri, docs_url)) else {})}
                  for info in report.rules],
        "sites": [_site_dict(site) for site in report.sites],
        "results": [_result_dict(result) for result in results],
        "errors": [{"file": error.file, "line": error.line, "column": error.column,
                    "message": safe_text(error.message), "hint": safe_text(error.hint) or None}
                   for error in report.errors],
        "notices": [{"file": notice.file, "line": notice.line, "message": safe_text(notice.message),
                     "kind": notice.kind} for notice in report.notices],
        "notEvaluated": [{"scope": item.scope, "code": item.code, "message": safe_text(item.message)}
                         for item in not_evaluated(report)],
        "fixed": [_result_dict(result) for result in report.fixed],
    }


def render_json(report: Report, gate: GateOutcome | None = None, docs_url: str | None = None) -> str:
    return json.dumps(report_to_dict(report, gate, docs_url), indent=2, ensure_ascii=False) + "\n"
