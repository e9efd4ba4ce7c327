"""The renderings of ``hybrid-check graph``: the resource graph as a table, as JSON (with each
resource's evaluated body, secrets and unknowns shown as what they are), as Graphviz DOT, and the
site diagrams as SVG. The names are :data:`checker.report.formats.GRAPH_FORMATS`."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from checker.graph import TABLE_HEADERS, Graph
from checker.model import Secret, Unknown, normalise_id
from checker.report.model import Report
from checker.sources.load import SourceLoad


def _table(graph: Graph, load: SourceLoad, report: Callable[[], Report]) -> str:
    from tabulate import tabulate

    rows = graph.table_rows()
    lines = [tabulate(rows, headers=list(TABLE_HEADERS)) if rows else "No resources found."]
    lines += [f"note: {notice.file}:{notice.line or ''} {notice.message}" for notice in load.notices]
    return "".join(line + "\n" for line in lines)


def _json(graph: Graph, load: SourceLoad, report: Callable[[], Report]) -> str:
    document = graph.to_json()
    for entry in document["resources"]:
        resource = graph.get(entry["id"])
        if resource is not None:
            entry["body"] = displayable(resource.body)
    document["errors"] = [{"file": e.file, "line": e.line, "message": e.message}
                          for e in [*load.errors, *graph.duplicates.errors]]
    document["notices"] = [{"file": n.file, "line": n.line, "message": n.message}
                           for n in [*load.notices, *graph.duplicates.notices]]
    return json.dumps(document, indent=2, default=str) + "\n"


def _dot(graph: Graph, load: SourceLoad, report: Callable[[], Report]) -> str:
    return graph_dot(graph) + "\n"


def _svg(graph: Graph, load: SourceLoad, report: Callable[[], Report]) -> str:
    from checker.report.diagram import render_svg

    return render_svg(report())


#: ``graph --format`` name -> rendering of (graph, what was read, the evaluated report on demand).
GRAPH_RENDERERS: dict[str, Callable[[Graph, SourceLoad, Callable[[], Report]], str]] = {
    "table": _table,
    "json": _json,
    "dot": _dot,
    "svg": _svg,
}


def render_graph(fmt: str, graph: Graph, load: SourceLoad, report: Callable[[], Report]) -> str:
    """What ``graph --format FMT`` prints. ``report`` evaluates the policies; only the SVG diagrams,
    which colour each element by its results, call it."""
    return GRAPH_RENDERERS[fmt](graph, load, report)


def graph_dot(graph: Graph) -> str:
    """The graph in Graphviz DOT: a node per resource, an edge per relation; references to
    resources not in the inputs are dashed nodes."""
    def quoted(*lines: str) -> str:
        escaped = (line.replace("\\", "\\\\").replace('"', '\\"') for line in lines)
        return '"' + "\\n".join(escaped) + '"'  # \n: a line break inside a DOT label

    lines = ["digraph hybrid_check {", "  rankdir=LR;", "  node [shape=box, fontsize=10];",
             "  edge [fontsize=9];"]
    for key, resource in graph.resources.items():
        short_type = str(resource.type).split("/", 1)[-1]
        label = quoted(str(resource.name), short_type)
        lines.append(f"  {quoted(key)} [label={label}];")
    missing: set[str] = set()
    for relation in graph.relations:
        if relation.kind == "child" or not relation.target:
            continue
        target = normalise_id(relation.target)
        if not relation.resolved and target not in missing:
            missing.add(target)
            label = quoted(target.rsplit("/", 1)[-1], "(not in inputs)")
            lines.append(f"  {quoted(target)} [label={label}, style=dashed];")
        lines.append(f"  {quoted(relation.source)} -> {quoted(target)} [label={quoted(relation.kind)}];")
    lines.append("}")
    return "\n".join(lines)


_SECRET_NAME_PARTS = ("password", "secret", "sharedkey", "authorizationkey", "token", "key", "credential")


def displayable(value: Any, key: str = "") -> Any:
    """A resource body for `graph --format json`: unknowns and secrets as what they are, and any
    property whose name suggests a secret redacted even when a template wrote it in clear."""
    if isinstance(value, Secret):
        return {"secret": value.source}
    if isinstance(value, Unknown):
        return {"unknown": value.reason}
    if key and any(part in key.lower() for part in _SECRET_NAME_PARTS) and not isinstance(value, (dict, list)):
        return "<redacted>"
    if isinstance(value, dict):
        return {str(k): displayable(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [displayable(item) for item in value]
    return value
