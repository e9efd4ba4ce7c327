"""Property names are case-insensitive everywhere, as in ARM: one boundary (the resource body and
every decoded JSON object are :class:`CaseInsensitiveDict`), checked by re-scanning every fixture and
every corpus file with the case of every key randomly changed."""

from __future__ import annotations

import json
import random
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.api import ScanOptions, scan
from checker.model import (
    CaseInsensitiveDict,
    CheckerError,
    Origin,
    Resource,
    Unknown,
    case_insensitive,
    normalise_id,
    placeholder_text,
)
from checker.sources.decode import JsonObject, loads
from tests.conftest import REPO_ROOT, shared_dir

pytestmark = pytest.mark.slow  # outside `make test-fast` (see the Makefile)

FIXTURES = REPO_ROOT / "fixtures"
EXPECTED = json.loads((REPO_ROOT / "tests" / "data" / "fixtures-expected.json").read_text())["fixtures"]


# -- the mapping type --------------------------------------------------------------------------------

def test_reads_find_any_spelling_and_keep_the_written_one() -> None:
    props = CaseInsensitiveDict({"enableBGP": True, "ActiveActive": False, "SKU": {"Name": "VpnGw2"}})
    assert props.get("enableBgp") is True and props["activeActive"] is False
    assert "sku" in props and "gatewayType" not in props and props.get("gatewayType", 5) == 5
    assert list(props) == ["enableBGP", "ActiveActive", "SKU"]
    assert json.loads(json.dumps(props)) == {"enableBGP": True, "ActiveActive": False, "SKU": {"Name": "VpnGw2"}}
    assert isinstance(props, dict)
    with pytest.raises(KeyError):
        props["missing"]


def test_writes_and_deletes_keep_lookups_true() -> None:
    props = CaseInsensitiveDict({"a": 1})
    assert props.get("B") is None
    props["b"] = 2  # a lookup index built before the write must not hide the new key
    assert props.get("B") == 2
    del props["A"]
    assert "a" not in props and props.pop("B") == 2 and props == {}
    assert props.setdefault("X", 1) == 1 and props.setdefault("x", 2) == 1
    props.update({"Y": 3})
    assert props["y"] == 3 and isinstance(props.copy(), CaseInsensitiveDict)
    body = CaseInsensitiveDict({"Properties": {"a": 1}})
    body["properties"] = {"b": 2}  # one member per name, in its first spelling
    assert body == {"Properties": {"b": 2}}


def test_exact_spelling_wins_then_the_first_written() -> None:
    props = CaseInsensitiveDict([("Name", 1), ("NAME", 2)])
    assert props["NAME"] == 2 and props["name"] == 1


def test_resource_bodies_are_case_insensitive_at_every_depth_whatever_their_source() -> None:
    body = {"properties": {"bgpSettings": {"ASN": 65010}, "ipConfigurations": [{"Properties": {"Subnet": {}}}]}}
    resource = Resource("/x", "t", "n", body, Origin("f"))
    props = resource.properties
    assert isinstance(props, CaseInsensitiveDict)
    assert props["bgpsettings"]["asn"] == 65010
    assert "subnet" in props["IPCONFIGURATIONS"][0]["properties"]


def test_decoded_objects_are_case_insensitive_and_keep_positions() -> None:
    doc = loads(b'{\n "Resources": [ {"Type": "x"} ]\n}', "t.json")
    assert isinstance(doc, JsonObject) and doc["resources"][0]["type"] == "x"
    assert doc["resources"][0].line == 2


def test_case_insensitive_keeps_shared_values_and_converts_in_place() -> None:
    shared = {"k": 1}
    value = [shared, shared, {"n": [shared]}]
    converted = case_insensitive(value)
    assert converted is value and isinstance(value[0], CaseInsensitiveDict) and value[0]["K"] == 1


# -- the property: random key case gives the same verdicts -----------------------------------------

def _recase(value: Any, rng: random.Random) -> Any:
    if isinstance(value, dict):
        return {"".join(c.upper() if rng.random() < 0.5 else c.lower() for c in key): _recase(item, rng)
                for key, item in value.items()}
    if isinstance(value, list):
        return [_recase(item, rng) for item in value]
    return value


def _copy_tree(source: Path, target: Path, rng: random.Random | None) -> None:
    """Every JSON file of ``source`` re-written under ``target`` (same relative paths, so sibling
    parameter files and relative links still pair), with its keys re-cased when ``rng`` is given."""
    for path in sorted(source.rglob("*")):
        if not path.is_file():
            continue
        out = target / path.relative_to(source)
        out.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix.lower() != ".json":
            shutil.copyfile(path, out)
            continue
        try:
            doc = loads(path.read_bytes(), str(path))
        except CheckerError:
            shutil.copyfile(path, out)
            continue
        out.write_text(json.dumps(_recase(doc, rng) if rng else doc, indent=1))


def _verdicts(paths: list[Path], parameters: tuple[Path, ...] = ()) -> Counter[tuple[Any, ...]]:
    report = scan(paths, ScanOptions(parameter_files=parameters))
    # Placeholders carry a tag of their template's path (which differs between the two trees).
    verdicts: Counter[tuple[Any, ...]] = Counter(
        (r.rule, r.status, normalise_id(placeholder_text(r.site or "")), normalise_id(placeholder_text(r.resource.id)))
        for r in report.results)
    # An error may name another input (an id declared twice): its path differs between the two trees.
    def message(text: str) -> str:
        for path in paths:
            text = text.replace(str(path), "<root>")
        return text.lower()

    verdicts.update(("error", message(e.message)) for e in report.errors)
    return verdicts


@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1))
def test_every_fixture_gives_the_same_verdicts_with_keys_in_any_case(tmp_path_factory: pytest.TempPathFactory,
                                                                     seed: int) -> None:
    root = tmp_path_factory.mktemp("fixtures")
    _copy_tree(FIXTURES, root / "plain", None)
    _copy_tree(FIXTURES, root / "recased", random.Random(seed))
    for entry in EXPECTED:
        runs = [_verdicts([root / variant / entry["path"]], tuple(root / variant / p for p in entry["parameters"]))
                for variant in ("plain", "recased")]
        assert runs[0] == runs[1], entry["path"]
        assert runs[0]


@settings(max_examples=1, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1))
def test_every_corpus_file_gives_the_same_verdicts_with_keys_in_any_case(tmp_path_factory: pytest.TempPathFactory,
                                                                         seed: int) -> None:
    shared = shared_dir()
    corpora = [shared / name for name in ("corpus", "corpus2") if shared and (shared / name).is_dir()]
    if not corpora:
        pytest.skip("the shared corpus is not beside the repository")
    root = tmp_path_factory.mktemp("corpus")
    for corpus in corpora:
        _copy_tree(corpus, root / "plain" / corpus.name, None)
        _copy_tree(corpus, root / "recased" / corpus.name, random.Random(seed))
    plain = _verdicts([root / "plain"])
    recased = _verdicts([root / "recased"])
    assert sum(plain.values()) > 100
    assert plain == recased


def test_properties_only_known_at_deployment_read_as_unknown_never_absent() -> None:
    unknown = Unknown("parameter 'gateways' has no value")
    resource = Resource("/x", "t", "n", {"properties": unknown}, Origin("f"))
    props = resource.properties
    assert isinstance(props, dict) and props.get("gatewayType") is unknown and props["sku"] is unknown
    assert "activeActive" in props
    assert Resource("/x", "t", "n", {}, Origin("f")).properties == {}
