"""A fake Azure Resource Manager over HTTPS on 127.0.0.1 (trustme CA) that serves an in-memory estate
to the real Azure SDK clients, with paging, Resource Graph, LROs and scripted faults.

Run standalone (benchmarks): ``python -m tests.fakearm.server --estate synthetic --latency 0.1``
prints one JSON line ``{"url": ..., "ca": ...}`` and serves until killed."""

from __future__ import annotations

import argparse
import json
import re
import socket
import ssl
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import trustme

from tests.fakearm.estate import Estate, graph_estate, hybrid_estate, synthetic_estate

Response = tuple[int, dict[str, str], Any]


def arm_error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


@dataclass
class Fault:
    """A scripted failure: requests whose lower-cased path contains ``path_contains`` (and whose
    page index equals ``page`` when given) get ``status`` instead of their answer, ``times`` times
    (None = forever). ``retry_after`` adds a Retry-After header.

    For fault injection beyond errors: ``body`` replaces the answer (any JSON value, or bytes sent
    as they are; ``status`` then is usually 200), ``headers`` are added to it, and ``delay`` holds
    the answer back that many seconds (a stalled request)."""

    path_contains: str
    status: int
    code: str = "InternalServerError"
    message: str = "injected fault"
    times: int | None = 1
    retry_after: str | None = None
    page: int | None = None
    method: str | None = None
    body: Any = None
    headers: dict[str, str] | None = None
    delay: float = 0.0
    hits: int = 0

    def matches(self, method: str, path: str, page: int) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self.method and self.method != method:
            return False
        if self.page is not None and self.page != page:
            return False
        return self.path_contains.lower() in path


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    status: int
    authorization: str
    body: Any = None


#: What ARM fills in only when one connection is read (GET): a list page or a Resource Graph row has no
#: ``connectionStatus`` or ``tunnelConnectionStatus`` and zero byte counters (the REST API examples
#: VirtualNetworkGatewayConnectionsList / ...Get show the same; ``az network vpn-connection list`` prints
#: ``connectionStatus: null``).
GET_ONLY_CONNECTION_PROPERTIES = ("connectionStatus", "tunnelConnectionStatus")
ZEROED_IN_LISTS = ("ingressBytesTransferred", "egressBytesTransferred")


def as_listed(obj: dict[str, Any]) -> dict[str, Any]:
    """``obj`` as a list page or a Resource Graph row shows it (see GET_ONLY_CONNECTION_PROPERTIES)."""
    if not obj.get("type", "").lower().endswith("/connections"):
        return obj
    properties = {k: v for k, v in obj.get("properties", {}).items() if k not in GET_ONLY_CONNECTION_PROPERTIES}
    for key in ZEROED_IN_LISTS:
        if key in properties:
            properties[key] = 0
    return {**obj, "properties": properties}


def forbidden(scope: str) -> Fault:
    """The 403 ARM sends when the caller has no read access below ``scope`` (forever)."""
    return Fault(path_contains=scope, status=403, code="AuthorizationFailed", times=None,
                 message=(f"The client 'aaaaaaaa-0000-0000-0000-000000000000' does not have authorization to "
                          f"perform action 'Microsoft.Network/*/read' over scope '{scope}' or the scope is invalid."))


class FakeArm:
    """Serves ``estate`` at ``self.url`` (https, certificate from ``self.ca_path``).

    ``page_size`` items per list page (nextLink with ``$skipToken``), ``latency`` seconds added to every
    request, ``faults`` consumed in order. ``log`` records every request received."""

    def __init__(self, estate: Estate | None = None, *, page_size: int = 100, latency: float = 0.0,
                 keep_bodies: bool = True, ca: trustme.CA | None = None) -> None:
        self.estate = estate if estate is not None else hybrid_estate()
        self.page_size = page_size
        self.latency = latency
        self.keep_bodies = keep_bodies
        self.faults: list[Fault] = []
        self.log: list[Request] = []
        self._lock = threading.Lock()
        self._stall = threading.local()
        self.ca = ca or trustme.CA()  # share a CA to stand up a second, equally trusted host
        self._cert = self.ca.issue_cert("127.0.0.1", "localhost")
        self._tmp = tempfile.TemporaryDirectory(prefix="fakearm-")
        self.ca_path = str(Path(self._tmp.name) / "ca.pem")
        self.ca.cert_pem.write_to_path(self.ca_path)
        self.url = ""
        self._server: ThreadingHTTPServer | None = None
        self.reindex()

    # ----------------------------------------------------------------------------------- setup
    def reindex(self) -> None:
        """Rebuild the lookup tables after the estate changed."""
        self._by_id: dict[str, dict[str, Any]] = {}
        self._by_list: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
        self._by_sub_type: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._graph_rows: dict[str, list[dict[str, Any]]] = {}
        for sub, rg, obj in self.estate.resources():
            rtype = obj["type"].split("/", 1)[1].lower()
            self._by_id[obj["id"].lower()] = obj
            self._by_list.setdefault((sub.lower(), rg.lower(), rtype), []).append(obj)
            self._by_sub_type.setdefault((sub.lower(), rtype), []).append(obj)
            row = dict(as_listed(obj))
            row["type"] = obj["type"].lower()  # Resource Graph returns lower-case types
            row.update(resourceGroup=rg.lower(), subscriptionId=sub, tenantId=self.estate.tenant_id)
            self._graph_rows.setdefault(sub.lower(), []).append(row)
        # Rows are encoded once: page answers are joined from these, so that serving 50,000 rows costs
        # the fake about what it costs the real service (nothing the client has to wait for).
        self._graph_json = {sub: [json.dumps(r) for r in rows] for sub, rows in self._graph_rows.items()}

    def add_fault(self, fault: Fault) -> Fault:
        with self._lock:
            self.faults.append(fault)
        return fault

    def reset(self) -> None:
        with self._lock:
            self.faults.clear()
            self.log.clear()
        self.latency = 0.0

    def requests_to(self, fragment: str) -> list[Request]:
        """Requests whose path ends with ``fragment`` (a list and its pages, an endpoint); a fragment
        ending with ``/`` matches every path below it. ``.../connections`` is the list, not the GET of
        ``.../connections/cn-1``."""
        wanted = fragment.lower()
        if wanted.endswith("/"):
            return [r for r in self.log if wanted in r.path.lower()]
        return [r for r in self.log if r.path.lower().rstrip("/").endswith(wanted)]

    # ----------------------------------------------------------------------------------- server
    def start(self) -> FakeArm:
        arm = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def setup(self) -> None:
                super().setup()
                # Headers and body go out in two writes: without this, Nagle plus the client's delayed
                # ACK add about 40 ms to every response, which real ARM does not.
                self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def _handle(self) -> None:
                split = urllib.parse.urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                query = dict(urllib.parse.parse_qsl(split.query))
                arm._stall.delay = 0.0
                status, headers, body = arm.respond(self.command, split.path, query, raw)
                data = body if isinstance(body, bytes) else b"" if body is None else json.dumps(body).encode()
                with arm._lock:
                    arm.log.append(Request(self.command, split.path, query, status,
                                           (self.headers.get("Authorization") or "")[:7],
                                           json.loads(raw) if raw and arm.keep_bodies else None))
                if arm.latency or arm._stall.delay:
                    time.sleep(arm.latency + arm._stall.delay)
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("x-ms-request-id", f"fake-{len(arm.log)}")
                for key, value in headers.items():
                    self.send_header(key, value)
                try:
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the client gave up waiting (a stalled answer): nothing to tell it
                    self.close_connection = True

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._cert.configure_cert(context)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        self._server = server
        self.url = f"https://127.0.0.1:{server.server_address[1]}"
        threading.Thread(target=server.serve_forever, daemon=True, name="fakearm").start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self._tmp.cleanup()

    def __enter__(self) -> FakeArm:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # ----------------------------------------------------------------------------------- routing
    def respond(self, method: str, path: str, query: dict[str, str], raw: bytes) -> Response:
        lower = path.lower().rstrip("/")
        offset = int(query.get("$skipToken") or query.get("$skiptoken") or 0)
        page = offset // self.page_size if self.page_size else 0
        with self._lock:
            fault = next((f for f in self.faults if f.matches(method, lower, page)), None)
            if fault:
                fault.hits += 1
        if fault:
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            headers.update(fault.headers or {})
            self._stall.delay = fault.delay  # waited by the handler once the request is logged
            body = fault.body() if callable(fault.body) else fault.body
            if body is None:
                body = arm_error(fault.code, fault.message)
            return fault.status, headers, body
        try:
            return self._route(method, path, lower, query, raw, offset)
        except Exception as exc:  # a bug in the fake must show up as a 500 the client reports
            return 500, {}, arm_error("FakeArmBug", repr(exc))

    def _route(self, method: str, path: str, lower: str, query: dict[str, str], raw: bytes,
               offset: int) -> Response:
        parts = lower.strip("/").split("/")
        if method == "POST" and lower == "/providers/microsoft.resourcegraph/resources":
            return self._graph(json.loads(raw or b"{}"))
        if lower.startswith("/fakearm/operations/"):
            return self._operation_result(parts[2], parts[3])
        if method == "POST" and parts[-1] in ("getbgppeerstatus", "getlearnedroutes"):
            gateway = "/".join(parts[:-1])
            if "/" + gateway not in self._by_id:
                return 404, {}, arm_error("ResourceNotFound", f"gateway {gateway} not found")
            token = ("/" + gateway).encode().hex()  # hex survives the lower-casing of paths
            return 202, {"Location": f"{self.url}/fakearm/operations/{parts[-1]}/{token}",
                         "Retry-After": "0"}, None
        if method != "GET":
            return 405, {}, arm_error("MethodNotAllowed", f"fake ARM is read-only: {method} {path}")
        if lower.endswith("/providers/microsoft.insights/diagnosticsettings"):
            gateway = lower[: -len("/providers/microsoft.insights/diagnosticsettings")]
            if gateway not in self._by_id:
                return 404, {}, arm_error("ResourceNotFound", f"{gateway} not found")
            return 200, {}, {"value": self.estate.diagnostic_settings.get(gateway, [])}
        if parts == ["subscriptions"]:
            subs = [self._subscription(s.subscription_id) for s in self.estate.subscriptions.values()]
            return self._page(path, query, subs, offset)
        if len(parts) < 2 or parts[0] != "subscriptions":
            return 404, {}, arm_error("ResourceNotFound", f"fake ARM has no route for {method} {path}")
        sub = self._find_subscription(parts[1])
        if sub is None:
            return 404, {}, arm_error("SubscriptionNotFound", f"The subscription '{parts[1]}' could not be found.")
        if len(parts) == 2:
            return 200, {}, self._subscription(sub)
        if parts[2:] == ["resourcegroups"]:
            groups = [{"id": f"/subscriptions/{sub}/resourceGroups/{rg.name}", "name": rg.name,
                       "type": "Microsoft.Resources/resourceGroups", "location": rg.location,
                       "properties": {"provisioningState": "Succeeded"}}
                      for rg in self.estate.subscriptions[sub].resource_groups.values()]
            return self._page(path, query, groups, offset)
        if len(parts) == 6 and parts[2] == "providers" and parts[3] == "microsoft.network":
            return self._page(path, query, self._by_sub_type.get((sub.lower(), parts[4]), []), offset)
        if len(parts) >= 4 and parts[2] == "resourcegroups":
            rg = parts[3]
            if not any(g.lower() == rg for g in self.estate.subscriptions[sub].resource_groups):
                return 404, {}, arm_error("ResourceGroupNotFound", f"Resource group '{rg}' could not be found.")
            if len(parts) == 7 and parts[4] == "providers" and parts[5] == "microsoft.network":
                return self._page(path, query, self._by_list.get((sub.lower(), rg, parts[6]), []), offset)
            obj = self._by_id.get(lower)
            if obj is not None:
                return 200, {}, obj
        return 404, {}, arm_error("ResourceNotFound", f"fake ARM has no resource at {path}")

    def _find_subscription(self, lowered: str) -> str | None:
        return next((s for s in self.estate.subscriptions if s.lower() == lowered), None)

    def _subscription(self, sub: str) -> dict[str, Any]:
        info = self.estate.subscriptions[sub]
        return {"id": f"/subscriptions/{sub}", "subscriptionId": sub, "tenantId": self.estate.tenant_id,
                "displayName": info.display_name, "state": "Enabled"}

    def _page(self, path: str, query: dict[str, str], items: list[dict[str, Any]], offset: int) -> Response:
        chunk = [as_listed(item) for item in items[offset: offset + self.page_size]]
        body: dict[str, Any] = {"value": chunk}
        if offset + self.page_size < len(items):
            # Absolute, like real ARM: the SDK follows it verbatim (and sends the token there).
            next_query = urllib.parse.urlencode({"api-version": query.get("api-version", ""),
                                                 "$skipToken": str(offset + self.page_size)})
            body["nextLink"] = f"{self.url}{path}?{next_query}"
        return 200, {}, body

    def _operation_result(self, kind: str, token: str) -> Response:
        gateway = bytes.fromhex(token).decode()
        table = self.estate.bgp_peer_status if kind == "getbgppeerstatus" else self.estate.learned_routes
        return 200, {}, {"value": table.get(gateway, [])}

    # ----------------------------------------------------------------------------------- Resource Graph
    def _graph(self, body: dict[str, Any]) -> Response:
        query = body.get("query", "")
        options = body.get("options") or {}
        top = min(int(options.get("$top") or 1000), 1000)
        skip = int(options.get("$skipToken") or 0)
        if body.get("managementGroups"):
            subs = [s for mg in body["managementGroups"] for s in self.estate.management_groups.get(mg, [])]
        elif body.get("subscriptions"):
            subs = list(body["subscriptions"])
        else:
            subs = list(self.estate.subscriptions)
        if query.strip().lower().startswith("resourcecontainers"):
            rows = [{"subscriptionId": s, "tenantId": self.estate.tenant_id,
                     "name": self.estate.subscriptions[s].display_name}
                    for s in subs if s in self.estate.subscriptions]
        else:
            types = _in_list(query, "type")
            groups = _in_list(query, "resourceGroup")
            encoded = []
            for sub in subs:
                for row, text in zip(self._graph_rows.get(sub.lower(), []), self._graph_json.get(sub.lower(), [])):
                    if types is not None and row["type"] not in types:
                        continue
                    if groups is not None and row["resourceGroup"] not in groups:
                        continue
                    encoded.append(text)
            page_text = encoded[skip: skip + top]
            head = {"totalRecords": len(encoded), "count": len(page_text), "resultTruncated": "false", "facets": []}
            if skip + top < len(encoded):
                head["$skipToken"] = str(skip + top)
            return 200, {}, (json.dumps(head)[:-1] + ', "data": [' + ", ".join(page_text) + "]}").encode()
        page = rows[skip: skip + top]
        answer: dict[str, Any] = {"totalRecords": len(rows), "count": len(page), "resultTruncated": "false",
                                  "facets": [], "data": page}
        if skip + top < len(rows):
            answer["$skipToken"] = str(skip + top)
        return 200, {}, answer


def _in_list(query: str, column: str) -> set[str] | None:
    match = re.search(rf"\b{column}\s+in~\s*\(([^)]*)\)", query, re.IGNORECASE)
    if not match:
        return None
    return {item.strip().strip("'\"").lower() for item in match.group(1).split(",") if item.strip()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--estate", choices=["hybrid", "synthetic", "graph"], default="hybrid")
    parser.add_argument("--resource-groups", type=int, default=200)
    parser.add_argument("--resources", type=int, default=50_000)
    parser.add_argument("--subscriptions", type=int, default=1)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--page-size", type=int, default=100)
    args = parser.parse_args(argv)
    if args.estate == "synthetic":
        estate = synthetic_estate(args.resource_groups, args.subscriptions)
    elif args.estate == "graph":
        estate = graph_estate(args.resources, args.subscriptions)
    else:
        estate = hybrid_estate()
    arm = FakeArm(estate, page_size=args.page_size, latency=args.latency, keep_bodies=False).start()
    subs = list(estate.subscriptions)
    print(json.dumps({"url": arm.url, "ca": arm.ca_path, "subscriptions": subs,
                      "resources": estate.count(), "resource_groups": estate.group_count()}), flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        arm.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
