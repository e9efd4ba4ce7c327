"""Live collection with the real Azure SDK clients over HTTPS against the fake ARM: paging, retries,
access errors, Resource Graph, deep gateway data, snapshots, secrets and interruption."""

from __future__ import annotations

import _thread
import json
import logging
import math
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("azure.mgmt.network")
pytest.importorskip("trustme")

from azure.core.credentials import AccessToken  # noqa: E402
from azure.identity import CredentialUnavailableError  # noqa: E402
from pytest_socket import enable_socket, socket_allow_hosts  # noqa: E402

from checker.model import CheckerError, normalise_id  # noqa: E402
from checker.sources import live  # noqa: E402
from checker.sources.live import AuditOptions, AuditScope, LiveCollection, collect, write_snapshot  # noqa: E402
from tests.conftest import REPO_ROOT  # noqa: E402
from tests.fakearm import estate as E  # noqa: E402
from tests.fakearm.server import FakeArm, Fault, forbidden  # noqa: E402

pytestmark = pytest.mark.slow  # outside `make test-fast` (see the Makefile)

TOKEN = "fake-token-7d1e0c55-do-not-log"


class FakeCredential:
    """A TokenCredential (duck-typed): counts calls, never touches the network."""

    def __init__(self) -> None:
        self.calls = 0

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.calls += 1
        return AccessToken(TOKEN, int(time.time()) + 3600)


class MissingCredential:
    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        raise CredentialUnavailableError(message="Azure CLI not found on path")


@pytest.fixture(scope="module")
def server():
    with FakeArm(E.hybrid_estate(), page_size=2) as arm:
        yield arm


@pytest.fixture
def arm(server: FakeArm, monkeypatch: pytest.MonkeyPatch):
    server.reset()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", server.ca_path)
    socket_allow_hosts(["127.0.0.1"], allow_unix_socket=True)
    try:
        yield server
    finally:
        enable_socket()


def run(arm: FakeArm, scope: AuditScope | None = None, **options: Any) -> LiveCollection:
    options.setdefault("credential", FakeCredential())
    options.setdefault("retry_backoff_factor", 0.01)
    scope = scope or AuditScope(subscriptions=(E.SUB_CONNECTIVITY, E.SUB_CIRCUITS))
    return collect(AuditOptions(scope=scope, arm_endpoint=arm.url, **options))


def ids(objects: list[dict[str, Any]]) -> set[str]:
    return {normalise_id(o["id"]) for o in objects}


def estate_ids(estate: E.Estate, skip_group: str | None = None) -> set[str]:
    return {normalise_id(o["id"]) for _, rg, o in estate.resources() if rg != skip_group}


def by_name(collection: LiveCollection, name: str) -> dict[str, Any]:
    return next(o for o in collection.objects if o.get("name") == name)


# ---------------------------------------------------------------------------------------------- paging

def test_multi_page_lists_are_collected_completely(arm: FakeArm) -> None:
    credential = FakeCredential()
    result = run(arm, credential=credential)
    assert result.errors == []
    network = {i for i in ids(result.objects) if "/providers/microsoft.insights/" not in i}
    assert network == estate_ids(arm.estate)
    # page size 2: the three public IPs of rg-hub-pip came in two pages through nextLink
    pages = arm.requests_to("/resourceGroups/rg-hub-pip/providers/Microsoft.Network/publicIPAddresses")
    assert [r.query.get("$skipToken") for r in pages] == [None, "2"]
    assert result.requests == len(arm.log)
    assert result.tenant_id == E.TENANT_ID
    assert "via resource groups" in result.scope_text
    assert credential.calls == 1  # one token shared by every client
    assert all(r.authorization == "Bearer " for r in arm.log)


def test_cross_resource_group_and_cross_subscription_references_resolve(arm: FakeArm) -> None:
    result = run(arm)
    collected = {normalise_id(o["id"]): o for o in result.objects}
    gateway = by_name(result, "vgw-hub-vpn")
    pip_ids = [c["properties"]["publicIPAddress"]["id"] for c in gateway["properties"]["ipConfigurations"]]
    assert len(pip_ids) == 2
    for pip_id in pip_ids:
        assert "/resourcegroups/rg-hub-pip/" in normalise_id(pip_id)
        assert collected[normalise_id(pip_id)]["sku"]["name"] == "Standard"
    connection = by_name(result, "cn-hub-hq")
    local = collected[normalise_id(connection["properties"]["localNetworkGateway2"]["id"])]
    assert local["properties"]["localNetworkAddressSpace"]["addressPrefixes"] == ["192.168.0.0/16"]
    circuit = collected[normalise_id(by_name(result, "cn-hub-er")["properties"]["peer"]["id"])]
    assert E.SUB_CIRCUITS in circuit["id"]


def test_diagnostic_settings_are_collected_per_gateway(arm: FakeArm) -> None:
    result = run(arm)
    settings = [o for o in result.objects if o["type"] == "Microsoft.Insights/diagnosticSettings"]
    expected = [s for found in arm.estate.diagnostic_settings.values() for s in found]
    assert sorted(s["id"] for s in settings) == sorted(s["id"] for s in expected) and len(settings) == 2
    vpn = [s for s in settings if s["id"].lower().startswith(by_name(result, "vgw-hub-vpn")["id"].lower() + "/")]
    assert [c["category"] for c in vpn[0]["properties"]["logs"]] == E.VPN_LOG_CATEGORIES
    assert len(arm.requests_to("/providers/Microsoft.Insights/diagnosticSettings")) == 3  # one per gateway


def test_all_subscriptions_per_group_and_ssl_cert_file_trust(arm: FakeArm, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    monkeypatch.setenv("SSL_CERT_FILE", arm.ca_path)
    result = run(arm, scope=AuditScope(all_subscriptions=True), use_resource_graph=False)
    assert result.errors == [] and result.tenant_id == E.TENANT_ID
    assert [r.path for r in arm.log[:1]] == ["/subscriptions"]
    assert {i for i in ids(result.objects) if "/microsoft.insights/" not in i} == estate_ids(arm.estate)


def test_resource_group_ids_narrow_the_scope_without_listing_groups(arm: FakeArm) -> None:
    group = f"/subscriptions/{E.SUB_CONNECTIVITY}/resourceGroups/rg-hub-onprem"
    result = run(arm, scope=AuditScope(resource_groups=(group,)))
    assert [o["name"] for o in result.objects] == ["lng-hq"]
    assert arm.requests_to("/resourcegroups?") == [] and not any(r.path.lower().endswith("/resourcegroups")
                                                                   for r in arm.log)
    assert result.scope_text == f"resource groups {group} (via resource groups)"


# ---------------------------------------------------------------------------------------------- faults

def test_429_with_retry_after_is_honoured_then_succeeds(arm: FakeArm) -> None:
    path = f"/subscriptions/{E.SUB_CONNECTIVITY}/resourceGroups/rg-hub-net/providers/Microsoft.Network/connections"
    arm.add_fault(Fault(path.lower(), 429, code="TooManyRequests", retry_after="1", times=1))
    started = time.monotonic()
    result = run(arm)
    assert result.errors == []
    assert {"cn-hub-hq", "cn-hub-er"} <= {o["name"] for o in result.objects}
    attempts = [r for r in arm.requests_to(path) if "$skipToken" not in r.query]  # first page only
    assert [r.status for r in attempts] == [429, 200]
    assert time.monotonic() - started >= 1.0  # the Retry-After second was waited


def test_500_then_success_is_retried(arm: FakeArm) -> None:
    path = f"/subscriptions/{E.SUB_CIRCUITS}/resourceGroups/rg-er/providers/Microsoft.Network/expressRouteCircuits"
    arm.add_fault(Fault(path.lower(), 500, times=1))
    result = run(arm)
    assert result.errors == []
    assert by_name(result, "erc-hq")["properties"]["serviceProviderProvisioningState"] == "Provisioned"
    assert [r.status for r in arm.requests_to(path)] == [500, 200]


def test_403_on_one_resource_group_is_reported_and_the_rest_collected(arm: FakeArm) -> None:
    arm.add_fault(forbidden(f"/subscriptions/{E.SUB_CONNECTIVITY}/resourcegroups/rg-sandbox/"))
    result = run(arm)
    assert len(result.errors) == 1
    error = result.errors[0]
    assert error.scope == f"/subscriptions/{E.SUB_CONNECTIVITY}/resourceGroups/rg-sandbox"
    assert error.code == "AuthorizationFailed"
    assert "403" in error.message
    network = {i for i in ids(result.objects) if "/providers/microsoft.insights/" not in i}
    assert network == estate_ids(arm.estate, skip_group="rg-sandbox")


def test_403_on_a_subscription_is_reported(arm: FakeArm) -> None:
    arm.add_fault(forbidden(f"/subscriptions/{E.SUB_CIRCUITS}".lower()))
    result = run(arm)
    assert [(e.scope, e.code) for e in result.errors] == [(f"/subscriptions/{E.SUB_CIRCUITS}", "AuthorizationFailed")]
    assert not any(E.SUB_CIRCUITS in o["id"] for o in result.objects)
    assert by_name(result, "vgw-hub-vpn")


def test_a_page_failing_midway_is_an_error_not_a_shorter_list(arm: FakeArm) -> None:
    path = f"/subscriptions/{E.SUB_CONNECTIVITY}/resourceGroups/rg-hub-pip/providers/Microsoft.Network/publicIPAddresses"
    arm.add_fault(Fault(path.lower(), 500, times=None, page=1))
    result = run(arm)
    assert [(e.scope, e.code) for e in result.errors] == [(path, "InternalServerError")]
    assert not any("/rg-hub-pip/" in o["id"].lower() for o in result.objects)  # page 1 was served, then dropped
    assert arm.requests_to(path)[0].status == 200
    assert by_name(result, "vgw-hub-vpn")


def test_unreachable_endpoint_is_a_checker_error(arm: FakeArm) -> None:
    with pytest.raises(CheckerError, match="cannot reach Azure Resource Manager"):
        collect(AuditOptions(AuditScope(subscriptions=(E.SUB_CONNECTIVITY,)), arm_endpoint="https://127.0.0.1:9",
                             credential=FakeCredential(), retry_backoff_factor=0.01))


def test_missing_credentials_and_bad_options_are_checker_errors(arm: FakeArm,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(CheckerError, match="no Azure credentials available.*Azure CLI not found") as caught:
        run(arm, credential=MissingCredential(), auth="cli")
    assert "az login" in (caught.value.hint or "")
    assert arm.log == []  # nothing was asked of ARM without a token
    for name in ("AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH",
                 "AZURE_FEDERATED_TOKEN_FILE", "AZURE_USERNAME"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(CheckerError, match="no Azure credentials available for --auth env") as caught:
        run(arm, credential=None, auth="env")  # the real EnvironmentCredential, unconfigured
    assert "AZURE_CLIENT_SECRET" in (caught.value.hint or "")
    with pytest.raises(CheckerError, match="cannot set up --auth workload-identity"):
        run(arm, credential=None, auth="workload-identity")
    with pytest.raises(CheckerError, match="unknown authentication mode"):
        run(arm, auth="password")
    with pytest.raises(CheckerError, match="https"):
        collect(AuditOptions(AuditScope(subscriptions=("x",)), arm_endpoint="http://127.0.0.1:1"))
    with pytest.raises(CheckerError, match="no scope"):
        run(arm, scope=AuditScope())


# ---------------------------------------------------------------------------------------------- Resource Graph

def test_resource_graph_paging_with_skip_tokens(arm: FakeArm, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live, "GRAPH_PAGE_SIZE", 4)
    result = run(arm, use_resource_graph=True)
    assert result.errors == []
    network = {i for i in ids(result.objects) if "/providers/microsoft.insights/" not in i}
    assert network == estate_ids(arm.estate)
    posts = arm.requests_to("/providers/Microsoft.ResourceGraph/resources")
    per_sub = {sub: sum(1 for _, _, _ in [(s, g, o) for s, g, o in arm.estate.resources() if s == sub])
               for sub in arm.estate.subscriptions}
    assert len(posts) == sum(math.ceil(n / 4) for n in per_sub.values())
    tokens = [p.body["options"].get("$skipToken") for p in posts if p.body["subscriptions"] == [E.SUB_CONNECTIVITY]]
    assert tokens == [None] + [str(4 * i) for i in range(1, len(tokens))]
    assert "via Resource Graph" in result.scope_text
    assert by_name(result, "vgw-hub-vpn")["resourceGroup"] == "rg-hub-net"
    # gateway diagnostic settings still come from ARM, one request per gateway
    assert len(arm.requests_to("/providers/Microsoft.Insights/diagnosticSettings")) == 3


def test_management_group_scope_defaults_to_one_resource_graph_query(arm: FakeArm) -> None:
    result = run(arm, scope=AuditScope(management_group=E.MANAGEMENT_GROUP))
    posts = arm.requests_to("/providers/Microsoft.ResourceGraph/resources")
    assert len(posts) == 1 and posts[0].body["managementGroups"] == [E.MANAGEMENT_GROUP]
    assert "management group mg-hybrid (via Resource Graph)" == result.scope_text
    assert result.tenant_id == E.TENANT_ID
    assert {o["name"] for o in result.objects} >= {"erc-hq", "vgw-branch", "vnet-spoke-app"}


def test_more_than_twenty_resource_groups_switch_to_resource_graph(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeArm(E.synthetic_estate(resource_groups=live.RESOURCE_GRAPH_THRESHOLD + 1)) as big:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", big.ca_path)
        sub = next(iter(big.estate.subscriptions))
        result = run(big, scope=AuditScope(subscriptions=(sub,)))
        assert "via Resource Graph" in result.scope_text
        assert [r for r in big.log if r.path.lower().endswith("/providers/microsoft.network/virtualnetworks")] == []
        assert ids([o for o in result.objects if "insights" not in o["type"].lower()]) == estate_ids(big.estate)


# ---------------------------------------------------------------------------------------------- deep

def test_deep_adds_bgp_peer_status_and_learned_routes_through_lro(arm: FakeArm) -> None:
    result = run(arm, deep=True)
    assert result.errors == []
    gateway_id = by_name(result, "vgw-hub-vpn")["id"].lower()
    properties = by_name(result, "vgw-hub-vpn")["properties"]
    assert properties["bgpPeerStatus"] == arm.estate.bgp_peer_status[gateway_id]
    assert properties["learnedRoutes"] == arm.estate.learned_routes[gateway_id]
    assert by_name(result, "vgw-branch")["properties"]["bgpPeerStatus"] == []
    lro = [r for r in arm.log if r.method == "POST" and "getBgpPeerStatus".lower() in r.path.lower()]
    assert len(lro) == 3 and all(r.status == 202 for r in lro)


# ---------------------------------------------------------------------------------------------- secrets

def test_secrets_never_reach_objects_snapshot_or_logs(arm: FakeArm, tmp_path: Path,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    result = run(arm, deep=True)
    snapshot = tmp_path / "snapshot.json"
    write_snapshot(result, snapshot)
    text = snapshot.read_text(encoding="utf-8")
    for secret in E.SECRETS:
        assert secret not in text
        assert secret not in caplog.text
    assert TOKEN not in caplog.text
    assert "sharedKey" not in json.dumps(result.objects)
    assert caplog.records, "the SDK logged nothing at DEBUG: the check above would prove nothing"
    assert by_name(result, "erc-hq")["properties"]["peerings"][0]["properties"]["vlanId"] == 100


def test_snapshot_is_read_back_by_the_export_reader(arm: FakeArm, tmp_path: Path) -> None:
    arm.add_fault(forbidden(f"/subscriptions/{E.SUB_CONNECTIVITY}/resourcegroups/rg-sandbox/"))
    result = run(arm)
    snapshot = tmp_path / "snapshot.json"
    write_snapshot(result, snapshot)
    document = json.loads(snapshot.read_text(encoding="utf-8"))
    header = document["hybridCheckSnapshot"]
    assert header["tenantId"] == E.TENANT_ID and header["requests"] == result.requests
    assert [e["code"] for e in header["notEvaluated"]] == ["AuthorizationFailed"]
    export = pytest.importorskip("checker.sources.export")
    from checker.sources import decode

    load = export.read_export(decode.loads(snapshot.read_bytes(), str(snapshot)), str(snapshot))
    assert load.errors == []
    assert len(load.resources) == len(result.objects)
    assert {r.source for r in load.resources} == {"live"}
    gateway = next(r for r in load.resources if r.name == "vgw-hub-vpn")
    assert gateway.resource_group == "rg-hub-net" and gateway.properties["activeActive"] is True


def test_the_sdk_is_not_imported_with_the_module() -> None:
    code = ("import sys, checker.sources.live; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('azure', 'msal', 'requests')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ---------------------------------------------------------------------------------------------- control

def test_ctrl_c_stops_the_pool_promptly(arm: FakeArm) -> None:
    arm.latency = 0.3
    full_requests = 8 * arm.estate.group_count()
    interrupted_at: list[float] = []

    def interrupt_once_the_pool_runs() -> None:
        deadline = time.monotonic() + 10
        while not arm.requests_to("/providers/Microsoft.Network/") and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.4)
        interrupted_at.append(time.monotonic())
        _thread.interrupt_main()

    watcher = threading.Thread(target=interrupt_once_the_pool_runs, daemon=True)
    watcher.start()
    with pytest.raises(KeyboardInterrupt):
        run(arm, concurrency=2)
    stopped = time.monotonic() - interrupted_at[0]
    assert stopped < 1.0  # the whole pool would need about 8 * 7 * 0.3 / 2 = 8.4 s more
    time.sleep(0.7)  # the requests in flight finish; nothing new may start
    settled = len(arm.log)
    time.sleep(0.7)
    assert len(arm.log) == settled < full_requests // 2


def test_progress_goes_to_stderr_only_when_asked(arm: FakeArm, capsys: pytest.CaptureFixture[str]) -> None:
    run(arm, progress=True)
    out, err = capsys.readouterr()
    assert out == ""
    assert "resource group lists" in err and f"{8 * arm.estate.group_count()}/{8 * arm.estate.group_count()}" in err
    run(arm)
    assert capsys.readouterr() == ("", "")
