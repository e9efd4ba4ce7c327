"""The expression parser finds a known function's ``name(`` without a pattern match (the usual case)
and every other name with the pattern: both ways must give the same nodes (offsets included) and the
same errors (message, column, hint) for any text."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.sources.arm.expressions import Access, Call, ExpressionError, Literal, _Parser
from checker.sources.arm.functions import FUNCTIONS

REPO = Path(__file__).resolve().parents[1]


class _PatternOnly(_Parser):
    """The parser with no function found without the pattern: the reference for the usual case."""

    known_functions: dict[str, Any] = {}


def _dump(node: Any) -> Any:
    if isinstance(node, Literal):  # the type too: True == 1 for the node's own comparison
        return ("literal", type(node.value).__name__, node.value, node.offset)
    if isinstance(node, Call):
        return ("call", node.namespace, node.name, node.offset, [_dump(arg) for arg in node.args])
    assert isinstance(node, Access)
    return ("access", node.offset, _dump(node.target), _dump(node.key))


def _outcome(parser: type[_Parser], text: str) -> Any:
    try:
        return _dump(parser(text, 1, len(text) - 1).parse())
    except ExpressionError as exc:
        return ("error", str(exc), exc.column, exc.hint)


def _assert_same(text: str) -> None:
    assert _outcome(_Parser, text) == _outcome(_PatternOnly, text), text


def test_function_names_are_names_the_pattern_matches() -> None:
    # what the way without the pattern relies on: a lowercase ASCII key is matched whole by the pattern
    assert all(re.fullmatch(r"[a-z][a-z0-9]*", key) for key in FUNCTIONS)


def test_a_non_ascii_letter_whose_lowercase_is_ascii_is_not_a_function_name() -> None:
    text = "[ta\u212ae(createArray(1), 1)]"  # KELVIN SIGN: its lowercase is "k", and "take" is a function
    assert "\u212a".lower() == "k"
    _assert_same(text)
    with pytest.raises(ExpressionError, match=r"expected '\(' after function name 'ta'"):
        _Parser(text, 1, len(text) - 1).parse()


@pytest.mark.parametrize("text", [
    "[concat('a', 'b')]", "[CONCAT ('a')]", "[Concat( 'a' )]", "[ns.fn('a')]", "[ns . concat()]",
    "[listKeys('id', '2020-01-01').keys[0].value]", "[nope('a')]", "[add(1)]", "[true]", "[concat('a'",
    "[parameters('p')[0].x]", "[concat]", "[1]", "[-]", "[concat('a', )]", "[ concat('it''s')]",
    "[concat\u00a0('a')]", "[concat\n('a')]",
])
def test_hand_written_cases_agree(text: str) -> None:
    _assert_same(text)


def test_every_expression_of_the_fixtures_agrees() -> None:
    texts: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, str) and value.startswith("["):
            texts.add(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(key)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for path in sorted((REPO / "fixtures").rglob("*.json")):
        try:
            walk(json.loads(path.read_text(encoding="utf-8-sig")))
        except (ValueError, UnicodeDecodeError):
            continue
    assert len(texts) > 100
    for text in sorted(texts):
        _assert_same(text)


NAMES = ["concat", "Concat", "CONCAT", "parameters", "variables", "add", "createArray", "take", "ta\u212ae",
         "listKeys", "listfoo", "nope", "true", "False", "null", "ns.fn", "ns . concat", "concat "]
_strings = st.text(alphabet="ab '", max_size=6).map(lambda s: "'" + s.replace("'", "''") + "'")
_integers = st.integers(min_value=-(10**21), max_value=10**21).map(str)
_leaves = st.one_of(_strings, _integers, st.sampled_from(["true", "null", "'x'"]))


def _extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    call = st.builds(lambda name, args: f"{name}({', '.join(args)})", st.sampled_from(NAMES),
                     st.lists(children, max_size=3))
    access = st.builds(lambda target, key: f"{target}{key}", call,
                       st.one_of(st.sampled_from([".a", ".b.c", " . d"]), children.map(lambda k: f"[{k}]")))
    return st.one_of(call, access)


_expressions = st.recursive(_leaves, _extend, max_leaves=12)
_mutations = st.lists(st.tuples(st.integers(min_value=0, max_value=200), st.sampled_from(
    ["", "(", ")", "[", "]", ",", ".", "'", " ", "\t", "\u00a0", "a", "x", "0", "1", "-", "_", "$"])), max_size=3)


def _mutate(text: str, mutations: list[tuple[int, str]]) -> str:
    for at, char in mutations:
        at %= len(text) + 1
        # "" deletes the character there, anything else is inserted
        text = text[:at] + text[at + 1:] if char == "" else text[:at] + char + text[at:]
    return text


@settings(max_examples=400, deadline=None)
@given(_expressions, _mutations)
def test_both_ways_agree_on_generated_and_mutated_expressions(expression: str,
                                                              mutations: list[tuple[int, str]]) -> None:
    _assert_same("[" + _mutate(expression, mutations) + "]")
