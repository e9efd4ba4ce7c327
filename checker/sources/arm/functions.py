"""The ARM template function table: one entry per function with its argument count, how it treats
unknown and secret arguments, and its implementation (ARM semantics, incl. documented edge cases)."""

from __future__ import annotations

import binascii
import functools
import ipaddress
import json
import math
import re
from collections.abc import Callable

from checker.digests import sha1
from checker.model import Secret, Unknown, normalise_id, parse_resource_id

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

#: A secret transformed by any function: its text must never come out, so the result is unknown.
DERIVED_FROM_SECRET = Unknown("derived from a secure value")
#: Longest string or array a function may build (bounded work on hostile input).
MAX_RESULT_SIZE = 1_000_000
#: ARM's namespace for guid(): name-based UUID v5 of the arguments joined with '-'.
ARM_GUID_NAMESPACE = "11fb06fb-712d-4ddd-98c7-e71bbd588830"

_AFTER_DEPLOYMENT = " is only known after deployment"
#: Work units (lambda calls, generated elements) one top-level evaluation may spend.
WORK_LIMIT = 1_000_000


class PartlyKnown(dict):  # type: ignore[type-arg]
    """An object of which only some properties are known before deployment: what
    ``reference('<nested deployment>')`` returns (its ``outputs``). Reading any other property
    gives an Unknown that names the reference."""

    __slots__ = ("reference",)

    def __init__(self, known: dict[str, Any], reference: str) -> None:
        super().__init__(known)
        self.reference = reference

    def missing(self, accessor: str) -> Unknown:
        return Unknown(f"{self.reference}{accessor}{_AFTER_DEPLOYMENT}")


_DEPLOYMENTS_SEGMENT = "/providers/microsoft.resources/deployments/"


#: Steps one input (a root template with its linked and nested deployments) may spend: every expression
#: evaluated (also inside user-defined functions and variables), every user-defined function call, every
#: copy loop iteration, every nested deployment, and the work units above. See docs/robustness.md.
INPUT_WORK_LIMIT = 1_000_000
#: Steps one user-defined function call counts (binding its parameters and a scope of its own cost about
#: as much as ten plain expressions); the expression of its body counts one more.
USER_FUNCTION_STEPS = 10


class _Budget:
    """Work spent by the current top-level evaluation (``used``, reset by the evaluator) and by the
    current input (``input_used``, reset by the template expansion, which sets ``input_limit``; outside
    an expansion there is no input limit)."""

    __slots__ = ("used", "input_used", "input_limit")

    def __init__(self) -> None:
        self.used = 0
        self.input_used = 0
        self.input_limit: float = float("inf")


BUDGET = _Budget()


class WorkBudgetExceeded(Exception):
    """The input's work budget is spent. Not a FunctionError: no function wraps it, it stops the whole
    expansion of the input; the expander names the template, the line and the expression."""

    def __init__(self, limit: float) -> None:
        super().__init__(f"more than {limit:,.0f} steps of work")
        self.limit = limit
        self.expression: str | None = None  # the innermost expression being evaluated
        self.reported = False


def spend_input(units: int) -> None:
    BUDGET.input_used += units
    if BUDGET.input_used > BUDGET.input_limit:
        raise WorkBudgetExceeded(BUDGET.input_limit)


def spend(units: int) -> None:
    BUDGET.used += units
    if BUDGET.used > WORK_LIMIT:
        raise FunctionError(f"the expression does more than {WORK_LIMIT} steps of work",
                            hint="simplify the nested loops (map, filter, range...) in this expression")
    BUDGET.input_used += units
    if BUDGET.input_used > BUDGET.input_limit:
        raise WorkBudgetExceeded(BUDGET.input_limit)


class FunctionError(Exception):
    """Raised by a function implementation; the evaluator adds the function name and position."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class FunctionSpec:
    """``mode``: ``eager`` (arguments evaluated first; any Unknown or Secret argument makes the result
    Unknown without calling ``impl``), ``keep`` (arguments evaluated, ``impl`` sees Unknown/Secret
    values and decides), ``lazy`` (``impl`` receives the compiled arguments and evaluates what it
    needs). ``impl(scope, args, name)``. Not changed once registered."""

    __slots__ = ("name", "impl", "min_args", "max_args", "mode")

    def __init__(self, name: str, impl: Callable[[Any, Any, str], Any], min_args: int, max_args: int | None,
                 mode: str = "eager") -> None:
        self.name = name
        self.impl = impl
        self.min_args = min_args
        self.max_args = max_args
        self.mode = mode


FUNCTIONS: dict[str, FunctionSpec] = {}


def _register(name: str, min_args: int, max_args: int | None = -1, mode: str = "eager") -> Callable:
    def decorate(impl: Callable) -> Callable:
        FUNCTIONS[name.lower()] = FunctionSpec(name, impl, min_args,
                                               min_args if max_args == -1 else max_args, mode)
        return impl

    return decorate


# ---------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------

def kind_of(value: Any) -> str:
    """How a value is named in error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, Lambda):
        return "a lambda"
    if isinstance(value, Unknown):
        return "an unknown value"
    if isinstance(value, Secret):
        return "a secure value"
    return type(value).__name__


_PLAIN_NAME = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*\Z")


def describe_accessor(key: Any) -> str:
    """``.name``, ``[0]`` or ``['odd name']``: how a property access reads in a reason."""
    if isinstance(key, str):
        if _PLAIN_NAME.match(key):
            return f".{key}"
        return "['" + key.replace("'", "''") + "']"
    return f"[{key}]"


def find_opaque(value: Any, depth: int = 0) -> Unknown | None:
    """The first Unknown (or the secret marker) anywhere inside a value, else None."""
    cls = value.__class__
    if cls is Unknown:
        return value
    if cls is Secret:
        return DERIVED_FROM_SECRET
    if depth > 200:
        return None
    if isinstance(value, dict):
        for item in value.values():
            found = find_opaque(item, depth + 1)
            if found is not None:
                return found
    elif isinstance(value, list):
        for item in value:
            found = find_opaque(item, depth + 1)
            if found is not None:
                return found
    return None


def _ordinal(position: int) -> str:
    return ("first", "second", "third", "fourth", "fifth")[position] if position < 5 else f"#{position + 1}"


def _want_str(args: Any, position: int) -> str:
    value = args[position]
    if value.__class__ is not str:
        raise FunctionError(f"the {_ordinal(position)} argument must be a string, got {kind_of(value)}")
    return value


def _want_int(args: Any, position: int) -> int:
    value = args[position]
    if value.__class__ is not int:
        raise FunctionError(f"the {_ordinal(position)} argument must be an integer, got {kind_of(value)}")
    return value


def _want_array(args: Any, position: int) -> list:
    value = args[position]
    if not isinstance(value, list):
        raise FunctionError(f"the {_ordinal(position)} argument must be an array, got {kind_of(value)}")
    return value


def _want_object(args: Any, position: int) -> dict:
    value = args[position]
    if not isinstance(value, dict):
        raise FunctionError(f"the {_ordinal(position)} argument must be an object, got {kind_of(value)}")
    return value


def _want_lambda(args: Any, position: int, parameters: int) -> Lambda:
    value = args[position]
    if not isinstance(value, Lambda):
        raise FunctionError(f"the {_ordinal(position)} argument must be a lambda, got {kind_of(value)}",
                            hint="write lambda('x', <expression using lambdaVariables('x')>)")
    if len(value.parameter_names) != parameters:
        raise FunctionError(f"the lambda must take {parameters} parameter(s), it takes "
                            f"{len(value.parameter_names)}")
    return value


def _bounded(value: Any) -> Any:
    spend(len(value) // 16)
    if len(value) > MAX_RESULT_SIZE:
        raise FunctionError(f"the result has {len(value)} elements or characters, more than the limit of "
                            f"{MAX_RESULT_SIZE}", hint="this template builds an unreasonably large value")
    return value


def _to_text(value: Any) -> str:
    """ARM's string conversion: booleans as .NET prints them, objects and arrays as compact JSON."""
    cls = value.__class__
    if cls is str:
        return value
    if cls is bool:
        return "True" if value else "False"
    if cls is int:
        return str(value)
    if value is None:
        return ""
    if cls is float:
        return repr(value) if value != int(value) else str(int(value))
    return to_json(value)


def to_json(value: Any) -> str:
    """Compact JSON as ARM writes it (``{"a":1}``)."""
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError, RecursionError) as exc:
        raise FunctionError(f"value cannot be written as JSON: {exc}") from None


def values_equal(a: Any, b: Any) -> bool:
    """Deep equality as ARM's equals(): strings case-sensitive, booleans are not integers."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a.__class__ is b.__class__ and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, str) or isinstance(b, str):
        return a.__class__ is b.__class__ and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(values_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        if len(a) != len(b):
            return False
        for key, item in a.items():
            if key not in b or not values_equal(item, b[key]):
                return False
        return True
    return a is None and b is None


def lookup(obj: dict, key: str, default: Any = None) -> Any:
    """Property of an object by name, exact first, then case-insensitively (ARM property names)."""
    found = obj.get(key, _MISSING)
    if found is not _MISSING:
        return found
    lowered = key.lower()
    for name, item in obj.items():
        if isinstance(name, str) and name.lower() == lowered:
            return item
    return default


_MISSING = object()


# ---------------------------------------------------------------------------------------------------
# Lambdas
# ---------------------------------------------------------------------------------------------------

class Lambda:
    """A ``lambda('x', ...)`` value: only valid as an argument of filter/map/reduce/sort/... (A plain
    class: a dataclass is built at import by compiling its generated methods, on every run.)"""

    __slots__ = ("parameter_names", "body", "scope")

    def __init__(self, parameter_names: tuple[str, ...], body: Callable[[Any], Any], scope: Any) -> None:
        self.parameter_names = parameter_names
        self.body = body
        self.scope = scope

    def __call__(self, *values: Any) -> Any:
        spend(1)
        return self.body(LambdaScope(self.scope, dict(zip(self.parameter_names, values))))


class LambdaScope:
    """The scope of a lambda body: its variables, and everything else from the enclosing scope."""

    def __init__(self, outer: Any, bindings: dict[str, Any]) -> None:
        self.outer = outer
        self.bindings = bindings
        self.context = outer.context

    def __getattr__(self, name: str) -> Any:
        return getattr(self.outer, name)

    def parameter(self, name: str) -> Any:
        return self.outer.parameter(name)

    def variable(self, name: str) -> Any:
        return self.outer.variable(name)

    def copy_index(self, loop: str | None) -> int:
        return self.outer.copy_index(loop)

    def user_function(self, namespace: str, name: str) -> Any:
        return self.outer.user_function(namespace, name)


@_register("lambda", 2, None, mode="lazy")
def _lambda(scope: Any, args: Any, name: str) -> Lambda:
    names = []
    for position, arg in enumerate(args[:-1]):
        value = arg(scope)
        if value.__class__ is not str:
            raise FunctionError(f"lambda parameter names must be strings, the {_ordinal(position)} is "
                                f"{kind_of(value)}")
        names.append(value)
    return Lambda(tuple(names), args[-1], scope)


@_register("lambdaVariables", 1)
def _lambda_variables(scope: Any, args: Any, name: str) -> Any:
    wanted = _want_str(args, 0)
    current = scope
    while isinstance(current, LambdaScope):
        bindings = current.bindings
        if wanted in bindings:
            return bindings[wanted]
        current = current.outer
    raise FunctionError(f"'{wanted}' is not a variable of an enclosing lambda",
                        hint="lambdaVariables() can only name a parameter of an enclosing lambda()")


def _call_lambda(fn: Lambda, *values: Any) -> Any:
    return fn(*values)


@_register("filter", 2)
def _filter(scope: Any, args: Any, name: str) -> Any:
    items = _want_array(args, 0)
    predicate = _want_lambda(args, 1, 1)
    kept = []
    for item in items:
        verdict = predicate(item)
        if verdict.__class__ in _OPAQUE:
            return _opaque(verdict)
        if verdict.__class__ is not bool:
            raise FunctionError(f"the lambda must return a boolean, it returned {kind_of(verdict)}")
        if verdict:
            kept.append(item)
    return kept


@_register("map", 2)
def _map(scope: Any, args: Any, name: str) -> Any:
    items = _want_array(args, 0)
    mapper = _want_lambda(args, 1, 1)
    return [mapper(item) for item in items]


@_register("mapValues", 2)
def _map_values(scope: Any, args: Any, name: str) -> Any:
    obj = _want_object(args, 0)
    mapper = _want_lambda(args, 1, 1)
    return {key: mapper(item) for key, item in obj.items()}


@_register("reduce", 3)
def _reduce(scope: Any, args: Any, name: str) -> Any:
    items = _want_array(args, 0)
    reducer = _want_lambda(args, 2, 2)
    accumulated = args[1]
    for item in items:
        accumulated = reducer(accumulated, item)
    return accumulated


class _OpaqueVerdict(Exception):
    def __init__(self, value: Unknown) -> None:
        self.value = value


@_register("sort", 2)
def _sort(scope: Any, args: Any, name: str) -> Any:
    items = _want_array(args, 0)
    before = _want_lambda(args, 1, 2)

    def verdict(a: Any, b: Any) -> bool:
        result = before(a, b)
        if result.__class__ in _OPAQUE:
            raise _OpaqueVerdict(_opaque(result))
        if result.__class__ is not bool:
            raise FunctionError(f"the lambda must return a boolean, it returned {kind_of(result)}")
        return result

    def compare(a: Any, b: Any) -> int:
        if verdict(a, b):
            return -1
        return 1 if verdict(b, a) else 0

    try:
        return sorted(items, key=functools.cmp_to_key(compare))
    except _OpaqueVerdict as opaque:
        return opaque.value


@_register("toObject", 2, 3)
def _to_object(scope: Any, args: Any, name: str) -> Any:
    items = _want_array(args, 0)
    key_of = _want_lambda(args, 1, 1)
    value_of = _want_lambda(args, 2, 1) if len(args) > 2 else None
    result: dict = {}
    for item in items:
        key = key_of(item)
        if key.__class__ in _OPAQUE:
            return _opaque(key)
        if key.__class__ is not str:
            raise FunctionError(f"the key lambda must return a string, it returned {kind_of(key)}")
        result[key] = value_of(item) if value_of is not None else item
    return result


@_register("groupBy", 2)
def _group_by(scope: Any, args: Any, name: str) -> Any:
    items = _want_array(args, 0)
    key_of = _want_lambda(args, 1, 1)
    result: dict = {}
    for item in items:
        key = key_of(item)
        if key.__class__ in _OPAQUE:
            return _opaque(key)
        if key.__class__ is not str:
            raise FunctionError(f"the key lambda must return a string, it returned {kind_of(key)}")
        result.setdefault(key, []).append(item)
    return result


_OPAQUE = frozenset((Unknown, Secret))


def _opaque(value: Any) -> Unknown:
    """An unknown or secret argument as the function's value: unknown, without the argument's identity."""
    if value.__class__ is Unknown:
        return value if value.symbol is None else Unknown(value.reason)
    return DERIVED_FROM_SECRET


# ---------------------------------------------------------------------------------------------------
# Deployment values
# ---------------------------------------------------------------------------------------------------

@_register("parameters", 1)
def _parameters(scope: Any, args: Any, name: str) -> Any:
    return scope.parameter(_want_str(args, 0))


@_register("variables", 1)
def _variables(scope: Any, args: Any, name: str) -> Any:
    return scope.variable(_want_str(args, 0))


@_register("copyIndex", 0, 2)
def _copy_index(scope: Any, args: Any, name: str) -> Any:
    loop: str | None = None
    offset = 0
    if len(args) == 2:
        loop = _want_str(args, 0)
        offset = _want_int(args, 1)
    elif len(args) == 1:
        if args[0].__class__ is str:
            loop = args[0]
        elif args[0].__class__ is int:
            offset = args[0]
        else:
            raise FunctionError(f"the argument must be a loop name or an integer offset, got {kind_of(args[0])}")
    index = scope.copy_index(loop)
    if index.__class__ is Unknown:  # the representative instance of a loop whose count is unknown
        if offset and index.symbol is not None and "~" in index.symbol:
            cut = index.symbol.rindex("~")
            return Unknown(index.reason, f"{index.symbol[:cut]}+{offset}{index.symbol[cut:]}")
        return index
    return index + offset


def _context(scope: Any) -> Any:
    return scope.context


@_register("resourceGroup", 0)
def _resource_group(scope: Any, args: Any, name: str) -> Any:
    ctx = _context(scope)
    if ctx.scope != "resourceGroup":
        raise FunctionError(f"resourceGroup() is not available in a {ctx.scope} deployment",
                            hint="use it only in templates deployed to a resource group")
    return {
        "id": f"/subscriptions/{ctx.subscription_id}/resourceGroups/{ctx.resource_group}",
        "name": ctx.resource_group,
        "type": "Microsoft.Resources/resourceGroups",
        "location": ctx.location,
        "tags": {},
        "properties": {"provisioningState": "Succeeded"},
    }


@_register("subscription", 0)
def _subscription(scope: Any, args: Any, name: str) -> Any:
    ctx = _context(scope)
    if ctx.scope in ("managementGroup", "tenant"):
        raise FunctionError(f"subscription() is not available in a {ctx.scope} deployment",
                            hint="use it only in templates deployed to a subscription or resource group")
    return {
        "id": f"/subscriptions/{ctx.subscription_id}",
        "subscriptionId": ctx.subscription_id,
        "tenantId": ctx.tenant_id,
        "displayName": Unknown("subscription().displayName is only known after deployment"),
    }


@_register("tenant", 0)
def _tenant(scope: Any, args: Any, name: str) -> Any:
    ctx = _context(scope)
    return {
        "id": f"/tenants/{ctx.tenant_id}",
        "tenantId": ctx.tenant_id,
        "countryCode": Unknown("tenant().countryCode is only known after deployment"),
        "displayName": Unknown("tenant().displayName is only known after deployment"),
    }


@_register("managementGroup", 0, 1)
def _management_group(scope: Any, args: Any, name: str) -> Any:
    ctx = _context(scope)
    group = _want_str(args, 0) if args else ctx.management_group
    return {
        "id": f"/providers/Microsoft.Management/managementGroups/{group}",
        "name": group,
        "type": "Microsoft.Management/managementGroups",
        "properties": {
            "tenantId": ctx.tenant_id,
            "displayName": Unknown("managementGroup().properties.displayName is only known after deployment"),
        },
    }


@_register("deployment", 0)
def _deployment(scope: Any, args: Any, name: str) -> Any:
    ctx = _context(scope)
    result: dict[str, Any] = {
        "name": ctx.deployment_name,
        "properties": {
            "templateLink": Unknown("deployment().properties.templateLink is only known when the template "
                                    "is deployed from a link"),
            "template": {"contentVersion": "1.0.0.0"},
            "templateHash": Unknown("deployment().properties.templateHash" + _AFTER_DEPLOYMENT),
            "parameters": {},
            "mode": "Incremental",
            "provisioningState": "Accepted",
        },
    }
    if ctx.scope != "resourceGroup":
        result["location"] = ctx.location
    return result


_AZURE_CLOUD = {
    "name": "AzureCloud",
    "gallery": "https://gallery.azure.com/",
    "graph": "https://graph.windows.net/",
    "portal": "https://portal.azure.com",
    "graphAudience": "https://graph.windows.net/",
    "activeDirectoryDataLake": "https://datalake.azure.net/",
    "batch": "https://batch.core.windows.net/",
    "media": "https://rest.media.azure.net",
    "sqlManagement": "https://management.core.windows.net:8443/",
    "vmImageAliasDoc": "https://raw.githubusercontent.com/Azure/azure-rest-api-specs/master/arm-compute/"
                       "quickstart-templates/aliases.json",
    "resourceManager": "https://management.azure.com/",
    "authentication": {
        "loginEndpoint": "https://login.microsoftonline.com/",
        "audiences": ["https://management.core.windows.net/", "https://management.azure.com/"],
        "tenant": "common",
        "identityProvider": "AAD",
    },
    "suffixes": {
        "acrLoginServer": ".azurecr.io",
        "azureDatalakeAnalyticsCatalogAndJob": "azuredatalakeanalytics.net",
        "azureDatalakeStoreFileSystem": "azuredatalakestore.net",
        "azureFrontDoorEndpointSuffix": "azurefd.net",
        "keyvaultDns": ".vault.azure.net",
        "sqlServerHostname": ".database.windows.net",
        "storage": "core.windows.net",
    },
}


@_register("environment", 0)
def _environment(scope: Any, args: Any, name: str) -> Any:
    return json.loads(json.dumps(_AZURE_CLOUD))  # a fresh copy: callers may build on it


# ---------------------------------------------------------------------------------------------------
# Values only known after deployment
# ---------------------------------------------------------------------------------------------------

def _describe_argument(value: Any) -> str:
    if value.__class__ is str:
        if value.startswith("/"):
            parsed = parse_resource_id(value)
            if parsed.get("name"):
                value = parsed["name"]
        return "'" + value.replace("'", "''") + "'"
    if value.__class__ in _OPAQUE:
        return "<unknown>"
    return _to_text(value) if not isinstance(value, (dict, list)) else "..."


@_register("reference", 1, 3, mode="keep")
def _reference(scope: Any, args: Any, name: str) -> Any:
    if getattr(scope, "in_user_function", False):
        raise FunctionError("reference() cannot be used in a user-defined function",
                            hint="pass the referenced value to the function as a parameter")
    target = args[0]
    outputs_of = getattr(scope, "deployment_outputs", None)
    if outputs_of is not None and isinstance(target, str):
        # A nested deployment of the same template: its outputs are known once it is expanded.
        lowered = target.lower()
        index = lowered.rfind(_DEPLOYMENTS_SEGMENT)
        deployment = target[index + len(_DEPLOYMENTS_SEGMENT):] if index >= 0 else (
            None if "/" in target else target)
        outputs = outputs_of(deployment) if deployment else None
        if isinstance(outputs, dict):
            return PartlyKnown({"outputs": outputs}, f"reference({_describe_argument(target)})")
    estate = getattr(getattr(scope, "context", None), "known_resources", None)
    if estate and isinstance(target, str) and not target.startswith("/"):
        existing = getattr(scope, "existing_resource_id", None)
        target_id = existing(target) if existing is not None else None
    else:
        target_id = target
    known = estate.get(normalise_id(target_id)) if estate and isinstance(target_id, str) \
        and target_id.startswith("/") else None
    if known is not None:
        # A resource of the live estate given as context (scan --context): its state before this deployment.
        full = len(args) > 2 and isinstance(args[2], str) and args[2].lower() == "full"
        value = known if full else known.get("properties")
        if isinstance(value, dict):
            described = f"reference({_describe_argument(target)})"
            return _copy(value, described if full else f"{described}.properties")
    return Unknown(f"reference({_describe_argument(target)}){_AFTER_DEPLOYMENT}")


def _copy(value: Any, reference: str) -> Any:
    """A copy of a context body that expressions may build on without changing the context; every
    object in it is :class:`PartlyKnown`, so a member the context does not hold is unknown, not an error."""
    if isinstance(value, dict):
        return PartlyKnown({key: _copy(item, f"{reference}.{key}") for key, item in value.items()}, reference)
    if isinstance(value, list):
        return [_copy(item, f"{reference}[{index}]") for index, item in enumerate(value)]
    return value


def _list_function(scope: Any, args: Any, name: str) -> Any:
    if getattr(scope, "in_user_function", False):
        raise FunctionError(f"{name}() cannot be used in a user-defined function",
                            hint="pass the value to the function as a parameter")
    return Unknown(f"{name}({_describe_argument(args[0])}){_AFTER_DEPLOYMENT}")


#: listKeys(), listSecrets(), list...(): every function whose name starts with "list".
LIST_FUNCTION = FunctionSpec("list*", _list_function, 1, 3, "keep")


@_register("newGuid", 0)
def _new_guid(scope: Any, args: Any, name: str) -> Any:
    return Unknown("newGuid() is a new value at each deployment")


@_register("utcNow", 0, 1, mode="keep")
def _utc_now(scope: Any, args: Any, name: str) -> Any:
    return Unknown("utcNow() is the time of the deployment")


@_register("pickZones", 3, 5, mode="keep")
def _pick_zones(scope: Any, args: Any, name: str) -> Any:
    return Unknown("pickZones() depends on region data known only at deployment")


def _not_evaluated(scope: Any, args: Any, name: str) -> Any:
    return Unknown(f"{name}() is not evaluated by hybrid-check")


# Real ARM functions whose result this checker does not compute (dates, provider metadata).
for _label, _fewest, _most in (("dateTimeAdd", 2, 3), ("dateTimeFromEpoch", 1, 1), ("dateTimeToEpoch", 1, 1),
                               ("providers", 1, 2)):
    FUNCTIONS[_label.lower()] = FunctionSpec(_label, _not_evaluated, _fewest, _most, "keep")


# ---------------------------------------------------------------------------------------------------
# Logical and comparison
# ---------------------------------------------------------------------------------------------------

@_register("if", 3, mode="lazy")
def _if(scope: Any, args: Any, name: str) -> Any:
    condition = args[0](scope)
    if condition.__class__ in _OPAQUE:
        # Either branch may be the value: not the condition's identity.
        return _opaque(condition)
    if condition.__class__ is not bool:
        raise FunctionError(f"the condition must be a boolean, got {kind_of(condition)}",
                            hint="compare values with equals(), less(), ... or convert with bool()")
    return args[1](scope) if condition else args[2](scope)


@_register("coalesce", 1, None, mode="lazy")
def _coalesce(scope: Any, args: Any, name: str) -> Any:
    for arg in args:
        value = arg(scope)
        if value is None:
            continue
        # An Unknown might be null: the first non-null cannot be decided.
        return value
    return None


def _logical(args: Any, decisive: bool) -> Any:
    opaque = None
    for position, value in enumerate(args):
        if value.__class__ in _OPAQUE:
            opaque = opaque or _opaque(value)
            continue
        if value.__class__ is not bool:
            raise FunctionError(f"the {_ordinal(position)} argument must be a boolean, got {kind_of(value)}")
        if value is decisive:
            return decisive
    return opaque if opaque is not None else not decisive


@_register("and", 1, None, mode="keep")
def _and(scope: Any, args: Any, name: str) -> Any:
    return _logical(args, False)


@_register("or", 1, None, mode="keep")
def _or(scope: Any, args: Any, name: str) -> Any:
    return _logical(args, True)


@_register("not", 1)
def _not(scope: Any, args: Any, name: str) -> Any:
    value = args[0]
    if value.__class__ is not bool:
        raise FunctionError(f"the argument must be a boolean, got {kind_of(value)}")
    return not value


@_register("true", 0)
def _true(scope: Any, args: Any, name: str) -> Any:
    return True


@_register("false", 0)
def _false(scope: Any, args: Any, name: str) -> Any:
    return False


@_register("null", 0)
def _null(scope: Any, args: Any, name: str) -> Any:
    return None


@_register("equals", 2, mode="keep")
def _equals(scope: Any, args: Any, name: str) -> Any:
    for value in args:
        opaque = find_opaque(value)
        if opaque is not None:
            return opaque
    return values_equal(args[0], args[1])


def _compare(args: Any) -> int:
    a, b = args
    numeric = (int, float)
    if isinstance(a, numeric) and isinstance(b, numeric) and not isinstance(a, bool) and not isinstance(b, bool):
        return (a > b) - (a < b)
    if a.__class__ is str and b.__class__ is str:
        return (a > b) - (a < b)  # ordinal, as ARM compares strings
    raise FunctionError(f"can only compare two integers or two strings, got {kind_of(a)} and {kind_of(b)}")


@_register("less", 2)
def _less(scope: Any, args: Any, name: str) -> Any:
    return _compare(args) < 0


@_register("lessOrEquals", 2)
def _less_or_equals(scope: Any, args: Any, name: str) -> Any:
    return _compare(args) <= 0


@_register("greater", 2)
def _greater(scope: Any, args: Any, name: str) -> Any:
    return _compare(args) > 0


@_register("greaterOrEquals", 2)
def _greater_or_equals(scope: Any, args: Any, name: str) -> Any:
    return _compare(args) >= 0


# ---------------------------------------------------------------------------------------------------
# Conversions
# ---------------------------------------------------------------------------------------------------

def _tree_size(value: Any, limit: int = MAX_RESULT_SIZE) -> int:
    """Size of an object or array counted as a tree (what walking or printing it costs), computed
    in time linear in its memory: a value built by doubling shares its parts, so its tree can be
    exponentially larger than what a walk over distinct parts sees. Stops counting past ``limit``."""
    sizes: dict[int, int] = {}
    stack: list[tuple[Any, bool]] = [(value, False)]
    while stack:
        node, ready = stack.pop()
        if id(node) in sizes:
            continue
        items = list(node.values()) if isinstance(node, dict) else list(node)
        if not ready:
            stack.append((node, True))
            stack.extend((item, False) for item in items if isinstance(item, (dict, list)) and id(item) not in sizes)
            continue
        size = 1 + sum(sizes.get(id(item), 1) if isinstance(item, (dict, list)) else 1 for item in items)
        sizes[id(node)] = min(size, limit + 1)
    return sizes[id(value)]


@_register("string", 1)
def _string(scope: Any, args: Any, name: str) -> Any:
    value = args[0]
    if isinstance(value, (dict, list)):
        if _tree_size(value) > MAX_RESULT_SIZE:
            raise FunctionError(f"the value is larger than {MAX_RESULT_SIZE} elements once written out",
                                hint="this template builds an unreasonably large value")
        opaque = find_opaque(value)
        if opaque is not None:
            return opaque
    if isinstance(value, Lambda):
        raise FunctionError("a lambda cannot be converted to a string")
    return _bounded(_to_text(value))


@functools.cache
def _int_text() -> re.Pattern[str]:  # compiled on first use (a rare path)
    return re.compile(r"\s*[+-]?[0-9]+\s*\Z")


@_register("int", 1)
def _int(scope: Any, args: Any, name: str) -> Any:
    value = args[0]
    if value.__class__ is int:
        return value
    if value.__class__ is float and math.isfinite(value):
        return _checked(int(value))
    if value.__class__ is str and _int_text().match(value):
        number = int(value)
        if -(2 ** 63) <= number < 2 ** 63:
            return number
    raise FunctionError(f"cannot convert {kind_of(value)} {_preview(value)} to an integer")


@_register("float", 1)
def _float(scope: Any, args: Any, name: str) -> Any:
    value = args[0]
    if value.__class__ in (int, float):
        return float(value)
    if value.__class__ is str:
        try:
            return float(value)
        except ValueError:
            pass
    raise FunctionError(f"cannot convert {kind_of(value)} {_preview(value)} to a number")


@_register("bool", 1)
def _bool(scope: Any, args: Any, name: str) -> Any:
    value = args[0]
    if value.__class__ is bool:
        return value
    if value.__class__ is int:
        return value != 0
    if value.__class__ is str and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise FunctionError(f"cannot convert {kind_of(value)} {_preview(value)} to a boolean",
                        hint="use 'true' or 'false', or an integer")


def _preview(value: Any) -> str:
    if isinstance(value, str):
        return repr(value[:40] + ("..." if len(value) > 40 else ""))
    return ""


def _not_json_number(token: str) -> Any:
    raise ValueError(f"{token} is not a JSON number")


def _finite_float(token: str) -> float:
    value = float(token)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"the number {token[:40]} is outside JSON's finite range")
    return value


@_register("json", 1)
def _json(scope: Any, args: Any, name: str) -> Any:
    text = _want_str(args, 0)
    try:
        return json.loads(text, parse_constant=_not_json_number, parse_float=_finite_float)
    except (ValueError, RecursionError) as exc:
        raise FunctionError(f"the argument is not valid JSON: {exc}",
                            hint="pass a JSON text, e.g. json('{\"a\": 1}')") from None


@_register("array", 1)
def _array(scope: Any, args: Any, name: str) -> Any:
    value = args[0]
    return list(value) if isinstance(value, list) else [value]


@_register("createArray", 0, None, mode="keep")
def _create_array(scope: Any, args: Any, name: str) -> Any:
    return list(args)


@_register("createObject", 0, None, mode="keep")
def _create_object(scope: Any, args: Any, name: str) -> Any:
    if len(args) % 2:
        raise FunctionError(f"needs an even number of arguments (key, value pairs), got {len(args)}")
    result: dict[str, Any] = {}
    for index in range(0, len(args), 2):
        key = args[index]
        if key.__class__ in _OPAQUE:
            return _opaque(key)
        if key.__class__ is not str:
            raise FunctionError(f"property names must be strings, argument {index + 1} is {kind_of(key)}")
        result[key] = args[index + 1]
    return result


@_register("base64", 1)
def _base64(scope: Any, args: Any, name: str) -> Any:
    import base64  # imported by the few templates that use it

    return base64.b64encode(_want_str(args, 0).encode("utf-8")).decode("ascii")


def _decode_base64(text: str) -> str:
    import base64

    try:
        return base64.b64decode(text, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        raise FunctionError("the argument is not valid base64-encoded UTF-8 text") from None


@_register("base64ToString", 1)
def _base64_to_string(scope: Any, args: Any, name: str) -> Any:
    return _decode_base64(_want_str(args, 0))


@_register("base64ToJson", 1)
def _base64_to_json(scope: Any, args: Any, name: str) -> Any:
    return _json(scope, (_decode_base64(_want_str(args, 0)),), name)


@_register("uriComponent", 1)
def _uri_component(scope: Any, args: Any, name: str) -> Any:
    from urllib.parse import quote  # the URI functions are rare: urllib.parse is imported by the first

    return quote(_want_str(args, 0), safe="-_.~")


@_register("uriComponentToString", 1)
def _uri_component_to_string(scope: Any, args: Any, name: str) -> Any:
    from urllib.parse import unquote

    return unquote(_want_str(args, 0))


@_register("dataUri", 1)
def _data_uri(scope: Any, args: Any, name: str) -> Any:
    import base64

    encoded = base64.b64encode(_to_text(args[0]).encode("utf-8")).decode("ascii")
    return f"data:text/plain;charset=utf8;base64,{encoded}"


@_register("dataUriToString", 1)
def _data_uri_to_string(scope: Any, args: Any, name: str) -> Any:
    text = _want_str(args, 0)
    if not text.startswith("data:") or "," not in text:
        raise FunctionError("the argument is not a data URI", hint="pass a value like data:;base64,SGVsbG8=")
    header, payload = text[5:].split(",", 1)
    if header.endswith(";base64"):
        return _decode_base64(payload)
    from urllib.parse import unquote

    return unquote(payload)


@_register("uri", 2)
def _uri(scope: Any, args: Any, name: str) -> Any:
    from urllib.parse import urljoin, urlsplit

    base, relative = _want_str(args, 0), _want_str(args, 1)
    try:
        parts = urlsplit(base)
        if parts.scheme and parts.netloc:
            return urljoin(base, relative)
    except ValueError:
        pass
    raise FunctionError(f"the base URI {base[:80]!r} is not an absolute URI",
                        hint="pass an absolute URI such as https://example.com/path/")


# ---------------------------------------------------------------------------------------------------
# Strings and arrays
# ---------------------------------------------------------------------------------------------------

@_register("concat", 1, None)
def _concat(scope: Any, args: Any, name: str) -> Any:
    if any(isinstance(value, list) for value in args):
        result: list = []
        for position, value in enumerate(args):
            if value is None:
                continue
            if not isinstance(value, list):
                raise FunctionError(f"cannot concatenate arrays with {kind_of(value)} (the "
                                    f"{_ordinal(position)} argument)",
                                    hint="concatenate either only arrays or only strings")
            result.extend(value)
        return _bounded(result)
    pieces = []
    for position, value in enumerate(args):
        if isinstance(value, (dict, Lambda)):
            raise FunctionError(f"cannot concatenate {kind_of(value)} (the {_ordinal(position)} argument)",
                                hint="convert it with string() first")
        pieces.append(_to_text(value))
    return _bounded("".join(pieces))


@_register("format", 1, None)
def _format(scope: Any, args: Any, name: str) -> Any:
    return _bounded(dotnet_format(_want_str(args, 0), list(args[1:])))


_FORMAT_ITEM = re.compile(r"\{(\d+)\s*(?:,\s*(-?\d+))?\s*(?::([^{}]*))?\}")


def dotnet_format(template: str, values: list) -> str:
    """.NET composite formatting: ``{0}``, ``{0,5}``, ``{0:D3}``, ``{0:N2}``, ``{{``/``}}``."""
    parts, problem = _format_parts(template)
    out: list[str] = []
    for part in parts:
        if part.__class__ is str:
            out.append(part)
            continue
        index, width, spec = part
        if index.__class__ is str:  # more digits than an index has: int() says why
            index = int(index)
        if index >= len(values):
            raise FunctionError(f"format item {{{index}}} has no argument ({len(values)} given)",
                                hint="pass one argument per format item")
        text = _format_value(values[index], spec)
        if width is not None:
            width = int(width)
            if abs(width) > 10_000:
                raise FunctionError(f"alignment {width} is too large")
            text = text.rjust(width) if width > 0 else text.ljust(-width)
        out.append(text)
    if problem is not None:
        raise FunctionError(problem[0], hint=problem[1])
    return "".join(out)


@functools.lru_cache(maxsize=4096)
def _format_parts(template: str) -> tuple[tuple[Any, ...], tuple[str, str] | None]:
    """A format string read once: its literal text and its items ``(index, alignment, format)``, up to
    the first mistake, which is given as (message, hint) to be raised when formatting reaches it (so
    that an item before it without an argument is reported first, as a left-to-right reading does)."""
    parts: list[Any] = []
    pos, end = 0, len(template)
    while pos < end:
        char = template[pos]
        if char == "{":
            if template.startswith("{{", pos):
                parts.append("{")
                pos += 2
                continue
            match = _FORMAT_ITEM.match(template, pos)
            if match is None:
                return tuple(parts), (f"invalid format item at position {pos} in {template!r}",
                                      "write {0}, {0:D3}..., and {{ or }} for braces")
            digits = match.group(1)
            parts.append((int(digits) if len(digits) < 20 else digits, match.group(2) or None, match.group(3)))
            pos = match.end()
        elif char == "}":
            if template.startswith("}}", pos):
                parts.append("}")
                pos += 2
                continue
            return tuple(parts), (f"unmatched '}}' at position {pos} in {template!r}",
                                  "write }} for a literal brace")
        else:
            next_brace = min((i for i in (template.find("{", pos), template.find("}", pos)) if i >= 0),
                             default=end)
            parts.append(template[pos:next_brace])
            pos = next_brace
    return tuple(parts), None


@functools.cache
def _standard_spec() -> re.Pattern[str]:  # compiled on first use (a rare path)
    return re.compile(r"([A-Za-z])(\d{0,2})\Z")


def _format_value(value: Any, spec: str | None) -> str:
    if not spec:
        if isinstance(value, Lambda):
            raise FunctionError("a lambda cannot be formatted")
        return _to_text(value)
    if value.__class__ not in (int, float):
        # .NET ignores numeric format strings for non-numbers.
        return _to_text(value)
    match = _standard_spec().match(spec)
    if match is None:
        if set(spec) <= {"0", "#"} and value.__class__ is int:
            # A custom zero-padding pattern such as "000".
            digits = str(abs(value)).rjust(spec.count("0"), "0")
            return ("-" if value < 0 else "") + digits
        raise FunctionError(f"format string '{spec}' is not supported",
                            hint="use D, N, F, X, G or P with an optional precision, e.g. D3")
    letter, digits = match.group(1), match.group(2)
    precision = int(digits) if digits else None
    kind = letter.upper()
    if kind == "D":
        if value.__class__ is not int:
            raise FunctionError("format 'D' needs an integer")
        body = str(abs(value)).rjust(precision or 0, "0")
        return ("-" if value < 0 else "") + body
    if kind == "N":
        return f"{value:,.{2 if precision is None else precision}f}"
    if kind == "F":
        return f"{value:.{2 if precision is None else precision}f}"
    if kind == "P":
        return f"{value * 100:,.{2 if precision is None else precision}f} %"
    if kind == "X":
        if value.__class__ is not int:
            raise FunctionError("format 'X' needs an integer")
        text = format(value if value >= 0 else value & 0xFFFFFFFFFFFFFFFF, "x").rjust(precision or 0, "0")
        return text.upper() if letter == "X" else text
    if kind == "G":
        return _to_text(value)
    if kind == "E":
        text = f"{value:.{6 if precision is None else precision}e}"
        mantissa, exponent = text.split("e")
        sign = exponent[0]
        return f"{mantissa}{'E' if letter == 'E' else 'e'}{sign}{exponent[1:].rjust(3, '0')}"
    raise FunctionError(f"format string '{spec}' is not supported",
                        hint="use D, N, F, X, G or P with an optional precision, e.g. D3")


@_register("toLower", 1)
def _to_lower(scope: Any, args: Any, name: str) -> Any:
    return _want_str(args, 0).lower()


@_register("toUpper", 1)
def _to_upper(scope: Any, args: Any, name: str) -> Any:
    return _want_str(args, 0).upper()


@_register("trim", 1)
def _trim(scope: Any, args: Any, name: str) -> Any:
    return _want_str(args, 0).strip()


@_register("replace", 3)
def _replace(scope: Any, args: Any, name: str) -> Any:
    text, old, new = _want_str(args, 0), _want_str(args, 1), _want_str(args, 2)
    if not old:
        raise FunctionError("the string to replace must not be empty")
    count = text.count(old)
    if len(text) + count * (len(new) - len(old)) > MAX_RESULT_SIZE:
        raise FunctionError(f"the result would be longer than {MAX_RESULT_SIZE} characters")
    return text.replace(old, new)


@_register("split", 2)
def _split(scope: Any, args: Any, name: str) -> Any:
    text = _want_str(args, 0)
    delimiter = args[1]
    if delimiter.__class__ is str:
        delimiters = [delimiter]
    elif isinstance(delimiter, list) and all(item.__class__ is str for item in delimiter):
        delimiters = delimiter
    else:
        raise FunctionError(f"the delimiter must be a string or an array of strings, got {kind_of(delimiter)}")
    delimiters = [item for item in delimiters if item]
    if not delimiters:
        return [text]
    if len(delimiters) == 1:
        return text.split(delimiters[0])
    return re.split("|".join(re.escape(item) for item in delimiters), text)


@_register("join", 2)
def _join(scope: Any, args: Any, name: str) -> Any:
    items = _want_array(args, 0)
    delimiter = _want_str(args, 1)
    pieces = []
    for item in items:
        if item.__class__ in _OPAQUE:
            return _opaque(item)
        if isinstance(item, (dict, list, Lambda)):
            raise FunctionError(f"can only join strings, integers and booleans, found {kind_of(item)}")
        pieces.append(_to_text(item))
    return _bounded(delimiter.join(pieces))


@_register("padLeft", 2, 3)
def _pad_left(scope: Any, args: Any, name: str) -> Any:
    value = args[0]
    if value.__class__ is int:
        value = str(value)
    elif value.__class__ is not str:
        raise FunctionError(f"the value to pad must be a string or an integer, got {kind_of(value)}")
    total = _want_int(args, 1)
    padding = _want_str(args, 2) if len(args) > 2 else " "
    if len(padding) != 1:
        raise FunctionError(f"the padding must be a single character, got {padding!r}")
    if total > 16_384:
        raise FunctionError(f"total length {total} is larger than the limit of 16384")
    return value.rjust(total, padding)


@_register("substring", 2, 3)
def _substring(scope: Any, args: Any, name: str) -> Any:
    text = _want_str(args, 0)
    start = _want_int(args, 1)
    length = _want_int(args, 2) if len(args) > 2 else len(text) - start
    if start < 0 or length < 0 or start + length > len(text):
        raise FunctionError(f"the start index and length must refer to a location within the string: "
                            f"start index {start}, length {length}, string length {len(text)}",
                            hint="keep startIndex >= 0 and startIndex + length <= length(string)")
    return text[start:start + length]


@_register("startsWith", 2)
def _starts_with(scope: Any, args: Any, name: str) -> Any:
    return _want_str(args, 0).lower().startswith(_want_str(args, 1).lower())


@_register("endsWith", 2)
def _ends_with(scope: Any, args: Any, name: str) -> Any:
    return _want_str(args, 0).lower().endswith(_want_str(args, 1).lower())


def _search_index(args: Any, last: bool) -> Any:
    container, item = args
    if container.__class__ is str:
        if item.__class__ is not str:
            raise FunctionError(f"the value to find in a string must be a string, got {kind_of(item)}")
        haystack, needle = container.lower(), item.lower()
        return haystack.rfind(needle) if last else haystack.find(needle)
    if isinstance(container, list):
        positions = range(len(container) - 1, -1, -1) if last else range(len(container))
        opaque = None
        for position in positions:
            element = container[position]
            found = find_opaque(element)
            if found is not None:
                opaque = opaque or found
                continue
            if values_equal(element, item):
                return position if opaque is None else opaque
        return opaque if opaque is not None else -1
    raise FunctionError(f"the first argument must be a string or an array, got {kind_of(container)}")


@_register("indexOf", 2)
def _index_of(scope: Any, args: Any, name: str) -> Any:
    return _search_index(args, last=False)


@_register("lastIndexOf", 2)
def _last_index_of(scope: Any, args: Any, name: str) -> Any:
    return _search_index(args, last=True)


@_register("length", 1)
def _length(scope: Any, args: Any, name: str) -> Any:
    value = args[0]
    if isinstance(value, (str, list, dict)):
        return len(value)
    raise FunctionError(f"the argument must be a string, an array or an object, got {kind_of(value)}")


@_register("empty", 1)
def _empty(scope: Any, args: Any, name: str) -> Any:
    value = args[0]
    if value is None:
        return True
    if isinstance(value, (str, list, dict)):
        return len(value) == 0
    raise FunctionError(f"the argument must be a string, an array, an object or null, got {kind_of(value)}")


@_register("contains", 2)
def _contains(scope: Any, args: Any, name: str) -> Any:
    container, item = args
    if container.__class__ is str:
        if item.__class__ is int:
            item = str(item)
        if item.__class__ is not str:
            raise FunctionError(f"the value to find in a string must be a string, got {kind_of(item)}")
        return item in container
    if isinstance(container, dict):
        if item.__class__ is not str:
            raise FunctionError(f"the key to find in an object must be a string, got {kind_of(item)}")
        return lookup(container, item, _MISSING) is not _MISSING
    if isinstance(container, list):
        opaque = None
        for element in container:
            found = find_opaque(element)
            if found is not None:
                opaque = opaque or found
            elif values_equal(element, item):
                return True
        return opaque if opaque is not None else False
    raise FunctionError(f"the first argument must be a string, an array or an object, got {kind_of(container)}")


@_register("first", 1)
def _first(scope: Any, args: Any, name: str) -> Any:
    value = args[0]
    if value.__class__ is str:
        return value[:1]
    if isinstance(value, list):
        return value[0] if value else None
    raise FunctionError(f"the argument must be a string or an array, got {kind_of(value)}")


@_register("last", 1)
def _last(scope: Any, args: Any, name: str) -> Any:
    value = args[0]
    if value.__class__ is str:
        return value[-1:]
    if isinstance(value, list):
        return value[-1] if value else None
    raise FunctionError(f"the argument must be a string or an array, got {kind_of(value)}")


@_register("take", 2)
def _take(scope: Any, args: Any, name: str) -> Any:
    value, count = args[0], _want_int(args, 1)
    if value is None:
        return None
    if value.__class__ is str or isinstance(value, list):
        return value[: max(count, 0)]
    raise FunctionError(f"the first argument must be a string or an array, got {kind_of(value)}")


@_register("skip", 2)
def _skip(scope: Any, args: Any, name: str) -> Any:
    value, count = args[0], _want_int(args, 1)
    if value is None:
        return None
    if value.__class__ is str or isinstance(value, list):
        return value[max(count, 0):]
    raise FunctionError(f"the first argument must be a string or an array, got {kind_of(value)}")


@_register("range", 2)
def _range(scope: Any, args: Any, name: str) -> Any:
    start, count = _want_int(args, 0), _want_int(args, 1)
    if count < 0 or count > 10_000:
        raise FunctionError(f"the count must be between 0 and 10000, got {count}")
    if start + count > 2_147_483_647:
        raise FunctionError("the sum of start index and count must be at most 2147483647")
    spend(count)
    return list(range(start, start + count))


def _numbers(args: Any) -> list:
    values = args[0] if len(args) == 1 and isinstance(args[0], list) else list(args)
    if not values:
        raise FunctionError("needs at least one value")
    for value in values:
        if value.__class__ in _OPAQUE:
            raise _OpaqueResult(_opaque(value))
        if value.__class__ not in (int, float):
            raise FunctionError(f"can only compare integers, got {kind_of(value)}")
    return values


class _OpaqueResult(Exception):
    def __init__(self, value: Unknown) -> None:
        self.value = value


@_register("min", 1, None)
def _min(scope: Any, args: Any, name: str) -> Any:
    try:
        return min(_numbers(args))
    except _OpaqueResult as opaque:
        return opaque.value


@_register("max", 1, None)
def _max(scope: Any, args: Any, name: str) -> Any:
    try:
        return max(_numbers(args))
    except _OpaqueResult as opaque:
        return opaque.value


def _int_pair(args: Any) -> tuple[Any, Any]:
    a, b = args
    if a.__class__ not in (int, float) or b.__class__ not in (int, float):
        raise FunctionError(f"both arguments must be integers, got {kind_of(a)} and {kind_of(b)}")
    return a, b


def _checked(value: Any) -> Any:
    if value.__class__ is int and not -(2 ** 63) <= value < 2 ** 63:
        raise FunctionError("the result does not fit in a 64-bit integer")
    return value


@_register("add", 2)
def _add(scope: Any, args: Any, name: str) -> Any:
    a, b = _int_pair(args)
    return _checked(a + b)


@_register("sub", 2)
def _sub(scope: Any, args: Any, name: str) -> Any:
    a, b = _int_pair(args)
    return _checked(a - b)


@_register("mul", 2)
def _mul(scope: Any, args: Any, name: str) -> Any:
    a, b = _int_pair(args)
    return _checked(a * b)


@_register("div", 2)
def _div(scope: Any, args: Any, name: str) -> Any:
    a, b = _int_pair(args)
    if b == 0:
        raise FunctionError("division by zero", hint="make sure the divisor is not 0")
    if a.__class__ is int and b.__class__ is int:
        quotient = abs(a) // abs(b)
        return _checked(quotient if (a >= 0) == (b >= 0) else -quotient)  # truncates toward zero
    return a / b


@_register("mod", 2)
def _mod(scope: Any, args: Any, name: str) -> Any:
    a, b = _int_pair(args)
    if b == 0:
        raise FunctionError("division by zero", hint="make sure the divisor is not 0")
    if a.__class__ is int and b.__class__ is int:
        remainder = abs(a) % abs(b)
        return remainder if a >= 0 else -remainder  # sign of the dividend, as in C#
    return math.fmod(a, b)


# ---------------------------------------------------------------------------------------------------
# Objects and sets
# ---------------------------------------------------------------------------------------------------

def _deep_merge(base: dict, extra: dict) -> dict:
    """``extra`` merged into a copy of ``base``: nested objects merge, anything else is replaced.
    Property names match case-insensitively; the first spelling and position are kept."""
    merged = dict(base)
    spelling = {str(key).lower(): key for key in merged}
    spend(len(extra))
    for key, value in extra.items():
        existing_key = spelling.get(str(key).lower(), _MISSING)
        if existing_key is _MISSING:
            spelling[str(key).lower()] = key
            merged[key] = value
            continue
        existing = merged[existing_key]
        if isinstance(existing, dict) and isinstance(value, dict):
            merged[existing_key] = _deep_merge(existing, value)
        else:
            merged[existing_key] = value
    return merged


def _same_kind(args: Any) -> str:
    if all(isinstance(value, list) for value in args):
        return "array"
    if all(isinstance(value, dict) for value in args):
        return "object"
    kinds = ", ".join(sorted({kind_of(value) for value in args}))
    raise FunctionError(f"all arguments must be arrays or all must be objects, got {kinds}")


def _identity(value: Any) -> Any:
    """A hashable key equal for values that values_equal() finds equal, for scalars; None otherwise."""
    if value is None or value.__class__ in (str, int, bool, float):
        return (value.__class__ is bool, value)
    return None


class _Distinct:
    """The distinct values seen so far: scalars by hash, objects and arrays by deep comparison."""

    def __init__(self) -> None:
        self.scalars: set = set()
        self.others: list = []

    def add(self, value: Any) -> bool:
        """Remember ``value``; False when an equal value was already there."""
        key = _identity(value)
        if key is not None:
            if key in self.scalars:
                return False
            self.scalars.add(key)
            return True
        if value.__class__ not in _OPAQUE and any(values_equal(value, seen) for seen in self.others):
            return False
        spend(len(self.others))
        self.others.append(value)
        return True

    def __contains__(self, value: Any) -> bool:
        key = _identity(value)
        if key is not None:
            return key in self.scalars
        return any(values_equal(value, seen) for seen in self.others)


@_register("union", 1, None)
def _union(scope: Any, args: Any, name: str) -> Any:
    if _same_kind(args) == "object":
        merged: dict = {}
        for value in args:
            merged = _deep_merge(merged, value)
        return merged
    distinct = _Distinct()
    result = [item for value in args for item in value if distinct.add(item)]
    return _bounded(result)


@_register("intersection", 2, None)
def _intersection(scope: Any, args: Any, name: str) -> Any:
    if _same_kind(args) == "object":
        first, rest = args[0], args[1:]
        return {key: value for key, value in first.items()
                if all(key in other and values_equal(other[key], value) for other in rest)}
    others = []
    for value in args[1:]:
        seen = _Distinct()
        for item in value:
            seen.add(item)
        others.append(seen)
    distinct = _Distinct()
    return [item for item in args[0] if all(item in seen for seen in others) and distinct.add(item)]


@_register("items", 1)
def _items(scope: Any, args: Any, name: str) -> Any:
    obj = _want_object(args, 0)
    return [{"key": key, "value": obj[key]} for key in sorted(obj, key=lambda k: (str(k).lower(), str(k)))]


@_register("objectKeys", 1)
def _object_keys(scope: Any, args: Any, name: str) -> Any:
    return list(_want_object(args, 0))


@_register("shallowMerge", 1)
def _shallow_merge(scope: Any, args: Any, name: str) -> Any:
    merged: dict = {}
    for item in _want_array(args, 0):
        if item.__class__ in _OPAQUE:
            return _opaque(item)
        if not isinstance(item, dict):
            raise FunctionError(f"the array must hold objects only, found {kind_of(item)}")
        merged.update(item)
    return merged


@_register("flatten", 1)
def _flatten(scope: Any, args: Any, name: str) -> Any:
    result: list = []
    for item in _want_array(args, 0):
        if item.__class__ in _OPAQUE:
            return _opaque(item)
        if not isinstance(item, list):
            raise FunctionError(f"the array must hold arrays only, found {kind_of(item)}")
        result.extend(item)
    return _bounded(result)


@_register("tryGet", 2, None)
def _try_get(scope: Any, args: Any, name: str) -> Any:
    current = args[0]
    for key in args[1:]:
        if current is None:
            return None
        if isinstance(current, dict):
            if key.__class__ is not str:
                raise FunctionError(f"an object key must be a string, got {kind_of(key)}")
            current = lookup(current, key)
        elif isinstance(current, list):
            if key.__class__ is not int:
                raise FunctionError(f"an array index must be an integer, got {kind_of(key)}")
            current = current[key] if 0 <= key < len(current) else None
        elif current.__class__ in _OPAQUE:
            return _opaque(current)
        else:
            raise FunctionError(f"cannot look up a key in {kind_of(current)}")
    return current


def _from_end(args: Any, missing_ok: bool) -> Any:
    items = _want_array(args, 0)
    position = _want_int(args, 1)
    if 1 <= position <= len(items):
        return items[len(items) - position]
    if missing_ok:
        return None
    raise FunctionError(f"index {position} from the end is out of range for an array of length {len(items)}",
                        hint="1 is the last element; use tryIndexFromEnd() when the element may be missing")


@_register("indexFromEnd", 2)
def _index_from_end(scope: Any, args: Any, name: str) -> Any:
    return _from_end(args, missing_ok=False)


@_register("tryIndexFromEnd", 2)
def _try_index_from_end(scope: Any, args: Any, name: str) -> Any:
    return _from_end(args, missing_ok=True)


# ---------------------------------------------------------------------------------------------------
# Identifiers and hashes
# ---------------------------------------------------------------------------------------------------

def _joined_strings(args: Any) -> str:
    for position in range(len(args)):
        _want_str(args, position)
    return "-".join(args)


_MASK32 = 0xFFFFFFFF


def _rotl32(value: int, bits: int) -> int:
    return ((value << bits) | (value >> (32 - bits))) & _MASK32


def _fmix32(h: int) -> int:
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & _MASK32
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & _MASK32
    return h ^ (h >> 16)


def murmur_hash64(data: bytes) -> int:
    """The 64-bit MurmurHash variant ARM uses for uniqueString() (two 32-bit lanes, seed 0)."""
    c1, c2 = 0x239B961B, 0xAB0E9789
    length = len(data)
    h1 = h2 = 0
    index = 0
    while index + 8 <= length:
        k1 = int.from_bytes(data[index:index + 4], "little")
        k2 = int.from_bytes(data[index + 4:index + 8], "little")
        h1 ^= (_rotl32((k1 * c1) & _MASK32, 15) * c2) & _MASK32
        h1 = (_rotl32(h1, 19) + h2) & _MASK32
        h1 = (h1 * 5 + 0x561CCD1B) & _MASK32
        h2 ^= (_rotl32((k2 * c2) & _MASK32, 17) * c1) & _MASK32
        h2 = (_rotl32(h2, 13) + h1) & _MASK32
        h2 = (h2 * 5 + 0x0BCAA747) & _MASK32
        index += 8
    tail = length - index
    if tail > 0:
        k1 = int.from_bytes(data[index:index + min(tail, 4)], "little")
        h1 ^= (_rotl32((k1 * c1) & _MASK32, 15) * c2) & _MASK32
        if tail > 4:
            k2 = int.from_bytes(data[index + 4:index + tail], "little")
            h2 ^= (_rotl32((k2 * c2) & _MASK32, 17) * c1) & _MASK32
    h1 ^= length
    h2 ^= length
    h1 = (h1 + h2) & _MASK32
    h2 = (h2 + h1) & _MASK32
    h1 = _fmix32(h1)
    h2 = _fmix32(h2)
    h1 = (h1 + h2) & _MASK32
    h2 = (h2 + h1) & _MASK32
    return (h2 << 32) | h1


_BASE32 = "abcdefghijklmnopqrstuvwxyz234567"


@functools.lru_cache(maxsize=4096)  # a template asks for the same few names again and again
def unique_string(*values: str) -> str:
    """ARM's uniqueString(): MurmurHash64 of the '-'-joined values, 13 lower-case base32 characters."""
    hashed = murmur_hash64("-".join(values).encode("utf-8"))
    chars = []
    for _ in range(13):
        chars.append(_BASE32[hashed >> 59])
        hashed = (hashed << 5) & 0xFFFFFFFFFFFFFFFF
    return "".join(chars)


@_register("uniqueString", 1, None)
def _unique_string(scope: Any, args: Any, name: str) -> Any:
    _joined_strings(args)
    return unique_string(*args)


@_register("guid", 1, None)
def _guid(scope: Any, args: Any, name: str) -> Any:
    return uuid5(ARM_GUID_NAMESPACE, _joined_strings(args))


def uuid5(namespace: str, name: str) -> str:
    """``str(uuid.uuid5(uuid.UUID(namespace), name))`` (RFC 4122 name-based, SHA-1) without importing
    ``uuid``, which imports ``platform`` and more: a tenth of the imports of a scan."""
    digest = sha1(bytes.fromhex(namespace.replace("-", "")) + name.encode("utf-8")).digest()
    value = int.from_bytes(digest[:16], "big")
    value = (value & ~(0xF000 << 64) | (5 << 76)) & ~(0xC000 << 48) | (0x8000 << 48)  # version 5, RFC variant
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def _split_names(names: Any) -> list[str]:
    parts: list[str] = []
    for position in range(len(names)):
        value = names[position]
        if value.__class__ is not str:
            raise FunctionError(f"resource names must be strings, got {kind_of(value)}")
        parts.extend(piece for piece in value.split("/") if piece)
    return parts


def _provider_path(resource_type: str, names: Any) -> str:
    type_parts = [part for part in resource_type.split("/") if part]
    if len(type_parts) < 2:
        raise FunctionError(f"'{resource_type}' is not a resource type",
                            hint="write the type as Namespace/type, e.g. Microsoft.Network/virtualNetworks")
    name_parts = _split_names(names)
    if len(name_parts) != len(type_parts) - 1:
        raise FunctionError(f"the type '{resource_type}' needs {len(type_parts) - 1} name segment(s), got "
                            f"{len(name_parts)}",
                            hint="give one name per type segment, e.g. 'vnet', 'GatewaySubnet' for "
                                 ".../virtualNetworks/subnets")
    segments = [type_parts[0]]
    for type_part, name_part in zip(type_parts[1:], name_parts):
        segments += [type_part, name_part]
    return "/providers/" + "/".join(segments)


def _type_position(args: Any) -> int:
    for position, value in enumerate(args):
        if value.__class__ is not str:
            raise FunctionError(f"the {_ordinal(position)} argument must be a string, got {kind_of(value)}")
        if "/" in value:
            return position
    raise FunctionError("no resource type (Namespace/type) among the arguments",
                        hint="pass the type, e.g. 'Microsoft.Network/virtualNetworks', then the names")


@_register("resourceId", 2, None)
def _resource_id(scope: Any, args: Any, name: str) -> Any:
    position = _type_position(args)
    if position > 2:
        raise FunctionError("at most a subscription id and a resource group name may come before the type")
    ctx = _context(scope)
    path = _provider_path(args[position], args[position + 1:])
    if position == 2:
        return f"/subscriptions/{args[0]}/resourceGroups/{args[1]}{path}"
    if position == 1:
        return f"/subscriptions/{ctx.subscription_id}/resourceGroups/{args[0]}{path}"
    if ctx.scope == "subscription":
        return f"/subscriptions/{ctx.subscription_id}{path}"
    if ctx.scope in ("managementGroup", "tenant"):
        return path
    return f"/subscriptions/{ctx.subscription_id}/resourceGroups/{ctx.resource_group}{path}"


@_register("subscriptionResourceId", 2, None)
def _subscription_resource_id(scope: Any, args: Any, name: str) -> Any:
    position = _type_position(args)
    if position > 1:
        raise FunctionError("at most a subscription id may come before the type")
    subscription = args[0] if position == 1 else _context(scope).subscription_id
    return f"/subscriptions/{subscription}{_provider_path(args[position], args[position + 1:])}"


@_register("tenantResourceId", 2, None)
def _tenant_resource_id(scope: Any, args: Any, name: str) -> Any:
    position = _type_position(args)
    if position > 0:
        raise FunctionError("the first argument must be the resource type")
    return _provider_path(args[0], args[1:])


@_register("extensionResourceId", 3, None)
def _extension_resource_id(scope: Any, args: Any, name: str) -> Any:
    base = _want_str(args, 0).rstrip("/")
    resource_type = _want_str(args, 1)
    return f"{base}{_provider_path(resource_type, args[2:])}"


@_register("managementGroupResourceId", 2, None)
def _management_group_resource_id(scope: Any, args: Any, name: str) -> Any:
    position = _type_position(args)
    if position > 1:
        raise FunctionError("at most a management group name may come before the type")
    group = args[0] if position == 1 else _context(scope).management_group
    return (f"/providers/Microsoft.Management/managementGroups/{group}"
            f"{_provider_path(args[position], args[position + 1:])}")


# ---------------------------------------------------------------------------------------------------
# CIDR
# ---------------------------------------------------------------------------------------------------

def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    if "/" not in text:
        raise FunctionError(f"'{text}' is not in CIDR notation", hint="write an address range like 10.0.0.0/16")
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        raise FunctionError(f"'{text}' is not a valid IP address range in CIDR notation",
                            hint="write an address range like 10.0.0.0/16") from None


@_register("parseCidr", 1)
def _parse_cidr(scope: Any, args: Any, name: str) -> Any:
    network = _network(_want_str(args, 0))
    result: dict[str, Any] = {"network": str(network.network_address), "netmask": str(network.netmask)}
    first: Any = network.network_address
    last: Any = network.broadcast_address
    if network.version == 4:
        result["broadcast"] = str(network.broadcast_address)
        if network.prefixlen < 31:
            first, last = first + 1, last - 1
    result["firstUsable"] = str(first)
    result["lastUsable"] = str(last)
    result["cidr"] = network.prefixlen
    return result


@_register("cidrSubnet", 3)
def _cidr_subnet(scope: Any, args: Any, name: str) -> Any:
    network = _network(_want_str(args, 0))
    new_prefix, index = _want_int(args, 1), _want_int(args, 2)
    if not network.prefixlen <= new_prefix <= network.max_prefixlen:
        raise FunctionError(f"the new CIDR /{new_prefix} must be between /{network.prefixlen} and "
                            f"/{network.max_prefixlen}")
    count = 1 << (new_prefix - network.prefixlen)
    if not 0 <= index < count:
        raise FunctionError(f"subnet index {index} is out of range: {network} has {count} /{new_prefix} "
                            f"subnet(s)")
    size = 1 << (network.max_prefixlen - new_prefix)
    start = network.network_address + index * size
    return f"{start}/{new_prefix}"


@_register("cidrHost", 2)
def _cidr_host(scope: Any, args: Any, name: str) -> Any:
    network = _network(_want_str(args, 0))
    index = _want_int(args, 1)
    if network.version == 4 and network.prefixlen >= 31:
        first, usable = 0, network.num_addresses
    elif network.version == 4:
        first, usable = 1, network.num_addresses - 2
    else:
        first, usable = 1, network.num_addresses - 1
    if not 0 <= index < usable:
        raise FunctionError(f"host index {index} is out of range: {network} has {usable} usable address(es)")
    return str(network.network_address + first + index)
