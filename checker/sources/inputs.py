"""Turn the paths a user gives into resources: walk folders, decode each file, recognise what it is
by its content (template, parameter file, export) and hand it to the right reader. One bad file
never stops the others: its problem becomes an InputError and the walk goes on."""

from __future__ import annotations

import fnmatch
import logging
import os
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from checker.model import CheckerError, InputError, Notice, Origin, Resource
from checker.sources.arm import decode
from checker.sources.arm.context import DeploymentContext

#: Largest input file read (bytes); larger files are reported, not read.
DEFAULT_MAX_FILE_BYTES = 50 * 1024 * 1024
#: File name endings that are read when a folder is walked.
INPUT_SUFFIXES = (".json", ".jsonc", ".bicep", ".bicepparam")
#: Bicep sources, read by checker.sources.bicep (not decoded as JSON).
BICEP_SUFFIXES = (".bicep", ".bicepparam")
#: Folders never walked and never mentioned: version control metadata and package caches.
SILENT_FOLDERS = frozenset({".git", ".hg", ".svn", "node_modules", "__pycache__"})
#: An ARM document by its ``$schema``, its ``contentVersion``, a ``resources`` array or a network
#: resource type: when such a file cannot be decoded it is an error even in a folder walk, because it
#: is clearly meant as an input.
_LOOKS_LIKE_ARM = re.compile(
    rb"(?i:schema\.management\.azure\.com/schemas/[^\"']*deployment(Template|Parameters))"
    rb"|\"contentVersion\"\s*:|\"resources\"\s*:\s*\["
    rb"|\"(type|Type)\"\s*:\s*\"(?i:Microsoft\.Network/)")

log = logging.getLogger("hybrid_check")


@dataclass
class InputLoad:
    """Everything read from the inputs: resources in ARM shape, errors, notices, files read."""

    resources: list[Resource] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def extend(self, resources: Iterable[Resource], errors: Iterable[InputError],
               notices: Iterable[Notice]) -> None:
        self.resources.extend(resources)
        self.errors.extend(errors)
        self.notices.extend(notices)


def display_path(path: Path) -> str:
    """Paths are shown relative to the working directory when they are below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def excluded(relative: str, patterns: Sequence[str]) -> bool:
    """True when a path (relative to the walked folder, with ``/``) matches an exclude glob. A glob
    without ``/`` matches any file or folder name on the path (``node_modules``, ``*.test.json``); a
    glob with ``/`` matches the path from the walked folder (``web/*``, ``tests/**``), or any folder
    of it when it starts with ``**/``. A folder that matches excludes everything below it."""
    parts = relative.split("/")
    for pattern in patterns:
        glob = pattern.strip().rstrip("/").removeprefix("./")
        if not glob:
            continue
        if "/" not in glob:
            if any(fnmatch.fnmatchcase(part, glob) for part in parts):
                return True
            continue
        anywhere = glob.startswith("**/")
        glob = glob.removeprefix("**/")
        for depth in range(1, len(parts) + 1):
            prefixes = ["/".join(parts[start:depth]) for start in range(depth)] if anywhere \
                else ["/".join(parts[:depth])]
            if any(fnmatch.fnmatchcase(prefix, glob) for prefix in prefixes):
                return True
    return False


def _walk(root: Path, load: InputLoad, exclude: Sequence[str]) -> list[Path]:
    """The input files below a folder. Dot-folders are skipped with a notice (name one on the
    command line to scan it); excluded paths and version-control folders silently."""
    found: list[Path] = []
    for folder, dirs, names in os.walk(root):
        here = Path(folder)
        relative_folder = here.relative_to(root).as_posix()
        prefix = "" if relative_folder == "." else relative_folder + "/"
        kept = []
        for name in sorted(dirs):
            relative = prefix + name
            if name in SILENT_FOLDERS or excluded(relative, exclude):
                log.info("skipped folder %s", display_path(here / name))
                continue
            if name.startswith("."):
                load.notices.append(Notice(file=display_path(here / name), line=None, kind="skipped", message=(
                    "folder skipped: its name starts with '.'; name it on the command line to scan it")))
                continue
            kept.append(name)
        dirs[:] = kept
        for name in sorted(names):
            path = here / name
            relative = prefix + name
            suffix = path.suffix.lower()
            if name.startswith(".") or excluded(relative, exclude):
                continue
            if suffix in INPUT_SUFFIXES and path.is_file():
                found.append(path)
    return sorted(found)


def expand_paths(paths: Sequence[str | Path], load: InputLoad, named: set[Path] | None = None,
                 exclude: Sequence[str] = ()) -> list[Path]:
    """Files as given plus the JSON and Bicep files below each folder, in a stable order. Files named on the
    command line are added to ``named``: only those must be inputs; a walk may meet other JSON.
    ``exclude`` globs apply to what a walk meets, never to files named on the command line."""
    files: list[Path] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = _walk(path, load, exclude)
        elif path.is_file():
            found = [path]
            if named is not None:
                named.add(path.resolve())
        else:
            load.errors.append(InputError(file=str(raw), line=None, message="no such file or folder",
                                          hint="check the path"))
            continue
        for item in found:
            key = item.resolve()
            if key not in seen:
                seen.add(key)
                files.append(item)
    return files


def looks_like_arm(raw: bytes) -> bool:
    """True when undecodable bytes are clearly meant as an ARM template, parameter file or export."""
    return bool(_LOOKS_LIKE_ARM.search(raw[:1_000_000]))


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    shown = display_path(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise CheckerError(f"file is {size:,} bytes, more than the limit of {max_bytes:,}",
                               file=shown, hint="raise the limit with --max-file-size if it is genuine")
        return path.read_bytes()
    except OSError as exc:
        raise CheckerError(f"cannot read the file: {exc.strerror or exc}", file=shown) from None


def _read_document(path: Path, max_bytes: int) -> Any:
    return decode.loads(_read_bytes(path, max_bytes), display_path(path))


def _read_walked(path: Path, max_bytes: int, load: InputLoad) -> Any:
    """A file met in a folder walk: a file that cannot be decoded is a notice unless it is clearly
    an ARM document (then an error, as for a file named on the command line). None when skipped."""
    raw = _read_bytes(path, max_bytes)
    try:
        return decode.loads(raw, display_path(path))
    except CheckerError as exc:
        if looks_like_arm(raw):
            raise
        what = "empty file" if not raw.strip() else f"not valid JSON ({exc.message})"
        load.notices.append(Notice(file=display_path(path), line=exc.line if raw.strip() else None,
                                   kind="skipped", message=f"skipped: {what}, and not an ARM template, "
                                   "parameter file or export"))
        log.info("skipped %s: %s", display_path(path), what)
        return None


def _is_building_blocks(doc: Any) -> bool:
    if not isinstance(doc, dict):
        return False
    if "buildingBlocks" in doc:
        return True
    params = doc.get("parameters")
    return isinstance(params, dict) and "buildingBlocks" in params


def _compiled_from_bicep(doc: Any) -> bool:
    metadata = doc.get("metadata") if isinstance(doc, dict) else None
    generator = metadata.get("_generator") if isinstance(metadata, dict) else None
    return isinstance(generator, dict) and str(generator.get("name", "")).lower() == "bicep"


def sibling_parameter_file(template: Path) -> Path | None:
    """The ``<name>.parameters.json`` file beside a template ``<name>.json``, if there is one."""
    candidate = template.with_name(f"{template.stem}.parameters{template.suffix}")
    return candidate if candidate.is_file() else None


def linked_template_files(doc: Any, base_dir: Path) -> set[Path]:
    """Files a template links to by a literal ``templateLink.relativePath`` (and its
    ``parametersLink``): they are read through that deployment, not again as standalone inputs."""
    found: set[Path] = set()
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key in ("templateLink", "parametersLink"):
                link = node.get(key)
                if isinstance(link, dict):
                    relative = link.get("relativePath")
                    if isinstance(relative, str) and relative and not relative.startswith("["):
                        found.add((base_dir / relative).resolve())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def read_inputs(paths: Sequence[str | Path], *, parameter_files: Sequence[str | Path] = (),
                parameter_values: Sequence[tuple[str, Any]] = (),
                context: DeploymentContext | None = None,
                max_file_bytes: int = DEFAULT_MAX_FILE_BYTES, exclude: Sequence[str] = ()) -> InputLoad:
    """Read every input. ``parameter_files`` apply to every template (later files win), over the
    values of a template's sibling ``<name>.parameters.json``; ``parameter_values`` (``--set``)
    win over both. ``exclude`` globs leave out what folder walks meet (see :func:`excluded`)."""
    from checker.sources import export, whatif
    from checker.sources.arm import deployment, parameters

    context = context or DeploymentContext()
    load = InputLoad()
    named: set[Path] = set()
    started = time.perf_counter()
    files = expand_paths(paths, load, named, exclude)
    log.info("found %d input file(s) in %.0f ms", len(files), (time.perf_counter() - started) * 1000)

    bicep_files = [p for p in files if p.suffix.lower() in BICEP_SUFFIXES]
    files = [p for p in files if p.suffix.lower() not in BICEP_SUFFIXES]
    documents: dict[Path, Any] = {}
    for path in files:
        started = time.perf_counter()
        try:
            if path.resolve() in named:
                documents[path] = _read_document(path, max_file_bytes)
            else:
                doc = _read_walked(path, max_file_bytes, load)
                if doc is None:
                    continue
                documents[path] = doc
            log.info("read %s in %.0f ms", display_path(path), (time.perf_counter() - started) * 1000)
        except CheckerError as exc:
            load.errors.append(exc.to_input_error())
        load.files.append(display_path(path))

    explicit: dict[str, Any] = {}
    for raw in parameter_files:
        path = Path(raw)
        try:
            doc = documents[path] if path in documents else _read_document(path, max_file_bytes)
            if not parameters.is_parameter_file(doc):
                raise CheckerError("not an ARM parameter file (no 'parameters' object of values)",
                                   file=display_path(path), line=1,
                                   hint="give a deploymentParameters file to --parameters")
            explicit.update(parameters.read_parameter_file(doc, display_path(path)))
        except CheckerError as exc:
            load.errors.append(exc.to_input_error())

    for name, value in parameter_values:
        explicit[name] = parameters.ParameterValue(value=value, origin=Origin(file=f"--set {name}"))

    bicep_siblings: set[Path] = set()
    if bicep_files:
        # main.json compiled from a main.bicep that is also an input: the .bicep is read (findings on its lines).
        sources = {p.resolve().with_suffix("") for p in bicep_files if p.suffix.lower() == ".bicep"}
        for path in [p for p, d in documents.items() if p.resolve().with_suffix("") in sources
                     and _compiled_from_bicep(d)]:
            del documents[path]
            load.notices.append(Notice(file=display_path(path), line=1, kind="skipped", message=(
                f"skipped: compiled from {path.with_suffix('.bicep').name}, which is read instead")))
        from checker.sources.bicep import reader as bicep_reader
        load.extend(*bicep_reader.read_bicep_files(bicep_files, display_path, explicit=explicit, context=context,
                                                   max_file_bytes=max_file_bytes, siblings=bicep_siblings))
        load.files.extend(display_path(p) for p in bicep_files)

    used_as_sibling: set[Path] = {p for p in documents if p.resolve() in bicep_siblings}
    linked: set[Path] = set()
    for path, doc in documents.items():
        if deployment.is_template(doc):
            linked |= linked_template_files(doc, path.parent)
    templates = [p for p, d in documents.items() if deployment.is_template(d) and p.resolve() not in linked]
    # -p/--set given for several templates: a name one of them does not declare is ignored there (for a
    # single template they are its parameters, and ARM refuses an undeclared one).
    if len(templates) > 1:
        explicit = {name: replace(value, for_every_template=True) for name, value in explicit.items()}
    for path in templates:
        values: dict[str, Any] = {}
        sibling = sibling_parameter_file(path)
        if sibling is not None:
            try:
                doc = documents.get(sibling)
                if doc is None:
                    doc = _read_document(sibling, max_file_bytes)
                if parameters.is_parameter_file(doc):
                    values.update(parameters.read_parameter_file(doc, display_path(sibling)))
                    used_as_sibling.add(sibling)
            except CheckerError as exc:
                load.errors.append(exc.to_input_error())
        values.update(explicit)
        started = time.perf_counter()
        result = deployment.expand_template(documents[path], display_path(path), parameter_values=values,
                                            context=context, base_dir=path.parent)
        log.info("expanded %s: %d resource(s)%s in %.0f ms", display_path(path), len(result.resources),
                 f", {len(result.errors)} error(s)" if result.errors else "",
                 (time.perf_counter() - started) * 1000)
        load.extend(result.resources, result.errors, result.notices)

    template_set = set(templates)
    explicit_paths = {Path(p).resolve() for p in parameter_files}
    for path, doc in documents.items():
        if path in template_set or path.resolve() in linked:
            continue
        shown = display_path(path)
        if _is_building_blocks(doc):
            if path.resolve() in named:
                load.errors.append(InputError(
                    file=shown, line=1, message="Azure Building Blocks (azbb) input, not an ARM template or export",
                    hint="generate the ARM templates with azbb and scan those"))
            else:
                load.notices.append(Notice(file=shown, line=1, kind="skipped", message=(
                    "skipped: Azure Building Blocks (azbb) input; generate the ARM templates with azbb "
                    "and scan those")))
                load.files.remove(shown)
            continue
        if parameters.is_parameter_file(doc):
            if path not in used_as_sibling and path.resolve() not in explicit_paths:
                load.notices.append(Notice(file=shown, line=1, kind="skipped", message=(
                    "parameter file not used: no template of the same name beside it; "
                    "pass it with --parameters")))
            continue
        if whatif.is_whatif(doc):
            predicted = whatif.read_whatif(doc, shown)
            log.info("read what-if %s: %d resource(s)", shown, len(predicted.resources))
            load.extend(predicted.resources, predicted.errors, predicted.notices)
            continue
        if export.is_export(doc):
            exported = export.read_export(doc, shown)
            log.info("read export %s: %d resource(s)", shown, len(exported.resources))
            load.extend(exported.resources, exported.errors, exported.notices)
            continue
        if path.resolve() not in named:
            log.info("skipped %s: not an ARM template, parameter file or export", shown)
            load.files.remove(shown)  # met in a walk and not an input: not counted as one
            # Met while walking a folder (package.json, tool settings...): say so, do not fail.
            load.notices.append(Notice(file=shown, line=1, kind="skipped", message=(
                "skipped: not an ARM template, parameter file or Azure export")))
            continue
        load.errors.append(InputError(
            file=shown, line=1,
            message="not an ARM template, parameter file or Azure export",
            hint="give deployment templates, parameter files, Resource Graph or az CLI JSON output"))
    # A template scanned with its what-if result: the template's resources take the predicted state.
    load.resources = whatif.overlay(load.resources, load.notices)
    return load
