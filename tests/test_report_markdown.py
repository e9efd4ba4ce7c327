"""Markdown summary: golden output, verdict line, counts, links to rule pages, folded passes, escaping."""

from __future__ import annotations

from checker.records import replace
from checker.report.gate import evaluate_gate
from checker.report.markdown import MAX_ROWS, render_markdown

try:
    from test_report_sample import check_golden, sample_report, without_errors
except ImportError:  # tests collected as a package
    from tests.test_report_sample import check_golden, sample_report, without_errors


def test_markdown_golden() -> None:
    report = sample_report()
    check_golden("report.md", render_markdown(report, gate=evaluate_gate(report)))


def test_verdict_line_follows_the_gate() -> None:
    report = without_errors(sample_report())
    failing = render_markdown(report, gate=evaluate_gate(report))
    assert failing.splitlines()[0] == "## hybrid-check: ❌ FAIL (exit 1)"
    passing = render_markdown(report, gate=evaluate_gate(report, fail_on="none"))
    assert passing.splitlines()[0] == "## hybrid-check: ✅ PASS (exit 0)"
    assert render_markdown(sample_report()).splitlines()[0] == "## hybrid-check: ⛔ ERROR"


def test_counts_and_failure_table() -> None:
    text = render_markdown(sample_report())
    assert "| high | 4 | 0 |" in text and "| critical | 0 | 1 |" in text
    section = text.split("### Failures and unknowns", 1)[1].split("###", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| fail") or line.startswith("| unknown")]
    assert len(rows) == 9
    assert "| VPN-SKU-AZ |" in section  # no link unless the rule pages' address is configured
    linked = render_markdown(sample_report(), docs_url="https://docs.example.org/rules/")
    assert "[VPN-SKU-AZ](https://docs.example.org/rules/VPN-SKU-AZ.md)" in linked
    assert "vgw-hub is a Vpn gateway" not in section  # passes are folded away


def test_passes_are_folded() -> None:
    text = render_markdown(sample_report())
    folded = text.split("<details><summary>Passed (3)</summary>", 1)[1].split("</details>", 1)[0]
    assert "vgw-hub is a Vpn gateway" in folded


def test_cells_escape_html_and_pipes() -> None:
    text = render_markdown(sample_report())
    assert "sharedKey &lt;secret&gt; is a literal in the template \\| weak" in text
    assert "<secret>" not in text  # raw, it would be swallowed as an HTML tag
    report = without_errors(sample_report())
    report.results[1] = replace(report.results[1], message="line one\nline two")
    assert "line one line two" in render_markdown(report)


def test_long_reports_are_cut() -> None:
    report = without_errors(sample_report())
    failure = next(r for r in report.results if r.status == "fail")
    report.results = [replace(failure, resource=replace(failure.resource, name=f"gw{i}"))
                      for i in range(MAX_ROWS + 5)]
    text = render_markdown(report)
    assert "5 more not shown" in text
    assert len(text) < 65_536


def test_not_evaluated_scopes_and_fixed_entries_are_listed() -> None:
    from checker.report.model import NotEvaluated

    report = without_errors(sample_report())
    report.not_evaluated = [NotEvaluated(scope="rg-shared", code="AuthorizationFailed", message="403")]
    report.fixed = [replace(report.results[0], baseline="fixed")]
    text = render_markdown(report)
    assert "### Not evaluated" in text and "`rg-shared`: AuthorizationFailed: 403" in text
    assert "<details><summary>Fixed since the baseline (1)</summary>" in text
