"""The subject contract between the views (what policies see) and the policy engine."""

from __future__ import annotations

from collections.abc import Mapping

from checker.model import Origin, Resource
from checker.records import Frozen

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_set = object.__setattr__


class Subject(Frozen):
    """One thing a policy is evaluated on: a gateway, a GatewaySubnet, a connection, a site...

    ``data`` holds the fields policies read (JSON-like; any value may be ``Unknown`` or ``Secret``).
    ``resource`` is what the result is reported against (id, type, name, origin, source).
    ``location`` is a more precise place than the resource's origin (an inline subnet's line).
    """

    __slots__ = _fields = ("kind", "resource", "data", "site", "patterns", "location")
    kind: str
    resource: Resource
    data: Mapping[str, Any]
    site: str | None
    patterns: tuple[str, ...]
    location: Origin | None

    def __init__(self, kind: str, resource: Resource, data: Mapping[str, Any], site: str | None,
                 patterns: tuple[str, ...], location: Origin | None = None) -> None:
        _set(self, "kind", kind)
        _set(self, "resource", resource)
        _set(self, "data", data)
        _set(self, "site", site)
        _set(self, "patterns", patterns)
        _set(self, "location", location)
