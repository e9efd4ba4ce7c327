"""SARIF 2.1.0 output for GitHub code scanning and other SARIF viewers: one run, rules with severities
and help links, file URIs relative to the repository root, fingerprints that survive line moves."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from checker.report.baseline import fingerprint_of
from checker.report.json_report import help_uris, safe_text
from checker.report.model import Report, Result, RuleInfo

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "hybridCheck/v1"

SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}
LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
UNKNOWN_LEVEL = "warning"  # an unknown is never a pass, nor as certain as a failure
BASELINE_STATE = {"new": "new", "existing": "unchanged"}
REPORTED = ("fail", "unknown", "suppressed")  # pass and not-applicable results are left out


def find_repository_root(start: Path | None = None) -> Path:
    """The git repository holding ``start`` (default: the working directory), else ``start`` itself."""
    here = (start or Path.cwd()).absolute()
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return folder
    return here


def _relative_uri(file: str | None, root: Path) -> tuple[str, str | None] | None:
    """(uri, uriBaseId) for an input file, or None when the result has no file (live audit)."""
    if not file or file == "live" or file.startswith(("live:", "<")) or "://" in file:
        return None
    path = Path(file)
    absolute = Path(os.path.normpath(path if path.is_absolute() else Path.cwd() / path))
    for base, candidate in ((Path(os.path.normpath(root.absolute())), absolute),
                            (root.resolve(), absolute.resolve())):
        try:
            relative = candidate.relative_to(base)
        except ValueError:
            continue
        return quote(relative.as_posix(), safe="/"), SRCROOT
    return absolute.as_uri(), None  # outside the root: code scanning will not show it, other viewers will


def _physical_location(file: str | None, line: int | None, column: int | None,
                       root: Path) -> dict[str, Any] | None:
    uri = _relative_uri(file, root)
    if uri is None:
        return None
    artifact: dict[str, Any] = {"uri": uri[0]}
    if uri[1]:
        artifact["uriBaseId"] = uri[1]
    region: dict[str, Any] = {"startLine": line if line and line >= 1 else 1}
    if column and column >= 1 and line:
        region["startColumn"] = column
    return {"physicalLocation": {"artifactLocation": artifact, "region": region}}


EXAMPLE_TITLES = (("arm", "ARM template", "json"), ("bicep", "Bicep", "bicep"), ("live", "live-audit data", "json"))


def help_markdown(info: RuleInfo, url: str = "") -> str:
    """The rule's full help in Markdown, as code scanning shows it: what it checks and why, how to
    fix it, compliant examples and references (and the rule page when its address is configured)."""
    parts = [f"**{safe_text(info.title) or info.id}** ({info.severity})"]
    if info.description:
        parts.append(safe_text(info.description).strip())
    if info.remediation:
        parts.append("## How to fix\n\n" + safe_text(info.remediation).strip())
    examples = dict(info.examples)
    for kind, title, fence in EXAMPLE_TITLES:
        if examples.get(kind):
            parts.append(f"## Compliant example ({title})\n\n```{fence}\n{examples[kind].strip()}\n```")
    if info.references:
        parts.append("## References\n\n" + "\n".join(f"- <{ref}>" for ref in info.references))
    if url:
        parts.append(f"[Rule page]({url})")
    return "\n\n".join(parts)


def _rule_descriptor(info: RuleInfo, url: str) -> dict[str, Any]:
    descriptor: dict[str, Any] = {
        "id": info.id,
        "shortDescription": {"text": safe_text(info.title) or info.id},
        "fullDescription": {"text": safe_text(info.description) or safe_text(info.title) or info.id},
        "defaultConfiguration": {"level": LEVEL.get(info.severity, "warning")},
        "properties": {
            "security-severity": SECURITY_SEVERITY.get(info.severity, "5.5"),
            "severity": info.severity,
            "tags": ["security", "azure", "networking", *dict.fromkeys(info.patterns)],
            "precision": "high",
        },
    }
    if url:  # only an address the user configured: none is guessed
        descriptor["helpUri"] = url
    text = " ".join(part for part in (safe_text(info.description), safe_text(info.remediation)) if part)
    descriptor["help"] = {"text": text or safe_text(info.title) or info.id, "markdown": help_markdown(info, url)}
    return descriptor


def _rules(report: Report) -> list[RuleInfo]:
    infos = {info.id: info for info in report.rules}
    for result in report.results:
        if result.rule not in infos:
            infos[result.rule] = RuleInfo(id=result.rule, title=result.rule, description="",
                                          severity=result.severity, patterns=())
    return [infos[key] for key in sorted(infos)]


def _message(result: Result) -> str:
    text = safe_text(result.message)
    if result.status == "unknown":
        reasons = "; ".join(safe_text(r) for r in result.unknown_reasons)
        if reasons and reasons not in text:
            text = text.rstrip(".") + f". Unknown: {reasons}"
        elif not reasons:
            text = f"Unknown: {text}"
    if result.suppression is not None and result.suppression.expired:
        text += f" The waiver for this finding expired on {result.suppression.expires}."
    return text


def _result(result: Result, index: int, root: Path) -> dict[str, Any]:
    uri = _relative_uri(result.location.file, root)
    out: dict[str, Any] = {
        "ruleId": result.rule,
        "ruleIndex": index,
        "level": UNKNOWN_LEVEL if result.status == "unknown" else LEVEL.get(result.severity, "warning"),
        "message": {"text": _message(result)},
    }
    locations = []
    physical = _physical_location(result.location.file, result.location.line, result.location.column, root)
    if physical is not None:
        locations.append(physical)
    logical: dict[str, Any] = {"name": safe_text(result.resource.name),
                               "fullyQualifiedName": safe_text(result.resource.id), "kind": "resource"}
    if result.location.pointer or result.location.property:
        # where in the resource: its JSON pointer in the file (and the property the rule tested)
        logical["properties"] = {key: value for key, value in (
            ("jsonPointer", safe_text(result.location.pointer)), ("property", result.location.property)) if value}
    if locations:
        locations[0]["logicalLocations"] = [logical]
    else:
        locations.append({"logicalLocations": [logical]})
    out["locations"] = locations
    out["partialFingerprints"] = {
        FINGERPRINT_KEY: fingerprint_of(result.rule, result.resource.id, uri[0] if uri else result.location.file)}
    if result.baseline in BASELINE_STATE:
        out["baselineState"] = BASELINE_STATE[result.baseline]
    elif result.context:
        out["baselineState"] = "unchanged"  # the estate as it is before the change (a --context resource)
    if result.status == "suppressed" and result.suppression is not None:
        out["suppressions"] = [{
            "kind": "inSource" if result.suppression.source == "inline" else "external",
            "justification": safe_text(result.suppression.reason),
            "status": "accepted",
            "properties": {"expires": result.suppression.expires},
        }]
    properties: dict[str, Any] = {"status": result.status, "severity": result.severity,
                                  "resourceType": result.resource.type}
    if result.site:
        properties["site"] = result.site
    if result.unknown_reasons:
        properties["unknownReasons"] = [safe_text(r) for r in result.unknown_reasons]
    if result.suppression is not None and result.suppression.expired:
        properties["waiverExpired"] = result.suppression.expires
    if result.remediation:
        properties["remediation"] = safe_text(result.remediation)
    if result.context:
        properties["context"] = True  # only about a --context resource: gates only with --gate-context
    out["properties"] = properties
    return out


def _notifications(report: Report, root: Path) -> list[dict[str, Any]]:
    notes: list[dict[str, Any]] = []
    for error in report.errors:
        text = safe_text(error.message) + (f" ({safe_text(error.hint)})" if error.hint else "")
        note: dict[str, Any] = {"level": "error", "message": {"text": text}}
        physical = _physical_location(error.file, error.line, error.column, root)
        if physical is not None:
            note["locations"] = [physical]
        notes.append(note)
    for notice in report.notices:
        note = {"level": "note", "message": {"text": safe_text(notice.message)},
                "properties": {"kind": notice.kind}}
        physical = _physical_location(notice.file, notice.line, None, root)
        if physical is not None:
            note["locations"] = [physical]
        notes.append(note)
    return notes


def render_sarif(report: Report, *, root: Path | None = None, docs_url: str | None = None) -> str:
    root = root if root is not None else find_repository_root()
    rules = _rules(report)
    index = {info.id: i for i, info in enumerate(rules)}
    urls = help_uris(report, docs_url)
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": report.tool_name,
            "version": report.tool_version,
            "semanticVersion": report.tool_version,
            "rules": [_rule_descriptor(info, urls.get(info.id, "")) for info in rules],
        }},
        "invocations": [{"executionSuccessful": not report.errors,
                         "toolExecutionNotifications": _notifications(report, root)}],
        "results": [_result(r, index[r.rule], root) for r in report.results if r.status in REPORTED],
    }
    document = {"$schema": SARIF_SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
