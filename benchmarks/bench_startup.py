"""Start-up benchmark: what a scan of a real corpus costs beyond reading its files, against Checkov.

In one interleaved run (every round runs every command once, in turn, so that the load of a shared
machine falls on all of them alike; the figure of each command is its median over the rounds):

- ``hybrid-check scan CORPUS`` (the table report to /dev/null; the bundled policies from their
  compiled form and the templates' expansions kept by the warm-up, as on every run after the first
  over templates that have not changed);
- ``hybrid-check scan CORPUS --no-cache``: the same, every template expanded afresh (what a first scan
  of new or changed templates pays, the policies still compiled);
- the floor: Python start-up plus ``json.load`` of every ``*.json`` file of the corpus;
- ``python -c pass`` and ``hybrid-check --version``;
- ``checkov -d CORPUS --framework arm`` when Checkov is installed (``--checkov`` or on PATH), else
  skipped with a note. Checkov is not a dependency: install it in a virtual environment of its own.

Targets: the scan at least 30x faster than Checkov and at most 5x the floor; ``--version`` within
1.5x of ``python -c pass``. Every command runs with byte-code caching on (as an installed package
does) and a warm-up round first; the first scan with an empty cache folder (policies compiled from
YAML, every template expanded) is reported separately, and so is ``--no-cache``'s ratio to the floor.
Besides wall time, the CPU time of each command (user + system, its child processes included) is
reported: on a shared machine it moves far less with the load than wall time does; and each ratio of
the commands' fastest rounds (the least disturbed), steadier than the medians when the short floor
falls into two groups from round to round. Run from an
editable install (``make``'s virtual environment), Python's own start-up imports the install's finder,
which flatters both ratios: the script says so, and a regular installation gives a user's figures.

Usage: python benchmarks/bench_startup.py [--corpus DIR] [--rounds N] [--checkov PATH] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
TARGETS = {"checkov_over_scan": 30.0, "scan_over_floor": 5.0, "version_over_pass": 1.5}

FLOOR_SCRIPT = """\
import json, os, sys
for folder, _, names in os.walk(sys.argv[1]):
    for name in names:
        if name.lower().endswith(".json"):
            with open(os.path.join(folder, name), "rb") as handle:
                try:
                    json.load(handle)
                except ValueError:
                    pass
"""


def hybrid_check_command() -> list[str]:
    """The installed entry point beside this interpreter, else ``python -m checker``."""
    script = Path(sys.executable).parent / ("hybrid-check.exe" if os.name == "nt" else "hybrid-check")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "checker"]


def editable_install() -> bool:
    """Whether this interpreter's start-up imports an editable install's finder (``pip install -e``, as
    ``make`` sets up): it imports pathlib, re and urllib on every start, ``python -c pass`` and the floor
    included, which makes both ratios look better than in a regular installation (``pip install .``)."""
    code = "import sys; print(any(name.startswith('__editable__') for name in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False).stdout
    return out.strip() == "True"


def checkov_command(given: str | None) -> list[str] | None:
    found = given or shutil.which("checkov")
    if found and Path(found).is_file():
        return [found]
    return None


def machine() -> dict[str, object]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"platform": platform.platform(), "python": platform.python_version(), "cpu": cpu,
            "cpus": os.cpu_count(), "load_average": [round(v, 2) for v in os.getloadavg()]
            if hasattr(os, "getloadavg") else None}


def _cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(command: list[str], env: dict[str, str], accept: tuple[int, ...]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the process and its children)."""
    cpu = _cpu_of_children()
    start = time.perf_counter()
    completed = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, check=False)
    elapsed = time.perf_counter() - start
    if completed.returncode not in accept:
        raise SystemExit(f"{' '.join(command)} exited {completed.returncode}:\n"
                         f"{completed.stderr.decode(errors='replace')[-2000:]}")
    return elapsed, _cpu_of_children() - cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help=f"folder to scan (default {DEFAULT_CORPUS})")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument("--checkov", help="the checkov executable (default: checkov on PATH)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    corpus = args.corpus.resolve()
    if not corpus.is_dir():
        print(f"corpus not found: {corpus} (give one with --corpus)", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory(prefix="bench-startup-") as temporary:
        floor_script = Path(temporary) / "floor.py"
        floor_script.write_text(FLOOR_SCRIPT)
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPROFILEIMPORTTIME")}
        env["HYBRID_CHECK_CACHE_DIR"] = str(Path(temporary) / "cache")
        hybrid = hybrid_check_command()
        commands: dict[str, tuple[list[str], tuple[int, ...]]] = {
            "scan": ([*hybrid, "scan", str(corpus)], (0, 1, 2)),  # 1/2: failures or unreadable files
            "scan --no-cache": ([*hybrid, "scan", str(corpus), "--no-cache"], (0, 1, 2)),
            "floor": ([sys.executable, str(floor_script), str(corpus)], (0,)),
            "python -c pass": ([sys.executable, "-c", "pass"], (0,)),
            "--version": ([*hybrid, "--version"], (0,)),
        }
        checkov = checkov_command(args.checkov)
        if checkov is not None:
            commands["checkov"] = ([*checkov, "-d", str(corpus), "--framework", "arm", "--quiet", "--compact",
                                    "--skip-download", "-o", "json"], (0, 1))
        before = machine()
        cold = run(commands["scan"][0], env, commands["scan"][1])[0]  # empty cache folder: compiles, expands
        for command, accept in commands.values():  # warm-up: byte code written, caches filled
            run(command, env, accept)
        times: dict[str, list[float]] = {name: [] for name in commands}
        cpu_times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.rounds):
            for name, (command, accept) in commands.items():
                wall, cpu = run(command, env, accept)
                times[name].append(wall)
                cpu_times[name].append(cpu)

    median = {name: statistics.median(values) for name, values in times.items()}
    cpu_median = {name: statistics.median(values) for name, values in cpu_times.items()}

    def ratios_of(figures: dict[str, float]) -> dict[str, float]:
        out = {"scan_over_floor": figures["scan"] / figures["floor"],
               "no_cache_scan_over_floor": figures["scan --no-cache"] / figures["floor"],
               "version_over_pass": figures["--version"] / figures["python -c pass"]}
        if "checkov" in figures:
            out["checkov_over_scan"] = figures["checkov"] / figures["scan"]
        return out

    editable = editable_install()
    ratios = ratios_of(median)
    cpu_ratios = ratios_of(cpu_median)
    # each command's fastest round, the one least disturbed by the machine's other work: the floor, a
    # process of a few tens of milliseconds, moves by a third between rounds, and the medians with it
    fastest_ratios = ratios_of({name: min(values) for name, values in times.items()})
    files = sum(1 for p in corpus.rglob("*") if p.is_file() and p.suffix.lower() == ".json")
    size = sum(p.stat().st_size for p in corpus.rglob("*") if p.is_file() and p.suffix.lower() == ".json")
    figures = {"corpus": str(corpus), "json_files": files, "json_mb": round(size / 1e6, 2), "rounds": args.rounds,
               "machine_before": before, "load_average_after": machine()["load_average"],
               "median_s": {k: round(v, 4) for k, v in median.items()},
               "all_s": {k: [round(v, 4) for v in vs] for k, vs in times.items()},
               "median_cpu_s": {k: round(v, 4) for k, v in cpu_median.items()},
               "first_scan_s": round(cold, 4), "editable_install": editable, "ratios": {k: round(v, 2) for k, v in ratios.items()},
               "cpu_ratios": {k: round(v, 2) for k, v in cpu_ratios.items()},
               "fastest_ratios": {k: round(v, 2) for k, v in fastest_ratios.items()}, "targets": TARGETS}

    print(f"corpus {corpus}: {files} JSON files, {size / 1e6:.2f} MB; {args.rounds} interleaved rounds, medians")
    print(f"machine: {before['cpu']}, {before['cpus']} CPUs, {before['platform']}, Python {before['python']}, "
          f"load average {before['load_average']} -> {figures['load_average_after']}")
    print(f"  {'':16} {'wall':>8}   {'CPU':>8}")
    for name, value in median.items():
        print(f"  {name:16} {value:8.3f} s {cpu_median[name]:8.3f} s")
    print(f"  {'first scan':16} {cold:8.3f} s (empty cache folder: the policies are compiled from YAML, every "
          "template is expanded)")
    if editable:
        print("  note: an editable install (pip install -e): Python's start-up here imports the install's finder "
              "(pathlib, re, urllib), so the floor and python -c pass are dearer than in a regular installation "
              "and both ratios look better than a user's; run this from a virtual environment made with "
              "pip install . for those")
    ok = True
    checks = [("scan_over_floor", "scan / floor", "<=", 5.0), ("version_over_pass", "--version / python -c pass",
                                                              "<=", 1.5)]
    if "checkov_over_scan" in ratios:
        checks.append(("checkov_over_scan", "checkov / scan", ">=", 30.0))
    else:
        print("  checkov: not installed (pip install checkov in a separate virtual environment and pass "
              "--checkov PATH/TO/checkov to compare)")
    for key, label, sense, target in checks:
        met = ratios[key] <= target if sense == "<=" else ratios[key] >= target
        ok = ok and met
        print(f"  {label:28} {ratios[key]:6.2f}x wall, {cpu_ratios[key]:6.2f}x CPU, {fastest_ratios[key]:6.2f}x "
              f"fastest rounds (target {sense} {target:g}x, wall) {'met' if met else 'NOT met'}")
        if key == "scan_over_floor":
            key = "no_cache_scan_over_floor"
            print(f"  {'  with --no-cache':28} {ratios[key]:6.2f}x wall, {cpu_ratios[key]:6.2f}x CPU, "
                  f"{fastest_ratios[key]:6.2f}x fastest rounds (every template expanded afresh)")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
