"""The library API the CLI is a thin layer over: read inputs (or a live estate) into a graph,
evaluate the policies and return a Report. Nothing here prints or exits."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from checker import __version__, log
from checker.model import InputError, Notice, Resource, normalise_id
from checker.records import _MISSING, Frozen
from checker.report.model import NotEvaluated, Report, Result, Site
from checker.sources.arm.context import DeploymentContext
from checker.sources.inputs import DEFAULT_MAX_FILE_BYTES, InputLoad, read_inputs

TYPE_CHECKING = False
if TYPE_CHECKING:
    from datetime import date
    from typing import Any

    from checker.graph import Graph
    from checker.patterns import DeclaredPatterns
    from checker.policy.model import Policy, RuleSettings
    from checker.report.waivers import Waiver
    from checker.sources.live import AuditOptions


TOOL_NAME = "hybrid-check"


class ScanOptions(Frozen):
    """What a scan or an audit needs besides its inputs (the CLI fills it from flags and config)."""

    _fields = ("parameter_files", "parameter_values", "context", "pattern", "pattern_by_vnet", "policy_dirs",
               "default_policies", "settings", "settings_file", "waivers", "today", "max_file_bytes", "exclude",
               "link_roots", "context_files", "policies", "use_cache")
    parameter_files: tuple[Path, ...]
    parameter_values: tuple[tuple[str, Any], ...]  # --set NAME=VALUE: over every parameter file
    context: DeploymentContext
    pattern: str | None  # --pattern: declared for every site
    pattern_by_vnet: tuple[tuple[str, str], ...]  # configuration: VNet name/id glob -> pattern
    policy_dirs: tuple[Path, ...]  # policy folders used besides the bundled policies
    default_policies: bool  # False (--no-default-policies): only the policy_dirs
    settings: RuleSettings | None
    settings_file: Path | None  # the configuration file the settings come from (for error lines)
    waivers: tuple[Waiver, ...]
    today: date | None
    max_file_bytes: int
    exclude: tuple[str, ...]  # globs left out of folder walks (--exclude, exclude: in the configuration)
    link_roots: tuple[str, ...]  # more folders linked templates may be read from (--link-root; flag only)
    context_files: tuple[Path, ...]  # the live estate as context (--context, context: in the configuration)
    #: policies already loaded (the per-rule test runner loads a folder once for all its cases): used
    #: instead of policy_dirs and the bundled policies
    policies: tuple[Policy, ...] | None
    #: root templates' expansions kept between runs are used and kept (False: --no-cache; see
    #: checker/sources/expansion_cache.py)
    use_cache: bool

    def __init__(self, parameter_files: tuple[Path, ...] = (), parameter_values: tuple[tuple[str, Any], ...] = (),
                 context: DeploymentContext = _MISSING, pattern: str | None = None,
                 pattern_by_vnet: tuple[tuple[str, str], ...] = (), policy_dirs: tuple[Path, ...] = (),
                 default_policies: bool = True, settings: RuleSettings | None = None,
                 settings_file: Path | None = None, waivers: tuple[Waiver, ...] = (), today: date | None = None,
                 max_file_bytes: int = DEFAULT_MAX_FILE_BYTES, exclude: tuple[str, ...] = (),
                 link_roots: tuple[str, ...] = (), context_files: tuple[Path, ...] = (),
                 policies: tuple[Policy, ...] | None = None, use_cache: bool = True) -> None:
        fields = self.__dict__
        fields["parameter_files"] = parameter_files
        fields["parameter_values"] = parameter_values
        fields["context"] = DeploymentContext() if context is _MISSING else context
        fields["pattern"] = pattern
        fields["pattern_by_vnet"] = pattern_by_vnet
        fields["policy_dirs"] = policy_dirs
        fields["default_policies"] = default_policies
        fields["settings"] = settings
        fields["settings_file"] = settings_file
        fields["waivers"] = waivers
        fields["today"] = today
        fields["max_file_bytes"] = max_file_bytes
        fields["exclude"] = exclude
        fields["link_roots"] = link_roots
        fields["context_files"] = context_files
        fields["policies"] = policies
        fields["use_cache"] = use_cache


def load_policies(options: ScanOptions) -> tuple[list[Policy], list[InputError]]:
    """The bundled policies (from their compiled form, see checker/policy/compiled.py) and the
    policy folders of the options (read from YAML)."""
    from checker.views import SUBJECT_KINDS

    if options.policies is not None:
        return list(options.policies), []
    if options.default_policies and not options.policy_dirs:
        from checker.policy.compiled import load_bundled

        return load_bundled(known_subjects=SUBJECT_KINDS)
    from checker.policy.loader import default_policy_dir
    from checker.policy.loader import load_policies as load

    # With folders of one's own, everything is read from YAML in one load, so that an id defined
    # twice (a user policy reusing a bundled id) is reported as it always was.
    bundled = [default_policy_dir()] if options.default_policies else []
    directories = bundled + [d for d in options.policy_dirs if d not in bundled]
    return load(directories, known_subjects=SUBJECT_KINDS)


def read(paths: Sequence[str | Path], options: ScanOptions | None = None) -> InputLoad:
    """Read templates, parameter files and exports into resources (no policies); with
    ``options.context_files``, the live estate they deploy into as well (checker/sources/context.py)."""
    options = options or ScanOptions()
    if not options.context_files:
        return _read(paths, options, options.context)
    from checker.sources import context as estate

    known = estate.read_context(options.context_files, options.max_file_bytes)
    lookup = known.lookup()
    load = _read(paths, options, options.context.with_(known_resources=lookup))
    estate.leave_out_context_files(load, options.context_files)
    scanned = {r.key for r in load.resources if isinstance(r.id, str)}
    if lookup.used & scanned:
        # reference() of a resource the templates deploy gives its state after deployment, not the estate's:
        # read again without those context resources for reference() (the templates win).
        lookup = estate.KnownResources({k: v for k, v in lookup.items() if k not in scanned})
        load = _read(paths, options, options.context.with_(known_resources=lookup))
        estate.leave_out_context_files(load, options.context_files)
    load.errors[:0] = known.errors
    load.notices.extend(known.notices)
    load.resources = estate.merge(load.resources, known, load.notices)
    load.files.extend(f"context: {name}" for name in known.files)
    return load


def _read(paths: Sequence[str | Path], options: ScanOptions, context: DeploymentContext) -> InputLoad:
    return read_inputs(paths, parameter_files=options.parameter_files, parameter_values=options.parameter_values,
                       context=context, max_file_bytes=options.max_file_bytes,
                       exclude=options.exclude, link_roots=options.link_roots, use_cache=options.use_cache)


def build_graph(resources: Sequence[Resource]) -> Graph:
    from checker.graph import Graph

    return Graph(resources)


def _declared(options: ScanOptions) -> DeclaredPatterns:
    from checker.patterns import DeclaredPatterns

    return DeclaredPatterns(everywhere=options.pattern, by_vnet=dict(options.pattern_by_vnet))


def _settings_errors(policies: Sequence[Policy], settings: RuleSettings, file: Path | None) -> list[InputError]:
    """Configuration typos (an unknown rule id or parameter name, a wrong type) are input errors, on
    the line of the configuration that names them."""
    if not (settings.disabled or settings.severity or settings.parameters):
        return []  # nothing configured, nothing to check
    from checker.policy.loader import check_settings

    problems = check_settings(policies, settings)
    if not problems:
        return []
    lines = _text_lines(file)
    errors = []
    for problem in problems:
        # the line that holds the most (and the most specific: later) names the problem quotes
        tokens = problem.split(" (did you mean")[0].split("'")[1::2]
        scores = [(sum(2 ** i for i, token in enumerate(tokens) if token and token in text), -n)
                  for n, text in enumerate(lines, 1)]
        best = max(scores, default=(0, 0))
        line = -best[1] if best[0] else None
        errors.append(InputError(file=str(file) if file else "<settings>", line=line, message=problem,
                                 hint="fix the rule id or parameter in the configuration"))
    return errors


def _text_lines(file: Path | None) -> list[str]:
    try:
        return file.read_text(encoding="utf-8-sig").splitlines() if file else []
    except (OSError, UnicodeDecodeError):
        return []


def _site_result(results: Sequence[Result]) -> str:
    statuses = {r.status for r in results}
    if "fail" in statuses:
        return "fail"
    if "unknown" in statuses:
        return "unknown"
    return "pass"


def _inline_waivers(resources: Sequence[Resource]) -> tuple[list[Waiver], list[InputError]]:
    from checker.model import CheckerError

    waivers: list[Waiver] = []
    errors: list[InputError] = []
    for resource in resources:
        meta = resource.metadata or {}
        holder: Any = meta if "hybrid-check" in meta else meta.get("metadata")
        if not isinstance(holder, dict) or "hybrid-check" not in holder:
            continue
        from checker.report.waivers import inline_waivers

        try:
            waivers.extend(inline_waivers(holder, resource.id, resource.origin.file, resource.origin.line))
        except CheckerError as exc:
            errors.append(exc.to_input_error())
    return waivers, errors


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def evaluate(load: InputLoad, options: ScanOptions | None = None) -> Report:
    """Graph, views, policies, waivers: the Report for resources already read."""
    from checker.policy.engine import evaluate as evaluate_policies
    from checker.policy.model import RuleSettings
    from checker.views import build_subjects

    options = options or ScanOptions()
    report = Report(tool_name=TOOL_NAME, tool_version=__version__, inputs=list(load.files),
                    errors=list(load.errors),
                    notices=[n for n in load.notices if n.kind != "not-evaluated"],
                    not_evaluated=[NotEvaluated(scope=n.file, code=n.code or "Error", message=n.message)
                                   for n in load.notices if n.kind == "not-evaluated"])
    report.resource_count = len(load.resources)
    started = time.perf_counter()
    policies, policy_errors = load_policies(options)
    report.errors.extend(policy_errors)
    report.rules = [policy.rule_info() for policy in policies]
    log.info("loaded %d polic(ies) in %.0f ms", len(policies), _ms(started))

    settings = options.settings or RuleSettings()
    report.errors.extend(_settings_errors(policies, settings, options.settings_file))

    started = time.perf_counter()
    graph = build_graph(load.resources)
    report.errors.extend(graph.duplicates.errors)
    report.notices.extend(graph.duplicates.notices)
    sites, subjects = build_subjects(graph, _declared(options))
    log.info("built the graph of %d resource(s): %d site(s), %d subject(s) in %.0f ms",
             len(load.resources), len(sites), len(subjects), _ms(started))
    started = time.perf_counter()
    results = evaluate_policies(policies, subjects, settings)
    log.info("evaluated: %d result(s) in %.0f ms", len(results), _ms(started))

    inline, waiver_errors = _inline_waivers(load.resources)
    report.errors.extend(waiver_errors)
    waivers = [*options.waivers, *inline]
    if waivers:  # (without any, the notices and results stay as they are)
        from datetime import date

        from checker.report.waivers import apply_waivers, waive_unexpanded

        report.notices, used = waive_unexpanded(report.notices, waivers, options.today or date.today())
        report.notices.extend(Notice(file=w.file or "<configuration>", line=w.line,
                                     message=f"waiver of {w.rule} for '{w.resource}' matches no result")
                              for w in waivers if w not in used and not any(w.matches(r) for r in results))
        results = apply_waivers(results, waivers, today=options.today or date.today())
    if any("contextFile" in r.metadata for r in load.resources):
        from checker.sources.context import context_only

        results = context_only(results, load.resources)
    report.results = results

    by_site: dict[str, list[Result]] = {}
    for result in results:
        if result.site:
            by_site.setdefault(normalise_id(result.site), []).append(result)
    report.sites = [
        Site(id=site.id, name=site.name, pattern=site.pattern, pattern_source=site.pattern_source,
             result=_site_result(by_site.get(normalise_id(site.id), [])), patterns=site.patterns,
             notes=site.notes)
        for site in sites
    ]
    report.topology_builder = lambda: _topologies(graph, sites)
    return report


def _topologies(graph: Graph, sites: Any) -> Any:
    """The sites' topologies (for the formats that draw them): imported and built when asked for."""
    from checker.topology import topologies

    return topologies(graph, sites)


def scan(paths: Sequence[str | Path], options: ScanOptions | None = None) -> Report:
    """Read the inputs and evaluate every policy: the whole template/export scan."""
    options = options or ScanOptions()
    return evaluate(read(paths, options), options)


def audit(audit_options: AuditOptions, options: ScanOptions | None = None,
          snapshot: Path | None = None) -> Report:
    """Collect a live estate through the Azure SDK and evaluate it like a scan."""
    from checker.sources import live
    from checker.sources.export import resources_from_objects

    options = options or ScanOptions()
    collection = live.collect(audit_options)
    if snapshot is not None:
        live.write_snapshot(collection, snapshot)
    # Live resources have no file: "live" marks them (SARIF gives them a logical location only),
    # and the audited scope is listed as the input.
    exported = resources_from_objects(collection.objects, file="live", source="live")
    load = InputLoad(resources=list(exported.resources), errors=list(exported.errors),
                     notices=list(exported.notices), files=[f"live: {collection.scope_text}"])
    report = evaluate(load, options)
    report.not_evaluated.extend(NotEvaluated(scope=e.scope, code=e.code, message=e.message)
                                for e in collection.errors)
    return report
