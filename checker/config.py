"""The configuration file (.hybrid-check.yaml or [tool.hybrid-check] in pyproject.toml): found from the
working directory upward, validated with checker/schemas/config.schema.json, errors with file and line."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from checker.config_files import (  # noqa: F401  (re-exported: where the configuration file is found)
    CONFIG_NAMES,
    MAX_CONFIG_BYTES,
    PYPROJECT,
    TOOL_TABLE,
    _has_tool_table,
    _pyproject_section,
    _tomllib,
    find_config,
)
from checker.files import read_limited  # noqa: F401  (re-exported: the one file reader)
from checker.model import CheckerError
from checker.report.waivers import Waiver, parse_expiry

if TYPE_CHECKING:  # imported where a configuration file is read: most runs have none
    import jsonschema
    import yaml


SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "config.schema.json"
#: Deepest nesting of mappings and lists, and most values (an alias counts each time it is used),
#: a configuration may hold: real ones are a few levels deep and a few hundred values long.
MAX_CONFIG_DEPTH = 64
MAX_CONFIG_VALUES = 100_000
_PLAIN_COLLECTION_TAGS = frozenset({"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"})

@dataclass(frozen=True)
class Config:
    """Settings from a configuration file; None (or empty) means "not set here". Paths are resolved
    against the folder of the configuration file."""

    path: Path | None = None
    fail_on: str | None = None
    unknown: str | None = None
    allow_empty: bool | None = None
    format: str | None = None  # printed on stdout
    outputs: tuple[tuple[str, Path], ...] = ()  # (format, file) also written
    show_passed: bool | None = None
    no_color: bool | None = None
    verbose: bool | None = None
    sarif_root: Path | None = None
    baseline: Path | None = None
    pattern: str | None = None  # declared for every site
    pattern_by_vnet: Mapping[str, str] = field(default_factory=dict)  # VNet name/id glob -> pattern
    parameters: tuple[Path, ...] = ()  # parameter files
    policies: tuple[Path, ...] = ()  # policy folders used besides the bundled ones
    default_policies: bool | None = None  # false: only the folders in `policies`
    exclude: tuple[str, ...] = ()  # globs left out of folder walks
    context: tuple[Path, ...] = ()  # live-estate snapshots or exports the templates deploy into (--context)
    gate_context: bool | None = None  # findings only about the context gate too (--gate-context)
    rule_docs_url: str | None = None  # where the rule pages live (SARIF helpUri, report links)
    max_file_size: int | None = None  # MB
    disabled_rules: frozenset[str] = frozenset()  # rule id globs
    rule_severity: Mapping[str, str] = field(default_factory=dict)
    rule_parameters: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    waivers: tuple[Waiver, ...] = ()
    subscription_id: str | None = None
    resource_group: str | None = None
    location: str | None = None
    tenant_id: str | None = None
    audit: Mapping[str, Any] = field(default_factory=dict)  # live audit settings, keys as in the file


# ---------------------------------------------------------------------------------------------------
# finding and reading
# ---------------------------------------------------------------------------------------------------

class _YamlWalk:
    """Turns the composed YAML nodes into plain data, keeping the line of every value. Only plain
    mappings, lists and scalars are accepted; nesting and the number of values are bounded (aliases
    can make a short document stand for an enormous one)."""

    def __init__(self, loader: yaml.SafeLoader, file: str) -> None:
        from yaml.nodes import MappingNode, ScalarNode, SequenceNode

        self.mapping_node, self.sequence_node, self.scalar_node = MappingNode, SequenceNode, ScalarNode
        self.loader = loader
        self.file = file
        self.lines: dict[tuple[Any, ...], int] = {}
        self.values = 0

    def value(self, node: yaml.Node, path: tuple[Any, ...]) -> Any:
        line = node.start_mark.line + 1
        self.lines[path] = line
        self.values += 1
        if self.values > MAX_CONFIG_VALUES:
            raise CheckerError(f"the configuration holds more than {MAX_CONFIG_VALUES:,} values (aliases "
                               f"included)", file=self.file, line=line, hint="remove the repeated aliases")
        if len(path) > MAX_CONFIG_DEPTH:
            raise CheckerError(f"{_path_text(path[:3])}...: nested deeper than {MAX_CONFIG_DEPTH} levels",
                               file=self.file, line=line, hint="the configuration is a few levels deep")
        if isinstance(node, (self.mapping_node, self.sequence_node)) and node.tag not in _PLAIN_COLLECTION_TAGS:
            raise CheckerError(f"{_path_text(path)}: the YAML tag {node.tag} is not supported", file=self.file,
                               line=line, hint="write plain mappings and lists, without tags")
        if isinstance(node, self.mapping_node):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, self.scalar_node):
                    raise CheckerError("a key must be a plain word", file=self.file,
                                       line=key_node.start_mark.line + 1)
                key = str(key_node.value)
                if key in out:
                    raise CheckerError(f"{_path_text((*path, key))}: key given twice", file=self.file,
                                       line=key_node.start_mark.line + 1, hint="keep one of them")
                key_path = (*path, key)
                out[key] = self.value(value_node, key_path)
                self.lines[key_path] = key_node.start_mark.line + 1
            return out
        if isinstance(node, self.sequence_node):
            return [self.value(item, (*path, i)) for i, item in enumerate(node.value)]
        if node.tag == "tag:yaml.org,2002:timestamp":
            return node.value  # dates stay text: the schema and the waiver parser read YYYY-MM-DD
        try:
            return self.loader.construct_object(node, deep=True)
        except ValueError as exc:  # e.g. an integer longer than Python converts
            reason = "the number is too long" if "digits" in str(exc) else str(exc)
            raise CheckerError(f"{_path_text(path)}: the value cannot be read: {reason}", file=self.file,
                               line=line, hint="write a shorter value") from None


def _read_yaml(path: Path, text: str) -> tuple[Any, dict[tuple[Any, ...], int]]:
    import yaml

    loader = yaml.SafeLoader(text)
    walk = _YamlWalk(loader, str(path))
    try:
        node = loader.get_single_node()
        if node is None:
            return {}, walk.lines
        return walk.value(node, ()), walk.lines
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise CheckerError(f"not valid YAML: {exc.problem or exc}", file=str(path),
                           line=mark.line + 1 if mark else None, hint="fix the YAML syntax") from None
    except yaml.YAMLError as exc:
        raise CheckerError(f"not valid YAML: {exc}", file=str(path), hint="fix the YAML syntax") from None
    except RecursionError:
        mark = loader.get_mark()  # where the reader stopped: inside the deepest nesting
        raise CheckerError(f"the YAML is nested deeper than {MAX_CONFIG_DEPTH} levels", file=str(path),
                           line=mark.line + 1, hint="the configuration is a few levels deep") from None
    finally:
        loader.dispose()


def _check_values(data: Any, file: str, lines: Mapping[tuple[Any, ...], int]) -> None:
    """Nesting within :data:`MAX_CONFIG_DEPTH` and no NUL character in any key or text (no path,
    name or glob can hold one)."""
    stack: list[tuple[Any, tuple[Any, ...]]] = [(data, ())]
    while stack:
        value, path = stack.pop()
        if len(path) > MAX_CONFIG_DEPTH:
            raise CheckerError(f"{_path_text(path[:3])}...: nested deeper than {MAX_CONFIG_DEPTH} levels",
                               file=file, line=_line_for(path, lines), hint="the configuration is a few levels deep")
        if isinstance(value, str) and "\x00" in value:
            raise CheckerError(f"{_path_text(path)}: the text holds a NUL character", file=file,
                               line=_line_for(path, lines), hint="remove the \\0 from the value")
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and "\x00" in key:
                    raise CheckerError(f"{_path_text(path)}: a key holds a NUL character", file=file,
                                       line=_line_for(path, lines), hint="remove the \\0 from the key")
                stack.append((item, (*path, key)))
        elif isinstance(value, list):
            stack.extend((item, (*path, index)) for index, item in enumerate(value))


def _plain(value: Any) -> Any:
    """TOML values as JSON-like data (dates become YYYY-MM-DD text, as in YAML)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _toml_lines(text: str, data: Any) -> dict[tuple[Any, ...], int]:
    """Best-effort lines for TOML keys (tomllib keeps none): the first line after the [tool.hybrid-check]
    header that assigns the key or opens its table."""
    all_lines = text.splitlines()
    match = _pyproject_section().search(text)
    start = text.count("\n", 0, match.start()) if match else 0
    lines: dict[tuple[Any, ...], int] = {(): start + 1}

    def walk(value: Any, path: tuple[Any, ...]) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                key_path = (*path, key)
                pattern = re.compile(r'^\s*(\[+[^\]]*\b|"?)' + re.escape(key) + r'\b"?\s*(=|\]|\.)')
                for number in range(start, len(all_lines)):
                    if pattern.search(all_lines[number]):
                        lines[key_path] = number + 1
                        break
                walk(item, key_path)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, (*path, index))

    walk(data, ())
    return lines


def _read_pyproject(path: Path, text: str) -> tuple[Any, dict[tuple[Any, ...], int]]:
    toml = _tomllib()
    if toml is None:
        raise CheckerError("reading pyproject.toml needs Python 3.11 or later", file=str(path),
                           hint="move the settings to .hybrid-check.yaml")
    try:
        document = toml.loads(text)
    except toml.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        raise CheckerError(f"not valid TOML: {exc}", file=str(path), line=int(found.group(1)) if found else None,
                           hint="fix the TOML syntax") from None
    except RecursionError:
        raise CheckerError("the TOML is nested too deeply to read", file=str(path),
                           hint="the configuration is a few levels deep") from None
    tool = document.get("tool")
    section = tool.get(TOOL_TABLE) if isinstance(tool, dict) else None
    if section is None:
        raise CheckerError(f"no [tool.{TOOL_TABLE}] table", file=str(path),
                           hint=f"add [tool.{TOOL_TABLE}] or use .hybrid-check.yaml")
    match = _pyproject_section().search(text)
    _check_values(section, str(path), {(): text.count("\n", 0, match.start()) + 1 if match else 1})
    data = _plain(section)
    return data, _toml_lines(text, data)


# ---------------------------------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------------------------------

def _path_text(path: tuple[Any, ...]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _line_for(path: tuple[Any, ...], lines: Mapping[tuple[Any, ...], int]) -> int | None:
    for end in range(len(path), -1, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return None


def _type_name(value: Any) -> str:
    return {bool: "a boolean", int: "a number", float: "a number", str: "text", list: "a list",
            dict: "a mapping", type(None): "nothing"}.get(type(value), type(value).__name__)


def _describe(error: jsonschema.ValidationError) -> tuple[tuple[Any, ...], str]:
    """(where, what is wrong and what is expected) for one schema error."""
    path = tuple(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    expected = schema.get("x-expected")
    if "propertyNames" in error.absolute_schema_path:
        # the error is about a key, reported at its parent: point at the key itself
        if error.validator == "enum":
            expected = "one of " + ", ".join(str(v) for v in error.validator_value)
        return (*path, error.instance), f"{error.instance!r} is not a valid key" + (
            f" (expected {expected})" if expected else "")
    if error.validator == "enum":
        return path, f"{error.instance!r} is not one of {', '.join(str(v) for v in error.validator_value)}"
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted(schema.get("properties", {}))
        extra = sorted(k for k in error.instance if k not in allowed)
        where = (*path, extra[0]) if extra else path
        hint = f" (expected one of {', '.join(allowed)})" if allowed else ""
        return where, f"unknown key {extra[0] if extra else ''!r}{hint}"
    if error.validator == "required":
        missing = ", ".join(repr(k) for k in error.validator_value if k not in (error.instance or {}))
        needs = f" (expected {', '.join(error.validator_value)})"
        return path, f"missing {missing}{needs}"
    if error.validator == "type":
        wanted = error.validator_value
        wanted_text = " or ".join(wanted) if isinstance(wanted, list) else wanted
        return path, f"expected {wanted_text}, found {_type_name(error.instance)} ({error.instance!r})"
    if expected:
        return path, f"{error.instance!r} is not valid (expected {expected})"
    if error.validator == "minLength":
        return path, "must not be empty"
    return path, error.message


def _validate(data: Any, lines: Mapping[tuple[Any, ...], int], file: str) -> None:
    import jsonschema

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    errors = list(validator.iter_errors(data))
    if not errors:
        return
    described = [(*_describe(e), e) for e in errors]
    described.sort(key=lambda item: (_line_for(item[0], lines) or 0, _path_text(item[0])))
    where, message, _ = described[0]
    more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
    raise CheckerError(f"{_path_text(where)}: {message}{more}", file=file, line=_line_for(where, lines),
                       hint="see the configuration reference in docs/reports.md")


# ---------------------------------------------------------------------------------------------------
# building the Config
# ---------------------------------------------------------------------------------------------------

def _paths(value: Any, base: Path) -> tuple[Path, ...]:
    items = [value] if isinstance(value, str) else list(value or ())
    return tuple(_path(item, base) for item in items)


def _path(value: str, base: Path) -> Path:
    candidate = Path(value).expanduser()
    return candidate if candidate.is_absolute() else base / candidate


def _waivers(entries: list[dict[str, Any]], lines: Mapping[tuple[Any, ...], int], file: str) -> tuple[Waiver, ...]:
    waivers = []
    for index, entry in enumerate(entries):
        line = _line_for(("waivers", index), lines)
        expires = parse_expiry(entry["expires"], file=file, line=_line_for(("waivers", index, "expires"), lines),
                               what=f"waivers[{index}].expires")
        waivers.append(Waiver(rule=entry["rule"], resource=entry["resource"], reason=entry["reason"],
                              expires=expires, source="config", file=file, line=line))
    return tuple(waivers)


def load_config(path: Path) -> Config:
    """Read and validate one configuration file; problems raise CheckerError with the file, the line of
    the key and what is expected."""
    file = str(path)
    try:
        raw = read_limited(path, MAX_CONFIG_BYTES, "configuration")
    except FileNotFoundError:
        raise CheckerError("configuration file not found", file=file,
                           hint="check the path given to --config") from None
    except OSError as exc:
        raise CheckerError(f"cannot read the configuration: {exc.strerror or exc}", file=file) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CheckerError(f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})", file=file,
                           line=raw.count(b"\n", 0, exc.start) + 1, hint="save the file as UTF-8") from None
    if path.name == PYPROJECT or path.suffix == ".toml":
        data, lines = _read_pyproject(path, text)
    else:
        data, lines = _read_yaml(path, text)
    if data is None:
        data = {}
    _check_values(data, file, lines)
    _validate(data, lines, file)

    base = path.absolute().parent
    rules: Mapping[str, Any] = data.get("rules", {})
    outputs = tuple((fmt, _path(target, base)) for fmt, target in data.get("outputs", {}).items())
    return Config(
        path=path,
        fail_on=data.get("fail-on"),
        unknown=data.get("unknown"),
        allow_empty=data.get("allow-empty"),
        format=data.get("format"),
        outputs=outputs,
        show_passed=data.get("show-passed"),
        no_color=data.get("no-color"),
        verbose=data.get("verbose"),
        sarif_root=_path(data["sarif-root"], base) if "sarif-root" in data else None,
        baseline=_path(data["baseline"], base) if "baseline" in data else None,
        pattern=data.get("pattern"),
        pattern_by_vnet=MappingProxyType(dict(data.get("pattern-by-vnet", {}))),
        parameters=_paths(data.get("parameters"), base),
        policies=_paths(data.get("policies"), base),
        default_policies=data.get("default-policies"),
        exclude=tuple(data.get("exclude", ())),
        context=_paths(data.get("context"), base),
        gate_context=data.get("gate-context"),
        rule_docs_url=data.get("rule-docs-url"),
        max_file_size=data.get("max-file-size"),
        disabled_rules=frozenset(rule for rule, settings in rules.items() if settings.get("enabled") is False),
        rule_severity=MappingProxyType({rule: settings["severity"] for rule, settings in rules.items()
                                        if "severity" in settings}),
        rule_parameters=MappingProxyType({rule: MappingProxyType(dict(settings["parameters"]))
                                          for rule, settings in rules.items() if "parameters" in settings}),
        waivers=_waivers(data.get("waivers", []), lines, file),
        subscription_id=data.get("subscription-id"),
        resource_group=data.get("resource-group"),
        location=data.get("location"),
        tenant_id=data.get("tenant-id"),
        audit=MappingProxyType(dict(data.get("audit", {}))),
    )
