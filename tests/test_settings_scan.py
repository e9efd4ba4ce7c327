"""Configuration typos are input errors on every scan; a waiver that matches nothing is a notice."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VPN = REPO / "fixtures" / "vpn"

CONFIG = """\
rules:
  GW-SUBNET-SIZ:
    severity: low
  GW-SUBNET-SIZE:
    parameters:
      maxPrefixLen: 26
  VPN-TUNNEL-COUNT:
    enabled: true
  GW-PIP-STANDARD-STATIC:
    parameters: {}
waivers:
  - rule: VPN-SKU-AZ
    resource: nothing-here
    reason: no such gateway
    expires: 2099-01-01
"""


def scan(tmp_path: Path, config: str) -> tuple[int, dict]:
    (tmp_path / ".hybrid-check.yaml").write_text(config)
    out = subprocess.run([sys.executable, "-m", "checker", "scan", str(VPN), "--format", "json"],
                         capture_output=True, text=True, cwd=tmp_path)
    return out.returncode, json.loads(out.stdout)


def test_unknown_rule_and_parameter_are_errors_with_line_and_suggestion(tmp_path: Path) -> None:
    code, report = scan(tmp_path, CONFIG)
    assert code == 2
    errors = {(e["line"], e["message"]) for e in report["errors"]}
    assert (2, "severity override for unknown rule 'GW-SUBNET-SIZ' (did you mean 'GW-SUBNET-SIZE'?)") in errors
    assert any(line == 6 and "no parameter 'maxPrefixLen'" in message
               and "did you mean 'maxPrefixLength'" in message for line, message in errors)
    assert all(e["file"].endswith(".hybrid-check.yaml") for e in report["errors"])
    # the inputs are still checked
    assert report["summary"]["counts"]["pass"] > 0


def test_wrong_parameter_type_is_an_error(tmp_path: Path) -> None:
    code, report = scan(tmp_path, "rules:\n  GW-SUBNET-SIZE:\n    parameters:\n      maxPrefixLength: '26'\n")
    assert code == 2
    assert [(e["line"], e["message"]) for e in report["errors"]] == [
        (4, "parameter 'maxPrefixLength' of rule 'GW-SUBNET-SIZE': expected an integer, found string '26'")]


def test_a_waiver_that_matches_nothing_is_a_notice_and_correct_settings_pass(tmp_path: Path) -> None:
    good = ("rules:\n  gw-subnet-size:\n    parameters:\n      maxPrefixLength: 26\n"
            "waivers:\n  - rule: VPN-SKU-AZ\n    resource: nothing-here\n    reason: no such gateway\n"
            "    expires: 2099-01-01\n")
    code, report = scan(tmp_path, good)
    assert report["errors"] == [] and code in (0, 1)
    notices = [n for n in report["notices"] if "waiver" in n["message"]]
    assert notices == [{"file": str(tmp_path / ".hybrid-check.yaml"), "line": 6, "kind": "info",
                        "message": "waiver of VPN-SKU-AZ for 'nothing-here' matches no result"}]
