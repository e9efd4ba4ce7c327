"""The result model: what the policy engine produces and every report format reads.
Formatters only see these types, never templates or the graph."""

from __future__ import annotations

from collections.abc import Callable

from checker.model import InputError, Notice
from checker.records import _MISSING, Frozen, Value
from checker.results import Location as Location
from checker.results import ResourceRef as ResourceRef
from checker.results import Result as Result
from checker.results import RuleInfo as RuleInfo
from checker.results import Suppression as Suppression
from checker.vocabulary import SEVERITIES as SEVERITIES
from checker.vocabulary import STATUSES as STATUSES

TYPE_CHECKING = False
if TYPE_CHECKING:  # built only for the formats that draw it (HTML, diagrams)
    from checker.report.topology import SiteTopology


class Site(Frozen):
    """A VNet that holds gateways (for hub-spoke: the hub with its spokes) and its pattern."""

    _fields = ("id", "name", "pattern", "pattern_source", "result", "patterns", "notes", "location")
    id: str
    name: str
    pattern: str | None  # vpn | expressroute | expressroute-vpn-failover | hub-spoke | None (no pattern)
    pattern_source: str  # "detected" | "declared"
    result: str  # pass | fail | unknown
    patterns: tuple[str, ...]  # every pattern that applies (hub-spoke combines with the others)
    notes: tuple[str, ...]  # e.g. "Vnet2Vnet connection to a gateway treated as simulated on-premises"
    location: Location | None

    def __init__(self, id: str, name: str, pattern: str | None, pattern_source: str, result: str,
                 patterns: tuple[str, ...] = (), notes: tuple[str, ...] = (), location: Location | None = None) -> None:
        fields = self.__dict__
        fields["id"] = id
        fields["name"] = name
        fields["pattern"] = pattern
        fields["pattern_source"] = pattern_source
        fields["result"] = result
        fields["patterns"] = patterns
        fields["notes"] = notes
        fields["location"] = location


class NotEvaluated(Frozen):
    """A part of a live estate that could not be collected (e.g. 403 on a resource group)."""

    _fields = ("scope", "code", "message")
    scope: str
    code: str
    message: str

    def __init__(self, scope: str, code: str, message: str) -> None:
        fields = self.__dict__
        fields["scope"] = scope
        fields["code"] = code
        fields["message"] = message


class Report(Value):
    """Everything a format prints. Mutable (the CLI and the baseline fill it in), so not hashable;
    compared and shown without the topology fields."""

    _fields = ("tool_name", "tool_version", "results", "sites", "errors", "notices", "rules", "inputs", "fixed",
               "not_evaluated", "resource_count", "topology_builder", "_topology")
    _compared = _shown = _fields[:-2]
    tool_name: str
    tool_version: str
    results: list[Result]
    sites: list[Site]
    errors: list[InputError]
    notices: list[Notice]
    rules: list[RuleInfo]  # every rule that was evaluated
    inputs: list[str]  # files read (or audit scopes)
    fixed: list[Result]  # baseline entries that now pass
    not_evaluated: list[NotEvaluated]  # live scopes not collected
    resource_count: int | None  # resources read from the inputs (before inline children split)
    # what the site diagrams draw: built on first use (only the diagram formats need it)
    topology_builder: Callable[[], list[SiteTopology]] | None
    _topology: list[SiteTopology] | None

    def __init__(self, tool_name: str, tool_version: str, results: list[Result] = _MISSING,
                 sites: list[Site] = _MISSING, errors: list[InputError] = _MISSING, notices: list[Notice] = _MISSING,
                 rules: list[RuleInfo] = _MISSING, inputs: list[str] = _MISSING, fixed: list[Result] = _MISSING,
                 not_evaluated: list[NotEvaluated] = _MISSING, resource_count: int | None = None,
                 topology_builder: Callable[[], list[SiteTopology]] | None = None,
                 _topology: list[SiteTopology] | None = None) -> None:
        self.tool_name = tool_name
        self.tool_version = tool_version
        self.results = [] if results is _MISSING else results
        self.sites = [] if sites is _MISSING else sites
        self.errors = [] if errors is _MISSING else errors
        self.notices = [] if notices is _MISSING else notices
        self.rules = [] if rules is _MISSING else rules
        self.inputs = [] if inputs is _MISSING else inputs
        self.fixed = [] if fixed is _MISSING else fixed
        self.not_evaluated = [] if not_evaluated is _MISSING else not_evaluated
        self.resource_count = resource_count
        self.topology_builder = topology_builder
        self._topology = _topology

    @property
    def topology(self) -> list[SiteTopology]:
        if self._topology is None:
            self._topology = self.topology_builder() if self.topology_builder is not None else []
        return self._topology
