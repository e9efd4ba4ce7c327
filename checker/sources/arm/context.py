"""The deployment context a template is evaluated in: what ``subscription()``, ``resourceGroup()``,
``tenant()`` and ``deployment()`` return. Defaults are documented in the README and can be set with
``--subscription-id``, ``--resource-group``, ``--location`` and ``--tenant-id``."""

from __future__ import annotations

from collections.abc import Mapping

from checker.records import Frozen, replace

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

DEFAULT_SUBSCRIPTION_ID = "00000000-0000-0000-0000-000000000000"
DEFAULT_TENANT_ID = "00000000-0000-0000-0000-000000000000"
DEFAULT_RESOURCE_GROUP = "hybrid-check-rg"
DEFAULT_LOCATION = "westeurope"
DEFAULT_DEPLOYMENT_NAME = "hybrid-check"
DEFAULT_MANAGEMENT_GROUP = "hybrid-check-mg"


class DeploymentContext(Frozen):
    _fields = ("subscription_id", "tenant_id", "resource_group", "location", "deployment_name", "management_group",
               "scope", "known_resources")
    _compared = _shown = _fields[:-1]
    subscription_id: str
    tenant_id: str
    resource_group: str
    location: str
    deployment_name: str
    management_group: str
    #: "resourceGroup" | "subscription" | "managementGroup" | "tenant": from the template's $schema
    scope: str
    #: resources of the live estate (``scan --context``) by normalised id: ``reference()`` of one of
    #: them returns its body (checker/sources/context.py); neither compared nor shown
    known_resources: Mapping[str, Mapping[str, Any]] | None

    def __init__(self, subscription_id: str = DEFAULT_SUBSCRIPTION_ID, tenant_id: str = DEFAULT_TENANT_ID,
                 resource_group: str = DEFAULT_RESOURCE_GROUP, location: str = DEFAULT_LOCATION,
                 deployment_name: str = DEFAULT_DEPLOYMENT_NAME, management_group: str = DEFAULT_MANAGEMENT_GROUP,
                 scope: str = "resourceGroup", known_resources: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        fields = self.__dict__
        fields["subscription_id"] = subscription_id
        fields["tenant_id"] = tenant_id
        fields["resource_group"] = resource_group
        fields["location"] = location
        fields["deployment_name"] = deployment_name
        fields["management_group"] = management_group
        fields["scope"] = scope
        fields["known_resources"] = known_resources

    def with_(self, **changes: object) -> DeploymentContext:
        return replace(self, **changes)
