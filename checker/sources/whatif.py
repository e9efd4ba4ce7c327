"""Read a deployment what-if result: the state Azure predicts each resource will have once the
previewed deployment has run. Recognised by content, in the shapes Azure returns it:

- the REST body of ``POST .../deployments/{name}/whatIf`` (``status``, ``properties.changes[]``,
  ``error``), also inside a REST API specification example (``responses.200.body``);
- az CLI ``az deployment {group,sub,mg,tenant} what-if --no-pretty-print -o json`` (``status``,
  ``changes[]``, ``error`` at the top level);
- Azure PowerShell's ``PSWhatIfOperationResult`` as ``ConvertTo-Json`` writes it (``Status``,
  ``Changes[]`` with ``FullyQualifiedResourceId``, ``ChangeType``, ``Before``, ``After``, ``Delta``);
  member names compare case-insensitively.

Each change's ``after`` is the predicted state for ``Create``, ``Modify``, ``Deploy``, ``NoChange`` and
``Ignore``; a ``Delete`` predicts nothing. A change without ``after`` (``--result-format
ResourceIdOnly``, ``Unsupported``) is reported and becomes a resource whose properties are
:class:`Unknown`, so the rules about it give unknown, never pass. A failed what-if is an input error
with Azure's message.

:func:`overlay` puts a what-if's predicted states onto the template resources with the same id, so a
template scanned with its what-if gives findings on the template's lines with the values Azure
predicts."""

from __future__ import annotations

from checker.model import InputError, Notice, Origin, Resource, Unknown, parse_resource_id
from checker.records import replace
from checker.sources.decode import JsonObject
from checker.sources.export import SECRET_KEYS, resources_from_objects
from checker.sources.load import SourceLoad

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

#: Change types whose ``after`` is the resource's state once the deployment has run.
PREDICTED = frozenset({"create", "modify", "deploy", "nochange", "ignore"})
#: Resource types a what-if never lists as such (it lists what they deploy).
_NOT_LISTED = frozenset({"microsoft.resources/deployments"})
_SECRETS = frozenset(key.lower() for key in SECRET_KEYS)
_HINT = "run what-if with --result-format FullResourcePayloads (the default) and scan its JSON output"


def _line(value: Any) -> int | None:
    return value.line if isinstance(value, JsonObject) else None


def _result(doc: Any) -> tuple[dict[str, Any], str] | None:
    """The what-if result object in a decoded document and its JSON pointer, or None."""
    pointer = ""
    if isinstance(doc, dict) and isinstance(doc.get("responses"), dict) and "parameters" in doc:
        response = doc["responses"].get("200")
        doc = response.get("body") if isinstance(response, dict) else None
        pointer = "/responses/200/body"
    if not isinstance(doc, dict) or not isinstance(doc.get("status"), str):
        return None
    if "id" in doc and "type" in doc:
        return None  # a resource whose top level happens to have a status
    props = doc.get("properties")
    changes = props.get("changes") if isinstance(props, dict) else doc.get("changes")
    if isinstance(changes, list) or isinstance(doc.get("error"), dict):
        return doc, pointer
    return None


def is_whatif(doc: Any) -> bool:
    """True when the decoded document is a what-if result (see the module text for the shapes)."""
    return _result(doc) is not None


def _error_text(error: dict[str, Any]) -> str:
    parts: list[str] = []
    stack = [error]
    while stack and len(parts) < 10:
        item = stack.pop(0)
        code, message = item.get("code"), item.get("message")
        text = ": ".join(str(x) for x in (code, message) if x)
        if text:
            parts.append(text)
        stack.extend(d for d in item.get("details") or () if isinstance(d, dict))
    return "; ".join(parts) or "no message"


def _change_id(change: dict[str, Any]) -> str | None:
    for key in ("resourceId", "fullyQualifiedResourceId"):
        value = change.get(key)
        if isinstance(value, str) and value.strip():
            return value
    scope, relative = change.get("scope"), change.get("relativeResourceId")
    if isinstance(scope, str) and isinstance(relative, str) and relative:
        return f"{scope.rstrip('/')}/providers/{relative.lstrip('/')}"
    return None


def _type_of(resource_id: str) -> str:
    """The resource type an id names (``Microsoft.Network/virtualNetworks/subnets``)."""
    cut = resource_id.lower().rfind("/providers/")
    if cut < 0:
        return ""
    parts = resource_id[cut + len("/providers/"):].strip("/").split("/")
    if len(parts) < 3:
        return ""
    return "/".join([parts[0]] + parts[1::2])


def read_whatif(doc: Any, file: str) -> SourceLoad:
    """Resources with their predicted state from a decoded what-if result. Never raises."""
    found = _result(doc)
    if found is None:
        return SourceLoad(errors=[InputError(file=file, line=_line(doc), message="not a what-if result",
                                             hint=_HINT)])
    result, pointer = found
    status = str(result.get("status"))
    error = result.get("error")
    if isinstance(error, dict) or status.lower() == "failed":
        text = _error_text(error) if isinstance(error, dict) else "no error details"
        return SourceLoad(errors=[InputError(
            file=file, line=_line(error) or _line(result), message=f"the what-if failed: {text}",
            hint="fix what Azure reports and run what-if again; a failed preview cannot gate a deployment")])
    if status.lower() != "succeeded":
        return SourceLoad(errors=[InputError(
            file=file, line=_line(result), message=f"the what-if has not finished (status {status})",
            hint="wait for the what-if operation to succeed and scan its final result")])
    props = result.get("properties")
    changes = props.get("changes") if isinstance(props, dict) else result.get("changes")
    base = f"{pointer}/properties/changes" if isinstance(props, dict) else f"{pointer}/changes"
    objects: list[Any] = []
    kinds: list[str] = []
    load = SourceLoad()
    deleted = 0
    for index, change in enumerate(changes or ()):
        where = f"{base}/{index}"
        if not isinstance(change, dict):
            load.errors.append(InputError(file=file, line=_line(result), message=f"{where} is not a change object",
                                          hint=_HINT))
            continue
        resource_id = _change_id(change)
        change_type = change.get("changeType")
        if resource_id is None:
            load.errors.append(InputError(file=file, line=_line(change), message=f"change {where} has no resourceId",
                                          hint=_HINT))
            continue
        kind = change_type.lower() if isinstance(change_type, str) else ""
        if kind == "delete":
            deleted += 1
            continue
        after = change.get("after")
        if after is None and kind in ("ignore", "nochange"):
            after = change.get("before")  # the resource stays as it is
        if kind in PREDICTED and isinstance(after, dict):
            if not isinstance(after.get("id"), str):
                after["id"] = resource_id
            if not isinstance(after.get("type"), str):
                after["type"] = _type_of(resource_id)
            objects.append(after)
            kinds.append(str(change_type))
            continue
        reason = change.get("unsupportedReason")
        why = (f"the what-if gives no predicted state for it (change type {change_type})" if kind in PREDICTED
               else f"the what-if cannot predict it (change type {change_type}"
                    + (f": {reason})" if isinstance(reason, str) and reason else ")"))
        load.notices.append(Notice(file=file, line=_line(change), kind="not-expanded",
                                   message=f"{resource_id}: {why}; its rules give unknown"))
        load.resources.append(_placeholder(resource_id, why, Origin(file, _line(change), None, where)))
    read = resources_from_objects(objects, file)
    for resource, change_type in zip(read.resources, kinds, strict=False):
        resource.metadata["whatif"] = {"changeType": change_type, "file": file}
    load.resources[:0] = read.resources
    load.errors.extend(read.errors)
    if deleted:
        load.notices.append(Notice(file=file, line=_line(result), kind="info", message=(
            f"what-if: {deleted} resource(s) deleted by the deployment are not in the predicted state")))
    return load


def _placeholder(resource_id: str, why: str, origin: Origin) -> Resource:
    scope = parse_resource_id(resource_id)
    rtype, name = _type_of(resource_id), resource_id.rstrip("/").rsplit("/", 1)[-1]
    body: dict[str, Any] = {"id": resource_id, "type": rtype, "name": name,
                            "properties": Unknown(f"{why}; run what-if with --result-format FullResourcePayloads")}
    resource = Resource(resource_id, rtype, name, body, origin, "export",
                        scope.get("subscription_id"), scope.get("resource_group"))
    resource.metadata["whatif"] = {"changeType": None, "file": origin.file}
    return resource


def _plain(value: Any) -> Any:
    """A copy without the what-if file's line numbers (the overlaid resource points at the template)."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _keep_template_secrets(template: Resource, body: dict[str, Any]) -> None:
    """A what-if does not show secure values (a connection's ``sharedKey``): the template's own
    (a :class:`Secret`, never its text) stays, so the rules about it see what the template deploys."""
    written = template.body.get("properties")
    predicted = body.get("properties")
    if not isinstance(written, dict) or not isinstance(predicted, dict):
        return
    present = {str(k).lower() for k in predicted}
    for name, value in written.items():
        if str(name).lower() in _SECRETS and str(name).lower() not in present:
            predicted[name] = value


def overlay(resources: list[Resource], notices: list[Notice]) -> list[Resource]:
    """Template resources whose id a what-if result predicts take that predicted state and keep their
    template origin; the what-if's own copy is dropped. Resources of a what-if that no template deploys
    stay as they are. Without what-if resources, ``resources`` is returned unchanged."""
    predicted = {r.key: r for r in resources if "whatif" in r.metadata and r.metadata["whatif"]["changeType"]}
    templates = {r.key for r in resources if r.source == "template" and isinstance(r.id, str)}
    # A change the what-if gives no state for: the template's own resource says more than a placeholder.
    resources = [r for r in resources if not ("whatif" in r.metadata and not r.metadata["whatif"]["changeType"]
                                              and r.key in templates)]
    if not predicted:
        return resources
    used: set[str] = set()
    out: list[Resource] = []
    missing: list[Resource] = []
    for resource in resources:
        if resource.source != "template":
            out.append(resource)
            continue
        key = resource.key if isinstance(resource.id, str) else ""
        found = predicted.get(key)
        if found is None:
            if str(resource.type).lower() not in _NOT_LISTED and not resource.metadata.get("existing"):
                missing.append(resource)
            out.append(resource)
            continue
        used.add(key)
        body = _plain(found.body)
        _keep_template_secrets(resource, body)
        # Still a template resource: rules that read a template as a request (a circuit whose peerings
        # the provider configures later) stay as careful as for the template alone.
        merged = Resource(resource.id, resource.type, resource.name, body, resource.origin, "template",
                          found.subscription_id, found.resource_group,
                          {**resource.metadata, "whatif": found.metadata["whatif"]})
        out.append(merged)
    dropped = {id(predicted[key]) for key in used}
    out = [r for r in out if id(r) not in dropped]
    # What-if expands linked and nested templates (Azure fetches them): a deployment of a previewed
    # template that the checker could not expand has its resources in the what-if result, so it no
    # longer hides resources from the checks and no longer gates as not expanded.
    previewed = {r.origin.file for r in out if r.source == "template" and "whatif" in r.metadata
                 and r.origin is not None}
    for index, notice in enumerate(notices):
        if notice.kind == "not-expanded" and notice.file in previewed:
            notices[index] = replace(notice, kind="not-expanded-previewed", message=(
                f"{notice.message}; the what-if result given with this template holds what it deploys"))
    if missing:
        first = missing[0]
        notices.append(Notice(file=first.origin.file, line=first.origin.line, kind="info", message=(
            f"{len(missing)} template resource(s) are not in the what-if result (first: {first.id}); they are "
            "checked as the template writes them. If the what-if is of this template, give the deployment's "
            "--subscription-id and --resource-group so that the ids match")))
    return out
