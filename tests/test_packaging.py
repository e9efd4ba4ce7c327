"""`pip install .` gives a CLI that finds the bundled policies and schemas from any working
directory: the package is installed into a temporary folder and run from another one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.slow  # outside `make test-fast` (see the Makefile)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("site")
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--disable-pip-version-check",
                           "--target", str(target), str(REPO_ROOT)], capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        pytest.fail(f"pip install failed: {done.stderr[-2000:]}")
    return target


def _run(installed: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # PYTHONPATH holds only the installed copy (and the dependencies of this interpreter), never the
    # repository: the package must work from what pip put in place.
    env = {**os.environ, "PYTHONPATH": str(installed), "PYTHONSAFEPATH": "1"}
    return subprocess.run([sys.executable, "-m", "checker", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=120)


def _repo_policies() -> list[Path]:
    """The policy files of the repository: the installed package carries every one of them."""
    from checker.policy.loader import policy_files

    return policy_files(REPO_ROOT / "policies")


def test_installed_package_carries_policies_and_schemas(installed: Path) -> None:
    package = installed / "checker"
    assert len(list((package / "policies").rglob("*.yaml"))) == len(list((REPO_ROOT / "policies").rglob("*.yaml")))
    assert {p.name for p in (package / "schemas").glob("*.json")} >= {
        "policy.schema.json", "report.schema.json", "config.schema.json"}


def test_installed_cli_finds_its_policies_from_any_directory(installed: Path, tmp_path: Path) -> None:
    listing = _run(installed, tmp_path, "policies", "list")
    assert listing.returncode == 0, listing.stderr
    assert "GW-SUBNET-SIZE" in listing.stdout and "HUB-PEER-LIVE" in listing.stdout
    fixture = REPO_ROOT / "fixtures" / "vpn" / "non-compliant" / "basic-policy-based.json"
    scan = _run(installed, tmp_path, "scan", str(fixture), "--format", "json")
    assert scan.returncode == 1, scan.stderr
    report = json.loads(scan.stdout)
    assert len(report["rules"]) == len(_repo_policies()) and report["errors"] == []
    where = subprocess.run([sys.executable, "-c", "import checker; print(checker.__file__)"], capture_output=True,
                           text=True, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(installed),
                                                         "PYTHONSAFEPATH": "1"}, timeout=60)
    assert where.stdout.strip().startswith(str(installed))


def test_installed_package_carries_the_rule_test_folders(installed: Path) -> None:
    cases = sorted(p.relative_to(installed / "checker" / "policies").as_posix()
                   for p in (installed / "checker" / "policies").glob("*/tests/*/*"))
    assert cases and cases == sorted(p.relative_to(REPO_ROOT / "policies").as_posix()
                                     for p in (REPO_ROOT / "policies").glob("*/tests/*/*"))
    assert any(name.endswith("/expected.yaml") for name in cases)
    assert any(name.endswith("/pass.bicep") for name in cases)


def test_every_importable_data_folder_is_declared() -> None:
    """setuptools warns about every folder that Python could import as a package but that is not
    declared one (the data folders under checker/ and policies/): each must be in `packages`."""
    import re

    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        pytest.skip("reading pyproject.toml needs Python 3.11")
    declared = set(tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
                   ["tool"]["setuptools"]["packages"])
    identifier = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
    expected = set()
    for root, prefix in ((REPO_ROOT / "checker", "checker"), (REPO_ROOT / "policies", "checker.policies")):
        for folder in [root, *sorted(p for p in root.rglob("*") if p.is_dir())]:
            parts = folder.relative_to(root).parts
            if "__pycache__" in parts or not all(identifier.match(part) for part in parts):
                continue
            if any(f.is_file() for f in folder.iterdir()):
                expected.add(".".join((prefix, *parts)))
    assert expected - declared == set()
