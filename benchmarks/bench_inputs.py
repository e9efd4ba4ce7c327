"""Input benchmarks: expand a generated 20,000-resource template (copy loops and nested
deployments) and read a generated 100,000-resource Resource Graph export; report wall time and
peak memory of each, and the time of all policies over the 20,000-resource graph.

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

# 25 nested deployments x (1 VNet with a 40-subnet property copy + 799 public IPs by resource copy,
# under ARM's 800 limit) = 20,000 resources after expansion, plus the 25 deployments themselves and
# the 1,000 inline subnets the graph splits out.
DEPLOYMENTS = 25
PIPS_PER_DEPLOYMENT = 799


def make_template() -> dict:
    inner = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"index": {"type": "int"}, "count": {"type": "int"}},
        "variables": {"prefix": "[format('site{0:D2}', parameters('index'))]"},
        "resources": [
            {
                "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-09-01",
                "name": "[format('{0}-vnet', variables('prefix'))]", "location": "[resourceGroup().location]",
                "properties": {
                    "addressSpace": {"addressPrefixes": ["[format('10.{0}.0.0/16', parameters('index'))]"]},
                    "copy": [{"name": "subnets", "count": 40, "input": {
                        "name": "[if(equals(copyIndex('subnets'), 0), 'GatewaySubnet', format('snet-{0}', copyIndex('subnets')))]",
                        "properties": {"addressPrefix": "[cidrSubnet(format('10.{0}.0.0/16', parameters('index')), 24, copyIndex('subnets'))]"},
                    }}],
                },
            },
            {
                "type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2023-09-01",
                "name": "[format('{0}-pip-{1}', variables('prefix'), copyIndex(1))]",
                "location": "[resourceGroup().location]",
                "copy": {"name": "pips", "count": "[parameters('count')]"},
                "sku": {"name": "Standard"}, "zones": ["1", "2", "3"],
                "properties": {"publicIPAllocationMethod": "Static"},
            },
        ],
    }
    return {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"sites": {"type": "int", "defaultValue": DEPLOYMENTS}},
        "resources": [{
            "type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01",
            "name": "[format('site-{0}', copyIndex())]",
            "copy": {"name": "sites", "count": "[parameters('sites')]"},
            "properties": {
                "mode": "Incremental", "expressionEvaluationOptions": {"scope": "inner"},
                "parameters": {"index": {"value": "[copyIndex()]"}, "count": {"value": PIPS_PER_DEPLOYMENT}},
                "template": inner,
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

    options = api.ScanOptions(max_file_bytes=1024 * 1024 * 1024)
    start = time.perf_counter()
    load = api.read([path], options)
    read_s = time.perf_counter() - start
    figures = {"case": case, "resources": len(load.resources), "errors": len(load.errors), "read_s": round(read_s, 3)}
    graph_start = time.perf_counter()
    api.build_graph(load.resources)
    figures["graph_s"] = round(time.perf_counter() - graph_start, 3)
    if case == "template":
        policy_start = time.perf_counter()
        report = api.evaluate(load, options)
        figures["policies_s"] = round(time.perf_counter() - policy_start, 3)
        figures["results"] = len(report.results)
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
    print(f"{'case':10} {'resources':>9} {'file MB':>8} {'read s':>7} {'graph s':>8} {'policies s':>10} {'total s':>8} {'peak MB':>8}")
    for row in figures:
        print(f"{row['case']:10} {row['resources']:>9} {row['file_mb']:>8} {row['read_s']:>7} {row['graph_s']:>8} "
              f"{row.get('policies_s', '-'):>10} {row['total_s']:>8} {row['peak_mb']:>8}")
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
