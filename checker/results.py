"""The core result types: what the policy engine produces (``checker/policy/``) and every report
format reads (``checker/report/``). They live below both, so the policy layer never imports a
report module."""

from __future__ import annotations

from collections.abc import Mapping

from checker.records import Frozen

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, ItemsView, Iterator, KeysView, ValuesView
    from typing import Any

_set = object.__setattr__


class ResourceRef(Frozen):
    __slots__ = _fields = ("id", "type", "name")
    id: str
    type: str
    name: str

    def __init__(self, id: str, type: str, name: str) -> None:
        _set(self, "id", id)
        _set(self, "type", type)
        _set(self, "name", name)


class Location(Frozen):
    _fields = ("file", "line", "column", "pointer", "property")
    file: str | None
    line: int | None = None
    column: int | None = None
    #: JSON pointer inside the file: the resource's (``/resources/3``), followed by the property the
    #: rule tested when it names one (``/resources/3/properties/activeActive``); "" when unknown
    pointer: str = ""
    property: str | None = None  # the property the rule tested (dotted, from the resource), if named

    def __init__(self, file: str | None, line: int | None = None, column: int | None = None, pointer: str = "",
                 property: str | None = None) -> None:
        # one per subject and rule property in a scan
        fields = self.__dict__
        fields["file"] = file
        fields["line"] = line
        fields["column"] = column
        fields["pointer"] = pointer
        fields["property"] = property


class Suppression(Frozen):
    """A waiver that matched a result: from the configuration file or inline template metadata."""

    _fields = ("reason", "expires", "source", "expired")

    reason: str
    expires: str  # ISO date
    source: str  # "config" | "inline"
    expired: bool = False  # an expired waiver no longer applies; the result keeps its real status

    def __init__(self, reason: str, expires: str, source: str, expired: bool = False) -> None:
        fields = self.__dict__
        fields["reason"] = reason
        fields["expires"] = expires
        fields["source"] = source
        fields["expired"] = expired


class Examples(Mapping[str, str]):
    """A rule's compliant examples, kind (``arm``, ``bicep``, ``live``) -> text: a read-only mapping
    whose texts are either given or read by ``load`` when something first asks for them (the
    compiled bundled policies keep them apart, ``checker/policy/compiled.py``: a scan never shows
    them). Equal to any mapping with the same items and hashed by them, as a frozen record's field
    is; copied and pickled as its items."""

    __slots__ = ("_texts", "_load")

    def __init__(self, texts: Mapping[str, str] | None = None,
                 load: Callable[[], Mapping[str, str]] | None = None) -> None:
        self._texts: dict[str, str] | None = (dict(texts) if texts is not None
                                              else {} if load is None else None)
        self._load = load

    @property
    def loaded(self) -> bool:
        """Whether the texts have been read (always, for texts given at construction)."""
        return self._texts is not None

    def _read(self) -> dict[str, str]:
        texts = self._texts
        if texts is None:
            assert self._load is not None
            texts = self._texts = dict(self._load())
            self._load = None
        return texts

    def __getitem__(self, kind: str) -> str:
        return self._read()[kind]

    def __iter__(self) -> Iterator[str]:
        return iter(self._read())

    def __len__(self) -> int:
        return len(self._read())

    def __contains__(self, kind: object) -> bool:
        return kind in self._read()

    # the dict's own, rather than the generic ones made of the methods above
    def get(self, kind: str, default: Any = None) -> Any:
        return self._read().get(kind, default)

    def keys(self) -> KeysView[str]:
        return self._read().keys()

    def items(self) -> ItemsView[str, str]:
        return self._read().items()

    def values(self) -> ValuesView[str]:
        return self._read().values()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Examples):
            return self._read() == other._read()
        return self._read() == dict(other.items()) if isinstance(other, Mapping) else NotImplemented

    def __hash__(self) -> int:
        return hash(frozenset(self._read().items()))

    def __repr__(self) -> str:
        return f"Examples({self._read()!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Examples, (self._read(),))


class RuleInfo(Frozen):
    """Rule metadata the formats need (SARIF rules, rule pages, markdown links)."""

    _fields = ("id", "title", "description", "severity", "patterns", "remediation", "references", "help_uri",
               "requires_live", "examples")

    id: str
    title: str
    description: str
    severity: str
    patterns: tuple[str, ...]
    remediation: str = ""
    references: tuple[str, ...] = ()
    help_uri: str = ""
    requires_live: bool = False
    #: arm | bicep | live -> compliant example; the policy's own :class:`Examples`, so that they are
    #: read only by a format that shows them (SARIF rule help)
    examples: Examples

    def __init__(self, id: str, title: str, description: str, severity: str,
                 patterns: tuple[str, ...], remediation: str = "", references: tuple[str, ...] = (),
                 help_uri: str = "", requires_live: bool = False,
                 examples: Mapping[str, str] | tuple[tuple[str, str], ...] = ()) -> None:
        fields = self.__dict__
        fields["id"] = id
        fields["title"] = title
        fields["description"] = description
        fields["severity"] = severity
        fields["patterns"] = patterns
        fields["remediation"] = remediation
        fields["references"] = references
        fields["help_uri"] = help_uri
        fields["requires_live"] = requires_live
        fields["examples"] = examples if isinstance(examples, Examples) else Examples(dict(examples))


class Result(Frozen):
    """The verdict of one rule on one resource."""

    _fields = ("rule", "status", "severity", "site", "resource", "location", "message", "remediation",
               "unknown_reasons", "suppression", "baseline", "context")

    rule: str
    status: str  # one of STATUSES
    severity: str  # one of SEVERITIES (after configuration overrides)
    site: str | None  # site id (the VNet id of the site), None when the resource belongs to no site
    resource: ResourceRef
    location: Location
    message: str
    remediation: str = ""
    unknown_reasons: tuple[str, ...] = ()  # why the verdict is unknown (or what was not collected)
    suppression: Suppression | None = None  # set when status == "suppressed" or a waiver expired
    baseline: str | None = None  # "new" | "existing" | "fixed" when a baseline was given
    #: the subject lives only in a --context file (the live estate), not in the scanned inputs: shown apart,
    #: gates only with --gate-context (checker/sources/context.py)
    context: bool = False

    def __init__(self, rule: str, status: str, severity: str, site: str | None, resource: ResourceRef,
                 location: Location, message: str, remediation: str = "", unknown_reasons: tuple[str, ...] = (),
                 suppression: Suppression | None = None, baseline: str | None = None, context: bool = False) -> None:
        # A scan of a large estate makes tens of thousands of results: the fields are stored at once
        # rather than through object.__setattr__ per field (instances stay immutable: assignment
        # raises). Keep in step with _fields.
        fields = self.__dict__
        fields["rule"] = rule
        fields["status"] = status
        fields["severity"] = severity
        fields["site"] = site
        fields["resource"] = resource
        fields["location"] = location
        fields["message"] = message
        fields["remediation"] = remediation
        fields["unknown_reasons"] = unknown_reasons
        fields["suppression"] = suppression
        fields["baseline"] = baseline
        fields["context"] = context
