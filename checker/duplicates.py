"""One resource id declared by two inputs.

Inside one input (a root template with its linked and nested deployments, or one export) a later
declaration of an id updates the earlier one, as ARM deploys them: the graph merges them (and so it
does for template resources made without an expansion, which carry no input tag). Between two
inputs the graph decides here (see docs/robustness.md, "Duplicate resource ids"):

* a template and a description of the estate (an export, a live snapshot): merged, the later wins
  property by property, and one notice per pair of files says so;
* two templates (or two parameter sets of one template) declaring the same values: checked once, as
  the first declares it (the graph lists both places), one notice per pair of files;
* two different templates declaring different values in a place the user stated
  (--resource-group/--subscription, or a resource group the template names): an input error for each
  id, naming both declarations; the first keeps its place in the graph and the second is not checked;
* two inputs declaring different values in the placeholder place (no --resource-group/--subscription:
  unrelated templates of one repository that deploy the same names): they are separate deployments.
  Before the graph is built, :func:`separate_deployments` gives each later such input a placeholder
  resource group of its own (``hybrid-check-rg-2``...), so both are checked whole and neither's
  resources join the other's VNet (a notice says so);
* two parameter sets of one template declaring different values (``dev.bicepparam`` and
  ``prod.bicepparam`` of one ``main.bicep``, which are deployed to different places): a notice per
  pair; the first is checked, and the notice says how to check the other.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

from checker.model import InputError, Notice, Resource, Secret, Unknown, normalise_type
from checker.records import Frozen
from checker.sources.arm.context import DEFAULT_RESOURCE_GROUP, DEFAULT_SUBSCRIPTION_ID

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

#: Members of a resource declaration that do not change what is deployed (or are the id itself).
_NOT_COMPARED = frozenset({"apiversion", "dependson", "metadata", "comments", "copy", "condition", "name",
                           "type", "scope", "id"})
_HINT = ("give each template its own scan with its own --resource-group/--subscription, or leave one "
         "out with --exclude")

#: ``Resource.metadata`` key of the input tag a template expansion puts on its resources (:class:`InputTag`).
INPUT_KEY = "input"
_DEPLOYMENTS = "microsoft.resources/deployments"
MERGE = "merge"
KEEP_FIRST = "keep-first"
#: the same values: the first declaration is kept and the second's place recorded beside it
SAME = "same"


class InputTag(Frozen):
    """One root template expansion: its file as shown, a serial number distinguishing two expansions
    of one file (two parameter sets), and the files its parameter values came from."""

    _fields = ("file", "serial", "parameter_files")
    file: str
    serial: int
    parameter_files: tuple[str, ...]

    def __init__(self, file: str, serial: int, parameter_files: tuple[str, ...] = ()) -> None:
        fields = self.__dict__
        fields["file"] = file
        fields["serial"] = serial
        fields["parameter_files"] = parameter_files


_INPUT_SERIALS = itertools.count(1)


def next_input_serial() -> int:
    """The serial number of the next root template expansion of this process (kept expansions read
    from the cache take theirs in turn, as if expanded)."""
    return next(_INPUT_SERIALS)


def _plain(value: Any) -> Any:
    """A declaration as comparable data: member names in lower case, secrets by their facts."""
    if isinstance(value, Mapping):
        return {str(k).lower(): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Secret):
        return ("secret", value.source, value.length, value.digest)
    if isinstance(value, Unknown):
        return ("unknown", value.reason)
    return value


def same_declaration(first: Resource, second: Resource) -> bool:
    """True when two declarations deploy the same values (API version, dependencies and metadata aside)."""
    a, b = first.body, second.body
    if not isinstance(a, Mapping) or not isinstance(b, Mapping):
        return _plain(a) == _plain(b)
    keys = {str(k).lower() for k in (*a.keys(), *b.keys())} - _NOT_COMPARED
    lower_a = {str(k).lower(): v for k, v in a.items()}
    lower_b = {str(k).lower(): v for k, v in b.items()}
    return all(_plain(lower_a.get(k)) == _plain(lower_b.get(k)) for k in keys)


def _placed_by_default(resource_id: str) -> bool:
    """True when an id lies in the placeholder subscription and resource group a scan uses when no
    --subscription/--resource-group says where the templates deploy."""
    prefix = f"/subscriptions/{DEFAULT_SUBSCRIPTION_ID}/resourcegroups/{DEFAULT_RESOURCE_GROUP}/".lower()
    return isinstance(resource_id, str) and resource_id.lower().startswith(prefix)


def _input(resource: Resource) -> tuple[Any, ...]:
    """The input a resource comes from: a template expansion (its tag), or the file of an export."""
    tag = resource.metadata.get(INPUT_KEY) if isinstance(resource.metadata, dict) else None
    if tag is not None and resource.source == "template":
        return ("template", tag.file, tag.serial, tag.parameter_files)
    return (resource.source, resource.origin.file, None, ())


def _untagged(resource: Resource) -> bool:
    if resource.source != "template":
        return False
    metadata = resource.metadata
    return not isinstance(metadata, dict) or metadata.get(INPUT_KEY) is None


def _where(resource: Resource) -> str:
    origin = resource.origin
    return f"{origin.file}, line {origin.line}" if origin.line else str(origin.file)


class Duplicates:
    """Decides, for each id declared again by another input, whether the graph merges the declarations
    or keeps the first, and collects the errors and notices that say so."""

    def __init__(self) -> None:
        self.errors: list[InputError] = []
        self.notices: list[Notice] = []
        self._pairs: dict[tuple[str, str, str], list[str]] = {}
        self._notice_index: dict[tuple[str, str, str], int] = {}

    def decide(self, first: Resource, second: Resource) -> str:
        one, two = _input(first), _input(second)
        if one == two or _untagged(first) or _untagged(second):
            # One deployment (a later declaration updates the earlier one, as ARM does), or a template
            # resource made without an expansion (the library API): merged as they come.
            return MERGE
        if one[0] != "template" or two[0] != "template":
            self._pair("described", first, second)
            return MERGE
        if same_declaration(first, second):
            self._pair("same", first, second)
            return SAME
        if one[1] == two[1]:
            self._pair("parameter-sets", first, second)
            return KEEP_FIRST
        if normalise_type(second.type) == _DEPLOYMENTS:
            return MERGE  # the deployment's own resources are compared one by one
        if _placed_by_default(second.id):
            self._pair("default-place", first, second)
            return KEEP_FIRST
        self.errors.append(InputError(
            file=second.origin.file, line=second.origin.line,
            message=(f"the resource {second.id} is also declared by another template, {_where(first)}, with "
                     f"different values; both deploy to the same place, so one would overwrite the other. "
                     f"The declaration in {_where(first)} is checked, this one is not"),
            hint=_HINT))
        return KEEP_FIRST

    def _pair(self, kind: str, first: Resource, second: Resource) -> None:
        key = (kind, str(first.origin.file), str(second.origin.file))
        ids = self._pairs.setdefault(key, [])
        ids.append(str(second.id))
        notice = self._notice(kind, first, second, ids)
        if len(ids) == 1:
            self._notice_index[key] = len(self.notices)
            self.notices.append(notice)
        else:
            self.notices[self._notice_index[key]] = notice

    def _notice(self, kind: str, first: Resource, second: Resource, ids: list[str]) -> Notice:
        shown = ids[0] if len(ids) == 1 else f"{ids[0]} and {len(ids) - 1} more"
        two, one = second.origin.file, first.origin.file
        if kind == "described":
            message = (f"{len(ids)} resource id(s) declared here are also in {one} ({shown}); they are checked "
                       f"as one resource, the later input's values winning property by property")
        elif kind == "same":
            message = (f"{len(ids)} resource id(s) declared here are declared with the same values in {one} "
                       f"({shown}); they are checked once")
        elif kind == "default-place":
            message = (f"{len(ids)} resource id(s) declared here are declared with different values by "
                       f"another template, {one} ({shown}), and both are placed in the default resource "
                       f"group because no --resource-group/--subscription was given; the declaration in {one} "
                       f"is checked, this one is not. Scan this template on its own (or give the place it "
                       f"deploys to) to check it")
        else:
            labels = [", ".join(_input(r)[3]) or "no parameter file" for r in (first, second)]
            message = (f"{len(ids)} resource id(s) are declared with different values by two parameter sets "
                       f"of this template ({labels[0]}; {labels[1]}): {shown}. Only the first is checked; scan "
                       f"each parameter set on its own, with its own --resource-group/--subscription, to check "
                       f"the other")
        return Notice(file=str(two), line=second.origin.line, kind="info", message=message)


def separate_deployments(resources: list[Resource]) -> list[Notice]:
    """Unrelated templates in the placeholder place: a template input (see :func:`_input`) that declares
    an id another, earlier input declares with different values is moved, whole, to a placeholder
    resource group of its own, in place (ids and every id inside its bodies). Without that, scanning a
    repository whose templates deploy the same names (two hub templates, two samples) would merge them:
    one template's gateway would land in the other's VNet and fail rules that neither breaks. Returns
    one notice per input moved."""
    by_input: dict[tuple[Any, ...], list[Resource]] = {}
    for resource in resources:
        if resource.source == "template" and not _untagged(resource) and _placed_by_default(resource.id):
            by_input.setdefault(_input(resource), []).append(resource)
    if len(by_input) < 2:
        return []
    notices: list[Notice] = []
    kept: dict[str, tuple[Resource, int]] = {}  # id (lower case) -> first declaration, its input's number
    kept_ids: list[set[str]] = []  # the ids of each input kept in place
    used = 1
    for members in by_input.values():
        ids = {r.id.lower() for r in members if normalise_type(r.type) != _DEPLOYMENTS}
        clash = None
        for resource in members:
            found = kept.get(resource.id.lower())
            if found is None or normalise_type(resource.type) == _DEPLOYMENTS:
                continue
            first, number = found
            other = kept_ids[number]
            # Different values for one id, or two inputs that share resources and each deploy some the
            # other does not (two versions of one hub template): alternatives, not one deployment. A
            # copy (a .bicep and the JSON compiled from it under another name) stays merged.
            if not same_declaration(first, resource) or not (ids <= other or other <= ids):
                clash = (first, resource)
                break
        if clash is None:
            for resource in members:
                kept.setdefault(resource.id.lower(), (resource, len(kept_ids)))
            kept_ids.append(ids)
            continue
        used += 1
        group = f"{DEFAULT_RESOURCE_GROUP}-{used}"
        old = f"/resourcegroups/{DEFAULT_RESOURCE_GROUP}/"
        for resource in members:
            resource.id = _moved(resource.id, old, group)
            resource.resource_group = group
            _move_ids(resource.body, old, group)
        first, second = clash
        notices.append(Notice(file=str(second.origin.file), line=second.origin.line, kind="info", message=(
            f"this template and {first.origin.file} both deploy {second.id.rsplit('/', 1)[-1]}, and they "
            f"differ (in its values or in what else they deploy); with no --resource-group/--subscription "
            f"given they are taken as separate deployments, and this one is checked in the placeholder "
            f"resource group {group}")))
    return notices


def _moved(text: str, old: str, group: str) -> str:
    at = text.lower().find(old)
    if at < 0 or not text.lower().startswith("/subscriptions/"):
        return text
    return f"{text[:at]}/resourceGroups/{group}/{text[at + len(old):]}"


def _move_ids(node: Any, old: str, group: str) -> None:
    """Every resource id string in a body, moved to ``group``, in place (the containers keep their
    types and positions)."""
    stack = [node]
    while stack:
        item = stack.pop()
        pairs = item.items() if isinstance(item, dict) else enumerate(item)
        for key, value in list(pairs):
            if isinstance(value, str):
                if value[:1] == "/":
                    item[key] = _moved(value, old, group)
            elif isinstance(value, (dict, list)):
                stack.append(value)
