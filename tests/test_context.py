"""``scan --context FILE``: the live estate supplies what a template refers to but does not deploy.

The case: ``branch-connection.json`` adds a branch office (a local network gateway and an IPsec
connection) to the hub VPN gateway ``vgw-hub`` of another resource group; ``hub-snapshot.json`` is a
live-audit snapshot of that hub (built with the fake ARM's resource builders, tests/fakearm/estate.py),
with a pre-existing weak-crypto connection ``cn-legacy`` whose shared key is planted below."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from checker import api, cli
from checker.model import Origin, Resource, Unknown
from checker.report.gate import evaluate_gate
from checker.report.model import Location, ResourceRef, Result
from checker.sources.arm.context import DeploymentContext
from checker.sources.context import context_only
from tests.conftest import REPO_ROOT

DATA = REPO_ROOT / "tests" / "data" / "context"
TEMPLATE = DATA / "branch-connection.json"
SNAPSHOT = DATA / "hub-snapshot.json"
SUB = "11111111-2222-3333-4444-555555555555"
DEPLOY = ["--subscription-id", SUB, "--resource-group", "rg-branch"]
PLANTED = "ctxPlantedSecretZq81x7"  # cn-legacy's shared key in the snapshot
HUB = f"/subscriptions/{SUB}/resourceGroups/rg-hub/providers/Microsoft.Network"
REPORT_SCHEMA = REPO_ROOT / "checker" / "schemas" / "report.schema.json"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def scan_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    code, out, _err = run(capsys, "scan", *argv, "--format", "json")
    return code, json.loads(out)


def counts(report: dict[str, Any]) -> dict[str, int]:
    found: dict[str, int] = {}
    for result in report["results"]:
        found[result["status"]] = found.get(result["status"], 0) + 1
    return found


def by_rule(report: dict[str, Any], status: str) -> dict[str, bool]:
    """rule -> context flag of the results with ``status``."""
    return {r["rule"]: r.get("context", False) for r in report["results"] if r["status"] == status}


def _branch_copy(tmp_path: Path, prefix: str) -> Path:
    """The branch template with another on-premises prefix."""
    text = TEMPLATE.read_text(encoding="utf-8").replace("192.168.20.0/24", prefix)
    assert prefix in text
    path = tmp_path / "branch.json"
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------------------------------ before / after

def test_the_template_alone_is_unknown_and_with_its_context_fails_for_real(capsys: pytest.CaptureFixture[str]) -> None:
    before_code, before = scan_json(capsys, str(TEMPLATE), *DEPLOY)
    assert before_code == 1
    assert counts(before).get("fail", 0) == 0 and counts(before)["unknown"] >= 4
    assert all("only known after deployment" in " ".join(r["unknownReasons"])
               for r in before["results"] if r["status"] == "unknown")
    assert before["sites"] == []  # the hub is not in the inputs: no site

    after_code, after = scan_json(capsys, str(TEMPLATE), *DEPLOY, "--context", str(SNAPSHOT))
    assert after_code == 1
    # The site is checked as a whole: the branch's 192.168.20.0/24 overlaps the legacy 192.168.0.0/16.
    overlap = [r for r in after["results"] if r["rule"] == "NET-NO-OVERLAP-ONPREM"]
    assert [(r["status"], r.get("context", False)) for r in overlap] == [("fail", False)]
    assert "lng-branch" in overlap[0]["message"] and "lng-legacy" in overlap[0]["message"]
    # Nothing about the new connection stays unknown.
    assert not [r for r in after["results"] if r["status"] == "unknown" and r["resource"]["name"] == "cn-branch"]
    assert [s["name"] for s in after["sites"]] == ["vnet-hub"]
    # The pre-existing problems of the hub are shown, marked, and do not gate.
    failing = by_rule(after, "fail")
    assert failing["CONN-IPSEC-CRYPTO"] is True and failing["NET-NO-OVERLAP-ONPREM"] is False
    assert all(r.get("context") for r in after["results"] if r["resource"]["name"] in ("cn-legacy", "vgw-hub"))
    assert any("not gating" in reason for reason in after["summary"]["gate"]["reasons"])
    assert len(after["results"]) > len(before["results"])


def test_a_branch_without_overlap_passes_and_gate_context_fails_it(capsys: pytest.CaptureFixture[str],
                                                                  tmp_path: Path) -> None:
    branch = _branch_copy(tmp_path, "172.16.20.0/24")
    assert run(capsys, "scan", str(branch), *DEPLOY)[0] == 1  # unknown alone
    code, report = scan_json(capsys, str(branch), *DEPLOY, "--context", str(SNAPSHOT))
    assert code == 0
    gating = [r for r in report["results"] if r["status"] in ("fail", "unknown") and not r.get("context")]
    assert gating == []
    assert by_rule(report, "fail").get("CONN-IPSEC-CRYPTO") is True  # shown, not gating
    code, report = scan_json(capsys, str(branch), *DEPLOY, "--context", str(SNAPSHOT), "--gate-context")
    assert code == 1
    assert any("CONN-IPSEC-CRYPTO" in reason for reason in report["summary"]["gate"]["reasons"])


def test_reference_to_a_context_resource_resolves_from_its_body() -> None:
    def connection(context_files: tuple[Path, ...]) -> Resource:
        options = api.ScanOptions(context=DeploymentContext(subscription_id=SUB, resource_group="rg-branch"),
                                  context_files=context_files)
        load = api.read([TEMPLATE], options)
        assert not load.errors
        return next(r for r in load.resources if r.name == "cn-branch")

    assert isinstance(connection(()).properties["enableBgp"], Unknown)
    assert connection((SNAPSHOT,)).properties["enableBgp"] is True  # the hub gateway's enableBgp


def test_a_member_the_context_does_not_hold_stays_unknown(tmp_path: Path) -> None:
    text = TEMPLATE.read_text(encoding="utf-8").replace(
        "'2023-09-01').enableBgp]", "'2023-09-01').customBgpFlag]")
    path = tmp_path / "branch.json"
    path.write_text(text, encoding="utf-8")
    options = api.ScanOptions(context=DeploymentContext(subscription_id=SUB, resource_group="rg-branch"),
                              context_files=(SNAPSHOT,))
    load = api.read([path], options)
    assert not load.errors
    value = next(r for r in load.resources if r.name == "cn-branch").properties["enableBgp"]
    assert isinstance(value, Unknown) and "customBgpFlag" in value.reason


def test_ids_must_line_up_through_the_deployment_context(capsys: pytest.CaptureFixture[str]) -> None:
    # Without --subscription-id the template's hub id is in the default subscription: nothing resolves.
    code, report = scan_json(capsys, str(TEMPLATE), "--resource-group", "rg-branch", "--context", str(SNAPSHOT))
    assert code == 1
    assert [r for r in report["results"] if r["resource"]["name"] == "cn-branch" and r["status"] == "unknown"]
    assert not [r for r in report["results"] if r["rule"] == "NET-NO-OVERLAP-ONPREM" and not r.get("context")]


# ------------------------------------------------------------------------------------------ template wins

def test_the_template_wins_over_the_context_for_the_same_id(capsys: pytest.CaptureFixture[str],
                                                           tmp_path: Path) -> None:
    doc = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    # The change also redeploys the hub gateway (same id, other casing) as a Basic policy-based gateway.
    doc["resources"].append({
        "type": "Microsoft.Network/virtualNetworkGateways", "apiVersion": "2023-09-01", "name": "VGW-HUB",
        "location": "westeurope",
        "properties": {"gatewayType": "Vpn", "vpnType": "PolicyBased", "sku": {"name": "Basic", "tier": "Basic"},
                       "enableBgp": False, "activeActive": False,
                       "ipConfigurations": [{"name": "ipconfig1", "properties": {
                           "subnet": {"id": f"{HUB}/virtualNetworks/vnet-hub/subnets/GatewaySubnet"}}}]}})
    branch = [r for r in doc["resources"] if r["type"].endswith("connections")][0]["properties"]
    branch["virtualNetworkGateway1"]["id"] = "[resourceId('Microsoft.Network/virtualNetworkGateways', 'VGW-HUB')]"
    path = tmp_path / "hub-change.json"
    path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    deploy = ["--subscription-id", SUB, "--resource-group", "rg-hub"]

    code, report = scan_json(capsys, str(path), *deploy, "--context", str(SNAPSHOT))
    assert code == 1
    route = [r for r in report["results"] if r["rule"] == "VPN-ROUTE-BASED"]
    assert [(r["status"], Path(r["location"]["file"]).name, r.get("context", False)) for r in route] == \
        [("fail", "hub-change.json", False)]
    assert any("also in the scanned inputs" in n["message"] for n in report["notices"])
    # the context's own gateway (active-active, route-based) is not evaluated beside it
    assert len([r for r in report["results"] if r["rule"] == "VPN-ROUTE-BASED"]) == 1
    # reference() of the gateway the template deploys is its state after deployment: not the context's
    options = api.ScanOptions(context=DeploymentContext(subscription_id=SUB, resource_group="rg-hub"),
                              context_files=(SNAPSHOT,))
    connection = next(r for r in api.read([path], options).resources if r.name == "cn-branch")
    assert isinstance(connection.properties["enableBgp"], Unknown)


BICEP = """
resource hubGw 'Microsoft.Network/virtualNetworkGateways@2023-09-01' existing = {
  name: 'vgw-hub'
  scope: resourceGroup('rg-hub')
}

resource lng 'Microsoft.Network/localNetworkGateways@2023-09-01' = {
  name: 'lng-branch'
  location: 'westeurope'
  properties: {
    gatewayIpAddress: '203.0.113.20'
    localNetworkAddressSpace: { addressPrefixes: ['172.16.20.0/24'] }
    bgpSettings: { asn: 65020, bgpPeeringAddress: '172.16.20.254' }
  }
}

resource cn 'Microsoft.Network/connections@2023-09-01' = {
  name: 'cn-branch'
  location: 'westeurope'
  properties: {
    connectionType: 'IPsec'
    virtualNetworkGateway1: { id: hubGw.id, properties: {} }
    localNetworkGateway2: { id: lng.id, properties: {} }
    enableBgp: hubGw.properties.enableBgp
  }
}
"""


def test_a_bicep_existing_resource_resolves_from_the_context(tmp_path: Path) -> None:
    path = tmp_path / "branch.bicep"
    path.write_text(BICEP, encoding="utf-8")

    def connection(context_files: tuple[Path, ...]) -> Resource:
        options = api.ScanOptions(context=DeploymentContext(subscription_id=SUB, resource_group="rg-branch"),
                                  context_files=context_files)
        load = api.read([path], options)
        assert not load.errors
        return next(r for r in load.resources if r.name == "cn-branch")

    alone = connection(()).properties["enableBgp"]
    assert isinstance(alone, Unknown) and "hubGw" in alone.reason
    assert connection((SNAPSHOT,)).properties["enableBgp"] is True


# ------------------------------------------------------------------------------------------ formats

def test_context_findings_are_marked_in_every_format(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    outputs = {fmt: tmp_path / f"report.{fmt}" for fmt in ("json", "sarif", "junit", "markdown", "html")}
    code, table, _err = run(capsys, "scan", str(TEMPLATE), *DEPLOY, "--context", str(SNAPSHOT), "--width", "200",
                            *[arg for fmt, path in outputs.items() for arg in ("-o", f"{fmt}:{path}")])
    assert code == 1
    assert "fail (context)" in table and "not gating (--gate-context gates them)" in table
    assert "fail/unknown only about --context resources" in table

    report = json.loads(outputs["json"].read_text(encoding="utf-8"))
    schema = json.loads(REPORT_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(report)
    assert {r["rule"] for r in report["results"] if r.get("context")} >= {"CONN-IPSEC-CRYPTO", "GW-DIAG-LOGS"}

    sarif = json.loads(outputs["sarif"].read_text(encoding="utf-8"))
    results = sarif["runs"][0]["results"]
    marked = [r for r in results if r["properties"].get("context")]
    assert marked and all(r["baselineState"] == "unchanged" for r in marked)
    overlap = next(r for r in results if r["ruleId"] == "NET-NO-OVERLAP-ONPREM")
    assert "context" not in overlap["properties"] and "baselineState" not in overlap

    suites = ElementTree.fromstring(outputs["junit"].read_text(encoding="utf-8"))
    cases = {(c.get("classname"), c.get("name")): c for c in suites.iter("testcase")}
    crypto = cases[("CONN-IPSEC-CRYPTO", "cn-legacy")]
    skipped = crypto.find("skipped")
    assert crypto.find("failure") is None and skipped is not None
    assert "context only" in str(skipped.get("message"))
    assert cases[("NET-NO-OVERLAP-ONPREM", "vnet-hub")].find("failure") is not None

    markdown = outputs["markdown"].read_text(encoding="utf-8")
    assert "fail (context)" in markdown and "only about `--context` resources" in markdown

    page = outputs["html"].read_text(encoding="utf-8")
    assert "(context)</td>" in page and "Context only: this resource is only in a --context file" in page

    code, _out, _err = run(capsys, "scan", str(TEMPLATE), *DEPLOY, "--context", str(SNAPSHOT), "--gate-context",
                           "-o", f"junit:{outputs['junit']}")
    suites = ElementTree.fromstring(outputs["junit"].read_text(encoding="utf-8"))
    crypto = next(c for c in suites.iter("testcase")
                  if (c.get("classname"), c.get("name")) == ("CONN-IPSEC-CRYPTO", "cn-legacy"))
    assert code == 1 and crypto.find("failure") is not None


def test_no_secret_of_the_context_is_printed(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert PLANTED in SNAPSHOT.read_text(encoding="utf-8")
    outputs = [("json", tmp_path / "r.json"), ("sarif", tmp_path / "r.sarif"), ("junit", tmp_path / "r.xml"),
               ("markdown", tmp_path / "r.md"), ("html", tmp_path / "r.html")]
    code, out, err = run(capsys, "scan", str(TEMPLATE), *DEPLOY, "--context", str(SNAPSHOT), "-v", "--show-passed",
                         "--set", "sharedKey=branchKey123", *[a for f, p in outputs for a in ("-o", f"{f}:{p}")])
    assert code == 1
    texts = [out, err] + [path.read_text(encoding="utf-8") for _fmt, path in outputs]
    code, graph, err2 = run(capsys, "graph", str(SNAPSHOT), "--format", "json")
    texts += [graph, err2]
    for text in texts:
        assert PLANTED not in text and "branchKey123" not in text


# ------------------------------------------------------------------------------------------ input errors

@pytest.mark.parametrize(("content", "line", "what"), [
    ('{\n  "data": [\n    {"id": "x",\n  ]\n}\n', 4, "context file"),
    (json.dumps({"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                 "contentVersion": "1.0.0.0", "resources": []}), 1, "not a live-audit snapshot"),
])
def test_a_bad_context_file_is_an_input_error_with_file_and_line(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                                 content: str, line: int, what: str) -> None:
    bad = tmp_path / "estate.json"
    bad.write_text(content, encoding="utf-8")
    code, out, err = run(capsys, "scan", str(TEMPLATE), *DEPLOY, "--context", str(bad), "--format", "json")
    assert code == 2
    report = json.loads(out)
    [error] = report["errors"]
    assert error["file"].endswith("estate.json") and error["line"] == line and what in error["message"]
    assert "Traceback" not in err
    # the template is still checked
    assert any(r["resource"]["name"] == "cn-branch" for r in report["results"])


def test_a_missing_context_file_is_an_input_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _err = run(capsys, "scan", str(TEMPLATE), *DEPLOY, "--context", str(tmp_path / "nope.json"),
                          "--format", "json")
    assert code == 2
    assert "nope.json" in json.loads(out)["errors"][0]["file"]


# ------------------------------------------------------------------------------------------ configuration

def test_context_and_gate_context_from_the_configuration(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "repo"
    (work / "estate").mkdir(parents=True)
    shutil.copy(SNAPSHOT, work / "estate" / "hub.json")
    branch = _branch_copy(work, "172.16.20.0/24")
    config = work / ".hybrid-check.yaml"
    config.write_text(f"subscription-id: {SUB}\nresource-group: rg-branch\ncontext:\n  - estate/hub.json\n",
                      encoding="utf-8")
    monkeypatch.chdir(work)
    code, report = scan_json(capsys, branch.name)
    assert code == 0 and [s["name"] for s in report["sites"]] == ["vnet-hub"]
    config.write_text(config.read_text(encoding="utf-8") + "gate-context: true\n", encoding="utf-8")
    assert scan_json(capsys, branch.name)[0] == 1
    config.write_text("context: [estate/hub.json]\ngate-context: 3\n", encoding="utf-8")
    code, _out, err = run(capsys, "scan", branch.name)
    assert code == 2 and "gate-context" in err


# ------------------------------------------------------------------------------------------ definitions

def _resource(rid: str, context: bool) -> Resource:
    name = rid.rsplit("/", 1)[-1]
    resource = Resource(rid, "t", name, {"id": rid}, Origin("f.json", 1))
    if context:
        resource.metadata["contextFile"] = "hub.json"
    return resource


def _result(rid: str, site: str | None) -> Result:
    return Result(rule="R", status="fail", severity="high", site=site,
                  resource=ResourceRef(rid, "t", rid.rsplit("/", 1)[-1]), location=Location("f.json", 1),
                  message="m")


def test_what_lives_only_in_the_context() -> None:
    vnet = f"{HUB}/virtualNetworks/vnet-hub"
    other = f"{HUB}/virtualNetworks/vnet-other"
    resources = [_resource(vnet, True), _resource(f"{HUB}/virtualNetworkGateways/vgw-hub", True),
                 _resource(other, True),
                 _resource(f"{vnet}/virtualNetworkPeerings/to-spoke", False),  # the template's peering
                 _resource("/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/connections/c", False)]
    results = [
        _result(f"{vnet.upper()}/subnets/GatewaySubnet", vnet),  # inline subnet of a context VNet
        _result(f"{vnet}/virtualNetworkPeerings/to-spoke", vnet),  # added by the template
        _result(f"{HUB}/virtualNetworkGateways/vgw-hub", vnet),  # context gateway of a changed site
        _result(vnet, vnet),  # the changed site itself
        _result(other, other),  # a site the template does not touch
    ]
    flags = [r.context for r in context_only(results, resources)]
    assert flags == [True, False, True, False, True]
    assert [r.context for r in context_only(results, [_resource(vnet, False)])] == [False] * 5


def test_the_gate_of_the_library() -> None:
    report = api.scan([TEMPLATE], api.ScanOptions(
        context=DeploymentContext(subscription_id=SUB, resource_group="rg-branch"), context_files=(SNAPSHOT,)))
    assert any(r.context for r in report.results)
    plain = evaluate_gate(report)
    strict = evaluate_gate(report, gate_context=True)
    assert plain.exit_code == 1 and strict.exit_code == 1
    assert "CONN-IPSEC-CRYPTO" in " ".join(strict.reasons)
    assert "CONN-IPSEC-CRYPTO" not in " ".join(plain.reasons)
    assert any("not gating (--gate-context" in reason for reason in plain.reasons)


def test_the_sarif_of_a_context_scan_validates(capsys: pytest.CaptureFixture[str], sarif_schema_path: Path) -> None:
    code, out, _err = run(capsys, "scan", str(TEMPLATE), *DEPLOY, "--context", str(SNAPSHOT), "--format", "sarif")
    assert code == 1
    schema = json.loads(sarif_schema_path.read_text(encoding="utf-8"))
    sarif = json.loads(out)
    jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker()).validate(sarif)
    assert any(r.get("baselineState") == "unchanged" for r in sarif["runs"][0]["results"])


def test_a_context_file_in_a_scanned_folder_is_context_only(capsys: pytest.CaptureFixture[str],
                                                            tmp_path: Path) -> None:
    branch = _branch_copy(tmp_path, "172.16.20.0/24")
    shutil.copy(SNAPSHOT, tmp_path / "hub.json")
    code, report = scan_json(capsys, str(tmp_path), *DEPLOY, "--context", str(tmp_path / "hub.json"))
    assert code == 0, report["summary"]["gate"]["reasons"]
    assert branch.name in " ".join(report["inputs"])
    assert not any(i.endswith("hub.json") and not i.startswith("context: ") for i in report["inputs"])
    assert by_rule(report, "fail")["CONN-IPSEC-CRYPTO"] is True
    # scanned as an input, the same snapshot's problems gate
    assert run(capsys, "scan", str(tmp_path), *DEPLOY)[0] == 1
