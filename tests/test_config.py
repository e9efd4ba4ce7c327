"""Configuration: discovery, YAML and pyproject reading, validation errors with file, line, key and
what is expected, paths relative to the file, waivers, and flag > configuration > default precedence."""

from __future__ import annotations

import json
import textwrap
from datetime import date
from pathlib import Path

import jsonschema
import pytest

from checker.config import SCHEMA_PATH, find_config, load_config
from checker.model import CheckerError

try:
    import tomllib  # noqa: F401
    HAS_TOMLLIB = True
except ModuleNotFoundError:  # Python 3.10: pyproject.toml configuration is not read
    HAS_TOMLLIB = False
needs_tomllib = pytest.mark.skipif(not HAS_TOMLLIB, reason="pyproject.toml needs tomllib (Python 3.11+)")

FULL = """\
version: 1
fail-on: medium
unknown: warn
allow-empty: false
format: markdown
outputs:
  sarif: out/results.sarif
  junit: out/results.xml
show-passed: true
no-color: true
verbose: true
sarif-root: ..
baseline: .hybrid-check-baseline.json
pattern-by-vnet:
  vnet-hub*: hub-spoke
  vnet-er: expressroute
parameters: [params/hub.parameters.json]
policies: policies-extra
max-file-size: 20
subscription-id: 11111111-2222-3333-4444-555555555555
resource-group: rg-net
location: northeurope
tenant-id: 99999999-0000-0000-0000-000000000000
rules:
  VPN-ACTIVE-ACTIVE:
    severity: high
  ER-FASTPATH:
    enabled: false
  VPN-TUNNEL-COUNT:
    parameters:
      limit: 20
waivers:
  - rule: VPN-SKU-AZ
    resource: vgw-hub
    reason: migration to VpnGw2AZ booked
    expires: 2027-01-31
audit:
  subscriptions: [11111111-2222-3333-4444-555555555555]
  auth: cli
"""


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_the_schema_is_a_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def test_full_yaml_configuration(tmp_path) -> None:
    path = _write(tmp_path / "repo", ".hybrid-check.yaml", FULL)
    config = load_config(path)
    base = path.parent.absolute()
    assert config.path == path
    assert (config.fail_on, config.unknown, config.allow_empty, config.format) == ("medium", "warn", False, "markdown")
    assert config.outputs == (("sarif", base / "out/results.sarif"), ("junit", base / "out/results.xml"))
    assert config.show_passed is True and config.no_color is True and config.verbose is True
    assert config.sarif_root == base / ".." and config.baseline == base / ".hybrid-check-baseline.json"
    assert dict(config.pattern_by_vnet) == {"vnet-hub*": "hub-spoke", "vnet-er": "expressroute"}
    assert config.parameters == (base / "params/hub.parameters.json",)
    assert config.policies == (base / "policies-extra",)
    assert config.max_file_size == 20
    assert (config.subscription_id, config.resource_group, config.location) == (
        "11111111-2222-3333-4444-555555555555", "rg-net", "northeurope")
    assert config.tenant_id == "99999999-0000-0000-0000-000000000000"
    assert config.disabled_rules == frozenset({"ER-FASTPATH"})
    assert dict(config.rule_severity) == {"VPN-ACTIVE-ACTIVE": "high"}
    assert dict(config.rule_parameters["VPN-TUNNEL-COUNT"]) == {"limit": 20}
    (waiver,) = config.waivers
    assert (waiver.rule, waiver.resource, waiver.expires, waiver.source) == (
        "VPN-SKU-AZ", "vgw-hub", date(2027, 1, 31), "config")
    assert waiver.file == str(path) and waiver.line == FULL.splitlines().index("  - rule: VPN-SKU-AZ") + 1 == 33
    assert config.audit["auth"] == "cli"


def test_empty_file_is_an_empty_configuration(tmp_path) -> None:
    config = load_config(_write(tmp_path, ".hybrid-check.yaml", "# nothing yet\n"))
    assert config.fail_on is None and config.waivers == () and config.parameters == ()


@pytest.mark.parametrize(("text", "line", "expected"), [
    ("rules:\n  GW-X:\n    severity: hi\n", 3,
     "rules.GW-X.severity: 'hi' is not one of critical, high, medium, low"),
    ("fail-on: severe\n", 1, "fail-on: 'severe' is not one of critical, high, medium, low, none"),
    ("unknown: fail\nfailon: high\n", 2, "failon: unknown key 'failon' (expected one of"),
    ("show-passed: 'yes'\n", 1, "show-passed: expected boolean, found text ('yes')"),
    ("parameters: 3\n", 1, "parameters: 3 is not valid (expected a path or a list of paths)"),
    ("rules:\n  VPN-SKU-AZ:\n    disabled: true\n", 3, "rules.VPN-SKU-AZ.disabled: unknown key 'disabled'"),
    ("waivers:\n  - rule: X\n    resource: gw\n    expires: 2027-01-01\n", 2,
     "waivers[0]: missing 'reason' (expected rule, resource, reason, expires)"),
    ("waivers:\n  - rule: X\n    resource: gw\n    reason: r\n    expires: soon\n", 5,
     "waivers[0].expires: 'soon' is not valid (expected a date written YYYY-MM-DD)"),
    ("waivers:\n  - rule: X\n    resource: gw\n    reason: r\n    expires: 2027-02-30\n", 5,
     "waivers[0].expires: '2027-02-30' is not a date"),
    ("outputs:\n  pdf: out.pdf\n", 2, "outputs.pdf: 'pdf' is not a valid key (expected one of table, json"),
    ("fail-on: [high\n", 2, "not valid YAML"),
    ("fail-on: high\nfail-on: low\n", 2, "fail-on: key given twice"),
    ("- fail-on\n", 1, "(top level): expected object, found a list"),
])
def test_invalid_configuration_names_file_line_key_and_expectation(tmp_path, text, line, expected) -> None:
    path = _write(tmp_path, ".hybrid-check.yaml", text)
    with pytest.raises(CheckerError) as caught:
        load_config(path)
    error = caught.value
    assert error.file == str(path)
    assert error.line == line
    assert expected in error.message, error.message


def test_missing_file(tmp_path) -> None:
    with pytest.raises(CheckerError, match="not found"):
        load_config(tmp_path / ".hybrid-check.yaml")


@needs_tomllib
def test_pyproject_configuration(tmp_path) -> None:
    path = _write(tmp_path, "pyproject.toml", """\
        [project]
        name = "infra"

        [tool.hybrid-check]
        fail-on = "critical"
        parameters = ["params/a.json"]

        [tool.hybrid-check.rules.VPN-SKU-AZ]
        severity = "medium"

        [[tool.hybrid-check.waivers]]
        rule = "LNG-*"
        resource = "lng-*"
        reason = "lab"
        expires = 2027-03-01
        """)
    config = load_config(path)
    assert config.fail_on == "critical"
    assert dict(config.rule_severity) == {"VPN-SKU-AZ": "medium"}
    assert config.parameters == (path.parent.absolute() / "params/a.json",)
    assert config.waivers[0].expires == date(2027, 3, 1)


@needs_tomllib
def test_pyproject_error_points_at_the_key(tmp_path) -> None:
    path = _write(tmp_path, "pyproject.toml", """\
        [project]
        name = "infra"

        [tool.hybrid-check]
        fail-on = "critical"
        unknown = "sometimes"
        """)
    with pytest.raises(CheckerError, match="unknown: 'sometimes' is not one of fail, warn, pass") as caught:
        load_config(path)
    assert caught.value.line == 6


@needs_tomllib
def test_find_config_walks_up_to_the_repository_root(tmp_path) -> None:
    repo = tmp_path / "repo"
    deep = repo / "infra" / "network"
    deep.mkdir(parents=True)
    (repo / ".git").mkdir()
    assert find_config(deep) is None
    _write(tmp_path, ".hybrid-check.yaml", "fail-on: low\n")  # above the repository: not used
    assert find_config(deep) is None
    pyproject = _write(repo, "pyproject.toml", "[project]\nname = 'x'\n")
    assert find_config(deep) is None  # no [tool.hybrid-check] table
    pyproject.write_text("[project]\nname = 'x'\n\n[tool.hybrid-check]\nfail-on = 'low'\n", encoding="utf-8")
    assert find_config(deep) == pyproject
    yml = _write(repo / "infra", ".hybrid-check.yml", "fail-on: medium\n")
    assert find_config(deep) == yml
    yaml_file = _write(deep, ".hybrid-check.yaml", "fail-on: high\n")
    assert find_config(deep) == yaml_file
    assert find_config(yaml_file) == yaml_file  # a file as the start means its folder
