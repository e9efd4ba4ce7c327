"""Live-collection benchmark against the fake ARM (run in its own process, 100 ms added to every request):
sequential vs concurrent per-resource-group collection vs Resource Graph, and Resource Graph at 50,000
resources. Prints a table and writes the figures as JSON.

    .venv/bin/python -m benchmarks.bench_live [--resource-groups 200] [--graph-resources 50000] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tabulate import tabulate

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from checker.sources.live import AuditOptions, AuditScope, collect  # noqa: E402


class BenchCredential:
    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessToken

        return AccessToken("bench-token", int(time.time()) + 3600)


@contextmanager
def fake_arm(*args: str) -> Iterator[dict[str, Any]]:
    """The fake ARM in a child process, so that serving does not compete with the client for the GIL."""
    process = subprocess.Popen([sys.executable, "-m", "tests.fakearm.server", *args], cwd=REPO_ROOT,
                               stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        info = json.loads(process.stdout.readline())
        yield info
    finally:
        process.terminate()
        process.wait(timeout=10)


def measure(info: dict[str, Any], label: str, **options: Any) -> dict[str, Any]:
    os.environ["REQUESTS_CA_BUNDLE"] = info["ca"]
    scope = AuditScope(subscriptions=tuple(info["subscriptions"]))
    started = time.monotonic()
    result = collect(AuditOptions(scope=scope, arm_endpoint=info["url"], credential=BenchCredential(), **options))
    wall = time.monotonic() - started
    row = {"run": label, "resource_groups": info["resource_groups"], "resources_in_estate": info["resources"],
           "objects_collected": len(result.objects), "errors": len(result.errors), "requests": result.requests,
           "wall_seconds": round(wall, 2), "concurrency": options.get("concurrency", 8),
           "mode": "Resource Graph" if "Resource Graph" in result.scope_text else "per resource group"}
    print(f"  {label}: {wall:.2f} s, {result.requests} requests", file=sys.stderr, flush=True)
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--resource-groups", type=int, default=200)
    parser.add_argument("--graph-resources", type=int, default=50_000)
    parser.add_argument("--graph-subscriptions", type=int, default=5)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds added to every request")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--quick", action="store_true", help="20 resource groups and 5,000 resources")
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "out" / "bench_live.json",
                        help="where the figures are written (default out/bench_live.json, not tracked; "
                             "`make bench-record` updates benchmarks/bench_live.json)")
    args = parser.parse_args(argv)
    if args.quick:
        args.resource_groups, args.graph_resources = 20, 5_000
    latency = str(args.latency)

    rows = []
    with fake_arm("--estate", "synthetic", "--resource-groups", str(args.resource_groups),
                  "--latency", latency) as info:
        rows.append(measure(info, "sequential", concurrency=1, use_resource_graph=False))
        rows.append(measure(info, f"concurrent ({args.concurrency})", concurrency=args.concurrency,
                            use_resource_graph=False))
        rows.append(measure(info, "Resource Graph", concurrency=args.concurrency, use_resource_graph=True))
    with fake_arm("--estate", "graph", "--resources", str(args.graph_resources), "--subscriptions",
                  str(args.graph_subscriptions), "--latency", latency) as info:
        rows.append(measure(info, f"Resource Graph, {args.graph_resources:,} resources",
                            concurrency=args.concurrency, use_resource_graph=True))
    with fake_arm("--estate", "graph", "--resources", str(args.graph_resources), "--subscriptions",
                  str(args.graph_subscriptions), "--latency", "0") as info:
        rows.append(measure(info, f"Resource Graph, {args.graph_resources:,} resources, no added latency",
                            concurrency=args.concurrency, use_resource_graph=True))

    speedup = rows[0]["wall_seconds"] / max(rows[1]["wall_seconds"], 1e-9)
    figures = {
        "latency_per_request_seconds": args.latency,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "system": platform.system()},
        "runs": rows,
        "concurrent_speedup": round(speedup, 1),
        "targets": {"concurrent_speedup_at_least": 6, "graph_50k_under_seconds": 5},
        "targets_met": {"concurrent_speedup": speedup >= 6, "graph_50k": rows[3]["wall_seconds"] < 5},
    }
    headers = ["run", "mode", "resource_groups", "objects_collected", "requests", "wall_seconds", "errors"]
    print(tabulate([[r[h] for h in headers] for r in rows], headers=headers, tablefmt="github"))
    print(f"\nconcurrent speed-up over sequential: {speedup:.1f}x (target >= 6x); "
          f"Resource Graph {args.graph_resources:,} resources: {rows[3]['wall_seconds']} s (target < 5 s)")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(f"figures written to {args.output}")
    return 0 if all(figures["targets_met"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
