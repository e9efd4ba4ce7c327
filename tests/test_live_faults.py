"""Fault injection for the live audit against the fake ARM: answers that point at another host (the
bearer token must never go there), pages that never end, answers of the wrong shape, stalled
requests, a Retry-After far in the future, and the overall time limit. Each fault marks its scope
not evaluated and the audit goes on."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

pytest.importorskip("azure.mgmt.network")
pytest.importorskip("trustme")

from pytest_socket import enable_socket, socket_allow_hosts  # noqa: E402

from checker.sources import live  # noqa: E402
from checker.sources.live import LiveCollection  # noqa: E402
from tests.fakearm import estate as E  # noqa: E402
from tests.fakearm.server import FakeArm, Fault  # noqa: E402
from tests.test_live_collect import by_name, run  # noqa: E402

pytestmark = pytest.mark.slow  # outside `make test-fast` (see the Makefile)

HUB = f"/subscriptions/{E.SUB_CONNECTIVITY}/resourceGroups/rg-hub-net"
PIPS = f"/subscriptions/{E.SUB_CONNECTIVITY}/resourceGroups/rg-hub-pip/providers/Microsoft.Network/publicIPAddresses"
GATEWAYS = f"{HUB}/providers/Microsoft.Network/virtualNetworkGateways"
VPN_GATEWAY = f"{GATEWAYS}/vgw-hub-vpn"
CONNECTION = f"{HUB}/providers/Microsoft.Network/connections/cn-hub-hq"
GRAPH = "/providers/microsoft.resourcegraph/resources"


@pytest.fixture(scope="module")
def servers():
    """The ARM endpoint the audit is given, and another host trusted just as much by TLS (same CA)
    that must never receive a request."""
    with FakeArm(E.hybrid_estate(), page_size=2) as arm, FakeArm(E.hybrid_estate(), ca=arm.ca) as other:
        yield arm, other


@pytest.fixture
def arm(servers: tuple[FakeArm, FakeArm], monkeypatch: pytest.MonkeyPatch):
    arm, other = servers
    arm.reset()
    other.reset()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", arm.ca_path)
    socket_allow_hosts(["127.0.0.1"], allow_unix_socket=True)
    try:
        yield arm
    finally:
        enable_socket()


@pytest.fixture
def other(servers: tuple[FakeArm, FakeArm]) -> FakeArm:
    return servers[1]


def errors_by_scope(result: LiveCollection) -> dict[str, str]:
    return {e.scope: e.code for e in result.errors}


def assert_rest_collected(result: LiveCollection) -> None:
    """The audit went on: the hub's VPN gateway and the circuits of the other subscription are there."""
    names = {o.get("name") for o in result.objects}
    assert {"vgw-hub-vpn", "erc-hq"} <= names, names


# ---------------------------------------------------------------------------------------------- other hosts

def test_a_next_link_to_another_host_is_refused_before_the_token_goes(arm: FakeArm, other: FakeArm) -> None:
    foreign = f"{other.url}{PIPS}?api-version=2026-03-01&$skipToken=2"
    first = {"value": [by_name_in(arm, "pip-vgw-hub-1")], "nextLink": foreign}
    arm.add_fault(Fault(PIPS.lower(), 200, body=first, times=None, page=0))
    result = run(arm)
    assert other.log == []  # not a single request, so no token either
    assert errors_by_scope(result)[PIPS] == "UntrustedUrl"
    message = next(e.message for e in result.errors if e.scope == PIPS)
    assert other.url in message and arm.url in message
    assert not any("/rg-hub-pip/" in o["id"].lower() for o in result.objects)  # all or nothing
    assert_rest_collected(result)


def test_a_redirect_to_another_host_is_refused(arm: FakeArm, other: FakeArm) -> None:
    arm.add_fault(Fault(PIPS.lower(), 307, body=b"", times=None, headers={"Location": f"{other.url}{PIPS}"}))
    result = run(arm)
    assert other.log == []
    assert errors_by_scope(result)[PIPS] == "UntrustedUrl"
    assert_rest_collected(result)


def test_a_host_differing_only_in_name_or_port_is_another_host(arm: FakeArm) -> None:
    port = arm.url.rsplit(":", 1)[1]
    for foreign in (f"https://localhost:{port}{PIPS}", f"https://127.0.0.1:{int(port) + 1}{PIPS}",
                    f"http://127.0.0.1:{port}{PIPS}", f"https://user@127.0.0.1:{port}{PIPS}"):
        arm.reset()
        arm.add_fault(Fault(PIPS.lower(), 200, body={"value": [], "nextLink": foreign}, times=None, page=0))
        result = run(arm)
        assert errors_by_scope(result)[PIPS] == "UntrustedUrl", foreign


@pytest.mark.parametrize("header", ["Location", "Azure-AsyncOperation"])
def test_a_long_running_operation_on_another_host_is_refused(arm: FakeArm, other: FakeArm, header: str) -> None:
    token = VPN_GATEWAY.lower().encode().hex()
    headers = {"Location": f"{arm.url}/fakearm/operations/getbgppeerstatus/{token}", "Retry-After": "0"}
    headers[header] = f"{other.url}/fakearm/operations/getbgppeerstatus/{token}"
    arm.add_fault(Fault("/getbgppeerstatus", 202, body=b"", times=None, headers=headers))
    result = run(arm, deep=True)
    assert other.log == []
    assert errors_by_scope(result)[f"{VPN_GATEWAY}/bgpPeerStatus"] == "UntrustedUrl"
    assert by_name(result, "vgw-hub-vpn")["properties"]["learnedRoutes"]  # the other LRO still ran
    assert_rest_collected(result)


def test_a_resource_id_that_is_an_absolute_url_is_never_requested(arm: FakeArm, other: FakeArm) -> None:
    gateway = dict(by_name_in(arm, "vgw-hub-vpn"))
    gateway["id"] = other.url + gateway["id"]
    arm.add_fault(Fault(GATEWAYS.lower(), 200, body={"value": [gateway]}, times=None))
    result = run(arm)
    assert other.log == []
    assert errors_by_scope(result)[GATEWAYS] == "WrongShape"
    assert "vgw-hub-vpn" not in {o.get("name") for o in result.objects}
    assert by_name(result, "erc-hq")


# ---------------------------------------------------------------------------------------------- endless pages

def test_a_next_link_pointing_to_itself_ends_the_list(arm: FakeArm) -> None:
    again = f"{arm.url}{PIPS}?api-version=2026-03-01"
    arm.add_fault(Fault(PIPS.lower(), 200, body={"value": [by_name_in(arm, "pip-vgw-hub-1")], "nextLink": again},
                        times=None))
    result = run(arm)
    assert errors_by_scope(result)[PIPS] == "PagingLoop"
    assert len(arm.requests_to(PIPS)) <= 3
    assert_rest_collected(result)


def test_pages_stop_at_the_page_ceiling(arm: FakeArm, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live, "MAX_PAGES", 1)
    groups = tuple(f"/subscriptions/{E.SUB_CONNECTIVITY}/resourceGroups/{g}" for g in ("rg-hub-pip", "rg-hub-net"))
    result = run(arm, scope=live.AuditScope(resource_groups=groups))
    assert errors_by_scope(result)[PIPS] == "TooManyPages"  # 3 public IPs, 2 per page
    assert len(arm.requests_to(PIPS)) == 1
    assert by_name(result, "vgw-hub-vpn")


def test_a_resource_graph_skip_token_that_repeats_ends_the_query(arm: FakeArm) -> None:
    page = {"totalRecords": 1, "count": 0, "resultTruncated": "false", "data": [], "$skipToken": "same"}
    arm.add_fault(Fault(GRAPH, 200, body=page, times=None, method="POST"))
    result = run(arm, use_resource_graph=True)
    assert errors_by_scope(result)[f"/subscriptions/{E.SUB_CONNECTIVITY} (Resource Graph)"] == "PagingLoop"
    assert len(arm.requests_to(GRAPH)) <= 6  # two partitions, each stopped at its first repeat


def test_resource_graph_pages_stop_at_the_ceiling(arm: FakeArm, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live, "MAX_PAGES", 2)
    counter = iter(range(1000))

    def endless() -> dict[str, Any]:
        return {"totalRecords": 1, "count": 0, "data": [], "$skipToken": f"t{next(counter)}"}

    arm.add_fault(Fault(GRAPH, 200, body=FreshBody(endless), times=None, method="POST"))
    result = run(arm, scope=live.AuditScope(subscriptions=(E.SUB_CONNECTIVITY,)), use_resource_graph=True)
    assert errors_by_scope(result)[f"/subscriptions/{E.SUB_CONNECTIVITY} (Resource Graph)"] == "TooManyPages"
    assert len(arm.requests_to(GRAPH)) == 2


# ---------------------------------------------------------------------------------------------- wrong shapes

DEEP = ('{"value": [{"id": "' + GATEWAYS + '/deep", "type": "Microsoft.Network/virtualNetworkGateways", '
        '"name": "deep", "properties": ' + '{"a": ' * 3000 + "1" + "}" * 3000 + "}]}").encode()
WRONG_LIST_BODIES = {
    "array": [{"id": f"{GATEWAYS}/x"}],
    "null": b"null",
    "number": 5,
    "text": "value",
    "value-number": {"value": 5},
    "value-object": {"value": {"id": f"{GATEWAYS}/x"}},
    "items-text": {"value": ["x", "y"]},
    "no-id": {"value": [{"name": "vgw-x", "type": "Microsoft.Network/virtualNetworkGateways"}]},
    "id-number": {"value": [{"id": 7, "name": "vgw-x", "type": "Microsoft.Network/virtualNetworkGateways"}]},
    "id-not-a-resource": {"value": [{"id": "vgw-x", "name": "vgw-x", "type": "Microsoft.Network/virtualNetworkGateways"}]},
    "properties-text": {"value": [{"id": f"{GATEWAYS}/vgw-x", "name": "vgw-x",
                                   "type": "Microsoft.Network/virtualNetworkGateways", "properties": "on"}]},
    "type-list": {"value": [{"id": f"{GATEWAYS}/vgw-x", "name": "vgw-x", "type": ["a"]}]},
    "next-link-number": {"value": [], "nextLink": 12},
    "deep-nesting": DEEP,
    "not-json": b"<html>oops</html>",
}


@pytest.mark.parametrize("body", WRONG_LIST_BODIES.values(), ids=WRONG_LIST_BODIES.keys())
def test_a_list_answer_of_the_wrong_shape_marks_the_list_not_evaluated(arm: FakeArm, body: Any) -> None:
    arm.add_fault(Fault(GATEWAYS.lower(), 200, body=body, times=None))
    result = run(arm)
    assert errors_by_scope(result)[GATEWAYS] in ("WrongShape", "DecodeError"), result.errors
    assert "vgw-hub-vpn" not in {o.get("name") for o in result.objects}
    assert by_name(result, "erc-hq") and by_name(result, "vnet-hub")


@pytest.mark.parametrize("body", [b"null", [1], {"properties": "Connected"},
                                  {"id": CONNECTION, "properties": {"connectionStatus": {"x": 1}}}],
                         ids=["null", "array", "properties-text", "state-object"])
def test_a_connection_answer_of_the_wrong_shape_leaves_its_state_unknown(arm: FakeArm, body: Any) -> None:
    arm.add_fault(Fault(CONNECTION.lower(), 200, body=body, times=None, method="GET"))
    result = run(arm)
    assert errors_by_scope(result)[f"{CONNECTION}/connectionStatus"] in ("WrongShape", "DecodeError")
    assert "connectionStatus" not in by_name(result, "cn-hub-hq")["properties"]
    assert_rest_collected(result)


@pytest.mark.parametrize("body", [b"null", {"value": "x"}, {"value": [5]}, {"value": [{"name": "no id"}]}],
                         ids=["null", "value-text", "items-number", "no-id"])
def test_diagnostic_settings_of_the_wrong_shape_are_not_evaluated(arm: FakeArm, body: Any) -> None:
    scope = f"{VPN_GATEWAY}/providers/Microsoft.Insights/diagnosticSettings"
    arm.add_fault(Fault(scope.lower(), 200, body=body, times=None))
    result = run(arm)
    assert errors_by_scope(result)[scope] in ("WrongShape", "DecodeError")
    assert_rest_collected(result)


@pytest.mark.parametrize("body", [[1, 2], b"null", {"data": "rows"}, {"data": [5]}, {"data": [{"name": "no id"}]},
                                  {"data": [], "$skipToken": 5}],
                         ids=["array", "null", "data-text", "row-number", "row-without-id", "token-number"])
def test_a_resource_graph_page_of_the_wrong_shape_is_not_evaluated(arm: FakeArm, body: Any) -> None:
    arm.add_fault(Fault(GRAPH, 200, body=body, times=None, method="POST"))
    result = run(arm, use_resource_graph=True)
    assert errors_by_scope(result)[f"/subscriptions/{E.SUB_CONNECTIVITY} (Resource Graph)"] in (
        "WrongShape", "DecodeError")


@pytest.mark.parametrize("body", [[1], b"null", {"subscriptionId": 5}, {"subscriptionId": "../x"}],
                         ids=["array", "null", "another-id", "id-path"])
def test_a_subscription_answer_of_the_wrong_shape_is_not_evaluated(arm: FakeArm, body: Any) -> None:
    path = f"/subscriptions/{E.SUB_CIRCUITS}".lower()
    arm.add_fault(Fault(path, 200, body=body, times=1))
    result = run(arm)
    assert errors_by_scope(result)[f"/subscriptions/{E.SUB_CIRCUITS}"] in ("WrongShape", "DecodeError")
    assert by_name(result, "vgw-hub-vpn")


@pytest.mark.parametrize("body", [{"value": [{"name": {"a": 1}}]}, {"value": [{"name": "a/../b"}]}, {"value": [{}]},
                                  {"value": 3}],
                         ids=["name-object", "name-path", "no-name", "value-number"])
def test_resource_group_names_of_the_wrong_shape_are_not_used(arm: FakeArm, body: Any) -> None:
    path = f"/subscriptions/{E.SUB_CIRCUITS}/resourcegroups"
    arm.add_fault(Fault(path, 200, body=body, times=None))
    result = run(arm)
    assert errors_by_scope(result)[f"/subscriptions/{E.SUB_CIRCUITS}/resourceGroups"] == "WrongShape"
    assert by_name(result, "vgw-hub-vpn")


# ---------------------------------------------------------------------------------------------- time

def test_a_stalled_request_is_cut_by_the_read_timeout(arm: FakeArm) -> None:
    arm.add_fault(Fault(PIPS.lower(), 200, body={"value": []}, delay=3.0, times=None))
    started = time.monotonic()
    result = run(arm, read_timeout=0.3)
    elapsed = time.monotonic() - started
    assert errors_by_scope(result)[PIPS] == "Timeout"
    assert elapsed < 2.9, elapsed  # not held until the server answers (nor for 300 s)
    assert len(arm.requests_to(PIPS)) == 1 + live.READ_RETRIES  # sent once more, not three times
    assert_rest_collected(result)


def test_the_overall_timeout_ends_the_audit_and_reports_what_was_not_collected(arm: FakeArm) -> None:
    arm.add_fault(Fault(PIPS.lower(), 200, body={"value": []}, delay=4.0, times=None))
    started = time.monotonic()
    result = run(arm, timeout=1.5, read_timeout=30)
    elapsed = time.monotonic() - started
    assert elapsed < 3.5, elapsed
    codes = errors_by_scope(result)
    assert codes[PIPS] == "Timeout"
    assert by_name(result, "vnet-hub")  # what finished in time is kept


def test_retry_after_is_capped(arm: FakeArm, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live, "MAX_RETRY_AFTER", 0.2)
    arm.add_fault(Fault(PIPS.lower(), 429, code="TooManyRequests", retry_after="30", times=1))
    started = time.monotonic()
    result = run(arm)
    assert time.monotonic() - started < 10
    assert PIPS not in errors_by_scope(result)
    assert [r.status for r in arm.requests_to(PIPS) if "$skipToken" not in r.query] == [429, 200]


def test_an_invalid_timeout_is_an_option_error(arm: FakeArm) -> None:
    with pytest.raises(live.CheckerError, match="timeout"):
        run(arm, timeout=0)


# ---------------------------------------------------------------------------------------------- helpers

class FreshBody:
    """A fault body computed anew for each request."""

    def __init__(self, make: Any) -> None:
        self.make = make

    def __call__(self) -> Any:
        return self.make()


def by_name_in(arm: FakeArm, name: str) -> dict[str, Any]:
    return json.loads(json.dumps(next(o for _, _, o in arm.estate.resources() if o["name"] == name)))


def test_the_endpoint_guard_runs_after_redirects_and_retries_in_every_client() -> None:
    """The guard is the clients' authentication policy: after the redirect and retry policies (so
    every redirected or retried attempt passes it) and the only policy that adds the token."""
    from tests.test_live_collect import FakeCredential

    session = live._Session(live.AuditOptions(live.AuditScope(subscriptions=(E.SUB_CONNECTIVITY,)),
                                              credential=FakeCredential(), arm_endpoint="https://127.0.0.1:9"))
    try:
        for client in (session.network(E.SUB_CONNECTIVITY), session.resource(E.SUB_CONNECTIVITY),
                       session.subscriptions(), session.graph()):
            names = [type(p).__name__ for p in client._client._pipeline._impl_policies]
            assert names.index("RedirectPolicy") < names.index("_CappedRetryPolicy") \
                < names.index("_EndpointGuardedPolicy"), names
            assert sum("Authentication" in n or "Bearer" in n or "Challenge" in n for n in names) == 0, names
    finally:
        session.close()
