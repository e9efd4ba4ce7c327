"""Comment stripping keeps no per-character state: a long string (plain or made of escapes) or a long
comment costs memory in proportion to the text, with a small constant (the benchmark
benchmarks/bench_memory.py measures whole files near the size limit)."""

from __future__ import annotations

import tracemalloc

import pytest

from checker.sources import decode

SIZE = 1_000_000


@pytest.mark.parametrize("body", [
    '"' + "x" * SIZE + '"',            # one long plain string
    '"' + "\\\\" * (SIZE // 2) + '"',  # a string made only of escapes
    '"' + 'x\\"' * (SIZE // 3) + '"',  # escaped quotes all along
], ids=["plain", "escapes", "escaped-quotes"])
def test_comment_stripping_memory_is_linear_with_a_small_constant(body: str) -> None:
    text = '{"a": ' + body + "} // a comment after the string\n"
    tracemalloc.start()
    try:
        stripped = decode._blank_comments(text, "long.json")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert stripped.startswith('{"a": ' + body[:20]) and stripped.rstrip().endswith("}")
    assert len(stripped) == len(text)
    # The old pattern kept about 125 bytes per character of the string (125 MB here).
    assert peak < 8 * len(text), f"{peak / len(text):.1f} bytes per character"


def test_long_string_with_comment_still_decodes_to_the_same_value() -> None:
    value = "y" * SIZE + "// not a comment /* nor this */"
    text = '{"a": "' + value + '"} /* trailing\ncomment */'
    assert decode.loads(text, "long.json") == {"a": value}


@pytest.mark.parametrize("body", [
    '"' + "x" * SIZE + '"',
    '"' + "\\\\" * (SIZE // 2) + '"',
    '"' + 'x\\"' * (SIZE // 3) + '"',
], ids=["plain", "escapes", "escaped-quotes"])
def test_the_scanning_path_of_python_3_10_is_linear_too(body: str) -> None:
    # Python 3.10 has no possessive repeats, so its comment stripping scans strings character class by
    # character class; run that path here on every Python.
    text = '{"a": ' + body + "} // a comment after the string\n"
    tracemalloc.start()
    try:
        stripped = decode._blank_comments_scanning(text, "long.json")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert stripped == decode._blank_comments(text, "long.json")
    assert peak < 8 * len(text), f"{peak / len(text):.1f} bytes per character"


@pytest.mark.parametrize("text", [
    '{"a": "// not a comment", /* one */ "b": "x\\"/*y"} // end\n',
    '// first\n{"u": "https://example.org/*"}\n/* a\n b */\n',
    '{"a": "\\\\"} /* c */',
])
def test_the_scanning_path_blanks_the_same_comments(text: str) -> None:
    assert decode._blank_comments_scanning(text, "f.json") == decode._blank_comments(text, "f.json")
