"""Where the token goes, through the command: an ARM endpoint or cloud written in a configuration file
(which a repository under scan can carry) takes effect only when the person running the audit says
so; ``--timeout`` bounds the whole collection."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("azure.mgmt.network")
pytest.importorskip("trustme")

from checker import cli  # noqa: E402
from tests.fakearm import estate as E  # noqa: E402
from tests.fakearm.server import Fault  # noqa: E402
from tests.test_live_audit import BOTH_SUBSCRIPTIONS, _serve, hybrid_check, server  # noqa: E402,F401

pytestmark = pytest.mark.slow  # outside `make test-fast` (see the Makefile)


@pytest.fixture
def arm(server: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:  # noqa: F811
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(cli.TRUST_ENDPOINT_ENV, raising=False)
    yield from _serve(server, monkeypatch)


def write_config(arm: Any, **audit: str) -> None:
    Path(".hybrid-check.yaml").write_text("audit:\n" + "".join(f"  {k}: {json.dumps(v)}\n" for k, v in audit.items()))


def test_an_endpoint_from_a_configuration_file_is_refused_without_consent(arm: Any,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    write_config(arm, **{"arm-endpoint": arm.url})
    run = hybrid_check(capsys, "audit", *BOTH_SUBSCRIPTIONS, "--format", "json")
    assert run.code == 2
    assert "audit.arm-endpoint" in run.err and "--trust-config-endpoint" in run.err and "Traceback" not in run.err
    assert arm.log == []  # nothing was sent anywhere


@pytest.mark.parametrize("consent", ["flag", "env"])
def test_consent_lets_the_configured_endpoint_take_effect(arm: Any, capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch, consent: str) -> None:
    write_config(arm, **{"arm-endpoint": arm.url})
    flags = ["--trust-config-endpoint"] if consent == "flag" else []
    if consent == "env":
        monkeypatch.setenv(cli.TRUST_ENDPOINT_ENV, "1")
    run = hybrid_check(capsys, "audit", *BOTH_SUBSCRIPTIONS, "--format", "json", *flags)
    assert run.code in (0, 1), run.err
    assert run.report["results"] and arm.log


def test_an_endpoint_given_on_the_command_line_wins_without_consent(arm: Any,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    write_config(arm, **{"arm-endpoint": "https://attacker.example"})
    run = hybrid_check(capsys, "audit", *BOTH_SUBSCRIPTIONS, "--arm-endpoint", arm.url, "--format", "json")
    assert run.code in (0, 1), run.err


def test_a_cloud_from_a_configuration_file_needs_consent_too(arm: Any, capsys: pytest.CaptureFixture[str]) -> None:
    write_config(arm, cloud="china")
    run = hybrid_check(capsys, "audit", *BOTH_SUBSCRIPTIONS, "--format", "json")
    assert run.code == 2 and "audit.cloud" in run.err


def test_timeout_ends_the_audit_and_what_was_not_read_is_not_evaluated(arm: Any,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    path = f"/subscriptions/{E.SUB_CONNECTIVITY}/resourceGroups/rg-hub-net/providers/Microsoft.Network/connections"
    arm.add_fault(Fault(path.lower(), 200, body={"value": []}, delay=4.0, times=None))
    run = hybrid_check(capsys, "audit", *BOTH_SUBSCRIPTIONS, "--arm-endpoint", arm.url, "--format", "json",
                       "--timeout", "1")
    assert run.code == 1  # not evaluated fails the gate under --unknown fail
    not_evaluated = {(e["scope"], e["code"]) for e in run.report["notEvaluated"]}
    assert (path, "Timeout") in not_evaluated
