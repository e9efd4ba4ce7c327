"""The deployment context a template is evaluated in: what ``subscription()``, ``resourceGroup()``,
``tenant()`` and ``deployment()`` return. Defaults are documented in the README and can be set with
``--subscription-id``, ``--resource-group``, ``--location`` and ``--tenant-id``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

DEFAULT_SUBSCRIPTION_ID = "00000000-0000-0000-0000-000000000000"
DEFAULT_TENANT_ID = "00000000-0000-0000-0000-000000000000"
DEFAULT_RESOURCE_GROUP = "hybrid-check-rg"
DEFAULT_LOCATION = "westeurope"
DEFAULT_DEPLOYMENT_NAME = "hybrid-check"
DEFAULT_MANAGEMENT_GROUP = "hybrid-check-mg"


@dataclass(frozen=True)
class DeploymentContext:
    subscription_id: str = DEFAULT_SUBSCRIPTION_ID
    tenant_id: str = DEFAULT_TENANT_ID
    resource_group: str = DEFAULT_RESOURCE_GROUP
    location: str = DEFAULT_LOCATION
    deployment_name: str = DEFAULT_DEPLOYMENT_NAME
    management_group: str = DEFAULT_MANAGEMENT_GROUP
    #: "resourceGroup" | "subscription" | "managementGroup" | "tenant": from the template's $schema
    scope: str = "resourceGroup"
    #: resources of the live estate (``scan --context``) by normalised id: ``reference()`` of one of
    #: them returns its body (checker/sources/context.py)
    known_resources: Mapping[str, Mapping[str, Any]] | None = field(default=None, compare=False, repr=False)

    def with_(self, **changes: object) -> DeploymentContext:
        return replace(self, **changes)  # type: ignore[arg-type]
