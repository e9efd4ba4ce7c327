"""Load policy files: safe YAML with a line for every value, JSON Schema validation, and the checks a
schema cannot express. Every problem becomes an InputError with file, line, JSON path and expectation."""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

from checker.model import CheckerError, InputError
from checker.policy.conditions import (
    LOGICAL_KEYS,
    OPERAND_KEYS,
    OPERATORS,
    ConditionError,
    check_condition,
    compile_condition,
    expression_kind,
    parse_field_path,
    split_message,
)
from checker.policy.model import PARAMETER_TYPES, ParameterSpec, Policy, RuleSettings
from checker.vocabulary import SEVERITIES

TYPE_CHECKING = False
if TYPE_CHECKING:  # imported where they are used: a scan of the bundled policies needs neither
    from typing import Any

    import jsonschema
    import yaml
    from yaml.nodes import Node

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schemas" / "policy.schema.json"
POLICY_SUFFIXES = (".yaml", ".yml")

if TYPE_CHECKING:
    JsonPath = tuple[Any, ...]
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_KEY_TAGS = frozenset("tag:yaml.org,2002:" + t for t in ("str", "int", "bool", "float", "null"))


# ---------------------------------------------------------------------------------------------------
# YAML with positions
# ---------------------------------------------------------------------------------------------------

class _Positions:
    """Line of every value (by JSON path) and of every mapping key."""

    def __init__(self) -> None:
        self.values: dict[JsonPath, int] = {}
        self.keys: dict[JsonPath, int] = {}

    def line(self, path: JsonPath, key: bool = False) -> int:
        if key and path in self.keys:
            return self.keys[path]
        while path:
            if path in self.values:
                return self.values[path]
            path = path[:-1]
        return self.values.get((), 1)


#: A policy is a few hundred values; aliases that expand far beyond that are refused.
MAX_YAML_VALUES = 20_000
#: Conditions nest a dozen levels at most; far deeper nesting is refused before Python's recursion limit.
MAX_YAML_DEPTH = 100


def read_yaml(text: str, file: str) -> tuple[Any, _Positions]:
    """Parse one YAML document safely (no tags beyond the standard ones) and keep line numbers."""
    import yaml

    fast = _compose_fast(text)
    if fast is not None:
        loader, node = fast
    else:
        try:
            loader = yaml.SafeLoader(text)
        except yaml.reader.ReaderError as error:
            line = text[:error.position].count("\n") + 1 if isinstance(error.position, int) else None
            raise CheckerError(f"invalid YAML: {error.reason}", file=file, line=line,
                               hint="remove control characters from the file") from None
    positions = _Positions()
    try:
        if fast is None:
            node = loader.get_single_node()
        if node is None:
            raise CheckerError("the file is empty", file=file, line=1,
                               hint="a policy file holds one rule as a YAML mapping")
        return _Builder(loader, positions, file).build(node, ()), positions
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = error.problem or str(error)
        if error.context and "expected a single document" in error.context:
            problem = "more than one YAML document in the file"
        elif error.context and error.context_mark is not None and error.problem_mark is not None and (
                error.context_mark.line != error.problem_mark.line):
            problem += f" ({error.context} started on line {error.context_mark.line + 1})"
        raise CheckerError(f"invalid YAML: {problem}", file=file, line=line,
                           hint="fix the YAML syntax (indentation, quotes, ':' after keys)") from None
    except yaml.YAMLError as error:
        raise CheckerError(f"invalid YAML: {error}", file=file) from None
    except RecursionError:  # the parsers recurse once per level of nesting
        mark = loader.get_mark()  # where the reader stopped: inside the deepest nesting
        raise CheckerError(f"values are nested deeper than {MAX_YAML_DEPTH} levels", file=file,
                           line=mark.line + 1, hint="a policy condition nests a few levels") from None
    finally:
        loader.dispose()


def _compose_fast(text: str) -> tuple[Any, Node | None] | None:
    """The node tree composed by libyaml (PyYAML's CSafeLoader, many times faster than the pure-Python
    parser), or None when PyYAML has no libyaml or libyaml refuses the text: the pure-Python parser then
    reads it again, so that error messages are the same with or without libyaml. Tags, aliases and
    sizes are checked afterwards by the same builder either way."""
    import yaml

    loader_class = getattr(yaml, "CSafeLoader", None)
    if loader_class is None or yaml.reader.Reader.NON_PRINTABLE.search(text):
        return None
    try:
        loader = loader_class(text)
    except Exception:  # noqa: BLE001 - e.g. text libyaml cannot encode: the slow path explains it
        return None
    try:
        return loader, loader.get_single_node()
    except Exception:  # noqa: BLE001 - libyaml words its errors differently: the slow path explains it
        loader.dispose()
        return None


class _Builder:
    """Turns the composed node tree into plain values, recording the line of each one."""

    def __init__(self, loader: yaml.SafeLoader, positions: _Positions, file: str) -> None:
        import datetime  # (yaml has imported it: only a scan of the compiled bundled policies does without)

        from yaml.constructor import ConstructorError
        from yaml.nodes import MappingNode, ScalarNode, SequenceNode

        self.mapping_node, self.sequence_node, self.scalar_node = MappingNode, SequenceNode, ScalarNode
        self.constructor_error = ConstructorError
        self.dates = (datetime.date, datetime.datetime)
        self.loader = loader
        self.positions = positions
        self.file = file
        self.count = 0
        self.open_nodes: set[int] = set()  # an alias back to an enclosing node would never end

    def build(self, node: Node, path: JsonPath) -> Any:
        self.count += 1
        if self.count > MAX_YAML_VALUES:
            raise CheckerError(f"the file holds more than {MAX_YAML_VALUES} values", file=self.file,
                               line=node.start_mark.line + 1, hint="aliases (*name) expand to copies: use fewer")
        if id(node) in self.open_nodes:
            raise CheckerError("an alias refers to a value that contains it", file=self.file,
                               line=node.start_mark.line + 1, hint="remove the recursive alias")
        if len(path) > MAX_YAML_DEPTH:
            raise CheckerError(f"values are nested deeper than {MAX_YAML_DEPTH} levels", file=self.file,
                               line=node.start_mark.line + 1, hint="a policy condition nests a few levels")
        self.positions.values[path] = node.start_mark.line + 1
        if isinstance(node, self.mapping_node):
            self.open_nodes.add(id(node))
            try:
                return self._mapping(node, path)
            finally:
                self.open_nodes.discard(id(node))
        if isinstance(node, self.sequence_node):
            if node.tag != _SEQ_TAG:
                raise _tag_error(node, self.file)
            self.open_nodes.add(id(node))
            try:
                return [self.build(item, path + (index,)) for index, item in enumerate(node.value)]
            finally:
                self.open_nodes.discard(id(node))
        return self._scalar(node)

    def _mapping(self, node: Node, path: JsonPath) -> dict[str, Any]:
        if node.tag != _MAP_TAG:
            raise _tag_error(node, self.file)
        mapping: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, self.scalar_node):
                raise CheckerError("a mapping key must be a plain string", file=self.file,
                                   line=key_node.start_mark.line + 1)
            if key_node.tag not in _KEY_TAGS:
                raise _tag_error(key_node, self.file)
            key = key_node.value  # the key as written: `on:`/`yes:` stay strings, unlike YAML 1.1 values
            if key in mapping:
                raise CheckerError(f"duplicate key '{key}'", file=self.file, line=key_node.start_mark.line + 1,
                                   hint=f"'{key}' is already set on line {self.positions.keys[path + (key,)]}")
            self.positions.keys[path + (key,)] = key_node.start_mark.line + 1
            mapping[key] = self.build(value_node, path + (key,))
        return mapping

    def _scalar(self, node: Node) -> Any:
        if not node.tag.startswith("tag:yaml.org,2002:") or node.tag in (
                "tag:yaml.org,2002:binary", "tag:yaml.org,2002:set", "tag:yaml.org,2002:omap",
                "tag:yaml.org,2002:pairs"):
            raise _tag_error(node, self.file)
        try:
            value = self.loader.construct_object(node, deep=True)
        except self.constructor_error:
            raise _tag_error(node, self.file) from None
        if isinstance(value, self.dates):
            return node.value  # dates stay text: conditions compare strings, not timestamps
        return value


def _tag_error(node: Node, file: str) -> CheckerError:
    return CheckerError(f"YAML tag '{node.tag}' is not allowed", file=file, line=node.start_mark.line + 1,
                        hint="policies are plain data: remove the tag (only strings, numbers, booleans, "
                             "null, lists and mappings are allowed)")


# ---------------------------------------------------------------------------------------------------
# Schema validation with readable messages
# ---------------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _validator() -> jsonschema.protocols.Validator:
    import jsonschema

    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def json_path(path: Sequence[Any]) -> str:
    """``("then", "allOf", 1)`` -> ``then.allOf[1]``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _found(value: Any) -> str:
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return f"number {value}"
    if isinstance(value, str):
        return f"string {value!r}" if len(value) <= 60 else f"string {value[:57]!r}..."
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


_TYPE_WORDS = {"string": "a string", "integer": "an integer", "number": "a number", "boolean": "true or false",
               "array": "a list", "object": "a mapping", "null": "null"}


def _expected(schema: Any) -> str:
    """A short description of what a (sub)schema accepts."""
    if not isinstance(schema, Mapping):
        return "a valid value"
    if "$ref" in schema:
        if schema["$ref"].endswith("/expression"):
            return "\"[parameters('name')]\""
        if schema["$ref"].endswith("/condition"):
            return "a condition (a mapping)"
        return "a valid value"
    if "enum" in schema:
        return "one of " + ", ".join(str(v) for v in schema["enum"])
    if "anyOf" in schema or "oneOf" in schema:
        return " or ".join(_expected(sub) for sub in schema.get("anyOf", schema.get("oneOf")))
    kind = schema.get("type")
    if isinstance(kind, list):
        return " or ".join(_TYPE_WORDS.get(str(k), str(k)) for k in kind)
    if isinstance(kind, str):
        return _TYPE_WORDS.get(kind, kind)
    return "a valid value"


def _is_condition_schema(schema: Any) -> bool:
    return isinstance(schema, Mapping) and "allOf" in schema.get("properties", {})


def _schema_problems(document: Any) -> list[tuple[JsonPath, bool, str, str | None]]:
    """(path, points-at-key, message, hint) for every schema violation."""
    problems: list[tuple[JsonPath, bool, str, str | None]] = []
    for error in _validator().iter_errors(document):
        path = tuple(error.absolute_path)
        where = json_path(path)
        prefix = f"{where}: " if where else ""
        schema, value, keyword = error.schema, error.instance, error.validator
        if "propertyNames" in error.schema_path and isinstance(value, str):
            problems.append((path + (value,), True, f"{prefix}invalid name {value!r}",
                             "names start with a letter and hold only letters, digits and '_'"))
        elif keyword == "additionalProperties" and isinstance(value, Mapping):
            allowed = list(schema.get("properties", {}))
            for key in value:
                if key in allowed:
                    continue
                import difflib

                close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
                close_ci = [a for a in allowed if a.lower() == str(key).lower()]
                suggestion = (close_ci or close or [None])[0]
                if _is_condition_schema(schema):
                    if suggestion in LOGICAL_KEYS + OPERAND_KEYS:
                        message = f"unknown key '{key}'"
                        hint = f"did you mean '{suggestion}'?"
                    else:
                        message = f"unknown operator '{key}'"
                        hint = "expected one of " + ", ".join(OPERATORS)
                        if suggestion:
                            hint = f"did you mean '{suggestion}'? " + hint
                else:
                    message = f"unknown field '{key}'"
                    hint = "expected one of " + ", ".join(allowed)
                    if suggestion:
                        hint = f"did you mean '{suggestion}'? " + hint
                problems.append((path + (key,), True, prefix + message, hint))
        elif keyword == "required":
            for name in schema.get("required", []):
                if isinstance(value, Mapping) and name not in value:
                    problems.append((path, False, f"{prefix}missing required field '{name}'", None))
        elif keyword == "minProperties" and _is_condition_schema(schema):
            problems.append((path, False, f"{prefix}empty condition",
                             "expected allOf, anyOf, not or a field/value/count with an operator"))
        elif keyword in ("minItems", "minLength"):
            problems.append((path, False, f"{prefix}must not be empty", None))
        elif keyword == "uniqueItems":
            problems.append((path, False, f"{prefix}expected unique items, found duplicates", None))
        elif keyword == "pattern":
            hint = None
            if path == ("id",):
                hint = "rule ids are upper-case words joined by dashes, e.g. GW-SUBNET-SIZE"
            elif path and path[0] == "references":
                hint = "references are http(s) links"
            problems.append((path, False,
                             f"{prefix}expected a value matching {schema['pattern']}, found {_found(value)}", hint))
        elif keyword in ("type", "enum", "anyOf", "oneOf"):
            problems.append((path, False, f"{prefix}expected {_expected(schema)}, found {_found(value)}", None))
        else:
            problems.append((path, False, f"{prefix}{error.message}", None))
    return problems


# ---------------------------------------------------------------------------------------------------
# Checks the schema cannot express
# ---------------------------------------------------------------------------------------------------

_PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,), "array": (list, tuple),
    "object": (dict, Mapping),
}


def value_has_type(value: Any, declared: str) -> bool:
    """Whether a parameter value fits its declared type (booleans are not numbers)."""
    if declared in ("integer", "number") and isinstance(value, bool):
        return False
    if declared == "integer" and isinstance(value, float):
        return value.is_integer()
    return isinstance(value, _PYTHON_TYPES.get(declared, (object,)))


def _semantic_problems(document: Mapping[str, Any], stem: str,
                       known_subjects: Collection[str] | None) -> list[tuple[JsonPath, bool, str, str | None]]:
    problems: list[tuple[JsonPath, bool, str, str | None]] = []
    rule_id = document.get("id")
    if isinstance(rule_id, str) and rule_id != stem:
        problems.append((("id",), False, f"id: '{rule_id}' does not match the file name '{stem}'",
                         f"rename the file to {rule_id}.yaml or set id: {stem}"))
    subject = document.get("subject")
    if known_subjects is not None and isinstance(subject, str) and subject not in known_subjects:
        problems.append((("subject",), False, f"subject: unknown subject kind '{subject}'",
                         "expected one of " + ", ".join(sorted(known_subjects))))
    declared: dict[str, str] = {}
    parameters = document.get("parameters")
    if isinstance(parameters, Mapping):
        for name, spec in parameters.items():
            if not isinstance(spec, Mapping):
                continue
            kind = spec.get("type")
            declared[name] = kind if isinstance(kind, str) else ""
            if kind in PARAMETER_TYPES and "default" in spec and not value_has_type(spec["default"], kind):
                problems.append((("parameters", name, "default"), False,
                                 f"parameters.{name}.default: expected {_TYPE_WORDS[kind]}, "
                                 f"found {_found(spec['default'])}", None))
            allowed = spec.get("allowedValues")
            if isinstance(allowed, list) and "default" in spec and spec["default"] not in allowed:
                problems.append((("parameters", name, "default"), False,
                                 f"parameters.{name}.default: {spec['default']!r} is not in allowedValues", None))
    schema = known_subjects.get(subject) if isinstance(known_subjects, Mapping) and isinstance(subject, str) \
        else None
    if schema is not None:
        problems.extend(_field_problems(document, schema))
    for key in ("if", "then"):
        condition = document.get(key)
        if isinstance(condition, Mapping):
            for problem in check_condition(condition, (key,), declared):
                problems.append((problem.path, False, f"{json_path(problem.path)}: {problem.message}",
                                 problem.hint))
            problems.extend(_parameter_type_problems(condition, (key,), declared))
    message = document.get("message")
    if isinstance(message, str):
        try:
            for kind, item in split_message(message):
                if kind == "parameter" and item not in declared:
                    problems.append((("message",), False, f"message: placeholder '{{parameters.{item}}}' "
                                     f"names no declared parameter", "declared parameters: "
                                     + (", ".join(sorted(declared)) or "none")))
        except ValueError as error:
            problems.append((("message",), False, f"message: {error}", None))
    return problems


def _field_problems(document: Mapping[str, Any], schema: Any) -> list[tuple[JsonPath, bool, str, str | None]]:
    """``field:`` paths and message placeholders that the rule's subject does not declare (the
    registry of subject fields, ``checker/views/fields.py``), with a did-you-mean hint."""
    problems: list[tuple[JsonPath, bool, str, str | None]] = []

    def walk(node: Any, path: JsonPath) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                if key == "field" and isinstance(value, str):
                    check(value, path + (key,), f"{json_path(path + (key,))}: ")
                else:
                    walk(value, path + (key,))
        elif isinstance(node, list):
            for index, item in enumerate(node):
                walk(item, path + (index,))

    def check(text: str, path: JsonPath, prefix: str, segments: Any = None) -> None:
        if segments is None:
            try:
                segments = parse_field_path(text).segments
            except ValueError:
                return  # the condition check reports a malformed path
        found = schema.check(segments)
        if found is not None:
            problems.append((path, False, prefix + found[0], found[1]))

    for key in ("if", "then"):
        walk(document.get(key), (key,))
    message = document.get("message")
    if isinstance(message, str):
        try:
            parts = split_message(message)
        except ValueError:
            parts = []  # reported by _semantic_problems
        for kind, item in parts:
            if kind == "field":
                check(item.text, ("message",), f"message: placeholder '{{{item.text}}}': ", item.segments)
    return problems


def _parameter_type_problems(node: Any, path: JsonPath,
                             declared: Mapping[str, str]) -> list[tuple[JsonPath, bool, str, str | None]]:
    """A list operator (in, notIn, value count) given a parameter that is not an array."""
    problems: list[tuple[JsonPath, bool, str, str | None]] = []
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key in ("in", "notIn") or (key == "value" and path and path[-1] == "count"):
                kind = expression_kind(value)
                if kind is not None and kind[0] == "parameters" and declared.get(kind[1] or "") not in (
                        None, "", "array"):
                    problems.append((path + (key,), False,
                                     f"{json_path(path + (key,))}: parameter '{kind[1]}' is used as a list "
                                     f"but declared as {declared[kind[1] or '']}", "declare it with type: array"))
            problems.extend(_parameter_type_problems(value, path + (key,), declared))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            problems.extend(_parameter_type_problems(item, path + (index,), declared))
    return problems


# ---------------------------------------------------------------------------------------------------
# Files and directories
# ---------------------------------------------------------------------------------------------------

def load_policy_file(path: Path, display: str | None = None,
                     known_subjects: Collection[str] | None = None) -> tuple[Policy | None, list[InputError]]:
    """One policy file: the policy, or None and one InputError per problem."""
    file = display or str(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as error:
        return None, [InputError(file=file, line=None, message=f"cannot read the file: {error.strerror}")]
    except UnicodeDecodeError as error:
        return None, [InputError(file=file, line=None, message=f"the file is not UTF-8 ({error.reason})")]
    try:
        document, positions = read_yaml(text, file)
    except CheckerError as error:
        return None, [error.to_input_error()]
    if not isinstance(document, Mapping):
        return None, [InputError(file=file, line=1, message=f"expected a mapping (one rule), found "
                                 f"{_found(document)}", hint="a policy file holds one rule: id, title, ...")]
    problems = _schema_problems(document) + _semantic_problems(document, path.stem, known_subjects)
    errors = []
    seen: set[tuple[int, str]] = set()
    for json_location, at_key, message, hint in problems:
        line = positions.line(json_location, key=at_key)
        if (line, message) in seen:
            continue
        seen.add((line, message))
        errors.append(InputError(file=file, line=line, message=message, hint=hint))
    if errors:
        errors.sort(key=lambda e: (e.line or 0, e.message))
        return None, errors
    policy = _policy_from(document, file, positions)
    # the checks above are meant to catch everything; compiling once proves the engine will accept it
    for key, condition in (("if", policy.condition_if), ("then", policy.condition_then)):
        if condition is None:
            continue
        try:
            compile_condition(condition, policy.default_parameters(), key)
        except ConditionError as error:
            return None, [InputError(file=file, line=positions.line(tuple(_split_json_path(error.path))),
                                     message=str(error), hint=error.hint)]
    return policy, []


def _split_json_path(text: str) -> list[Any]:
    """``then.allOf[1].field`` -> ``["then", "allOf", 1, "field"]``."""
    parts: list[Any] = []
    for piece in text.replace("[", ".[").split("."):
        if piece.startswith("[") and piece.endswith("]") and piece[1:-1].isdigit():
            parts.append(int(piece[1:-1]))
        elif piece:
            parts.append(piece)
    return parts


def _policy_from(document: Mapping[str, Any], file: str, positions: _Positions) -> Policy:
    parameters = {
        name: ParameterSpec(name=name, type=spec["type"], default=spec["default"],
                            description=str(spec.get("description", "")))
        for name, spec in (document.get("parameters") or {}).items()
    }
    return Policy(
        id=document["id"], title=document["title"].strip(), severity=document["severity"],
        patterns=tuple(document["patterns"]), subject=document["subject"],
        requires=document.get("requires", "static"), description=document["description"].strip(),
        parameters=MappingProxyType(parameters), condition_if=document.get("if"),
        condition_then=document["then"], message=document["message"].strip(),
        remediation=document["remediation"].strip(), references=tuple(document.get("references") or ()),
        file=file, line=positions.line(("id",), key=True), examples=compliant_examples(file, str(document["id"])),
        property=document.get("property", ""))


#: Folders below a policy folder that hold per-rule test cases (checker/policy/testing.py), not policies.
TESTS_DIR = "tests"
#: The pass case of a rule's test folder is its compliant example (rule page, SARIF help).
EXAMPLE_FILES = (("arm", "pass.json"), ("bicep", "pass.bicep"))


def example_files(policy_file: Path, rule_id: str) -> dict[str, Path]:
    """The compliant examples of a rule that exist, by kind: ``arm`` (``tests/<ID>/pass.json``, whose
    ``resources`` the rule page shows) and ``bicep`` (``tests/<ID>/pass.bicep``)."""
    folder = policy_file.parent / TESTS_DIR / rule_id
    return {kind: folder / name for kind, name in EXAMPLE_FILES if (folder / name).is_file()}


def compliant_examples(file: str, rule_id: str) -> Mapping[str, str]:
    """The rule page's compliant examples: the resources of the pass case, pretty-printed, and the
    pass case in Bicep. A pass case that cannot be read is left out here (the rule's tests report it)."""
    import json

    found: dict[str, str] = {}
    for kind, path in example_files(Path(file), rule_id).items():
        try:
            text = path.read_text(encoding="utf-8")
            if kind == "arm":
                document = json.loads(text)
                resources = document.get("resources")
                if not isinstance(resources, list) or not resources:
                    # a live-only rule's pass case is live-audit data (a snapshot's ``data``)
                    data = document.get("data") if "hybridCheckSnapshot" in document else None
                    if isinstance(data, list) and data:
                        found["live"] = json.dumps(data, indent=2, ensure_ascii=False).strip()
                    continue
                text = json.dumps(resources, indent=2, ensure_ascii=False)
        except (OSError, UnicodeDecodeError, ValueError, AttributeError):
            continue
        found[kind] = text.strip()
    return MappingProxyType(found)




def policy_files(directory: Path) -> list[Path]:
    """Every policy file below a directory, in a stable order; ``tests/`` folders (per-rule test
    cases and their ``expected.yaml``) are not policies."""
    import os

    # One walk that does not enter the tests/ folders (most of the files below a policy folder are
    # rule test cases): every run hashes the policy files to find their compiled form.
    found: list[tuple[str, Path]] = []
    for folder, subfolders, names in os.walk(directory):
        subfolders[:] = [name for name in subfolders if name != TESTS_DIR]
        for name in names:
            dot = name.rfind(".")  # pathlib's suffix: not a leading dot, not a trailing one
            if 0 < dot < len(name) - 1 and name[dot:].lower() in POLICY_SUFFIXES:
                path = Path(folder, name)
                if path.is_file():
                    found.append((path.relative_to(directory).as_posix(), path))
    return [path for _, path in sorted(found, key=lambda item: item[0])]


def load_policies(directories: Sequence[Path],
                  known_subjects: Collection[str] | None = None) -> tuple[list[Policy], list[InputError]]:
    """Load every ``*.yaml``/``*.yml`` below each directory. Invalid files and duplicate ids become
    errors (the policies that are valid are still returned); policies are sorted by id."""
    policies: list[Policy] = []
    errors: list[InputError] = []
    by_id: dict[str, Policy] = {}
    for directory in directories:
        directory = Path(directory)
        if not directory.is_dir():
            errors.append(InputError(file=str(directory), line=None, message="policy directory not found",
                                     hint="give a directory that holds policy YAML files"))
            continue
        for path in policy_files(directory):
            policy, problems = load_policy_file(path, str(path), known_subjects)
            errors.extend(problems)
            if policy is None:
                continue
            earlier = by_id.get(policy.id.lower())
            if earlier is not None:
                errors.append(InputError(file=policy.file, line=policy.line,
                                         message=f"id: duplicate rule id '{policy.id}'",
                                         hint=f"already defined in {earlier.file}:{earlier.line}"))
                continue
            by_id[policy.id.lower()] = policy
            policies.append(policy)
    policies.sort(key=lambda p: p.id)
    return policies, errors


def validate_policy_dir(directory: Path, known_subjects: Collection[str] | None = None) -> list[InputError]:
    """Every problem in a policy directory (for ``hybrid-check policies validate``); an empty
    directory is an error too, so that a wrong path never validates silently."""
    policies, errors = load_policies([Path(directory)], known_subjects)
    if not errors and not policies:
        errors.append(InputError(file=str(directory), line=None, message="no policy files found",
                                 hint="policy files end in .yaml or .yml"))
    return errors


def default_policy_dir() -> Path:
    """The bundled policies: ``checker/policies`` in an installed package (the repository's
    ``policies/`` is installed there), else ``<repository>/policies`` in a checkout or an editable
    install."""
    package = Path(__file__).resolve().parents[1]
    installed = package / "policies"
    if installed.is_dir() and any(installed.rglob("*.yaml")):
        return installed
    return package.parent / "policies"


# ---------------------------------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------------------------------

def find_policy(policies: Sequence[Policy], rule_id: str) -> Policy | None:
    """The policy with this id (case-insensitively), or None."""
    wanted = rule_id.lower()
    return next((p for p in policies if p.id.lower() == wanted), None)


def is_disabled(rule_id: str, disabled: Collection[str]) -> bool:
    lowered = rule_id.lower()
    return any(fnmatch.fnmatchcase(lowered, pattern.lower()) for pattern in disabled)


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'X'?)`` for the closest choice, case-insensitively; empty when none is close."""
    import difflib  # only when a suggestion is wanted: it costs start-up time on every scan

    by_lower = {c.lower(): c for c in choices}
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.75)
    return f" (did you mean '{by_lower[close[0]]}'?)" if close else ""


def check_settings(policies: Sequence[Policy], settings: RuleSettings) -> list[str]:
    """Settings that name unknown rules or parameters, bad severities or parameter values of the
    wrong type; one readable line each, with the closest known name when one is close."""
    ids = [p.id for p in policies]
    problems: list[str] = []
    for pattern in sorted(settings.disabled):
        if not any(fnmatch.fnmatchcase(p.id.lower(), pattern.lower()) for p in policies):
            problems.append(f"disabled rule '{pattern}' matches no rule{did_you_mean(pattern, ids)}")
    for rule_id, severity in sorted(settings.severity.items()):
        if find_policy(policies, rule_id) is None:
            problems.append(f"severity override for unknown rule '{rule_id}'{did_you_mean(rule_id, ids)}")
        if severity not in SEVERITIES:
            problems.append(f"severity override for '{rule_id}': expected one of {', '.join(SEVERITIES)}, "
                            f"found {severity!r}")
    for rule_id, overrides in sorted(settings.parameters.items()):
        policy = find_policy(policies, rule_id)
        if policy is None:
            problems.append(f"parameters for unknown rule '{rule_id}'{did_you_mean(rule_id, ids)}")
            continue
        for name, value in sorted(overrides.items()):
            spec = policy.parameters.get(name)
            if spec is None:
                declared = ", ".join(sorted(policy.parameters)) or "none"
                problems.append(f"rule '{policy.id}' has no parameter '{name}' (parameters: {declared})"
                                f"{did_you_mean(name, policy.parameters)}")
            elif not value_has_type(value, spec.type):
                problems.append(f"parameter '{name}' of rule '{policy.id}': expected {_TYPE_WORDS[spec.type]}, "
                                f"found {_found(value)}")
    return problems
