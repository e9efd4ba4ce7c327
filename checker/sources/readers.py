"""The input readers and their registry. A reader recognises a document by its content (or a file by
its suffix, for sources that are not JSON) and reads what it recognises into a :class:`SourceLoad`;
``read_inputs`` (``checker/sources/inputs.py``) hands every decoded document to the first reader of
:data:`READERS` that recognises it.

Adding an input format is a reader here (or in its own module), its tests and one line in
:data:`READERS`. Readers import their modules when they read, so a scan pays only for what it meets."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

from checker import log
from checker.model import CheckerError, InputError, Notice
from checker.records import replace
from checker.sources.arm.context import DeploymentContext
from checker.sources.load import SourceLoad

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from checker.sources.expansion_cache import ExpansionCache


def _resolved(path: Path) -> Path:
    """``path.resolve()``, once per path while inputs are read (the cache lives in ``inputs``)."""
    from checker.sources.inputs import _resolved as resolved

    return resolved(path)


class ReadContext:
    """What readers share during one ``read_inputs``: the decoded documents (by path, in input order),
    the files named on the command line, parameter values (``explicit``: --parameters and --set values
    by name, as ``ParameterValue``), what has been read so far (``load``: a reader may un-count a file
    that is not an input), and what one reader tells another: parameter files used beside a template
    (``used_as_sibling``), files read through a deployment link (``linked``: resolved path -> (file,
    line) of the deployment that read it); ``linkless``: documents whose text names no
    ``relativePath`` (their search for links is skipped); ``cache``: the kept expansions of templates, when
    used, with ``digests``, the digest of each decoded file's bytes. A plain class, not a dataclass (built once
    per run; a dataclass costs about a millisecond of every run's imports)."""

    __slots__ = ("documents", "named", "explicit", "explicit_paths", "context", "link_roots", "max_file_bytes",
                 "shown", "read_document", "load", "used_as_sibling", "linked", "linkless", "cache", "digests")

    def __init__(self, *, documents: dict[Path, Any], named: set[Path], explicit: dict[str, Any],
                 explicit_paths: set[Path], context: DeploymentContext, link_roots: tuple[Path, ...],
                 max_file_bytes: int, shown: Callable[[Path], str], read_document: Callable[[Path], Any],
                 load: SourceLoad, linkless: set[Path] | None = None, cache: ExpansionCache | None = None,
                 digests: dict[Path, bytes] | None = None) -> None:
        self.documents = documents
        self.named = named
        self.explicit = explicit
        self.explicit_paths = explicit_paths
        self.context = context
        self.link_roots = link_roots
        self.max_file_bytes = max_file_bytes
        self.shown = shown
        self.read_document = read_document
        self.load = load
        self.used_as_sibling: set[Path] = set()
        self.linked: dict[Path, tuple[str, int | None]] = {}
        self.linkless: set[Path] = linkless if linkless is not None else set()
        self.cache = cache
        self.digests: dict[Path, bytes] = digests if digests is not None else {}

    def not_an_input(self, path: Path) -> None:
        """A file met in a walk that is not an input: it is not counted as one."""
        self.load.files.remove(self.shown(path))


class Reader:
    """One kind of input. ``recognises`` looks at a decoded JSON document; a reader with ``suffixes``
    reads files with those endings itself (they are not decoded as JSON). ``read`` gets the documents
    it recognised, in input order: all at once when ``batch`` (templates, whose links span files),
    else one at a time."""

    name: str = ""
    suffixes: tuple[str, ...] = ()
    batch: bool = False

    def recognises(self, doc: Any) -> bool:
        return False

    def read(self, items: Sequence[tuple[Path, Any]], ctx: ReadContext) -> SourceLoad:
        raise NotImplementedError


def _compiled_from_bicep(doc: Any) -> bool:
    facts = getattr(doc, "facts", None)  # a template met before, not decoded (expansion_cache.KeptDocument)
    if facts is not None:
        return facts.from_bicep  # type: ignore[no-any-return]
    metadata = doc.get("metadata") if isinstance(doc, dict) else None
    generator = metadata.get("_generator") if isinstance(metadata, dict) else None
    return isinstance(generator, dict) and str(generator.get("name", "")).lower() == "bicep"


class BicepReader(Reader):
    """``.bicep`` and ``.bicepparam`` files (``checker/sources/bicep/``). A JSON template compiled from
    a ``.bicep`` that is also an input is skipped: the ``.bicep`` is read (findings on its lines)."""

    name = "bicep"
    suffixes = (".bicep", ".bicepparam")
    batch = True

    def read(self, items: Sequence[tuple[Path, Any]], ctx: ReadContext) -> SourceLoad:
        files = [path for path, _ in items]
        load = SourceLoad()
        sources = {_resolved(p).with_suffix("") for p in files if p.suffix.lower() == ".bicep"}
        for path in [p for p, d in ctx.documents.items() if _resolved(p).with_suffix("") in sources
                     and _compiled_from_bicep(d)]:
            del ctx.documents[path]
            load.notices.append(Notice(file=ctx.shown(path), line=1, kind="skipped", message=(
                f"skipped: compiled from {path.with_suffix('.bicep').name}, which is read instead")))
        from checker.sources.bicep import reader as bicep_reader
        siblings: set[Path] = set()
        load.extend(*bicep_reader.read_bicep_files(files, ctx.shown, explicit=ctx.explicit, context=ctx.context,
                                                   max_file_bytes=ctx.max_file_bytes, siblings=siblings,
                                                   link_roots=ctx.link_roots))
        load.files.extend(ctx.shown(p) for p in files)
        ctx.used_as_sibling |= {p for p in ctx.documents if _resolved(p) in siblings}
        return load


def sibling_parameter_file(template: Path) -> Path | None:
    """The ``<name>.parameters.json`` file beside a template ``<name>.json``, if there is one."""
    candidate = template.with_name(f"{template.stem}.parameters{template.suffix}")
    return candidate if candidate.is_file() else None


def linked_relative_paths(doc: Any) -> set[str]:
    """The literal ``relativePath`` of every ``templateLink`` and ``parametersLink`` in a template: the
    files it names are read through that deployment, not again as standalone inputs."""
    found: set[str] = set()
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            linking = False
            for key, value in dict.items(node):
                if isinstance(value, (dict, list)):
                    stack.append(value)
                    # the names read below, in any case (a case-insensitive lookup of a name that is
                    # not there costs an index of the object's names: most objects have neither)
                    linking = linking or (key.__class__ is str and len(key) in (12, 14)
                                          and key.lower() in _LINK_NAMES)
            if linking:
                for key in ("templateLink", "parametersLink"):
                    link = node.get(key)
                    if isinstance(link, dict):
                        relative = link.get("relativePath")
                        if isinstance(relative, str) and relative and not relative.startswith("["):
                            found.add(relative)
        elif isinstance(node, list):
            stack.extend(item for item in node if isinstance(item, (dict, list)))
    return found


_LINK_NAMES = frozenset({"templatelink", "parameterslink"})


class TemplateReader(Reader):
    """ARM deployment templates (``checker/sources/arm/deployment.py``), with the values of a sibling
    ``<name>.parameters.json`` under ``--parameters``/``--set``.

    Templates that no template links to are expanded first: a file that an expanded deployment then
    reads is not expanded again as a root. A link that is never followed (in metadata, a deployment
    with condition false, a text) removes nothing; of two templates linking each other one stays a root."""

    name = "template"
    batch = True

    def recognises(self, doc: Any) -> bool:
        if getattr(doc, "facts", None) is not None:  # a template met before, not decoded (KeptDocument)
            return True
        from checker.sources.arm import parameters
        return parameters.is_template(doc)

    def read(self, items: Sequence[tuple[Path, Any]], ctx: ReadContext) -> SourceLoad:
        from checker.sources.arm import parameters

        load = SourceLoad()
        candidates = [path for path, _ in items]
        mentioned: set[Path] = set()
        links: dict[Path, set[str]] = {}
        for path in candidates:
            if path not in ctx.linkless:
                doc = ctx.documents[path]
                facts = getattr(doc, "facts", None)
                links[path] = set(facts.links) if facts is not None else linked_relative_paths(doc)
                mentioned |= {_resolved(path.parent / relative) for relative in links[path]}
        likely_roots = [p for p in candidates if _resolved(p) not in mentioned]
        ordered = likely_roots + [p for p in candidates if _resolved(p) in mentioned]
        explicit = ctx.explicit
        # -p/--set given for several templates: a name one of them does not declare is ignored there (for a
        # single template they are its parameters, and ARM refuses an undeclared one).
        if len(likely_roots or candidates) > 1:
            explicit = {name: replace(value, for_every_template=True) for name, value in explicit.items()}
        for path in ordered:
            through = ctx.linked.get(_resolved(path))
            if through is not None:
                where = f"{through[0]}, line {through[1]}" if through[1] else through[0]
                load.notices.append(Notice(file=ctx.shown(path), line=1, kind="info", message=(
                    f"read as the linked template of the deployment in {where}; not checked again on its own")))
                continue
            values: dict[str, Any] = {}
            sibling = sibling_parameter_file(path)
            if sibling is not None:
                try:
                    doc = ctx.documents.get(sibling)
                    if doc is None:
                        doc = ctx.read_document(sibling)
                    if parameters.is_parameter_file(doc):
                        values.update(parameters.read_parameter_file(doc, ctx.shown(sibling)))
                        ctx.used_as_sibling.add(sibling)
                except CheckerError as exc:
                    load.errors.append(exc.to_input_error())
            values.update(explicit)
            started = time.perf_counter()
            key = kept = None
            doc = ctx.documents[path]
            digest = ctx.digests.get(path)
            if ctx.cache is not None and digest is not None:
                from checker.sources.expansion_cache import DocumentFacts, secure_parameters

                facts = getattr(doc, "facts", None)
                if facts is None:  # decoded: its facts are kept for the next runs
                    facts = DocumentFacts(frozenset(links.get(path, ())), secure_parameters(doc),
                                          _compiled_from_bicep(doc))
                    ctx.cache.remember(digest, facts)
                key = ctx.cache.key(template=digest, secure=facts.secure, path=path, resolved=_resolved(path),
                                    shown=ctx.shown(path), values=values, context=ctx.context,
                                    link_roots=ctx.link_roots, max_file_bytes=ctx.max_file_bytes)
                kept = ctx.cache.load(key) if key is not None else None
            if kept is not None:
                result = kept
            else:
                from checker.sources.arm import deployment

                if getattr(doc, "facts", None) is not None:  # not decoded: it is needed after all
                    try:
                        doc = ctx.documents[path] = doc.decode()
                    except CheckerError as exc:  # pragma: no cover - these bytes were decoded before
                        load.errors.append(exc.to_input_error())
                        continue
                result = deployment.expand_template(doc, ctx.shown(path), parameter_values=values,
                                                    context=ctx.context, base_dir=path.parent,
                                                    link_roots=ctx.link_roots, max_file_bytes=ctx.max_file_bytes)
                if key is not None and ctx.cache is not None:
                    ctx.cache.store(key, result)
            for read, by_file, by_line in result.linked:
                ctx.linked.setdefault(read, (by_file, by_line))
            log.info("expanded %s: %d resource(s)%s in %.0f ms%s", ctx.shown(path), len(result.resources),
                     f", {len(result.errors)} error(s)" if result.errors else "",
                     (time.perf_counter() - started) * 1000, " (kept from an earlier run)" if kept else "")
            load.extend(result.resources, result.errors, result.notices)
        return load


class BuildingBlocksReader(Reader):
    """Azure Building Blocks (azbb) input: not read. An error when named on the command line, a
    notice when met in a walk."""

    name = "azure-building-blocks"

    def recognises(self, doc: Any) -> bool:
        if not isinstance(doc, dict):
            return False
        if "buildingBlocks" in doc:
            return True
        params = doc.get("parameters")
        return isinstance(params, dict) and "buildingBlocks" in params

    def read(self, items: Sequence[tuple[Path, Any]], ctx: ReadContext) -> SourceLoad:
        load = SourceLoad()
        for path, _ in items:
            shown = ctx.shown(path)
            if _resolved(path) in ctx.named:
                load.errors.append(InputError(
                    file=shown, line=1, message="Azure Building Blocks (azbb) input, not an ARM template or export",
                    hint="generate the ARM templates with azbb and scan those"))
            else:
                load.notices.append(Notice(file=shown, line=1, kind="skipped", message=(
                    "skipped: Azure Building Blocks (azbb) input; generate the ARM templates with azbb "
                    "and scan those")))
                ctx.not_an_input(path)
        return load


class ParameterFileReader(Reader):
    """ARM parameter files: read by the template beside them or given with ``--parameters``; one
    that neither uses is reported as not used."""

    name = "parameter-file"

    def recognises(self, doc: Any) -> bool:
        from checker.sources.arm import parameters
        return parameters.is_parameter_file(doc)

    def read(self, items: Sequence[tuple[Path, Any]], ctx: ReadContext) -> SourceLoad:
        load = SourceLoad()
        for path, _ in items:
            if path not in ctx.used_as_sibling and _resolved(path) not in ctx.explicit_paths:
                load.notices.append(Notice(file=ctx.shown(path), line=1, kind="skipped", message=(
                    "parameter file not used: no template of the same name beside it; "
                    "pass it with --parameters")))
        return load


class WhatIfReader(Reader):
    """Deployment what-if results (``checker/sources/whatif.py``)."""

    name = "what-if"

    def recognises(self, doc: Any) -> bool:
        from checker.sources import whatif
        return whatif.is_whatif(doc)

    def read(self, items: Sequence[tuple[Path, Any]], ctx: ReadContext) -> SourceLoad:
        from checker.sources import whatif
        return _read_each(items, ctx, whatif.read_whatif, "what-if")


class ExportReader(Reader):
    """Resource Graph and az CLI output, REST bodies and examples (``checker/sources/export.py``)."""

    name = "export"

    def recognises(self, doc: Any) -> bool:
        from checker.sources import export
        return export.is_export(doc)

    def read(self, items: Sequence[tuple[Path, Any]], ctx: ReadContext) -> SourceLoad:
        from checker.sources import export
        return _read_each(items, ctx, export.read_export, "export")


def _read_each(items: Sequence[tuple[Path, Any]], ctx: ReadContext,
               read_one: Callable[[Any, str], SourceLoad], what: str) -> SourceLoad:
    """Read each document on its own (its file as shown) and gather the loads."""
    load = SourceLoad()
    for path, doc in items:
        shown = ctx.shown(path)
        one = read_one(doc, shown)
        log.info("read %s %s: %d resource(s)", what, shown, len(one.resources))
        load.merge(one)
    return load


class SnapshotReader(ExportReader):
    """Live-audit snapshots (``audit --save-snapshot``), read as exports that keep the audit's time,
    scope and the scopes it could not read."""

    name = "snapshot"

    def recognises(self, doc: Any) -> bool:
        from checker.sources import export
        return export.is_snapshot(doc)


#: The readers, in the order they are asked: the first that recognises a document reads it.
READERS: tuple[Reader, ...] = (
    BicepReader(),
    TemplateReader(),
    BuildingBlocksReader(),
    ParameterFileReader(),
    WhatIfReader(),
    SnapshotReader(),
    ExportReader(),
)

#: File name endings that are read when a folder is walked: JSON, and the readers' own suffixes.
INPUT_SUFFIXES = (".json", ".jsonc", *(suffix for reader in READERS for suffix in reader.suffixes))
