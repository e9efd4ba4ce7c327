"""The result model: what the policy engine produces and every report format reads.
Formatters only see these types, never templates or the graph."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from checker.model import InputError, Notice

if TYPE_CHECKING:  # built only for the formats that draw it (HTML, diagrams)
    from checker.report.topology import SiteTopology
from checker.results import Location as Location
from checker.results import ResourceRef as ResourceRef
from checker.results import Result as Result
from checker.results import RuleInfo as RuleInfo
from checker.results import Suppression as Suppression
from checker.vocabulary import SEVERITIES as SEVERITIES
from checker.vocabulary import STATUSES as STATUSES


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
