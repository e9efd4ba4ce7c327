"""The condition language of policies (Azure Policy's ``if``/``then`` syntax) with three-valued logic:
conditions are checked once, compiled into closures once per policy, then run on every subject."""

from __future__ import annotations

import functools
import math
import operator as op
import re
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType

from checker.model import CaseInsensitiveDict, Secret, Unknown
from checker.records import Frozen

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Union

LOGICAL_KEYS = ("allOf", "anyOf", "not")
OPERAND_KEYS = ("field", "value", "count")
OPERATORS = (
    "equals", "notEquals", "in", "notIn", "contains", "notContains", "containsKey", "notContainsKey",
    "like", "notLike", "match", "notMatch", "matchInsensitively", "notMatchInsensitively",
    "less", "lessOrEquals", "greater", "greaterOrEquals", "exists",
)
CONDITION_KEYS = LOGICAL_KEYS + OPERAND_KEYS + OPERATORS
_OPERATOR_SET = frozenset(OPERATORS)  # for membership tests while compiling
#: Attributes of a Secret that conditions may read; never its value (it does not hold one).
SECRET_FIELDS = ("source", "length", "weak")

_PARAMETER_EXPRESSION = re.compile(r"^\[\s*parameters\(\s*'([^']*)'\s*\)\s*\]$")


@functools.cache
def _current_expression() -> re.Pattern[str]:  # compiled on first use (a rare path)
    return re.compile(r"^\[\s*current\(\s*(?:'([^']*)')?\s*\)\s*\]$")


class Undetermined(Frozen):
    """The third truth value: the condition cannot be decided, and these are the reasons why."""

    _fields = ("reasons",)
    reasons: tuple[str, ...]

    def __init__(self, reasons: tuple[str, ...]) -> None:
        self.__dict__["reasons"] = reasons

    def __bool__(self) -> bool:  # an undecided condition must never be taken for true by accident
        raise TypeError("Undetermined has no boolean value; compare with `is True` / `is False`")


if TYPE_CHECKING:
    Truth = Union[bool, Undetermined]  # noqa: UP007


class ConditionError(Exception):
    """A malformed condition; ``path`` is the JSON path inside the policy (``then.allOf[1]``)."""

    def __init__(self, path: str, message: str, hint: str | None = None) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message
        self.hint = hint


class _Missing:
    """A field that does not exist (absent key, null, out-of-range index): not the same as unknown."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


# ---------------------------------------------------------------------------------------------------
# Three-valued connectives
# ---------------------------------------------------------------------------------------------------

def _merge_reasons(parts: Sequence[Undetermined]) -> Undetermined:
    seen: dict[str, None] = {}
    for part in parts:
        for reason in part.reasons:
            seen.setdefault(reason, None)
    return Undetermined(tuple(seen))


def all_of(values: Sequence[Truth]) -> Truth:
    """False if any part is false, else unknown if any is unknown, else true."""
    unknown = []
    for value in values:
        if value is False:
            return False
        if value is not True:
            unknown.append(value)
    return _merge_reasons(unknown) if unknown else True


def any_of(values: Sequence[Truth]) -> Truth:
    """True if any part is true, else unknown if any is unknown, else false."""
    unknown = []
    for value in values:
        if value is True:
            return True
        if value is not False:
            unknown.append(value)
    return _merge_reasons(unknown) if unknown else False


def negate(value: Truth) -> Truth:
    if value is True:
        return False
    if value is False:
        return True
    return value


# ---------------------------------------------------------------------------------------------------
# Field paths
# ---------------------------------------------------------------------------------------------------

STAR = "[*]"


class FieldPath(Frozen):
    """A parsed field path: ``segments`` are property names (str), ``STAR`` or indexes (int)."""

    _fields = ("text", "segments")
    text: str
    segments: tuple[str | int, ...]

    def __init__(self, text: str, segments: tuple[str | int, ...]) -> None:
        fields = self.__dict__
        fields["text"] = text
        fields["segments"] = segments

    @property
    def has_star(self) -> bool:
        return STAR in self.segments


_NAME_CHARS = re.compile(r"[^.\[\]]+")


@functools.lru_cache(maxsize=2048)
def parse_field_path(text: str) -> FieldPath:
    """Parse ``a.b[*].c``, ``a[0]``, ``tags['x']``; raise ValueError with what is wrong. (Remembered:
    the rules of a run read a few hundred distinct paths, most of them many times.)"""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("a field path must be a non-empty string")
    segments: list[str | int] = []
    position = 0
    expect_name = True
    while position < len(text):
        char = text[position]
        if char == "[":
            if position == 0:
                raise ValueError(f"field path '{text}' must start with a property name")
            end = text.find("]", position)
            if end < 0:
                raise ValueError(f"unclosed '[' in field path '{text}'")
            inner = text[position + 1:end].strip()
            if inner == "*":
                segments.append(STAR)
            elif inner.isdigit():
                segments.append(int(inner))
            elif len(inner) >= 2 and inner[0] == inner[-1] and inner[0] in "'\"":
                segments.append(inner[1:-1])
            else:
                raise ValueError(f"'[{inner}]' in field path '{text}' is not [*], [N] or ['name']")
            position = end + 1
            expect_name = False
        elif char == ".":
            if expect_name:
                raise ValueError(f"empty property name in field path '{text}'")
            position += 1
            expect_name = True
            if position == len(text):
                raise ValueError(f"field path '{text}' ends with '.'")
        else:
            if not expect_name:
                raise ValueError(f"missing '.' before '{text[position:]}' in field path '{text}'")
            found = _NAME_CHARS.match(text, position)
            assert found is not None
            segments.append(found.group(0))
            position = found.end()
            expect_name = False
    return FieldPath(text, tuple(segments))


def _lookup(container: Any, key: str) -> Any:
    """Property lookup. ARM objects are :class:`CaseInsensitiveDict` (every resource body is made of
    them) and find any spelling themselves; the objects the views build (plain ``dict`` and the
    read-only parts they share) hold the declared field names as written, so their names are exact
    (and the envelope names of a resource body are copied in their usual spelling,
    ``checker/views/readers.envelope``). Any other mapping is searched case-insensitively."""
    kind = container.__class__
    if kind is dict or kind is MappingProxyType or isinstance(container, CaseInsensitiveDict):
        value = container.get(key, MISSING)
        return MISSING if value is None else value
    if isinstance(container, Mapping):
        value = container.get(key, MISSING)
        if value is MISSING:
            lowered = key.lower()
            for candidate in container:
                if (candidate.__class__ is str or isinstance(candidate, str)) and candidate.lower() == lowered:
                    value = container[candidate]
                    break
        return MISSING if value is None else value
    if isinstance(container, Secret) and key in SECRET_FIELDS:
        value = getattr(container, key)
        return MISSING if value is None else value
    return MISSING


def _describe(value: Any) -> str:
    if isinstance(value, Secret):
        return "<secret>"
    if isinstance(value, Unknown):
        return "unknown"
    if value is MISSING:
        return "nothing"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "an array"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _path_text(segments: Sequence[str | int]) -> str:
    out = ""
    for segment in segments:
        if segment == STAR:
            out += "[*]"
        elif isinstance(segment, int):
            out += f"[{segment}]"
        else:
            out += ("." if out else "") + segment
    return out


def _resolve_one(value: Any, segments: Sequence[str | int]) -> Any:
    """Follow a path without ``[*]``: a value, MISSING or an Unknown."""
    for segment in segments:
        if (value.__class__ is dict or value.__class__ is MappingProxyType) and segment.__class__ is str:
            value = value.get(segment)  # the views' own objects (exact names, see _lookup): kept fast
            if value is None:
                return MISSING
        elif isinstance(value, Unknown):
            return value
        elif isinstance(segment, int):
            if isinstance(value, (list, tuple)) and segment < len(value):
                value = value[segment]
                value = MISSING if value is None else value
            else:
                return MISSING
        else:
            value = _lookup(value, segment)
        if value is MISSING:
            return MISSING
    return value


def _resolve_many(value: Any, segments: Sequence[str | int], done: list[str | int],
                  out: list[Any]) -> Unknown | None:
    """Follow a path with ``[*]``: append every leaf to ``out``; an Unknown if the set is unknowable."""
    for index, segment in enumerate(segments):
        if isinstance(value, Unknown):
            if segments[index:].count(STAR):
                return value  # cannot enumerate the elements of an unknown array
            out.append(value)
            return None
        if segment == STAR:
            if value is MISSING or value is None:
                return None  # a missing array has no elements: "every element" holds
            if not isinstance(value, (list, tuple)):
                return Unknown(f"expected an array at {_path_text(done)}, found {_describe(value)}")
            rest = segments[index + 1:]
            for element in value:
                element = MISSING if element is None else element
                problem = _resolve_many(element, rest, done + [STAR], out)
                if problem is not None:
                    return problem
            return None
        if isinstance(segment, int):
            if isinstance(value, (list, tuple)) and segment < len(value):
                value = value[segment]
                value = MISSING if value is None else value
            else:
                value = MISSING
        else:
            value = _lookup(value, segment)
        done = done + [segment]
        if value is MISSING and STAR not in segments[index + 1:]:
            out.append(MISSING)
            return None
    out.append(value)
    return None


# ---------------------------------------------------------------------------------------------------
# Operators: value comparison with ARM casing rules
# ---------------------------------------------------------------------------------------------------

def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and not (
        isinstance(value, float) and math.isnan(value))


def _secret_reason(where: str) -> Undetermined:
    return Undetermined((f"{where} is a secret; its value is not compared",))


def _equal(a: Any, b: Any, where: str) -> Truth:
    """Deep equality: strings case-insensitively, unknown parts make it unknown."""
    if isinstance(a, Unknown):
        return Undetermined((a.reason,))
    if isinstance(b, Unknown):
        return Undetermined((b.reason,))
    if isinstance(a, Secret) or isinstance(b, Secret):
        return _secret_reason(where)
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if _is_number(a) and _is_number(b):
        return bool(a == b)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if len(a) != len(b):
            return False
        return all_of([_equal(x, y, where) for x, y in zip(a, b)])
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        left = {str(k).lower(): v for k, v in a.items() if v is not None}
        right = {str(k).lower(): v for k, v in b.items() if v is not None}
        if left.keys() != right.keys():
            return False
        return all_of([_equal(left[k], right[k], where) for k in left])
    if a is None or b is None:
        return a is None and b is None
    return False


def _member(value: Any, items: Sequence[Any], where: str) -> Truth:
    return any_of([_equal(value, item, where) for item in items])


def wildcard_regex(pattern: str) -> re.Pattern[str]:
    """``like``: ``*`` matches any run of characters, case-insensitively, over the whole value."""
    return re.compile("^" + ".*".join(re.escape(part) for part in pattern.split("*")) + "$",
                      re.IGNORECASE | re.DOTALL)


def match_regex(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    """``match``: ``#`` a digit, ``?`` a letter, ``.`` any character, anything else literally."""
    parts = []
    for char in pattern:
        if char == "#":
            parts.append("[0-9]")
        elif char == "?":
            parts.append("[A-Za-z]")
        elif char == ".":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("^" + "".join(parts) + "$", (re.IGNORECASE if ignore_case else 0) | re.DOTALL)


#: What an operator says about a field that does not exist (Azure Policy behaviour).
_ON_MISSING = {
    "equals": False, "notEquals": True, "in": False, "notIn": True, "contains": False,
    "notContains": True, "containsKey": False, "notContainsKey": True, "like": False, "notLike": True,
    "match": False, "notMatch": True, "matchInsensitively": False, "notMatchInsensitively": True,
    "less": False, "lessOrEquals": False, "greater": False, "greaterOrEquals": False,
}
_NEGATED = {
    "notEquals": "equals", "notIn": "in", "notContains": "contains", "notContainsKey": "containsKey",
    "notLike": "like", "notMatch": "match", "notMatchInsensitively": "matchInsensitively",
}

if TYPE_CHECKING:
    Test = Callable[[Any, Any, str], Truth]  # (value, operand, where) -> truth; value is a known value


def _test_equals(value: Any, operand: Any, where: str) -> Truth:
    return _equal(value, operand, where)


def _test_in(value: Any, operand: Any, where: str) -> Truth:
    items = operand if isinstance(operand, (list, tuple)) else [operand]
    return _member(value, items, where)


def _test_contains(value: Any, operand: Any, where: str) -> Truth:
    if isinstance(value, str):
        if isinstance(operand, Unknown):
            return Undetermined((operand.reason,))
        if not isinstance(operand, str):
            return False
        return operand.lower() in value.lower()
    if isinstance(value, (list, tuple)):
        return _member(operand, value, where)
    if isinstance(value, Mapping):
        return _test_contains_key(value, operand, where)
    return False


def _test_contains_key(value: Any, operand: Any, where: str) -> Truth:
    if not isinstance(value, Mapping) or not isinstance(operand, str):
        return False
    lowered = operand.lower()
    return any(isinstance(k, str) and k.lower() == lowered and v is not None for k, v in value.items())


def _pattern_test(make: Callable[[str], re.Pattern[str]]) -> Test:
    cache: dict[str, re.Pattern[str]] = {}

    def test(value: Any, operand: Any, where: str) -> Truth:
        if not isinstance(value, str) or not isinstance(operand, str):
            return False
        regex = cache.get(operand)
        if regex is None:
            regex = cache[operand] = make(operand)
        return regex.match(value) is not None
    return test


def _ordering_test(compare: Callable[[Any, Any], bool]) -> Test:
    def test(value: Any, operand: Any, where: str) -> Truth:
        if _is_number(operand):
            if not _is_number(value):
                return Undetermined((f"expected a number at {where}, found {_describe(value)}",))
            return compare(value, operand)
        if isinstance(operand, str):
            if not isinstance(value, str):
                return Undetermined((f"expected a string at {where}, found {_describe(value)}",))
            return compare(value.lower(), operand.lower())
        return Undetermined((f"cannot order {_describe(value)} at {where} against {_describe(operand)}",))
    return test


_TESTS: dict[str, Test] = {
    "equals": _test_equals,
    "in": _test_in,
    "contains": _test_contains,
    "containsKey": _test_contains_key,
    "like": _pattern_test(wildcard_regex),
    "match": _pattern_test(lambda p: match_regex(p, False)),
    "matchInsensitively": _pattern_test(lambda p: match_regex(p, True)),
    "less": _ordering_test(lambda a, b: a < b),
    "lessOrEquals": _ordering_test(lambda a, b: a <= b),
    "greater": _ordering_test(lambda a, b: a > b),
    "greaterOrEquals": _ordering_test(lambda a, b: a >= b),
}


_ORDER_SYMBOLS = {"less": "<", "lessOrEquals": "<=", "greater": ">", "greaterOrEquals": ">="}
_ORDER_FUNCTIONS = {"less": op.lt, "lessOrEquals": op.le, "greater": op.gt, "greaterOrEquals": op.ge}


def _fast_spec(operator: str, wanted: Any) -> tuple[str, Any, bool] | None:
    """The fast path of a leaf whose operand is the constant ``wanted``: ``(kind, constant,
    negated)``, or None when only the general :func:`apply_operator` applies. The closures of
    :func:`make_test` and the generated conditions (:func:`_generate`) both follow it."""
    negated = operator in _NEGATED
    base = _NEGATED.get(operator, operator)
    if base == "equals" and isinstance(wanted, str):
        return "equals_str", wanted.lower(), negated
    if base == "equals" and type(wanted) is bool:
        return "equals_bool", wanted, negated
    if base == "equals" and type(wanted) is int:
        return "equals_int", wanted, negated
    if base == "in" and isinstance(wanted, (list, tuple)) and wanted and all(isinstance(w, str) for w in wanted):
        return "in_strs", frozenset(w.lower() for w in wanted), negated
    if base in ("like", "match", "matchInsensitively") and isinstance(wanted, str):
        regex = (wildcard_regex(wanted) if base == "like" else match_regex(wanted, base == "matchInsensitively"))
        return "pattern", regex, negated
    if operator in _ORDER_SYMBOLS and _is_number(wanted):
        return "ordering", (operator, wanted), False
    if operator == "exists":
        return "exists", _truthy(wanted), False
    return None


def make_test(operator: str, operand: Callable[[Frames], Any], constant: bool,
              where: str) -> Callable[[Any, Frames], Truth]:
    """``test(value, frames)`` for one leaf: fast paths for the common constant operands (strings for
    equals/in/like, numbers for ordering), the general :func:`apply_operator` for everything else."""
    general = _general_test(operator, operand, where)
    spec = _fast_spec(operator, operand(())) if constant else None
    if spec is None:
        return general
    kind, wanted, negated = spec
    if kind == "equals_str":
        lowered = wanted

        def equals_str(value: Any, frames: Frames) -> Truth:
            if type(value) is str:
                return (value.lower() == lowered) is not negated
            return general(value, frames)
        return equals_str
    if kind == "equals_bool":
        def equals_bool(value: Any, frames: Frames) -> Truth:
            if type(value) is bool:
                return (value is wanted) is not negated
            return general(value, frames)
        return equals_bool
    if kind == "equals_int":
        def equals_int(value: Any, frames: Frames) -> Truth:
            if type(value) is int:
                return (value == wanted) is not negated
            return general(value, frames)
        return equals_int
    if kind == "in_strs":
        members = wanted

        def in_strs(value: Any, frames: Frames) -> Truth:
            if type(value) is str:
                return (value.lower() in members) is not negated
            return general(value, frames)
        return in_strs
    if kind == "pattern":
        regex = wanted

        def pattern(value: Any, frames: Frames) -> Truth:
            if type(value) is str:
                return (regex.match(value) is not None) is not negated
            return general(value, frames)
        return pattern
    if kind == "ordering":
        compare, limit = _ORDER_FUNCTIONS[wanted[0]], wanted[1]

        def ordering(value: Any, frames: Frames) -> Truth:
            if type(value) is int or (type(value) is float and value == value):
                return bool(compare(value, limit))
            return general(value, frames)
        return ordering
    expected = wanted  # exists

    def exists(value: Any, frames: Frames) -> Truth:
        if isinstance(value, Unknown):
            return Undetermined((value.reason,))
        return (value is not MISSING) is expected
    return exists


def _general_test(operator: str, operand: Callable[[Frames], Any], where: str) -> Callable[[Any, Frames], Truth]:
    def test(value: Any, frames: Frames) -> Truth:
        return apply_operator(operator, value, operand(frames), where)
    return test


def apply_operator(operator: str, value: Any, operand: Any, where: str) -> Truth:
    """One leaf test on one value (which may be MISSING, an Unknown or a Secret)."""
    if operator == "exists":
        wanted = _truthy(operand)
        if isinstance(value, Unknown):
            return Undetermined((value.reason,))
        return (value is not MISSING) == wanted
    if isinstance(value, Unknown):
        return Undetermined((value.reason,))
    if value is MISSING:
        return _ON_MISSING[operator]
    if isinstance(value, Secret):
        return _secret_reason(where)
    positive = _NEGATED.get(operator)
    if positive is not None:
        return negate(_TESTS[positive](value, operand, where))
    return _TESTS[operator](value, operand, where)


def _truthy(operand: Any) -> bool:
    if isinstance(operand, str):
        return operand.strip().lower() == "true"
    return bool(operand) if isinstance(operand, (bool, int)) else False


# ---------------------------------------------------------------------------------------------------
# Checking conditions (for the loader: every problem, with its JSON path)
# ---------------------------------------------------------------------------------------------------

class ConditionProblem(Frozen):
    _fields = ("path", "message", "hint")
    path: tuple[str | int, ...]  # JSON path inside the policy document
    message: str
    hint: str | None

    def __init__(self, path: tuple[str | int, ...], message: str, hint: str | None = None) -> None:
        fields = self.__dict__
        fields["path"] = path
        fields["message"] = message
        fields["hint"] = hint


def expression_kind(value: Any) -> tuple[str, str | None] | None:
    """``("parameters", name)`` / ``("current", name-or-None)`` for an expression string, ``("bad", None)``
    for any other ``[...]`` string, None for a literal (``[[`` escapes a literal ``[``)."""
    if not isinstance(value, str) or not value.startswith("[") or value.startswith("[["):
        return None
    if not value.endswith("]"):
        return None
    found = _PARAMETER_EXPRESSION.match(value)
    if found:
        return ("parameters", found.group(1))
    found = _current_expression().match(value)
    if found:
        return ("current", found.group(1))
    return ("bad", None)


def check_condition(condition: Any, path: tuple[str | int, ...], parameters: Mapping[str, Any]) -> list[
        ConditionProblem]:
    """Everything the schema cannot say about a condition tree. ``parameters`` maps each declared
    parameter name to its type (or anything)."""
    problems: list[ConditionProblem] = []
    _check(condition, path, parameters, [], problems)
    return problems


def _check(node: Any, path: tuple[str | int, ...], parameters: Mapping[str, Any],
           scopes: list[tuple[str | None, Any]], problems: list[ConditionProblem]) -> None:
    keys = [k for k in node if isinstance(k, str)] if isinstance(node, Mapping) else []
    if not keys or any(k not in CONDITION_KEYS for k in keys):
        return  # the schema reports wrong types, empty conditions and unknown keys; more would be noise
    logical = [k for k in keys if k in LOGICAL_KEYS]
    if logical:
        if len(keys) > 1:
            others = ", ".join(k for k in keys if k != logical[0])
            problems.append(ConditionProblem(
                path, f"'{logical[0]}' cannot be combined with {others} in one condition",
                "put each condition in its own list item under allOf/anyOf"))
            return
        key = logical[0]
        inner = node[key]
        if key == "not":
            _check(inner, path + (key,), parameters, scopes, problems)
        elif isinstance(inner, list):
            for index, item in enumerate(inner):
                _check(item, path + (key, index), parameters, scopes, problems)
        return
    operands = [k for k in keys if k in OPERAND_KEYS]
    operators = [k for k in keys if k in OPERATORS]
    if len(operands) != 1:
        found = ", ".join(operands) if operands else "none"
        problems.append(ConditionProblem(
            path, f"a leaf condition needs exactly one of field, value, count (found {found})"))
    if len(operators) != 1:
        found = ", ".join(operators) if operators else "none"
        hint = ("split it into one condition per operator under allOf or anyOf" if operators
                else "expected one of " + ", ".join(OPERATORS))
        problems.append(ConditionProblem(
            path, f"a leaf condition needs exactly one operator (found {found})", hint))
    if len(operands) != 1 or len(operators) != 1:
        return
    operand_key, operator = operands[0], operators[0]
    if operand_key == "field":
        _check_field(node["field"], path + ("field",), problems)
    elif operand_key == "value":
        _check_expression(node["value"], path + ("value",), parameters, scopes, problems, None)
    else:
        _check_count(node["count"], path + ("count",), parameters, scopes, problems)
    _check_expression(node[operator], path + (operator,), parameters, scopes, problems, operator)


def _check_field(text: Any, path: tuple[str | int, ...], problems: list[ConditionProblem]) -> None:
    if not isinstance(text, str):
        return  # the schema reports the type
    try:
        parse_field_path(text)
    except ValueError as error:
        problems.append(ConditionProblem(path, str(error)))


def _check_expression(value: Any, path: tuple[str | int, ...], parameters: Mapping[str, Any],
                      scopes: list[tuple[str | None, Any]], problems: list[ConditionProblem],
                      operator: str | None) -> None:
    kind = expression_kind(value)
    if kind is None:
        return
    what, name = kind
    if what == "bad":
        problems.append(ConditionProblem(
            path, f"unsupported expression {value!r}",
            "only \"[parameters('name')]\" (and \"[current('name')]\" inside count) are allowed; "
            "write \"[[\" to start a literal with '['"))
    elif what == "parameters":
        if name not in parameters:
            declared = ", ".join(sorted(parameters)) or "none"
            problems.append(ConditionProblem(
                path, f"parameter '{name}' is not declared", f"declared parameters: {declared}"))
    else:
        if not scopes:
            problems.append(ConditionProblem(path, "current() is only allowed inside a count's where"))
        elif name is not None and not any(scope_name is not None and scope_name.lower() == name.lower()
                                          for scope_name, _ in scopes):
            known = ", ".join(repr(n) for n, _ in scopes if n) or "none"
            problems.append(ConditionProblem(path, f"current('{name}') names no enclosing count",
                                             f"enclosing count names: {known}"))


def _check_count(count: Any, path: tuple[str | int, ...], parameters: Mapping[str, Any],
                 scopes: list[tuple[str | None, Any]], problems: list[ConditionProblem]) -> None:
    if not isinstance(count, Mapping):
        return  # the schema reports the type
    has_field, has_value = "field" in count, "value" in count
    if has_field == has_value:
        problems.append(ConditionProblem(path, "a count needs exactly one of field or value"))
        return
    name: str | None
    if has_field:
        text = count["field"]
        if not isinstance(text, str):
            return
        try:
            field = parse_field_path(text)
        except ValueError as error:
            problems.append(ConditionProblem(path + ("field",), str(error)))
            return
        if not field.segments or field.segments[-1] != STAR:
            problems.append(ConditionProblem(
                path + ("field",), f"a count field must end with [*] (found '{text}')",
                f"write '{text}[*]' to count the elements of the array"))
            return
        name = text
        if "name" in count:
            problems.append(ConditionProblem(path + ("name",), "'name' is only used with a value count"))
    else:
        _check_expression(count["value"], path + ("value",), parameters, scopes, problems, None)
        name = count.get("name") if isinstance(count.get("name"), str) else None
    if "where" in count:
        _check(count["where"], path + ("where",), parameters, scopes + [(name, count)], problems)


# ---------------------------------------------------------------------------------------------------
# Compiling conditions into closures
# ---------------------------------------------------------------------------------------------------

Frames = tuple  # the current element of every enclosing count, outermost first
if TYPE_CHECKING:
    Compiled = Callable[[Any, Frames], Truth]


class _Scope(Frozen):
    _fields = ("depth", "name", "field")
    depth: int
    name: str | None  # value count name, or None
    field: tuple[str | int, ...] | None  # field count path segments (ending in STAR), or None

    def __init__(self, depth: int, name: str | None, field: tuple[str | int, ...] | None) -> None:
        fields = self.__dict__
        fields["depth"] = depth
        fields["name"] = name
        fields["field"] = field


def compile_condition(condition: Any, parameters: Mapping[str, Any] | None = None,
                      path: str = "", generate: bool = False) -> Callable[[Any], Truth]:
    """Compile a condition (checked by :func:`check_condition`) into ``fn(data) -> Truth`` with the
    parameter values bound. Raises ConditionError for a malformed condition.

    ``generate``: for a condition run on many subjects, one Python function is generated for it
    (:func:`_generate`): the connectives and the common leaves run inline, in one call, rather than
    as a call per node of the closure tree. Both give the same truth on every subject."""
    bound = dict(parameters or {})
    compiled = _compile(condition, bound, [], path)  # checks the whole condition first
    if generate:
        return _generate(condition, bound, path)

    def run(data: Any) -> Truth:
        return compiled(data, ())
    return run


def _generate(condition: Mapping[str, Any], parameters: dict[str, Any], path: str) -> Callable[[Any], Truth]:
    """The condition as one generated function ``condition(data)``. ``allOf``, ``anyOf``, ``not``
    and the leaves that test a field outside any count against a constant are written out as
    Python (the same three-valued logic and fast paths as the closures: :func:`_compile_all`,
    :func:`_fast_spec`); every other node (a count, a ``value`` leaf, a ``[*]`` field) is its
    closure, called from the generated code. Constants reach the code as names, never as text."""
    namespace: dict[str, Any] = {"MISSING": MISSING, "Unknown": Unknown, "Undetermined": Undetermined,
                                 "_merge": _merge_reasons, "_proxy": MappingProxyType}
    lines: list[str] = []
    serial = [0]

    def name(prefix: str, value: Any = None) -> str:
        serial[0] += 1
        label = f"{prefix}{serial[0]}"
        if prefix == "k":
            namespace[label] = value
        return label

    def emit(node: Mapping[str, Any], where: str, indent: int, target: str) -> None:
        nonlocal lines
        pad = "    " * indent
        if "allOf" in node or "anyOf" in node:
            key = "allOf" if "allOf" in node else "anyOf"
            stop, other = (False, True) if key == "allOf" else (True, False)
            undecided = name("u")
            lines.append(f"{pad}{undecided} = None")
            lines.append(f"{pad}while True:")  # a block to leave early: each ``break`` ends this connective
            inner = pad + "    "
            for index, item in enumerate(node[key]):
                part = name("r")
                emit(item, _join(_join(where, key), index), indent + 1, part)
                lines += [f"{inner}if {part} is {stop}:", f"{inner}    {target} = {stop}", f"{inner}    break",
                          f"{inner}if {part} is not {other}:",
                          f"{inner}    {undecided} = [{part}] if {undecided} is None else {undecided} + [{part}]"]
            lines += [f"{inner}{target} = {other} if {undecided} is None else _merge({undecided})", f"{inner}break"]
            return
        if "not" in node:
            part = name("r")
            emit(node["not"], _join(where, "not"), indent, part)
            lines.append(f"{pad}{target} = False if {part} is True else (True if {part} is False else {part})")
            return
        operator = next(k for k in node if k in _OPERATOR_SET)
        if "field" not in node or "count" in node:
            closure = name("k", _compile(node, parameters, [], where))
            lines.append(f"{pad}{target} = {closure}(data, ())")
            return
        text = node["field"]
        getter, many = _field_getter(_parse(text, _join(where, "field")), [])
        if many:
            closure = name("k", _compile(node, parameters, [], where))
            lines.append(f"{pad}{target} = {closure}(data, ())")
            return
        operand = _compile_value(node[operator], parameters, [], _join(where, operator))
        kind = expression_kind(node[operator])
        constant = kind is None or kind[0] == "parameters"
        value = name("v")
        read = name("k", getter)
        names = getattr(getter, "plain_names", None)
        if names is not None and len(names) == 1:
            first = name("k", names[0])
            lines += [f"{pad}if data.__class__ is dict:", f"{pad}    {value} = data.get({first})",
                      f"{pad}    if {value} is None:", f"{pad}        {value} = MISSING",
                      f"{pad}else:", f"{pad}    {value} = {read}(data, ())"]
        elif names is not None and len(names) == 2:
            first, second = name("k", names[0]), name("k", names[1])
            lines += [f"{pad}if data.__class__ is dict:", f"{pad}    {value} = data.get({first})",
                      f"{pad}    if {value} is None:", f"{pad}        {value} = MISSING",
                      f"{pad}    elif {value}.__class__ is dict or {value}.__class__ is _proxy:",
                      f"{pad}        {value} = {value}.get({second})",
                      f"{pad}        if {value} is None:", f"{pad}            {value} = MISSING",
                      f"{pad}    else:", f"{pad}        {value} = {read}(data, ())",
                      f"{pad}else:", f"{pad}    {value} = {read}(data, ())"]
        else:
            lines.append(f"{pad}{value} = {read}(data, ())")
        general = name("k", _general_test(operator, operand, text))
        spec = _fast_spec(operator, operand(())) if constant else None
        if spec is None:
            lines.append(f"{pad}{target} = {general}({value}, ())")
            return
        fast, wanted, negated = spec
        if fast == "exists":
            lines += [f"{pad}if isinstance({value}, Unknown):", f"{pad}    {target} = Undetermined(({value}.reason,))",
                      f"{pad}else:", f"{pad}    {target} = {value} is {'not ' if wanted else ''}MISSING"]
            return
        if fast == "ordering":
            limit = name("k", wanted[1])
            check = f"{value}.__class__ is int or ({value}.__class__ is float and {value} == {value})"
            test = f"{value} {_ORDER_SYMBOLS[wanted[0]]} {limit}"
        else:
            constant_name = name("k", wanted)
            check = f"{value}.__class__ is {'bool' if fast == 'equals_bool' else 'int' if fast == 'equals_int' else 'str'}"
            test = {
                "equals_str": f"{value}.lower() {'!=' if negated else '=='} {constant_name}",
                "equals_bool": f"{value} is {'not ' if negated else ''}{constant_name}",
                "equals_int": f"{value} {'!=' if negated else '=='} {constant_name}",
                "in_strs": f"{value}.lower() {'not in' if negated else 'in'} {constant_name}",
                "pattern": f"{constant_name}.match({value}) is {'' if negated else 'not '}None",
            }[fast]
        lines += [f"{pad}if {check}:", f"{pad}    {target} = {test}",
                  f"{pad}else:", f"{pad}    {target} = {general}({value}, ())"]

    emit(condition, path, 1, "result")
    source = "def condition(data):\n" + "\n".join(lines) + "\n    return result\n"
    exec(compile(source, f"<condition {path or 'of a policy'}>", "exec"), namespace)  # noqa: S102 - our own text
    generated: Callable[[Any], Truth] = namespace["condition"]
    generated.source = source  # type: ignore[attr-defined]  # for tests and for reading
    return generated


def evaluate_condition(condition: Any, data: Any, parameters: Mapping[str, Any] | None = None) -> Truth:
    """Evaluate a condition once (compiles it; prefer :func:`compile_condition` in loops)."""
    return compile_condition(condition, parameters)(data)


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _compile(node: Any, parameters: dict[str, Any], scopes: list[_Scope], path: str) -> Compiled:
    if node.__class__ is not dict and not isinstance(node, Mapping):
        raise ConditionError(path, f"expected a condition (an object), found {_describe(node)}")
    if "allOf" in node or "anyOf" in node:
        key = "allOf" if "allOf" in node else "anyOf"
        items = node[key]
        if not isinstance(items, list) or not items:
            raise ConditionError(_join(path, key), f"'{key}' needs a non-empty list of conditions")
        parts = [_compile(item, parameters, scopes, _join(_join(path, key), i)) for i, item in enumerate(items)]
        return _compile_all(parts) if key == "allOf" else _compile_any(parts)
    if "not" in node:
        inner = _compile(node["not"], parameters, scopes, _join(path, "not"))
        return lambda data, frames: negate(inner(data, frames))
    operators = [k for k in node if k in _OPERATOR_SET]
    if len(operators) != 1:
        raise ConditionError(path, "a leaf condition needs exactly one operator")
    operator = operators[0]
    operand = _compile_value(node[operator], parameters, scopes, _join(path, operator))
    if "count" in node:
        return _compile_count(node["count"], operator, operand, parameters, scopes, _join(path, "count"))
    if "field" in node:
        kind = expression_kind(node[operator])
        constant = kind is None or kind[0] == "parameters"
        return _compile_field_leaf(node["field"], operator, operand, scopes, _join(path, "field"), constant)
    if "value" in node:
        value = _compile_value(node["value"], parameters, scopes, _join(path, "value"))
        where = "value"

        value_test = _general_test(operator, operand, where)

        def value_leaf(data: Any, frames: Frames) -> Truth:
            return value_test(value(frames), frames)
        return value_leaf
    raise ConditionError(path, "a leaf condition needs one of field, value, count")


def _compile_all(parts: list[Compiled]) -> Compiled:
    def run(data: Any, frames: Frames) -> Truth:
        unknown = None
        for part in parts:
            result = part(data, frames)
            if result is False:
                return False
            if result is not True:
                unknown = [result] if unknown is None else unknown + [result]
        return True if unknown is None else _merge_reasons(unknown)
    return run


def _compile_any(parts: list[Compiled]) -> Compiled:
    def run(data: Any, frames: Frames) -> Truth:
        unknown = None
        for part in parts:
            result = part(data, frames)
            if result is True:
                return True
            if result is not False:
                unknown = [result] if unknown is None else unknown + [result]
        return False if unknown is None else _merge_reasons(unknown)
    return run


def _literal(value: Any) -> Any:
    if isinstance(value, str) and value.startswith("[["):
        return value[1:]
    return MISSING if value is None else value


def _compile_value(value: Any, parameters: dict[str, Any], scopes: list[_Scope],
                   path: str) -> Callable[[Frames], Any]:
    kind = expression_kind(value)
    if kind is None:
        constant = _literal(value)
        return lambda frames: constant
    what, name = kind
    if what == "parameters":
        if name not in parameters:
            raise ConditionError(path, f"parameter '{name}' is not declared")
        constant = _literal(parameters[name])
        return lambda frames: constant
    if what == "current":
        named_field: tuple[str | int, ...] = ()
        if name is not None:
            try:
                named_field = parse_field_path(name).segments
            except ValueError:
                named_field = ()
        for scope in reversed(scopes):
            if name is None or (scope.name or "").lower() == name.lower() or (
                    scope.field is not None and _same_segments(named_field, scope.field)):
                depth = scope.depth
                return lambda frames: frames[depth]
        raise ConditionError(path, f"current({name!r}) names no enclosing count")
    raise ConditionError(path, f"unsupported expression {value!r}")


def _same_segments(a: Sequence[str | int], b: Sequence[str | int]) -> bool:
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if isinstance(x, str) and isinstance(y, str):
            if x.lower() != y.lower():
                return False
        elif x != y:
            return False
    return True


def _parse(text: str, path: str) -> FieldPath:
    try:
        return parse_field_path(text)
    except ValueError as error:
        raise ConditionError(path, str(error)) from None


def _field_getter(field: FieldPath, scopes: list[_Scope]) -> tuple[Callable[[Any, Frames], Any], bool]:
    """A getter for a field path and whether it yields many values (a ``[*]`` outside any count).
    Inside a count's ``where``, the counted ``[*]`` prefix refers to the current element."""
    segments = field.segments
    base_depth: int | None = None
    for scope in reversed(scopes):
        if scope.field is not None and len(segments) >= len(scope.field) and _same_segments(
                segments[:len(scope.field)], scope.field):
            base_depth = scope.depth
            segments = segments[len(scope.field):]
            break
    many = STAR in segments
    if many:
        prefix = list(field.segments[:len(field.segments) - len(segments)])

        def get_many(data: Any, frames: Frames) -> Any:
            start = data if base_depth is None else frames[base_depth]
            out: list[Any] = []
            problem = _resolve_many(start, segments, prefix, out)
            return problem if problem is not None else out
        return get_many, True

    if segments and all(type(segment) is str for segment in segments):
        names = tuple(segments)

        def get_names(data: Any, frames: Frames) -> Any:
            # the views' own objects (exact names, see _lookup) read directly; anything else as
            # _resolve_one does
            value = data if base_depth is None else frames[base_depth]
            for index, name in enumerate(names):
                kind = value.__class__
                if kind is dict or kind is MappingProxyType:
                    value = value.get(name)
                    if value is None:
                        return MISSING
                    continue
                return _resolve_one(MISSING if value is None else value, names[index:])
            return value
        if base_depth is None:
            get_names.plain_names = names  # type: ignore[attr-defined]  # for the fused leaves below
        return get_names, False

    def get_one(data: Any, frames: Frames) -> Any:
        start = data if base_depth is None else frames[base_depth]
        return _resolve_one(MISSING if start is None else start, segments)
    return get_one, False


def _compile_field_leaf(text: Any, operator: str, operand: Callable[[Frames], Any], scopes: list[_Scope],
                        path: str, constant: bool = False) -> Compiled:
    if not isinstance(text, str):
        raise ConditionError(path, "a field must be a string")
    getter, many = _field_getter(_parse(text, path), scopes)
    test = make_test(operator, operand, constant, text)
    names = getattr(getter, "plain_names", None)
    if names is not None and len(names) == 1:
        # The most common leaf: one name of the subject's own data, read here without another call
        # (anything but the views' own dict takes the general getter).
        name = names[0]

        def leaf_name(data: Any, frames: Frames) -> Truth:
            if data.__class__ is dict:
                value = data.get(name)
                return test(MISSING if value is None else value, frames)
            return test(getter(data, frames), frames)
        return leaf_name
    if names is not None and len(names) == 2:
        first, second = names

        def leaf_names(data: Any, frames: Frames) -> Truth:
            if data.__class__ is dict:
                inner = data.get(first)
                if inner is None:
                    return test(MISSING, frames)
                kind = inner.__class__
                if kind is dict or kind is MappingProxyType:
                    value = inner.get(second)
                    return test(MISSING if value is None else value, frames)
            return test(getter(data, frames), frames)
        return leaf_names
    if not many:
        def leaf(data: Any, frames: Frames) -> Truth:
            return test(getter(data, frames), frames)
        return leaf

    def leaf_every(data: Any, frames: Frames) -> Truth:
        values = getter(data, frames)
        if isinstance(values, Unknown):
            return Undetermined((values.reason,))
        undecided = []
        for value in values:
            result = test(value, frames)
            if result is False:
                return False
            if result is not True:
                undecided.append(result)
        return _merge_reasons(undecided) if undecided else True
    return leaf_every


def _compile_count(count: Any, operator: str, operand: Callable[[Frames], Any], parameters: dict[str, Any],
                   scopes: list[_Scope], path: str) -> Compiled:
    if not isinstance(count, Mapping):
        raise ConditionError(path, "a count must be an object")
    depth = len(scopes)
    if "field" in count:
        text = count["field"]
        if not isinstance(text, str):
            raise ConditionError(_join(path, "field"), "a count field must be a string")
        field = _parse(text, _join(path, "field"))
        if len(field.segments) < 2 or field.segments[-1] != STAR:
            raise ConditionError(_join(path, "field"), "a count field must end with [*]")
        array_getter, many = _field_getter(FieldPath(_path_text(field.segments[:-1]), field.segments[:-1]), scopes)
        inner_scope = _Scope(depth, None, field.segments)

        def elements(data: Any, frames: Frames) -> Any:
            value = array_getter(data, frames)
            if many:
                if isinstance(value, Unknown):
                    return value
                flat: list[Any] = []
                for item in value:
                    if isinstance(item, Unknown):
                        return item
                    if item is MISSING:
                        continue
                    if not isinstance(item, (list, tuple)):
                        return Unknown(f"expected an array at {text}, found {_describe(item)}")
                    flat.extend(item)
                return flat
            if isinstance(value, Unknown):
                return value
            if value is MISSING:
                return ()
            if not isinstance(value, (list, tuple)):
                return Unknown(f"expected an array at {text[:-3]}, found {_describe(value)}")
            return value
    elif "value" in count:
        source = _compile_value(count["value"], parameters, scopes, _join(path, "value"))
        name = count.get("name") if isinstance(count.get("name"), str) else None
        inner_scope = _Scope(depth, name, None)

        def elements(data: Any, frames: Frames) -> Any:
            value = source(frames)
            if isinstance(value, Unknown) or value is MISSING:
                return value if isinstance(value, Unknown) else ()
            if not isinstance(value, (list, tuple)):
                return Unknown(f"a value count needs an array, found {_describe(value)}")
            return value
    else:
        raise ConditionError(path, "a count needs field or value")
    where_condition = None
    if "where" in count:
        where_condition = _compile(count["where"], parameters, scopes + [inner_scope], _join(path, "where"))
    label = f"count of {count.get('field') or count.get('name') or 'values'}"

    def run(data: Any, frames: Frames) -> Truth:
        items = elements(data, frames)
        if isinstance(items, Unknown):
            return Undetermined((items.reason,))
        matched = 0
        undecided: list[Undetermined] = []
        for item in items:
            if where_condition is None:
                matched += 1
                continue
            result = where_condition(data, frames + (MISSING if item is None else item,))
            if result is True:
                matched += 1
            elif result is not False:
                undecided.append(result)
        wanted = operand(frames)
        verdict = apply_operator(operator, matched, wanted, label)
        for extra in range(1, len(undecided) + 1):
            if apply_operator(operator, matched + extra, wanted, label) != verdict:
                return _merge_reasons(undecided)
        return verdict
    return run


# ---------------------------------------------------------------------------------------------------
# Message templates: "{subnet.name} is /{subnet.prefixLength}", "{parameters.maxPrefixLength}"
# ---------------------------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


def split_message(template: str) -> list[tuple[str, Any]]:
    """Split a message into ``("text", str)``, ``("field", FieldPath)`` and ``("parameter", name)``
    parts; ``{{`` and ``}}`` are literal braces. Raise ValueError for a malformed placeholder."""
    parts: list[tuple[str, Any]] = []
    position = 0
    for found in _PLACEHOLDER.finditer(template):
        if found.start() > position:
            parts.append(("text", template[position:found.start()]))
        token = found.group(0)
        position = found.end()
        if token in ("{{", "}}"):
            parts.append(("text", token[0]))
        elif token in ("{", "}"):
            raise ValueError(f"unbalanced '{token}' at character {found.start() + 1}; write '{token * 2}' "
                             "for a literal brace")
        else:
            inner = found.group(1).strip()
            if inner.startswith("parameters."):
                name = inner[len("parameters."):]
                if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name):
                    raise ValueError(f"'{{{inner}}}' is not a parameter name")
                parts.append(("parameter", name))
            else:
                try:
                    parts.append(("field", parse_field_path(inner)))
                except ValueError as error:
                    raise ValueError(f"placeholder '{{{inner}}}': {error}") from None
    if position < len(template):
        parts.append(("text", template[position:]))
    merged: list[tuple[str, Any]] = []
    for kind, item in parts:
        if kind == "text" and merged and merged[-1][0] == "text":
            merged[-1] = ("text", merged[-1][1] + item)
        else:
            merged.append((kind, item))
    return merged


def field_reader(field: FieldPath) -> Callable[[Any], Any]:
    """``read(data)``: the value of a field for display (a message placeholder), as
    :func:`resolve_field` gives it, through the getter the conditions use."""
    if field.has_star:
        return lambda data: resolve_field(data, field)
    getter, _ = _field_getter(field, [])
    return lambda data: getter(MISSING if data is None else data, ())


def resolve_one(data: Any, segments: Sequence[str | int]) -> Any:
    """The value at a path without ``[*]``: a value, MISSING or an Unknown."""
    return _resolve_one(MISSING if data is None else data, segments)


def resolve_field(data: Any, field: FieldPath) -> Any:
    """The value of a field for display: a value, a list (for ``[*]``), MISSING or an Unknown."""
    if not field.has_star:
        return _resolve_one(data, field.segments)
    out: list[Any] = []
    problem = _resolve_many(data, field.segments, [], out)
    return problem if problem is not None else out
