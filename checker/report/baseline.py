"""Baselines: record today's findings so that only new ones gate. Findings are keyed by rule, resource
and input file (never the line), so edits that move a resource do not make its findings new."""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path, PurePosixPath
from typing import Any

from checker.digests import sha256
from checker.model import CheckerError, normalise_id
from checker.records import replace
from checker.report.model import Location, Report, ResourceRef, Result

BASELINE_VERSION = "1.0"
#: Largest baseline read (checked before it is parsed): about 100,000 recorded findings.
MAX_BASELINE_BYTES = 50 * 1024 * 1024
RECORDED = ("fail", "unknown")  # what a baseline accepts; suppressed results are the waivers' business
_HINT = "write it again with `hybrid-check baseline -o FILE PATHS` (it is JSON written by the tool)"


def normalise_file(file: str | None) -> str:
    """The input file as a stable key: forward slashes, no leading ./, relative to the working
    directory when it lies inside it (so CI checkouts in different places agree)."""
    if not file:
        return ""
    text = file.replace("\\", "/")
    if os.path.isabs(text):
        try:
            text = Path(text).resolve().relative_to(Path.cwd().resolve()).as_posix()
        except (ValueError, OSError):
            pass
    if "://" in text or text.startswith("live:"):
        return text
    return str(PurePosixPath(text)) if text else ""


def fingerprint_of(rule: str, resource_id: str, file: str | None) -> str:
    key = "\x1f".join((rule.strip().upper(), normalise_id(resource_id), normalise_file(file)))
    return sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def fingerprint(result: Result) -> str:
    """Rule + normalised resource id + input file; the line is left out on purpose."""
    return fingerprint_of(result.rule, result.resource.id, result.location.file)


def _entry(result: Result) -> dict[str, Any]:
    return {"fingerprint": fingerprint(result), "rule": result.rule, "status": result.status,
            "severity": result.severity, "site": result.site,
            "resource": {"id": result.resource.id, "type": result.resource.type, "name": result.resource.name},
            "file": result.location.file, "line": result.location.line, "message": result.message}


def write_baseline(report: Report, path: Path) -> None:
    """Record the report's failures and unknowns (not suppressed results, not passes)."""
    entries = sorted((_entry(r) for r in report.results if r.status in RECORDED),
                     key=lambda e: (e["file"] or "", e["rule"], normalise_id(e["resource"]["id"]), e["line"] or 0))
    document = {"hybridCheckBaseline": BASELINE_VERSION,
                "tool": {"name": report.tool_name, "version": report.tool_version},
                "results": entries}
    from checker.report.output import write_file

    write_file("baseline", path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def _read_entries(path: Path) -> list[dict[str, Any]]:
    from checker.config import read_limited
    from checker.sources.decode import loads

    try:
        raw = read_limited(path, MAX_BASELINE_BYTES, "baseline")
    except FileNotFoundError:
        raise CheckerError("baseline file not found", file=str(path),
                           hint="create it with `hybrid-check baseline -o FILE PATHS`") from None
    # The project's JSON reader: nesting, integer length and duplicate keys within its limits, errors
    # with line and column.
    try:
        document = loads(raw, str(path))
    except CheckerError as exc:
        message = exc.message.removeprefix("invalid JSON: ")
        message = f"baseline is not valid JSON: {message}" if message != exc.message else f"baseline: {message}"
        raise CheckerError(message, file=str(path), line=exc.line, column=exc.column, hint=_HINT) from None
    if not isinstance(document, dict) or "hybridCheckBaseline" not in document:
        raise CheckerError("not a hybrid-check baseline (no hybridCheckBaseline key)", file=str(path), line=1,
                           hint=_HINT)
    entries = document.get("results")
    if not isinstance(entries, list) or not all(
            isinstance(e, dict) and isinstance(e.get("fingerprint"), str) for e in entries):
        raise CheckerError("baseline results must be a list of objects with a fingerprint", file=str(path),
                           hint=_HINT)
    for entry in entries:
        for key, kinds in (("file", (str,)), ("site", (str,)), ("line", (int,))):
            value = entry.get(key)
            if value is not None and (not isinstance(value, kinds) or isinstance(value, bool)):
                raise CheckerError(f"baseline entry {entry['fingerprint'][:40]!r}: '{key}' must be "
                                   f"{'a whole number' if key == 'line' else 'text'} or null", file=str(path),
                                   line=getattr(entry, "line", None), hint=_HINT)
    return entries


def _fixed_result(entry: dict[str, Any]) -> Result:
    stored = entry.get("resource")
    resource: dict[str, Any] = stored if isinstance(stored, dict) else {}
    return Result(rule=str(entry.get("rule", "")), status="pass", severity=str(entry.get("severity", "")),
                  site=entry.get("site"),
                  resource=ResourceRef(id=str(resource.get("id", "")), type=str(resource.get("type", "")),
                                       name=str(resource.get("name", ""))),
                  location=Location(file=entry.get("file"), line=entry.get("line")),
                  message=f"no longer reported (was: {entry.get('message', '')})", baseline="fixed")


def apply_baseline(report: Report, path: Path) -> Report:
    """A copy of the report where every fail/unknown result is ``new`` or ``existing`` and ``fixed``
    lists the recorded findings that are gone. Counts matter: a second finding with the same key is new."""
    entries = _read_entries(path)
    remaining: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in entries:
        remaining[entry["fingerprint"]].append(entry)

    # Earlier lines claim recorded entries first, so the result added later is the new one.
    order = sorted(range(len(report.results)),
                   key=lambda i: (report.results[i].location.line or 0, i))
    marked: dict[int, Result] = {}
    for index in order:
        result = report.results[index]
        if result.status not in RECORDED:
            continue
        key = fingerprint(result)
        if remaining.get(key):
            remaining[key].pop()
            marked[index] = replace(result, baseline="existing")
        else:
            marked[index] = replace(result, baseline="new")
    results = [marked.get(i, result) for i, result in enumerate(report.results)]

    current = {fingerprint(r): r for r in report.results if r.status not in RECORDED}
    fixed = list(report.fixed)
    for key, left in remaining.items():
        if key in current and current[key].status == "suppressed":
            continue  # waived now, not fixed
        for entry in left:
            if key in current:
                fixed.append(replace(current[key], baseline="fixed"))
            else:
                fixed.append(_fixed_result(entry))
    return replace(report, results=results, fixed=fixed)
