"""The CI gate: turns a Report into pass/fail and the process exit code (0 pass, 1 fail, 2 unusable
input or nothing evaluated)."""

from __future__ import annotations

from checker.model import CheckerError
from checker.records import Frozen
from checker.report.model import Report, Result
from checker.vocabulary import EXIT_FAIL, EXIT_PASS, FAIL_ON_CHOICES, SEVERITIES
from checker.vocabulary import EXIT_INPUT as EXIT_ERROR
from checker.vocabulary import UNKNOWN_MODES as UNKNOWN_CHOICES

NOT_EXPANDED = "not-expanded"  # the notice kind of a deployment whose resources were not read


class GateOutcome(Frozen):
    _fields = ("passed", "exit_code", "fail_on", "unknown", "reasons", "gate_context")
    passed: bool
    exit_code: int
    fail_on: str
    unknown: str
    reasons: tuple[str, ...]
    gate_context: bool  # findings only about --context resources gate too

    def __init__(self, passed: bool, exit_code: int, fail_on: str, unknown: str, reasons: tuple[str, ...],
                 gate_context: bool = False) -> None:
        fields = self.__dict__
        fields["passed"] = passed
        fields["exit_code"] = exit_code
        fields["fail_on"] = fail_on
        fields["unknown"] = unknown
        fields["reasons"] = reasons
        fields["gate_context"] = gate_context


def _at_or_above(severity: str, fail_on: str) -> bool:
    if fail_on == "none":
        return False
    if severity not in SEVERITIES:
        return True  # an unrecognised severity gates rather than slipping through
    return SEVERITIES.index(severity) <= SEVERITIES.index(fail_on)


def _gates(result: Result, gate_context: bool) -> bool:
    # With a baseline only new findings gate; a result the baseline did not classify counts as new.
    # A finding about a resource only in a --context file (the estate as it is) gates with --gate-context.
    return result.baseline != "existing" and (gate_context or not result.context)


def _by_severity(results: list[Result]) -> str:
    """``2 critical, 5 high`` for a list of results."""
    counts = [(severity, sum(1 for r in results if r.severity == severity)) for severity in SEVERITIES]
    return ", ".join(f"{count} {severity}" for severity, count in counts if count)


def _describe(results: list[Result], limit: int = 3) -> str:
    """Counts by severity, then the most severe rules (by severity, then rule) with where they fail."""
    ordered = sorted(results, key=lambda r: (SEVERITIES.index(r.severity) if r.severity in SEVERITIES else -1,
                                             r.rule, r.resource.name.lower()))
    by_rule: dict[str, list[Result]] = {}
    for result in ordered:
        by_rule.setdefault(result.rule, []).append(result)
    shown = [f"{rule} on {found[0].resource.name}" + (f" and {len(found) - 1} more" if len(found) > 1 else "")
             for rule, found in list(by_rule.items())[:limit]]
    more = len(by_rule) - limit
    return f"{_by_severity(results)}; " + ", ".join(shown) + (f"; {more} more rule(s)" if more > 0 else "")


def evaluate_gate(report: Report, *, fail_on: str = "high", unknown: str = "fail",
                  allow_empty: bool = False, gate_context: bool = False) -> GateOutcome:
    """Decide the exit code. Input errors always give 2 (never a pass); so does an empty report unless
    ``allow_empty``. Suppressed results never gate; an expired waiver keeps the real status, so it gates.
    Results about the context only (``Result.context``) gate only with ``gate_context``."""
    if fail_on not in FAIL_ON_CHOICES:
        raise CheckerError(f"fail-on: {fail_on!r} is not one of {', '.join(FAIL_ON_CHOICES)}",
                           hint="set the lowest severity that fails the gate, or none")
    if unknown not in UNKNOWN_CHOICES:
        raise CheckerError(f"unknown: {unknown!r} is not one of {', '.join(UNKNOWN_CHOICES)}",
                           hint="fail gates unknown results like failures, warn only reports them")

    reasons: list[str] = []
    failing = [r for r in report.results
               if r.status == "fail" and _gates(r, gate_context) and _at_or_above(r.severity, fail_on)]
    unknowns = [r for r in report.results
                if r.status == "unknown" and _gates(r, gate_context) and _at_or_above(r.severity, fail_on)]
    scopes = list(getattr(report, "not_evaluated", None) or [])
    # A deployment that was not expanded (templateLink.uri, a template known only at deployment) hides
    # resources no rule saw: it counts like an unknown result unless a NOT-EXPANDED waiver accepts it.
    unexpanded = [n for n in report.notices if n.kind == NOT_EXPANDED]
    expired = [r for r in failing + unknowns if r.suppression is not None and r.suppression.expired]

    gate_fails = bool(failing)
    apart = [r for r in report.results if r.context and r.status in ("fail", "unknown") and not gate_context
             and r.baseline != "existing" and _at_or_above(r.severity, fail_on)]
    if apart:
        reasons.append(f"{len(apart)} finding(s) about resources only in the --context estate, not gating "
                       "(--gate-context gates them)")
    if failing:
        reasons.append(f"{len(failing)} failure(s) at or above {fail_on}: {_describe(failing)}")
    if expired:
        reasons.append(f"{len(expired)} of them with an expired waiver: {_describe(expired)}")
    if unknowns and unknown != "pass":
        if unknown == "fail":
            gate_fails = True
            reasons.append(f"{len(unknowns)} unknown result(s) at or above {fail_on} (unknown=fail): "
                           f"{_describe(unknowns)}")
        else:
            reasons.append(f"{len(unknowns)} unknown result(s) reported, not gating (unknown=warn)")
    if scopes and unknown != "pass" and fail_on != "none":
        # A scope that could not be read is as unknown as an unresolvable value.
        if unknown == "fail":
            gate_fails = True
            reasons.append(f"{len(scopes)} scope(s) not evaluated (unknown=fail)")
        else:
            reasons.append(f"{len(scopes)} scope(s) not evaluated, not gating (unknown=warn)")
    if unexpanded and unknown != "pass" and fail_on != "none":
        where = ", ".join(f"{n.file}{':' + str(n.line) if n.line else ''}" for n in unexpanded[:3])
        more = f" and {len(unexpanded) - 3} more" if len(unexpanded) > 3 else ""
        if unknown == "fail":
            gate_fails = True
            reasons.append(f"{len(unexpanded)} deployment(s) not expanded, their resources not checked "
                           f"(unknown=fail): {where}{more}; a waiver of rule NOT-EXPANDED for the file accepts one")
        else:
            reasons.append(f"{len(unexpanded)} deployment(s) not expanded, not gating (unknown=warn): {where}{more}")

    if report.errors:
        reasons.insert(0, f"{len(report.errors)} input error(s): the input is not usable, fix it first")
        return GateOutcome(False, EXIT_ERROR, fail_on, unknown, tuple(reasons), gate_context)
    if not report.results and not allow_empty:
        reasons.insert(0, "nothing was evaluated: no rule applied to any resource (no VPN or ExpressRoute "
                          "gateways, connections or circuits in the inputs); --allow-empty (allow-empty: true "
                          "in the configuration) accepts this")
        return GateOutcome(False, EXIT_ERROR, fail_on, unknown, tuple(reasons), gate_context)
    if not report.results:
        reasons.insert(0, "nothing to check: no hybrid connectivity resources in the inputs (--allow-empty)")
    if gate_fails:
        return GateOutcome(False, EXIT_FAIL, fail_on, unknown, tuple(reasons), gate_context)
    return GateOutcome(True, EXIT_PASS, fail_on, unknown, tuple(reasons), gate_context)
