"""Turn the paths a user gives into resources: walk folders, decode each file, recognise what it is
by its content (template, parameter file, export) and hand it to the right reader. One bad file
never stops the others: its problem becomes an InputError and the walk goes on."""

from __future__ import annotations

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


def expand_paths(paths: Sequence[str | Path], load: InputLoad, named: set[Path] | None = None) -> list[Path]:
    """Files as given plus the JSON files below each folder, in a stable order. Files named on the
    command line are added to ``named``: only those must be inputs; a walk may meet other JSON."""
    files: list[Path] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in INPUT_SUFFIXES
                           and not any(part.startswith(".") for part in p.relative_to(path).parts))
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


def _read_document(path: Path, max_bytes: int) -> Any:
    shown = display_path(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise CheckerError(f"file is {size:,} bytes, more than the limit of {max_bytes:,}",
                               file=shown, hint="raise the limit with --max-file-size if it is genuine")
        raw = path.read_bytes()
    except OSError as exc:
        raise CheckerError(f"cannot read the file: {exc.strerror or exc}", file=shown) from None
    return decode.loads(raw, shown)


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
                max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> InputLoad:
    """Read every input. ``parameter_files`` apply to every template (later files win), over the
    values of a template's sibling ``<name>.parameters.json``; ``parameter_values`` (``--set``)
    win over both."""
    from checker.sources import export
    from checker.sources.arm import deployment, parameters

    context = context or DeploymentContext()
    load = InputLoad()
    named: set[Path] = set()
    files = expand_paths(paths, load, named)

    bicep_files = [p for p in files if p.suffix.lower() in BICEP_SUFFIXES]
    files = [p for p in files if p.suffix.lower() not in BICEP_SUFFIXES]
    documents: dict[Path, Any] = {}
    for path in files:
        try:
            documents[path] = _read_document(path, max_file_bytes)
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
        result = deployment.expand_template(documents[path], display_path(path), parameter_values=values,
                                            context=context, base_dir=path.parent)
        load.extend(result.resources, result.errors, result.notices)

    template_set = set(templates)
    explicit_paths = {Path(p).resolve() for p in parameter_files}
    for path, doc in documents.items():
        if path in template_set or path.resolve() in linked:
            continue
        shown = display_path(path)
        if _is_building_blocks(doc):
            load.errors.append(InputError(
                file=shown, line=1, message="Azure Building Blocks (azbb) input, not an ARM template or export",
                hint="generate the ARM templates with azbb and scan those"))
            continue
        if parameters.is_parameter_file(doc):
            if path not in used_as_sibling and path.resolve() not in explicit_paths:
                load.notices.append(Notice(file=shown, line=1, kind="skipped", message=(
                    "parameter file not used: no template of the same name beside it; "
                    "pass it with --parameters")))
            continue
        if export.is_export(doc):
            exported = export.read_export(doc, shown)
            load.extend(exported.resources, exported.errors, exported.notices)
            continue
        if path.resolve() not in named:
            # Met while walking a folder (package.json, tool settings...): say so, do not fail.
            load.notices.append(Notice(file=shown, line=1, kind="skipped", message=(
                "skipped: not an ARM template, parameter file or Azure export")))
            continue
        load.errors.append(InputError(
            file=shown, line=1,
            message="not an ARM template, parameter file or Azure export",
            hint="give deployment templates, parameter files, Resource Graph or az CLI JSON output"))
    return load
