"""The vocabulary is defined once (checker/vocabulary.py): the JSON schemas and the registries that
hold the same words must agree with it, and the policy layer never imports the report layer."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from checker import vocabulary as v

CHECKER = Path(__file__).resolve().parent.parent / "checker"


def _schema(name: str) -> dict:
    return json.loads((CHECKER / "schemas" / name).read_text(encoding="utf-8"))


def _at(document: dict, *path: str) -> list:
    node = document
    for key in path:
        node = node[key]
    return node["enum"]


@pytest.mark.parametrize(("schema", "path", "expected"), [
    ("config.schema.json", ("properties", "fail-on"), v.FAIL_ON_CHOICES),
    ("config.schema.json", ("properties", "unknown"), v.UNKNOWN_MODES),
    ("config.schema.json", ("properties", "audit", "properties", "auth"), v.AUTH_MODES),
    ("config.schema.json", ("properties", "audit", "properties", "cloud"), v.CLOUD_NAMES),
    ("config.schema.json", ("$defs", "severity"), v.SEVERITIES),
    ("config.schema.json", ("$defs", "pattern"), v.PATTERNS),
    ("policy.schema.json", ("properties", "severity"), v.SEVERITIES),
    ("policy.schema.json", ("properties", "patterns", "items"), v.PATTERNS),
    ("policy.schema.json", ("properties", "requires"), v.REQUIRES),
    ("report.schema.json", ("$defs", "severity"), v.SEVERITIES),
    ("report.schema.json", ("$defs", "result", "properties", "status"), v.STATUSES),
])
def test_schema_enums_match_the_vocabulary(schema: str, path: tuple[str, ...], expected: tuple) -> None:
    assert _at(_schema(schema), *path) == list(expected)


def test_report_schema_gate_matches_the_vocabulary() -> None:
    gate = next(o for o in _schema("report.schema.json")["properties"]["summary"]["properties"]["gate"]["oneOf"]
                if o.get("type") == "object")["properties"]
    assert gate["failOn"]["enum"] == list(v.FAIL_ON_CHOICES)
    assert gate["unknown"]["enum"] == list(v.UNKNOWN_MODES)
    # the report is written only when the gate ran: an internal error (exit 3) writes none
    assert gate["exitCode"]["enum"] == [v.EXIT_PASS, v.EXIT_FAIL, v.EXIT_INPUT]
    severities = _schema("report.schema.json")["$defs"]["severityCounts"]["required"]
    assert severities == list(v.SEVERITIES)


def test_subject_kinds_and_clouds_match_their_registries() -> None:
    from checker.sources.live import CLOUDS
    from checker.views.fields import FIELDS

    assert tuple(FIELDS) == v.SUBJECT_KIND_NAMES
    assert tuple(CLOUDS) == v.CLOUD_NAMES


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("layer", ["policy", "views"])
def test_lower_layers_never_import_the_report_layer(layer: str) -> None:
    offenders = {f"{path.relative_to(CHECKER)}: {name}"
                 for path in sorted((CHECKER / layer).rglob("*.py"))
                 for name in _imports(path) if name == "checker.report" or name.startswith("checker.report.")}
    assert not offenders


def test_vocabulary_imports_nothing_of_the_project() -> None:
    assert not {n for n in _imports(CHECKER / "vocabulary.py") if n.startswith("checker")}


def test_no_other_module_redefines_the_word_lists() -> None:
    """A tuple equal to one of the vocabulary's lists, written out in another module, is a second
    definition that can drift."""
    words = {tuple(value) for name, value in vars(v).items()
             if name.isupper() and isinstance(value, tuple) and len(value) > 1}
    found = []
    for path in sorted(CHECKER.rglob("*.py")):
        if path.name == "vocabulary.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Tuple | ast.List) and all(isinstance(e, ast.Constant) for e in node.elts):
                if tuple(e.value for e in node.elts) in words:
                    found.append(f"{path.relative_to(CHECKER)}:{node.lineno}")
    assert not found
