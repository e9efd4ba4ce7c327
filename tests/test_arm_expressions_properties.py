"""Property tests: whatever the expression text (random characters or random well-formed call trees),
parsing and evaluating gives a value, an Unknown or a Secret, or raises CheckerError, in bounded time."""

from __future__ import annotations

import time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.model import CheckerError, Secret, Unknown
from checker.sources.arm.context import DeploymentContext
from checker.sources.arm.expressions import UserFunction, evaluate_string, parse_expression
from checker.sources.arm.functions import FUNCTIONS, Lambda

pytestmark = pytest.mark.slow  # outside `make test-fast` (see the Makefile)

SECRET = Secret.of("not-to-be-printed-value", "parameter-file")
PARAMETERS: dict[str, Any] = {
    "name": "hub", "count": 3, "flag": True, "list": [1, "a", None], "obj": {"a": {"b": [1, 2]}, "n": None},
    "key": SECRET, "kv": Unknown("Key Vault reference"), "cidr": "10.0.0.0/16", "empty": "",
}
# A bound on CPU time, not wall time: these guard against runaway work, and must not fail because
# other processes share the machine. The step budget itself is what the assertions above check.
TIME_LIMIT_SECONDS = 5.0


class Scope:
    context = DeploymentContext()

    def parameter(self, name: str) -> Any:
        if name not in PARAMETERS:
            raise CheckerError(f"parameter '{name}' is not defined")
        return PARAMETERS[name]

    def variable(self, name: str) -> Any:
        if name == "self":
            return evaluate_string("[variables('self')]", self)
        if name == "prefix":
            return "10.1.0.0/24"
        raise CheckerError(f"variable '{name}' is not defined")

    def copy_index(self, loop: str | None) -> int:
        if loop in (None, "loop"):
            return 1
        raise CheckerError("not in that copy loop")

    def user_function(self, namespace: str, name: str) -> UserFunction | None:
        if (namespace.lower(), name.lower()) == ("ns", "f"):
            return UserFunction("ns", "f", ("p",), "[concat(parameters('p'), ns.f(parameters('p')))]")
        if (namespace.lower(), name.lower()) == ("ns", "id"):
            return UserFunction("ns", "id", ("p",), "[parameters('p')]")
        return None


def _is_plain_value(value: Any, depth: int = 0) -> bool:
    if value is None or isinstance(value, (str, int, float, bool, Unknown, Secret)):
        return True
    if depth > 300:
        return True
    if isinstance(value, list):
        return all(_is_plain_value(item, depth + 1) for item in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_plain_value(v, depth + 1) for k, v in value.items())
    return isinstance(value, Lambda)  # a bare lambda(...) evaluates to the lambda itself


def _check(text: str) -> None:
    start = time.process_time()
    try:
        value = evaluate_string(text, Scope())
    except CheckerError as error:
        assert isinstance(error.message, str) and error.message
        assert "not-to-be-printed" not in error.message
    else:
        assert _is_plain_value(value)
        assert "not-to-be-printed" not in repr(value)
    assert time.process_time() - start < TIME_LIMIT_SECONDS


# --------------------------------------------------------------------------------------------------
# Random characters
# --------------------------------------------------------------------------------------------------

EXPRESSION_ALPHABET = st.sampled_from(list("abcdefghijklmnopqrstuvwxyz()[]'.,- 0123456789_$\n\t\"{}"))


@settings(max_examples=300, deadline=3000, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_random_text_never_crashes(body: str) -> None:
    _check("[" + body + "]")
    _check(body)


@settings(max_examples=300, deadline=3000, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(EXPRESSION_ALPHABET, max_size=120).map("".join))
def test_random_expression_characters_never_crash(body: str) -> None:
    _check("[" + body + "]")


@settings(max_examples=300, deadline=3000, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(["concat(", "if(", "'a'", "1", ",", ")", "[0]", ".a", "parameters('obj')",
                                 "createArray(", "union(", "lambda('x',", "lambdaVariables('x')", "map(",
                                 "range(0,", "true", "null", "reference('r')", "parameters('key')", " "]),
                max_size=40).map("".join))
def test_random_token_soup_never_crashes(body: str) -> None:
    _check("[" + body + "]")


# --------------------------------------------------------------------------------------------------
# Random well-formed call trees
# --------------------------------------------------------------------------------------------------

FUNCTION_NAMES = sorted(spec.name for spec in FUNCTIONS.values()) + ["listKeys", "ns.f", "ns.id"]

LEAVES = st.one_of(
    st.integers(min_value=-5, max_value=40).map(str),
    st.text(alphabet="abcAB01/.-,:{}' ", max_size=12).map(lambda s: "'" + s.replace("'", "''") + "'"),
    st.sampled_from(["true", "false", "null", "parameters('name')", "parameters('list')", "parameters('obj')",
                     "parameters('key')", "parameters('kv')", "parameters('cidr')", "parameters('count')",
                     "variables('prefix')", "copyIndex()", "lambdaVariables('x')", "'10.0.0.0/16'",
                     "'Microsoft.Network/virtualNetworks/subnets'", "lambda('x', lambdaVariables('x'))",
                     "lambda('x', 'y', lambdaVariables('x'))", "createArray(1, 2, 3)", "json('{\"a\": [1]}')",
                     "variables('self')", "parameters('missing')", "json('2.5')", "json('-1e400')",
                     "json('NaN')", "'http://[bad'", "'https://example.com/a/'"]),
)


def _arity(name: str) -> tuple[int, int]:
    spec = FUNCTIONS.get(name.lower())
    if spec is None:
        return (1, 1)
    return spec.min_args, min(spec.max_args if spec.max_args is not None else spec.min_args + 3,
                              spec.min_args + 3)


@st.composite
def _calls(draw: st.DrawFn, children: st.SearchStrategy[str]) -> str:
    name = draw(st.sampled_from(FUNCTION_NAMES))
    low, high = _arity(name)
    # Mostly the right number of arguments, sometimes any number (arity errors).
    count = draw(st.integers(low, high) | st.integers(0, 4))
    args = draw(st.lists(children, min_size=count, max_size=count))
    return f"{name}({', '.join(args)})"


def _extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    calls = _calls(children)
    accesses = st.builds(lambda target, key: f"{target}{key}", calls,
                         st.sampled_from([".a", ".name", "[0]", "[1]", "['a']", ".outputs.value"]))
    return st.one_of(calls, accesses)


CALL_TREES = st.recursive(LEAVES, _extend, max_leaves=25)


@settings(max_examples=300, deadline=3000, suppress_health_check=[HealthCheck.too_slow])
@given(CALL_TREES)
def test_random_call_trees_evaluate_or_raise_checker_error(body: str) -> None:
    _check("[" + body + "]")


@settings(max_examples=100, deadline=3000, suppress_health_check=[HealthCheck.too_slow])
@given(CALL_TREES)
def test_parse_is_deterministic(body: str) -> None:
    text = "[" + body + "]"
    try:
        first = parse_expression(text)
    except CheckerError:
        return
    parse_expression.cache_clear()
    assert parse_expression(text) == first


def test_hostile_nested_loops_are_bounded() -> None:
    heavy = "[map(range(0, 10000), lambda('x', map(range(0, 10000), lambda('y', 1))))]"
    start = time.process_time()
    try:
        evaluate_string(heavy, Scope())
    except CheckerError as error:
        assert "steps of work" in error.message
    else:
        raise AssertionError("a 100,000,000-step expression should be refused")
    assert time.process_time() - start < TIME_LIMIT_SECONDS


def test_exponential_string_growth_is_bounded() -> None:
    text = "['ab']"
    for _ in range(40):
        text = "[replace(" + text[1:-1] + ", 'a', 'aa')]"
    start = time.process_time()
    try:
        evaluate_string(text, Scope())
    except CheckerError as error:
        assert "longer than" in error.message
    else:
        raise AssertionError("a string of 2**40 characters should be refused")
    assert time.process_time() - start < TIME_LIMIT_SECONDS


def test_self_referencing_variable_raises_checker_error() -> None:
    try:
        evaluate_string("[variables('self')]", Scope())
    except CheckerError as error:
        assert "nests too deeply" in error.message
    else:
        raise AssertionError("infinite recursion must be an error")
