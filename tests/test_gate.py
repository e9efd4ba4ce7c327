"""The CI gate: exit-code matrix over fail_on x unknown, input errors, empty reports, waivers, baselines."""

from __future__ import annotations

import pytest

from checker.model import CheckerError, InputError
from checker.records import replace
from checker.report.gate import evaluate_gate
from checker.report.model import Location, Report, ResourceRef, Result, Suppression

SEVERITIES = ("critical", "high", "medium", "low")


def _result(status: str, severity: str, **extra: object) -> Result:
    return Result(rule="VPN-SKU-AZ", status=status, severity=severity, site=None,
                  resource=ResourceRef("/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/"
                                       f"virtualNetworkGateways/gw-{status}-{severity}",
                                       "Microsoft.Network/virtualNetworkGateways", f"gw-{status}-{severity}"),
                  location=Location("main.json", 10), message="m", **extra)  # type: ignore[arg-type]


def _report(*results: Result, errors: list[InputError] | None = None) -> Report:
    return Report(tool_name="hybrid-check", tool_version="0", results=list(results), errors=errors or [])


def _expected(fail_on: str, unknown: str, fail_severity: str | None, unknown_severity: str | None) -> int:
    def gates(severity: str | None) -> bool:
        return (severity is not None and fail_on != "none"
                and SEVERITIES.index(severity) <= SEVERITIES.index(fail_on))
    if gates(fail_severity):
        return 1
    if unknown == "fail" and gates(unknown_severity):
        return 1
    return 0


@pytest.mark.parametrize("fail_on", ["critical", "high", "medium", "low", "none"])
@pytest.mark.parametrize("unknown", ["fail", "warn", "pass"])
@pytest.mark.parametrize(("fail_severity", "unknown_severity"), [
    ("medium", None), (None, "high"), ("low", "critical"), (None, None), ("critical", "low")])
def test_exit_code_matrix(fail_on, unknown, fail_severity, unknown_severity) -> None:
    results = [_result("pass", "critical"), _result("not-applicable", "high"),
               _result("suppressed", "critical")]
    if fail_severity:
        results.append(_result("fail", fail_severity))
    if unknown_severity:
        results.append(_result("unknown", unknown_severity))
    outcome = evaluate_gate(_report(*results), fail_on=fail_on, unknown=unknown)
    expected = _expected(fail_on, unknown, fail_severity, unknown_severity)
    assert outcome.exit_code == expected
    assert outcome.passed is (expected == 0)
    assert (outcome.fail_on, outcome.unknown) == (fail_on, unknown)


def test_spot_values_of_the_matrix() -> None:
    report = _report(_result("fail", "medium"), _result("unknown", "critical"))
    assert evaluate_gate(report).exit_code == 1  # unknown critical at fail_on high
    assert evaluate_gate(report, unknown="warn").exit_code == 0  # medium fail is below high
    assert evaluate_gate(report, fail_on="medium", unknown="pass").exit_code == 1
    assert evaluate_gate(report, fail_on="none").exit_code == 0
    warn = evaluate_gate(report, unknown="warn")
    assert any("not gating" in reason for reason in warn.reasons)


@pytest.mark.parametrize("fail_on", ["critical", "none"])
def test_input_errors_are_never_a_pass(fail_on) -> None:
    report = _report(_result("pass", "high"), errors=[InputError("main.json", 3, "bad JSON")])
    outcome = evaluate_gate(report, fail_on=fail_on, unknown="pass", allow_empty=True)
    assert outcome.exit_code == 2 and not outcome.passed
    assert "input error" in outcome.reasons[0]


def test_nothing_evaluated_exits_2_unless_allowed() -> None:
    assert evaluate_gate(_report()).exit_code == 2
    assert "nothing was evaluated" in evaluate_gate(_report()).reasons[0]
    allowed = evaluate_gate(_report(), allow_empty=True)
    assert allowed.exit_code == 0 and allowed.passed


def test_suppressed_never_gates_but_expired_waiver_does() -> None:
    live = Suppression("accepted", "2099-01-01", "config")
    assert evaluate_gate(_report(_result("suppressed", "critical", suppression=live)), fail_on="low").exit_code == 0
    expired = Suppression("accepted", "2020-01-01", "config", expired=True)
    outcome = evaluate_gate(_report(_result("fail", "critical", suppression=expired)))
    assert outcome.exit_code == 1
    assert any("expired waiver" in reason for reason in outcome.reasons)


def test_with_a_baseline_only_new_results_gate() -> None:
    existing = _result("fail", "critical", baseline="existing")
    new_low = replace(_result("fail", "low"), baseline="new")
    assert evaluate_gate(_report(existing, new_low)).exit_code == 0
    assert evaluate_gate(_report(existing, new_low), fail_on="low").exit_code == 1
    existing_unknown = _result("unknown", "critical", baseline="existing")
    assert evaluate_gate(_report(existing_unknown)).exit_code == 0


def test_not_evaluated_scopes_count_as_unknown() -> None:
    report = _report(_result("pass", "high"))
    report.not_evaluated = [type("Scope", (), {"scope": "rg-a", "code": "403", "message": "denied"})()]  # type: ignore[attr-defined]
    assert evaluate_gate(report).exit_code == 1
    assert evaluate_gate(report, unknown="warn").exit_code == 0


@pytest.mark.parametrize(("kwargs", "text"), [({"fail_on": "severe"}, "fail-on"), ({"unknown": "maybe"}, "unknown")])
def test_bad_settings_raise_checker_error(kwargs, text) -> None:
    with pytest.raises(CheckerError, match=text):
        evaluate_gate(_report(_result("pass", "high")), **kwargs)
