"""JSON report: golden output, the report schema, the contract keys, secrets and summary values."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from checker.model import Secret
from checker.records import replace
from checker.report.gate import evaluate_gate
from checker.report.json_report import SCHEMA_VERSION, render_json, report_to_dict, rule_page_url

try:
    from test_report_sample import check_golden, sample_report, without_errors
except ImportError:  # tests collected as a package
    from tests.test_report_sample import check_golden, sample_report, without_errors

REPORT_SCHEMA = Path(__file__).resolve().parents[1] / "checker" / "schemas" / "report.schema.json"


@pytest.fixture(scope="module")
def report_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(REPORT_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_json_golden() -> None:
    report = sample_report()
    check_golden("report.json", render_json(report, evaluate_gate(report)))


@pytest.mark.parametrize("with_gate", [True, False])
def test_json_validates_against_report_schema(report_validator, with_gate: bool) -> None:
    report = sample_report()
    document = json.loads(render_json(report, evaluate_gate(report) if with_gate else None))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in report_validator.iter_errors(document)]
    assert errors == []


def test_schema_rejects_a_renamed_key(report_validator) -> None:
    document = report_to_dict(sample_report())
    document["results"][0]["ruleId"] = document["results"][0].pop("rule")
    assert list(report_validator.iter_errors(document))


def test_contract_keys_and_values() -> None:
    report = sample_report()
    document = report_to_dict(report, evaluate_gate(report))
    assert document["schemaVersion"] == SCHEMA_VERSION == "1.0"
    assert document["tool"] == {"name": "hybrid-check", "version": "0.1.0"}
    summary = document["summary"]
    assert summary["result"] == "error"  # the sample holds an input error
    assert summary["counts"] == {"pass": 3, "fail": 6, "unknown": 3, "not-applicable": 1, "suppressed": 1}
    assert summary["failuresBySeverity"] == {"critical": 0, "high": 4, "medium": 1, "low": 1}
    assert summary["gate"]["exitCode"] == 2 and summary["gate"]["passed"] is False
    assert summary["gate"]["failOn"] == "high" and summary["gate"]["unknown"] == "fail"
    site = document["sites"][1]
    assert set(site) >= {"id", "name", "pattern", "patternSource", "patterns", "result", "notes"}
    assert site["patternSource"] == "declared" and site["notes"]
    result = next(r for r in document["results"] if r["rule"] == "ER-CIRCUIT-REDUNDANCY")
    assert set(result) >= {"rule", "status", "severity", "site", "resource", "location", "message",
                           "remediation", "unknownReasons", "suppression", "baseline"}
    assert result["suppression"] == {"reason": "second circuit ordered", "expires": "2026-10-31",
                                     "source": "inline", "expired": True}
    assert result["location"] == {"file": "templates/er.json", "line": 12, "pointer": "", "property": None}
    assert document["errors"][0]["file"] == "templates/broken.json" and document["errors"][0]["line"] == 7
    assert document["notices"][0]["kind"] == "not-expanded"
    assert document["fixed"] == []


def test_summary_result_without_gate_follows_statuses() -> None:
    report = without_errors(sample_report())
    assert report_to_dict(report)["summary"]["result"] == "fail"
    only_passes = replace(report, results=[r for r in report.results if r.status == "pass"])
    # a deployment that was not expanded hides resources: never a pass (issue 17, finding 12)
    assert report_to_dict(only_passes)["summary"]["result"] == "fail"
    only_passes = replace(only_passes, notices=[n for n in report.notices if n.kind != "not-expanded"])
    assert report_to_dict(only_passes)["summary"]["result"] == "pass"
    only_unknown = replace(report, results=[r for r in report.results if r.status == "unknown"])
    assert report_to_dict(only_unknown)["summary"]["result"] == "fail"  # unknown is never a pass


def test_secret_in_a_message_renders_as_placeholder() -> None:
    secret = Secret.of("Sup3rS3cretSharedKey!", "parameter-file")
    report = sample_report()
    first = report.results[0]
    report.results[0] = replace(first, message=f"sharedKey {secret} reused",
                                            unknown_reasons=(f"value {secret!r}",))
    text = render_json(report)
    assert "Sup3rS3cretSharedKey!" not in text
    assert "sharedKey <secret> reused" in text
    assert "<redacted>" in text


def test_secret_object_passed_as_message_is_not_rendered() -> None:
    report = sample_report()
    report.results[0] = replace(report.results[0],
                                            message=Secret.of("another-secret-value", "export"))  # type: ignore[arg-type]
    document = report_to_dict(report)
    assert document["results"][0]["message"] == "<secret>"


def test_rule_page_url_only_when_known() -> None:
    assert rule_page_url("X-1", "https://example.org/x") == "https://example.org/x"
    assert rule_page_url("X-1", "docs/rules/X-1.md") == ""  # no guessed repository address
    assert rule_page_url("X-1") == ""
    assert rule_page_url("X-1", "docs/rules/X-1.md", "https://docs.example.org/rules") == \
        "https://docs.example.org/rules/X-1.md"


def test_not_evaluated_scopes_are_reported(report_validator) -> None:
    from checker.report.model import NotEvaluated

    report = without_errors(sample_report())
    report.not_evaluated = [NotEvaluated(scope="/subscriptions/s1/resourceGroups/rg-shared",
                                         code="AuthorizationFailed", message="403 reading gateways")]
    document = report_to_dict(report, evaluate_gate(report, unknown="warn", fail_on="critical"))
    assert document["notEvaluated"] == [{"scope": "/subscriptions/s1/resourceGroups/rg-shared",
                                         "code": "AuthorizationFailed", "message": "403 reading gateways"}]
    assert document["summary"]["gate"]["exitCode"] == 0
    assert any("not evaluated" in reason for reason in document["summary"]["gate"]["reasons"])
    assert not list(report_validator.iter_errors(document))
