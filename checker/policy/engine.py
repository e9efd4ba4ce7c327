"""Evaluate policies over subjects: select subjects per rule, apply rule settings, turn three-valued
condition results into Results with rendered messages; plus the text of `explain` and `policies list`."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache

from checker.gcpause import collector_paused
from checker.model import CheckerError, EvaluationCrash, Secret, Unknown, normalise_id
from checker.policy.conditions import (
    MISSING,
    OPERATORS,
    ConditionError,
    Undetermined,
    compile_condition,
    expression_kind,
    field_reader,
    resolve_one,
    split_message,
)
from checker.policy.loader import is_disabled
from checker.policy.model import Policy, RuleSettings, rule_page_path
from checker.records import Frozen
from checker.results import Location, ResourceRef, Result
from checker.subject import Subject

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    import yaml

    from checker.policy.conditions import Truth

POLICY_LIST_HEADER = ["rule", "severity", "patterns", "subject", "title"]
DEFAULT_SETTINGS = RuleSettings()


class CompiledPolicy(Frozen):
    """A policy with its settings applied and its conditions compiled (once per run, not per subject;
    the ``then`` may be compiled when first run, and the message is split when first rendered)."""

    _fields = ("policy", "severity", "parameters", "condition_if", "condition_then", "message")
    policy: Policy
    severity: str
    parameters: Mapping[str, Any]
    condition_if: Callable[[Any], Truth] | None
    condition_then: Callable[[Any], Truth]
    message: MessageRenderer

    def __init__(self, policy: Policy, severity: str, parameters: Mapping[str, Any],
                 condition_if: Callable[[Any], Truth] | None, condition_then: Callable[[Any], Truth],
                 message: MessageRenderer) -> None:
        fields = self.__dict__
        fields["policy"] = policy
        fields["severity"] = severity
        fields["parameters"] = parameters
        fields["condition_if"] = condition_if
        fields["condition_then"] = condition_then
        fields["message"] = message


def _lowered(mapping: Mapping[str, Any]) -> dict[str, Any]:
    return {str(key).lower(): value for key, value in mapping.items()}


#: A rule run on at least this many subjects gets generated conditions (see compile_condition):
#: generating costs more than it saves on a few subjects, and a scan of a repository has few.
GENERATE_FROM = 200


#: A kind with at least this many subjects has them picked by selectors (see _Selectors) before a
#: rule's ``if`` runs; on fewer, compiling the selector tests costs more than running the ``if``.
SELECT_FROM = 32


def compile_policy(policy: Policy, settings: RuleSettings = DEFAULT_SETTINGS, generate: bool = False,
                   lazy_then: bool = False) -> CompiledPolicy:
    """Apply severity and parameter overrides and compile the conditions (``generate``: as
    generated functions, for a rule run on many subjects; ``lazy_then``: the ``then`` when first
    run, as many rules' ``if`` holds on none of a scan's few subjects).
    Raises ConditionError if a condition is malformed (the loader rejects those first), for a lazy
    ``then`` when it first runs."""
    severity = (_lowered(settings.severity).get(policy.id.lower(), policy.severity) if settings.severity
                else policy.severity)
    parameters = policy.default_parameters()
    if settings.parameters:
        parameters.update(_lowered(settings.parameters).get(policy.id.lower(), {}))
    condition_if = (compile_condition(policy.condition_if, parameters, "if", generate)
                    if policy.condition_if is not None else None)
    condition_then = (_lazy_condition(policy.condition_then, parameters, "then") if lazy_then and not generate
                      else compile_condition(policy.condition_then, parameters, "then", generate))
    return CompiledPolicy(policy, severity, parameters, condition_if, condition_then,
                          _lazy_message(policy.message, parameters))


def _lazy_condition(condition: Any, parameters: Mapping[str, Any], path: str) -> Callable[[Any], Truth]:
    """A condition compiled when first run."""
    return _built_on_first_call(lambda: compile_condition(condition, parameters, path))


def _lazy_message(template: str, parameters: Mapping[str, Any]) -> MessageRenderer:
    """The message renderer, split and compiled when a failure first needs it: most rules of a
    scan fail on nothing, and splitting and compiling every message cost more than the rules' runs."""
    def build() -> MessageRenderer:
        try:
            parts = split_message(template)
        except ValueError:
            parts = [("text", template)]
        return compile_message(parts, parameters)
    return _built_on_first_call(build)


def _built_on_first_call(build: Callable[[], Callable[[Any], Any]]) -> Callable[[Any], Any]:
    """``build()``'s function, built when first called."""
    built: Callable[[Any], Any] | None = None

    def run(data: Any) -> Any:
        nonlocal built
        if built is None:
            built = build()
        return built(data)
    return run


# ---------------------------------------------------------------------------------------------------
# Messages
# ---------------------------------------------------------------------------------------------------

def display_value(value: Any) -> str:
    """How a subject value appears in a message: unknown values as ``unknown``, secrets as
    ``<secret>`` (their value is never held, let alone printed)."""
    if type(value) is str:
        return value
    if isinstance(value, Secret):
        return "<secret>"
    if isinstance(value, Unknown):
        return "unknown"
    if value is MISSING or value is None:
        return "(not set)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ", ".join(display_value(item) for item in value) if value else "(none)"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{key}: {display_value(item)}" for key, item in value.items()) + "}"
    return str(value)


if TYPE_CHECKING:
    MessageRenderer = Callable[[Any], str]


def compile_message(parts: Sequence[tuple[str, Any]], parameters: Mapping[str, Any]) -> MessageRenderer:
    """A renderer for a split message template; parameters are rendered once."""
    pieces: list[Any] = []
    for kind, item in parts:
        if kind == "text":
            pieces.append(item)
        elif kind == "parameter":
            pieces.append(display_value(parameters.get(item, MISSING)))
        else:
            pieces.append(item)
    if all(isinstance(piece, str) for piece in pieces):
        fixed = "".join(pieces)
        return lambda data: fixed
    # text stays as is; each field is read by a reader made once (the conditions' own getters)
    steps: list[str | Callable[[Any], Any]] = [piece if isinstance(piece, str) else field_reader(piece)
                                              for piece in pieces]

    def render(data: Any) -> str:
        out = []
        for step in steps:
            if step.__class__ is str:
                out.append(step)  # type: ignore[arg-type]
                continue
            value = step(data)  # type: ignore[operator]
            out.append(value if value.__class__ is str else display_value(value))
        return "".join(out)
    return render


def render_message(parts: Sequence[tuple[str, Any]], data: Any, parameters: Mapping[str, Any]) -> str:
    return compile_message(parts, parameters)(data)


# ---------------------------------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------------------------------

def _location(subject: Subject) -> Location:
    origin = subject.location or subject.resource.origin
    if origin is None:
        return Location(file=None)
    return Location(file=origin.file, line=origin.line, column=origin.column, pointer=origin.pointer)


def _property_location(location: Location, prop: str) -> Location:
    """The location narrowed to the property a rule names (its path appended to the JSON pointer)."""
    if not prop:
        return location
    pointer = location.pointer + "".join(
        "/" + part.replace("~", "~0").replace("/", "~1") for part in prop.split(".")) if location.pointer else ""
    return Location(file=location.file, line=location.line, column=location.column, pointer=pointer,
                    property=prop)


Place = tuple[ResourceRef, Location, str]  # the subject's reference, location and name in messages


def _place(subject: Subject) -> Place:
    resource = subject.resource
    return (ResourceRef(id=resource.id, type=resource.type, name=resource.name), _location(subject),
            _subject_name(subject))


def _result(compiled: CompiledPolicy, subject: Subject, place: Place, status: str, message: str,
            reasons: tuple[str, ...] = ()) -> Result:
    return Result(
        rule=compiled.policy.id, status=status, severity=compiled.severity, site=subject.site,
        resource=place[0], location=_property_location(place[1], compiled.policy.property), message=message, remediation=compiled.policy.remediation,
        unknown_reasons=reasons)


def _subject_name(subject: Subject) -> str:
    """The subject's name, which starts the message of a pass or an unknown: ``<name>: <the rule's
    title>`` (the title states what compliance is). A policy's ``message`` states a problem, so it is
    only rendered for a failure; an unknown result's reasons travel in ``unknown_reasons`` and every
    format prints them once, after this message."""
    data = subject.data
    is_mapping = type(data) is dict or isinstance(data, Mapping)
    name = data.get("displayName") if is_mapping else None
    if not isinstance(name, str) or not name:
        name = subject.resource.name
    elif name.startswith("at line"):  # a name only known at deployment: say what the resource is
        name = f"{str(subject.resource.type).rsplit('/', 1)[-1]} {name}"
    vnet = data.get("vnet") if is_mapping else None
    if subject.kind == "gateway-subnet" and isinstance(vnet, Mapping) and isinstance(vnet.get("displayName"), str):
        name = f"{name} of VNet {vnet['displayName']}"
    return name


def evaluate_subject(compiled: CompiledPolicy, subject: Subject, place: Place | None = None) -> Result | None:
    """The result of one compiled policy on one subject, or None when its ``if`` is false.
    ``place`` (the subject's reference and location) can be given to share it between rules."""
    try:
        data = subject.data
        if compiled.condition_if is not None:
            applies = compiled.condition_if(data)
            if applies is False:
                return None
        else:
            applies = True
    except Exception as error:  # a bug, not a verdict: an internal error naming the rule and resource
        raise EvaluationCrash(error, rule=compiled.policy.id, resource=subject.resource.id) from error
    return _applied(compiled, subject, place or _safe_place(compiled, subject), applies)


def _safe_place(compiled: CompiledPolicy, subject: Subject) -> Place:
    try:
        return _place(subject)
    except Exception as error:  # a bug, not a verdict: an internal error naming the rule and resource
        raise EvaluationCrash(error, rule=compiled.policy.id, resource=subject.resource.id) from error


def _applied(compiled: CompiledPolicy, subject: Subject, place: Place, applies: Truth) -> Result:
    """The result of a policy whose ``if`` is true or unknown on this subject."""
    try:
        data = subject.data
        if compiled.policy.requires == "live" and subject.resource.source != "live":
            return _result(compiled, subject, place, "not-applicable",
                           f"{compiled.policy.id} needs live data; {subject.resource.name} was read from "
                           f"{subject.resource.source} data, so the rule was not evaluated.")
        if isinstance(applies, Undetermined):
            return _result(compiled, subject, place, "unknown", f"{place[2]}: {compiled.policy.title}", applies.reasons)
        verdict = compiled.condition_then(data)
        if verdict is True:
            return _result(compiled, subject, place, "pass", f"{place[2]}: {compiled.policy.title}")
        if verdict is False:
            return _result(compiled, subject, place, "fail", compiled.message(data))
        reasons = verdict.reasons if isinstance(verdict, Undetermined) else ("no verdict",)
        return _result(compiled, subject, place, "unknown", f"{place[2]}: {compiled.policy.title}", reasons)
    except Exception as error:  # a bug, not a verdict: an internal error naming the rule and resource
        raise EvaluationCrash(error, rule=compiled.policy.id, resource=subject.resource.id) from error


def evaluate(policies: Sequence[Policy], subjects: Sequence[Subject],
             settings: RuleSettings = DEFAULT_SETTINGS) -> list[Result]:
    """Every enabled policy on every subject of its kind whose patterns it covers.
    Results come sorted by rule id, resource id and location."""
    with collector_paused():  # many small acyclic objects: see checker/gcpause.py
        return _evaluate(policies, subjects, settings)


def _evaluate(policies: Sequence[Policy], subjects: Sequence[Subject], settings: RuleSettings) -> list[Result]:
    by_kind: dict[str, list[Subject]] = {}
    for each in subjects:
        by_kind.setdefault(each.kind, []).append(each)
    # subjects in report order once, so results come out sorted without sorting them
    for kind_subjects in by_kind.values():
        kind_subjects.sort(key=_subject_order)
    selectors = _Selectors(by_kind)
    places: dict[int, Place] = {}  # each subject's reference and location, made once
    property_locations: dict[str, dict[int, Location]] = {}  # ... and narrowed to a rule's property
    by_patterns: dict[tuple[str, frozenset[str]], set[int]] = {}  # ids of the subjects of a kind in some patterns
    results: list[Result] = []
    append = results.append
    for policy in sorted(policies, key=lambda p: p.id):
        if is_disabled(policy.id, settings.disabled):
            continue
        candidates = by_kind.get(policy.subject)
        if not candidates:
            continue
        patterns = frozenset(policy.patterns)
        in_patterns = by_patterns.get((policy.subject, patterns))
        if in_patterns is None:  # rules share a few pattern sets: each kind is filtered once per set
            in_patterns = by_patterns[(policy.subject, patterns)] = {
                id(s) for s in candidates if not patterns.isdisjoint(s.patterns)}
        if not in_patterns:
            continue
        try:
            compiled = compile_policy(policy, settings, len(in_patterns) >= GENERATE_FROM, lazy_then=True)
            if len(candidates) >= SELECT_FROM:
                candidates = selectors.candidates(policy, compiled.parameters, candidates)
        except ConditionError as error:
            raise _rule_error(policy, error) from None
        # what every result of this rule shares, read once (this loop runs for every subject)
        rule, severity, remediation, title, prop = (
            policy.id, compiled.severity, policy.remediation, policy.title, policy.property)
        live_only = policy.requires == "live"
        condition_if, condition_then, message = compiled.condition_if, compiled.condition_then, compiled.message
        narrowed_locations = property_locations.setdefault(prop, {}) if prop else {}
        subject: Subject | None = None
        try:
            for subject in candidates:
                key = id(subject)
                if key not in in_patterns:
                    continue
                data = subject.data
                applies: Truth = True if condition_if is None else condition_if(data)
                if applies is False:
                    continue
                place = places.get(key)
                if place is None:
                    place = places[key] = _place(subject)
                location = place[1]
                if prop:
                    narrowed = narrowed_locations.get(key)
                    if narrowed is None:
                        narrowed = narrowed_locations[key] = _property_location(location, prop)
                    location = narrowed
                reasons: tuple[str, ...] = ()
                if live_only and subject.resource.source != "live":
                    status = "not-applicable"
                    text = (f"{rule} needs live data; {subject.resource.name} was read from "
                            f"{subject.resource.source} data, so the rule was not evaluated.")
                elif applies is not True:
                    status, text = "unknown", f"{place[2]}: {title}"
                    reasons = applies.reasons if isinstance(applies, Undetermined) else ("no verdict",)
                else:
                    verdict = condition_then(data)
                    if verdict is True:
                        status, text = "pass", f"{place[2]}: {title}"
                    elif verdict is False:
                        status, text = "fail", message(data)
                    else:
                        status, text = "unknown", f"{place[2]}: {title}"
                        reasons = verdict.reasons if isinstance(verdict, Undetermined) else ("no verdict",)
                append(Result(rule, status, severity, subject.site, place[0], location, text, remediation, reasons))
        except ConditionError as error:  # from the lazy ``then``: a malformed condition, not a crash
            raise _rule_error(policy, error) from None
        except Exception as error:  # a bug, not a verdict: an internal error naming the rule and resource
            resource = subject.resource.id if subject is not None else "(none)"
            raise EvaluationCrash(error, rule=policy.id, resource=resource) from error
    return results


def _rule_error(policy: Policy, error: ConditionError) -> CheckerError:
    return CheckerError(f"rule {policy.id}: {error}", file=policy.file, line=policy.line,
                        hint=error.hint or "run `hybrid-check policies validate` on the policy folder")


class _Selectors:
    """The subjects a rule's ``if`` can select, found without running it on each: when the ``if``
    is, or has in its ``allOf``, tests of one top-level field against a constant
    (``connectionType in [IPsec, Vnet2Vnet]``, ``enableBgp equals true``), the subjects of a kind are
    grouped once by each such field's value, each test runs once per distinct value, and the
    subjects of the values that make one of them false are left out (an ``allOf`` with a false
    member is false whatever the others say). The others still run the whole ``if``. Order is kept."""

    def __init__(self, by_kind: Mapping[str, list[Subject]]) -> None:
        self.by_kind = by_kind
        self.groups: dict[tuple[str, str], list[tuple[Any, list[int]]]] = {}

    def candidates(self, policy: Policy, parameters: Mapping[str, Any], subjects: list[Subject]) -> list[Subject]:
        dropped: set[int] = set()
        for leaf in _selector_leaves(policy.condition_if):
            name = leaf["field"]
            test = compile_condition(leaf, parameters, "if")
            for value, positions in self._grouped(policy.subject, name):
                if test({name: value}) is False:
                    dropped.update(positions)
        if not dropped:
            return subjects
        return [subject for index, subject in enumerate(subjects) if index not in dropped]

    def _grouped(self, kind: str, name: str) -> list[tuple[Any, list[int]]]:
        """(value, positions) per distinct value of a top-level field over a kind's subjects; a
        value that cannot be a key (a list, an object) gets a group of its own."""
        found = self.groups.get((kind, name))
        if found is None:
            by_value: dict[tuple[type, Any], tuple[Any, list[int]]] = {}
            found = []
            for index, subject in enumerate(self.by_kind[kind]):
                data = subject.data
                value = data.get(name) if data.__class__ is dict else resolve_one(data, (name,))
                try:
                    group = by_value.get((value.__class__, value))
                except TypeError:  # unhashable
                    found.append((value, [index]))
                    continue
                if group is None:
                    group = by_value[(value.__class__, value)] = (value, [])
                    found.append(group)
                group[1].append(index)
            self.groups[(kind, name)] = found
        return found


def _selector_leaves(condition: Any) -> list[dict[str, Any]]:
    """The leaf tests of one top-level field against a constant (no path, no ``[*]``, no
    ``current()``) that the ``if`` is or that its ``allOf`` holds."""
    if isinstance(condition, Mapping) and isinstance(condition.get("allOf"), list):
        members = condition["allOf"]
    else:
        members = [condition]
    return [leaf for leaf in (_selector_leaf(member) for member in members) if leaf is not None]


def _selector_leaf(condition: Any) -> dict[str, Any] | None:
    """``condition`` when it is a leaf test of one top-level field against a constant; else None."""
    if not isinstance(condition, Mapping) or set(condition) - {"field", *OPERATORS} or len(condition) != 2:
        return None
    name = condition.get("field")
    if not isinstance(name, str) or not _PLAIN_NAME.fullmatch(name):
        return None
    operand = next(value for key, value in condition.items() if key != "field")
    kind = expression_kind(operand)
    if kind is not None and kind[0] != "parameters":  # current() or anything but a constant
        return None
    return dict(condition)


_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _subject_order(subject: Subject) -> tuple[str, str, int, int]:
    origin = subject.location or subject.resource.origin
    resource = subject.resource
    key = resource.key if resource.id.__class__ is str else normalise_id(resource.id)
    return (key, (origin.file if origin else None) or "",
            (origin.line if origin else None) or 0, (origin.column if origin else None) or 0)


# ---------------------------------------------------------------------------------------------------
# Text for the command line
# ---------------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _readable_dumper() -> type[yaml.SafeDumper]:
    """A YAML dumper with double quotes for strings holding a single quote, so "[parameters('x')]"
    reads as written (built on first use: a scan never imports yaml)."""
    import yaml

    class ReadableDumper(yaml.SafeDumper):
        pass

    def represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
        style = '"' if "'" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    ReadableDumper.add_representer(str, represent_str)
    return ReadableDumper


def conditions_yaml(policy: Policy) -> str:
    """The ``if``/``then`` conditions as YAML, as the author wrote them."""
    import yaml

    document: dict[str, Any] = {}
    if policy.condition_if is not None:
        document["if"] = policy.condition_if
    document["then"] = policy.condition_then
    return yaml.dump(document, Dumper=_readable_dumper(), sort_keys=False, default_flow_style=False,
                     width=100, allow_unicode=True).rstrip()


def explain(policy: Policy) -> str:
    """The text of ``hybrid-check explain RULE-ID``."""
    lines = [
        f"{policy.id}: {policy.title}",
        "",
        f"Severity:  {policy.severity}",
        f"Patterns:  {', '.join(policy.patterns)}",
        f"Subject:   {policy.subject}",
        f"Data:      {'live subscription data only' if policy.requires == 'live' else 'templates, exports and live data'}",
        f"Defined:   {policy.file}:{policy.line}",
        f"Rule page: {rule_page_path(policy.id)}",
        "",
        "Why it matters:",
        _indent(policy.description),
        "",
        "How to fix:",
        _indent(policy.remediation),
    ]
    if policy.parameters:
        lines += ["", "Parameters:"]
        for spec in policy.parameters.values():
            text = f"  {spec.name} ({spec.type}, default {display_value(spec.default)})"
            if spec.description:
                text += f": {spec.description}"
            lines.append(text)
    lines += ["", "Conditions:", _indent(conditions_yaml(policy)), "", "Message:", _indent(policy.message)]
    if policy.references:
        lines += ["", "References:"] + [f"  {reference}" for reference in policy.references]
    return "\n".join(lines) + "\n"


def _indent(text: str) -> str:
    return "\n".join(("  " + line) if line.strip() else "" for line in text.strip().splitlines())


def format_policy_list(policies: Sequence[Policy]) -> list[list[str]]:
    """Rows for ``hybrid-check policies list`` (columns: :data:`POLICY_LIST_HEADER`)."""
    return [[p.id, p.severity, ", ".join(p.patterns), p.subject,
             p.title + (" (live data only)" if p.requires == "live" else "")]
            for p in sorted(policies, key=lambda p: p.id)]


__all__ = ["CompiledPolicy", "ConditionError", "POLICY_LIST_HEADER", "compile_policy", "conditions_yaml",
           "compile_message", "display_value", "evaluate", "evaluate_subject", "explain", "format_policy_list", "render_message"]
