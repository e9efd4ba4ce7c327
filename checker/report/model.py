"""The result model: what the policy engine produces and every report format reads.
Formatters only see these types, never templates or the graph."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from checker.model import InputError, Notice

if TYPE_CHECKING:  # built only for the formats that draw it (HTML, diagrams)
    from checker.report.topology import SiteTopology

SEVERITIES = ("critical", "high", "medium", "low")
STATUSES = ("pass", "fail", "unknown", "not-applicable", "suppressed")


@dataclass(frozen=True)
class ResourceRef:
    id: str
    type: str
    name: str


@dataclass(frozen=True)
class Location:
    file: str | None
    line: int | None = None
    column: int | None = None
    #: JSON pointer inside the file: the resource's (``/resources/3``), followed by the property the
    #: rule tested when it names one (``/resources/3/properties/activeActive``); "" when unknown
    pointer: str = ""
    property: str | None = None  # the property the rule tested (dotted, from the resource), if named


@dataclass(frozen=True)
class Suppression:
    """A waiver that matched a result: from the configuration file or inline template metadata."""

    reason: str
    expires: str  # ISO date
    source: str  # "config" | "inline"
    expired: bool = False  # an expired waiver no longer applies; the result keeps its real status


@dataclass(frozen=True)
class RuleInfo:
    """Rule metadata the formats need (SARIF rules, rule pages, markdown links)."""

    id: str
    title: str
    description: str
    severity: str
    patterns: tuple[str, ...]
    remediation: str = ""
    references: tuple[str, ...] = ()
    help_uri: str = ""
    requires_live: bool = False
    examples: tuple[tuple[str, str], ...] = ()  # (arm | bicep, compliant example)


@dataclass(frozen=True)
class Result:
    """The verdict of one rule on one resource."""

    rule: str
    status: str  # one of STATUSES
    severity: str  # one of SEVERITIES (after configuration overrides)
    site: str | None  # site id (the VNet id of the site), None when the resource belongs to no site
    resource: ResourceRef
    location: Location
    message: str
    remediation: str = ""
    unknown_reasons: tuple[str, ...] = ()  # why the verdict is unknown (or what was not collected)
    suppression: Suppression | None = None  # set when status == "suppressed" or a waiver expired
    baseline: str | None = None  # "new" | "existing" | "fixed" when a baseline was given


@dataclass(frozen=True)
class Site:
    """A VNet that holds gateways (for hub-spoke: the hub with its spokes) and its pattern."""

    id: str
    name: str
    pattern: str | None  # vpn | expressroute | expressroute-vpn-failover | hub-spoke | None (no pattern)
    pattern_source: str  # "detected" | "declared"
    result: str  # pass | fail | unknown
    patterns: tuple[str, ...] = ()  # every pattern that applies (hub-spoke combines with the others)
    notes: tuple[str, ...] = ()  # e.g. "Vnet2Vnet connection to a gateway treated as simulated on-premises"
    location: Location | None = None


@dataclass(frozen=True)
class NotEvaluated:
    """A part of a live estate that could not be collected (e.g. 403 on a resource group)."""

    scope: str
    code: str
    message: str


@dataclass
class Report:
    tool_name: str
    tool_version: str
    results: list[Result] = field(default_factory=list)
    sites: list[Site] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    rules: list[RuleInfo] = field(default_factory=list)  # every rule that was evaluated
    inputs: list[str] = field(default_factory=list)  # files read (or audit scopes)
    fixed: list[Result] = field(default_factory=list)  # baseline entries that now pass
    not_evaluated: list[NotEvaluated] = field(default_factory=list)  # live scopes not collected
    resource_count: int | None = None  # resources read from the inputs (before inline children split)
    # what the site diagrams draw: built on first use (only the diagram formats need it)
    topology_builder: Callable[[], list[SiteTopology]] | None = field(default=None, repr=False, compare=False)
    _topology: list[SiteTopology] | None = field(default=None, repr=False, compare=False)

    @property
    def topology(self) -> list[SiteTopology]:
        if self._topology is None:
            self._topology = self.topology_builder() if self.topology_builder is not None else []
        return self._topology
