"""Live audit: collect the hybrid-network resources of Azure subscriptions through the Azure SDK as ARM
JSON objects. The SDK is imported only inside functions, so template scans never load it."""

from __future__ import annotations

import functools
import importlib.util
import json
import logging
import os
import re
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from checker import __version__
from checker.model import CheckerError, parse_resource_id, same_type
from checker.vocabulary import AUTH_MODES
from checker.vocabulary import CONNECTION as CONNECTION_TYPE
from checker.vocabulary import GATEWAY as GATEWAY_TYPE


@dataclass(frozen=True)
class Cloud:
    """Where ARM and Entra ID live for one Azure cloud."""

    name: str
    arm_endpoint: str
    authority: str

    @property
    def token_scope(self) -> str:
        return f"{self.arm_endpoint}/.default"


CLOUDS: dict[str, Cloud] = {
    "public": Cloud("public", "https://management.azure.com", "login.microsoftonline.com"),
    "china": Cloud("china", "https://management.chinacloudapi.cn", "login.chinacloudapi.cn"),
    "usgov": Cloud("usgov", "https://management.usgovcloudapi.net", "login.microsoftonline.us"),
}

#: (operation group on NetworkManagementClient, ARM resource type below Microsoft.Network), listed per group.
NETWORK_LISTS: tuple[tuple[str, str], ...] = (
    ("virtual_networks", "virtualNetworks"),
    ("virtual_network_gateways", "virtualNetworkGateways"),
    ("virtual_network_gateway_connections", "connections"),
    ("local_network_gateways", "localNetworkGateways"),
    ("express_route_circuits", "expressRouteCircuits"),
    ("public_ip_addresses", "publicIPAddresses"),
    ("network_security_groups", "networkSecurityGroups"),
    ("route_tables", "routeTables"),
)
#: The tunnel state of a connection: ARM returns it only when one connection is read (GET), never in a
#: list page (``az network vpn-connection list`` shows ``connectionStatus: null``) and Resource Graph rows
#: are not relied on for it; so it is read per VPN connection and replaces whatever the list held.
CONNECTION_STATE_PROPERTIES = ("connectionStatus", "tunnelConnectionStatus", "ingressBytesTransferred",
                               "egressBytesTransferred")
#: Connection types that have a tunnel state (ExpressRoute connections have none).
TUNNEL_CONNECTION_TYPES = ("ipsec", "vnet2vnet")
DIAGNOSTIC_SETTINGS_API_VERSION = "2021-05-01-preview"
#: A scope with more resource groups than this is collected through Resource Graph by default.
RESOURCE_GRAPH_THRESHOLD = 20
GRAPH_PAGE_SIZE = 1000
GRAPH_API_VERSION = "2021-03-01"
#: Resource Graph allows about 15 queries per 5 s per user: partitions run at most this many at once.
GRAPH_PARALLEL_QUERIES = 4
#: Properties that hold secrets (pre-shared keys, BGP MD5 keys, circuit authorisation keys, RADIUS
#: secrets): removed from every collected object, at any depth, before anything else sees it.
SECRET_PROPERTIES = frozenset({"sharedkey", "authorizationkey", "radiusserversecret"})
#: SDK loggers that could print request headers: kept at WARNING whatever the root level is.
QUIET_LOGGERS = ("azure.core.pipeline.policies.http_logging_policy", "msal")
#: azure-identity warns about each credential that failed; the CheckerError already says it, once.
IDENTITY_LOGGER = "azure.identity"
#: Pages followed per list or Resource Graph query (ARM pages hold 100 to 1,000 items): more is an error.
MAX_PAGES = 5000
#: Longest wait honoured from a Retry-After header, in seconds (a larger value is waited this long).
MAX_RETRY_AFTER = 30.0
#: Whole audit (``--timeout``) and each request's wait for an answer, in seconds.
DEFAULT_TIMEOUT = 1800.0
DEFAULT_READ_TIMEOUT = 30.0
#: A request that got no answer within the read timeout is sent once more, not three times.
READ_RETRIES = 1
CONNECT_TIMEOUT = 20.0
#: Deepest nesting of objects and arrays accepted in one collected object (ARM's are about 10 deep).
MAX_OBJECT_DEPTH = 64
#: What a collected resource id must look like before it is used in a request or kept: a path below a
#: subscription, no query, fragment, scheme, backslash, white space or dot segment.
_RESOURCE_ID = re.compile(r"/subscriptions/[^/?#\\\s]+/resourceGroups/[^/?#\\\s]+/providers(?:/[^/?#\\\s]+)+",
                          re.IGNORECASE)
_SUBSCRIPTION_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z-]{0,63}")
#: ARM's rule for resource group names.
_GROUP_NAME = re.compile(r"[-\w.()]{1,90}")


@dataclass(frozen=True)
class AuditScope:
    subscriptions: tuple[str, ...] = ()
    resource_groups: tuple[str, ...] = ()  # names (in every subscription) or full resource group ids
    management_group: str | None = None
    all_subscriptions: bool = False


@dataclass(frozen=True)
class AuditOptions:
    scope: AuditScope
    auth: str = "default"  # default|cli|env|managed-identity|workload-identity
    cloud: str = "public"  # public|china|usgov
    arm_endpoint: str | None = None  # overrides the cloud's endpoint (Azure Stack Hub)
    deep: bool = False
    use_resource_graph: bool | None = None  # None = choose by scope size
    concurrency: int = 8
    progress: bool = False
    credential: Any = None  # injected TokenCredential (tests); else built from auth
    retry_backoff_factor: float | None = None  # tests set it small
    timeout: float = DEFAULT_TIMEOUT  # the whole collection, seconds
    read_timeout: float = DEFAULT_READ_TIMEOUT  # one request's wait for its answer, seconds


class RefusedAnswer(Exception):
    """An answer the collector does not use; ``code`` becomes the ScopeError's code: ``UntrustedUrl``
    (a URL outside the ARM endpoint), ``PagingLoop``, ``TooManyPages`` or ``WrongShape``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ScopeError:
    """A scope that was not evaluated: a subscription, a resource group, one list or one gateway call."""

    scope: str
    code: str
    message: str


@dataclass
class LiveCollection:
    objects: list[dict[str, Any]]  # ARM JSON objects, secrets removed
    errors: list[ScopeError]  # not-evaluated scopes
    requests: int
    elapsed: float
    tenant_id: str | None
    scope_text: str


# ===================================================================================================
# Public API
# ===================================================================================================

def collect(options: AuditOptions) -> LiveCollection:
    """Collect the network resources in ``options.scope``.

    Raises :class:`CheckerError` for unusable options or when no token can be obtained; access
    errors, throttling that outlasts the retries and failed pages become ``ScopeError`` entries
    and the rest is still collected. ``KeyboardInterrupt`` cancels the pending work and propagates."""
    _validate(options)
    started = time.monotonic()
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger(IDENTITY_LOGGER).setLevel(logging.ERROR)
    session = _Session(options)
    try:
        session.check_token()
        collection = _Collector(options, session, started).run()
    finally:
        session.close()
    collection.elapsed = time.monotonic() - started
    return collection


def write_snapshot(collection: LiveCollection, path: Path) -> None:
    """Write the collection as a snapshot that ``checker.sources.export.read_export`` reads back."""
    document = {
        "hybridCheckSnapshot": {
            "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "scope": collection.scope_text,
            "tenantId": collection.tenant_id,
            "requests": collection.requests,
            "elapsedSeconds": round(collection.elapsed, 3),
            "notEvaluated": [{"scope": e.scope, "code": e.code, "message": e.message} for e in collection.errors],
        },
        "data": collection.objects,
    }
    # collect() already removed secrets; objects built or changed elsewhere are checked again here.
    if _may_hold_secrets(json.dumps(collection.objects, default=str)):
        document["data"] = remove_secrets(collection.objects)
    from checker.report.output import write_file

    write_file("snapshot", path, json.dumps(document, indent=1, default=str) + "\n")  # atomically


def remove_secrets(value: Any) -> Any:
    """A copy of ``value`` without any property named like a secret (case-insensitive)."""
    if isinstance(value, dict):
        return {k: remove_secrets(v) for k, v in value.items()
                if not (isinstance(k, str) and k.lower() in SECRET_PROPERTIES)}
    if isinstance(value, list):
        return [remove_secrets(v) for v in value]
    return value


def _remove_secrets_in_place(value: Any) -> None:
    # Collections can hold tens of thousands of objects that belong to nobody else yet: no copies.
    if isinstance(value, dict):
        for key in list(value):
            if isinstance(key, str) and key.lower() in SECRET_PROPERTIES:
                del value[key]
                continue
            child = value[key]
            if isinstance(child, (dict, list)):
                _remove_secrets_in_place(child)
    elif isinstance(value, list):
        for child in value:
            if isinstance(child, (dict, list)):
                _remove_secrets_in_place(child)


def _may_hold_secrets(text: str) -> bool:
    lowered = text.lower()
    return any(name in lowered for name in SECRET_PROPERTIES)


def describe_scope(scope: AuditScope) -> str:
    if scope.management_group:
        text = f"management group {scope.management_group}"
    elif scope.all_subscriptions:
        text = "all subscriptions"
    elif scope.subscriptions:
        text = "subscription" + ("s " if len(scope.subscriptions) > 1 else " ") + ", ".join(scope.subscriptions)
    else:
        return "resource groups " + ", ".join(scope.resource_groups)
    if scope.resource_groups:
        text += " / resource groups " + ", ".join(scope.resource_groups)
    return text


# ===================================================================================================
# Options
# ===================================================================================================

def _validate(options: AuditOptions) -> None:
    scope = options.scope
    if options.auth not in AUTH_MODES:
        raise CheckerError(f"unknown authentication mode {options.auth!r}",
                           hint="use one of: " + ", ".join(AUTH_MODES))
    if options.cloud not in CLOUDS:
        raise CheckerError(f"unknown cloud {options.cloud!r}", hint="use one of: " + ", ".join(CLOUDS))
    if options.arm_endpoint is not None and not options.arm_endpoint.lower().startswith("https://"):
        raise CheckerError(f"the ARM endpoint must be an https URL, not {options.arm_endpoint!r}",
                           hint="tokens are only sent over TLS; give e.g. https://management.local.azurestack.external")
    if not 1 <= options.concurrency <= 64:
        raise CheckerError(f"concurrency must be between 1 and 64, not {options.concurrency}")
    for name, value in (("timeout", options.timeout), ("read timeout", options.read_timeout)):
        if not isinstance(value, (int, float)) or not 0 < value <= 86400:
            raise CheckerError(f"the {name} must be more than 0 and at most 86400 seconds, not {value!r}")
    chosen = sum([bool(scope.subscriptions), scope.management_group is not None, scope.all_subscriptions])
    group_ids = [g for g in scope.resource_groups if g.startswith("/")]
    if chosen == 0 and not group_ids:
        raise CheckerError("no scope to audit", hint="give --subscription, --management-group or --all-subscriptions")
    if chosen > 1:
        raise CheckerError("choose one scope: subscriptions, a management group or all subscriptions")
    if scope.resource_groups and (scope.management_group or scope.all_subscriptions):
        raise CheckerError("resource groups can only narrow explicit subscriptions",
                           hint="give --subscription with --resource-group, or full resource group ids")
    for group in group_ids:
        parsed = parse_resource_id(group)
        if not parsed["subscription_id"] or not parsed["resource_group"]:
            raise CheckerError(f"not a resource group id: {group!r}",
                               hint="use /subscriptions/<id>/resourceGroups/<name> or a plain name")


def _import_sdk() -> Any:
    """azure.core now; the management packages are only looked for here (importing
    azure.mgmt.network costs about 0.4 s, paid only when a network client is built)."""
    try:
        import azure.core.exceptions as exceptions

        missing = [name for name in ("azure.mgmt.network", "azure.mgmt.resource.resources",
                                     "azure.mgmt.resourcegraph") if importlib.util.find_spec(name) is None]
    except ImportError as exc:
        missing = [exc.name or str(exc)]
    if missing:
        raise CheckerError(f"the live audit needs the Azure SDK ({', '.join(missing)} missing)",
                           hint="install the live extra: pip install '.[live]' in a checkout of hybrid-check")
    return exceptions


def _build_credential(auth: str, cloud: Cloud) -> Any:
    try:
        import azure.identity as identity
    except ImportError:
        raise CheckerError("the live audit needs azure-identity",
                           hint="install the live extra: pip install '.[live]' in a checkout of hybrid-check") from None
    try:
        if auth == "cli":
            return identity.AzureCliCredential()
        if auth == "env":
            return identity.EnvironmentCredential(authority=cloud.authority)
        if auth == "managed-identity":
            return identity.ManagedIdentityCredential(client_id=os.environ.get("AZURE_CLIENT_ID"))
        if auth == "workload-identity":
            return identity.WorkloadIdentityCredential(authority=cloud.authority)
        return identity.DefaultAzureCredential(authority=cloud.authority)
    except ValueError as exc:
        raise CheckerError(f"cannot set up --auth {auth}: {exc}", hint=_AUTH_HINTS[auth]) from None


_AUTH_HINTS = {
    "default": "sign in with 'az login', or set AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET, "
               "or run where a managed identity is available",
    "cli": "run 'az login' (and 'az cloud set' for a sovereign cloud) first",
    "env": "set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or AZURE_CLIENT_CERTIFICATE_PATH)",
    "managed-identity": "run on an Azure host with a managed identity (set AZURE_CLIENT_ID for a user-assigned one)",
    "workload-identity": "set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_FEDERATED_TOKEN_FILE",
}


def _credential_failure(exc: BaseException) -> str:
    """One line from azure-identity's multi-line failure text: its first sentence plus, for a chain
    such as DefaultAzureCredential, why each credential was unavailable."""
    text = str(getattr(exc, "message", None) or exc)
    lines = [line.strip() for line in text.splitlines() if line.strip()] or ["no detail"]
    attempts = [line.split(". ")[0] for line in lines[1:] if re.match(r"^\w+Credential: ", line)]
    summary = lines[0] + (" (" + "; ".join(attempts) + ")" if attempts else "")
    return summary[:600]


class _CachingCredential:
    """Shares one token between all clients: without it every client asks the credential again,
    and AzureCliCredential starts an ``az`` process each time."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self._lock = threading.Lock()
        self._cache: dict[tuple[Any, ...], Any] = {}

    def get_token(self, *scopes: str, claims: str | None = None, tenant_id: str | None = None,
                  enable_cae: bool = False, **kwargs: Any) -> Any:
        if claims:  # a claims challenge needs a fresh token
            return self._inner.get_token(*scopes, claims=claims, tenant_id=tenant_id, enable_cae=enable_cae, **kwargs)
        key = (scopes, tenant_id, enable_cae)
        with self._lock:
            token = self._cache.get(key)
            if token is None or token.expires_on - time.time() < 300:
                extra = {"enable_cae": True} if enable_cae else {}
                token = self._inner.get_token(*scopes, tenant_id=tenant_id, **extra, **kwargs)
                self._cache[key] = token
            return token

    def close(self) -> None:
        close = getattr(self._inner, "close", None)
        if callable(close):
            close()


# ===================================================================================================
# The one endpoint: every request is checked before it carries the token
# ===================================================================================================

def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an absolute URL; None for anything else or a URL with user information."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except (ValueError, TypeError, AttributeError):
        return None
    if not parts.scheme or not parts.hostname or "@" in parts.netloc:
        return None
    scheme = parts.scheme.lower()
    return scheme, parts.hostname.lower().rstrip("."), port or (443 if scheme == "https" else 80)


def _shown_origin(url: Any) -> str:
    try:
        parts = urllib.parse.urlsplit(str(url))
        return f"{parts.scheme}://{parts.netloc}"[:200] if parts.netloc else repr(str(url)[:80])
    except ValueError:
        return repr(str(url)[:80])


def check_url(url: Any, endpoint: str) -> None:
    """Raise :class:`RefusedAnswer` (``UntrustedUrl``) unless ``url`` is on ``endpoint`` (same scheme,
    host and port). Every request of the audit passes here before the bearer token is added."""
    if not isinstance(url, str) or _origin(url) is None or _origin(url) != _origin(endpoint):
        raise RefusedAnswer("UntrustedUrl", f"refused a request to {_shown_origin(url)}: the audit talks only to "
                                            f"the ARM endpoint {endpoint} (a page link, operation or id pointed elsewhere)")


def _guarded_auth_policy(credential: Any, scope: str, endpoint: str) -> Any:
    """ARM's bearer-token policy, refusing any request outside ``endpoint`` before it adds the token.

    It is the client's ``authentication_policy``: the SDK pipelines run it after the redirect and retry
    policies, so every attempt, every followed ``nextLink``, every long-running-operation poll and every
    redirect passes this check first; the refusal is not an AzureError, so nothing retries it."""
    from azure.mgmt.core.policies import ARMChallengeAuthenticationPolicy

    class _EndpointGuardedPolicy(ARMChallengeAuthenticationPolicy):  # type: ignore[misc]
        def on_request(self, request: Any) -> None:
            check_url(request.http_request.url, endpoint)
            super().on_request(request)

    return _EndpointGuardedPolicy(credential, scope)


def _capped_retry_policy(backoff: float | None, timeout: float) -> Any:
    """The SDK's retry policy with Retry-After waits capped at :data:`MAX_RETRY_AFTER` seconds, a
    stalled request retried :data:`READ_RETRIES` times, and all attempts of one operation within ``timeout``."""
    from azure.core.pipeline.policies import RetryPolicy

    class _CappedRetryPolicy(RetryPolicy):  # type: ignore[misc]
        def get_retry_after(self, response: Any) -> float | None:
            value = super().get_retry_after(response)
            return None if value is None else max(0.0, min(float(value), MAX_RETRY_AFTER))

    kwargs: dict[str, Any] = {"timeout": timeout, "retry_read": READ_RETRIES}
    if backoff is not None:
        kwargs["retry_backoff_factor"] = backoff
    return _CappedRetryPolicy(**kwargs)


# ===================================================================================================
# Clients
# ===================================================================================================

class _Session:
    """Credential, one HTTP connection pool and the SDK clients, shared by all worker threads."""

    def __init__(self, options: AuditOptions) -> None:
        self.errors = _import_sdk()
        self.options = options
        self.cloud = CLOUDS[options.cloud]
        self.endpoint = (options.arm_endpoint or self.cloud.arm_endpoint).rstrip("/")
        inner = options.credential if options.credential is not None else _build_credential(options.auth, self.cloud)
        self.credential = _CachingCredential(inner)
        self._owns_credential = options.credential is None
        self._lock = threading.Lock()
        self._requests = 0
        self._clients: dict[tuple[str, str], Any] = {}
        import requests
        from requests.adapters import HTTPAdapter

        self._http = requests.Session()
        # One pool big enough for every worker: the default (10) would drop connections and pay a
        # new TLS handshake per request above 10 workers.
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=options.concurrency + 4)
        self._http.mount("https://", adapter)

    @property
    def requests(self) -> int:
        return self._requests

    def _count(self, _request: Any) -> None:
        with self._lock:
            self._requests += 1

    def _client_kwargs(self) -> dict[str, Any]:
        from azure.core.pipeline.transport import RequestsTransport

        # REQUESTS_CA_BUNDLE is read by requests itself; SSL_CERT_FILE is honoured here.
        verify: Any = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("SSL_CERT_FILE") or True
        read_timeout = min(self.options.read_timeout, self.options.timeout)
        kwargs: dict[str, Any] = {
            "base_url": self.endpoint,
            "credential_scopes": [self.cloud.token_scope],
            "authentication_policy": _guarded_auth_policy(self.credential, self.cloud.token_scope, self.endpoint),
            "retry_policy": _capped_retry_policy(self.options.retry_backoff_factor, self.options.timeout),
            "transport": RequestsTransport(session=self._http, session_owner=False, connection_verify=verify,
                                           connection_timeout=min(CONNECT_TIMEOUT, read_timeout),
                                           read_timeout=read_timeout),
            "raw_request_hook": self._count,
            "user_agent": f"hybrid-check/{__version__}",
            "logging_enable": False,
        }
        return kwargs

    def _client(self, kind: str, subscription: str = "") -> Any:
        with self._lock:
            client = self._clients.get((kind, subscription))
            if client is not None:
                return client
        if kind == "network":
            from azure.mgmt.network import NetworkManagementClient

            client = NetworkManagementClient(self.credential, subscription, **self._client_kwargs())
        elif kind == "resource":
            from azure.mgmt.resource.resources import ResourceManagementClient

            client = ResourceManagementClient(self.credential, subscription, **self._client_kwargs())
        elif kind == "subscription":
            client = self._subscription_client()
        else:
            from azure.mgmt.resourcegraph import ResourceGraphClient

            client = ResourceGraphClient(self.credential, **self._client_kwargs())
        with self._lock:
            return self._clients.setdefault((kind, subscription), client)

    def _subscription_client(self) -> Any:
        try:
            from azure.mgmt.resource.subscriptions import SubscriptionClient
        except ImportError:
            raise CheckerError("listing subscriptions needs azure-mgmt-resource-subscriptions",
                               hint="install the live extra: pip install '.[live]' in a checkout of hybrid-check") from None
        return SubscriptionClient(self.credential, **self._client_kwargs())

    def network(self, subscription: str) -> Any:
        return self._client("network", subscription)

    def resource(self, subscription: str) -> Any:
        return self._client("resource", subscription)

    def subscriptions(self) -> Any:
        return self._client("subscription")

    def graph(self) -> Any:
        return self._client("graph")

    def check_token(self) -> None:
        """Get the first token now, so a missing login is one clear error before any work starts."""
        try:
            self.credential.get_token(self.cloud.token_scope)
        except (self.errors.ClientAuthenticationError, ValueError) as exc:
            raise CheckerError(f"no Azure credentials available for --auth {self.options.auth}: "
                               f"{_credential_failure(exc)}", hint=_AUTH_HINTS[self.options.auth]) from None

    def close(self) -> None:
        for client in self._clients.values():
            try:
                client.close()
            except Exception:  # closing is best effort: the collection is already complete
                pass
        self._http.close()
        if self._owns_credential:
            self.credential.close()


# ===================================================================================================
# Collection
# ===================================================================================================

@dataclass
class _Outcome:
    objects: list[dict[str, Any]] = field(default_factory=list)
    errors: list[ScopeError] = field(default_factory=list)


class _Progress:
    """A one-line progress counter on stderr (only when asked: the CLI asks for a TTY)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._last = 0.0
        self._open = False  # a line was drawn and not ended yet

    def show(self, label: str, done: int, total: int, final: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not final and now - self._last < 0.1:
            return
        self._last = now
        width = 30
        filled = width * done // max(total, 1)
        sys.stderr.write(f"\r{label:<28} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        self._open = not final
        if final:
            sys.stderr.write("\n")
        sys.stderr.flush()

    def end(self) -> None:
        """End a line left open (on Ctrl-C), so that what is printed next starts on its own line."""
        if self._open:
            self._open = False
            sys.stderr.write("\n")
            sys.stderr.flush()


class _Collector:
    def __init__(self, options: AuditOptions, session: _Session, started: float | None = None) -> None:
        self.options = options
        self.scope = options.scope
        self.session = session
        self.errors_module = session.errors
        self.stop = threading.Event()
        self.progress = _Progress(options.progress)
        self.objects: list[dict[str, Any]] = []
        self.errors: list[ScopeError] = []
        self.tenant_id: str | None = None
        self.deadline = (time.monotonic() if started is None else started) + options.timeout

    # ------------------------------------------------------------------------------------ driver
    def run(self) -> LiveCollection:
        scope = self.scope
        use_graph = self.options.use_resource_graph
        if use_graph is None:
            use_graph = bool(scope.management_group or scope.all_subscriptions)
        subscriptions = self._subscriptions(need_list=not (use_graph and scope.management_group))
        mode = "Resource Graph"
        if use_graph:
            self._collect_graph(subscriptions)
        else:
            groups = self._resource_groups(subscriptions)
            if self.options.use_resource_graph is None and len(groups) > RESOURCE_GRAPH_THRESHOLD:
                self._collect_graph(subscriptions)
            else:
                mode = "resource groups"
                self._collect_groups(groups)
        self._collect_details()
        text = f"{describe_scope(scope)} (via {mode})"
        return LiveCollection(objects=self.objects, errors=self.errors,
                              requests=self.session.requests, elapsed=0.0, tenant_id=self.tenant_id,
                              scope_text=text)

    def _timeout_error(self, scope: str) -> ScopeError:
        return ScopeError(scope, "Timeout", f"not read within the audit's time limit of {self.options.timeout:g} s "
                                            "(--timeout)")

    def _run_tasks(self, label: str, tasks: Sequence[tuple[tuple[str, ...], Callable[[], _Outcome]]],
                   workers: int | None = None) -> None:
        """Run tasks (each with the scopes it reads) on a bounded pool. Ctrl-C cancels what has not
        started and re-raises at once; past the deadline the unfinished tasks' scopes become
        ``Timeout`` errors and requests still in flight are abandoned (each ends within its read timeout)."""
        if not tasks:
            return
        if time.monotonic() >= self.deadline:
            self.errors.extend(self._timeout_error(s) for scopes, _ in tasks for s in scopes)
            return
        executor = ThreadPoolExecutor(max_workers=min(workers or self.options.concurrency, len(tasks)),
                                      thread_name_prefix="hybrid-check-live")
        pending: dict[Future[_Outcome], tuple[str, ...]] = {}
        done_count = 0
        try:
            pending = {executor.submit(task): scopes for scopes, task in tasks}
            while pending:
                remaining = self.deadline - time.monotonic()
                if remaining <= 0:
                    self.stop.set()
                    self.errors.extend(self._timeout_error(s) for scopes in pending.values() for s in scopes)
                    for future in pending:
                        future.cancel()
                    executor.shutdown(wait=False, cancel_futures=True)
                    self.progress.end()
                    return
                # A timeout, so that the main thread notices Ctrl-C even while every worker waits.
                finished, _ = wait(pending, timeout=min(0.2, remaining), return_when=FIRST_COMPLETED)
                for future in finished:
                    pending.pop(future)
                    outcome = future.result()
                    self.objects.extend(outcome.objects)
                    self.errors.extend(outcome.errors)
                    done_count += 1
                self.progress.show(label, done_count, len(tasks))
        except BaseException:
            self.stop.set()
            for future in pending:
                future.cancel()
            executor.shutdown(wait=False, cancel_futures=True)
            self.progress.end()
            raise
        executor.shutdown(wait=True)
        self.progress.show(label, done_count, len(tasks), final=True)

    # ------------------------------------------------------------------------------------ errors
    def _scope_error(self, scope: str, exc: BaseException) -> ScopeError:
        if isinstance(exc, RefusedAnswer):
            return ScopeError(scope=scope, code=exc.code, message=exc.message[:500])
        if not isinstance(exc, self.errors_module.AzureError):
            # The answer decoded but did not have the shape of ARM's (the SDK's deserialisers, or a
            # check here, stumbled on it): the type only, never the text (it could quote a value).
            return ScopeError(scope=scope, code="WrongShape",
                              message=f"the answer does not have the shape of an ARM answer ({type(exc).__name__})")
        if isinstance(exc, self.errors_module.DecodeError):
            return ScopeError(scope=scope, code="DecodeError", message="the answer is not valid JSON")
        if isinstance(exc, self.errors_module.ServiceResponseError) and "timeout" in str(exc).lower().replace(" ", ""):
            return ScopeError(scope=scope, code="Timeout",
                              message=f"no answer within the read timeout of {self._read_timeout():g} s")
        status = getattr(exc, "status_code", None)
        error = getattr(exc, "error", None)
        code = getattr(error, "code", None) or (str(status) if status else type(exc).__name__)
        message = getattr(error, "message", None) or str(getattr(exc, "message", None) or exc)
        message = " ".join(str(message).split())
        if status:
            message = f"HTTP {status}: {message}"
        return ScopeError(scope=scope, code=str(code), message=message[:500])

    def _read_timeout(self) -> float:
        return min(self.options.read_timeout, self.options.timeout)

    def _catchable(self) -> tuple[type[BaseException], ...]:
        # Malformed answers (KeyError, TypeError, ValueError, AttributeError... from the SDK's
        # deserialisers or the shape checks here) mark the scope as not evaluated like any other failure,
        # they do not stop the audit. RecursionError: JSON nested beyond what the decoder takes.
        return (self.errors_module.AzureError, RefusedAnswer, KeyError, TypeError, ValueError, AttributeError,
                IndexError, RecursionError)

    def _pages(self, paged: Any, what: str) -> Iterator[Any]:
        """The items of an SDK pager, page by page, refusing a next link already followed and more than
        :data:`MAX_PAGES` pages (the host of each link is checked by the pipeline's guard)."""
        pages = paged.by_page()
        seen: set[str] = set()
        count = 0
        for page in pages:
            count += 1
            yield from page
            link = getattr(pages, "continuation_token", None)
            if not link:
                continue
            if not isinstance(link, str):
                raise RefusedAnswer("WrongShape", f"{what}: the next page link is not text")
            if link in seen:
                raise RefusedAnswer("PagingLoop", f"{what}: the next page link repeats an earlier one "
                                                  f"(after {count} pages); the list is not used")
            seen.add(link)
            if count >= MAX_PAGES:
                raise RefusedAnswer("TooManyPages", f"{what}: more than {MAX_PAGES} pages; the list is not used")

    # ------------------------------------------------------------------------------------ subscriptions
    def _subscriptions(self, need_list: bool) -> list[str]:
        scope = self.scope
        catch = self._catchable()
        if scope.all_subscriptions:
            try:
                found = [_subscription_info(s) for s in
                         self._pages(self.session.subscriptions().subscriptions.list(), "subscriptions")]
            except self.errors_module.ServiceRequestError as exc:
                raise self._unreachable(exc) from None
            except catch as exc:
                self.errors.append(self._scope_error("/subscriptions", exc))
                return []
            self.tenant_id = next((tenant for _, tenant, _ in found if tenant), None)
            usable = [sub for sub, _, state in found if (state or "Enabled") in ("Enabled", "Warned", "PastDue")]
            if not usable:
                # An empty estate must not look like a clean one.
                self.errors.append(ScopeError("/subscriptions", "NoSubscriptions",
                                              "the identity can read no enabled subscription"))
            return usable
        if scope.management_group:
            if not need_list:
                return []
            return self._management_group_subscriptions(scope.management_group)
        wanted = list(scope.subscriptions)
        for group in scope.resource_groups:
            sub = parse_resource_id(group)["subscription_id"] if group.startswith("/") else None
            if sub and sub.lower() not in (w.lower() for w in wanted):
                wanted.append(sub)
        usable = []
        for sub in wanted:
            try:
                found_sub, tenant, _ = _subscription_info(self.session.subscriptions().subscriptions.get(sub))
                if found_sub.lower() != sub.lower():
                    raise RefusedAnswer("WrongShape", "the answer is about another subscription")
                self.tenant_id = self.tenant_id or tenant
                usable.append(found_sub or sub)
            except self.errors_module.ServiceRequestError as exc:
                raise self._unreachable(exc) from None
            except catch as exc:
                if scope.resource_groups and getattr(exc, "status_code", None) == 403:
                    usable.append(sub)  # access granted on resource groups only: reading the subscription is denied
                else:
                    self.errors.append(self._scope_error(f"/subscriptions/{sub}", exc))
        return usable

    def _unreachable(self, exc: BaseException) -> CheckerError:
        reason = " ".join(str(exc).split())[:300]
        return CheckerError(f"cannot reach Azure Resource Manager at {self.session.endpoint}: {reason}",
                            hint="check the network, the --cloud / ARM endpoint and the TLS trust "
                                 "(REQUESTS_CA_BUNDLE / SSL_CERT_FILE)")

    def _management_group_subscriptions(self, group: str) -> list[str]:
        from azure.mgmt.resourcegraph.models import QueryRequest, QueryRequestOptions

        query = ("resourcecontainers | where type =~ 'microsoft.resources/subscriptions' "
                 "| project subscriptionId, tenantId")
        subs: list[str] = []
        skip = None
        seen: set[str] = set()
        try:
            for _ in range(MAX_PAGES):
                response = self.session.graph().resources(QueryRequest(
                    management_groups=[group], query=query,
                    options=QueryRequestOptions(top=GRAPH_PAGE_SIZE, skip_token=skip, result_format="objectArray")))
                rows = response.data if response.data is not None else []
                if not isinstance(rows, list):
                    raise RefusedAnswer("WrongShape", "Resource Graph: 'data' is not a list")
                for row in rows:
                    if not isinstance(row, dict) or not _is_subscription_id(row.get("subscriptionId")):
                        raise RefusedAnswer("WrongShape", "Resource Graph: a row has no subscription id")
                    subs.append(row["subscriptionId"])
                    tenant = row.get("tenantId")
                    self.tenant_id = self.tenant_id or (tenant if isinstance(tenant, str) else None)
                skip = _next_skip_token(response.skip_token, seen)
                if not skip:
                    return subs
            raise RefusedAnswer("TooManyPages", f"Resource Graph: more than {MAX_PAGES} pages")
        except self.errors_module.ServiceRequestError as exc:
            raise self._unreachable(exc) from None
        except self._catchable() as exc:
            self.errors.append(self._scope_error(f"/providers/Microsoft.Management/managementGroups/{group}", exc))
            return []

    # ------------------------------------------------------------------------------------ resource groups
    def _resource_groups(self, subscriptions: list[str]) -> list[tuple[str, str]]:
        names = [g for g in self.scope.resource_groups if not g.startswith("/")]
        ids = [parse_resource_id(g) for g in self.scope.resource_groups if g.startswith("/")]
        groups: list[tuple[str, str]] = [(p["subscription_id"], p["resource_group"]) for p in ids]
        # Plain names narrow the subscriptions given, not those only named inside a resource group id.
        given = {s.lower() for s in self.scope.subscriptions}
        for sub in subscriptions:
            if names and (not given or sub.lower() in given):
                groups.extend((sub, name) for name in names)
            elif not any(s.lower() == sub.lower() for s, _ in groups):
                groups.extend((sub, name) for name in self._list_groups(sub))
        seen: set[tuple[str, str]] = set()
        unique = []
        for sub, name in groups:
            key = (sub.lower(), name.lower())
            if key not in seen:
                seen.add(key)
                unique.append((sub, name))
        return unique

    def _list_groups(self, sub: str) -> list[str]:
        scope = f"/subscriptions/{sub}/resourceGroups"
        try:
            names = [getattr(g, "name", None) for g in self._pages(self.session.resource(sub).resource_groups.list(),
                                                                  scope)]
            if not all(isinstance(n, str) and _GROUP_NAME.fullmatch(n) for n in names):
                raise RefusedAnswer("WrongShape", "a resource group in the list has no valid name")
            return [str(n) for n in names]
        except self._catchable() as exc:
            self.errors.append(self._scope_error(scope, exc))
            return []

    def _collect_groups(self, groups: list[tuple[str, str]]) -> None:
        tasks = []
        for sub, group in groups:
            for op, rtype in NETWORK_LISTS:
                scope = f"/subscriptions/{sub}/resourceGroups/{group}/providers/Microsoft.Network/{rtype}"
                tasks.append(((scope,), functools.partial(self._list_in_group, sub, group, op, scope)))
        before = len(self.errors)
        self._run_tasks("resource group lists", tasks)
        self.errors[before:] = _merge_group_errors(self.errors[before:])

    def _list_in_group(self, sub: str, group: str, operation: str, scope: str) -> _Outcome:
        outcome = _Outcome()
        if self.stop.is_set():
            return outcome
        items: list[dict[str, Any]] = []
        try:
            for model in self._pages(getattr(self.session.network(sub), operation).list(group), scope):
                if self.stop.is_set():
                    return outcome
                item = _checked_resource(model.as_dict())
                _remove_secrets_in_place(item)
                items.append(item)
        except self._catchable() as exc:
            # All or nothing per list: a page failing midway must not look like a shorter list.
            outcome.errors.append(self._scope_error(scope, exc))
            return outcome
        outcome.objects = items
        return outcome

    # ------------------------------------------------------------------------------------ Resource Graph
    def _collect_graph(self, subscriptions: list[str]) -> None:
        scope = self.scope
        if scope.management_group:
            partitions: list[dict[str, Any]] = [{"managementGroups": [scope.management_group]}]
        elif subscriptions:
            partitions = [{"subscriptions": [sub]} for sub in subscriptions]
        else:
            return
        groups = [g if not g.startswith("/") else parse_resource_id(g)["resource_group"]
                  for g in scope.resource_groups]
        query = graph_query(groups)
        tasks = [((_graph_label(part),), functools.partial(self._graph_partition, query, part))
                 for part in partitions]
        self._run_tasks("resource graph", tasks, workers=min(self.options.concurrency, GRAPH_PARALLEL_QUERIES))

    def _graph_partition(self, query: str, partition: dict[str, Any]) -> _Outcome:
        outcome = _Outcome()
        label = _graph_label(partition)
        rows: list[dict[str, Any]] = []
        skip = None
        seen: set[str] = set()
        try:
            pages = 0
            while not self.stop.is_set():
                page = self._graph_page(query, partition, skip)
                pages += 1
                data = page.get("data")
                if data is not None and not isinstance(data, list):
                    raise RefusedAnswer("WrongShape", "Resource Graph: 'data' is not a list")
                rows.extend(_checked_resource(row) for row in data or [])
                skip = _next_skip_token(page.get("$skipToken"), seen)
                if not skip:
                    if str(page.get("resultTruncated")).lower() == "true":
                        outcome.errors.append(ScopeError(label, "ResultTruncated",
                                                         "Resource Graph truncated the result without a skip token"))
                        return outcome
                    break
                if pages >= MAX_PAGES:
                    raise RefusedAnswer("TooManyPages", f"Resource Graph: more than {MAX_PAGES} pages")
        except self._catchable() as exc:
            outcome.errors.append(self._scope_error(label, exc))
            return outcome
        for row in rows:
            tenant = row.get("tenantId")
            self.tenant_id = self.tenant_id or (tenant if isinstance(tenant, str) else None)
        outcome.objects = rows
        return outcome

    def _graph_page(self, query: str, partition: dict[str, Any], skip: str | None) -> dict[str, Any]:
        """One page of a Resource Graph query, sent through the ResourceGraphClient's pipeline (auth,
        retries, TLS) but decoded as plain JSON: the client's own deserialiser walks every value of
        ``data`` (typed ``object``) and costs about 0.8 s of CPU per 10,000 rows."""
        from azure.core.rest import HttpRequest

        options: dict[str, Any] = {"$top": GRAPH_PAGE_SIZE, "resultFormat": "objectArray"}
        if skip:
            options["$skipToken"] = skip
        request = HttpRequest("POST", "/providers/Microsoft.ResourceGraph/resources",
                              params={"api-version": GRAPH_API_VERSION},
                              json={**partition, "query": query, "options": options})
        # stream=True: the pipeline would otherwise decode the JSON once more for nobody.
        response = self.session.graph()._send_request(request, stream=True)
        response.read()
        if response.status_code != 200:
            raise self._http_error(response)
        text = response.text()
        page = json.loads(text)
        if not isinstance(page, dict):
            raise RefusedAnswer("WrongShape", "Resource Graph answered with something other than a JSON object")
        if _may_hold_secrets(text):
            _remove_secrets_in_place(page)
        return page

    def _http_error(self, response: Any) -> BaseException:
        from azure.mgmt.core.exceptions import ARMErrorFormat

        return self.errors_module.HttpResponseError(response=response, error_format=ARMErrorFormat)

    # ------------------------------------------------------------------------------------ gateways, connections
    def _collect_details(self) -> None:
        """What the lists do not carry: per gateway its diagnostic settings (and with ``deep`` its BGP
        peers and learned routes), per VPN connection its tunnel state."""
        gateways = [o for o in self.objects if isinstance(o.get("type"), str) and same_type(o["type"], GATEWAY_TYPE)]
        connections = [o for o in self.objects if isinstance(o.get("type"), str)
                       and same_type(o["type"], CONNECTION_TYPE) and _has_tunnel_state(o)]
        tasks: list[tuple[tuple[str, ...], Callable[[], _Outcome]]] = []
        for gateway in gateways:
            scopes: tuple[str, ...] = (f"{gateway['id']}/providers/Microsoft.Insights/diagnosticSettings",)
            if self.options.deep:
                scopes += (f"{gateway['id']}/bgpPeerStatus", f"{gateway['id']}/learnedRoutes")
            tasks.append((scopes, functools.partial(self._gateway_details, gateway)))
        for connection in connections:
            for key in CONNECTION_STATE_PROPERTIES:  # a list's (or a Resource Graph row's) value is not the state
                connection.setdefault("properties", {}).pop(key, None)
            tasks.append(((f"{connection['id']}/connectionStatus",),
                          functools.partial(self._connection_state, connection)))
        self._run_tasks("gateway and connection details", tasks)

    def _connection_state(self, connection: dict[str, Any]) -> _Outcome:
        outcome = _Outcome()
        if self.stop.is_set():
            return outcome
        parsed = parse_resource_id(connection["id"])
        properties = connection["properties"]
        try:
            current = self.session.network(parsed["subscription_id"]).virtual_network_gateway_connections.get(
                parsed["resource_group"], parsed["name"]).as_dict()
            answered = _connection_state_of(current)
        except self._catchable() as exc:
            outcome.errors.append(self._scope_error(f"{connection['id']}/connectionStatus", exc))
            return outcome
        if self.stop.is_set():  # past the deadline the object belongs to the report already
            return outcome
        # Only the state is taken from the answer: it also holds the shared key, which is never kept.
        properties.update(answered)
        return outcome

    def _gateway_details(self, gateway: dict[str, Any]) -> _Outcome:
        from azure.core.rest import HttpRequest

        outcome = _Outcome()
        if self.stop.is_set():
            return outcome
        parsed = parse_resource_id(gateway["id"])
        sub, group, name = parsed["subscription_id"], parsed["resource_group"], parsed["name"]
        client = self.session.network(sub)
        diag_scope = f"{gateway['id']}/providers/Microsoft.Insights/diagnosticSettings"
        try:
            response = client.send_request(HttpRequest(
                "GET", diag_scope, params={"api-version": DIAGNOSTIC_SETTINGS_API_VERSION}))
            if response.status_code != 200:
                raise self._http_error(response)
            body = response.json()
            if not isinstance(body, dict) or not isinstance(body.get("value") or [], list):
                raise RefusedAnswer("WrongShape", "the diagnostic settings answer has no list of settings")
            settings = [_checked_resource(s) for s in body.get("value") or []]
            _remove_secrets_in_place(settings)
            outcome.objects.extend(settings)
        except self._catchable() as exc:
            outcome.errors.append(self._scope_error(diag_scope, exc))
        if not self.options.deep:
            return outcome
        operations = client.virtual_network_gateways
        found: dict[str, list[Any]] = {}
        for key, start in (("bgpPeerStatus", operations.begin_get_bgp_peer_status),
                           ("learnedRoutes", operations.begin_get_learned_routes)):
            if self.stop.is_set():
                return outcome
            try:
                result = start(group, name).result()
                value = (result.as_dict() if hasattr(result, "as_dict") else result).get("value") or []
                if not isinstance(value, list) or not all(isinstance(v, dict) for v in value) \
                        or _too_deep(value, MAX_OBJECT_DEPTH):
                    raise RefusedAnswer("WrongShape", f"{key}: the answer has no list of objects")
                found[key] = value
            except self._catchable() as exc:
                outcome.errors.append(self._scope_error(f"{gateway['id']}/{key}", exc))
        if not self.stop.is_set():
            gateway.setdefault("properties", {}).update(found)
        return outcome


def _graph_label(partition: dict[str, Any]) -> str:
    if "managementGroups" in partition:
        return f"/providers/Microsoft.Management/managementGroups/{partition['managementGroups'][0]} (Resource Graph)"
    return f"/subscriptions/{partition['subscriptions'][0]} (Resource Graph)"


def _next_skip_token(token: Any, seen: set[str]) -> str | None:
    """The next Resource Graph skip token: None at the end; a token already used is a loop."""
    if token is None or token == "":
        return None
    if not isinstance(token, str):
        raise RefusedAnswer("WrongShape", "Resource Graph: the skip token is not text")
    if token in seen:
        raise RefusedAnswer("PagingLoop", "Resource Graph: a skip token repeats an earlier one; the result is not used")
    seen.add(token)
    return token


def _is_subscription_id(value: Any) -> bool:
    return isinstance(value, str) and _SUBSCRIPTION_ID.fullmatch(value) is not None


def _subscription_info(model: Any) -> tuple[str, str | None, str | None]:
    """(subscription id, tenant id, state) of a subscription answer, checked before use."""
    sub, tenant, state = (getattr(model, "subscription_id", None), getattr(model, "tenant_id", None),
                          getattr(model, "state", None))
    if model is None or not _is_subscription_id(sub):
        raise RefusedAnswer("WrongShape", "the subscription answer has no subscription id")
    if tenant is not None and not isinstance(tenant, str):
        raise RefusedAnswer("WrongShape", "the subscription answer has a tenant id that is not text")
    return str(sub), tenant, state if isinstance(state, str) else None


def _too_deep(value: Any, limit: int) -> bool:
    """Whether objects and arrays inside ``value`` go more than ``limit`` levels below it (recursion is
    bounded by ``limit``: it stops there)."""
    children = value.values() if isinstance(value, dict) else value
    for child in children:
        if isinstance(child, (dict, list)) and (limit <= 0 or _too_deep(child, limit - 1)):
            return True
    return False


def _checked_resource(obj: Any) -> dict[str, Any]:
    """``obj`` if it has the shape of an ARM resource the collector can use: an object whose ``id`` is
    a resource id on the endpoint (a path, never a URL), with text ``type`` and ``name``, ``properties``
    an object (null is dropped) and nesting within :data:`MAX_OBJECT_DEPTH`. Otherwise RefusedAnswer."""
    if not isinstance(obj, dict):
        raise RefusedAnswer("WrongShape", f"an item of the answer is {type(obj).__name__}, not an object")
    rid = obj.get("id")
    if not isinstance(rid, str) or not _RESOURCE_ID.fullmatch(rid) or ("/." in rid and any(
            part in (".", "..") for part in rid.split("/"))):
        raise RefusedAnswer("WrongShape", "an item of the answer has no resource id (a path below a subscription)")
    for key in ("type", "name"):
        if not isinstance(obj.get(key), str):
            raise RefusedAnswer("WrongShape", f"the item {rid[:300]} has no text '{key}'")
    if "properties" in obj and obj["properties"] is None:
        del obj["properties"]
    if not isinstance(obj.get("properties", {}), dict):
        raise RefusedAnswer("WrongShape", f"the properties of {rid[:300]} are not an object")
    if _too_deep(obj, MAX_OBJECT_DEPTH):
        raise RefusedAnswer("WrongShape", f"{rid[:300]} is nested deeper than {MAX_OBJECT_DEPTH} levels")
    return obj


def _connection_state_of(answer: Any) -> dict[str, Any]:
    """The state properties of a connection's GET answer, each checked for its type."""
    properties = answer.get("properties") if isinstance(answer, dict) else None
    if not isinstance(properties, dict):
        raise RefusedAnswer("WrongShape", "the connection answer has no properties object")
    state: dict[str, Any] = {}
    expected: dict[str, Any] = {"connectionStatus": str, "tunnelConnectionStatus": list,
                                "ingressBytesTransferred": int, "egressBytesTransferred": int}
    for key in CONNECTION_STATE_PROPERTIES:
        if key not in properties or properties[key] is None:
            continue
        value = properties[key]
        if not isinstance(value, expected[key]) or isinstance(value, bool) or (
                isinstance(value, list) and (not all(isinstance(v, dict) for v in value)
                                             or _too_deep(value, MAX_OBJECT_DEPTH))):
            raise RefusedAnswer("WrongShape", f"the connection's {key} is not {expected[key].__name__}")
        state[key] = value
    return state


def _has_tunnel_state(connection: dict[str, Any]) -> bool:
    ctype = (connection.get("properties") or {}).get("connectionType")
    return isinstance(ctype, str) and ctype.lower() in TUNNEL_CONNECTION_TYPES


def graph_query(resource_groups: Iterable[str] = ()) -> str:
    """The Resource Graph query for every network type the checker reads."""
    types = ", ".join(f"'microsoft.network/{rtype.lower()}'" for _, rtype in NETWORK_LISTS)
    lines = ["resources", f"| where type in~ ({types})"]
    groups = [g for g in resource_groups if g]
    if groups:
        lines.append("| where resourceGroup in~ (" + ", ".join(f"'{g.lower()}'" for g in groups) + ")")
    lines.append("| order by id asc")
    return "\n".join(lines)


def _merge_group_errors(errors: list[ScopeError]) -> list[ScopeError]:
    """One error per resource group when every list of that group failed the same way."""
    by_group: dict[str, list[ScopeError]] = {}
    order: list[str] = []
    for error in errors:
        group = error.scope.split("/providers/", 1)[0]
        if group not in by_group:
            order.append(group)
        by_group.setdefault(group, []).append(error)
    merged: list[ScopeError] = []
    for group in order:
        found = by_group[group]
        if len(found) == len(NETWORK_LISTS) and len({e.code for e in found}) == 1:
            merged.append(ScopeError(scope=group, code=found[0].code, message=found[0].message))
        else:
            merged.extend(found)
    return merged
