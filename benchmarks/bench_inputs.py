"""Input benchmarks: expand a generated 20,000-resource template (copy loops and nested
deployments) and read a generated 100,000-resource Resource Graph export; report wall time and
peak memory of each, and the time of all policies over the 20,000-resource graph (wall and process
CPU time: on a shared machine the CPU time is the steadier figure).

Each case runs in its own process so peak memory (ru_maxrss) belongs to that case alone.
Usage: python benchmarks/bench_inputs.py [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"template": 2.0, "export": 3.0, "policies": 2.0}
MEMORY_TARGET_MB = 1024

# 25 nested deployments, each one hybrid site of 800 resources: a VNet (40-subnet property copy, with
# the GatewaySubnet), a VPN and an ExpressRoute gateway, two public IPs (resource copy), an ExpressRoute
# circuit and connection, and 396 branches made of a local network gateway and an IPsec connection
# (resource copies): 20,000 resources after expansion, plus the 25 deployments themselves and the
# 1,000 inline subnets the graph splits out. Every resource is a subject of some rule.
DEPLOYMENTS = 25
BRANCHES_PER_SITE = 396
NET = "Microsoft.Network"


def _site_template() -> dict:
    gw_subnet = "[resourceId('Microsoft.Network/virtualNetworks/subnets', variables('vnet'), 'GatewaySubnet')]"
    vpn_gw = "[resourceId('Microsoft.Network/virtualNetworkGateways', format('{0}-vpngw', variables('prefix')))]"
    er_gw = "[resourceId('Microsoft.Network/virtualNetworkGateways', format('{0}-ergw', variables('prefix')))]"
    return {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"index": {"type": "int"}, "branches": {"type": "int"},
                       "sharedKey": {"type": "securestring"}},
        "variables": {"prefix": "[format('site{0:D2}', parameters('index'))]",
                      "vnet": "[format('{0}-vnet', variables('prefix'))]",
                      "space": "[format('10.{0}.0.0/16', parameters('index'))]"},
        "resources": [
            {"type": f"{NET}/virtualNetworks", "apiVersion": "2023-09-01", "name": "[variables('vnet')]",
             "location": "[resourceGroup().location]",
             "properties": {"addressSpace": {"addressPrefixes": ["[variables('space')]"]},
                            "copy": [{"name": "subnets", "count": 40, "input": {
                                "name": "[if(equals(copyIndex('subnets'), 39), 'GatewaySubnet', format('snet-{0}', copyIndex('subnets')))]",
                                "properties": {"addressPrefix": "[cidrSubnet(variables('space'), 24, copyIndex('subnets'))]"}}}]}},
            {"type": f"{NET}/publicIPAddresses", "apiVersion": "2023-09-01",
             "name": "[format('{0}-vpngw-pip{1}', variables('prefix'), copyIndex(1))]",
             "location": "[resourceGroup().location]", "copy": {"name": "pips", "count": 2},
             "sku": {"name": "Standard"}, "zones": ["1", "2", "3"],
             "properties": {"publicIPAllocationMethod": "Static"}},
            {"type": f"{NET}/virtualNetworkGateways", "apiVersion": "2023-09-01",
             "name": "[format('{0}-vpngw', variables('prefix'))]", "location": "[resourceGroup().location]",
             "properties": {"gatewayType": "Vpn", "vpnType": "RouteBased", "activeActive": True, "enableBgp": True,
                            "sku": {"name": "VpnGw2AZ", "tier": "VpnGw2AZ"}, "vpnGatewayGeneration": "Generation2",
                            "bgpSettings": {"asn": 65515},
                            "copy": [{"name": "ipConfigurations", "count": 2, "input": {
                                "name": "[format('ipconfig{0}', copyIndex('ipConfigurations'))]",
                                "properties": {"subnet": {"id": gw_subnet}, "publicIPAddress": {
                                    "id": "[resourceId('Microsoft.Network/publicIPAddresses', format('{0}-vpngw-pip{1}', variables('prefix'), copyIndex('ipConfigurations', 1)))]"}}}}]}},
            {"type": f"{NET}/virtualNetworkGateways", "apiVersion": "2023-09-01",
             "name": "[format('{0}-ergw', variables('prefix'))]", "location": "[resourceGroup().location]",
             "properties": {"gatewayType": "ExpressRoute", "sku": {"name": "ErGw2AZ", "tier": "ErGw2AZ"},
                            "ipConfigurations": [{"name": "default", "properties": {"subnet": {"id": gw_subnet}}}]}},
            {"type": f"{NET}/expressRouteCircuits", "apiVersion": "2023-09-01",
             "name": "[format('{0}-erc', variables('prefix'))]", "location": "[resourceGroup().location]",
             "sku": {"name": "Standard_MeteredData", "tier": "Standard", "family": "MeteredData"},
             "properties": {"serviceProviderProperties": {"serviceProviderName": "Equinix",
                                                          "peeringLocation": "Amsterdam", "bandwidthInMbps": 1000}}},
            {"type": f"{NET}/connections", "apiVersion": "2023-09-01",
             "name": "[format('{0}-er-conn', variables('prefix'))]", "location": "[resourceGroup().location]",
             "properties": {"connectionType": "ExpressRoute", "virtualNetworkGateway1": {"id": er_gw},
                            "peer": {"id": "[resourceId('Microsoft.Network/expressRouteCircuits', format('{0}-erc', variables('prefix')))]"},
                            "routingWeight": 10}},
            {"type": f"{NET}/localNetworkGateways", "apiVersion": "2023-09-01",
             "name": "[format('{0}-lng-{1}', variables('prefix'), copyIndex())]", "location": "[resourceGroup().location]",
             "copy": {"name": "branches", "count": "[parameters('branches')]"},
             "properties": {"gatewayIpAddress": "[format('203.0.{0}.{1}', parameters('index'), add(mod(copyIndex(), 250), 1))]",
                            "localNetworkAddressSpace": {"addressPrefixes": [
                                "[cidrSubnet('100.64.0.0/10', 24, add(mul(parameters('index'), 400), copyIndex()))]"]}}},
            {"type": f"{NET}/connections", "apiVersion": "2023-09-01",
             "name": "[format('{0}-conn-{1}', variables('prefix'), copyIndex())]", "location": "[resourceGroup().location]",
             "copy": {"name": "tunnels", "count": "[parameters('branches')]"},
             "properties": {"connectionType": "IPsec", "connectionProtocol": "IKEv2", "virtualNetworkGateway1": {"id": vpn_gw},
                            "localNetworkGateway2": {"id": "[resourceId('Microsoft.Network/localNetworkGateways', format('{0}-lng-{1}', variables('prefix'), copyIndex()))]"},
                            "sharedKey": "[parameters('sharedKey')]"}},
        ],
    }


def make_template() -> dict:
    return {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"sites": {"type": "int", "defaultValue": DEPLOYMENTS},
                       "sharedKey": {"type": "securestring"}},
        "resources": [{
            "type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01",
            "name": "[format('site-{0}', copyIndex())]",
            "copy": {"name": "sites", "count": "[parameters('sites')]"},
            "properties": {
                "mode": "Incremental", "expressionEvaluationOptions": {"scope": "inner"},
                "parameters": {"index": {"value": "[copyIndex()]"}, "branches": {"value": BRANCHES_PER_SITE},
                               "sharedKey": {"value": "[parameters('sharedKey')]"}},
                "template": _site_template(),
            },
        }],
    }


def make_export(count: int = 100_000) -> dict:
    rows = []
    for i in range(count):
        sub = f"{i % 50:08d}-0000-0000-0000-000000000000"
        rg = f"rg-{i % 400}"
        if i % 4 == 0:
            rows.append({
                "id": f"/subscriptions/{sub}/resourcegroups/{rg}/providers/microsoft.network/virtualnetworks/vnet-{i}",
                "name": f"vnet-{i}", "type": "microsoft.network/virtualnetworks", "location": "westeurope",
                "resourceGroup": rg, "subscriptionId": sub, "tags": {},
                "properties": {"provisioningState": "Succeeded",
                               "addressSpace": {"addressPrefixes": [f"10.{i % 250}.0.0/16"]},
                               "subnets": [{"name": n, "id": f"/subscriptions/{sub}/resourcegroups/{rg}/providers/microsoft.network/virtualnetworks/vnet-{i}/subnets/{n}",
                                            "properties": {"addressPrefix": f"10.{i % 250}.{k}.0/24"}}
                                           for k, n in enumerate(("GatewaySubnet", "app", "data"))]},
            })
        else:
            rows.append({
                "id": f"/subscriptions/{sub}/resourcegroups/{rg}/providers/microsoft.network/publicipaddresses/pip-{i}",
                "name": f"pip-{i}", "type": "microsoft.network/publicipaddresses", "location": "westeurope",
                "resourceGroup": rg, "subscriptionId": sub, "sku": {"name": "Standard", "tier": "Regional"},
                "zones": ["1", "2", "3"],
                "properties": {"provisioningState": "Succeeded", "publicIPAllocationMethod": "Static",
                               "ipAddress": f"20.{i % 250}.{(i // 250) % 250}.{i % 200}"},
            })
    return {"totalRecords": count, "count": count, "data": rows}


def peak_memory_mb() -> float:
    """This process's peak resident memory. VmHWM starts afresh at exec (ru_maxrss may carry the
    parent's peak across fork+exec), so it is preferred where /proc exists."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run_case(case: str, path: Path) -> dict:
    sys.path.insert(0, str(ROOT))
    from checker import api

    options = api.ScanOptions(max_file_bytes=1024 * 1024 * 1024, use_cache=False)
    start = time.perf_counter()
    load = api.read([path], options)
    read_s = time.perf_counter() - start
    figures = {"case": case, "resources": len(load.resources), "errors": len(load.errors), "read_s": round(read_s, 3)}
    graph_start = time.perf_counter()
    api.build_graph(load.resources)
    figures["graph_s"] = round(time.perf_counter() - graph_start, 3)
    if case == "template":
        from checker.patterns import DeclaredPatterns
        from checker.policy.engine import evaluate
        from checker.policy.model import RuleSettings
        from checker.views import build_subjects

        policies, _ = api.load_policies(options)
        graph = api.build_graph(load.resources)
        policy_start, policy_cpu = time.perf_counter(), time.process_time()
        _, subjects = build_subjects(graph, DeclaredPatterns())
        figures["subjects_s"] = round(time.perf_counter() - policy_start, 3)
        figures["subjects_cpu_s"] = round(time.process_time() - policy_cpu, 3)
        results = evaluate(policies, subjects, RuleSettings())
        figures["policies_s"] = round(time.perf_counter() - policy_start, 3)
        figures["policies_cpu_s"] = round(time.process_time() - policy_cpu, 3)
        figures["subjects"] = len(subjects)
        figures["results"] = len(results)
        report_start = time.perf_counter()
        report = api.evaluate(load, options)  # the whole evaluate(): policies read, waivers, sites
        figures["evaluate_s"] = round(time.perf_counter() - report_start, 3)
        assert len(report.results) == len(results)
    figures["total_s"] = round(time.perf_counter() - start, 3)
    figures["peak_mb"] = peak_memory_mb()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--case", choices=("template", "export"))
    parser.add_argument("--file", type=Path)
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.file)))
        return 0
    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "large-template.json"
        template.write_text(json.dumps(make_template(), indent=2))
        export = Path(tmp) / "large-export.json"
        export.write_text(json.dumps(make_export(), indent=2))
        for case, path in (("template", template), ("export", export)):
            out = subprocess.run([sys.executable, __file__, "--case", case, "--file", str(path)],
                                 capture_output=True, text=True, check=True)
            row = json.loads(out.stdout.strip().splitlines()[-1])
            row["file_mb"] = round(path.stat().st_size / 1e6, 1)
            figures.append(row)
    print(f"{'case':10} {'resources':>9} {'file MB':>8} {'read s':>7} {'graph s':>8} {'policies s':>10} "
          f"{'(subjects s)':>12} {'total s':>8} {'peak MB':>8}")
    for row in figures:
        print(f"{row['case']:10} {row['resources']:>9} {row['file_mb']:>8} {row['read_s']:>7} {row['graph_s']:>8} "
              f"{row.get('policies_s', '-'):>10} {row.get('subjects_s', '-'):>12} {row['total_s']:>8} {row['peak_mb']:>8}")
    template_row = figures[0]
    print(f"template: {template_row['subjects']} subjects, {template_row['results']} results; process CPU time: "
          f"policies {template_row['policies_cpu_s']} s (subjects {template_row['subjects_cpu_s']} s); the whole "
          f"api.evaluate() (policy files read, waivers, sites) {template_row['evaluate_s']} s")
    ok = all(row["peak_mb"] < MEMORY_TARGET_MB and row["errors"] == 0 for row in figures)
    ok &= figures[0]["read_s"] + figures[0]["graph_s"] < TARGETS["template"]
    ok &= figures[1]["read_s"] + figures[1]["graph_s"] < TARGETS["export"]
    ok &= figures[0].get("policies_s", 0) < TARGETS["policies"]
    print("targets met" if ok else "targets NOT met", "(template < 2 s, export < 3 s, policies < 2 s, peak < 1 GB)")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
