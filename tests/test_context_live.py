"""``scan --context`` with a snapshot the live audit wrote: the fake ARM serves the estate to the real
Azure SDK (tests/fakearm/), ``audit --save-snapshot`` records the compliant hub, and a template that
only adds a branch connection to the hub's VPN gateway is scanned against it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("azure.mgmt.network")
pytest.importorskip("trustme")

from tests.conftest import REPO_ROOT  # noqa: E402
from tests.fakearm import estate as E  # noqa: E402
from tests.fakearm.server import FakeArm  # noqa: E402
from tests.test_live_audit import HUB_ONLY, arm, audit, hybrid_check, server  # noqa: E402, F401

pytestmark = pytest.mark.slow  # outside `make test-fast` (see the Makefile)

TEMPLATE = REPO_ROOT / "tests" / "data" / "context" / "branch-connection.json"


def _branch(tmp_path: Path) -> Path:
    """The branch template pointed at the fake estate's hub gateway, with a range and ASN of its own."""
    text = TEMPLATE.read_text(encoding="utf-8")
    for old, new in (('"defaultValue": "rg-hub"', '"defaultValue": "rg-hub-net"'),
                     ('"defaultValue": "vgw-hub"', '"defaultValue": "vgw-hub-vpn"'),
                     ("192.168.20.0/24", "172.16.30.0/24"), ("192.168.20.254", "172.16.30.254"),
                     ('"asn": 65020', '"asn": 65030')):
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "branch.json"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_connection_to_the_audited_hub_passes_for_real(arm: FakeArm, capsys: pytest.CaptureFixture[str],  # noqa: F811
                                                         tmp_path: Path) -> None:
    snapshot = tmp_path / "hub.json"
    assert audit(arm, capsys, "--deep", "--save-snapshot", str(snapshot), scope=HUB_ONLY).code == 0
    branch = _branch(tmp_path)
    vault = f"/subscriptions/{E.SUB_CONNECTIVITY}/resourceGroups/rg-sec/providers/Microsoft.KeyVault/vaults/kv-net"
    parameters = tmp_path / "branch.parameters.json"
    parameters.write_text(json.dumps({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"sharedKey": {"reference": {"keyVault": {"id": vault}, "secretName": "cn-branch2-psk"}}}}),
        encoding="utf-8")
    deploy = ["--subscription-id", E.SUB_CONNECTIVITY, "--resource-group", "rg-branch2"]

    alone = hybrid_check(capsys, "scan", str(branch), "-p", str(parameters), *deploy, "--format", "json")
    assert alone.code == 1 and alone.results(status="unknown") and not alone.report["sites"]

    run = hybrid_check(capsys, "scan", str(branch), "-p", str(parameters), *deploy, "--context", str(snapshot),
                       "--format", "json")
    assert run.code == 0, run.report["summary"]["gate"]["reasons"]
    assert run.results(status="unknown") == [] and run.results(status="fail") == []
    hub = next(s for s in run.report["sites"] if s["name"] == "vnet-hub")
    assert hub["result"] == "pass"
    mine = [r for r in run.report["results"] if r["resource"]["name"] in ("cn-branch", "lng-branch")]
    assert mine and all(not r.get("context") for r in mine)
    assert {r["status"] for r in run.report["results"] if r["resource"]["name"] == "cn-branch"} <= \
        {"pass", "not-applicable"}
    text = json.dumps(run.report)
    assert not any(secret in text for secret in E.SECRETS)
