"""Read ``.bicep`` and ``.bicepparam`` files into resources through the ARM engine.

A ``.bicep`` file is parsed (:mod:`checker.sources.bicep.parser`), translated to the template the Bicep
compiler would emit (:mod:`checker.sources.bicep.translate`) and expanded by
:func:`checker.sources.arm.deployment.expand_template` under the ``.bicep`` file's own name, so every
resource points at its ``.bicep`` line. Local modules are nested deployments whose template is read
the same way (the engine asks :func:`module_template` through its linked-template hook), so a module's
resources point into the module's file. Registry modules (``br:``, ``br/public:``) and template specs
(``ts:``) are not fetched: they are read from the local Bicep module cache when the Bicep CLI restored
them there, else reported as not expanded.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from lark import Tree

from checker.files import read_limited
from checker.model import CheckerError, InputError, Notice, Origin
from checker.sources import decode
from checker.sources.arm import deployment
from checker.sources.arm.context import DeploymentContext
from checker.sources.arm.parameters import ParameterValue, is_parameter_file, read_parameter_file
from checker.sources.bicep.parser import parse
from checker.sources.bicep.translate import Translator, UnsupportedBicep, _is_local

BICEP_SUFFIXES = (".bicep", ".bicepparam")
#: Where the Bicep CLI restores registry modules (``bicep restore``).
DEFAULT_MODULE_CACHE = Path.home() / ".bicep"
#: The registry alias ``br/public:`` stands for.
PUBLIC_REGISTRY = "mcr.microsoft.com/bicep"


def _read_text(path: Path, shown: str, max_bytes: int | None = None) -> str:
    from checker.sources.inputs import DEFAULT_MAX_FILE_BYTES
    try:
        raw = read_limited(path, max_bytes if max_bytes is not None else DEFAULT_MAX_FILE_BYTES, "file",
                           shown=shown, hint="raise the limit with --max-file-size if it is genuine")
    except FileNotFoundError:
        raise CheckerError("cannot read the file: no such file", file=shown, hint="check the path") from None
    return decode.decode_text(raw, shown)


class _Loader:
    """Parses and translates Bicep files once each (imports and modules are shared)."""

    def __init__(self, module_cache: Path | None = None) -> None:
        self.module_cache = DEFAULT_MODULE_CACHE if module_cache is None else module_cache
        self.translators: dict[Path, Translator] = {}
        self.templates: dict[Path, Any] = {}  # one translation per file, however many modules call it
        self.notices: list[Notice] = []

    def translator(self, path: Path, shown: str, max_bytes: int | None = None, stack: tuple[Path, ...] = ()) -> Translator:
        key = path.resolve()
        if key in self.translators:
            return self.translators[key]
        if key in stack:
            raise CheckerError("the Bicep file imports itself (through other files)", file=shown, line=1,
                               hint="remove the import cycle")
        text = _read_text(path, shown, max_bytes)
        tree = parse(text, shown)

        def load_import(source: str, node: Any) -> Translator:
            target = Path(os.path.normpath(path.parent / source))
            target_shown = os.path.normpath(os.path.join(os.path.dirname(shown), source))
            return self.translator(target, target_shown, None, stack + (key,))

        translator = Translator(tree, shown, path.parent, load_import=load_import)
        for line, message in translator.notices:
            self.notices.append(Notice(file=shown, line=line, kind="info", message=message))
        self.translators[key] = translator
        return translator

    def template(self, path: Path, shown: str, max_bytes: int | None = None) -> Any:
        key = path.resolve()
        if key not in self.templates:
            self.templates[key] = self._template(path, shown, max_bytes)
        return self.templates[key]

    def _template(self, path: Path, shown: str, max_bytes: int | None = None) -> Any:
        translator = self.translator(path, shown, max_bytes)
        if translator.using is not None or path.suffix.lower() == ".bicepparam":
            raise CheckerError("a .bicepparam file is not a template", file=shown, line=1,
                               hint="give it as an input: its 'using' names the template")
        template = translator.template()
        self._registry_modules(template, shown)
        return template

    def _registry_modules(self, template: Any, shown: str) -> None:
        """``templateLink.uri`` of a registry module becomes the cached ``main.json`` when the Bicep CLI
        restored the module, with a notice saying so; else it stays a link the engine reports."""
        resources = template.get("resources")
        if not isinstance(resources, dict):
            return
        for raw in resources.values():
            link = raw.get("properties", {}).get("templateLink") if isinstance(raw.get("properties"), dict) else None
            if not isinstance(link, dict) or "uri" not in link:
                continue
            cached = cached_module(str(link["uri"]), self.module_cache)
            if cached is not None:
                link.pop("uri")
                link["relativePath"] = str(cached)
                self.notices.append(Notice(file=shown, line=getattr(raw, "line", None), kind="info", message=(
                    f"module '{cached_reference(str(cached), self.module_cache)}' is read from the local Bicep "
                    f"module cache ({cached})")))
            else:
                link["uri"] = f"{link['uri']} (registry module; restore it with 'bicep restore' to check it)"


def cached_module(reference: str, cache: Path) -> Path | None:
    """The ``main.json`` the Bicep CLI restored for ``br:``/``br/public:`` ``reference``, if present."""
    if reference.startswith("br/public:"):
        registry, _, rest = PUBLIC_REGISTRY.partition("/")
        rest = f"{rest}/{reference[len('br/public:'):]}"
    elif reference.startswith("br:"):
        registry, _, rest = reference[3:].partition("/")
    else:
        return None
    repository, _, tag = rest.rpartition(":")
    if not repository or not tag:
        return None
    candidate = cache / "br" / registry / repository.replace("/", "$") / f"{tag}$" / "main.json"
    return candidate if candidate.is_file() else None


def cached_reference(path: str, cache: Path) -> str:
    """A cache path shown as the module reference it holds."""
    try:
        parts = Path(path).relative_to(cache / "br").parts
    except ValueError:
        return path
    if len(parts) < 3:
        return path
    return f"br:{parts[0]}/{parts[1].replace('$', '/')}:{parts[2].rstrip('$')}"


_LOADER: _Loader | None = None


def module_template(path: Path, shown: str) -> Any:
    """The engine's hook for a nested deployment whose ``templateLink.relativePath`` is a ``.bicep`` file."""
    loader = _LOADER or _Loader()
    try:
        return loader.template(path, shown)
    except CheckerError:
        raise
    except Exception as exc:  # the engine reports CheckerError with the module's file
        error = _unexpected(exc, shown)
        raise CheckerError(error.message, file=shown, hint=error.hint) from None


deployment.LINKED_READERS[".bicep"] = module_template


def _parameter_values(translator: Translator, shown: str) -> dict[str, ParameterValue]:
    """The ``param name = value`` lines of a ``.bicepparam`` file (JSON-like values only)."""
    values: dict[str, ParameterValue] = {}
    for statement in translator.tree.children:
        if not isinstance(statement, Tree):
            continue
        declaration = [c for c in statement.children if isinstance(c, Tree)][-1]
        if declaration.data not in ("param_decl",):
            continue
        name = str([c for c in declaration.children if not isinstance(c, Tree)][1].value)
        trees = [c for c in declaration.children if isinstance(c, Tree)]
        if not trees:
            raise UnsupportedBicep(f"parameter '{name}' has no value", file=shown,
                                   line=declaration.meta.line, hint="write param name = value")
        value = translator.value(trees[-1], translator_env())
        if _has_expression(value):
            raise UnsupportedBicep(f"the value of parameter '{name}' is an expression; only literal values are "
                                   f"read from .bicepparam files", file=shown, line=declaration.meta.line,
                                   hint="write the value literally, or pass it with --set")
        values[name] = ParameterValue(value=value, origin=Origin(file=shown, line=declaration.meta.line,
                                                                 column=declaration.meta.column))
    return values


def translator_env() -> Any:
    from checker.sources.bicep.translate import _Env
    return _Env()


def _has_expression(value: Any) -> bool:
    if isinstance(value, str):
        return value.startswith("[") and not value.startswith("[[")
    if isinstance(value, dict):
        return any(_has_expression(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_expression(v) for v in value)
    return False


def read_bicep_files(files: Sequence[Path], shown_of: Any, *, explicit: Mapping[str, ParameterValue],
                     context: DeploymentContext, max_file_bytes: int,
                     module_cache: Path | None = None,
                     siblings: set[Path] | None = None,
                     link_roots: Sequence[Path] | None = None) -> tuple[list[Any], list[InputError], list[Notice]]:
    """Read ``.bicep`` and ``.bicepparam`` inputs. A ``.bicep`` that a ``.bicepparam`` among the inputs
    uses, or that another input uses as a local module, is read through that file only. A
    ``<name>.parameters.json`` beside ``<name>.bicep`` gives its values (under ``explicit``); the
    parameter files used so are added to ``siblings``. Modules are read inside ``link_roots`` (default:
    the folder of each input) and the Bicep module cache."""
    siblings = set() if siblings is None else siblings
    global _LOADER
    loader = _Loader(module_cache)
    _LOADER = loader
    resources: list[Any] = []
    errors: list[InputError] = []
    try:
        jobs: list[tuple[Path, str, dict[str, ParameterValue]]] = []
        used: set[Path] = set()
        templates: list[Path] = []
        for path in files:
            shown = shown_of(path)
            try:
                translator = loader.translator(path, shown, max_file_bytes)
            except CheckerError as exc:
                errors.append(exc.to_input_error())
                continue
            except Exception as exc:  # never a traceback: say which file could not be read
                errors.append(_unexpected(exc, shown))
                continue
            if path.suffix.lower() == ".bicepparam" or translator.using is not None:
                if translator.using is None:
                    errors.append(InputError(file=shown, line=1, message="the .bicepparam file has no 'using'",
                                             hint="start it with using './main.bicep'"))
                    continue
                target = Path(os.path.normpath(path.parent / translator.using))
                try:
                    values = _parameter_values(translator, shown)
                except CheckerError as exc:
                    errors.append(exc.to_input_error())
                    continue
                values.update(explicit)
                used.add(target.resolve())
                jobs.append((target, os.path.normpath(os.path.join(os.path.dirname(shown), translator.using)),
                             values))
            else:
                templates.append(path)
                used |= {Path(os.path.normpath(path.parent / link)).resolve()
                         for link in _local_module_paths(translator)}
        for path in templates:
            if path.resolve() not in used:
                values = {}
                sibling = path.with_name(f"{path.stem}.parameters.json")
                if sibling.is_file():
                    # main.parameters.json beside main.bicep (as `az deployment ... -f main.bicep -p ...`)
                    try:
                        raw = read_limited(sibling, max_file_bytes, "file", shown=shown_of(sibling))
                        document = decode.loads(raw, shown_of(sibling))
                        if is_parameter_file(document):
                            values.update(read_parameter_file(document, shown_of(sibling)))
                            siblings.add(sibling.resolve())
                    except (OSError, CheckerError) as exc:
                        if isinstance(exc, CheckerError):
                            errors.append(exc.to_input_error())
                values.update(explicit)
                jobs.append((path, shown_of(path), values))
        for path, shown, values in jobs:
            try:
                template = loader.template(path, shown, max_file_bytes)
            except CheckerError as exc:
                errors.append(exc.to_input_error())
                continue
            except Exception as exc:  # never a traceback: say which file could not be read
                errors.append(_unexpected(exc, shown))
                continue
            roots = (*(link_roots if link_roots is not None else (path.parent,)), loader.module_cache)
            result = deployment.expand_template(template, shown, parameter_values=values, context=context,
                                                base_dir=path.parent, link_roots=roots,
                                                max_file_bytes=max_file_bytes)
            resources.extend(result.resources)
            errors.extend(result.errors)
            loader.notices.extend(result.notices)
    finally:
        _LOADER = None
    return resources, errors, loader.notices


def _unexpected(exc: Exception, shown: str) -> InputError:
    if isinstance(exc, RecursionError):
        return InputError(file=shown, line=None, message="the Bicep file nests expressions too deeply to read",
                          hint="split the expression with variables")
    # Only the exception type: its text could quote a value of the file (a secret).
    return InputError(file=shown, line=None, message=f"the Bicep file could not be translated ({type(exc).__name__})",
                      hint="report this file to the hybrid-check maintainers; compile it with 'bicep build' and "
                           "scan the JSON meanwhile")


def _local_module_paths(translator: Translator) -> list[str]:
    paths: list[str] = []
    for resource in translator.resources.values():
        if not resource.module:
            continue
        declaration = [c for c in resource.node.children if isinstance(c, Tree)][-1]
        token = [c for c in declaration.children if not isinstance(c, Tree)][2]
        literal = token.value.literal
        if literal is not None and _is_local(literal):
            paths.append(literal)
    return paths
