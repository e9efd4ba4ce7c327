"""Memory benchmark: peak resident memory of a whole scan of one template just under the 50 MB input
limit that holds one very long string (plain text, only escapes, escaped quotes) or one very long
comment. Target: under 1 GB for each (comment stripping once cost about 125 bytes per character of a
long string: 6.2 GB for such a file).

Each case runs in its own process so its peak (VmHWM) belongs to that case alone.
Usage: python benchmarks/bench_memory.py [--json FILE] [--mb 49]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MEMORY_TARGET_MB = 1024
CASES = ("plain-string", "escape-string", "escaped-quotes", "block-comment", "line-comment")


def make_template(case: str, size: int) -> str:
    """A valid template of about ``size`` bytes whose bulk is one long string or comment."""
    head = ('{\n  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",\n'
            '  "contentVersion": "1.0.0.0",\n  // a comment, so that comment stripping runs\n'
            '  "metadata": {"note": ')
    tail = '},\n  "resources": []\n}\n'
    room = size - len(head) - len(tail) - 20
    if case == "plain-string":
        body = '"' + "x" * room + '"'
    elif case == "escape-string":
        body = '"' + "\\\\" * (room // 2) + '"'
    elif case == "escaped-quotes":
        body = '"' + 'a\\"' * (room // 3) + '"'
    elif case == "block-comment":
        body = '"short" /* ' + "c" * room + " */"
    else:
        body = '"short" // ' + "c" * room + "\n"
    return head + body + tail


def peak_memory_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run_case(case: str, path: Path) -> dict:
    sys.path.insert(0, str(ROOT))
    from checker import api

    start = time.perf_counter()
    report = api.scan([path], api.ScanOptions(use_cache=False))
    return {"case": case, "file_mb": round(path.stat().st_size / 1024 / 1024, 1),
            "errors": [str(e) for e in report.errors][:3], "total_s": round(time.perf_counter() - start, 2),
            "peak_mb": peak_memory_mb()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--case", choices=CASES)
    parser.add_argument("--file", type=Path)
    parser.add_argument("--mb", type=float, default=49.0, help="size of each generated template (default 49)")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.file)))
        return 0
    figures = []
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        for case in CASES:
            path = Path(tmp) / f"{case}.json"
            path.write_text(make_template(case, int(args.mb * 1024 * 1024)), encoding="utf-8")
            out = subprocess.run([sys.executable, __file__, "--case", case, "--file", str(path)],
                                 capture_output=True, text=True, check=True)
            row = json.loads(out.stdout.strip().splitlines()[-1])
            row["target_mb"] = MEMORY_TARGET_MB
            failed |= row["peak_mb"] >= MEMORY_TARGET_MB or bool(row["errors"])
            figures.append(row)
            print(f"{case:<16} {row['file_mb']:>6} MB file  peak {row['peak_mb']:>7} MB  {row['total_s']:>6} s"
                  + (f"  errors: {row['errors']}" if row["errors"] else ""))
            path.unlink()
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
