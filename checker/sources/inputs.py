"""Turn the paths a user gives into resources: walk folders, decode each file, recognise what it is
by its content (template, parameter file, export) and hand it to the right reader. One bad file
never stops the others: its problem becomes an InputError and the walk goes on."""

from __future__ import annotations

import errno
import fnmatch
import os
import re
import stat
import time
from collections.abc import Sequence
from pathlib import Path

from checker import log
from checker.files import read_limited
from checker.model import CheckerError, InputError, Notice, Origin
from checker.sources import decode
from checker.sources.arm.context import DeploymentContext
from checker.sources.load import SourceLoad
from checker.sources.readers import INPUT_SUFFIXES, READERS, ReadContext, Reader

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from checker.sources.expansion_cache import ExpansionCache

#: Largest input file read (bytes); larger files are reported, not read.
DEFAULT_MAX_FILE_BYTES = 50 * 1024 * 1024
#: Folders never walked and never mentioned: version control metadata and package caches.
SILENT_FOLDERS = frozenset({".git", ".hg", ".svn", "node_modules", "__pycache__"})
#: An ARM document by its ``$schema``, its ``contentVersion``, a ``resources`` array or a network
#: resource type: when such a file cannot be decoded it is an error even in a folder walk, because it
#: is clearly meant as an input.
_LOOKS_LIKE_ARM = (  # searched only in a file that cannot be decoded: compiled then, by the re module
    rb"(?i:schema\.management\.azure\.com/schemas/[^\"']*deployment(Template|Parameters))"
    rb"|\"contentVersion\"\s*:|\"resources\"\s*:\s*\["
    rb"|\"(type|Type)\"\s*:\s*\"(?i:Microsoft\.Network/)")


#: Everything read from the inputs: resources in ARM shape, errors, notices, files read.
InputLoad = SourceLoad


#: During a :func:`read_inputs` (and only then), each path's resolved form and the way it is shown:
#: a file is named in several places, and resolving it costs a system call per folder of its path.
_RESOLVED: dict[Path, Path] = {}
_SHOWN: dict[Path, str] = {}
_reading = 0


def display_path(path: Path) -> str:
    """Paths are shown relative to the working directory when they are below it."""
    if not _reading:
        return _display_path(path)
    shown = _SHOWN.get(path)
    if shown is None:
        shown = _SHOWN[path] = _display_path(path)
    return shown


def _resolved(path: Path) -> Path:
    """``path.resolve()`` (once per path during a :func:`read_inputs`)."""
    if not _reading:
        return path.resolve()
    found = _RESOLVED.get(path)
    if found is None:
        found = _RESOLVED[path] = path.resolve()
    return found


def _display_path(path: Path) -> str:
    try:
        return str(_resolved(path).relative_to(_resolved(Path.cwd())))
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a link that loops (Python < 3.13)
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
    command line to scan it); excluded paths and version-control folders silently. What cannot be read
    (a folder without permission, a broken or looping link, a pipe or device with an input's name) is
    an input error: it gates like any other."""
    found: list[Path] = []

    def unreadable(exc: OSError) -> None:
        where = Path(exc.filename) if exc.filename else root
        load.errors.append(InputError(file=display_path(where), line=None,
                                      message=f"folder could not be read: {exc.strerror or exc}",
                                      hint="give read permission to the folder, or leave it out with --exclude"))

    for folder, dirs, names in os.walk(root, onerror=unreadable):
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
            if (here / name).is_symlink():
                load.notices.append(Notice(file=display_path(here / name), line=None, kind="skipped", message=(
                    "folder skipped: it is a symbolic link, which a walk does not follow; name it on the "
                    "command line to scan it")))
                continue
            kept.append(name)
        dirs[:] = kept
        for name in sorted(names):
            path = here / name
            relative = prefix + name
            suffix = path.suffix.lower()
            if name.startswith(".") or excluded(relative, exclude) or suffix not in INPUT_SUFFIXES:
                continue
            problem = _not_a_file(path)
            if problem is None:
                found.append(path)
            else:
                load.errors.append(InputError(file=display_path(path), line=None, message=problem,
                                              hint="fix or remove it, or leave it out with --exclude"))
    return sorted(found)


def _not_a_file(path: Path) -> str | None:
    """Why a path met in a walk is not a regular file that can be read (None when it is one)."""
    try:
        info = path.stat()
    except OSError as exc:
        if path.is_symlink():
            if exc.errno == errno.ELOOP:
                return "symbolic link that loops; it is not read"
            return "broken symbolic link (its target does not exist); it is not read"
        return f"cannot read the file: {exc.strerror or exc}"
    if stat.S_ISREG(info.st_mode):
        return None
    if stat.S_ISDIR(info.st_mode):
        return "a folder reached through a symbolic link with an input file's name; it is not read"
    return "not a regular file (a pipe, socket or device); it is not read"


def _kind(path: Path) -> int | None:
    """The file type bits of a path given on the command line; None when it does not exist.
    Raises CheckerError when it cannot be examined (a folder on the way without permission)."""
    try:
        return path.stat().st_mode
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return None
        raise CheckerError(f"cannot read the path: {exc.strerror or exc}", file=str(path),
                           hint="check the path and the permissions of the folders on the way") from None


def expand_paths(paths: Sequence[str | Path], load: InputLoad, named: set[Path] | None = None,
                 exclude: Sequence[str] = ()) -> list[Path]:
    """Files as given plus the JSON and Bicep files below each folder, in a stable order. Files named on the
    command line are added to ``named``: only those must be inputs; a walk may meet other JSON.
    ``exclude`` globs apply to what a walk meets, never to files named on the command line."""
    files: list[Path] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        try:
            mode = _kind(path)
        except CheckerError as exc:
            load.errors.append(exc.to_input_error())
            continue
        if mode is not None and stat.S_ISDIR(mode):
            found = _walk(path, load, exclude)
        elif mode is not None:
            # A pipe or device named on the command line is refused by the reader (not a regular file).
            found = [path]
            if named is not None:
                named.add(path.resolve())
        else:
            load.errors.append(InputError(file=str(raw), line=None, message="no such file or folder",
                                          hint="check the path"))
            continue
        for item in found:
            key = _resolved(item)
            if key not in seen:
                seen.add(key)
                files.append(item)
    return files


def looks_like_arm(raw: bytes) -> bool:
    """True when undecodable bytes are clearly meant as an ARM template, parameter file or export."""
    return bool(re.search(_LOOKS_LIKE_ARM, raw[:1_000_000]))


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    shown = display_path(path)
    try:
        return read_limited(path, max_bytes, "file", shown=shown,
                            hint="raise the limit with --max-file-size if it is genuine")
    except FileNotFoundError:
        raise CheckerError("cannot read the file: no such file", file=shown, hint="check the path") from None


def _read_document(path: Path, max_bytes: int, linkless: set[Path] | None = None,
                   digests: dict[Path, bytes] | None = None, cache: ExpansionCache | None = None) -> Any:
    raw = _read_bytes(path, max_bytes)
    if linkless is not None and not may_link(raw):
        linkless.add(path)
    kept = _kept_document(path, raw, digests, cache)
    return kept if kept is not None else decode.loads(raw, display_path(path))


def _kept_document(path: Path, raw: bytes, digests: dict[Path, bytes] | None,
                   cache: ExpansionCache | None) -> Any:
    """With kept expansions: the digest of a file's bytes (that they are found by), and the file as a
    :class:`~checker.sources.expansion_cache.KeptDocument` (not decoded) when it is a template met
    before; else None (the file is decoded)."""
    if digests is None:
        return None
    from checker.sources.expansion_cache import KeptDocument, content_digest

    digest = content_digest(raw)
    if digest is None:
        return None
    digests[path] = digest
    facts = cache.facts(digest) if cache is not None else None
    return KeptDocument(raw, display_path(path), facts) if facts is not None else None


def may_link(raw: bytes) -> bool:
    """False when a document's bytes show it names no ``relativePath`` (the only way a template links
    another file of the inputs): 8-bit text without the name in any case and without a ``\\u``
    escape that could spell it. UTF-16 and UTF-32 text (NUL bytes) may link, and so may a document
    larger than the decoder's full-position limit (not copied in lower case: an export of 100 MB)."""
    if len(raw) > decode.FULL_POSITION_LIMIT:
        return True
    return b"\x00" in raw or b"\\u" in raw or b"relativepath" in raw.lower()


def _read_walked(path: Path, max_bytes: int, load: InputLoad, linkless: set[Path] | None = None,
                 digests: dict[Path, bytes] | None = None, cache: ExpansionCache | None = None) -> Any:
    """A file met in a folder walk: a file that cannot be decoded is a notice unless it is clearly
    an ARM document (then an error, as for a file named on the command line). None when skipped."""
    raw = _read_bytes(path, max_bytes)
    if linkless is not None and not may_link(raw):
        linkless.add(path)
    kept = _kept_document(path, raw, digests, cache)
    if kept is not None:
        return kept
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


def scanned_roots(paths: Sequence[str | Path], extra: Sequence[str | Path] = ()) -> tuple[Path, ...]:
    """The folders links may be read from: each folder scanned, the folder of each file scanned, and
    ``extra`` (``--link-root``), resolved."""
    roots: list[Path] = []
    for raw in [*paths, *extra]:
        path = Path(raw)
        try:
            folder = path if path.is_dir() else path.parent
            roots.append(folder.resolve())
        except OSError:
            continue
    return tuple(dict.fromkeys(roots))


def read_inputs(paths: Sequence[str | Path], *, parameter_files: Sequence[str | Path] = (),
                parameter_values: Sequence[tuple[str, Any]] = (),
                context: DeploymentContext | None = None,
                max_file_bytes: int = DEFAULT_MAX_FILE_BYTES, exclude: Sequence[str] = (),
                link_roots: Sequence[str | Path] = (), use_cache: bool = False) -> InputLoad:
    """Read every input. ``parameter_files`` apply to every template (later files win), over the
    values of a template's sibling ``<name>.parameters.json``; ``parameter_values`` (``--set``)
    win over both. ``exclude`` globs leave out what folder walks meet (see :func:`excluded`).

    Every template file is a root template unless a deployment that is actually expanded reads it
    through ``templateLink.relativePath`` (a notice says through which). Links are read only inside the
    scanned folders (each folder given, the folder of each file given) and ``link_roots``.

    ``use_cache``: root templates whose expansion was kept by an earlier run with the same inputs
    and code are not expanded again, and new self-contained expansions are kept
    (``checker/sources/expansion_cache.py``)."""
    global _reading
    _reading += 1
    try:
        return _read_inputs(paths, parameter_files=parameter_files, parameter_values=parameter_values,
                            context=context, max_file_bytes=max_file_bytes, exclude=exclude,
                            link_roots=link_roots, use_cache=use_cache)
    finally:
        _reading -= 1
        if not _reading:  # files, links and the working directory may change before the next read
            _SHOWN.clear()
            _RESOLVED.clear()


def _read_inputs(paths: Sequence[str | Path], *, parameter_files: Sequence[str | Path],
                 parameter_values: Sequence[tuple[str, Any]], context: DeploymentContext | None,
                 max_file_bytes: int, exclude: Sequence[str], link_roots: Sequence[str | Path],
                 use_cache: bool) -> InputLoad:
    from checker.sources.arm import parameters

    context = context or DeploymentContext()
    load = InputLoad()
    cache = None
    if use_cache:
        from checker.sources.expansion_cache import ExpansionCache

        cache = ExpansionCache.open()
    digests: dict[Path, bytes] | None = {} if cache is not None else None
    named: set[Path] = set()
    started = time.perf_counter()
    files = expand_paths(paths, load, named, exclude)
    roots = scanned_roots(paths, link_roots)
    log.info("found %d input file(s) in %.0f ms", len(files), (time.perf_counter() - started) * 1000)

    by_suffix: dict[Reader, list[Path]] = {reader: [] for reader in READERS if reader.suffixes}
    documents: dict[Path, Any] = {}
    linkless: set[Path] = set()  # documents whose text names no relativePath
    for path in files:
        suffix = path.suffix.lower()
        own = next((reader for reader in by_suffix if suffix in reader.suffixes), None)
        if own is not None:
            by_suffix[own].append(path)
            continue
        started = time.perf_counter()
        try:
            if _resolved(path) in named:
                documents[path] = _read_document(path, max_file_bytes, linkless, digests, cache)
            else:
                doc = _read_walked(path, max_file_bytes, load, linkless, digests, cache)
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
            if hasattr(doc, "facts"):  # a template met before, not decoded: refused below as a template is
                doc = documents[path] = doc.decode()
            if not parameters.is_parameter_file(doc):
                raise CheckerError("not an ARM parameter file (no 'parameters' object of values)",
                                   file=display_path(path), line=1,
                                   hint="give a deploymentParameters file to --parameters")
            explicit.update(parameters.read_parameter_file(doc, display_path(path)))
        except CheckerError as exc:
            load.errors.append(exc.to_input_error())

    for name, value in parameter_values:
        explicit[name] = parameters.ParameterValue(value=value, origin=Origin(file=f"--set {name}"))

    ctx = ReadContext(documents=documents, named=named, explicit=explicit,
                      explicit_paths={Path(p).resolve() for p in parameter_files}, context=context,
                      link_roots=roots, max_file_bytes=max_file_bytes, shown=display_path,
                      read_document=lambda path: _read_document(path, max_file_bytes), load=load,
                      linkless=linkless, cache=cache, digests=digests)
    # Readers of their own file types first (a .bicep replaces the JSON compiled from it), then every
    # document goes to the first reader that recognises it: readers that read all theirs at once
    # (templates, whose links span files) in registry order, then the others in input order.
    for reader, own_files in by_suffix.items():
        if own_files:
            load.merge(reader.read([(path, None) for path in own_files], ctx))
    claimed = {path: next((r for r in READERS if not r.suffixes and r.recognises(doc)), None)
               for path, doc in documents.items()}
    for reader in READERS:
        if reader.batch and not reader.suffixes:
            mine = [(path, doc) for path, doc in documents.items() if claimed[path] is reader]
            if mine:
                load.merge(reader.read(mine, ctx))
    for path, doc in documents.items():
        owner = claimed[path]
        if (owner is not None and owner.batch) or _resolved(path) in ctx.linked:
            continue
        if owner is not None:
            load.merge(owner.read([(path, doc)], ctx))
            continue
        shown = display_path(path)
        if _resolved(path) not in named:
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
    if cache is not None:
        cache.close()
    # A template scanned with its what-if result: the template's resources take the predicted state.
    if any("whatif" in resource.metadata for resource in load.resources):
        from checker.sources import whatif

        load.resources = whatif.overlay(load.resources, load.notices)
    return load
