"""What-if results as an input: recognition by content, predicted states per change type, changes
without a state, failed what-ifs, and a template scanned with its what-if.

The what-if files in tests/data/whatif are written in the shapes Azure returns (the REST body of
POST .../deployments/{name}/whatIf as in the Microsoft.Resources REST API examples, the flattened az CLI
output, PowerShell's PSWhatIfOperationResult): they preview fixtures/vpn/unknown/vpn-ipam-reference.json
deployed to resource group rg-hub-ipam-weu of subscription 6d3f5c2a-1b4e-4f7a-9c8d-2e5f1a3b7c90."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker.cli import main
from checker.model import Secret, Unknown
from checker.sources.arm.context import DeploymentContext
from checker.sources.decode import loads
from checker.sources.inputs import read_inputs
from checker.sources.whatif import is_whatif, read_whatif

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data" / "whatif"
TEMPLATE = REPO / "fixtures" / "vpn" / "unknown" / "vpn-ipam-reference.json"
CONTEXT = ["--subscription-id", "6d3f5c2a-1b4e-4f7a-9c8d-2e5f1a3b7c90", "--resource-group", "rg-hub-ipam-weu"]
SUBNET_RULES = {"GW-SUBNET-SIZE", "GW-SUBNET-PLACEMENT"}


def load(name: str):
    path = DATA / name
    doc = loads(path.read_bytes(), str(path))
    return doc, read_whatif(doc, name)


def scan_json(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict, str]:
    code = main(["scan", *args, "--format", "json"])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, json.loads(out), err


def statuses(report: dict, rules: set[str]) -> dict[str, str]:
    return {r["rule"]: r["status"] for r in report["results"] if r["rule"] in rules}


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


# -- recognition ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["vpn-ipam-reference.whatif.json", "vpn-ipam-reference-small-subnet.whatif.json",
                                  "vpn-ipam-reference-ids-only.whatif.json", "failed.whatif.json",
                                  "powershell.whatif.json", "rest-example.whatif.json"])
def test_what_if_results_are_recognised_by_content(name: str) -> None:
    assert is_whatif(load(name)[0])


@pytest.mark.parametrize("doc", [
    {"id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v",
     "type": "Microsoft.Network/virtualNetworks", "status": "Succeeded", "changes": []},
    {"value": [], "status": "Succeeded"},
    {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
     "contentVersion": "1.0.0.0", "resources": []},
    {"status": "Succeeded"},
])
def test_other_documents_are_not_what_if_results(doc: dict) -> None:
    assert not is_whatif(doc)


# -- change types -----------------------------------------------------------------------------------

def test_predicted_state_per_change_type() -> None:
    _, loaded = load("vpn-ipam-reference.whatif.json")
    assert not loaded.errors
    changes = {r.name: r.metadata["whatif"]["changeType"] for r in loaded.resources}
    assert changes["vnet-hub-ipam-weu"] == "Modify"
    assert changes["nsg-snet-shared-ipam-weu"] == "NoChange"
    assert changes["vgw-hub-ipam-weu"] == "Create"
    assert changes["stflowlogsweu"] == "Ignore"  # its `before`: the resource stays as it is
    assert "cn-old-dc-ams" not in changes  # Delete: not in the predicted state
    assert any("1 resource(s) deleted" in n.message for n in loaded.notices)
    vnet = next(r for r in loaded.resources if r.name == "vnet-hub-ipam-weu")
    # `after`, not `before`: the Modify adds the GatewaySubnet
    assert [s["name"] for s in vnet.properties["subnets"]] == ["snet-shared", "GatewaySubnet"]
    assert vnet.origin.file == "vpn-ipam-reference.whatif.json"
    assert vnet.origin.line is not None and vnet.origin.line > line_of(DATA / "vpn-ipam-reference.whatif.json",
                                                                        '"changeType": "Modify"')


def test_changes_without_state_give_unknown_properties_and_a_notice() -> None:
    _, loaded = load("vpn-ipam-reference-ids-only.whatif.json")
    assert not loaded.errors
    gateway = next(r for r in loaded.resources if r.name == "vgw-hub-ipam-weu")
    assert gateway.type == "Microsoft.Network/virtualNetworkGateways"
    assert isinstance(gateway.properties.get("sku"), Unknown)
    setting = next(r for r in loaded.resources if r.name == "diag-vgw-hub-weu")
    assert setting.type == "Microsoft.Insights/diagnosticSettings"  # the extension type, from the id
    noticed = [n.message for n in loaded.notices if n.kind == "not-expanded"]
    assert len(noticed) == sum(1 for r in loaded.resources if r.metadata["whatif"]["changeType"] is None) == 12


def test_ids_only_what_if_gives_unknown_never_a_verdict_on_guessed_values(capsys) -> None:
    code, report, _ = scan_json([str(DATA / "vpn-ipam-reference-ids-only.whatif.json")], capsys)
    gateway_results = [r for r in report["results"] if r["resource"]["name"] == "vgw-hub-ipam-weu"
                       and r["status"] != "not-applicable"]
    assert gateway_results
    assert {r["status"] for r in gateway_results} <= {"unknown", "pass"}
    assert report["summary"]["counts"]["fail"] == 0
    assert code == 1  # unknowns fail the gate by default


def test_powershell_shape() -> None:
    _, loaded = load("powershell.whatif.json")
    assert not loaded.errors
    lng = next(r for r in loaded.resources if r.name == "lgw-dc-ams-02")
    assert lng.properties["gatewayIpAddress"] == "81.2.69.160"
    assert lng.resource_group == "rg-hub-ipam-weu"
    connection = next(r for r in loaded.resources if r.name == "cn-vgw-hub-ipam-weu-to-dc-ams")
    assert connection.type == "Microsoft.Network/connections"
    assert isinstance(connection.properties.get("connectionType"), Unknown)
    assert any("Unsupported" in n.message and "deployment is under way" in n.message for n in loaded.notices)


def test_rest_example_wrapper_and_secrets_are_hidden(capsys) -> None:
    _, loaded = load("rest-example.whatif.json")
    [connection] = loaded.resources
    assert connection.properties["enableBgp"] is True  # `after`
    assert isinstance(connection.properties["sharedKey"], Secret)
    code, report, err = scan_json([str(DATA / "rest-example.whatif.json")], capsys)
    assert "wh4tIfK3yShouldNeverPrint" not in json.dumps(report) + err
    assert report["summary"]["resources"] >= 1


def test_failed_what_if_is_an_input_error_with_azures_message(capsys) -> None:
    _, loaded = load("failed.whatif.json")
    assert not loaded.resources
    [error] = loaded.errors
    assert "InvalidTemplateDeployment" in error.message and "was not found" in error.message
    code = main(["scan", str(TEMPLATE), str(DATA / "failed.whatif.json"), *CONTEXT])
    out, err = capsys.readouterr()
    assert code == 2
    assert "the what-if failed: InvalidTemplateDeployment" in err and "Traceback" not in out + err
    # the template is still checked
    assert "GW-SUBNET-SIZE" in out


@pytest.mark.parametrize("status", ["Running", "Accepted"])
def test_unfinished_what_if_is_an_input_error(status: str) -> None:
    loaded = read_whatif({"status": status, "properties": {"changes": []}}, "w.json")
    assert loaded.errors and status in loaded.errors[0].message


# -- template plus what-if --------------------------------------------------------------------------

def test_template_alone_is_unknown_and_with_its_what_if_passes_or_fails_on_template_lines(capsys) -> None:
    code, alone, _ = scan_json([str(TEMPLATE), *CONTEXT], capsys)
    assert statuses(alone, SUBNET_RULES) == {"GW-SUBNET-SIZE": "unknown", "GW-SUBNET-PLACEMENT": "unknown"}
    assert code == 1

    code, good, _ = scan_json([str(TEMPLATE), str(DATA / "vpn-ipam-reference.whatif.json"), *CONTEXT], capsys)
    assert statuses(good, SUBNET_RULES) == {"GW-SUBNET-SIZE": "pass", "GW-SUBNET-PLACEMENT": "pass"}
    assert good["summary"]["counts"]["unknown"] == 0
    # the template's linked deployment is not expanded alone (it gates), but the what-if holds what it
    # deploys, so with the what-if it no longer gates
    assert [n["kind"] for n in alone["notices"] if n["kind"].startswith("not-expanded")] == ["not-expanded"]
    assert [n["kind"] for n in good["notices"] if n["kind"].startswith("not-expanded")] == ["not-expanded-previewed"]
    assert code == 0

    code, small, _ = scan_json([str(TEMPLATE), str(DATA / "vpn-ipam-reference-small-subnet.whatif.json"), *CONTEXT],
                               capsys)
    assert statuses(small, {"GW-SUBNET-SIZE"}) == {"GW-SUBNET-SIZE": "fail"}
    assert code == 1
    [failure] = [r for r in small["results"] if r["rule"] == "GW-SUBNET-SIZE"]
    assert "/29" in failure["message"]
    assert Path(failure["location"]["file"]).name == TEMPLATE.name
    vnet_line = line_of(TEMPLATE, '"type": "Microsoft.Network/virtualNetworks"')
    assert vnet_line - 2 <= failure["location"]["line"] <= line_of(TEMPLATE, '"name": "GatewaySubnet"')
    # the template's resources are read once: no duplicate from the what-if
    assert small["summary"]["resources"] == alone["summary"]["resources"] + 1  # + the Ignore'd storage account


def test_template_with_what_if_of_other_ids_says_so_and_stays_unknown(capsys) -> None:
    # Without the deployment context the template's ids name another subscription and group.
    _, report, _ = scan_json([str(TEMPLATE), str(DATA / "vpn-ipam-reference.whatif.json")], capsys)
    assert any("not in the what-if result" in n["message"] and "--resource-group" in n["message"]
               for n in report["notices"])
    template_subnet = [r for r in report["results"] if r["rule"] == "GW-SUBNET-SIZE"
                       and Path(r["location"]["file"]).name == TEMPLATE.name]
    assert template_subnet and template_subnet[0]["status"] == "unknown"


def test_ids_only_what_if_leaves_the_template_as_written() -> None:
    ctx = DeploymentContext(subscription_id="6d3f5c2a-1b4e-4f7a-9c8d-2e5f1a3b7c90", resource_group="rg-hub-ipam-weu")
    load_ = read_inputs([TEMPLATE, DATA / "vpn-ipam-reference-ids-only.whatif.json"], context=ctx)
    gateways = [r for r in load_.resources if r.type == "Microsoft.Network/virtualNetworkGateways"]
    assert len(gateways) == 1 and gateways[0].source == "template"
    assert gateways[0].properties["sku"]["name"] == "VpnGw2AZ"


def test_template_with_what_if_keeps_every_rule_and_the_templates_secrets(capsys) -> None:
    # The what-if shows no sharedKey (a secure value): the template's own stays, so no result is lost.
    _, alone, _ = scan_json([str(TEMPLATE), *CONTEXT], capsys)
    _, good, _ = scan_json([str(TEMPLATE), str(DATA / "vpn-ipam-reference.whatif.json"), *CONTEXT], capsys)
    def keyed(report: dict) -> dict:
        return {(r["rule"], r["resource"]["name"]): r["status"] for r in report["results"]}
    before, after = keyed(alone), keyed(good)
    assert set(before) <= set(after)
    changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    assert changed == {("GW-SUBNET-SIZE", "GatewaySubnet"): ("unknown", "pass"),
                       ("GW-SUBNET-PLACEMENT", "GatewaySubnet"): ("unknown", "pass")}
    assert after[("CONN-SHAREDKEY-SECRET", "cn-vgw-hub-ipam-weu-to-dc-ams")] == "pass"
