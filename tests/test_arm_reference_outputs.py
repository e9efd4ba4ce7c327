"""reference() to a nested deployment of the same template: its outputs are known once the nested
template is expanded; anything else about the deployment stays unknown."""

from __future__ import annotations

from pathlib import Path

from checker import api
from checker.model import Unknown

DATA = Path(__file__).resolve().parent / "data" / "arm"


def test_outputs_of_a_nested_deployment_flow_into_the_gateway_subnet() -> None:
    load = api.read([DATA / "reference-outputs.json"])
    assert load.errors == []
    vnet = next(r for r in load.resources if r.name == "v")
    prefixes = {s["name"]: s["properties"]["addressPrefix"] for s in vnet.properties["subnets"]}
    assert prefixes["GatewaySubnet"] == "10.5.255.224/27"
    assert prefixes["x"] == Unknown("reference('ipam').provisioningState is only known after deployment")
