"""A crash is not a verdict: an exception inside a view or a rule is an internal error (exit 3) that
names the rule (or view) and the resource, never an ``unknown`` result."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import checker.views
from checker.cli import EXIT_INTERNAL, main
from checker.graph import Graph
from checker.model import EvaluationCrash, Origin, Resource
from checker.patterns import DeclaredPatterns
from checker.policy import engine
from checker.policy.engine import CompiledPolicy, evaluate, evaluate_subject
from checker.policy.loader import default_policy_dir, load_policies
from checker.records import replace
from checker.subject import Subject
from checker.views import SUBJECT_KINDS, build_subjects

REPO = Path(__file__).resolve().parents[1]
VPN_HUB = REPO / "fixtures" / "vpn" / "compliant" / "vpn-hub.json"
GATEWAY_TYPE = "Microsoft.Network/virtualNetworkGateways"
GATEWAY_ID = f"/subscriptions/s/resourceGroups/rg/providers/{GATEWAY_TYPE}/gw"


def _raise(data: Any) -> Any:
    raise ZeroDivisionError("1/0 with value s3cr3t")


def _gateway_subject() -> Subject:
    resource = Resource(id=GATEWAY_ID, type=GATEWAY_TYPE, name="gw", body={}, origin=Origin("main.json", 4, 5))
    return Subject(kind="gateway", resource=resource, data={"gatewayType": "Vpn"}, site=None, patterns=("vpn",))


def _bundled() -> list:
    loaded, errors = load_policies([default_policy_dir()], SUBJECT_KINDS)
    assert errors == []
    return loaded


def test_a_rule_that_raises_is_an_internal_error_naming_rule_and_resource() -> None:
    policy = next(p for p in _bundled() if p.subject == "gateway" and "vpn" in p.patterns)
    compiled = replace(engine.compile_policy(policy), condition_if=None, condition_then=_raise)
    with pytest.raises(EvaluationCrash) as caught:
        evaluate_subject(compiled, _gateway_subject())
    crash = caught.value
    assert crash.rule == policy.id and crash.resource == GATEWAY_ID and crash.view is None
    assert crash.error_type == "ZeroDivisionError"
    assert crash.raised_at.startswith("tests/test_crash.py:") or crash.raised_at.startswith("test_crash.py:")
    assert f"rule {policy.id} crashed on resource {GATEWAY_ID}: ZeroDivisionError" in crash.message
    assert "s3cr3t" not in crash.message  # the exception's text could quote resource values


def test_a_condition_that_is_fine_still_gives_verdicts() -> None:
    """The guard changes nothing for rules that do not crash: the same subject yields a result."""
    policy = next(p for p in _bundled() if p.subject == "gateway" and "vpn" in p.patterns)
    results = evaluate([policy], [_gateway_subject()])
    assert all(r.status in ("pass", "fail", "unknown", "not-applicable") for r in results)


def test_a_view_that_raises_is_an_internal_error_naming_view_and_resource(monkeypatch: pytest.MonkeyPatch) -> None:
    def gateway_subject(ix: Any, gateway: Resource) -> Subject:
        raise KeyError("properties")

    monkeypatch.setattr(checker.views, "gateway_subject", gateway_subject)
    gateway = Resource(id=GATEWAY_ID, type=GATEWAY_TYPE, name="gw", body={"properties": {}}, origin=None)
    with pytest.raises(EvaluationCrash) as caught:
        build_subjects(Graph([gateway]), DeclaredPatterns())
    assert caught.value.view == "gateway_subject" and caught.value.rule is None
    assert caught.value.resource == GATEWAY_ID
    assert "view gateway_subject crashed on resource" in caught.value.message


def test_scan_with_a_crashing_rule_exits_3_naming_rule_and_resource(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    real = engine.compile_policy
    crashing = "VPN-ACTIVE-ACTIVE"

    def compile_policy(policy: Any, settings: Any = engine.DEFAULT_SETTINGS, generate: bool = False,
                       **options: Any) -> CompiledPolicy:
        compiled = real(policy, settings, generate, **options)
        if policy.id == crashing:
            return replace(compiled, condition_if=None, condition_then=_raise)
        return compiled

    monkeypatch.setattr(engine, "compile_policy", compile_policy)
    monkeypatch.delenv("HYBRID_CHECK_DEBUG", raising=False)
    code = main(["scan", str(VPN_HUB), "--format", "json"])
    out, err = capsys.readouterr()
    assert code == EXIT_INTERNAL
    assert f"internal error: rule {crashing} crashed on resource /subscriptions/" in err
    assert "virtualNetworkGateways/" in err and "ZeroDivisionError" in err
    assert "Traceback" not in err and "s3cr3t" not in out + err
    assert '"unknown"' not in out  # no report claims a verdict for it


def test_scan_with_a_crashing_view_exits_3(monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    def connection_subject(*args: Any) -> Subject:
        raise TypeError("unsupported operand")

    monkeypatch.setattr(checker.views, "connection_subject", connection_subject)
    monkeypatch.delenv("HYBRID_CHECK_DEBUG", raising=False)
    code = main(["scan", str(VPN_HUB), "--format", "json"])
    _, err = capsys.readouterr()
    assert code == EXIT_INTERNAL
    assert "internal error: view connection_subject crashed on resource /subscriptions/" in err
    assert "/connections/" in err and "TypeError" in err
