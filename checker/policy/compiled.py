"""The bundled policies in compiled form: what the loader makes of them (YAML read, schema and semantic
checks passed) stored as JSON, so that a scan reads one JSON file instead of parsing and validating
every YAML file.

The compiled form is keyed by a SHA-256 content hash of every policy file and of the pass cases of the
rule test folders (``tests/<ID>/pass.json`` and ``pass.bicep``: the rule pages' compliant examples),
each by relative path and bytes, of the code that validates policies (every module of ``checker/policy``, the policy schema, the
subject kinds and declared fields in ``views/`` and ``subject.py``), of the tool version and of the
subject kinds the caller checks against. The hash is computed on every run from the files as they are now, so an edited,
added or removed policy, or a changed loader, is never served from a stale compiled form: the key
differs and the policies are loaded from YAML again.

Where it lives: the user's cache folder (``checker/cachefiles.py``: ``$HYBRID_CHECK_CACHE_DIR``, else
the platform's cache folder), one file per policy folder, replaced atomically; when the folder cannot be
written the compiled form is kept in memory for the process only and nothing fails. A cache file that
cannot be read or does not match its key is ignored and rewritten. Only a load without errors is
stored: a policy folder with mistakes is read from YAML every time, so that its errors are always
reported.

Checking the key without reading every file: beside the key, the cache file records the status
(size, modification and change times, inode) of every file the key was computed from and of every
folder whose listing decides which files those are (the policy folders, the rule test folders, the code
folders). When all of them still have that status, the recorded key still holds and no file is hashed;
when any differs, the key is computed from the contents as above. The statuses are recorded before the
contents are read, and only when every file and folder was last changed more than
:data:`SETTLED_NS` before (an edit within the time-stamp resolution of the file system could otherwise
leave the status as it was); a change time is set by the system on every change, so a tool that
restores modification times is still seen.

The compliant examples (``Policy.examples``: the rule pages' and SARIF rule help's texts, most of the
compiled bytes) are kept apart, in ``examples-<name>.txt`` beside ``policies-<name>.json``, under the
same key and written before it (a line of JSON with each text's kind and length, then the texts as
they are: reading them is slicing, not decoding JSON strings full of escapes), and each policy's
:class:`checker.results.Examples` reads them when something first asks for them: a scan never reads
them. An examples file that is missing, damaged
or of another key is not trusted: the examples are then read from the rule test folders as the YAML
loader reads them, and the cache file is removed so that the next run compiles both again.

User policy folders (``--policies``) and ``policies validate`` always go through the YAML loader.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Collection, Mapping
from pathlib import Path
from types import MappingProxyType

from checker import __version__
from checker.cachefiles import cache_dir, file_statuses, settled, write_atomically
from checker.digests import sha256
from checker.model import InputError
from checker.policy.model import ParameterSpec, Policy
from checker.results import Examples

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

#: Bumped whenever the layout of the compiled form changes.
FORMAT = 4  # 2: compliant examples included; 3: from the rule test folders' pass cases; 4: examples apart
_PACKAGE = Path(__file__).resolve().parents[1]
#: Besides every module of checker/policy: the files whose content decides what the loader accepts.
_VALIDATING_FILES = ("schemas/policy.schema.json", "subject.py", "results.py", "vocabulary.py")

#: How long before the statuses are taken every recorded file and folder must have last changed.
SETTLED_NS = 2_000_000_000
#: A policy's rule test folder (``tests/<ID>/``: its compliant examples); as in the loader.
_TESTS_DIR = "tests"

# key -> compiled policies and their examples: a second load in the same process (the library API,
# tests) costs nothing, and it is all there is when the cache folder cannot be written.
_memory: dict[str, tuple[list[dict[str, Any]], _Examples]] = {}


def hashed_files() -> list[str]:
    """The package files (relative to ``checker/``) whose bytes are part of the key: every module of
    ``policy/`` and of ``views/`` (the loader checks fields against the subject registry there), and
    the other files the validation reads."""
    files = sorted(p.relative_to(_PACKAGE).as_posix()
                   for folder in ("policy", "views") for p in (_PACKAGE / folder).glob("*.py"))
    return [*files, *_VALIDATING_FILES]


def _code_digest() -> bytes:
    digest = sha256()
    for relative in hashed_files():
        try:
            data = (_PACKAGE / relative).read_bytes()
        except OSError:  # a byte-code-only installation: its code does not change under it
            data = b"<missing>"
        digest.update(f"{relative}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.digest()


def content_key(directory: Path, files: list[Path], known_subjects: Collection[str] | None) -> str:
    """The SHA-256 hex digest the compiled form of ``directory`` is stored under."""
    digest = sha256()
    subjects = _subjects_text(known_subjects)
    digest.update(f"hybrid-check {__version__}\0compiled {FORMAT}\0subjects {subjects}\0".encode())
    digest.update(_code_digest())
    for path in files:
        data = path.read_bytes()
        digest.update(f"{path.relative_to(directory).as_posix()}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def _subjects_text(known_subjects: Collection[str] | None) -> str:
    return "\0".join(sorted(known_subjects)) if known_subjects is not None else "<any>"


def _watched(directory: Path, files: list[Path]) -> list[str]:
    """Every file the key is computed from (``files``: policies and compliant examples; the code files)
    and every folder whose listing decides which files those are: the folders the policy walk enters,
    each policy's ``tests/`` and ``tests/<ID>/`` folders that exist (a missing one is seen in its
    parent's listing) and the code folders."""
    folders: set[Path] = set()
    for folder, subfolders, _ in os.walk(directory):  # the walk of loader.policy_files
        subfolders[:] = [name for name in subfolders if name != _TESTS_DIR]
        folders.add(Path(folder))
    for path in files:
        if path.suffix.lower() in (".yaml", ".yml"):
            tests = path.parent / _TESTS_DIR
            folders.update(folder for folder in (tests, tests / path.stem) if folder.is_dir())
    code = [_PACKAGE / relative for relative in hashed_files()]
    folders.update(path.parent for path in code)
    return sorted({str(path) for path in (*files, *code, *folders)})


def _cache_file(directory: Path) -> Path | None:
    folder = cache_dir()
    if folder is None:
        return None
    name = sha256(str(directory).encode("utf-8", "surrogatepass")).hexdigest()[:20]
    return folder / f"policies-{name}.json"


def examples_file(cache_file: Path) -> Path:
    """The file beside a cache file that holds its policies' compliant examples."""
    return cache_file.with_name("examples-" + cache_file.name.removeprefix("policies-").removesuffix(".json") + ".txt")


# ---------------------------------------------------------------------------------------------------
# Policy <-> compiled document
# ---------------------------------------------------------------------------------------------------

def _compile(policy: Policy, directory: Path) -> dict[str, Any]:
    return {
        "id": policy.id, "title": policy.title, "severity": policy.severity, "patterns": list(policy.patterns),
        "subject": policy.subject, "requires": policy.requires, "description": policy.description,
        "parameters": [[spec.name, spec.type, spec.default, spec.description]
                       for spec in policy.parameters.values()],
        "if": policy.condition_if, "then": policy.condition_then, "message": policy.message,
        "remediation": policy.remediation, "references": list(policy.references),
        "file": Path(policy.file).relative_to(directory).as_posix(), "line": policy.line,
        "property": policy.property,
    }


def _policy(entry: Mapping[str, Any], directory: Path, examples: _Examples, index: int) -> Policy:
    file, rule_id = str(directory / entry["file"]), entry["id"]
    return Policy(
        id=rule_id, title=entry["title"], severity=entry["severity"], patterns=tuple(entry["patterns"]),
        subject=entry["subject"], requires=entry["requires"], description=entry["description"],
        parameters=MappingProxyType({name: ParameterSpec(name=name, type=kind, default=default,
                                                         description=description)
                                     for name, kind, default, description in entry["parameters"]}),
        condition_if=entry["if"], condition_then=entry["then"], message=entry["message"],
        remediation=entry["remediation"], references=tuple(entry["references"]),
        file=file, line=entry["line"],
        examples=Examples(load=lambda: examples.texts(index, file, rule_id)), property=entry["property"])


class _Examples:
    """The compliant examples of one compiled policy folder (the texts of ``Policy.examples``, most of
    the compiled form's bytes; a scan never reads them): the list of each policy's examples, in the
    order of the compiled policies, either at hand (just compiled) or read from the examples file
    when a policy's examples are first asked for. That file is written before the cache file and
    carries the same key; one that is missing, damaged or of another key is not trusted: the examples
    are then read from the rule test folders as the YAML loader reads them (so they are never stale),
    and the cache file is removed, so that the next run compiles both again."""

    __slots__ = ("key", "count", "file", "cache_file", "_texts")

    def __init__(self, key: str, count: int, texts: list[dict[str, str]] | None = None,
                 file: Path | None = None, cache_file: Path | None = None) -> None:
        self.key, self.count, self.file, self.cache_file = key, count, file, cache_file
        self._texts = texts

    def texts(self, index: int, policy_file: str, rule_id: str) -> Mapping[str, str]:
        texts = self._texts
        if texts is None:
            texts = self._texts = self._read()
        if texts:
            return texts[index]
        from checker.policy.loader import compliant_examples

        return compliant_examples(policy_file, rule_id)

    def _read(self) -> list[dict[str, str]]:
        """The examples file's texts when it holds (see :func:`_write_examples`), else an empty list
        (read from the test folders)."""
        texts = _read_examples(self.file, self.key, self.count) if self.file is not None else None
        if texts is not None:
            return texts
        if self.cache_file is not None:
            cached = _read_document(self.cache_file)
            if cached is not None and cached.get("key") == self.key:
                try:  # the next run compiles again and writes both files
                    self.cache_file.unlink()
                except OSError:
                    pass
        return []


def _read_examples(path: Path, key: str, count: int) -> list[dict[str, str]] | None:
    """The texts of an examples file written under ``key`` for ``count`` policies, else None."""
    try:
        data = path.read_bytes()
        cut = data.find(b"\n")
        header = json.loads(data[:cut]) if cut >= 0 else None
        body = data[cut + 1:].decode("utf-8", "surrogatepass")
    except (OSError, ValueError):
        return None
    if type(header) is not dict or header.get("format") != FORMAT or header.get("key") != key:
        return None
    lengths = header.get("lengths")
    if type(lengths) is not list or len(lengths) != count:
        return None
    texts: list[dict[str, str]] = []
    start = 0
    for kinds in lengths:
        if type(kinds) is not list:
            return None
        found: dict[str, str] = {}
        for pair in kinds:
            if type(pair) is not list or len(pair) != 2 or type(pair[0]) is not str or type(pair[1]) is not int:
                return None
            end = start + pair[1]
            if pair[1] < 0 or end > len(body):
                return None
            found[pair[0]] = body[start:end]
            start = end
        texts.append(found)
    return texts if start == len(body) else None


# ---------------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------------

def _read_document(path: Path) -> dict[str, Any] | None:
    try:
        document = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        return None
    return document


def _entries(document: dict[str, Any] | None, key: str) -> list[dict[str, Any]] | None:
    if document is None or document.get("key") != key:
        return None
    entries = document.get("policies")
    return entries if isinstance(entries, list) else None


def _unchanged(document: dict[str, Any] | None, subjects: str) -> list[dict[str, Any]] | None:
    """The compiled policies of a cache file whose recorded statuses all still hold (see the module's
    text), else None."""
    if document is None:
        return None
    recorded = document.get("stats")
    if not isinstance(recorded, dict) or recorded.get("version") != __version__ or recorded.get("subjects") != subjects:
        return None
    paths, statuses, key = recorded.get("paths"), recorded.get("statuses"), document.get("key")
    if not isinstance(paths, list) or not isinstance(statuses, list) or not isinstance(key, str):
        return None
    if not paths or not all(isinstance(path, str) for path in paths) or file_statuses(paths) != statuses:
        return None
    return _entries(document, key)


def _write_cache(path: Path, key: str, entries: list[dict[str, Any]], stats: dict[str, Any] | None = None) -> None:
    """Atomically (write then rename); any failure only means the next run compiles again."""
    document: dict[str, Any] = {"format": FORMAT, "key": key, "policies": entries}
    if stats is not None:
        document["stats"] = stats
    _write_json(path, document)


def _write_json(path: Path, document: dict[str, Any]) -> None:
    try:
        text = json.dumps(document, separators=(",", ":"))
    except (TypeError, ValueError):
        return
    write_atomically(path, text.encode("utf-8"))


def _write_examples(path: Path, key: str, compiled: list[dict[str, str]]) -> None:
    """Atomically, the examples file: a line of JSON (format, key, and each policy's kinds with the length of each
    text) and then the texts one after the other, so that reading them is slicing, not decoding JSON
    strings full of escapes."""
    lengths = [[[kind, len(text)] for kind, text in texts.items()] for texts in compiled]
    header = json.dumps({"format": FORMAT, "key": key, "lengths": lengths}, separators=(",", ":"))
    body = "".join(text for texts in compiled for text in texts.values())
    write_atomically(path, f"{header}\n{body}".encode("utf-8", "surrogatepass"))


def load_compiled(directory: Path,
                  known_subjects: Collection[str] | None = None) -> tuple[list[Policy], list[InputError]]:
    """The policies of a folder as :func:`checker.policy.loader.load_policies` returns them, from the
    compiled form when its content key matches, else from YAML (and then compiled for the next run)."""
    directory = Path(directory)
    cache_file = _cache_file(directory)
    subjects = _subjects_text(known_subjects)
    document = _read_document(cache_file) if cache_file is not None else None
    if directory.is_dir():
        # Nothing changed since the key was computed: no file is read again (the examples are read
        # when first asked for).
        entries = _unchanged(document, subjects)
        if entries is not None and document is not None:
            policies = _from_entries(entries, _stored_examples(document["key"], entries, cache_file), directory)
            if policies is not None:
                return policies, []
    from checker.policy.loader import example_files, load_policies, policy_files

    if not directory.is_dir():
        return load_policies([directory], known_subjects)
    try:
        # The statuses are taken before the contents are read: a file changed in between is seen
        # on the next run.
        taken_ns = time.time_ns()
        # The compliant examples (the pass cases of the rule test folders) are part of what is compiled,
        # so part of the key.
        # (a policy file's stem is its rule id: the loader checks that)
        files = policy_files(directory)
        examples = [path for file in files for path in example_files(file, file.stem).values()]
        watched = _watched(directory, files + examples)
        statuses = file_statuses(watched)
        key = content_key(directory, files + examples, known_subjects)
    except OSError:  # a file vanished or cannot be read: the loader words the problem
        return load_policies([directory], known_subjects)
    stats = ({"version": __version__, "subjects": subjects, "paths": watched, "statuses": statuses}
             if settled(statuses, taken_ns, SETTLED_NS) else None)
    cached = _memory.get(key)
    entries, texts = cached if cached is not None else (_entries(document, key), None)
    if entries is not None:
        texts = texts if texts is not None else _stored_examples(key, entries, cache_file)
        policies = _from_entries(entries, texts, directory)
        if policies is not None:
            _memory[key] = (entries, texts)
            if cache_file is not None and stats is not None and (
                    document is None or document.get("key") != key or document.get("stats") != stats):
                # the same key, now with the statuses that let the next run skip the hashing
                _write_cache(cache_file, key, entries, stats)
            return policies, []
    policies, errors = load_policies([directory], known_subjects)
    if not errors:
        entries = [_compile(policy, directory) for policy in policies]
        compiled = [dict(policy.examples) for policy in policies]
        _memory[key] = (entries, _Examples(key, len(entries), compiled))
        if cache_file is not None:
            # the examples first: a cache file is never newer than the examples of its key
            _write_examples(examples_file(cache_file), key, compiled)
            _write_cache(cache_file, key, entries, stats)
    return policies, errors


def _stored_examples(key: str, entries: list[dict[str, Any]], cache_file: Path | None) -> _Examples:
    """The examples of compiled policies read from a cache file: in the examples file beside it."""
    return _Examples(key, len(entries), file=examples_file(cache_file) if cache_file is not None else None,
                     cache_file=cache_file)


def _from_entries(entries: list[dict[str, Any]] | None, examples: _Examples,
                  directory: Path) -> list[Policy] | None:
    if entries is None:
        return None
    try:
        return [_policy(entry, directory, examples, index) for index, entry in enumerate(entries)]
    except (KeyError, TypeError, ValueError):  # a damaged cache file: compile again
        return None


def load_bundled(known_subjects: Collection[str] | None = None) -> tuple[list[Policy], list[InputError]]:
    """The policies shipped with hybrid-check (:func:`checker.policy.loader.default_policy_dir`)."""
    from checker.policy.loader import default_policy_dir

    return load_compiled(default_policy_dir(), known_subjects)
