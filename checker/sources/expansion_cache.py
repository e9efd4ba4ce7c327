"""Expansions of root templates kept between runs, so that a scan of templates that have not changed
decodes them but does not expand them again.

What a root template expands to (its resources, input errors and notices) depends on the template's
bytes, the parameter values given to it, the deployment context, where it is read from and the code
of hybrid-check. The key of a kept expansion is a BLAKE2b digest of all of them:

- the template's bytes, its path as shown and as resolved, its folder, the link roots, the file size
  limit and the working folder;
- every parameter value given (a sibling parameter file's, ``--parameters``, ``--set``), each with
  the place it was written (values and places appear in the results);
- the deployment context (``--subscription``, ``--resource-group``...);
- the reading code: every file of ``checker/sources/`` (code and data) and every module directly in
  ``checker/`` (the model, records, digests...; what the readers import from outside
  ``checker/sources/``, which a test checks), the tool version and the Python version.

An expansion of more than :data:`MAX_KEPT_RESOURCES` resources is not kept (copy loops make them
cheaply; keeping and reading them back costs about as much). An expansion is kept only when it
depended on nothing else (``SourceLoad.self_contained``): it read
no linked template or parameter file (and looked for none), met no depth limit nor unexpected
exception, and saw no secret's value (a :class:`checker.model.Secret` made from a known value
carries a digest salted per run; secrets are never written to the cache, not even as digests). A
template given a value for a ``secureString`` or ``secureObject`` parameter (other than a Key Vault
reference, whose value is never known) is not kept either, nor is a scan with ``--context``
(``reference()`` then reads the live estate).

Where it lives: ``expansions-<format>/`` in the user's cache folder (``checker/cachefiles.py``), one
file per kept expansion, written atomically; ``--no-cache`` (``ScanOptions.use_cache``) and an empty
``$HYBRID_CHECK_CACHE_DIR`` switch it off. A file that cannot be read, does not match its key or holds
anything but the records of an expansion is ignored (and removed): the template is expanded again.
Files are read with an unpickler that makes only what an expansion holds (its plain data records and
containers, and JSON objects through ``decode._rebuilt_object``): any other class or function named in
a file is refused. The folder keeps at most :data:`MAX_ENTRIES`
files: past that, the oldest are removed.

A template whose expansion may be kept is not even decoded when its bytes are those of a template met
before: beside the kept expansions, ``documents.json`` holds what a scan needs to know of each such
template besides its expansion (:class:`DocumentFacts`: the files it links by a literal
``relativePath``, its secure parameters, whether Bicep compiled it), under the digest of its bytes
and the code's digest. Such a template is read as a :class:`KeptDocument` (its bytes and facts) and
decoded only when it has to be expanded after all.

The code's digest is computed from the contents of the reading code's files; beside it, a small record of
their statuses (size, modification and change times, inode) lets the next run skip reading them when
none has changed, as for the compiled policies (``checker/policy/compiled.py``).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from checker import __version__, log
from checker.cachefiles import cache_dir, file_statuses, settled, write_atomically
from checker.digests import blake2b
from checker.duplicates import INPUT_KEY, InputTag, next_input_serial
from checker.model import InputError, Notice, Resource
from checker.records import Value
from checker.sources import decode as decoding
from checker.sources.load import SourceLoad

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from checker.sources.arm.context import DeploymentContext

try:  # the C pickler, without the pure-Python module around it (which costs as much again to import)
    import _pickle as _pickling
except ImportError:  # pragma: no cover - an interpreter without it
    import pickle as _pickling  # type: ignore[no-redef]

#: Bumped whenever what is stored changes shape.
FORMAT = 1
#: Kept expansions at most, and their bytes at most; past either the oldest files are removed.
MAX_ENTRIES = 2000
MAX_BYTES = 256 * 1024 * 1024
#: Templates larger than this are neither hashed nor kept (their expansion is dominated by reading).
MAX_TEMPLATE_BYTES = 8 * 1024 * 1024
#: Expansions of more resources are not kept: made by copy loops, they cost about as much to keep and
#: to read back as to make (20,000 resources: expanded in 1.2 s, kept in 0.9 s more, read back in 0.8 s).
MAX_KEPT_RESOURCES = 1000
#: How long before its statuses are taken every package file must have last changed for the statuses
#: to stand for its contents (an edit within a time stamp's resolution could leave a status as it was).
SETTLED_NS = 2_000_000_000

_PACKAGE = Path(__file__).resolve().parents[1]
#: The folder's mode when it is made: it holds the contents of the user's templates.
PRIVATE = 0o700

#: The classes a kept expansion may hold, by module: the unpickler makes no other.
_ALLOWED: dict[str, frozenset[str]] = {
    "builtins": frozenset({"set", "frozenset"}),
    "checker.model": frozenset({"Origin", "Unknown", "InputError", "Notice", "Resource", "Secret",
                                "CaseInsensitiveDict", "UnknownObject"}),
    "checker.sources.decode": frozenset({"JsonObject", "_rebuilt_object"}),
    "checker.duplicates": frozenset({"InputTag"}),
}


#: Documents whose facts are kept at most (past it, the first remembered are dropped).
MAX_DOCUMENTS = 4 * MAX_ENTRIES


class DocumentFacts:
    """What a scan needs to know of a template besides its expansion: the literal ``relativePath`` of
    its links, its secure parameters (lower case) and whether Bicep compiled it."""

    __slots__ = ("links", "secure", "from_bicep")

    def __init__(self, links: frozenset[str], secure: frozenset[str], from_bicep: bool) -> None:
        self.links = links
        self.secure = secure
        self.from_bicep = from_bicep

    def to_json(self) -> list[Any]:
        return [sorted(self.links), sorted(self.secure), self.from_bicep]

    @classmethod
    def from_json(cls, value: Any) -> DocumentFacts | None:
        if not (isinstance(value, list) and len(value) == 3 and isinstance(value[2], bool)
                and all(isinstance(part, list) and all(isinstance(item, str) for item in part) for part in value[:2])):
            return None
        return cls(frozenset(value[0]), frozenset(value[1]), value[2])


class KeptDocument:
    """A template read but not decoded (its bytes are those of a template met before): its facts, and
    the document when something needs it after all (:meth:`decode`)."""

    __slots__ = ("raw", "shown", "facts")

    def __init__(self, raw: bytes, shown: str, facts: DocumentFacts) -> None:
        self.raw = raw
        self.shown = shown
        self.facts = facts

    def decode(self) -> Any:
        return decoding.loads(self.raw, self.shown)


def secure_parameters(doc: Any) -> frozenset[str]:
    """The names (lower case) of the parameters a template declares secure."""
    declared = doc.get("parameters") if isinstance(doc, dict) else None
    if not isinstance(declared, dict):
        return frozenset()
    return frozenset(name.lower() for name, declaration in declared.items()
                     if isinstance(name, str) and isinstance(declaration, dict)
                     and str(declaration.get("type", "")).lower() in ("securestring", "secureobject"))


def content_digest(raw: bytes) -> bytes | None:
    """The digest of an input file's bytes that a key is made from; None for a file too large to keep."""
    if len(raw) > MAX_TEMPLATE_BYTES:
        return None
    return blake2b(raw, digest_size=32).digest()  # type: ignore[call-arg]


class _Uncacheable(Exception):
    """A parameter value the key cannot describe: the expansion is not kept."""


def _describe(value: Any) -> Any:
    """A JSON-encodable description of a parameter value (or of a place), with the class and position of
    every object in it: two values that differ in anything an expansion could show differ here."""
    cls = value.__class__
    if cls is str or cls is int or cls is bool or value is None:
        return value
    if cls is float:
        return ["float", repr(value)]
    if isinstance(value, dict):
        return ["object", cls.__name__, getattr(value, "line", None), getattr(value, "column", None),
                [[_describe(key), _describe(item)] for key, item in value.items()]]
    if cls is list or cls is tuple:
        return ["array", cls.__name__, [_describe(item) for item in value]]
    if isinstance(value, Value) and cls.__module__.startswith("checker."):
        return ["record", f"{cls.__module__}.{cls.__qualname__}",
                [_describe(getattr(value, name)) for name in cls._fields]]
    raise _Uncacheable(cls.__name__)


def _secure_parameter_given(secure: frozenset[str], values: Mapping[str, Any]) -> bool:
    """True when a value is given for a parameter the template declares secure (a Key Vault reference
    aside: its value is never known)."""
    return bool(secure) and any(name.lower() in secure and not getattr(value, "key_vault", False)
                                for name, value in values.items())


class _Unpickler(_pickling.Unpickler):  # type: ignore[misc,name-defined]
    def find_class(self, module: str, name: str) -> Any:
        if name not in _ALLOWED.get(module, ()):
            raise _pickling.UnpicklingError(f"{module}.{name} is not a class of a kept expansion")
        return super().find_class(module, name)


class ExpansionCache:
    """The kept expansions of one scan's reading: :meth:`key`, :meth:`load`, :meth:`store`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._code: bytes | None = None
        self.hits = 0
        self.stored = 0
        self._documents: dict[str, Any] | None = None  # digest (hex) -> DocumentFacts.to_json()
        self._documents_changed = False

    @classmethod
    def open(cls) -> ExpansionCache | None:
        """The cache of the user's cache folder, or None when caching to disk is switched off."""
        folder = cache_dir()
        return None if folder is None else cls(folder / f"expansions-{FORMAT}")

    # -- the key ------------------------------------------------------------------------------------

    def key(self, *, template: bytes, secure: frozenset[str], path: Path, resolved: Path, shown: str,
            values: Mapping[str, Any], context: DeploymentContext, link_roots: tuple[Path, ...],
            max_file_bytes: int) -> str | None:
        """The key of a root template's expansion with these inputs (``secure``: the template's secure
        parameters); None when it is not to be kept."""
        if context.known_resources is not None or _secure_parameter_given(secure, values):
            return None
        try:
            described = json.dumps([
                f"hybrid-check {__version__} expansions {FORMAT} {sys.implementation.cache_tag}",
                self.code_digest().hex(), template.hex(), shown, str(resolved), str(path.parent),
                os.getcwd(), [str(root) for root in link_roots], max_file_bytes,
                [_describe(getattr(context, name)) for name in context._compared],
                [[name, _describe(value)] for name, value in values.items()],
            ], ensure_ascii=False, separators=(",", ":"))
        except (_Uncacheable, OSError, ValueError, RecursionError):
            return None
        return blake2b(described.encode("utf-8", "surrogatepass"), digest_size=32).hexdigest()  # type: ignore[call-arg]

    def code_digest(self) -> bytes:
        """The digest of the reading code (see the module's text)."""
        if self._code is None:
            # one record per installation: two installations sharing a cache folder each keep theirs
            name = blake2b(str(_PACKAGE).encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()  # type: ignore[call-arg]
            self._code = _code_digest(self.folder / f"code-{name}.json")
        return self._code

    # -- the facts of templates met before -----------------------------------------------------------

    def facts(self, digest: bytes) -> DocumentFacts | None:
        """The facts of the template whose bytes have this digest, when one was met before."""
        documents = self._read_documents()
        found = documents.get(digest.hex())
        return DocumentFacts.from_json(found) if found is not None else None

    def remember(self, digest: bytes, facts: DocumentFacts) -> None:
        """Keep a template's facts (written by :meth:`close`)."""
        documents = self._read_documents()
        entry = facts.to_json()
        name = digest.hex()
        if documents.get(name) != entry:
            documents.pop(name, None)
            documents[name] = entry
            self._documents_changed = True

    def _read_documents(self) -> dict[str, Any]:
        if self._documents is None:
            self._documents = {}
            try:
                with open(self.folder / "documents.json", "rb") as handle:
                    stored = json.load(handle)
                if (isinstance(stored, dict) and stored.get("code") == self.code_digest().hex()
                        and isinstance(stored.get("documents"), dict)):
                    self._documents = stored["documents"]
            except (OSError, ValueError):
                pass
        return self._documents

    # -- reading and writing ------------------------------------------------------------------------

    def load(self, key: str) -> SourceLoad | None:
        """The kept expansion of ``key``, its resources tagged as a new expansion of this run; None
        when there is none (or it cannot be trusted)."""
        path = self.folder / f"{key}.pickle"
        try:
            with open(path, "rb") as handle:
                entry = _Unpickler(handle).load()
        except FileNotFoundError:
            return None
        except Exception:  # noqa: BLE001 - anything unreadable is a file to expand again, never a crash
            _remove(path)
            return None
        if not (isinstance(entry, tuple) and len(entry) == 6 and entry[0] == FORMAT and entry[1] == key
                and all(isinstance(part, list) for part in entry[2:5]) and isinstance(entry[5], int)
                and all(isinstance(item, kind) for kind, part in zip((Resource, InputError, Notice), entry[2:5])
                        for item in part)):
            _remove(path)
            return None
        _, _, resources, errors, notices, work_used = entry
        # the serial number each expansion of a run takes in turn, as if expanded now
        serial = next_input_serial()
        tags: dict[int, InputTag] = {}
        for resource in resources:
            old = resource.metadata.get(INPUT_KEY)
            if isinstance(old, InputTag):
                tag = tags.get(id(old))
                if tag is None:
                    tag = tags[id(old)] = InputTag(old.file, serial, old.parameter_files)
                resource.metadata[INPUT_KEY] = tag
        self.hits += 1
        return SourceLoad(resources, errors, notices, work_used=work_used, self_contained=True)

    def store(self, key: str, load: SourceLoad) -> None:
        """Keep a self-contained expansion for later runs (a failure to write only means it is not kept)."""
        if not load.self_contained or len(load.resources) > MAX_KEPT_RESOURCES:
            return
        try:
            data = _pickling.dumps((FORMAT, key, load.resources, load.errors, load.notices, load.work_used),
                                   protocol=5)
        except Exception:  # noqa: BLE001 - a value that cannot be pickled: not kept
            return
        if write_atomically(self.folder / f"{key}.pickle", data, PRIVATE):
            self.stored += 1

    def close(self) -> None:
        """After a reading that stored expansions: past :data:`MAX_ENTRIES` files or :data:`MAX_BYTES`,
        the oldest files are removed down to three quarters of both."""
        log.info("templates' expansions: %d kept from earlier runs used, %d kept for later runs", self.hits,
                 self.stored)
        if self._documents_changed and self._documents is not None:
            documents = self._documents
            for name in list(documents)[: max(0, len(documents) - MAX_DOCUMENTS)]:
                del documents[name]  # the least recently remembered first
            write_atomically(self.folder / "documents.json", json.dumps(
                {"code": self.code_digest().hex(), "documents": documents}, separators=(",", ":")).encode(), PRIVATE)
        if not self.stored:
            return
        try:
            entries = [(entry.stat(), entry.path) for entry in os.scandir(self.folder)
                       if entry.name.endswith(".pickle")]
        except OSError:
            return
        total = sum(status.st_size for status, _ in entries)
        if len(entries) <= MAX_ENTRIES and total <= MAX_BYTES:
            return
        entries.sort(key=lambda entry: entry[0].st_mtime_ns)
        count = len(entries)
        for status, path in entries:
            if count <= MAX_ENTRIES * 3 // 4 and total <= MAX_BYTES * 3 // 4:
                break
            _remove(Path(path))
            count -= 1
            total -= status.st_size


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


def _package_files() -> tuple[list[str], list[str]]:
    """The folders and files of the reading code (byte code aside): ``checker/sources/`` whole, and the
    modules directly in ``checker/`` (not its other subpackages: policies, views, reports)."""
    folders = [str(_PACKAGE)]
    files = [os.path.join(_PACKAGE, name) for name in os.listdir(_PACKAGE) if name.endswith(".py")]
    for folder, subfolders, names in os.walk(_PACKAGE / "sources"):
        subfolders[:] = sorted(name for name in subfolders if name != "__pycache__")
        folders.append(folder)
        files.extend(os.path.join(folder, name) for name in names if not name.endswith((".pyc", ".pyo")))
    return sorted(folders), sorted(files)


def _code_digest(record_file: Path) -> bytes:
    """The digest of the reading code's files (:func:`_package_files`): from ``record_file`` when the recorded files and folders
    (whose listings say which files there are) all still have their recorded statuses, else from the
    files' contents (and then recorded, when every status is settled)."""
    try:
        record = json.loads(record_file.read_bytes())
        paths, digest = record["paths"], record["digest"]
        if (record.get("package") == str(_PACKAGE) and isinstance(paths, list) and paths
                and all(isinstance(path, str) for path in paths) and file_statuses(paths) == record.get("statuses")):
            return bytes.fromhex(digest)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        pass
    folders, files = _package_files()
    paths = folders + files
    statuses = file_statuses(paths)  # before the contents: a file changed in between is seen next time
    taken_ns = time.time_ns()
    hashed = blake2b(digest_size=32)  # type: ignore[call-arg]
    for path in files:
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError:
            data = b"<missing>"
        hashed.update(f"{os.path.relpath(path, _PACKAGE)}\0{len(data)}\0".encode("utf-8", "surrogatepass"))
        hashed.update(data)
    code = hashed.digest()
    if settled(statuses, taken_ns, SETTLED_NS):
        write_atomically(record_file, json.dumps({"package": str(_PACKAGE), "paths": paths, "statuses": statuses,
                                                  "digest": code.hex()}).encode("utf-8", "surrogatepass"), PRIVATE)
    return code
