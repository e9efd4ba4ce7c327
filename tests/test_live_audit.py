"""The live audit end to end through the ``hybrid-check audit`` command against the fake ARM: only the
credential is replaced; the SDK clients, retries, paging and TLS are the real ones. Exit codes, the
JSON report, snapshots, access errors, both collection modes, deep data, every report format, the
live-only rules passing and failing, audit == scan of its snapshot, and Ctrl-C."""

from __future__ import annotations

import json
import os
import re
import select
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("azure.mgmt.network")
pytest.importorskip("trustme")

from pytest_socket import enable_socket, socket_allow_hosts  # noqa: E402

from checker import cli  # noqa: E402
from checker.sources import live  # noqa: E402
from tests.conftest import REPO_ROOT  # noqa: E402
from tests.fakearm import estate as E  # noqa: E402
from tests.fakearm.demo import DemoCredential  # noqa: E402
from tests.fakearm.server import FakeArm, forbidden  # noqa: E402

pytestmark = pytest.mark.slow  # outside `make test-fast` (see the Makefile)

LIVE_ONLY = ("GW-PROVISIONED", "VPN-CONN-LIVE", "VPN-BGP-PEER-LIVE", "ER-CIRCUIT-LIVE", "FAILOVER-LIVE",
             "HUB-PEER-LIVE")
#: What the non-compliant branch (rg-branch-net) breaks; the hub breaks nothing.
# GW-PIP-STANDARD-STATIC: the Basic gateway's Basic IP was exempt until VPN gateways' Basic IPs were retired
# (30 June 2026, rule-facts audit of December 2026).
BRANCH_FAILURES = {"GW-SUBNET-BGP-PROPAGATION", "GW-SUBNET-NO-DEFAULT-ROUTE", "GW-SUBNET-NO-NSG",
                   "NET-NO-OVERLAP-ONPREM", "CONN-IPSEC-CRYPTO", "VPN-ROUTE-BASED", "VPN-SKU-CURRENT",
                   "GW-DIAG-LOGS", "GW-PIP-STANDARD-STATIC"}
BOTH_SUBSCRIPTIONS = ["--subscription", E.SUB_CONNECTIVITY, "--subscription", E.SUB_CIRCUITS]
#: The compliant hub and everything it references, the circuits' group given by its full id.
HUB_ONLY = ["--subscription", E.SUB_CONNECTIVITY,
            *[arg for group in ("rg-hub-net", "rg-hub-pip", "rg-hub-onprem", "rg-spoke-app")
              for arg in ("--resource-group", group)],
            "--resource-group", f"/subscriptions/{E.SUB_CIRCUITS}/resourceGroups/rg-er"]
SANDBOX = f"/subscriptions/{E.SUB_CONNECTIVITY}/resourceGroups/rg-sandbox"


# ---------------------------------------------------------------------------------------------- harness

@pytest.fixture(scope="module")
def server() -> Iterator[FakeArm]:
    with FakeArm(E.hybrid_estate(), page_size=2) as arm:
        yield arm


def _serve(arm: FakeArm, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeArm]:
    arm.reset()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", arm.ca_path)
    # Only the credential is replaced, as `make demo-live` does.
    monkeypatch.setattr(live, "_build_credential", lambda auth, cloud: DemoCredential())
    socket_allow_hosts(["127.0.0.1"], allow_unix_socket=True)
    try:
        yield arm
    finally:
        enable_socket()


@pytest.fixture
def arm(server: FakeArm, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeArm]:
    yield from _serve(server, monkeypatch)


class Run:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    @property
    def report(self) -> dict[str, Any]:
        return json.loads(self.out)

    def results(self, rule: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
        return [r for r in self.report["results"]
                if (rule is None or r["rule"] == rule) and (status is None or r["status"] == status)]

    def statuses(self, rule: str) -> dict[str, str]:
        """resource name -> status of ``rule``."""
        return {r["resource"]["name"]: r["status"] for r in self.results(rule)}


def hybrid_check(capsys: pytest.CaptureFixture[str], *argv: str) -> Run:
    capsys.readouterr()
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return Run(code, out, err)


def audit(arm: FakeArm, capsys: pytest.CaptureFixture[str], *flags: str, scope: list[str] | None = None,
          fmt: str = "json") -> Run:
    return hybrid_check(capsys, "audit", *(scope or BOTH_SUBSCRIPTIONS), "--arm-endpoint", arm.url,
                        "--format", fmt, *flags)


def comparable(report: dict[str, Any]) -> list[tuple[Any, ...]]:
    """What an audit and a scan of its snapshot must agree on (locations differ: live vs file lines)."""
    return sorted((r["rule"], r["status"], r["severity"], r["resource"]["id"].lower(), r["message"],
                   tuple(r["unknownReasons"]), (r["site"] or "").lower()) for r in report["results"])


# ---------------------------------------------------------------------------------------------- exit codes

def test_the_compliant_hub_passes_and_the_branch_fails(arm: FakeArm, capsys: pytest.CaptureFixture[str]) -> None:
    run = audit(arm, capsys, "--deep")
    assert run.code == 1, run.err
    sites = {s["name"]: s["result"] for s in run.report["sites"]}
    assert sites == {"vnet-hub": "pass", "vnet-branch": "fail"}
    failing = run.results(status="fail")
    assert {r["rule"] for r in failing} == BRANCH_FAILURES
    assert {r["site"].rsplit("/", 1)[-1] for r in failing} == {"vnet-branch"}
    assert run.results(status="unknown") == []
    assert run.report["notEvaluated"] == [] and run.report["errors"] == []
    assert run.report["summary"]["gate"]["exitCode"] == 1
    # the secrets served by ARM never reach a report
    assert not any(secret in run.out for secret in E.SECRETS)


def test_the_hub_alone_exits_0(arm: FakeArm, capsys: pytest.CaptureFixture[str]) -> None:
    run = audit(arm, capsys, "--deep", scope=HUB_ONLY)
    assert run.code == 0, run.out + run.err
    assert [(s["name"], s["result"]) for s in run.report["sites"]] == [("vnet-hub", "pass")]
    assert run.results(status="fail") == [] and run.results(status="unknown") == []
    assert run.report["notEvaluated"] == []
    # the circuits' group was read in its own subscription; the group names only in the given one
    assert not any(r.path.lower().startswith(f"/subscriptions/{E.SUB_CIRCUITS}/resourcegroups/rg-hub")
                   for r in arm.log)
    assert run.statuses("ER-CIRCUIT-LIVE") == {"erc-hq": "pass", "erc-hq-london": "pass"}


def test_a_403_resource_group_is_not_evaluated_and_gates_by_unknown(arm: FakeArm,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    arm.add_fault(forbidden(f"{SANDBOX.lower()}/"))
    scope = [*HUB_ONLY, "--resource-group", "rg-sandbox"]
    failing = audit(arm, capsys, "--deep", "--unknown", "fail", scope=scope)
    assert failing.code == 1
    assert [(n["scope"], n["code"]) for n in failing.report["notEvaluated"]] == [(SANDBOX, "AuthorizationFailed")]
    assert "HTTP 403" in failing.report["notEvaluated"][0]["message"]
    assert failing.results(status="fail") == [] and failing.results(status="unknown") == []
    assert any("not evaluated" in reason for reason in failing.report["summary"]["gate"]["reasons"])

    passing = audit(arm, capsys, "--deep", "--unknown", "pass", scope=scope)
    assert passing.code == 0, passing.report["summary"]["gate"]
    assert passing.report["notEvaluated"] == failing.report["notEvaluated"]

    table = audit(arm, capsys, "--deep", scope=scope, fmt="table")
    assert table.code == 1
    assert "Not evaluated:" in table.out and f"{SANDBOX}: AuthorizationFailed" in table.out


# ---------------------------------------------------------------------------------------------- collection modes

def test_resource_graph_and_per_group_modes_give_the_same_results(arm: FakeArm,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    graph = audit(arm, capsys, "--deep", "--resource-graph")
    graph_posts = arm.requests_to("/providers/Microsoft.ResourceGraph/resources")
    graph_lists = [r for r in arm.log if "/resourcegroups/" in r.path.lower() and r.path.lower().endswith(
        "/providers/microsoft.network/virtualnetworks")]
    arm.reset()
    per_group = audit(arm, capsys, "--deep", "--no-resource-graph")
    assert len(graph_posts) == 2 and graph_lists == []  # one query per subscription, no per-group list
    assert arm.requests_to("/providers/Microsoft.ResourceGraph/resources") == []
    assert len([r for r in arm.log if r.path.lower().endswith("/providers/microsoft.network/virtualnetworks")]) == 7
    assert graph.code == per_group.code == 1
    assert comparable(graph.report) == comparable(per_group.report)
    assert "via Resource Graph" in graph.report["inputs"][0]
    assert "via resource groups" in per_group.report["inputs"][0]


def test_deep_turns_the_bgp_peer_rule_from_unknown_into_a_verdict(arm: FakeArm,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    shallow = audit(arm, capsys)
    assert [r for r in arm.log if r.method == "POST"] == []
    assert shallow.statuses("VPN-BGP-PEER-LIVE") == {"vgw-hub-vpn": "unknown"}
    reasons = shallow.results("VPN-BGP-PEER-LIVE")[0]["unknownReasons"]
    assert any("getBgpPeerStatus" in reason for reason in reasons)
    assert "VPN-BGP-PEER-LIVE on vgw-hub-vpn" in " ".join(shallow.report["summary"]["gate"]["reasons"])
    arm.reset()
    deep = audit(arm, capsys, "--deep")
    assert deep.statuses("VPN-BGP-PEER-LIVE") == {"vgw-hub-vpn": "pass"}
    posts = {r.path.rsplit("/", 1)[-1].lower() for r in arm.log if r.method == "POST"}
    assert posts == {"getbgppeerstatus", "getlearnedroutes"}
    assert {r["rule"] for r in shallow.results(status="unknown")} >= {"VPN-BGP-PEER-LIVE"}
    assert deep.results(status="unknown") == []


@pytest.mark.parametrize("fmt", cli.FORMATS)
def test_every_report_format_is_written(arm: FakeArm, capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                        fmt: str) -> None:
    target = tmp_path / "out" / f"report.{fmt}"
    run = audit(arm, capsys, "--deep", "-o", f"{fmt}:{target}", fmt=fmt)
    assert run.code == 1 and run.err == ""
    written = target.read_text(encoding="utf-8")
    assert written.strip()
    printed = run.out
    if fmt == "json":
        assert {r["rule"] for r in json.loads(printed)["results"] if r["status"] == "fail"} == BRANCH_FAILURES
    elif fmt == "sarif":
        sarif = json.loads(printed)
        assert {r["ruleId"] for r in sarif["runs"][0]["results"] if r.get("level") == "error"} >= \
            {"GW-SUBNET-NO-NSG", "VPN-SKU-CURRENT"}
    elif fmt == "junit":
        root = ElementTree.fromstring(printed)
        assert int(root.get("failures") or sum(int(s.get("failures", 0)) for s in root)) >= len(BRANCH_FAILURES)
    elif fmt in ("table", "markdown"):
        assert all(rule in printed for rule in BRANCH_FAILURES) and "vnet-branch" in printed
    assert not any(secret in printed or secret in written for secret in E.SECRETS)


# ---------------------------------------------------------------------------------------------- audit == scan

@pytest.mark.parametrize(("flags", "forbid_sandbox"), [(["--deep"], False), (["--deep", "--resource-graph"], False),
                                                      ([], False), (["--deep"], True)],
                         ids=["per-group", "resource-graph", "shallow", "with-403"])
def test_audit_and_scan_of_its_snapshot_give_the_same_results(arm: FakeArm, capsys: pytest.CaptureFixture[str],
                                                              tmp_path: Path, flags: list[str],
                                                              forbid_sandbox: bool) -> None:
    if forbid_sandbox:
        arm.add_fault(forbidden(f"{SANDBOX.lower()}/"))
    snapshot = tmp_path / "estate.json"
    audited = audit(arm, capsys, *flags, "--save-snapshot", str(snapshot))
    text = snapshot.read_text(encoding="utf-8")
    assert not any(secret in text for secret in E.SECRETS)
    header = json.loads(text)["hybridCheckSnapshot"]
    assert header["tenantId"] == E.TENANT_ID and header["requests"] == len(arm.log)

    scanned = hybrid_check(capsys, "scan", str(snapshot), "--format", "json")
    assert audited.code == scanned.code
    assert len(audited.report["results"]) > 80
    assert comparable(audited.report) == comparable(scanned.report)
    assert [(s["name"], s["result"], s["pattern"]) for s in audited.report["sites"]] == \
        [(s["name"], s["result"], s["pattern"]) for s in scanned.report["sites"]]
    assert audited.report["notEvaluated"] == scanned.report["notEvaluated"]
    assert {r["location"]["file"] for r in scanned.report["results"]} == {str(snapshot)}
    assert all(r["location"]["line"] for r in scanned.report["results"])


# ---------------------------------------------------------------------------------------------- live-only rules

def _broken_estate() -> E.Estate:
    """The hybrid estate with something down for every live-only rule."""
    estate = E.hybrid_estate()
    objects = {obj["name"]: obj for _, _, obj in estate.resources()}
    objects["vgw-hub-er"]["properties"]["provisioningState"] = "Failed"
    branch = objects["cn-branch"]["properties"]
    branch["connectionStatus"] = "NotConnected"
    branch["ingressBytesTransferred"] = branch["egressBytesTransferred"] = 0
    objects["cn-hub-hq"]["properties"]["tunnelConnectionStatus"][1]["connectionStatus"] = "NotConnected"
    for name in ("cn-hub-er", "cn-hub-er-london"):
        objects[name]["properties"]["provisioningState"] = "Failed"
    objects["erc-hq"]["properties"]["serviceProviderProvisioningState"] = "NotProvisioned"
    objects["erc-hq-london"]["properties"]["peerings"][0]["properties"]["state"] = "Disabled"
    spoke = objects["vnet-spoke-app"]["properties"]["virtualNetworkPeerings"][0]["properties"]
    spoke["peeringState"], spoke["peeringSyncLevel"] = "Disconnected", "RemoteNotInSync"
    vpn_gateway = objects["vgw-hub-vpn"]["id"].lower()
    estate.bgp_peer_status[vpn_gateway][0]["state"] = "Connecting"
    return estate


@pytest.fixture(scope="module")
def broken_server() -> Iterator[FakeArm]:
    with FakeArm(_broken_estate(), page_size=2) as arm:
        yield arm


@pytest.fixture
def broken(broken_server: FakeArm, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeArm]:
    yield from _serve(broken_server, monkeypatch)


def test_live_only_rules_pass_on_a_healthy_estate(arm: FakeArm, capsys: pytest.CaptureFixture[str]) -> None:
    run = audit(arm, capsys, "--deep")
    assert run.statuses("GW-PROVISIONED") == {"vgw-hub-vpn": "pass", "vgw-hub-er": "pass", "vgw-branch": "pass"}
    assert run.statuses("VPN-CONN-LIVE") == {"cn-hub-hq": "pass", "cn-branch": "pass"}
    assert run.statuses("VPN-BGP-PEER-LIVE") == {"vgw-hub-vpn": "pass"}
    assert run.statuses("ER-CIRCUIT-LIVE") == {"erc-hq": "pass", "erc-hq-london": "pass"}
    assert run.statuses("FAILOVER-LIVE") == {"vnet-hub": "pass"}
    assert run.statuses("HUB-PEER-LIVE") == {"hub-to-spoke-app": "pass", "spoke-app-to-hub": "pass"}
    messages = {r["resource"]["name"]: r["message"] for r in run.results("VPN-CONN-LIVE")}
    assert messages["cn-hub-hq"].startswith("cn-hub-hq: ")  # a pass names the subject and states compliance
    assert "NotConnected" not in messages["cn-hub-hq"] and "not " not in messages["cn-hub-hq"]


@pytest.mark.parametrize("mode", ["--no-resource-graph", "--resource-graph"])
def test_live_only_rules_fail_on_what_is_down(broken: FakeArm, capsys: pytest.CaptureFixture[str],
                                              tmp_path: Path, mode: str) -> None:
    snapshot = tmp_path / "broken.json"
    run = audit(broken, capsys, "--deep", mode, "--save-snapshot", str(snapshot))
    assert run.code == 1 and run.report["notEvaluated"] == []
    assert run.statuses("GW-PROVISIONED") == {"vgw-hub-vpn": "pass", "vgw-hub-er": "fail", "vgw-branch": "pass"}
    # connectionStatus and the tunnels come from a GET of each connection: lists do not carry them
    assert run.statuses("VPN-CONN-LIVE") == {"cn-hub-hq": "fail", "cn-branch": "fail"}
    messages = {r["resource"]["name"]: r["message"] for r in run.results("VPN-CONN-LIVE")}
    # cn-hub-hq is Connected as a whole, one of its two tunnels is not
    assert "NotConnected" not in messages["cn-hub-hq"] and re.search(r"\b1 tunnel", messages["cn-hub-hq"])
    assert "NotConnected" in messages["cn-branch"]
    assert run.statuses("VPN-BGP-PEER-LIVE") == {"vgw-hub-vpn": "fail"}
    assert re.search(r"\b1 BGP neighbour", run.results("VPN-BGP-PEER-LIVE")[0]["message"])
    assert run.statuses("ER-CIRCUIT-LIVE") == {"erc-hq": "fail", "erc-hq-london": "fail"}
    assert "NotProvisioned" in {r["resource"]["name"]: r["message"] for r in run.results("ER-CIRCUIT-LIVE")}["erc-hq"]
    assert run.statuses("FAILOVER-LIVE") == {"vnet-hub": "fail"}
    assert "false" in run.results("FAILOVER-LIVE")[0]["message"]  # ExpressRoute is not up
    assert run.statuses("HUB-PEER-LIVE") == {"hub-to-spoke-app": "pass", "spoke-app-to-hub": "fail"}
    assert "Disconnected" in run.results("HUB-PEER-LIVE", "fail")[0]["message"]
    for rule in LIVE_ONLY:
        assert run.results(rule, "not-applicable") == [] and run.results(rule, "unknown") == [], rule
    # the same verdicts offline, from the snapshot
    scanned = hybrid_check(capsys, "scan", str(snapshot), "--format", "json")
    assert comparable(scanned.report) == comparable(run.report)


def test_a_connection_whose_state_cannot_be_read_is_not_evaluated(arm: FakeArm,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    connection = f"/subscriptions/{E.SUB_CONNECTIVITY}/resourceGroups/rg-branch-net/providers/Microsoft.Network" \
                 f"/connections/cn-branch"
    arm.add_fault(forbidden(connection.lower()))
    run = audit(arm, capsys, "--deep", "--unknown", "pass")
    scopes = [(n["scope"], n["code"]) for n in run.report["notEvaluated"]]
    # the list of the group still answered; only the GET of the connection was refused
    assert scopes == [(f"{connection}/connectionStatus", "AuthorizationFailed")]
    assert run.statuses("VPN-CONN-LIVE")["cn-hub-hq"] == "pass"
    assert run.statuses("VPN-CONN-LIVE")["cn-branch"] != "pass"


# ---------------------------------------------------------------------------------------------- Ctrl-C

CHILD = """
import sys
from checker.sources import live
from tests.fakearm.demo import DemoCredential
live._build_credential = lambda auth, cloud: DemoCredential()
from checker import cli
sys.exit(cli.main(sys.argv[1:]))
"""


def _read_all(fd: int, process: subprocess.Popen[bytes]) -> bytes:
    chunks = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                data = os.read(fd, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        elif process.poll() is not None:
            break
    return b"".join(chunks)


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_ctrl_c_prints_one_line_and_no_traceback(arm: FakeArm) -> None:
    import pty

    arm.latency = 0.5
    env = {**os.environ, "REQUESTS_CA_BUNDLE": arm.ca_path, "PYTHONPATH": str(REPO_ROOT)}
    env.pop("HYBRID_CHECK_DEBUG", None)
    # stderr on a terminal, as for a user: the progress line is drawn, and must be ended before the message
    controller, terminal = pty.openpty()
    process = subprocess.Popen([sys.executable, "-c", CHILD, "audit", *BOTH_SUBSCRIPTIONS, "--arm-endpoint", arm.url],
                               cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=terminal)
    os.close(terminal)
    try:
        # a second round of the 8 workers has started: the pool runs and the progress line was drawn
        deadline = time.monotonic() + 30
        while len(arm.requests_to("/providers/Microsoft.Network/")) <= 8 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(arm.requests_to("/providers/Microsoft.Network/")) > 8, "the audit never reached the lists"
        process.send_signal(signal.SIGINT)
        err = _read_all(controller, process).decode(errors="replace")
        out, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
        os.close(controller)
    assert process.returncode == 130
    assert out == b""
    lines = [line for line in err.replace("\r\n", "\n").split("\n") if line.strip()]
    assert "Traceback" not in err
    assert lines[-1] == "interrupted"
    assert sum("interrupted" in line for line in lines) == 1
    assert all(line.startswith("\r") or "[" in line for line in lines[:-1]), lines  # only progress before it
