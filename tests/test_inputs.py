"""Reading inputs: recognition by content, parameter-file pairing and precedence, folder walks,
linked templates read once, and the shared corpus (every file loads or gets a clear error)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker import api
from checker.api import ScanOptions

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
PARAMS = "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#"


def _template(prefix_default: str | None = None) -> dict:
    parameter: dict = {"type": "string"}
    if prefix_default is not None:
        parameter["defaultValue"] = prefix_default
    return {"$schema": SCHEMA, "contentVersion": "1.0.0.0", "parameters": {"prefix": parameter},
            "resources": [{"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-09-01", "name": "vnet",
                           "properties": {"addressSpace": {"addressPrefixes": ["[parameters('prefix')]"]}}}]}


def _parameters(value: str) -> dict:
    return {"$schema": PARAMS, "contentVersion": "1.0.0.0", "parameters": {"prefix": {"value": value}}}


def _prefix(load: api.InputLoad) -> object:
    (vnet,) = [r for r in load.resources if r.name == "vnet"]
    return vnet.properties["addressSpace"]["addressPrefixes"][0]


def _write(path: Path, doc: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2))
    return path


def test_sibling_parameter_file_then_explicit_files_then_defaults(tmp_path: Path) -> None:
    template = _write(tmp_path / "hub.json", _template(prefix_default="10.0.0.0/16"))
    assert _prefix(api.read([template])) == "10.0.0.0/16"
    _write(tmp_path / "hub.parameters.json", _parameters("10.1.0.0/16"))
    assert _prefix(api.read([template])) == "10.1.0.0/16"
    first = _write(tmp_path / "other" / "prod.json", _parameters("10.2.0.0/16"))
    second = _write(tmp_path / "other" / "override.json", _parameters("10.3.0.0/16"))
    assert _prefix(api.read([template], ScanOptions(parameter_files=(first,)))) == "10.2.0.0/16"
    assert _prefix(api.read([template], ScanOptions(parameter_files=(first, second)))) == "10.3.0.0/16"


def test_folder_walk_pairs_templates_and_skips_unrelated_json(tmp_path: Path) -> None:
    _write(tmp_path / "infra" / "hub.json", _template())
    _write(tmp_path / "infra" / "hub.parameters.json", _parameters("10.9.0.0/16"))
    _write(tmp_path / "infra" / "package.json", {"name": "tooling", "version": "1.0.0"})
    _write(tmp_path / "infra" / "orphan.parameters.json", _parameters("10.8.0.0/16"))
    load = api.read([tmp_path / "infra"])
    assert load.errors == []
    assert _prefix(load) == "10.9.0.0/16"
    notices = {Path(n.file).name: n.message for n in load.notices}
    assert notices["package.json"].startswith("skipped: not an ARM template")
    assert "parameter file not used" in notices["orphan.parameters.json"]
    assert "hub.parameters.json" not in notices


def test_a_named_file_that_is_not_an_input_is_an_error(tmp_path: Path) -> None:
    other = _write(tmp_path / "package.json", {"name": "tooling"})
    load = api.read([other])
    assert [(Path(e.file).name, e.line) for e in load.errors] == [("package.json", 1)]
    assert "not an ARM template" in load.errors[0].message


def test_linked_templates_are_read_through_their_deployment_only(tmp_path: Path) -> None:
    child = {"$schema": SCHEMA, "contentVersion": "1.0.0.0", "parameters": {"name": {"type": "string"}},
             "resources": [{"type": "Microsoft.Network/localNetworkGateways", "apiVersion": "2023-09-01",
                            "name": "[parameters('name')]", "properties": {"gatewayIpAddress": "203.0.113.7"}}]}
    main = {"$schema": SCHEMA, "contentVersion": "1.0.0.0", "resources": [
        {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "onprem",
         "properties": {"mode": "Incremental", "templateLink": {"relativePath": "nested/lng.json"},
                        "parameters": {"name": {"value": "lng-dc1"}}}}]}
    _write(tmp_path / "main.json", main)
    _write(tmp_path / "nested" / "lng.json", child)
    load = api.read([tmp_path])
    assert load.errors == []
    gateways = [r.name for r in load.resources if r.type.endswith("localNetworkGateways")]
    assert gateways == ["lng-dc1"]  # not a second copy with an unknown name from a standalone read
    assert not any("has no value" in n.message for n in load.notices)


def test_every_corpus_file_loads_or_gets_a_clear_error(corpus_dir: Path) -> None:
    load = api.read([corpus_dir])
    assert load.errors == []  # met in a folder walk, files that are not inputs are notices
    skipped = {Path(n.file).name: n.message for n in load.notices if n.kind == "skipped"}
    assert skipped["eslzArm.vpnGateway.EMPTY-FILE.json"].startswith("skipped: empty file")
    assert skipped["hub-spoke.azbb.json"].startswith("skipped: Azure Building Blocks (azbb) input")
    assert skipped["hybrid-vpn.azbb.json"].startswith("skipped: Azure Building Blocks (azbb) input")
    assert len(load.files) == 38  # the empty file and the two azbb files are not inputs
    named = api.read([corpus_dir / "mspnp-refarch" / "hub-spoke.azbb.json",
                      corpus_dir / "eslz" / "eslzArm.vpnGateway.EMPTY-FILE.json"])
    assert sorted(e.message for e in named.errors) == [  # named on the command line: still errors
        "Azure Building Blocks (azbb) input, not an ARM template or export", "the file is empty"]
    with_resources = {Path(r.origin.file).name for r in load.resources}
    for name in ("site-to-site-vpn.azuredeploy.json", "vnet-to-vnet-bgp.azuredeploy.json",
                 "virtual-network-gateway.main.json", "hubNetworking.compiled-2022-10.json",
                 "VirtualNetworkGatewayList.2024-05-01.example.json", "connections.test.vnet2vnet.deploy.test.json"):
        assert name in with_resources, name
    # the linked-template orchestrator names every URI it did not fetch
    unfetched = [n for n in load.notices if n.kind == "not-expanded" and "raw.githubusercontent.com" in n.message]
    assert len(unfetched) == 3


def test_set_values_win_over_parameter_files(tmp_path: Path, capsys) -> None:
    from checker.cli import main

    template = _write(tmp_path / "hub.json", _template())
    _write(tmp_path / "hub.parameters.json", _parameters("10.1.0.0/16"))
    load = api.read([template], ScanOptions(parameter_values=(("prefix", "10.7.0.0/16"),)))
    assert _prefix(load) == "10.7.0.0/16"
    assert main(["graph", str(template), "--set", "prefix=10.6.0.0/16", "--format", "json"]) == 0
    assert "10.6.0.0/16" in capsys.readouterr().out


def test_undeclared_parameter_from_p_is_an_error_for_one_template_and_ignored_across_several(tmp_path: Path) -> None:
    # Azure/Enterprise-Scale-for-AVS ExRConnection.parameters.json sets ConnectionName, which its template
    # does not declare: ARM refuses that deployment. Given for several templates, -p applies where it fits.
    from checker.sources.inputs import read_inputs
    vnet = {"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-09-01", "name": "v",
            "location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}
    doc = {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
           "contentVersion": "1.0.0.0", "resources": [vnet]}
    (tmp_path / "a.json").write_text(json.dumps(doc))
    (tmp_path / "b.json").write_text(json.dumps(doc))
    given = tmp_path / "given.params.json"
    given.write_text(json.dumps({"$schema": "https://schema.management.azure.com/schemas/2019-04-01/"
                                            "deploymentParameters.json#", "parameters": {"ConnectionName": {"value": "x"}}}))
    one = read_inputs([tmp_path / "a.json"], parameter_files=[given])
    assert any("ConnectionName" in e.message for e in one.errors)
    several = read_inputs([tmp_path / "a.json", tmp_path / "b.json"], parameter_files=[given])
    assert several.errors == [] and any("ConnectionName" in n.message for n in several.notices)


@pytest.mark.parametrize("written", ["relativePath", "RELATIVEPATH", "\\u0072elativePath"])
def test_a_link_is_found_however_its_name_is_written(tmp_path: Path, written: str) -> None:
    """The search for links is skipped only for a text that cannot name relativePath: a name in
    another case or spelled with an escape still links the file (read first, it would be a root)."""
    from checker.sources.inputs import may_link

    child = {"$schema": SCHEMA, "contentVersion": "1.0.0.0", "parameters": {"name": {"type": "string"}},
             "resources": [{"type": "Microsoft.Network/localNetworkGateways", "apiVersion": "2023-09-01",
                            "name": "[parameters('name')]", "properties": {"gatewayIpAddress": "203.0.113.7"}}]}
    main = json.dumps({"$schema": SCHEMA, "contentVersion": "1.0.0.0", "resources": [
        {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "onprem",
         "properties": {"mode": "Incremental", "templateLink": {"LINK_NAME": "a-child.json"},
                        "parameters": {"name": {"value": "lng-dc1"}}}}]}).replace("LINK_NAME", written)
    _write(tmp_path / "a-child.json", child)  # walked before the template that links it
    (tmp_path / "z-main.json").write_text(main, encoding="utf-8")
    assert may_link((tmp_path / "z-main.json").read_bytes()) and not may_link((tmp_path / "a-child.json").read_bytes())
    load = api.read([tmp_path])
    assert load.errors == []
    assert [r.name for r in load.resources if r.type.endswith("localNetworkGateways")] == ["lng-dc1"]
    # UTF-16 text may link whatever its bytes look like
    assert may_link(main.encode("utf-16"))


def test_a_document_beyond_the_full_position_limit_is_searched_for_links() -> None:
    from checker.sources import decode
    from checker.sources.inputs import may_link

    assert not may_link(b'{"resources": []}')
    assert may_link(b'{"resources": []}' + b" " * decode.FULL_POSITION_LIMIT)
