"""checker.digests: the same digests as hashlib's, from CPython's built-in modules."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from checker import digests


@given(st.binary(max_size=300))
def test_sha256_and_sha1_are_hashlibs(data: bytes) -> None:
    assert digests.sha256(data).hexdigest() == hashlib.sha256(data).hexdigest()
    assert digests.sha1(data).digest() == hashlib.sha1(data).digest()
    incremental = digests.sha256()
    incremental.update(data[:7])
    incremental.update(data[7:])
    assert incremental.digest() == hashlib.sha256(data).digest()


def test_the_builtin_modules_are_used_where_cpython_has_them() -> None:
    assert "openssl" not in type(digests.sha256()).__name__.lower()
    assert "openssl" not in type(digests.sha1()).__name__.lower()
    assert type(digests.blake2b()).__module__ in ("_blake2", "hashlib")


def test_a_missing_builtin_module_falls_back_to_hashlib() -> None:
    assert digests._builtin(("no_such_module_here",), "sha256") is hashlib.sha256
    assert digests._builtin(("no_such_module_here", "_sha1"), "sha1") is digests.sha1


@given(st.binary(min_size=16, max_size=16), st.binary(max_size=100), st.binary(max_size=100))
def test_keyed_digest_is_keyed_blake2b(key: bytes, first: bytes, second: bytes) -> None:
    digest = digests.keyed_digest(key, first)
    assert digest == hashlib.blake2b(first, key=key, digest_size=8).hexdigest()
    assert len(digest) == 16
    assert (digests.keyed_digest(key, second) == digest) == (first == second)
    # a different key gives another digest (as HMAC's would: the key is what keeps the value unguessable)
    other = bytes(b ^ 0xFF for b in key)
    assert digests.keyed_digest(other, first) != digest
