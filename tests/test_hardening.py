"""Hostile and broken inputs through the whole CLI: each gives a clear error (file, line, problem)
with exit code 2 or a result, never a traceback, and the other inputs are still checked."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from checker.cli import main

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"


def template(resources: list[Any], **extra: Any) -> dict[str, Any]:
    return {"$schema": SCHEMA, "contentVersion": "1.0.0.0", **extra, "resources": resources}


def vnet(prefix: Any = "10.1.255.224/27", **props: Any) -> dict[str, Any]:
    return {"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-09-01", "name": "vnet-hub",
            "location": "westeurope",
            "properties": {"addressSpace": {"addressPrefixes": ["10.1.0.0/16"]},
                           "subnets": [{"name": "GatewaySubnet", "properties": {"addressPrefix": prefix}}], **props}}


def gateway(sku: Any = None, **props: Any) -> dict[str, Any]:
    return {"type": "Microsoft.Network/virtualNetworkGateways", "apiVersion": "2023-09-01", "name": "vgw-hub",
            "location": "westeurope",
            "properties": {"gatewayType": "Vpn", "vpnType": "RouteBased", "activeActive": False,
                           "sku": sku if sku is not None else {"name": "VpnGw2AZ", "tier": "VpnGw2AZ"},
                           "ipConfigurations": [{"name": "default", "properties": {
                               "subnet": {"id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet-hub', 'GatewaySubnet')]"}}}],
                           **props}}


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert "internal error" not in err
    return code, out, err


def write(path: Path, content: Any) -> Path:
    path.write_bytes(content if isinstance(content, bytes) else json.dumps(content, indent=2).encode())
    return path


# Inputs that cannot be read: exit 2, and the message names the file, a line and the problem.
UNREADABLE = [
    ("truncated.json", b'{\n  "$schema": "x",\n  "resources": [\n', "invalid JSON", 4),
    ("empty.json", b"", "the file is empty", 1),
    ("not-arm.json", {"name": "something else", "version": 3}, "not an ARM template", 1),
    ("duplicate-keys.json", b'{"resources": [],\n "resources": []}', "duplicate key", 1),
    ("latin1.json", b'{"resources": [], "x": "caf\xe9"}', "not valid UTF-8", 1),
    ("huge-int.json", b'{"resources": [], "n": ' + b"1" * 5000 + b"}", "invalid JSON value", None),
    ("deep.json", b'{"resources": [], "x": ' + b"[" * 1000 + b"]" * 1000 + b"}", "nested", 1),
    ("azbb.json", {"$schema": "https://raw.githubusercontent.com/mspnp/template-building-blocks/master/schemas/buildingBlocks.json",
                   "contentVersion": "1.0.0.0", "parameters": {"buildingBlocks": {"value": []}}},
     "Azure Building Blocks", 1),
]


@pytest.mark.parametrize(("name", "content", "message", "line"), UNREADABLE, ids=[u[0] for u in UNREADABLE])
def test_unreadable_inputs_exit_2_with_file_line_and_problem(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: Any, message: str,
        line: int | None) -> None:
    bad = write(tmp_path / name, content)
    code, _, err = run(["scan", str(bad), "--format", "json"], capsys)
    assert code == 2
    assert message in err
    assert name in err
    if line is not None:
        assert f"{name}:{line}" in err


# Templates whose expressions or structure are wrong: exit 2 with the problem named.
BROKEN_TEMPLATES = [
    ("unknown-function", template([vnet(prefix="[nosuchfunction('x')]")]), "nosuchfunction"),
    ("argument-count", template([vnet(prefix="[toLower()]")]), "toLower"),
    ("cyclic-variable", template([vnet(prefix="[variables('a')]")], variables={"a": "[variables('b')]", "b": "[variables('a')]"}),
     "variable"),
    ("self-variable", template([vnet(prefix="[variables('a')]")], variables={"a": "[concat(variables('a'), 'x')]"}),
     "variable"),
    ("copy-over-800", template([{**gateway(), "name": "[format('gw{0}', copyIndex())]", "copy": {"name": "c", "count": 801}}]),
     "800"),
    ("missing-linked", template([{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "linked",
                                  "properties": {"mode": "Incremental", "templateLink": {"relativePath": "nested/missing.json"}}}]),
     "missing.json"),
    ("unterminated-string", template([vnet(prefix="[concat('10.1.0.0/24)]")]), "string"),
]


@pytest.mark.parametrize(("name", "doc", "message"), BROKEN_TEMPLATES, ids=[b[0] for b in BROKEN_TEMPLATES])
def test_broken_templates_exit_2_and_name_the_problem(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, doc: dict[str, Any], message: str) -> None:
    bad = write(tmp_path / f"{name}.json", doc)
    code, _, err = run(["scan", str(bad), "--format", "json", "--allow-empty"], capsys)
    assert code == 2
    assert message.lower() in err.lower()
    assert f"{name}.json:" in err


# Wrong shapes: a result (often unknown) or a clear error, never a crash.
WRONG_SHAPES = [
    ("sku-string", template([vnet(), gateway(sku="VpnGw2AZ")])),
    ("prefix-list", template([vnet(prefix=["10.1.255.224/27"]), gateway()])),
    ("prefix-number", template([vnet(prefix=27), gateway()])),
    ("prefix-garbage", template([vnet(prefix="10.1.999.0/27"), gateway()])),
    ("null-properties", template([{**vnet(), "properties": None}, {**gateway(), "properties": None}])),
    ("malformed-subnet-id", template([vnet(), {**gateway(), "properties": {**gateway()["properties"], "ipConfigurations": [
        {"name": "x", "properties": {"subnet": {"id": "not/an/id"}}}]}}])),
    ("ip-configurations-object", template([vnet(), {**gateway(), "properties": {**gateway()["properties"], "ipConfigurations": {"a": 1}}}])),
    ("subnets-string", template([vnet(subnets="GatewaySubnet"), gateway()])),
]


@pytest.mark.parametrize(("name", "doc"), WRONG_SHAPES, ids=[w[0] for w in WRONG_SHAPES])
def test_wrong_shapes_give_results_or_clear_errors(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, doc: dict[str, Any]) -> None:
    path = write(tmp_path / f"{name}.json", doc)
    code, out, err = run(["scan", str(path), "--format", "json"], capsys)
    assert code in (0, 1, 2)
    report = json.loads(out)
    if code == 2:
        assert report["errors"], "exit 2 must come with an input error"
    else:
        assert report["results"], "a readable template must produce results"
        assert report["summary"]["result"] != "pass" or code == 0


def test_other_inputs_are_still_checked_when_one_is_broken(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "broken.json", b'{"resources": [')
    write(tmp_path / "good.json", template([vnet(), gateway()]))
    code, out, err = run(["scan", str(tmp_path), "--format", "json"], capsys)
    assert code == 2
    report = json.loads(out)
    assert any(r["location"]["file"].endswith("good.json") for r in report["results"])
    assert [e["file"].endswith("broken.json") for e in report["errors"]] == [True]
    assert report["summary"]["result"] != "pass"


def test_copy_bomb_is_bounded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inner = template([{**gateway(), "name": "[format('gw{0}', copyIndex())]", "copy": {"name": "c", "count": 800}}])
    outer = template([{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01",
                       "name": "[format('d{0}', copyIndex())]", "copy": {"name": "d", "count": 800},
                       "properties": {"mode": "Incremental", "template": inner}}])
    path = write(tmp_path / "bomb.json", outer)
    start = time.monotonic()
    code, _, err = run(["scan", str(path), "--format", "json"], capsys)
    assert time.monotonic() - start < 60
    assert code == 2
    assert "resources" in err.lower()


def test_linked_template_uri_is_reported_not_fetched(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "remote.json", template([
        {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "remote",
         "properties": {"mode": "Incremental", "templateLink": {"uri": "https://example.invalid/t.json"}}},
        vnet(), gateway()]))
    code, out, _ = run(["scan", str(path), "--format", "json"], capsys)
    report = json.loads(out)
    assert any("https://example.invalid/t.json" in n["message"] for n in report["notices"])
