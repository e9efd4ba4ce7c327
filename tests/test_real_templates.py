"""Verdicts on small templates of our own that reproduce real public hybrid-network templates.

Each folder of ``tests/data/real`` holds ``template.json`` (written for this suite: the hybrid-network
shape and the verdict-relevant features of the real template, nothing copied), an optional
``parameters.json``, and ``expected.json``:

* ``source``: repository, path and commit of the real template the case reproduces;
* ``set``: parameter values given as ``--set`` would give them;
* ``errors``: ``[]`` when the inputs must read without an input error (ARM accepts them), else
  substrings that some input error must contain (ARM refuses them);
* ``verdicts``: (rule, resource name, status) triples, hand-checked against Microsoft's documentation;
  a status list allows any of its members, ``absent`` means the rule gives no result for the resource;
* ``finding``: present while today's checker gets the case wrong; the case is then a strict xfail whose
  reason names the finding (R1...) and the issue item, and it flips once the fix lands.

The cases read nothing outside ``tests/data/real``.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from checker import api
from checker.report.model import Report

CASES_DIR = Path(__file__).parent / "data" / "real"

FINDINGS: dict[str, str] = {
    "R1": "FINDINGS R1 [engine]: an escaped name in an inner-scope deployment inside an outer-scope one is "
          "evaluated once too few (exit 2 'needs 2 name segment(s) but the name has 3'); issue 9 item 2",
    "R2": "FINDINGS R2 [engine+views]: ER-CIRCUIT-SCOPE fails with every value '(not set)' when the circuit id is a "
          "securestring parameter without value; must be unknown (issue 10 item 3)",
    "R3": "FINDINGS R3 [engine+views]: ER-CONN-LINK / ER-CIRCUIT-SCOPE fail with '0' / '(not set)' when the circuit id "
          "of an ER connection is a module output passed through a securestring parameter (unknown); issue 10 item 3",
    "R3b": "FINDINGS R3 (second part) [views]: ER-CIRCUIT-REDUNDANCY counts a connection whose circuit is unknown as "
           "'0 circuit(s)' (fail); must be unknown (issue 10 item 3)",
    "R4": "FINDINGS R4 [views]: spoke peering with useRemoteGateways and a reverse peering without allowGatewayTransit "
          "in the same template is not evaluated when the hub VNet is outside the inputs; issue 10 item 4",
    "R4b": "FINDINGS R4b [views]: a spoke peering with useRemoteGateways=true whose hub is outside the inputs gives "
           "'nothing was evaluated' (exit 2); the transit rule must give unknown (issue 10 item 4)",
    "R5": "FINDINGS R5 [views]: FAILOVER-SUBNET-27 is evaluated for a GatewaySubnet with no gateway and nothing "
          "about ExpressRoute; issue 10 item 6",
    "R6": "FINDINGS R6 [engine]: a parameter-file value for an undeclared parameter is only a notice; ARM refuses "
          "the deployment (issue 9 item 8)",
    "R8": "FINDINGS R8 [engine]: a property copy loop in a nested deployment's parameters (Bicep '[for ...]' module "
          "parameter) is refused as 'neither value nor reference' (exit 2); ARM expands it (issue 9 item 9)",
    "R7": "FINDINGS R7 [engine]: 'enableBGP' (key case) on a connection is read as BGP off, so BGP-ASN-DISTINCT "
          "is silently not evaluated (issue 9 item 1)",
}

_COMMIT = re.compile(r"^[0-9a-f]{40}\b")


def _case_dirs() -> list[Path]:
    return sorted(p for p in CASES_DIR.iterdir() if (p / "expected.json").is_file())


def _expected(case: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    return data


@cache
def _scan(case: Path) -> Report:
    expected = _expected(case)
    parameter_files = (case / expected["parameterFile"],) if "parameterFile" in expected else ()
    values = tuple(expected.get("set", {}).items())
    return api.scan([case / "template.json"],
                    api.ScanOptions(parameter_files=parameter_files, parameter_values=values))


def _params() -> list[Any]:
    params = []
    for case in _case_dirs():
        finding = _expected(case).get("finding")
        marks = [pytest.mark.xfail(strict=True, reason=FINDINGS[finding])] if finding else []
        params.append(pytest.param(case, id=case.name, marks=marks))
    return params


@pytest.mark.parametrize("case", _params())
def test_real_template_verdicts(case: Path) -> None:
    expected = _expected(case)
    report = _scan(case)
    messages = [e.message for e in report.errors]
    if expected["errors"]:
        for text in expected["errors"]:
            assert any(text in m for m in messages), f"no input error mentions {text!r}: {messages}"
    else:
        assert not messages, messages
    wrong = []
    for verdict in expected["verdicts"]:
        rule, name, status = verdict["rule"], verdict["resource"], verdict["status"]
        allowed = set(status) if isinstance(status, list) else {status}
        got = {r.status for r in report.results if r.rule == rule and r.resource.name == name}
        ok = (not got and "absent" in allowed) or (bool(got) and got <= allowed)
        if not ok:
            wrong.append(f"{rule} {name}: expected {sorted(allowed)}, got {sorted(got) or ['absent']}")
    assert not wrong, "\n".join(wrong)


def test_every_case_is_documented_and_ours() -> None:
    cases = _case_dirs()
    assert len(cases) >= 15
    for case in cases:
        expected = _expected(case)
        source = expected["source"]
        assert source["repo"].count("/") == 1 and source["path"], case.name
        assert _COMMIT.match(source["commit"]), f"{case.name}: commit must start with a full hash"
        # A case pins verdicts, input errors, or ("readsCleanly") that a template ARM deploys reads without one.
        assert (expected["verdicts"] or expected["errors"] or expected.get("finding")
                or (expected.get("readsCleanly") is True and not expected["errors"])), case.name
        assert expected.get("finding") in (None, *FINDINGS), case.name
        for verdict in expected["verdicts"]:
            assert {"rule", "resource", "status"} <= set(verdict) <= {"rule", "resource", "status", "note"}, case.name
        # small templates written for this suite, not copies of the originals
        template = (case / "template.json").read_text(encoding="utf-8")
        assert len(template) < 20_000, f"{case.name}: keep the reproduction small"
        assert "_generator" not in template, f"{case.name}: looks like a copied compiled template"


def test_cases_depend_on_nothing_outside_the_project() -> None:
    """The real templates found while writing these cases live outside the project; nothing here may
    refer to them, so the suite runs the same where that folder does not exist."""
    outside = ("real" + "templates", "/" + "work/", ".." + "/shared")
    for path in [Path(__file__), *sorted(CASES_DIR.rglob("*"))]:
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert not [o for o in outside if o in text], path
    for case in _case_dirs():
        expected = _expected(case)
        if "parameterFile" in expected:
            parameter_file = (case / expected["parameterFile"]).resolve()
            assert parameter_file.parent == case.resolve() and parameter_file.is_file(), case.name
        assert {p.name for p in case.iterdir()} <= {"template.json", "parameters.json", "expected.json"}, case.name
