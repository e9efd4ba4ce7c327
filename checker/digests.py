"""SHA-256, SHA-1 and keyed BLAKE2b from CPython's own implementations.

``hashlib`` loads OpenSSL's libcrypto when it is imported: about 11 M instructions, a thirtieth of
a scan of a few dozen templates, for the few short digests a scan makes (the tag of each nested
deployment, the name of the policy cache file, the fingerprint of a secret, ARM's ``guid()``).
CPython builds its own SHA-256 (module ``_sha256``, ``_sha2`` since 3.12), SHA-1 (``_sha1``) and
BLAKE2 (``_blake2``), which need no
shared library; their digests are the same as hashlib's. Where they are missing (another
interpreter, a trimmed build) hashlib's are used.
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing is not imported at run time (see checker/records.py)
    from collections.abc import Callable
    from hashlib import _Hash
    from typing import Any


def _builtin(modules: tuple[str, ...], name: str) -> Any:
    for module in modules:
        try:
            return getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            continue
    import hashlib

    return getattr(hashlib, name)


#: ``hashlib.sha256``, without OpenSSL.
sha256: Callable[..., _Hash] = _builtin(("_sha2", "_sha256"), "sha256")
#: ``hashlib.sha1``, without OpenSSL (ARM's ``guid()``: an RFC 4122 name-based UUID, not a security use).
sha1: Callable[..., _Hash] = _builtin(("_sha1",), "sha1")
#: ``hashlib.blake2b``, without OpenSSL (BLAKE2 is built into CPython whatever the build).
blake2b: Callable[..., _Hash] = _builtin(("_blake2",), "blake2b")


def keyed_digest(key: bytes, data: bytes, size: int = 8) -> str:
    """The hex digest (``2 * size`` characters) of ``data`` under ``key``: BLAKE2b in its keyed
    mode, a message authentication code by design (RFC 7693), in place of HMAC-SHA-256."""
    return blake2b(data, key=key, digest_size=size).hexdigest()  # type: ignore[call-arg]
