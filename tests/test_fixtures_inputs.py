"""Checks on the bundled fixtures themselves: every file decodes, expected.json is well formed and names
real files and catalogue rules, and the inputs cover every pattern and input style they claim."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from checker.model import same_type
from checker.policy.loader import load_policies
from checker.sources.decode import loads
from tests.conftest import REPO_ROOT, shared_dir

FIXTURES = REPO_ROOT / "fixtures"
EXPECTED = Path(__file__).resolve().parent / "data" / "fixtures-expected.json"

PATTERNS = ("vpn", "expressroute", "expressroute-vpn-failover", "hub-spoke")
STYLES = ("classic", "child-resources", "copy-loops", "nested-deployment", "linked-template",
          "languageVersion-2.0", "resource-graph-export", "az-cli-export")
#: Catalogue pattern letters that a site of each fixture pattern evaluates. A hub-spoke hub with an
#: IPsec connection to on-premises is also a vpn site (catalogue 1.10: H combines with V/E/F).
PATTERN_LETTERS = {"vpn": {"V"}, "expressroute": {"E"}, "expressroute-vpn-failover": {"F"},
                   "hub-spoke": {"H", "V"}}

EXPECTED_SCHEMA = {
    "type": "object",
    "required": ["fixtures"],
    "properties": {
        "fixtures": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["path", "parameters", "style", "pattern", "fail", "unknown", "notes"],
                "properties": {
                    "path": {"type": "string", "pattern": r"^[^/].*\.json$"},
                    "parameters": {"type": "array", "items": {"type": "string", "pattern": r"\.json$"}},
                    "style": {"enum": list(STYLES)},
                    "pattern": {"enum": list(PATTERNS)},
                    "fail": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
                    "unknown": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
                    "notes": {"type": "string", "minLength": 20},
                },
            },
        },
    },
}


def _load(path: Path) -> Any:
    return loads(path.read_bytes(), str(path.relative_to(REPO_ROOT)))


def _fixture_files() -> list[Path]:
    return sorted(FIXTURES.rglob("*.json"))


def _entries() -> list[dict[str, Any]]:
    return list(_load(EXPECTED)["fixtures"])


def _walk(value: Any):
    """Every dict inside a decoded JSON value, depth first."""
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


def _catalogue_rules() -> dict[str, dict[str, str]]:
    """Rule id -> {"patterns": "V,F,H", "kind": "X/L"} from section 1 of the rule catalogue."""
    shared = shared_dir()
    catalogue = shared / "design" / "rule-catalogue.md" if shared else None
    if catalogue is None or not catalogue.is_file():
        pytest.skip("the rule catalogue is not beside the repository")
    text = catalogue.read_text(encoding="utf-8")
    section = text.split("\n## 1. Rule table", 1)[1].split("\n## 2.", 1)[0]
    rules: dict[str, dict[str, str]] = {}
    for line in section.splitlines():
        match = re.match(r"^\| ([A-Z0-9]+(?:-[A-Z0-9]+)+) \|([^|]*)\|([^|]*)\|", line)
        if match:
            rules[match.group(1)] = {"patterns": match.group(2).strip(), "kind": match.group(3).strip()}
    stated = re.search(r"Rule count: .*?\*\*(\d+)\*\*", section)
    assert stated, "the catalogue no longer states its rule count"
    assert len(rules) == int(stated.group(1)), "rule ids parsed from the catalogue do not match its count"
    # Rules added by the rule-facts audit of December 2026 are not in the catalogue: their patterns and
    # data kind come from their policy files.
    letters = {"vpn": "V", "expressroute": "E", "expressroute-vpn-failover": "F", "hub-spoke": "H"}
    policies, errors = load_policies([REPO_ROOT / "policies"])
    assert not errors
    for policy in policies:
        rules.setdefault(policy.id, {"patterns": ",".join(letters[p] for p in policy.patterns),
                                     "kind": "L" if policy.requires == "live" else "X"})
    return rules


def _pattern_letters(column: str) -> set[str]:
    # "*" -> every pattern; "V,F,H (ER only if a PIP is referenced)" -> V, F, H and, conditionally, E
    head, _, condition = column.partition("(")
    if head.strip() == "*":
        return {"V", "E", "F", "H"}
    letters = {letter.strip() for letter in head.split(",") if letter.strip()}
    if re.search(r"\bER\b", condition):
        letters.add("E")
    return letters


# --- every file decodes ------------------------------------------------------------------------------

@pytest.mark.parametrize("path", _fixture_files(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_every_fixture_file_is_valid_json(path: Path) -> None:
    doc = _load(path)
    assert isinstance(doc, (dict, list)) and doc, f"{path} holds no template, parameters or export"


def test_there_are_fixture_files_to_check() -> None:
    assert len(_fixture_files()) >= 10


# --- expected.json -----------------------------------------------------------------------------------

def test_expected_json_matches_its_schema() -> None:
    jsonschema.validate(_load(EXPECTED), EXPECTED_SCHEMA)


def test_expected_json_names_existing_files_once() -> None:
    entries = _entries()
    runs = [(entry["path"], tuple(entry["parameters"])) for entry in entries]
    assert len(runs) == len(set(runs)), "an entry point is listed twice with the same parameter files"
    for entry in entries:
        assert (FIXTURES / entry["path"]).is_file(), f"missing fixture {entry['path']}"
        for parameter_file in entry["parameters"]:
            assert (FIXTURES / parameter_file).is_file(), f"missing parameter file {parameter_file}"


def test_a_rule_is_never_both_fail_and_unknown() -> None:
    for entry in _entries():
        both = set(entry["fail"]) & set(entry["unknown"])
        assert not both, f"{entry['path']}: {sorted(both)} listed as fail and unknown"


def test_expected_rule_ids_come_from_the_catalogue() -> None:
    rules = _catalogue_rules()
    for entry in _entries():
        unknown_ids = set(entry["fail"]) | set(entry["unknown"])
        assert unknown_ids <= rules.keys(), f"{entry['path']}: not in the catalogue: {sorted(unknown_ids - rules.keys())}"


def test_live_only_rules_are_never_expected() -> None:
    """Live-only rules are not-applicable on templates and on exports (export data is not live data)."""
    rules = _catalogue_rules()
    live_only = {rule for rule, facts in rules.items() if facts["kind"] == "L"}
    assert "GW-PROVISIONED" in live_only  # the Kind column was parsed
    for entry in _entries():
        listed = (set(entry["fail"]) | set(entry["unknown"])) & live_only
        assert not listed, f"{entry['path']}: live-only rules {sorted(listed)} in the expected sets"


def test_expected_rules_apply_to_the_fixture_pattern() -> None:
    rules = _catalogue_rules()
    for entry in _entries():
        site_letters = PATTERN_LETTERS[entry["pattern"]]
        for rule in set(entry["fail"]) | set(entry["unknown"]):
            letters = _pattern_letters(rules[rule]["patterns"])
            assert letters & site_letters, f"{entry['path']}: {rule} ({rules[rule]['patterns']}) does not apply to {entry['pattern']}"


def test_every_pattern_has_a_compliant_and_non_compliant_fixtures() -> None:
    entries = _entries()
    for pattern in PATTERNS:
        mine = [entry for entry in entries if entry["pattern"] == pattern]
        compliant = [entry for entry in mine if not entry["fail"] and "/compliant/" in f"/{entry['path']}"]
        broken = [entry for entry in mine if entry["fail"]]
        assert compliant, f"no compliant fixture for {pattern}"
        assert len(broken) >= 2, f"fewer than two non-compliant fixtures for {pattern}"


def test_compliant_fixtures_fail_nothing_and_are_unknown_only_below_high() -> None:
    rules = _catalogue_rules()
    severities = _catalogue_severities()
    for entry in _entries():
        if "/compliant/" not in f"/{entry['path']}":
            continue
        assert entry["fail"] == [], entry["path"]
        for rule in entry["unknown"]:
            assert rule in rules
            assert severities[rule] in ("medium", "low"), f"{entry['path']}: {rule} is {severities[rule]}"


def test_an_unknown_case_exists_for_templates() -> None:
    assert any(entry["unknown"] and not entry["fail"] and "/unknown/" in entry["path"] for entry in _entries())


def _catalogue_severities() -> dict[str, str]:
    shared = shared_dir()
    assert shared is not None
    text = (shared / "design" / "rule-catalogue.md").read_text(encoding="utf-8")
    section = text.split("\n## 1. Rule table", 1)[1].split("\n## 2.", 1)[0]
    severities: dict[str, str] = {}
    for line in section.splitlines():
        match = re.match(r"^\| ([A-Z0-9]+(?:-[A-Z0-9]+)+) \|", line)
        if match:
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            severity = re.match(r"(critical|high|medium|low)", cells[6])
            assert severity, f"no severity for {match.group(1)}"
            severities[match.group(1)] = severity.group(1)
    return severities


# --- styles: each label is true of its file, and every style is covered ------------------------------

def _resources_of(doc: dict[str, Any]) -> list[dict[str, Any]]:
    resources = doc.get("resources", [])
    return list(resources.values()) if isinstance(resources, dict) else list(resources)


def _is_child_style(doc: Any) -> bool:
    for obj in _walk(doc):
        kind = obj.get("type")
        if not isinstance(kind, str):
            continue
        if any(same_type(kind, child) for child in (
                "Microsoft.Network/virtualNetworks/subnets", "Microsoft.Network/routeTables/routes",
                "Microsoft.Network/virtualNetworks/virtualNetworkPeerings")):
            return True
        if isinstance(obj.get("resources"), list) and obj["resources"]:
            return True
    return False


def _copy_kinds(doc: dict[str, Any]) -> set[str]:
    kinds = set()
    if isinstance(doc.get("variables", {}).get("copy"), list):
        kinds.add("variable")
    for resource in _resources_of(doc):
        if isinstance(resource.get("copy"), dict):
            kinds.add("resource")
        if isinstance(resource.get("properties", {}).get("copy"), list):
            kinds.add("property")
    return kinds


def _check_style(entry: dict[str, Any]) -> None:
    path = FIXTURES / entry["path"]
    doc = _load(path)
    style = entry["style"]
    if style in ("classic", "child-resources", "copy-loops", "nested-deployment", "linked-template"):
        assert isinstance(doc, dict) and isinstance(doc.get("resources"), list), "not a resources-array template"
    if style == "child-resources":
        assert _is_child_style(doc), "no child resource (subnets/routes/peerings type or nested resources)"
    elif style == "copy-loops":
        assert _copy_kinds(doc), "no copy loop"
    elif style == "nested-deployment":
        inline = [r for r in _resources_of(doc) if same_type(r["type"], "Microsoft.Resources/deployments")
                  and isinstance(r["properties"].get("template"), dict)]
        assert inline, "no deployment with an inline template"
        assert any(r["properties"].get("expressionEvaluationOptions", {}).get("scope") == "inner"
                   and r["properties"].get("parameters") for r in inline), "no inner-scope deployment with parameters"
    elif style == "linked-template":
        links = [r["properties"]["templateLink"]["relativePath"] for r in _resources_of(doc)
                 if same_type(r["type"], "Microsoft.Resources/deployments")
                 and "relativePath" in r["properties"].get("templateLink", {})]
        assert links, "no templateLink.relativePath"
        for link in links:
            assert isinstance(_load(path.parent / link), dict), f"linked template {link} is not a JSON object"
    elif style == "languageVersion-2.0":
        assert doc.get("languageVersion") == "2.0" and isinstance(doc.get("resources"), dict)
        assert any(r.get("existing") is True for r in doc["resources"].values()), "no existing resource"
        assert doc.get("definitions") and doc.get("functions"), "no user-defined types or functions"
        sibling = path.with_name(path.stem + ".parameters.json")
        assert sibling.is_file(), "no sibling parameter file"
        values = _load(sibling)["parameters"]
        assert any("keyVault" in value.get("reference", {}) for value in values.values()), "no Key Vault reference"
    elif style == "resource-graph-export":
        assert isinstance(doc, dict) and isinstance(doc.get("data"), list) and "count" in doc
        for row in doc["data"]:
            assert row["type"] == row["type"].lower() and row["id"] == row["id"].lower(), row["id"]
            assert "provisioningState" in row["properties"]
    elif style == "az-cli-export":
        assert isinstance(doc, list) and doc
        for row in doc:
            assert "properties" not in row and "resourceGroup" in row, row.get("id")


@pytest.mark.parametrize("entry", _entries(), ids=lambda entry: entry["path"])
def test_style_label_describes_the_file(entry: dict[str, Any]) -> None:
    _check_style(entry)


def test_every_input_style_is_covered() -> None:
    assert {entry["style"] for entry in _entries()} == set(STYLES)


def test_copy_loop_fixtures_use_resource_property_and_variable_copy() -> None:
    kinds: set[str] = set()
    for entry in _entries():
        if entry["style"] == "copy-loops":
            kinds |= _copy_kinds(_load(FIXTURES / entry["path"]))
    assert kinds == {"resource", "property", "variable"}


def test_every_pattern_declares_or_detects_gateways() -> None:
    """Each entry point holds a gateway or a VNet that declares its pattern (so a site exists)."""
    for entry in _entries():
        path = FIXTURES / entry["path"]
        objects = list(_walk(_load(path)))
        if entry["style"] == "linked-template":
            for link in path.parent.rglob("*.json"):
                objects += list(_walk(_load(link)))
        has_gateway = any(isinstance(o.get("type"), str)
                          and same_type(o["type"], "Microsoft.Network/virtualNetworkGateways") for o in objects)
        declared = any(isinstance(o.get("tags"), dict) and o["tags"].get("hybrid-pattern") == entry["pattern"]
                       for o in objects)
        assert has_gateway or declared, entry["path"]


# --- no orphans, documented ----------------------------------------------------------------------------

def test_every_fixture_file_is_an_entry_point_or_belongs_to_one() -> None:
    entries = _entries()
    used = {FIXTURES / entry["path"] for entry in entries}
    for entry in entries:
        path = FIXTURES / entry["path"]
        used |= {FIXTURES / p for p in entry["parameters"]}
        sibling = path.with_name(path.stem + ".parameters.json")
        if sibling.is_file():
            used.add(sibling)
        for obj in _walk(_load(path)):
            link = obj.get("templateLink")
            if isinstance(link, dict) and isinstance(link.get("relativePath"), str):
                used.add((path.parent / link["relativePath"]).resolve())
    used = {p.resolve() for p in used}
    orphans = [p for p in _fixture_files() if p.resolve() not in used and p != EXPECTED]
    assert not orphans, f"files no entry point uses: {orphans}"


def test_readme_describes_every_entry_point() -> None:
    readme = (FIXTURES / "README.md").read_text(encoding="utf-8")
    for entry in _entries():
        assert f"`{entry['path']}`" in readme, f"README.md does not describe {entry['path']}"


def test_template_fixtures_do_not_share_resource_names() -> None:
    """Templates deploy into the same default resource group, so a scan of the whole folder (the demo
    and the CI example) would merge two fixtures' resources that share a type and name into one site."""
    from checker.api import ScanOptions, read

    owners: dict[str, set[str]] = {}
    for entry in _entries():
        options = ScanOptions(parameter_files=tuple(FIXTURES / p for p in entry["parameters"]))
        for resource in read([FIXTURES / entry["path"]], options).resources:
            owners.setdefault(resource.key, set()).add(entry["path"])
    shared = {key: sorted(paths) for key, paths in owners.items() if len(paths) > 1}
    assert not shared, f"resources declared by several fixtures: {shared}"
