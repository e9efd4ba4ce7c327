"""The live estate as context for a template scan (``scan --context FILE``).

A context file is a live-audit snapshot (``audit --save-snapshot``) or any export the scan reads
(Resource Graph, az CLI, REST bodies). It supplies the resources that the scanned templates refer to
but do not deploy: ``existing`` resources and ``reference()`` / ``resourceId()`` targets in other
resource groups or subscriptions. With them the graph resolves the hub VNet, gateway or circuit that a
connection-only template attaches to, and the site is checked as a whole.

Rules of the merge (:func:`merge`):

- a resource in the scanned inputs wins over the context: a context resource with the same id (any
  case) is dropped, the template's body is used;
- every other context resource is added, marked ``metadata["contextFile"] = <file>``;
- ``reference(<full resource id>)`` during template expansion returns the context resource's
  ``properties`` (with ``'Full'``: the whole resource) as a :class:`PartlyKnown` object: members the
  context does not hold stay unknown (``DeploymentContext.known_resources``, read by
  ``functions._reference``).

Which findings belong to the context only (:func:`context_only`): a result whose subject resource
comes from the context, that is, its id, or the nearest resource id above it (a subnet's VNet), is a
context resource and not a scanned one. A subnet or peering the template adds to a context VNet is the
template's. Exception: the result of a *site* (subject id = the site's VNet id) that a scanned resource
belongs to (a connection, a gateway, a peering of the site in the templates) is the template's: the
template changes that site, so the site's rules gate. Context-only results are marked
``Result.context`` and do not gate unless ``--gate-context`` (see ``checker/report/gate.py``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from checker.model import CheckerError, InputError, Notice, Resource, normalise_id
from checker.records import replace
from checker.sources.load import SourceLoad

if TYPE_CHECKING:
    from checker.results import Result
    from checker.sources.inputs import InputLoad

CONTEXT_KEY = "contextFile"  # Resource.metadata key: the context file a resource comes from
_HINT = ("give a live-audit snapshot (hybrid-check audit --save-snapshot FILE) or a Resource Graph / az CLI / "
         "REST export to --context")


class ContextLoad(SourceLoad):
    """The resources of the context files, with the problems found reading them."""

    def lookup(self) -> KnownResources:
        """Resource bodies by normalised id, for ``reference()`` during template expansion."""
        return KnownResources({r.key: r.body for r in self.resources if isinstance(r.id, str)})


class KnownResources(dict):  # type: ignore[type-arg]
    """Context bodies by normalised id that remember which ids ``reference()`` read (``used``): a
    template that deploys one of them is read again without it, so the template wins there too."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.used: set[str] = set()

    def get(self, key: Any, default: Any = None) -> Any:
        value = super().get(key, default)
        if value is not default:
            self.used.add(key)
        return value


def read_context(paths: Sequence[str | Path], max_file_bytes: int) -> ContextLoad:
    """Read every context file. A file that cannot be read, is not valid JSON or is not an export is an
    input error (file and line); the other files are still read. Never raises."""
    from checker.sources import export
    from checker.sources.inputs import _read_document, display_path

    load = ContextLoad()
    for raw in paths:
        path = Path(raw)
        shown = display_path(path)
        try:
            doc = _read_document(path, max_file_bytes)
        except CheckerError as exc:
            error = exc.to_input_error()
            load.errors.append(replace(error, message=f"context file: {error.message}"))
            continue
        if not export.is_export(doc):
            line = getattr(doc, "line", None) or 1
            load.errors.append(InputError(file=shown, line=line, message=(
                "context file: not a live-audit snapshot or an Azure export (a template, parameter file or "
                "what-if result cannot be context)"), hint=_HINT))
            continue
        read = export.read_export(doc, shown)
        load.errors.extend(read.errors)
        load.notices.extend(read.notices)
        for resource in read.resources:
            resource.metadata[CONTEXT_KEY] = shown
        load.resources.extend(read.resources)
        load.files.append(shown)
    return load


def leave_out_context_files(load: InputLoad, paths: Sequence[str | Path]) -> None:
    """A context file that a folder walk (or the command line) also gave as an input is context only:
    its resources, errors and notices as a scanned input are dropped, so its findings do not gate."""
    from checker.sources.inputs import display_path

    shown = {display_path(Path(p)) for p in paths}
    found = shown & set(load.files)
    if not found:
        return
    load.resources = [r for r in load.resources if r.origin is None or r.origin.file not in found]
    load.errors = [e for e in load.errors if e.file not in found]
    load.notices = [n for n in load.notices if n.file not in found]
    load.files = [f for f in load.files if f not in found]
    load.notices.append(Notice(file=sorted(found)[0], line=None, kind="info", message=(
        f"{len(found)} --context file(s) are also among the scanned paths: read as context only")))


def merge(resources: list[Resource], context: ContextLoad, notices: list[Notice]) -> list[Resource]:
    """The scanned resources plus the context resources whose id no scanned resource has."""
    if not context.resources:
        return resources
    scanned = {r.key for r in resources if isinstance(r.id, str)}
    added = [r for r in context.resources if not (isinstance(r.id, str) and r.key in scanned)]
    overridden = len(context.resources) - len(added)
    if overridden:
        first = next(r for r in context.resources if isinstance(r.id, str) and r.key in scanned)
        notices.append(Notice(file=first.metadata[CONTEXT_KEY], line=first.origin.line, kind="info", message=(
            f"{overridden} context resource(s) are also in the scanned inputs (first: {first.id}): the scanned "
            "body is used")))
    notices.append(Notice(file=", ".join(context.files), line=None, kind="info", message=(
        f"context: {len(added)} resource(s) added from the live estate; findings only about them do not gate "
        "unless --gate-context")))
    return [*resources, *added]


def _parent(key: str) -> str:
    """The resource id one level up: a child's parent (``.../virtualNetworks/hub/subnets/x`` ->
    ``.../virtualNetworks/hub``), an extension resource's resource; "" above a top-level resource (a
    resource group or subscription is never the resource a finding is about)."""
    cut = key.rfind("/providers/")
    if cut < 0:
        return ""
    if key[cut + len("/providers/"):].count("/") > 2:
        return key.rsplit("/", 2)[0]
    before = key[:cut]
    return before if "/providers/" in before else ""


def context_only(results: Sequence[Result], resources: Iterable[Resource]) -> list[Result]:
    """``results`` with ``context=True`` on those whose subject lives only in the context (see the
    module text). Without context resources the results are returned unchanged."""
    context_keys: set[str] = set()
    scanned_keys: set[str] = set()
    for resource in resources:
        if isinstance(resource.id, str):
            (context_keys if CONTEXT_KEY in resource.metadata else scanned_keys).add(resource.key)
    if not context_keys:
        return list(results)

    def only_context(resource_id: str) -> bool:
        key = normalise_id(resource_id) if isinstance(resource_id, str) else ""
        while key:
            if key in scanned_keys:
                return False
            if key in context_keys:
                return True
            key = _parent(key)
        return False

    flags = [only_context(r.resource.id) for r in results]
    changed = {normalise_id(r.site) for r, flag in zip(results, flags, strict=True) if r.site and not flag}
    out = []
    for result, flag in zip(results, flags, strict=True):
        site = normalise_id(result.site) if result.site else None
        if flag and not (site and site == normalise_id(result.resource.id) and site in changed):
            result = replace(result, context=True)
        out.append(result)
    return out
