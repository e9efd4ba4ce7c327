"""One work budget per input (issue 17, finding 4): user-defined function calls, expressions, copy loop
iterations and nested deployments all count, across the whole template; past the budget the input is an
error naming the file, the line and the expression, and the other inputs are still checked."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from checker.cli import main
from checker.sources.arm import deployment
from checker.sources.arm.context import DeploymentContext
from checker.sources.arm.functions import INPUT_WORK_LIMIT
from checker.sources.decode import loads
from tests.conftest import shared_dir

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
CPU_SECONDS = 5.0  # a 2^31-call template used to run for about an hour


def doubling_functions(levels: int) -> dict[str, Any]:
    """``ns.f{i}(x) = add(ns.f{i-1}(x), ns.f{i-1}(x))``: ``ns.f{levels}`` makes 2^(levels+1) - 1 calls
    while every value stays a small integer (no value or string limit applies)."""
    members: dict[str, Any] = {"f0": {"parameters": [{"name": "x", "type": "int"}],
                                      "output": {"type": "int", "value": "[parameters('x')]"}}}
    for i in range(1, levels + 1):
        members[f"f{i}"] = {"parameters": [{"name": "x", "type": "int"}], "output": {
            "type": "int", "value": f"[add(ns.f{i - 1}(parameters('x')), ns.f{i - 1}(parameters('x')))]"}}
    return {"$schema": SCHEMA, "contentVersion": "1.0.0.0", "functions": [{"namespace": "ns", "members": members}],
            "resources": [{"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-09-01", "name": "vnet",
                           "location": "westeurope", "tags": {"n": f"[ns.f{levels}(1)]"},
                           "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}]}


def _expand(doc: dict[str, Any], **kwargs: Any) -> deployment.TemplateLoad:
    decoded = loads(json.dumps(doc, indent=1).encode(), "t.json")
    return deployment.expand_template(decoded, "t.json", parameter_values={}, context=DeploymentContext(),
                                      base_dir=Path("."), **kwargs)


def test_exponential_user_functions_stop_quickly_and_the_other_inputs_are_checked(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hostile = tmp_path / "hostile.json"
    hostile.write_text(json.dumps(doubling_functions(30), indent=1), encoding="utf-8")
    assert hostile.stat().st_size < 8_000  # 2^31 calls from a 7 KB template
    gateway = tmp_path / "gateway.json"
    gateway.write_text(json.dumps({"$schema": SCHEMA, "contentVersion": "1.0.0.0", "resources": [{
        "type": "Microsoft.Network/virtualNetworkGateways", "apiVersion": "2023-09-01", "name": "vgw",
        "location": "westeurope",
        "properties": {"gatewayType": "Vpn", "vpnType": "RouteBased", "sku": {"name": "VpnGw1", "tier": "VpnGw1"}}}]}),
        encoding="utf-8")
    started = time.process_time()
    code = main(["scan", str(hostile), str(gateway), "--format", "json"])
    spent = time.process_time() - started
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "internal error" not in err
    report = json.loads(out)
    assert code == 2 and spent < CPU_SECONDS
    [error] = report["errors"]
    assert Path(error["file"]).name == "hostile.json"
    text = hostile.read_text(encoding="utf-8").splitlines()
    assert "ns.f30(1)" in text[error["line"] - 1] or "ns.f30(1)" in text[error["line"]]
    assert f"more than {INPUT_WORK_LIMIT:,} steps of work" in error["message"]
    assert "[ns.f30(1)]" in error["message"] and "user-defined function" in error["hint"]
    # The other input is still read and checked.
    assert any(r["rule"] == "VPN-SKU-AZ" and Path(r["location"]["file"]).name == "gateway.json"
               for r in report["results"])


def test_the_budget_is_shared_by_every_expression_of_the_input() -> None:
    # Each expression alone is small (2^11 calls); 40 of them in one template exceed a budget that each
    # would fit in on its own: the budget is per input, not per expression or per resource.
    doc = doubling_functions(10)
    doc["resources"] = [dict(doc["resources"][0], name=f"vnet{i}") for i in range(40)]
    one = _expand(doubling_functions(10))
    assert not one.errors and one.work_used > 2 ** 11
    result = _expand(doc, work_limit=one.work_used * 10)
    assert [e.message for e in result.errors if "steps of work" in e.message]
    assert result.work_used <= one.work_used * 10 + 20


def test_copy_iterations_and_nested_deployments_count() -> None:
    inner = {"$schema": SCHEMA, "contentVersion": "1.0.0.0", "resources": [{
        "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-09-01", "name": "[concat('v', copyIndex())]",
        "copy": {"name": "c", "count": 5},
        "location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}]}
    doc = {"$schema": SCHEMA, "contentVersion": "1.0.0.0", "resources": [{
        "type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "[concat('d', copyIndex())]",
        "copy": {"name": "deployments", "count": 3},
        "properties": {"mode": "Incremental", "expressionEvaluationOptions": {"scope": "inner"}, "template": inner}}]}
    result = _expand(doc)
    assert not result.errors and len([r for r in result.resources if r.type.endswith("virtualNetworks")]) == 15
    # 3 deployment iterations + 3 nested deployments + 15 inner iterations, besides the expressions
    assert result.work_used >= 3 + 3 + 15
    stopped = _expand(doc, work_limit=20)
    [error] = stopped.errors
    assert "more than 20 steps of work" in error.message and "expansion stopped" in error.message


@pytest.mark.slow
def test_real_templates_stay_far_below_the_budget() -> None:
    corpus = shared_dir()
    if corpus is None or not (corpus / "corpus2").is_dir():
        pytest.skip("the shared corpus is not beside the repository")
    from checker.sources.inputs import read_inputs

    used: list[int] = []
    real_expand = deployment.expand_template

    def recording(*args: Any, **kwargs: Any) -> deployment.TemplateLoad:
        result = real_expand(*args, **kwargs)
        used.append(result.work_used)
        return result

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(deployment, "expand_template", recording)
        load = read_inputs([corpus / "corpus", corpus / "corpus2"])
    assert used and not [e for e in load.errors if "steps of work" in e.message]
    assert max(used) * 100 < INPUT_WORK_LIMIT
