"""HTML report benchmark: the 20,000-resource benchmark template (benchmarks/bench_inputs.py) is
scanned once; then the site topologies are built from its graph, and the HTML report (a diagram per
site above its findings), the SVG diagrams and the markdown report (a Mermaid flowchart per site)
are rendered, each timed. Target: the HTML report (topologies included) under 2 s. Wall and CPU
time are both given: on a shared machine the wall time also measures the others' load.

Usage: python benchmarks/bench_html.py [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

TARGET_S = 2.0


def main() -> int:
    from bench_inputs import make_template

    from checker import api
    from checker.patterns import DeclaredPatterns, detect_sites
    from checker.report.diagram import render_svg
    from checker.report.html import render_html
    from checker.report.markdown import render_markdown
    from checker.topology import topologies

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench-template.json"
        path.write_text(json.dumps(make_template()), encoding="utf-8")
        options = api.ScanOptions(max_file_bytes=1024 * 1024 * 1024, use_cache=False)
        load = api.read([path], options)
        report = api.evaluate(load, options)
    graph = api.build_graph(load.resources)
    sites = detect_sites(graph, DeclaredPatterns())
    start, cpu = time.perf_counter(), time.process_time()
    page = render_html(report)  # builds the report's topologies on first use, as the CLI does
    html_s, html_cpu = time.perf_counter() - start, time.process_time() - cpu
    start, cpu = time.perf_counter(), time.process_time()
    built = topologies(graph, sites)  # that part alone, again
    topology_s, topology_cpu = time.perf_counter() - start, time.process_time() - cpu
    start = time.perf_counter()
    svg = render_svg(report)
    svg_s = time.perf_counter() - start
    start = time.perf_counter()
    markdown = render_markdown(report)
    markdown_s = time.perf_counter() - start
    figures = {"case": "html", "resources": len(load.resources), "results": len(report.results),
               "sites": len(built), "topology_s": round(topology_s, 3), "html_s": round(html_s, 3),
               "topology_cpu_s": round(topology_cpu, 3), "html_cpu_s": round(html_cpu, 3),
               "html_mb": round(len(page.encode()) / 1e6, 1), "svg_s": round(svg_s, 3),
               "svg_kb": round(len(svg.encode()) / 1e3), "markdown_s": round(markdown_s, 3), "markdown_kb": round(len(markdown.encode()) / 1e3),
               "target_s": TARGET_S, "within_target": html_s < TARGET_S}
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0 if figures["within_target"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
