"""The policy types the loader produces and the engine evaluates: a rule, its parameters, and the
per-run rule settings from the configuration file or the command line."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from checker.records import _MISSING, Frozen
from checker.results import Examples, RuleInfo

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

#: Where rule pages live, relative to the project root; help URIs point at them.
RULE_DOCS_PATH = "docs/rules"
PARAMETER_TYPES = ("string", "integer", "number", "boolean", "array", "object")


def rule_page_path(rule_id: str) -> str:
    """The rule page of a rule, relative to the project root."""
    return f"{RULE_DOCS_PATH}/{rule_id}.md"


class ParameterSpec(Frozen):
    """A rule parameter: configuration may override ``default``."""

    _fields = ("name", "type", "default", "description")
    name: str
    type: str  # string | integer | number | boolean | array | object
    default: Any
    description: str

    def __init__(self, name: str, type: str, default: Any, description: str) -> None:
        fields = self.__dict__
        fields["name"] = name
        fields["type"] = type
        fields["default"] = default
        fields["description"] = description


class Policy(Frozen):
    """One rule as loaded from its YAML file; ``condition_if``/``condition_then`` are plain data in
    Azure Policy condition syntax (see docs/policy-language.md)."""

    _fields = ("id", "title", "severity", "patterns", "subject", "requires", "description", "parameters",
               "condition_if", "condition_then", "message", "remediation", "references", "file", "line", "examples",
               "property")
    id: str
    title: str
    severity: str
    patterns: tuple[str, ...]
    subject: str
    requires: str
    description: str
    parameters: Mapping[str, ParameterSpec]
    condition_if: Any | None
    condition_then: Any
    message: str
    remediation: str
    references: tuple[str, ...]
    file: str
    line: int
    #: arm, bicep, live -> compliant example text; from the compiled policies read only when first asked
    #: for (:class:`checker.results.Examples`)
    examples: Examples
    #: the resource property the rule tests (``properties.activeActive``), when it names one: findings
    #: then point at it (the resource's JSON pointer plus this path)
    property: str

    def __init__(self, id: str, title: str, severity: str, patterns: tuple[str, ...], subject: str, requires: str,
                 description: str, parameters: Mapping[str, ParameterSpec], condition_if: Any | None,
                 condition_then: Any, message: str, remediation: str, references: tuple[str, ...], file: str,
                 line: int, examples: Mapping[str, str] = _MISSING, property: str = "") -> None:
        fields = self.__dict__
        fields["id"] = id
        fields["title"] = title
        fields["severity"] = severity
        fields["patterns"] = patterns
        fields["subject"] = subject
        fields["requires"] = requires
        fields["description"] = description
        # read-only, and given as a plain dict when unpickled
        fields["parameters"] = parameters if type(parameters) is MappingProxyType else MappingProxyType(dict(parameters))
        fields["condition_if"] = condition_if
        fields["condition_then"] = condition_then
        fields["message"] = message
        fields["remediation"] = remediation
        fields["references"] = references
        fields["file"] = file
        fields["line"] = line
        fields["examples"] = (examples if type(examples) is Examples
                              else Examples() if examples is _MISSING else Examples(examples))
        fields["property"] = property

    def __hash__(self) -> int:  # conditions are dicts: hash by identity of the rule, not its contents
        return hash((self.id, self.file))

    def rule_info(self) -> RuleInfo:
        return RuleInfo(
            id=self.id, title=self.title, description=self.description, severity=self.severity,
            patterns=self.patterns, remediation=self.remediation, references=self.references,
            help_uri=rule_page_path(self.id), requires_live=self.requires == "live",
            examples=self.examples)

    def __reduce__(self) -> tuple[Any, ...]:
        # the fields as arguments, the read-only parameter mapping as a plain dict (a mapping proxy
        # cannot be pickled); the examples pickle as their texts
        values = [getattr(self, name) for name in self._fields]
        values[self._fields.index("parameters")] = dict(self.parameters)
        return (self.__class__, tuple(values))

    def default_parameters(self) -> dict[str, Any]:
        return {name: spec.default for name, spec in self.parameters.items()}


class RuleSettings(Frozen):
    """Per-run rule settings: disabled rules (ids or fnmatch globs, case-insensitive), severity
    overrides and parameter overrides, each keyed by rule id."""

    _fields = ("disabled", "severity", "parameters")
    disabled: frozenset[str]
    severity: Mapping[str, str]
    parameters: Mapping[str, Mapping[str, Any]]

    def __init__(self, disabled: frozenset[str] = frozenset(), severity: Mapping[str, str] = _MISSING,
                 parameters: Mapping[str, Mapping[str, Any]] = _MISSING) -> None:
        fields = self.__dict__
        fields["disabled"] = disabled
        fields["severity"] = MappingProxyType({}) if severity is _MISSING else severity
        fields["parameters"] = MappingProxyType({}) if parameters is _MISSING else parameters
