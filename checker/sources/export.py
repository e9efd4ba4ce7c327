"""Read resource state exported from Azure (Resource Graph results, az CLI output, REST bodies, REST API
spec examples, hybrid-check live-audit snapshots) into ARM-shaped resources with their file and line."""

from __future__ import annotations

import gc
from collections.abc import Iterable

from checker.model import InputError, Notice, Origin, Resource, Secret, parse_resource_id
from checker.sources.arm.functions import kind_of
from checker.sources.decode import JsonObject
from checker.sources.load import SourceLoad

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

#: Top-level keys of an ARM resource; everything else in a flattened az CLI object is a property.
ENVELOPE_KEYS = frozenset({
    "id", "name", "type", "location", "tags", "sku", "zones", "etag", "identity", "kind", "managedBy",
    "extendedLocation", "plan", "resourceGroup", "subscriptionId", "tenantId",
})
#: Types whose ``sku`` ARM keeps inside ``properties`` (az CLI shows it at the top level).
PROPERTY_SKU_TYPES = frozenset({
    "microsoft.network/virtualnetworkgateways", "microsoft.network/azurefirewalls",
    "microsoft.network/applicationgateways",
})
#: Properties whose value is a secret wherever they appear in a resource body.
SECRET_KEYS = frozenset({"sharedKey", "authorizationKey"})
#: Types that never hold those properties: their bodies are not searched (large exports are mostly
#: made of these). Every other type is searched, so a type missing here costs time, never a leak.
SECRET_FREE_TYPES = frozenset({
    "microsoft.network/virtualnetworks", "microsoft.network/virtualnetworks/subnets",
    "microsoft.network/networkinterfaces", "microsoft.network/networksecuritygroups",
    "microsoft.network/publicipaddresses", "microsoft.network/routetables",
    "microsoft.network/loadbalancers", "microsoft.network/privateendpoints",
    "microsoft.network/privatednszones", "microsoft.network/networkwatchers",
    "microsoft.compute/virtualmachines", "microsoft.compute/disks",
    "microsoft.storage/storageaccounts",
})

_ARG_WRAPPER_KEYS = frozenset({
    "count", "totalRecords", "total_records", "skip_token", "skipToken", "$skipToken", "resultTruncated",
    "facets",
})
_LIST_WRAPPER_KEYS = frozenset({"value", "nextLink", "@odata.nextLink", "count", "@odata.count"})
# ARM property names compare case-insensitively: the sets above, lower-cased, for key tests.
_ENVELOPE = frozenset(key.lower() for key in ENVELOPE_KEYS)
_SECRETS = frozenset(key.lower() for key in SECRET_KEYS)
_ARG_WRAPPER = frozenset(key.lower() for key in _ARG_WRAPPER_KEYS)
_LIST_WRAPPER = frozenset(key.lower() for key in _LIST_WRAPPER_KEYS)


def _lowered(keys: Any) -> set[str]:
    return {key.lower() for key in keys if isinstance(key, str)}
_SNAPSHOT_KEY = "hybridCheckSnapshot"


def _line(value: Any) -> int | None:
    return value.line if isinstance(value, JsonObject) else None


def _looks_like_resource(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("id"), str) and isinstance(value.get("type"), str)


def _is_template_or_parameters(doc: dict[str, Any]) -> bool:
    schema = doc.get("$schema")
    if isinstance(schema, str) and ("deploymenttemplate" in schema.lower()
                                    or "deploymentparameters" in schema.lower()):
        return True
    return "contentVersion" in doc and ("resources" in doc or "parameters" in doc)


def _spec_example_body(doc: dict[str, Any]) -> tuple[str, Any] | None:
    responses = doc.get("responses")
    if not isinstance(responses, dict):
        return None
    for status in ("200", "201"):
        response = responses.get(status)
        if isinstance(response, dict) and "body" in response:
            return status, response["body"]
    return None


def is_export(doc: Any) -> bool:
    """True when the decoded document has one of the export shapes this module reads (by content,
    never by file name). Templates and parameter files (``az group export`` output) are not exports."""
    if isinstance(doc, list):
        return any(_looks_like_resource(item) for item in doc)
    if not isinstance(doc, dict) or _is_template_or_parameters(doc):
        return False
    if _SNAPSHOT_KEY in doc:
        return True
    data = doc.get("data")
    if isinstance(data, list) or _is_table(data):
        return bool(_ARG_WRAPPER & _lowered(doc.keys())) or any(_looks_like_resource(item) for item in data or ())
    value = doc.get("value")
    if isinstance(value, list):
        return _lowered(doc.keys()) <= _LIST_WRAPPER or any(_looks_like_resource(i) for i in value)
    if "responses" in doc and "parameters" in doc and isinstance(doc.get("responses"), dict):
        return True
    return _looks_like_resource(doc)


def is_snapshot(doc: Any) -> bool:
    """True when the decoded document is a hybrid-check live-audit snapshot (an export shape)."""
    return isinstance(doc, dict) and not _is_template_or_parameters(doc) and _SNAPSHOT_KEY in doc


def _is_table(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("columns"), list) and isinstance(data.get("rows"), list)


def _table_objects(data: Any) -> list[Any]:
    """Resource Graph's table result format (``columns`` + ``rows``) as one object per row."""
    names = [c.get("name") if isinstance(c, dict) else c for c in data["columns"]]
    # A column without a text name cannot be a property: it is left out (a row without `id` or
    # `type` is then reported as such).
    named = [(index, name) for index, name in enumerate(names) if isinstance(name, str)]
    objects: list[Any] = []
    for row in data["rows"]:
        if not isinstance(row, list):
            objects.append(row)
            continue
        obj = JsonObject((name, row[index]) for index, name in named if index < len(row))
        obj.line = _line(data)
        objects.append(obj)
    return objects


def read_export(doc: Any, file: str) -> SourceLoad:
    """Resources from a decoded export document. Never raises: problems become ``errors``.
    Secret values in the document are replaced by :class:`Secret` objects in place."""
    # A large export allocates many small objects and no reference cycles: the cyclic collector
    # would rescan the whole decoded document again and again.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _read(doc, file)
    except RecursionError:
        return SourceLoad(errors=[InputError(file=file, line=_line(doc),
                                             message="the export nests too deeply to read",
                                             hint="check that the file is an unmodified export")])
    except Exception as exc:  # noqa: BLE001 - one bad file must not stop the scan
        # Only the exception type: its text could quote a value of the file (a secret).
        return SourceLoad(errors=[InputError(file=file, line=_line(doc),
                                             message=f"could not read the export ({type(exc).__name__})",
                                             hint="check that the file is an unmodified export")])
    finally:
        if collecting:
            gc.enable()


def _read(doc: Any, file: str) -> SourceLoad:
    if isinstance(doc, list):
        return _from_objects(doc, file, "export", "", container_line=None)
    if not isinstance(doc, dict):
        return _not_an_export(doc, file)
    if _is_template_or_parameters(doc):
        return _not_an_export(doc, file, "it is an ARM template or parameter file")
    if _SNAPSHOT_KEY in doc:
        return _read_snapshot(doc, file)
    data = doc.get("data")
    if isinstance(data, list) or _is_table(data):
        objects: list[Any] = data if isinstance(data, list) else _table_objects(data)
        load = _from_objects(objects, file, "export", "/data", container_line=_line(doc))
        _note_paging(doc, len(objects), file, load)
        return load
    if isinstance(doc.get("value"), list):
        return _read_list_body(doc, file, "")
    if isinstance(doc.get("responses"), dict) and "parameters" in doc:
        found = _spec_example_body(doc)
        if found is None:
            load = SourceLoad()
            load.notices.append(Notice(file=file, line=_line(doc), kind="skipped",
                                       message="REST API example without a 200 or 201 response body"))
            return load
        status, body = found
        pointer = f"/responses/{status}/body"
        if isinstance(body, dict) and isinstance(body.get("value"), list):
            return _read_list_body(body, file, pointer)
        return _from_objects([body], file, "export", pointer, container_line=_line(doc), single=True)
    if _looks_like_resource(doc) or "id" in doc:
        return _from_objects([doc], file, "export", "", container_line=None, single=True)
    return _not_an_export(doc, file)


def _not_an_export(doc: Any, file: str, why: str = "") -> SourceLoad:
    reason = why or "no Resource Graph, az CLI, REST or snapshot shape was recognised"
    return SourceLoad(errors=[InputError(
        file=file, line=_line(doc), message=f"not a resource export: {reason}",
        hint="give an `az graph query`, `az resource list`, `az network ... show/list` output, "
             "a REST GET/list body or a hybrid-check snapshot")])


def _read_list_body(body: dict[str, Any], file: str, pointer: str) -> SourceLoad:
    load = _from_objects(body["value"], file, "export", f"{pointer}/value", container_line=_line(body))
    next_link = body.get("nextLink") or body.get("@odata.nextLink")
    if next_link:
        load.notices.append(Notice(
            file=file, line=_line(body), kind="not-expanded",
            message=f"the list has more pages (nextLink); only the {len(body['value'])} resources in "
                    "this file were read: export every page"))
    return load


def _note_paging(doc: dict[str, Any], read: int, file: str, load: SourceLoad) -> None:
    token = doc.get("skip_token") or doc.get("skipToken") or doc.get("$skipToken")
    total = doc.get("totalRecords", doc.get("total_records"))
    truncated = str(doc.get("resultTruncated", "")).lower() == "true"
    if token or truncated or (isinstance(total, int) and total > read):
        load.notices.append(Notice(
            file=file, line=_line(doc), kind="not-expanded",
            message=f"the Resource Graph result is paged or truncated ({read} of "
                    f"{total if isinstance(total, int) else 'more'} records in this file): "
                    "query with --first 1000 and follow the skip token, or narrow the query"))


def _read_snapshot(doc: dict[str, Any], file: str) -> SourceLoad:
    header = doc.get(_SNAPSHOT_KEY)
    data = doc.get("data")
    if not isinstance(header, dict) or not isinstance(data, list):
        return SourceLoad(errors=[InputError(
            file=file, line=_line(doc),
            message="hybrid-check snapshot without a `hybridCheckSnapshot` object and a `data` array",
            hint="write the snapshot again with the live audit")])
    load = _from_objects(data, file, "live", "/data", container_line=_line(doc))
    snapshot = {k: header.get(k) for k in ("time", "scope", "tenantId") if k in header}
    for resource in load.resources:
        resource.metadata["snapshot"] = snapshot
    load.notices.append(Notice(file=file, line=_line(header), kind="info",
                               message=f"live-audit snapshot taken {header.get('time', 'at an unknown time')} "
                                       f"of {header.get('scope', 'an unknown scope')}"))
    # Scopes the audit could not read stay not evaluated when the snapshot is scanned offline; a
    # record that cannot be read must not turn into "everything was collected".
    not_evaluated = header.get("notEvaluated")
    if not_evaluated is not None and not isinstance(not_evaluated, list):
        load.errors.append(InputError(
            file=file, line=_line(header),
            message=f"hybridCheckSnapshot.notEvaluated is {kind_of(not_evaluated)}, not a list of scopes",
            hint="write the snapshot again with the live audit"))
        not_evaluated = None
    for index, missing in enumerate(not_evaluated or ()):
        if not isinstance(missing, dict):
            load.errors.append(InputError(
                file=file, line=_line(header),
                message=f"hybridCheckSnapshot.notEvaluated[{index}] is {kind_of(missing)}, not an object",
                hint="write the snapshot again with the live audit"))
            continue
        load.notices.append(Notice(
            file=str(missing.get("scope") or file), line=None, kind="not-evaluated",
            code=str(missing.get("code") or "Error"), message=str(missing.get("message") or "not collected")))
    return load



def resources_from_objects(objects: Iterable[Any], file: str, source: str = "export") -> SourceLoad:
    """Resources from resource objects already in memory (Resource Graph rows, SDK ``as_dict()``
    output, az CLI objects): same normalisation as :func:`read_export`, pointers ``/{index}``."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _from_objects(objects, file, source, "", container_line=None)
    except Exception as exc:  # noqa: BLE001 - never raises, like read_export
        return SourceLoad(errors=[InputError(file=file, line=None,
                                             message=f"could not read the resources ({type(exc).__name__})")])
    finally:
        if collecting:
            gc.enable()


def _from_objects(objects: Iterable[Any], file: str, source: str, pointer: str,
                  container_line: int | None, single: bool = False) -> SourceLoad:
    load = SourceLoad()
    scopes: dict[str, dict[str, Any]] = {}  # ids share few subscription/group prefixes: parse each once
    for index, obj in enumerate(objects):
        where = pointer if single else f"{pointer}/{index}"
        line = _line(obj) or container_line
        if not isinstance(obj, dict):
            load.errors.append(InputError(
                file=file, line=line, message=f"element {where or '/'} is not a resource object",
                hint="each element must be an object with `id` and `type`"))
            continue
        resource_id, resource_type = obj.get("id"), obj.get("type")
        if not (isinstance(resource_id, str) and resource_id.strip()
                and isinstance(resource_type, str) and resource_type.strip()):
            missing = [k for k, v in (("id", resource_id), ("type", resource_type))
                       if not isinstance(v, str) or not v.strip()]
            load.errors.append(InputError(
                file=file, line=line,
                message=f"resource at {where or '/'} has no {' and no '.join(missing)}",
                hint="export full resource objects (do not project away `id` and `type`)"))
            continue
        origin = Origin(file, _line(obj), obj.column if isinstance(obj, JsonObject) else None, where)
        body = to_arm_shape(obj)
        if resource_type.lower() not in SECRET_FREE_TYPES:
            _hide_secrets(body, origin)
        cut = resource_id.lower().find("/providers/")
        scope_id = resource_id[:cut] if cut > 0 else resource_id
        scope = scopes.get(scope_id)
        if scope is None:
            scope = scopes[scope_id] = parse_resource_id(scope_id)
        name = body.get("name")
        if not isinstance(name, str) or not name:
            name = resource_id.rstrip("/").rsplit("/", 1)[-1]
        load.resources.append(Resource(
            resource_id, resource_type, name, body, origin, source,
            scope["subscription_id"] or _str_or_none(obj.get("subscriptionId")),
            scope["resource_group"] or _str_or_none(obj.get("resourceGroup")),
        ))
    return load


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


# -- az CLI flattening ----------------------------------------------------------------------------

def to_arm_shape(obj: dict[str, Any]) -> dict[str, Any]:
    """An ARM-shaped resource body: objects that already have a ``properties`` object are returned
    as they are; flattened az CLI objects get their non-envelope keys moved into ``properties``,
    and so do their flattened sub-resources (subnets, ipConfigurations...)."""
    if isinstance(obj.get("properties"), dict) or all(str(key).lower() in _ENVELOPE for key in obj):
        return obj
    body = _unflatten(obj)
    resource_type = obj.get("type")
    if isinstance(resource_type, str) and resource_type.lower() in PROPERTY_SKU_TYPES and "sku" in body:
        body.setdefault("properties", _new_like(obj))["sku"] = body.pop("sku")
    return body


def _new_like(source: Any) -> JsonObject:
    out = JsonObject()
    if isinstance(source, JsonObject):
        out.line, out.column = source.line, source.column
    return out


def _unflatten(obj: dict[str, Any]) -> JsonObject:
    body = _new_like(obj)
    properties = _new_like(obj)
    for key, value in obj.items():
        if str(key).lower() in _ENVELOPE:
            body[key] = value
        elif str(key).lower() == "properties":
            continue  # `properties: null` in `az resource list` output
        else:
            properties[key] = _unflatten_value(value)
    if properties:
        body["properties"] = properties
    return body


def _is_flat_sub_resource(value: dict[str, Any]) -> bool:
    return (isinstance(value.get("id"), str) and not isinstance(value.get("properties"), dict)
            and any(str(key).lower() not in _ENVELOPE for key in value))


def _unflatten_value(value: Any) -> Any:
    if isinstance(value, list):
        return [_unflatten_value(item) for item in value]
    if isinstance(value, dict):
        if _is_flat_sub_resource(value):
            return _unflatten(value)
        out = _new_like(value)
        for key, item in value.items():
            out[key] = _unflatten_value(item)
        return out
    return value


# -- secrets ----------------------------------------------------------------------------------------

def _hide_secrets(body: dict[str, Any], origin: Origin) -> None:
    """Replace every ``sharedKey`` / ``authorizationKey`` value by a :class:`Secret`, in place, so
    the text is not kept in the resource nor in the decoded document."""
    stack: list[Any] = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if str(key).lower() in _SECRETS and value is not None and not isinstance(value, Secret):
                    where = Origin(file=origin.file, line=_line(node) or origin.line, pointer=origin.pointer)
                    node[key] = Secret.of(value if isinstance(value, str) else str(value), source="export",
                                          origin=where)
                elif isinstance(value, (dict, list)):
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(item for item in node if isinstance(item, (dict, list)))
