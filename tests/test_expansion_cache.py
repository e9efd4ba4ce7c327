"""Expansions of root templates kept between runs (checker/sources/expansion_cache.py): a scan that
uses them reports exactly what a scan without them reports; any change to what an expansion depends
on (the template, its parameter values, the context, the code) expands again; what depends on more
(linked files, secrets' values, the live estate) is never kept; a damaged or hostile cache file is
ignored, never trusted."""

from __future__ import annotations

import json
import os
import pickle
import shutil
from pathlib import Path
from typing import Any

import pytest

from checker import api, cli
from checker.cachefiles import CACHE_ENV
from checker.report.gate import evaluate_gate
from checker.report.json_report import render_json
from checker.sources import expansion_cache
from checker.sources.arm import deployment

REPO = Path(__file__).resolve().parents[1]
SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
PARAMETERS_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#"


@pytest.fixture
def kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache folder of this test's own; the folder of the kept expansions in it."""
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache" / f"expansions-{expansion_cache.FORMAT}"


@pytest.fixture
def expansions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files expand_template is called for (a kept expansion is not expanded)."""
    called: list[str] = []
    real = deployment.expand_template

    def counting(doc: Any, file: str, **kwargs: Any) -> Any:
        called.append(file)
        return real(doc, file, **kwargs)

    monkeypatch.setattr(deployment, "expand_template", counting)
    return called


def report_json(paths: list[Path], **options: Any) -> str:
    report = api.scan(paths, api.ScanOptions(**options))
    return render_json(report, evaluate_gate(report))


def kept_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.pickle")) if folder.is_dir() else []


def write(path: Path, doc: Any) -> Path:
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return path


def vnet(prefix: str = "10.1.255.224/27") -> dict[str, Any]:
    return {"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-09-01", "name": "vnet-hub",
            "location": "westeurope",
            "properties": {"addressSpace": {"addressPrefixes": ["10.1.0.0/16"]},
                           "subnets": [{"name": "GatewaySubnet", "properties": {"addressPrefix": prefix}}]}}


def gateway(sku: str = "[parameters('sku')]") -> dict[str, Any]:
    return {"type": "Microsoft.Network/virtualNetworkGateways", "apiVersion": "2023-09-01", "name": "vgw-hub",
            "location": "westeurope",
            "properties": {"gatewayType": "Vpn", "vpnType": "RouteBased", "activeActive": False,
                           "sku": {"name": sku, "tier": sku},
                           "ipConfigurations": [{"name": "default", "properties": {"subnet": {
                               "id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet-hub', "
                                     "'GatewaySubnet')]"}}}]}}


def hub(prefix: str = "10.1.255.224/27", **extra: Any) -> dict[str, Any]:
    return {"$schema": SCHEMA, "contentVersion": "1.0.0.0",
            "parameters": {"sku": {"type": "string", "defaultValue": "VpnGw2AZ"}}, **extra,
            "resources": [vnet(prefix), gateway()]}


def gateway_of(paths: list[Path], **options: Any) -> Any:
    """The gateway the inputs deploy, as read."""
    load = api.read(paths, api.ScanOptions(**options))
    found = [r for r in load.resources if r.type.lower() == "microsoft.network/virtualnetworkgateways"]
    assert len(found) == 1
    return found[0]


def result(text: str, rule: str) -> list[str]:
    return sorted(r["status"] for r in json.loads(text)["results"] if r["rule"] == rule)


# --- the same report, with and without kept expansions -------------------------------------------

def test_a_second_scan_uses_the_kept_expansions_and_reports_the_same(kept: Path, expansions: list[str]) -> None:
    fixtures = REPO / "fixtures"
    afresh = report_json([fixtures], use_cache=False)
    roots = len(expansions)
    assert roots and not kept_files(kept)
    first = report_json([fixtures])
    stored = len(kept_files(kept))
    assert len(expansions) == 2 * roots and 0 < stored <= roots
    again = report_json([fixtures])
    assert len(expansions) == 3 * roots - stored  # every kept expansion was read, not expanded
    assert first == afresh and again == afresh


def test_the_corpus_reports_the_same_from_kept_expansions(kept: Path, corpus_dir: Path,
                                                           expansions: list[str]) -> None:
    afresh = report_json([corpus_dir], use_cache=False)
    expanded = len(expansions)
    assert report_json([corpus_dir]) == afresh
    stored = len(kept_files(kept))
    assert stored > expanded // 2  # most of the corpus's templates are self-contained
    del expansions[:]
    assert report_json([corpus_dir]) == afresh
    assert len(expansions) == expanded - stored  # the kept ones were not expanded again


def test_no_cache_neither_uses_nor_keeps_expansions(kept: Path, expansions: list[str],
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    fixture = REPO / "fixtures" / "vpn" / "compliant" / "vpn-hub.json"
    assert cli.main(["scan", str(fixture), "--format", "json", "--no-cache"]) in (0, 1)
    assert not kept_files(kept) and len(expansions) == 1
    cli.main(["scan", str(fixture), "--format", "json"])
    assert len(kept_files(kept)) == 1 and len(expansions) == 2
    cli.main(["scan", str(fixture), "--format", "json", "--no-cache"])
    assert len(expansions) == 3  # the kept expansion is there, and not used
    cli.main(["scan", str(fixture), "--format", "json"])
    assert len(expansions) == 3
    capsys.readouterr()


def test_an_empty_cache_setting_keeps_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              expansions: list[str]) -> None:
    monkeypatch.setenv(CACHE_ENV, "")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    template = write(tmp_path / "hub.json", hub())
    report_json([template])
    report_json([template])
    assert len(expansions) == 2
    assert not (tmp_path / "home").exists() and not (tmp_path / "xdg").exists()


def test_a_cache_folder_that_cannot_be_written_only_means_nothing_is_kept(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, expansions: list[str]) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv(CACHE_ENV, str(blocked))  # its expansions folder cannot be made
    template = write(tmp_path / "hub.json", hub())
    afresh = report_json([template], use_cache=False)
    assert report_json([template]) == afresh
    assert report_json([template]) == afresh
    assert len(expansions) == 3


# --- what the key is made of ---------------------------------------------------------------------

def test_an_edited_template_is_expanded_again(tmp_path: Path, kept: Path, expansions: list[str]) -> None:
    template = write(tmp_path / "hub.json", hub("10.1.255.224/27"))
    assert result(report_json([template]), "GW-SUBNET-SIZE") == ["pass"]
    write(template, hub("10.1.255.224/29"))  # same size on disk: the content decides, not the status
    assert result(report_json([template]), "GW-SUBNET-SIZE") == ["fail"]
    assert len(expansions) == 2 and len(kept_files(kept)) == 2


def test_an_edited_sibling_parameter_file_is_expanded_again(tmp_path: Path, kept: Path,
                                                             expansions: list[str]) -> None:
    repo = tmp_path / "repo"  # not the test's folder: the cache folder is there
    repo.mkdir()
    write(repo / "hub.json", hub())
    siblings = repo / "hub.parameters.json"
    write(siblings, {"$schema": PARAMETERS_SCHEMA, "contentVersion": "1.0.0.0",
                     "parameters": {"sku": {"value": "VpnGw2AZ"}}})
    assert gateway_of([repo]).body["properties"]["sku"]["name"] == "VpnGw2AZ"
    write(siblings, {"$schema": PARAMETERS_SCHEMA, "contentVersion": "1.0.0.0",
                     "parameters": {"sku": {"value": "VpnGw1AZ"}}})
    assert gateway_of([repo]).body["properties"]["sku"]["name"] == "VpnGw1AZ"
    assert len(expansions) == 2
    assert gateway_of([repo]).body["properties"]["sku"]["name"] == "VpnGw1AZ"
    assert len(expansions) == 2


def test_set_values_and_the_context_are_part_of_the_key(tmp_path: Path, kept: Path,
                                                        expansions: list[str]) -> None:
    from checker.sources.arm.context import DeploymentContext

    template = write(tmp_path / "hub.json", hub())
    assert gateway_of([template]).body["properties"]["sku"]["name"] == "VpnGw2AZ"
    assert gateway_of([template], parameter_values=(("sku", "Basic"),)).body["properties"]["sku"]["name"] == "Basic"
    elsewhere = gateway_of([template], context=DeploymentContext(resource_group="rg-other"))
    assert "/resourceGroups/rg-other/" in elsewhere.id
    assert len(expansions) == 3
    assert gateway_of([template], parameter_values=(("sku", "Basic"),)).body["properties"]["sku"]["name"] == "Basic"
    assert "/resourceGroups/rg-other/" not in gateway_of([template]).id
    assert len(expansions) == 3


def test_the_same_template_elsewhere_is_its_own_expansion(tmp_path: Path, kept: Path,
                                                          expansions: list[str]) -> None:
    """Files are shown by their paths (and findings point at them): a copy elsewhere is another key."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = write(tmp_path / "a" / "hub.json", hub())
    second = write(tmp_path / "b" / "hub.json", hub())
    one = report_json([first])
    other = report_json([second])
    assert len(expansions) == 2 and str(second) in other and str(second) not in one


def test_changed_code_is_another_key(tmp_path: Path, kept: Path, expansions: list[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    template = write(tmp_path / "hub.json", hub())
    report_json([template])
    monkeypatch.setattr(expansion_cache, "_code_digest", lambda record: b"\x01" * 32)
    report_json([template])
    assert len(expansions) == 2 and len(kept_files(kept)) == 2


def test_the_code_digest_follows_the_package_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "checker"
    (package / "sources").mkdir(parents=True)
    (package / "model.py").write_text("A = 1\n")
    (package / "sources" / "reader.py").write_text("B = 2\n")
    (package / "sources" / "__pycache__").mkdir()
    (package / "sources" / "__pycache__" / "reader.cpython-311.pyc").write_bytes(b"byte code")
    monkeypatch.setattr(expansion_cache, "_PACKAGE", package)
    monkeypatch.setattr(expansion_cache, "SETTLED_NS", 0)  # the statuses may be recorded at once
    record = tmp_path / "code.json"
    first = expansion_cache._code_digest(record)
    assert record.is_file() and expansion_cache._code_digest(record) == first
    # byte code aside: it is not code the key is made of
    (package / "sources" / "__pycache__" / "other.cpython-311.pyc").write_bytes(b"more")
    assert expansion_cache._code_digest(record) == first
    (package / "sources" / "reader.py").write_text("B = 3\n")  # same size, another content
    edited = expansion_cache._code_digest(record)
    assert edited != first
    (package / "sources" / "new.py").write_text("")  # an added file is seen in its folder's listing
    assert expansion_cache._code_digest(record) != edited
    # the record is trusted only while every status holds: statuses recorded, no file read again
    opened: list[str] = []
    real_open = open

    def watching(path: Any, *args: Any, **kwargs: Any) -> Any:
        opened.append(str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("builtins.open", watching)
    expansion_cache._code_digest(record)
    assert not any(name.endswith(".py") for name in opened)


def test_a_status_that_is_not_settled_is_not_recorded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "checker"
    package.mkdir()
    (package / "model.py").write_text("A = 1\n")
    monkeypatch.setattr(expansion_cache, "_PACKAGE", package)
    record = tmp_path / "code.json"
    expansion_cache._code_digest(record)  # just written: an edit within the time stamps' resolution
    assert not record.exists()            # could leave its status as it is


def test_parameter_values_are_described_with_their_places() -> None:
    from checker.model import Origin
    from checker.sources.arm.parameters import ParameterValue
    from checker.sources.decode import loads

    one = loads('{"a": [1, 2.0, true, null, "x"]}', "p.json")
    moved = loads('\n{"a": [1, 2.0, true, null, "x"]}', "p.json")
    described = expansion_cache._describe(ParameterValue(one, Origin("p.json", 3)))
    assert described != expansion_cache._describe(ParameterValue(moved, Origin("p.json", 3)))
    assert described != expansion_cache._describe(ParameterValue(one, Origin("p.json", 4)))
    assert described != expansion_cache._describe(ParameterValue(loads('{"a": [1, 2, true, null, "x"]}', "p.json"),
                                                                 Origin("p.json", 3)))
    assert described == expansion_cache._describe(ParameterValue(loads('{"a": [1, 2.0, true, null, "x"]}', "p.json"),
                                                                 Origin("p.json", 3)))
    with pytest.raises(expansion_cache._Uncacheable):
        expansion_cache._describe(object())


# --- what is never kept --------------------------------------------------------------------------

def test_a_template_that_links_a_file_is_not_kept(tmp_path: Path, kept: Path, expansions: list[str]) -> None:
    write(tmp_path / "inner.json", hub())
    outer = write(tmp_path / "outer.json", {
        "$schema": SCHEMA, "contentVersion": "1.0.0.0",
        "resources": [{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "inner",
                       "properties": {"mode": "Incremental", "templateLink": {"relativePath": "inner.json"}}}]})
    first = report_json([outer])
    assert not kept_files(kept)  # its result depends on inner.json as well
    write(tmp_path / "inner.json", hub("10.1.255.224/29"))
    second = report_json([outer])
    assert result(first, "GW-SUBNET-SIZE") == ["pass"] and result(second, "GW-SUBNET-SIZE") == ["fail"]
    assert len(expansions) == 2


def test_a_missing_linked_file_is_looked_for_again(tmp_path: Path, kept: Path) -> None:
    outer = write(tmp_path / "outer.json", {
        "$schema": SCHEMA, "contentVersion": "1.0.0.0",
        "resources": [{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "inner",
                       "properties": {"mode": "Incremental", "templateLink": {"relativePath": "inner.json"}}}]})
    assert "could not be read" in report_json([outer]) and not kept_files(kept)
    write(tmp_path / "inner.json", hub())
    assert "could not be read" not in report_json([outer])


def test_an_expansion_that_saw_a_secret_value_is_not_kept(tmp_path: Path, kept: Path) -> None:
    secret = "s3cr3t-Shared-Key-0123456789abcdef"
    connection = {"type": "Microsoft.Network/connections", "apiVersion": "2023-09-01", "name": "cn-dc1",
                  "location": "westeurope",
                  "properties": {"connectionType": "IPsec", "sharedKey": secret,
                                 "virtualNetworkGateway1": {"id": "[resourceId('Microsoft.Network/"
                                                                  "virtualNetworkGateways', 'vgw-hub')]"}}}
    literal = write(tmp_path / "literal.json", {**hub(), "resources": [vnet(), gateway(), connection]})
    report_json([literal])
    assert not kept_files(kept)
    # a secure parameter given a value in a parameter file: not kept either (nor the value in a key)
    secure = {**hub(), "parameters": {"sku": {"type": "string", "defaultValue": "VpnGw2AZ"},
                                      "key": {"type": "secureString"}},
              "resources": [vnet(), gateway(), {**connection, "properties": {
                  **connection["properties"], "sharedKey": "[parameters('key')]"}}]}
    write(tmp_path / "secure.json", secure)
    write(tmp_path / "secure.parameters.json", {"$schema": PARAMETERS_SCHEMA, "contentVersion": "1.0.0.0",
                                                "parameters": {"key": {"value": secret}}})
    report_json([tmp_path / "secure.json"])
    assert not kept_files(kept)
    # a secure parameter given a value and not used: not kept (its key would be made from the value)
    write(tmp_path / "secure.json", {**secure, "resources": [vnet(), gateway()]})
    report_json([tmp_path / "secure.json"])
    assert not kept_files(kept)
    write(tmp_path / "secure.json", secure)
    # with no value (supplied at deployment), the secret is only its facts: kept, and no value in it
    write(tmp_path / "secure.parameters.json", {"$schema": PARAMETERS_SCHEMA, "contentVersion": "1.0.0.0",
                                                "parameters": {"sku": {"value": "VpnGw2AZ"}}})
    report_json([tmp_path / "secure.json"])
    files = kept_files(kept)
    assert len(files) == 1 and secret.encode() not in files[0].read_bytes()


def test_a_key_vault_reference_for_a_secure_parameter_is_kept(kept: Path, expansions: list[str]) -> None:
    fixture = REPO / "fixtures" / "vpn" / "non-compliant" / "vpn-branch-bicep.json"
    afresh = report_json([fixture], use_cache=False)
    assert report_json([fixture]) == afresh and len(kept_files(kept)) == 1
    assert report_json([fixture]) == afresh and len(expansions) == 2


def test_a_scan_with_the_live_estate_as_context_is_not_kept(tmp_path: Path, kept: Path) -> None:
    template = write(tmp_path / "hub.json", hub())
    export = write(tmp_path / "estate.json", [])
    report_json([template], context_files=(export,))
    assert not kept_files(kept)


# --- damaged and hostile cache files -------------------------------------------------------------

def _only_kept_file(kept: Path, template: Path) -> Path:
    report_json([template])
    files = kept_files(kept)
    assert len(files) == 1
    return files[0]


def test_a_damaged_cache_file_is_expanded_again(tmp_path: Path, kept: Path, expansions: list[str]) -> None:
    template = write(tmp_path / "hub.json", hub())
    afresh = report_json([template], use_cache=False)
    stored = _only_kept_file(kept, template)
    for damage in (b"", b"not a pickle", stored.read_bytes()[:-20],
                   pickle.dumps((expansion_cache.FORMAT, "another key", [], [], [], 0)),
                   pickle.dumps(("a", "tuple", "of", "the", "wrong", "things"))):
        stored.write_bytes(damage)
        before = len(expansions)
        assert report_json([template]) == afresh
        assert len(expansions) == before + 1  # expanded again, and kept again
        assert stored.is_file() and stored.read_bytes() != damage


class _Hostile:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (shutil.copyfile, (os.devnull, str(self.marker)))


def test_a_cache_file_naming_other_code_is_refused_not_run(tmp_path: Path, kept: Path,
                                                           expansions: list[str]) -> None:
    template = write(tmp_path / "hub.json", hub())
    afresh = report_json([template], use_cache=False)
    stored = _only_kept_file(kept, template)
    key = stored.stem
    marker = tmp_path / "ran"
    stored.write_bytes(pickle.dumps((expansion_cache.FORMAT, key, [_Hostile(marker)], [], [], 0)))
    before = len(expansions)
    assert report_json([template]) == afresh
    assert not marker.exists() and len(expansions) == before + 1
    # the same with a class of the package that an expansion never holds
    from checker.policy.model import Policy

    stored.write_bytes(pickle.dumps((expansion_cache.FORMAT, key, [Policy], [], [], 0)))
    assert report_json([template]) == afresh and len(expansions) == before + 2


def test_the_folder_keeps_at_most_max_entries(tmp_path: Path, kept: Path, monkeypatch: pytest.MonkeyPatch,
                                              expansions: list[str]) -> None:
    monkeypatch.setattr(expansion_cache, "MAX_ENTRIES", 4)
    templates = [write(tmp_path / f"hub{index}.json", hub()) for index in range(6)]
    for template in templates:
        report_json([template])
    assert 3 <= len(kept_files(kept)) <= 4  # past 4, the oldest were removed down to three quarters
    del expansions[:]
    report_json([templates[-1]])
    assert expansions == []  # the newest is kept
    report_json([templates[0]])
    assert len(expansions) == 1  # the oldest was removed


def test_the_folder_keeps_at_most_max_bytes(tmp_path: Path, kept: Path, monkeypatch: pytest.MonkeyPatch,
                                            expansions: list[str]) -> None:
    templates = [write(tmp_path / f"hub{index}.json", hub()) for index in range(4)]
    report_json([templates[0]])
    size = kept_files(kept)[0].stat().st_size
    monkeypatch.setattr(expansion_cache, "MAX_BYTES", 3 * size)
    for template in templates[1:]:
        report_json([template])
    assert len(kept_files(kept)) <= 3
    assert sum(path.stat().st_size for path in kept_files(kept)) <= 3 * size


def test_the_folder_of_kept_expansions_is_the_users_own(kept: Path, tmp_path: Path) -> None:
    report_json([write(tmp_path / "hub.json", hub())])
    if os.name == "posix":
        assert kept.stat().st_mode & 0o077 == 0


def test_kept_expansions_take_their_own_serial_numbers(tmp_path: Path, kept: Path) -> None:
    """Two expansions of one template (two parameter sets) are told apart by their input tags' serial
    numbers: read from the cache, each still takes a serial of its own."""
    from checker.duplicates import INPUT_KEY

    template = write(tmp_path / "hub.json", hub())
    other = write(tmp_path / "other.json", hub())
    first = api.read([template, other], api.ScanOptions())
    load = api.read([template, other], api.ScanOptions())
    serials = {resource.metadata[INPUT_KEY].serial for resource in load.resources}
    assert len(serials) == 2  # one per template, as when expanded
    assert min(serials) > max(resource.metadata[INPUT_KEY].serial for resource in first.resources)
    assert {resource.metadata[INPUT_KEY].file for resource in load.resources} == {str(template), str(other)}
    fresh = api.read([template, other], api.ScanOptions(use_cache=False))
    later = {resource.metadata[INPUT_KEY].serial for resource in fresh.resources}
    assert len(later) == 2 and min(later) > max(serials)


# --- templates met before are not decoded --------------------------------------------------------

@pytest.fixture
def decoded(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files decoded (as shown)."""
    from checker.sources import decode

    seen: list[str] = []
    real = decode.loads

    def counting(raw: Any, file: str) -> Any:
        seen.append(file)
        return real(raw, file)

    monkeypatch.setattr(decode, "loads", counting)
    return seen


def test_a_template_met_before_is_not_decoded_when_its_expansion_is_kept(
        tmp_path: Path, kept: Path, decoded: list[str], expansions: list[str]) -> None:
    template = write(tmp_path / "hub.json", hub())
    afresh = report_json([template], use_cache=False)
    report_json([template])
    assert (kept / "documents.json").is_file()
    del decoded[:], expansions[:]
    assert report_json([template]) == afresh
    assert decoded == [] and expansions == []
    # another parameter value: the same bytes, an expansion not kept yet: decoded and expanded after all
    with_value = report_json([template], parameter_values=(("sku", "VpnGw1AZ"),))
    assert decoded == [str(template)] and expansions == [str(template)]
    assert with_value == report_json([template], parameter_values=(("sku", "VpnGw1AZ"),), use_cache=False)


def test_links_of_a_template_met_before_still_decide_the_roots(tmp_path: Path, kept: Path,
                                                               decoded: list[str]) -> None:
    """A template read through another's templateLink is not a root of its own, whether or not the
    linking template is decoded (its links are among its kept facts)."""
    repo = tmp_path / "repo"  # not the test's folder: the cache folder is there
    repo.mkdir()
    write(repo / "inner.json", hub())
    write(repo / "outer.json", {
        "$schema": SCHEMA, "contentVersion": "1.0.0.0",
        "resources": [{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "inner",
                       "properties": {"mode": "Incremental", "templateLink": {"relativePath": "inner.json"}}}]})
    afresh = report_json([repo], use_cache=False)
    assert "read as the linked template" in afresh
    for _ in range(3):
        assert report_json([repo]) == afresh


def test_kept_facts_of_another_code_are_not_used(tmp_path: Path, kept: Path, decoded: list[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    template = write(tmp_path / "hub.json", hub())
    afresh = report_json([template], use_cache=False)
    report_json([template])
    monkeypatch.setattr(expansion_cache, "_code_digest", lambda record: b"\x02" * 32)
    del decoded[:]
    assert report_json([template]) == afresh
    assert decoded == [str(template)]  # neither the facts nor the expansion of the other code


def test_damaged_kept_facts_are_ignored(tmp_path: Path, kept: Path, decoded: list[str]) -> None:
    template = write(tmp_path / "hub.json", hub())
    afresh = report_json([template], use_cache=False)
    report_json([template])
    index = kept / "documents.json"
    document = json.loads(index.read_text())
    for damage in ("{not json", json.dumps({**document, "documents": []}),
                   json.dumps({**document, "documents": {name: ["not", "facts"] for name in document["documents"]}})):
        index.write_text(damage)
        del decoded[:]
        assert report_json([template]) == afresh
        assert decoded == [str(template)]


def test_a_template_compiled_from_bicep_met_before_is_still_left_to_its_source(
        tmp_path: Path, kept: Path, decoded: list[str]) -> None:
    source = REPO / "fixtures" / "bicep" / "vpn"
    bicep = next(source.glob("*.bicep"))
    repo = tmp_path / "repo"  # not the test's folder: the cache folder is there
    repo.mkdir()
    shutil.copy(bicep, repo / bicep.name)
    compiled = write(repo / f"{bicep.stem}.json", {
        **hub(), "metadata": {"_generator": {"name": "bicep", "version": "0.30.3.12046"}}})
    # the compiled JSON alone is a template like any other: its facts are kept
    alone = report_json([compiled], use_cache=False)
    for _ in range(2):
        assert report_json([compiled]) == alone
    # beside its source, the source is read instead, also when the JSON is a template met before
    afresh = report_json([repo], use_cache=False)
    assert f"compiled from {bicep.name}" in afresh
    for _ in range(2):
        assert report_json([repo]) == afresh


def test_a_json_object_pickles_with_its_position_and_case_insensitive_names() -> None:
    import copy

    from checker.sources.decode import JsonObject, loads

    doc = loads('{\n  "Properties": {"enableBgp": true, "sku": {"name": "VpnGw2AZ"}}\n}', "t.json")
    inner = doc["properties"]
    for again in (pickle.loads(pickle.dumps(doc, protocol=5)), copy.deepcopy(doc)):
        assert type(again) is JsonObject and again == doc
        moved = again["properties"]
        assert type(moved) is JsonObject and (moved.line, moved.column) == (inner.line, inner.column) == (2, 17)
        assert moved["EnableBGP"] is True and "SKU" in moved and moved.get("Sku")["NAME"] == "VpnGw2AZ"
    shallow = copy.copy(inner)
    assert shallow == inner and shallow is not inner and (shallow.line, shallow.column) == (2, 17)


def test_an_expansion_of_many_resources_is_not_kept(tmp_path: Path, kept: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(expansion_cache, "MAX_KEPT_RESOURCES", 1)
    report_json([write(tmp_path / "hub.json", hub())])  # a VNet and a gateway
    assert not kept_files(kept)
    monkeypatch.setattr(expansion_cache, "MAX_KEPT_RESOURCES", 2)
    report_json([tmp_path / "hub.json"])
    assert len(kept_files(kept)) == 1


def test_the_reading_code_imports_nothing_of_the_package_outside_the_code_digest() -> None:
    """The key's code digest covers checker/sources/ and the modules directly in checker/: what the
    readers import of the package, when they are imported and in their functions, lies there (but for
    the live audit's snapshot writer and the context's results, which no kept expansion reaches)."""
    import ast

    package = REPO / "checker"
    hashed = {str(Path(path).relative_to(package)) for path in expansion_cache._package_files()[1]
              if path.endswith(".py")} if expansion_cache._PACKAGE == package else None
    assert hashed is not None and "model.py" in hashed and "sources/arm/deployment.py" in hashed
    outside_but_not_expanding = {"checker.report.output"}  # live.write_snapshot
    for path in (package / "sources").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module] if isinstance(node, ast.ImportFrom) and node.module else \
                [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            for name in names:
                if not name.startswith("checker") or name in outside_but_not_expanding:
                    continue
                relative = name.split(".")[1:]
                module = "/".join(relative) + ".py" if relative else "__init__.py"
                package_init = "/".join(relative) + "/__init__.py"
                assert module in hashed or package_init in hashed or (
                    isinstance(node, ast.ImportFrom) and all(
                        "/".join([*relative, alias.name]) + ".py" in hashed for alias in node.names)), (path, name)
