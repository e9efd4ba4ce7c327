"""The subject contract between the views (what policies see) and the policy engine."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from checker.model import Origin, Resource


@dataclass(frozen=True, slots=True)
class Subject:
    """One thing a policy is evaluated on: a gateway, a GatewaySubnet, a connection, a site...

    ``data`` holds the fields policies read (JSON-like; any value may be ``Unknown`` or ``Secret``).
    ``resource`` is what the result is reported against (id, type, name, origin, source).
    ``location`` is a more precise place than the resource's origin (an inline subnet's line).
    """

    kind: str
    resource: Resource
    data: Mapping[str, Any]
    site: str | None
    patterns: tuple[str, ...]
    location: Origin | None = None
