"""ARM template expansion as a deployment does it (parameters, variables, conditions, copy loops, child
resources, symbolic names, nested and linked deployments): one Resource per resource deployed."""

from __future__ import annotations

import functools
import gc
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path

from checker.digests import sha256
from checker.duplicates import INPUT_KEY, InputTag, next_input_serial
from checker.files import read_limited
from checker.model import (
    CheckerError,
    InputError,
    Notice,
    Origin,
    Resource,
    Secret,
    Unknown,
    equals_ci,
    placeholder_text,
    same_type,
)
from checker.records import replace
from checker.sources.arm.context import DeploymentContext
from checker.sources.arm.expressions import UserFunction, evaluate_string
from checker.sources.arm.functions import (
    BUDGET,
    DERIVED_FROM_SECRET,
    INPUT_WORK_LIMIT,
    WorkBudgetExceeded,
    kind_of,
    spend_input,
)
from checker.sources.arm.parameters import (
    ParameterValue,
    is_parameter_file,
    is_template,
    key_vault_reason,
    read_parameter_file,
    schema_of,
)
from checker.sources.decode import JsonObject, loads
from checker.sources.load import SourceLoad
from checker.vocabulary import DEPLOYMENT, RESOURCE_GROUP

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

#: ARM's limit on the iterations of one copy loop.
MAX_COPY_COUNT = 800
#: Deepest chain of nested deployments expanded (ARM allows more; deeper chains are almost always loops).
MAX_NESTING_DEPTH = 10
#: Most resources one template expansion may yield.
MAX_RESOURCES = 100_000
#: Largest value one expression may produce, counted as a tree (every object member and array item,
#: at any depth, once per place it appears). Values that share parts (``createObject('a',
#: variables('x'), 'b', variables('x'))`` chained through variables) can double at each step while
#: staying small in memory; everything that walks them afterwards would not.
MAX_VALUE_NODES = 1_000_000
#: Longest chain of variables (or of parameter default values) that refer to the next one.
MAX_REFERENCE_DEPTH = 64
#: Placeholder for an unknown resource type; names get ``<unknown@LINE>`` (see :func:`_placeholder`).
UNKNOWN_SEGMENT = "<unknown>"

WEAK_SECRET_VALUES = frozenset({"123secret", "abc123", "[replace-with-shared-key]", "password", "sharedkey",
                                "changeme"})
MIN_SECRET_LENGTH = 16

_DEPLOYMENTS = DEPLOYMENT
#: Readers of linked templates that are not JSON, by file suffix (``.bicep`` registers its own):
#: ``reader(path, shown_name)`` returns the template or raises CheckerError.
LINKED_READERS: dict[str, Callable[[Path, str], Any]] = {}
_RESOURCE_GROUPS = RESOURCE_GROUP
#: Keys of a resource that steer the deployment and are not part of the deployed resource.
_TEMPLATE_ONLY_KEYS = frozenset({"name", "type", "condition", "copy", "dependson", "comments", "apiversion",
                                 "resources", "existing", "scope", "parent", "metadata", "resourcegroup",
                                 "subscriptionid", "import"})
_PARAMETER_REFERENCE = re.compile(r"^\[\s*parameters\(\s*'((?:[^']|'')*)'\s*\)\s*\]$", re.IGNORECASE)
_SECRET_LEAVES = frozenset({"sharedkey", "authorizationkey", "adminpassword"})
#: Arrays of a resource's properties whose items are child resources declared inline.
_INLINE_CHILD_ARRAYS = ("subnets", "virtualNetworkPeerings", "routes", "peerings", "securityRules")
_INLINE_CHILD_NAMES = frozenset(name.lower() for name in _INLINE_CHILD_ARRAYS)
_CONSTRAINTS = tuple((name, name.lower()) for name in ("minValue", "maxValue", "minLength", "maxLength"))
_CONSTRAINT_NAMES = frozenset(lowered for _name, lowered in _CONSTRAINTS)
_SECURE_TYPES = frozenset({"securestring", "secureobject"})
_UNSET = object()  # a cache's miss (None is a value)


# ---------------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------------

#: What one template expands to: resources, input errors (exit code 2), notices and the files read
#: through its deployments (``linked``).
TemplateLoad = SourceLoad


#: Largest linked template or parameter file read (bytes), unless the caller gives another limit.
DEFAULT_MAX_LINKED_BYTES = 50 * 1024 * 1024


def within(path: Path, roots: tuple[Path, ...]) -> bool:
    """True when ``path`` (symbolic links followed) is one of ``roots`` or below one of them."""
    resolved = path.resolve()
    return any(resolved == root or root in resolved.parents for root in roots)


def scope_of_schema(doc: Any, default: str) -> str:
    """The deployment scope a template's ``$schema`` names, else ``default``."""
    schema = schema_of(doc) if isinstance(doc, dict) else ""
    if "subscriptiondeploymenttemplate" in schema:
        return "subscription"
    if "managementgroupdeploymenttemplate" in schema:
        return "managementGroup"
    if "tenantdeploymenttemplate" in schema:
        return "tenant"
    if "deploymenttemplate" in schema:
        return "resourceGroup"
    return default


def expand_template(doc: Any, file: str, *, parameter_values: Mapping[str, ParameterValue],
                    context: DeploymentContext, base_dir: Path, link_roots: tuple[Path, ...] | None = None,
                    max_file_bytes: int = DEFAULT_MAX_LINKED_BYTES,
                    work_limit: int = INPUT_WORK_LIMIT) -> TemplateLoad:
    """Expand a template into the resources it deploys. Never raises: every problem becomes an
    :class:`InputError` and the rest of the template is still expanded.

    ``Resource.metadata`` holds the resource's own ``metadata`` object (inline waivers under
    ``"hybrid-check"``) plus, when they apply: ``symbolicName``, ``condition`` (``"unknown"``),
    ``copy`` (``{"name", "index"}``), ``dependsOn`` (ids where they resolve), ``scope`` (the id an
    extension resource applies to), ``writtenType`` (the type as written when it differs) and
    ``deployment`` (the id of the nested deployment that holds the resource).

    A name only known at deployment time keeps its :class:`Unknown` in ``body["name"]`` and puts a
    placeholder ``<unknown@LINE>`` (``<unknown@LINE-xxxxxx>`` inside loops and nested deployments) in
    the id, distinct per resource instance. Secrets (shared keys, authorization keys, adminPassword,
    secure parameters) become :class:`Secret` objects classified by the raw, unevaluated value.

    A ``templateLink.relativePath`` or ``parametersLink.relativePath`` is read only when it lies inside
    one of ``link_roots`` (resolved folders; ``None``: only below ``base_dir``); outside is an input error
    naming the link. Linked files are read with the size limit ``max_file_bytes``.

    The expansion (with its linked and nested deployments) may spend ``work_limit`` steps: expressions
    evaluated, user-defined function calls, copy loop iterations, nested deployments and the work units
    of functions (``functions.spend``). Past it the expansion stops with one input error naming the
    file, the line and the expression; ``TemplateLoad.work_used`` says how many steps were spent.
    """
    expander = _Expander()
    expander.root_file = file
    # One work budget for this input, its linked and nested deployments (an expansion started inside
    # another one, if any, spends from the outer budget).
    outermost = BUDGET.input_limit == float("inf")
    if outermost:
        BUDGET.input_used, BUDGET.input_limit = 0, work_limit
    expander.given_link_roots = tuple(link_roots) if link_roots is not None else (Path(base_dir),)
    expander.max_file_bytes = max_file_bytes
    # Expansion allocates many small objects that all stay alive; cyclic GC passes over them only cost time.
    collecting = gc.isenabled()
    gc.disable()
    secrets_before = _secret_values
    try:
        if not isinstance(doc, dict):
            raise CheckerError("not an ARM template: the document is not a JSON object", file=file, line=1,
                               hint="give a deployment template")
        if "resources" not in doc and not is_template(doc):
            raise CheckerError("not an ARM template: no 'resources'", file=file, line=getattr(doc, "line", None) or 1,
                               hint="give a deployment template (a parameter file is given with its template)")
        context = context.with_(scope=scope_of_schema(doc, context.scope))
        inputs = {name.lower(): _Input(pv.value, pv.origin, "key-vault" if pv.key_vault else "parameter-file",
                                       name, checked=not pv.key_vault, for_every_template=pv.for_every_template)
                  for name, pv in parameter_values.items()}
        symbols = _Symbols(expander, doc, file, "", inputs, context)
        env = _Env(file=file, base_dir=Path(base_dir), pointer="", scope=_Scope(symbols, context),
                   placement=context, depth=0, inherited_unknown=False, deployment_id=None,
                   v2=isinstance(doc.get("resources"), dict))
        symbols.env = env
        symbols.check_inputs()
        expander.expand_template(doc, env)
    except CheckerError as exc:
        expander.record(exc, file, None)
    except WorkBudgetExceeded as exc:
        expander.over_budget(exc, file, None)
    except RecursionError:
        expander.volatile = True
        expander.error(file, None, "the template nests too deeply to expand",
                       hint="check nested deployments and variables for recursion")
    except Exception as exc:  # the contract is "never raises": report instead of crashing the scan
        expander.unexpected(exc, file, None)
    finally:
        if collecting:
            gc.enable()
        if outermost:
            expander.work_used = BUDGET.input_used
            BUDGET.input_used, BUDGET.input_limit = 0, float("inf")
    # Which input deployed each resource (this root template, with its linked and nested deployments,
    # and the files its parameter values came from): the graph reports one id declared by two inputs.
    tag = InputTag(file, next_input_serial(), tuple(sorted({pv.origin.file for pv in parameter_values.values()
                                                              if pv.origin is not None and pv.origin.file})))
    for resource in expander.resources:
        resource.metadata[INPUT_KEY] = tag
    # What it gave depends only on the template, the parameter values, the context and the code: no
    # linked file was read (or looked for), no secret's value was seen (a secret's digest is salted per
    # run), no depth limit or unexpected exception met, and its work budget was its own.
    self_contained = (outermost and not expander.link_reads and not expander.volatile
                      and _secret_values == secrets_before)
    return SourceLoad(expander.resources, expander.errors, expander.notices, linked=expander.linked,
                      work_used=expander.work_used, self_contained=self_contained)


#: Secrets whose value was known (a :class:`Secret` with facts and a digest), made so far by this
#: process: an expansion that made one is not kept between runs (see ``expand_template``).
_secret_values = 0


# ---------------------------------------------------------------------------------------------------
# Evaluation scope: parameters, variables, copy indexes, user functions
# ---------------------------------------------------------------------------------------------------

# The expansion's own records below are plain classes with __slots__, not dataclasses: a dataclass
# is built at import by compiling its generated methods, about a millisecond each, on every run.

class _Input:
    """A value given for a parameter: from a parameter file, or from a nested deployment's
    ``properties.parameters`` (evaluated in the outer scope). ``source`` feeds secret classification.
    ``strict``: also check minLength/maxLength/minValue/maxValue (values the user wrote);
    ``for_every_template`` (-p/--set): an undeclared name is ignored, not refused."""

    __slots__ = ("value", "origin", "source", "written_name", "checked", "strict", "for_every_template")

    def __init__(self, value: Any, origin: Origin, source: str, written_name: str, checked: bool = True,
                 strict: bool = True, for_every_template: bool = False) -> None:
        self.value = value
        self.origin = origin
        self.source = source
        self.written_name = written_name
        self.checked = checked
        self.strict = strict
        self.for_every_template = for_every_template


class _ParameterSpec:
    __slots__ = ("name", "declaration", "type", "allowed", "nullable", "constraints")

    def __init__(self, name: str, declaration: Any, type: str | None, allowed: list[Any] | None,  # noqa: A002
                 nullable: bool, constraints: dict[str, Any]) -> None:
        self.name = name
        self.declaration = declaration
        self.type = type
        self.allowed = allowed
        self.nullable = nullable
        self.constraints = constraints


class _Symbols:
    """Parameters, variables and user functions of one template: what ``parameters()``,
    ``variables()`` and user-defined function calls see. Variables are evaluated once, when first used."""

    def __init__(self, expander: _Expander, template: Mapping[str, Any], file: str, pointer: str,
                 inputs: dict[str, _Input], context: DeploymentContext, escape_passes: int = 0) -> None:
        self.expander = expander
        #: distinguishes this template's parameters from same-named ones of other templates in symbols
        self.tag = sha256(f"{file}\0{pointer}".encode()).hexdigest()[:6]
        #: evaluation passes of enclosing templates that went over this template's text before its
        #: own: each consumes one '[[' escape (see :meth:`_Expander.string`)
        self.escape_passes = escape_passes
        self.file = file
        self.pointer = pointer
        self.template = template
        self.inputs = inputs
        self.context = context
        self.home = _Scope(self, context)  # for variables and defaults: no copy loop is visible there
        self.env: _Env | None = None  # the template's expansion, once it starts (symbolic `existing` lookups)
        self._check_sections(template)
        declarations = expander.declarations(template)
        self.parameters_object = declarations.parameters_object
        self.definitions = declarations.definitions
        self.specs = declarations.specs
        self.parameter_cache: dict[str, Any] = {}
        self.parameter_sources: dict[str, str] = {}
        #: the values of secure parameters written in the inputs (a literal default, a parameter file),
        #: read only while a secret position is classified (``unsealed``), never kept in a resource body
        self.secure_written: dict[str, Any] = {}
        self.unsealed = 0
        self.parameter_stack: list[str] = []
        self.variables_object = declarations.variables_object
        self.variable_definitions = declarations.variable_definitions
        self.variable_cache: dict[str, Any] = {}
        self.variable_stack: list[str] = []
        self.functions = declarations.functions
        #: nested deployments declared in this template, by lower-cased name: (inner template, its scope)
        self.deployments: dict[str, tuple[Mapping[str, Any], _Scope, str]] = {}
        self.deployment_outputs: dict[str, Any] = {}

    def _check_sections(self, template: Mapping[str, Any]) -> None:
        """ARM rejects a template whose sections have the wrong shape or whose parameter, variable or
        output names are expressions; so does the checker (the section is then ignored)."""
        line = getattr(template, "line", None)
        for section, wanted in (("parameters", dict), ("variables", dict), ("outputs", dict),
                                ("functions", list)):
            value = template.get(section)
            if value is None:
                continue
            where = f"{self.pointer}/{section}"
            if not isinstance(value, wanted):
                shape = "an object" if wanted is dict else "an array"
                self.expander.error(self.file, getattr(value, "line", None) or line,
                                    f"'{section}' at {where or '/'} must be {shape}, not {kind_of(value)}",
                                    hint=f"write \"{section}\": {'{...}' if wanted is dict else '[...]'}")
                continue
            if not isinstance(value, dict):
                continue
            objects_only = section in ("parameters", "outputs")
            for name, declaration in value.items():
                expression = name.startswith("[") and name.endswith("]") and not name.startswith("[[")
                not_object = objects_only and not isinstance(declaration, dict)
                if not (expression or not_object):
                    continue  # nearly always: the position is looked up only for a problem
                at = getattr(declaration, "line", None) or getattr(value, "line", None) or line
                if expression:
                    kind = section[:-1]
                    self.expander.error(self.file, at, f"the {kind} name '{_shorten(name)}' is an expression; ARM "
                                                       f"requires a literal name for each {kind}",
                                        hint=f"name the {kind} with plain text")
                if not_object:
                    self.expander.error(self.file, at, f"{section[:-1]} '{_shorten(name)}' must be declared as an "
                                                       f"object, not {kind_of(declaration)}",
                                        hint='write {"type": "string", ...}')

    def outputs_of(self, name: str) -> Any:
        """The ``outputs`` of a nested deployment of this template, as ``reference(name).outputs``
        shows them (``{"x": {"type": ..., "value": ...}}``); None when it is not known here."""
        key = name.lower()
        if key in self.deployment_outputs:
            return self.deployment_outputs[key]
        entry = self.deployments.get(key)
        if entry is None:
            return None
        template, scope, file = entry
        self.deployment_outputs[key] = None  # a deployment whose outputs refer to themselves stays unknown
        raw_outputs = template.get("outputs")
        outputs = JsonObject()
        if isinstance(raw_outputs, dict):
            for output_name, output in raw_outputs.items():
                if not isinstance(output, dict):
                    continue
                if isinstance(output.get("copy"), dict):
                    value = self.expander.property_loop(output["copy"], scope, file, output, None,
                                                        f"output '{output_name}'")
                else:
                    value = self.expander.evaluate(output.get("value"), scope, file, output)
                outputs[output_name] = {"type": output.get("type"), "value": value}
        self.deployment_outputs[key] = outputs
        return outputs

    # -- parameters ---------------------------------------------------------------------------------

    def check_inputs(self) -> None:
        """Validate given values against the declarations (type, allowedValues, ranges) up front, so
        a bad value is reported even when nothing uses the parameter."""
        for key, given in list(self.inputs.items()):
            spec = self.specs.get(key)
            if spec is None:
                if given.for_every_template:
                    self.expander.notice(given.origin.file, given.origin.line,
                                         f"a value is given for parameter '{given.written_name}', which the "
                                         f"template {self.where()} does not declare; it is ignored")
                else:
                    # ARM refuses the deployment: "The template parameters '...' are not valid; they
                    # are not present in the original template".
                    self.expander.error(given.origin.file, given.origin.line,
                                        f"{given.origin.file} gives a value for parameter "
                                        f"'{given.written_name}', which the template {self.where()} does not "
                                        f"declare; ARM refuses such a deployment",
                                        hint="remove the value or declare the parameter in the template",
                                        column=given.origin.column)
                del self.inputs[key]
                continue
            if not given.checked or isinstance(given.value, (Unknown, Secret)) or given.value is None:
                continue
            problem = _value_problem(spec, given.value, ranges=given.strict)
            if problem is not None:
                message, hint = problem
                self.expander.error(given.origin.file, given.origin.line, message, hint=hint,
                                    column=given.origin.column)
                self.inputs[key] = _Input(Unknown(f"the value given for parameter '{spec.name}' is not valid"),
                                          given.origin, given.source, given.written_name, checked=False)

    def where(self) -> str:
        """The template for messages: its file, and its JSON pointer when it is nested."""
        return f"{self.file} (at {self.pointer})" if self.pointer else self.file

    def parameter(self, name: str) -> Any:
        key = name.lower() if isinstance(name, str) else str(name)
        cached = self.parameter_cache.get(key, _UNSET)
        if cached is not _UNSET:
            if self.unsealed and key in self.secure_written:
                return self.secure_written[key]
            return cached
        spec = self.specs.get(key)
        if spec is None:
            raise CheckerError(f"parameter '{name}' is not declared in the template",
                               hint="declare it under 'parameters' or fix the name")
        if key in self.parameter_stack:
            chain = self.parameter_stack[self.parameter_stack.index(key):] + [key]
            raise CheckerError(f"parameter '{spec.name}' defaults to itself ({' -> '.join(chain)})",
                               hint="break the cycle between the defaultValue expressions")
        if len(self.parameter_stack) >= MAX_REFERENCE_DEPTH:
            raise CheckerError(f"parameter default values refer to each other more than {MAX_REFERENCE_DEPTH} "
                               f"levels deep (at '{spec.name}')", hint="shorten the chain of defaultValue expressions")
        self.parameter_stack.append(key)
        saved_loops = self.home.loops
        self.home.loops = []
        try:
            value, source, origin = self._resolve_parameter(key, spec)
        finally:
            self.home.loops = saved_loops
            self.parameter_stack.pop()
        if spec.type in _SECURE_TYPES:
            if source in _WRITTEN_SOURCES and isinstance(value, (str, dict)):
                self.secure_written[key] = value
            value = _make_secret(value, source, origin)
        self.parameter_cache[key] = value
        self.parameter_sources[key] = source
        if self.unsealed and key in self.secure_written:
            return self.secure_written[key]
        return value

    def _resolve_parameter(self, key: str, spec: _ParameterSpec) -> tuple[Any, str, Origin]:
        given = self.inputs.get(key)
        if given is not None and given.value is not None:
            return given.value, given.source, given.origin
        declaration = spec.declaration
        line = getattr(declaration, "line", None) or getattr(self.parameters_object, "line", None)
        declared_at = Origin(self.file, line, getattr(declaration, "column", None),
                             f"{self.pointer}/parameters/{_escape(spec.name)}")
        if isinstance(declaration, dict) and "defaultValue" in declaration:
            value = self.expander.evaluate(declaration["defaultValue"], self.home, self.file, declaration)
            if not isinstance(value, Unknown) and value is not None:
                problem = _value_problem(spec, value, ranges=False)
                if problem is not None:
                    self.expander.error(self.file, line, f"default value: {problem[0]}", hint=problem[1])
                    value = Unknown(f"the default value of parameter '{spec.name}' is not valid")
            if spec.type not in _SECURE_TYPES and (value is None or isinstance(value, Unknown)):
                # computed at deployment (newGuid()) but kept in a plain, logged parameter
                return value, "plain-parameter", declared_at
            return value, "parameter-default", declared_at
        # No value here: the deployment will supply one, kept secret only by a secure type.
        unset = "secure-parameter" if spec.type in _SECURE_TYPES else "plain-parameter"
        if spec.nullable:
            return None, unset, declared_at
        # Unknown, but the same value wherever it is used: names and ids built from it link up.
        return Unknown(f"parameter '{spec.name}' has no value", f"<{spec.name}~{self.tag}>"), unset, declared_at

    def parameter_source(self, name: str) -> str:
        """Where a parameter's value came from, for secret classification."""
        key = name.lower()
        if key not in self.specs:
            return "expression"
        if key not in self.parameter_sources:
            try:
                self.parameter(name)
            except CheckerError:
                return "expression"
        return self.parameter_sources.get(key, "expression")

    # -- variables ----------------------------------------------------------------------------------

    def variable(self, name: str) -> Any:
        key = name.lower() if isinstance(name, str) else str(name)
        cached = self.variable_cache.get(key, _UNSET)
        if cached is not _UNSET:
            return cached
        definition = self.variable_definitions.get(key)
        if definition is None:
            raise CheckerError(f"variable '{name}' is not defined", hint="define it under 'variables' or fix the name")
        written, raw, loop = definition
        if written in self.variable_stack:
            through = self.variable_stack[self.variable_stack.index(written) + 1:]
            if through:
                names = ", ".join(f"'{step}'" for step in through)
                message = f"variable '{written}' refers to itself through {names}"
            else:
                message = f"variable '{written}' refers to itself"
            raise CheckerError(message, hint="break the cycle between these variables")
        if len(self.variable_stack) >= MAX_REFERENCE_DEPTH:
            raise CheckerError(f"variables refer to each other more than {MAX_REFERENCE_DEPTH} levels deep "
                               f"(at '{written}')", hint="shorten the chain of variables")
        self.variable_stack.append(written)
        saved_loops = self.home.loops
        self.home.loops = []
        try:
            if loop is not None:
                value = self.expander.property_loop(loop, self.home, self.file, self.variables_object, None,
                                                    f"variable '{written}'")
            else:
                value = self.expander.evaluate(raw, self.home, self.file, self.variables_object)
        finally:
            self.home.loops = saved_loops
            self.variable_stack.pop()
        self.variable_cache[key] = value
        return value

class _Declarations:
    """What a template declares, read from it once however many times it is deployed (a nested
    template in a copy loop, a module used twice): its parameters' specs, its variables' definitions
    and its user-defined functions. Read-only once made."""

    __slots__ = ("parameters_object", "definitions", "specs", "variables_object", "variable_definitions",
                 "functions")

    def __init__(self, template: Mapping[str, Any]) -> None:
        raw_parameters = template.get("parameters")
        self.parameters_object = raw_parameters if isinstance(raw_parameters, dict) else {}
        definitions = template.get("definitions")
        self.definitions = definitions if isinstance(definitions, dict) else {}
        self.specs: dict[str, _ParameterSpec] = {}
        for name, declaration in self.parameters_object.items():
            self.specs[name.lower()] = self._spec(name, declaration)
        raw_variables = template.get("variables")
        self.variables_object = raw_variables if isinstance(raw_variables, dict) else JsonObject()
        self.variable_definitions: dict[str, tuple[str, Any, dict[str, Any] | None]] = {}
        for name, value in self.variables_object.items():
            if name.lower() == "copy" and isinstance(value, list):
                for loop in value:
                    if isinstance(loop, dict) and isinstance(loop.get("name"), str):
                        self.variable_definitions[loop["name"].lower()] = (loop["name"], None, loop)
                continue
            self.variable_definitions[name.lower()] = (name, value, None)
        self.functions = self._functions(template.get("functions"))

    def _spec(self, name: str, declaration: Any) -> _ParameterSpec:
        type_name: str | None = None
        allowed: list[Any] | None = None
        nullable = False
        constraints: dict[str, Any] = {}
        node = declaration
        for _ in range(16):  # a chain of $ref to definitions, each may add constraints
            if not isinstance(node, dict):
                break
            # the declaration's names once, rather than a case-insensitive search for each absent one
            names = {name.lower() for name in node if name.__class__ is str}
            if type_name is None and "type" in names and isinstance(node.get("type"), str):
                type_name = node["type"].lower()
            if allowed is None and "allowedvalues" in names and isinstance(node.get("allowedValues"), list):
                allowed = node["allowedValues"]
            nullable = nullable or ("nullable" in names and node.get("nullable") is True)
            if not names.isdisjoint(_CONSTRAINT_NAMES):  # most declarations have none
                for key, lowered in _CONSTRAINTS:
                    if lowered in names and key not in constraints and isinstance(node.get(key), int):
                        constraints[key] = node[key]
            ref = node.get("$ref") if "$ref" in names else None
            if not (isinstance(ref, str) and ref.startswith("#/definitions/")):
                break
            node = self.definitions.get(ref[len("#/definitions/"):])
        return _ParameterSpec(name, declaration, type_name, allowed, nullable, constraints)

    def _functions(self, raw: Any) -> dict[tuple[str, str], UserFunction]:
        functions: dict[tuple[str, str], UserFunction] = {}
        if not isinstance(raw, list):
            return functions
        for group in raw:
            if not isinstance(group, dict) or not isinstance(group.get("members"), dict):
                continue
            namespace = group.get("namespace")
            if not isinstance(namespace, str):
                continue
            for member_name, member in group["members"].items():
                if not isinstance(member, dict):
                    continue
                parameters = member.get("parameters")
                names = tuple(p.get("name") for p in parameters if isinstance(p, dict)) \
                    if isinstance(parameters, list) else ()
                output = member.get("output")
                value = output.get("value") if isinstance(output, dict) else None
                functions[(namespace.lower(), member_name.lower())] = UserFunction(
                    namespace, member_name, tuple(str(n) for n in names), value)
        return functions


class _Scope:
    """The :class:`EvalScope` expressions run in: a template's symbols, the deployment context
    ``resourceGroup()`` and friends return, and the copy loops active at this point."""

    def __init__(self, symbols: _Symbols, context: DeploymentContext,
                 loops: list[tuple[str, int, bool]] | None = None, later: tuple[_Scope, ...] = ()) -> None:
        self.symbols = symbols
        self.context = context
        # parameters() and variables() reach the template's readers without a hop through the
        # methods below (a scope keeps its symbols)
        self.parameter = symbols.parameter  # type: ignore[method-assign]
        self.variable = symbols.variable  # type: ignore[method-assign]
        self.loops: list[tuple[str, int, bool]] = loops if loops is not None else []
        #: the passes after this one that evaluate what this pass leaves (an outer-scope nested template
        #: is evaluated by its parent, then again by its own deployment): a '[[x]' escape gives '[x]'
        #: here, which the next pass evaluates in that template's own scope
        self.later = later

    def nested_escape_passes(self) -> int:
        """How many passes go over the text of an inner-scope template nested here before its own: the
        passes that went over this template's text, and each enclosing outer-scope evaluation (which
        evaluates its nested template as a whole, inner-scope templates inside it included)."""
        return self.symbols.escape_passes + len(self.later)

    def parameter(self, name: str) -> Any:
        return self.symbols.parameter(name)

    def variable(self, name: str) -> Any:
        return self.symbols.variable(name)

    def copy_index(self, loop: str | None) -> int:
        if loop is None:
            for _name, index, is_resource_loop in reversed(self.loops):
                if is_resource_loop:
                    return index
            if self.loops:
                return self.loops[-1][1]
            raise CheckerError("copyIndex() is used outside a copy loop",
                               hint="use copyIndex() only inside a resource, property or variable copy")
        wanted = loop.lower() if isinstance(loop, str) else str(loop)
        for name, index, _is_resource_loop in reversed(self.loops):
            if name.lower() == wanted:
                return index
        raise CheckerError(f"copyIndex('{loop}') is used outside the copy loop '{loop}'",
                           hint="use the name of a copy loop that encloses this expression")

    def user_function(self, namespace: str, name: str) -> UserFunction | None:
        return self.symbols.functions.get((str(namespace).lower(), str(name).lower()))

    def existing_resource_id(self, name: str) -> str | None:
        """For ``reference('<symbolic name>')`` (languageVersion 2.0): the id of the ``existing``
        resource of that name, which the live estate given as context may hold; None otherwise."""
        env = self.symbols.env
        key = name.lower() if isinstance(name, str) else ""
        entry = env.symbolic.get(key) if env is not None and env.v2 else None
        if entry is None or not isinstance(entry[1], dict) or entry[1].get("existing") is not True:
            return None
        identity = self.symbols.expander.symbol_identity(env, key)  # type: ignore[arg-type]
        return identity.id if identity is not None and isinstance(identity.id, str) else None

    def deployment_outputs(self, name: str) -> Any:
        """For ``reference('<nested deployment>').outputs``: the outputs of a nested deployment of this
        template that was expanded, else None."""
        return self.symbols.outputs_of(name) if isinstance(name, str) else None


# ---------------------------------------------------------------------------------------------------
# Expansion
# ---------------------------------------------------------------------------------------------------

class _Identity:
    """Where a resource lands: its id, the type and name it is known by, and for children the full
    written type and name segments."""

    __slots__ = ("id", "type", "name", "name_value", "full_type", "name_parts", "placement", "scope_id",
                 "unknown")

    def __init__(self, id: str, type: str, name: str, name_value: Any, full_type: str,  # noqa: A002
                 name_parts: tuple[str, ...], placement: DeploymentContext, scope_id: str | None,
                 unknown: Unknown | None) -> None:
        self.id = id
        self.type = type
        self.name = name
        self.name_value = name_value
        self.full_type = full_type
        self.name_parts = name_parts
        self.placement = placement
        self.scope_id = scope_id
        self.unknown = unknown


class _Env:
    """One template being expanded: where it is, what its expressions see, where its resources land."""

    __slots__ = ("file", "base_dir", "pointer", "scope", "placement", "depth", "inherited_unknown",
                 "deployment_id", "v2", "symbolic", "identities", "resolving", "emitted_by_symbol", "emitted")

    def __init__(self, *, file: str, base_dir: Path, pointer: str, scope: _Scope, placement: DeploymentContext,
                 depth: int, inherited_unknown: bool, deployment_id: str | None, v2: bool) -> None:
        self.file = file
        self.base_dir = base_dir
        self.pointer = pointer
        self.scope = scope
        self.placement = placement
        self.depth = depth
        self.inherited_unknown = inherited_unknown
        self.deployment_id = deployment_id
        self.v2 = v2
        self.symbolic: dict[str, tuple[str, Any]] = {}
        self.identities: dict[str, _Identity | None] = {}
        self.resolving: set[str] = set()
        self.emitted_by_symbol: dict[str, list[str]] = {}
        self.emitted: list[Resource] = []


class _Expander:
    def __init__(self) -> None:
        self.resources: list[Resource] = []
        self.errors: list[InputError] = []
        self.notices: list[Notice] = []
        self._error_keys: set[tuple[Any, ...]] = set()
        self._notice_keys: set[tuple[Any, ...]] = set()
        self.stopped = False
        self.quiet = 0  # > 0 while looking up symbolic resources: no errors or notices
        #: id of an evaluated object or array -> (the value, its facts): values are shared between
        #: resources (a variable used in a loop), so each is measured once. The value is kept so
        #: that its id is not reused while the expansion runs.
        self._facts: dict[int, tuple[Any, tuple[int, bool]]] = {}
        #: id of a template -> (the template, its declarations), kept like the facts above
        self._declarations: dict[int, tuple[Any, _Declarations]] = {}
        #: the folders links may be read from, as given; resolved when a link is first read (most
        #: templates read none)
        self.given_link_roots: tuple[Path, ...] = ()
        self._link_roots: tuple[Path, ...] | None = None
        self.max_file_bytes = DEFAULT_MAX_LINKED_BYTES
        self.linked: list[tuple[Path, str, int | None]] = []
        #: links the expansion tried to read (read or not): its result depends on files besides its template
        self.link_reads = 0
        #: a depth limit was reached or an unexpected exception caught: the result may depend on the
        #: stack the expansion ran on, not only on its inputs
        self.volatile = False
        self.root_file = ""
        self.work_used = 0
        self.over_budget_reported = False

    def declarations(self, template: Mapping[str, Any]) -> _Declarations:
        """The declarations of a template, read once per template object."""
        entry = self._declarations.get(id(template))
        if entry is None:
            entry = self._declarations[id(template)] = (template, _Declarations(template))
        return entry[1]

    def read_link(self, path: Path, relative: str, kind: str, file: str, line: int | None,
                  base_dir: Path) -> bytes | None:
        """The bytes of a linked template or parameter file, or None after reporting why not: outside
        the scanned folders, not a regular file, too large or unreadable."""
        self.link_reads += 1
        hint = f"{kind}.relativePath is resolved against {base_dir}; check the path"
        what = "linked template" if kind == "templateLink" else "linked parameter file"
        if self._link_roots is None:
            self._link_roots = tuple(root.resolve() for root in self.given_link_roots)
        if not within(path, self._link_roots):
            self.error(file, line, f"{what} '{relative}' ({kind}.relativePath) is outside the scanned folders; "
                                   f"it is not read",
                       hint="scan a folder that holds it, or allow its folder with --link-root DIR")
            return None
        try:
            data = read_limited(path, self.max_file_bytes, what, shown=file,
                                hint="raise the limit with --max-file-size if it is genuine")
        except FileNotFoundError:
            self.error(file, line, f"{what} '{relative}' could not be read (no such file)", hint=hint)
            return None
        except CheckerError as exc:
            self.error(file, line, f"{what} '{relative}': {exc.message}", hint=exc.hint or hint)
            return None
        self.linked.append((path.resolve(), file, line))
        return data

    # -- reporting ----------------------------------------------------------------------------------

    def over_budget(self, exc: WorkBudgetExceeded, file: str, line: int | None) -> None:
        """The input's work budget is spent: one error at the innermost place that can say where (the
        expression, its file and line), and the expansion of this input stops."""
        self.stopped = True
        if exc.reported or self.quiet or self.over_budget_reported:
            exc.reported = exc.reported or self.over_budget_reported
            return
        exc.reported = self.over_budget_reported = True
        where = f" in the expression {_shorten(exc.expression)}" if exc.expression else ""
        root = f" (input {self.root_file})" if self.root_file and self.root_file != file else ""
        self.error(file, line, f"the template does more than {exc.limit:,.0f} steps of work{where}{root}; "
                               f"expansion stopped, its resources are not checked",
                   hint="steps are expressions evaluated, user-defined function calls, copy loop iterations and "
                        "nested deployments; a user-defined function that calls another one twice doubles the "
                        "work at each level: simplify the functions or loops")

    def error(self, file: str, line: int | None, message: str, *, hint: str | None = None,
              column: int | None = None) -> None:
        if self.quiet:
            return
        key = (file, line, message)
        if key in self._error_keys:
            return
        self._error_keys.add(key)
        self.errors.append(InputError(file=file, line=line, message=message, column=column, hint=hint))

    def record(self, exc: CheckerError, file: str, line: int | None) -> None:
        exc.at(file, line)
        self.error(exc.file or file, exc.line, exc.message, hint=exc.hint, column=exc.column)

    def unexpected(self, exc: Exception, file: str, line: int | None) -> None:
        if isinstance(exc, CheckerError):
            self.record(exc, file, line)
            return
        self.volatile = True
        # Only the exception type: its text could quote a template value (a secret).
        self.error(file, line, f"this part of the template could not be expanded ({type(exc).__name__})",
                   hint="report this template to the hybrid-check maintainers")

    def notice(self, file: str, line: int | None, message: str, kind: str = "info") -> None:
        if self.quiet:
            return
        key = (file, line, message, kind)
        if key in self._notice_keys:
            return
        self._notice_keys.add(key)
        self.notices.append(Notice(file=file, line=line, message=message, kind=kind))

    # -- values -------------------------------------------------------------------------------------

    def value_facts(self, value: Any) -> tuple[int, bool]:
        """(size counted as a tree, holds a secret-named key at any depth) of an evaluated object or
        array. Each distinct object or array is visited once, so a value whose tree is exponentially
        larger than its memory (shared parts) is measured in time linear in its memory."""
        facts = self._facts
        if id(value) in facts:
            return facts[id(value)][1]
        stack: list[tuple[Any, bool]] = [(value, False)]
        while stack:
            node, children_done = stack.pop()
            if id(node) in facts:
                continue
            items = list(node.values()) if isinstance(node, dict) else node
            if not children_done:
                stack.append((node, True))
                stack.extend((item, False) for item in items
                             if isinstance(item, (dict, list)) and id(item) not in facts)
                continue
            size = 1
            secret = isinstance(node, dict) and any(
                isinstance(key, str) and key.lower() in _SECRET_LEAVES for key in node)
            for item in items:
                if isinstance(item, (dict, list)):
                    entry = facts.get(id(item))
                    item_size, item_secret = entry[1] if entry is not None else (1, False)
                    size += item_size
                    secret = secret or item_secret
                else:
                    size += 1
            facts[id(node)] = (node, (size, secret))
        return facts[id(value)][1]

    def evaluate(self, raw: Any, scope: _Scope, file: str, where: Any, path: tuple[str, ...] | None = None) -> Any:
        """Evaluate a JSON value: expression strings, property ``copy`` loops, nested objects (rebuilt
        as JsonObject keeping their position). ``path`` (inside a resource body) turns on secret
        detection; errors become InputErrors at the nearest object and the value an Unknown."""
        cls = raw.__class__
        if cls is str:
            if not raw or raw[0] != "[":
                return raw
            if scope.later or scope.symbols.escape_passes:
                value = self.string(raw, scope, file, where)
            else:  # one evaluation pass over this text (nearly always): what string() comes to
                value = self.evaluate_text(raw, scope, file, where)
            if path is not None and isinstance(value, (dict, list)) and self.value_facts(value)[1]:
                symbols = scope.symbols
                return _seal_secrets(value, path, lambda text: _written_source(text, symbols),
                                     _written_form(raw, symbols))
            return value
        if cls is JsonObject or isinstance(raw, dict):
            out = JsonObject()
            line = out.line = getattr(raw, "line", None)
            out.column = getattr(raw, "column", None)
            anchor = raw if line is not None else where
            # The members are gathered first: when no two of their names differ only in case (nearly
            # always), they go into the object at once, without its case-insensitive write per member.
            members: list[tuple[Any, Any]] = []
            names: set[str] = set()
            for key, item in raw.items():
                lowered = key.lower()
                if lowered == "copy" and _is_property_loops(item):
                    for loop in item:
                        name = loop["name"]
                        members.append((name, self.property_loop(loop, scope, file, anchor,
                                                                  None if path is None else path + (name,),
                                                                  f"property '{name}'")))
                        names.add(name.lower() if isinstance(name, str) else name)
                    continue
                written = lowered
                if key[:1] == "[" and key[-1:] == "]":
                    evaluated_key = self.string(key, scope, file, anchor)
                    key = evaluated_key if isinstance(evaluated_key, str) else key
                    written = key.lower()
                members.append((key, self.member(key, lowered, item, scope, file, anchor, path)))
                names.add(written)
            if len(names) == len(members):
                dict.update(out, members)
            else:
                for key, value in members:
                    out[key] = value
            return out
        if cls is list:
            if path is None:
                return [self.evaluate(item, scope, file, where) for item in raw]
            return [self.evaluate(item, scope, file, where, path + (str(i),)) for i, item in enumerate(raw)]
        return raw

    def member(self, key: str, lowered: str, item: Any, scope: _Scope, file: str, where: Any,
               path: tuple[str, ...] | None) -> Any:
        """One member of an object: literals as they are, secrets at secret paths, the rest evaluated."""
        cls = item.__class__
        if cls is str:
            if path is not None and lowered in _SECRET_LEAVES and _is_secret_path(path + (key,)):
                return self.secret(item, scope, file, where)
            if not item or item[0] != "[":
                return item
        elif cls is not JsonObject and cls is not list and not isinstance(item, dict):
            return item
        return self.evaluate(item, scope, file, where, None if path is None else path + (key,))

    def string(self, text: str, scope: _Scope, file: str, where: Any) -> Any:
        """A template string's value as ARM gives it: '[[' escapes are consumed once per evaluation pass
        (the enclosing templates' passes first, then this one, then later passes of outer-scope nested
        templates, each evaluating what the previous one left)."""
        for _ in range(scope.symbols.escape_passes):
            if text[:2] != "[[":
                break  # an unescaped expression: evaluated in this template's own pass
            text = text[1:]
        value = self.evaluate_text(text, scope, file, where)
        for later in scope.later:
            if value.__class__ is not str or value[:1] != "[" or value[-1:] != "]":
                break
            value = self.evaluate_text(value, later, file, where)
        return value

    def evaluate_text(self, text: str, scope: _Scope, file: str, where: Any) -> Any:
        try:
            value = evaluate_string(text, scope)
            if value.__class__ is str:
                return value
            if value.__class__ is JsonObject or isinstance(value, (dict, list)):
                size = self.value_facts(value)[0]
                if size > MAX_VALUE_NODES:
                    self.error(file, getattr(where, "line", None),
                               f"the expression {_shorten(text)} gives a value of {size:,} elements (counted "
                               f"as a tree), more than the limit of {MAX_VALUE_NODES:,}",
                               hint="a value is repeated inside itself through variables or functions; "
                                    "simplify the template")
                    return Unknown("the value is too large to check")
            return value
        except CheckerError as exc:
            # An expression error's column is an offset inside the expression, not in the file.
            self.error(exc.file or file, exc.line or getattr(where, "line", None), exc.message, hint=exc.hint)
            return Unknown(f"expression could not be evaluated: {exc.message}")
        except WorkBudgetExceeded as exc:
            if not exc.reported:
                exc.expression = text  # the expression written at this line (not a function's body)
            self.over_budget(exc, file, getattr(where, "line", None))
            raise
        except RecursionError:
            self.volatile = True
            self.error(file, getattr(where, "line", None), "expression nests too deeply to evaluate",
                       hint="check variables and user-defined functions for recursion")
            return Unknown("expression nests too deeply to evaluate")

    def property_loop(self, loop: Mapping[str, Any], scope: _Scope, file: str, where: Any,
                      path: tuple[str, ...] | None, label: str) -> Any:
        """A property or variable copy loop ``{name, count, input}``: the array of its inputs."""
        name = loop.get("name")
        anchor = loop if getattr(loop, "line", None) is not None else where
        count = self.copy_count(loop.get("count"), str(name), scope, file, anchor)
        if isinstance(count, Unknown):
            return Unknown(f"the number of items of {label} is unknown ({count.reason})")
        if count is None:
            return Unknown(f"the copy loop of {label} is not valid")
        raw_input = loop.get("input")
        items = []
        for index in range(count):
            spend_input(1)
            scope.loops.append((str(name), index, False))
            try:
                items.append(self.evaluate(raw_input, scope, file, anchor,
                                           None if path is None else path + (str(index),)))
            finally:
                scope.loops.pop()
        return items

    def copy_count(self, raw_count: Any, loop_name: str, scope: _Scope, file: str, where: Any) -> int | Unknown | None:
        line = getattr(where, "line", None)
        count = self.evaluate(raw_count, scope, file, where)
        if isinstance(count, Unknown):
            return count
        if isinstance(count, float) and count.is_integer():
            count = int(count)
        if isinstance(count, bool) or not isinstance(count, int):
            self.error(file, line, f"copy loop '{loop_name}': count must be an integer",
                       hint="give count as a number or an expression that returns one")
            return None
        if count < 0:
            self.error(file, line, f"copy loop '{loop_name}': count {count} is negative",
                       hint="count must be between 0 and 800")
            return None
        if count > MAX_COPY_COUNT:
            self.error(file, line, f"copy loop '{loop_name}': count {count} is over ARM's limit of "
                                   f"{MAX_COPY_COUNT}", hint="split the loop; ARM rejects more than 800 iterations")
            return None
        return count

    def secret(self, raw: str, scope: _Scope, file: str, where: Any) -> Any:
        """A value at a secret path: a :class:`Secret` saying where it came from, judged by the raw text."""
        origin = Origin(file, getattr(where, "line", None), getattr(where, "column", None))
        if not raw or raw[0] != "[" or raw[-1] != "]" or raw.startswith("[["):
            literal = raw[1:] if raw.startswith("[[") else raw
            return _make_secret(literal, "template-literal", origin)
        match = _PARAMETER_REFERENCE.match(raw)
        source = scope.symbols.parameter_source(match.group(1).replace("''", "'")) if match else "expression"
        errors_before = len(self.errors)
        try:
            value = self.string(raw, scope, file, where)
        except WorkBudgetExceeded:
            self._redact(errors_before)
            raise
        if len(self.errors) > errors_before:
            # An error quotes expression text, and the text at a secret position may be the key itself.
            for index in range(errors_before, len(self.errors)):
                self.errors[index] = replace(
                    self.errors[index], column=None,
                    message="the expression of a secret value (shared key, authorization key or password) "
                            "could not be evaluated; its text is not shown because it may hold the secret",
                    hint="check the expression of the secret property (functions, parameter and variable names)")
        if value is None:
            return None
        if source == "expression" and (not isinstance(value, Unknown) or value is DERIVED_FROM_SECRET):
            # concat()/format()/variables() of literals, or of parameters written in the inputs (a secure
            # object's literal default), is a key written in the inputs, not one computed at deployment.
            written = _expression_source(raw, scope.symbols)
            if written in _WRITTEN_SOURCES and not isinstance(value, str):
                value = self._unsealed_string(raw, scope, file, where)
            if isinstance(value, str):
                source = written
        return _make_secret(value, source, origin)

    def _redact(self, errors_before: int) -> None:
        for index in range(errors_before, len(self.errors)):
            self.errors[index] = replace(
                self.errors[index], column=None,
                message="the expression of a secret value (shared key, authorization key or password) "
                        "does more work than the template's budget allows; its text is not shown because it "
                        "may hold the secret",
                hint="simplify the expression of the secret property")

    def _unsealed_string(self, raw: str, scope: _Scope, file: str, where: Any) -> Any:
        """The value of an expression at a secret position with secure parameters written in the inputs
        read as they are (to judge the key, never kept): quiet, and with its own variable cache."""
        symbols = scope.symbols
        saved_cache = symbols.variable_cache
        symbols.variable_cache = {}
        symbols.unsealed += 1
        self.quiet += 1
        try:
            return self.string(raw, scope, file, where)
        except CheckerError:
            return None
        finally:
            self.quiet -= 1
            symbols.unsealed -= 1
            symbols.variable_cache = saved_cache

    def classify(self, raw: Any, scope: _Scope) -> str:
        """Where a value passed to a nested deployment came from (for its secrets)."""
        if not isinstance(raw, str) or not raw or raw[0] != "[" or raw[-1] != "]" or raw.startswith("[["):
            return "template-literal"
        match = _PARAMETER_REFERENCE.match(raw)
        return scope.symbols.parameter_source(match.group(1).replace("''", "'")) if match else "expression"

    # -- templates ----------------------------------------------------------------------------------

    def expand_template(self, template: Mapping[str, Any], env: _Env) -> None:
        resources = template.get("resources")
        if resources is None:
            return
        file = env.file
        if isinstance(resources, dict):
            items = [(f"{env.pointer}/resources/{_escape(symbol)}", symbol, raw) for symbol, raw in resources.items()]
            for pointer, symbol, raw in items:
                env.symbolic[symbol.lower()] = (pointer, raw)
        elif isinstance(resources, list):
            items = [(f"{env.pointer}/resources/{index}", None, raw) for index, raw in enumerate(resources)]
        else:
            self.error(file, getattr(template, "line", None), "'resources' must be an array or an object",
                       hint="list the resources in an array (or an object keyed by symbolic name)")
            return
        for pointer, symbol, raw in items:
            if self.stopped:
                return
            try:
                self.expand_resource(raw, env, pointer, symbol, None, env.inherited_unknown,
                                     getattr(template, "line", None))
            except WorkBudgetExceeded as exc:
                self.over_budget(exc, file, getattr(raw, "line", None))
                return
            except RecursionError:
                self.volatile = True
                self.error(file, getattr(raw, "line", None), f"the resource at {pointer} nests too deeply to expand",
                           hint="check nested deployments and variables for recursion")
            except Exception as exc:  # one broken resource must not hide the others
                self.unexpected(exc, file, getattr(raw, "line", None))
        self._resolve_depends_on(env)

    def _resolve_depends_on(self, env: _Env) -> None:
        """``dependsOn`` entries as ids where they name resources of this template: a symbolic name
        (2.0), a copy loop name, ``type/name`` or a plain resource name, as ARM accepts them."""
        declared: dict[str, list[str]] | None = None
        for resource in env.emitted:
            depends = resource.metadata.get("dependsOn")
            if not depends:
                continue
            resolved: list[Any] = []
            for item in depends:
                key = item.lower() if isinstance(item, str) else None
                if key is None or item.startswith("/"):
                    resolved.append(item)
                elif env.v2 and key in env.symbolic:
                    ids = env.emitted_by_symbol.get(key)
                    if ids:
                        resolved.extend(ids)
                        continue
                    identity = self.symbol_identity(env, key)
                    resolved.append(identity.id if identity is not None else item)
                else:
                    if declared is None:  # made when an entry needs it: most entries are ids already
                        declared = _declared_names(env.emitted)
                    resolved.extend(declared.get(key, [item]))
            resource.metadata["dependsOn"] = resolved

    def symbol_identity(self, env: _Env, key: str) -> _Identity | None:
        """The identity of a symbolic resource (2.0) for ``parent``/``scope``/``dependsOn`` references;
        None for a copy loop or what cannot be resolved."""
        if key in env.identities:
            return env.identities[key]
        entry = env.symbolic.get(key)
        if entry is None or key in env.resolving:
            return None
        _pointer, raw = entry
        if not isinstance(raw, dict) or "copy" in raw:
            env.identities[key] = None
            return None
        env.resolving.add(key)
        # An `existing` resource is only looked up, never deployed: its problems are not the template's.
        # (Problems of other resources are reported here or when they are expanded, once.)
        existing = raw.get("existing") is True
        self.quiet += existing
        try:
            identity = None
            if "condition" not in raw or _as_condition(self.evaluate(raw["condition"], env.scope, env.file, raw)) \
                    is not False:
                identity = self.identify(raw, env, env.scope, None)
        finally:
            self.quiet -= existing
            env.resolving.discard(key)
        env.identities[key] = identity
        return identity

    def expand_resource(self, raw: Any, env: _Env, pointer: str, symbol: str | None,
                        parent: _Identity | None, inherited_unknown: bool, holder_line: int | None = None) -> None:
        file = env.file
        if not isinstance(raw, dict):
            # A value that is not an object has no position of its own: the object holding it is named.
            self.error(file, holder_line, f"the resource at {pointer} is not an object",
                       hint="each resource is a JSON object")
            return
        if env.v2 and raw.get("existing") is True:
            return  # only referenced (dependsOn, parent, scope): resolved on demand
        copy = raw.get("copy")
        if copy is None:
            self.expand_instance(raw, env, pointer, symbol, parent, inherited_unknown, None)
            return
        line = getattr(raw, "line", None)
        if not isinstance(copy, dict):
            self.error(file, line, "resource 'copy' must be an object with name and count",
                       hint='write "copy": {"name": "...", "count": N}')
            return
        loop_name = copy.get("name")
        loop_name = loop_name if isinstance(loop_name, str) else "copy"
        count = self.copy_count(copy.get("count"), loop_name, env.scope, file, copy if getattr(copy, "line", None) else raw)
        loop_info: dict[str, Any] = {"name": loop_name}
        if isinstance(count, Unknown):
            # One representative instance (copyIndex() unknown) so that rules about each instance
            # evaluate; metadata["copy"]["countUnknown"] tells rules that count instances.
            self.notice(file, line, f"the number of copies of copy loop '{loop_name}' at {pointer} is unknown "
                                    f"({count.reason}); one representative instance is checked")
            unknown_index = Unknown(f"the index in copy loop '{loop_name}' is unknown: the number of copies is "
                                    f"unknown ({count.reason})", f"<{loop_name}[i]~{env.scope.symbols.tag}>")
            env.scope.loops.append((loop_name, unknown_index, True))  # type: ignore[arg-type]
            try:
                self.expand_instance(raw, env, pointer, symbol, parent, inherited_unknown,
                                     {**loop_info, "index": None, "countUnknown": True})
            finally:
                env.scope.loops.pop()
            return
        if count is None:
            return
        mode = copy.get("mode")
        if isinstance(mode, str) and mode.lower() == "serial":
            loop_info["mode"] = "serial"
            if isinstance(copy.get("batchSize"), int):
                loop_info["batchSize"] = copy["batchSize"]
        loops = env.scope.loops
        for index in range(count):
            if self.stopped:
                return
            spend_input(1)
            loops.append((loop_name, index, True))
            try:
                self.expand_instance(raw, env, pointer, symbol, parent, inherited_unknown, {**loop_info, "index": index})
            finally:
                loops.pop()

    def expand_instance(self, raw: Mapping[str, Any], env: _Env, pointer: str, symbol: str | None,
                        parent: _Identity | None, inherited_unknown: bool, loop: dict[str, Any] | None) -> None:
        file, scope = env.file, env.scope
        line = getattr(raw, "line", None)
        condition_unknown = inherited_unknown
        deployed = True
        if "condition" in raw:
            condition = _as_condition(self.evaluate(raw["condition"], scope, file, raw))
            if condition is False:
                deployed = False
                self.notice(file, line, f"the resource at {pointer} is not deployed: its condition is false",
                            kind="condition-false")
            elif isinstance(condition, Unknown):
                condition_unknown = True
                self.notice(file, line, f"the condition of the resource at {pointer} cannot be known before "
                                        f"deployment ({condition.reason}); the resource is checked as if deployed")
            elif condition is not True:
                self.error(file, line, f"the condition of the resource at {pointer} is not a boolean",
                           hint="make condition an expression that returns true or false")
                condition_unknown = True
        children = raw.get("resources")
        if not deployed and not isinstance(children, list):
            return
        # A resource that is not deployed is only named for its children, quietly.
        self.quiet += not deployed
        try:
            identity = self.identify(raw, env, scope, parent)
        finally:
            self.quiet -= not deployed
        if identity is None:
            return
        if deployed:
            self.emit_instance(raw, env, pointer, symbol, identity, condition_unknown, loop)
        if isinstance(children, list):
            # A condition does not cascade to child resources (ARM deploys them on their own conditions).
            for index, child in enumerate(children):
                if self.stopped:
                    return
                self.expand_resource(child, env, f"{pointer}/resources/{index}", None, identity, inherited_unknown,
                                     line)

    def emit_instance(self, raw: Mapping[str, Any], env: _Env, pointer: str, symbol: str | None,
                      identity: _Identity, condition_unknown: bool, loop: dict[str, Any] | None) -> None:
        file, scope = env.file, env.scope
        line = getattr(raw, "line", None)
        if identity.unknown is not None:
            self.notice(file, line, f"the name or type of the resource at {pointer} cannot be known before "
                                    f"deployment ({identity.unknown.reason}); its id uses the placeholder "
                                    f"{placeholder_text(identity.name.rsplit('/', 1)[-1])}")
        is_deployment = same_type(identity.type, _DEPLOYMENTS)
        body = JsonObject()
        body.line, body.column = line, getattr(raw, "column", None)
        # The members as a case-insensitive object takes them (a name written again in any case replaces
        # the value under its first spelling), gathered first and put in at once.
        members: list[list[Any]] = [["id", identity.id], ["name", identity.name_value], ["type", identity.type]]
        places = {"id": 0, "name": 1, "type": 2}
        for key, value in raw.items():
            lowered = key.lower()
            if lowered in _TEMPLATE_ONLY_KEYS:
                continue
            if is_deployment and lowered == "properties" and isinstance(value, dict):
                evaluated = self.deployment_properties(value, scope, file)
            else:
                evaluated = self.member(key, lowered, value, scope, file, raw, ())
            place = places.get(lowered)
            if place is None:
                places[lowered] = len(members)
                members.append([key, evaluated])
            else:
                members[place][1] = evaluated
        dict.update(body, members)  # type: ignore[arg-type]  # [name, value] lists are pairs too
        self.unnamed_inline_children(body, file, pointer)
        metadata = self.metadata(raw, env, symbol, condition_unknown, loop, identity)
        resource = Resource(id=identity.id, type=identity.type, name=placeholder_text(identity.name), body=body,
                            origin=Origin(file, line, getattr(raw, "column", None), pointer), source="template",
                            subscription_id=(_context_value(identity.placement.subscription_id)
                                             if identity.placement.scope in ("resourceGroup", "subscription")
                                             else None),
                            resource_group=(_context_value(identity.placement.resource_group)
                                            if identity.placement.scope == "resourceGroup" else None),
                            metadata=metadata)
        if not self.emit(resource, env):
            return
        if symbol is not None:
            env.emitted_by_symbol.setdefault(symbol.lower(), []).append(identity.id)
        if is_deployment:
            self.expand_deployment(raw, env, pointer, identity, condition_unknown)

    def unnamed_inline_children(self, body: Mapping[str, Any], file: str, pointer: str) -> None:
        """A notice for each inline child (subnet, peering, route...) whose name is only known at
        deployment: it is kept in the graph under a placeholder, and rules about it are unknown."""
        properties = body.get("properties")
        if not isinstance(properties, dict):
            return
        if not any(name.__class__ is str and name.lower() in _INLINE_CHILD_NAMES for name in properties):
            return  # most resources have none of these arrays: no case-insensitive lookup of each
        for array in _INLINE_CHILD_ARRAYS:
            items = properties.get(array)
            if not isinstance(items, list):
                continue
            for index, item in enumerate(items):
                name = item.get("name") if isinstance(item, dict) else None
                if isinstance(name, Unknown):
                    shown = placeholder_text(name.symbol) if name.symbol and "/" not in name.symbol else \
                        "a placeholder"
                    self.notice(file, getattr(item, "line", None) or getattr(body, "line", None),
                                f"the name of the inline {array} item {index} of the resource at {pointer} "
                                f"cannot be known before deployment ({name.reason}); it is checked under "
                                f"{shown}")

    def emit(self, resource: Resource, env: _Env) -> bool:
        if self.stopped:
            return False
        if len(self.resources) >= MAX_RESOURCES:
            self.stopped = True
            self.error(resource.origin.file, resource.origin.line,
                       f"the template expands to more than {MAX_RESOURCES} resources; expansion stopped",
                       hint="check copy loops and nested deployments, or split the template")
            return False
        self.resources.append(resource)
        env.emitted.append(resource)
        return True

    def metadata(self, raw: Mapping[str, Any], env: _Env, symbol: str | None, condition_unknown: bool,
                 loop: dict[str, Any] | None, identity: _Identity) -> dict[str, Any]:
        own = raw.get("metadata")
        metadata: dict[str, Any] = dict(own) if isinstance(own, dict) else {}
        if symbol is not None:
            metadata["symbolicName"] = symbol
        if condition_unknown:
            metadata["condition"] = "unknown"
        if loop is not None:
            metadata["copy"] = loop
        if identity.scope_id is not None:
            metadata["scope"] = identity.scope_id
        written_type = raw.get("type")
        if isinstance(written_type, str) and written_type != identity.type and "/" in written_type \
                and not written_type.startswith("["):
            metadata["writtenType"] = written_type
        if env.deployment_id is not None:
            metadata["deployment"] = env.deployment_id
        depends = raw.get("dependsOn")
        if isinstance(depends, list) and depends:
            metadata["dependsOn"] = [self.evaluate(item, env.scope, env.file, raw) for item in depends]
        return metadata

    # -- names and ids ------------------------------------------------------------------------------

    def identify(self, raw: Mapping[str, Any], env: _Env, scope: _Scope, parent: _Identity | None) -> _Identity | None:
        file = env.file
        line = getattr(raw, "line", None)
        if "type" not in raw or "name" not in raw:
            missing = "type" if "type" not in raw else "name"
            self.error(file, line, f"the resource has no '{missing}'", hint=f"give the resource a {missing}")
            return None
        unknown: Unknown | None = None
        if _is_expression(raw["type"]):
            self.error(file, line, "the type of the resource is an expression; ARM requires a literal type",
                       hint='write the resource type as text, e.g. "Microsoft.Network/virtualNetworks"')
            written_type: Any = Unknown("the type is written as an expression")
        else:
            written_type = self.evaluate(raw["type"], scope, file, raw)
        name = self.evaluate(raw["name"], scope, file, raw)
        if isinstance(name, int) and not isinstance(name, bool):
            name = str(name)
        if not isinstance(name, (str, Unknown)):
            name = Unknown("the name is not a string")
        symbolic_name: str | None = None
        if isinstance(name, Unknown):
            unknown = name
            # A name built from parameters without value: the id uses its symbol (<vnetName~t>), so
            # that references built by the same expression find the resource.
            if name.symbol is not None and not name.symbol.startswith("/") and name.symbol.strip("/"):
                symbolic_name = name.symbol
        if not isinstance(written_type, str):
            unknown = unknown or (written_type if isinstance(written_type, Unknown)
                                  else Unknown("the type is not a string"))
        parent_ref = raw.get("parent")
        if parent is None and isinstance(parent_ref, str) and env.v2:
            parent = self.symbol_identity(env, parent_ref.lower())
            if parent is None:
                self.error(file, line, f"parent '{parent_ref}' is not a symbolic name of this template "
                                       f"(or is a copy loop)", hint="name a single resource of this template")
        placement = self.placement_of(raw, scope, env)
        placeholder = _placeholder(line, env.deployment_id, scope.loops) if unknown is not None else UNKNOWN_SEGMENT
        if not isinstance(written_type, str):
            text_name = name if isinstance(name, str) else placeholder
            resource_id = f"{_scope_prefix(placement)}/providers/{UNKNOWN_SEGMENT}/{text_name}"
            return _Identity(resource_id, UNKNOWN_SEGMENT, text_name, name, UNKNOWN_SEGMENT,
                             tuple(text_name.split("/")), placement, None, unknown)
        full_type = written_type.strip().strip("/")
        if parent is not None and "." not in full_type.split("/", 1)[0]:
            # relative to the parent ("subnets", "providers/locks"); a full type starts with a namespace
            full_type = f"{parent.full_type}/{full_type}"
        type_parts = full_type.split("/")
        expected = len(type_parts) - 1  # "providers" consumes the extension's namespace segment
        written_name = name if isinstance(name, str) else symbolic_name
        if written_name is not None:
            name_parts = written_name.strip("/").split("/")
            if parent is not None and len(name_parts) < expected:
                name_parts = list(parent.name_parts) + name_parts
        else:
            prefix = list(parent.name_parts) if parent is not None else []
            name_parts = prefix + [placeholder] * max(expected - len(prefix), 1)
        if symbolic_name is not None and len(name_parts) != expected:
            prefix = list(parent.name_parts) if parent is not None else []
            name_parts = prefix + [placeholder] * max(expected - len(prefix), 1)
        if len(type_parts) < 2 or len(name_parts) != expected:
            self.error(file, line, f"the resource type '{full_type}' needs {expected} name segment(s) but the "
                                   f"name has {len(name_parts)}",
                       hint="give one name segment per type segment (e.g. 'vnet/subnet' for "
                            "Microsoft.Network/virtualNetworks/subnets)")
            return None
        scope_id = None
        if "scope" in raw and not same_type(full_type, _DEPLOYMENTS):
            scope_id = self.extension_scope(raw["scope"], scope, env, placement)
        segments: list[str] = ["providers", type_parts[0]]
        provider_marks = [0]
        consumed = 0
        for part in type_parts[1:]:
            if part.lower() == "providers":
                provider_marks.append(len(segments))
                segments += ["providers", name_parts[consumed]]
            else:
                segments += [part, name_parts[consumed]]
            consumed += 1
        if scope_id is not None:
            base = scope_id
        elif placement.scope == "subscription" and same_type(full_type, _RESOURCE_GROUPS):
            base = f"/subscriptions/{placement.subscription_id}"
            segments = ["resourceGroups", name_parts[0]]
        else:
            base = _scope_prefix(placement)
        resource_id = base + "/" + "/".join(segments)
        resource_type, resource_name = full_type, "/".join(name_parts)
        if len(provider_marks) > 1:
            # Legacy nested extension form (".../providers/diagnosticSettings" named "gw/Microsoft.Insights/x"):
            # the resource is the extension; what precedes the last /providers/ is its scope.
            mark = provider_marks[-1]
            scope_id = base + "/" + "/".join(segments[:mark])
            tail = segments[mark + 1:]
            resource_type = "/".join([tail[0]] + tail[1::2])
            resource_name = "/".join(tail[2::2])
        name_value: Any = name if isinstance(name, Unknown) else (
            resource_name if len(provider_marks) > 1 else "/".join(name_parts))
        if isinstance(name, str) and parent is not None and any(
                part.startswith("<") and part.endswith(">") for part in name_parts):
            name_value = Unknown("the parent's name is unknown", "/".join(name_parts))
        return _Identity(resource_id, resource_type, resource_name, name_value, full_type, tuple(name_parts),
                         placement, scope_id, unknown)

    def extension_scope(self, raw_scope: Any, scope: _Scope, env: _Env, placement: DeploymentContext) -> str:
        value = self.evaluate(raw_scope, scope, env.file, None)
        if isinstance(value, dict) and isinstance(value.get("id"), str):
            value = value["id"]
        if not isinstance(value, str):
            return UNKNOWN_SEGMENT
        value = value.strip()
        if env.v2 and "/" not in value and value.lower() in env.symbolic:
            identity = self.symbol_identity(env, value.lower())
            return identity.id if identity is not None else UNKNOWN_SEGMENT
        if value.startswith("/"):
            return value.rstrip("/")
        lowered = value.lower()
        if lowered.startswith(("subscriptions/", "providers/")):
            return "/" + value.rstrip("/")
        return f"{_scope_prefix(placement)}/providers/{value.rstrip('/')}"

    def placement_of(self, raw: Mapping[str, Any], scope: _Scope, env: _Env) -> DeploymentContext:
        """Where a resource lands: the template's placement, moved by ``subscriptionId``/``resourceGroup``
        (and, for a deployment, by ``scope``)."""
        placement = env.placement
        has_subscription = "subscriptionId" in raw
        has_group = "resourceGroup" in raw
        target_scope = raw["scope"] if "scope" in raw and same_type(str(raw.get("type", "")), _DEPLOYMENTS) else None
        if not has_subscription and not has_group and target_scope is None:
            return placement
        changes: dict[str, Any] = {}
        if has_subscription:
            changes["subscription_id"] = self._context_text(raw["subscriptionId"], "subscriptionId", scope, env, raw)
        if has_group:
            changes["resource_group"] = self._context_text(raw["resourceGroup"], "resourceGroup", scope, env, raw)
            changes["scope"] = "resourceGroup"
        elif has_subscription:
            changes["scope"] = "resourceGroup" if placement.scope == "resourceGroup" else "subscription"
        elif target_scope is not None:
            changes.update(_parse_scope(self.evaluate(target_scope, scope, env.file, raw), placement))
        return placement.with_(**changes)

    def _context_text(self, raw: Any, label: str, scope: _Scope, env: _Env, where: Any) -> str:
        value = self.evaluate(raw, scope, env.file, where)
        if isinstance(value, str) and value:
            return value
        reason = value.reason if isinstance(value, Unknown) else "not a string"
        self.notice(env.file, getattr(where, "line", None),
                    f"the {label} of the resource cannot be known before deployment ({reason}); "
                    f"ids use {UNKNOWN_SEGMENT}")
        return UNKNOWN_SEGMENT

    # -- nested deployments -------------------------------------------------------------------------

    def deployment_properties(self, properties: Mapping[str, Any], scope: _Scope, file: str) -> JsonObject:
        # The inner template is expanded into resources of its own and the parameters may carry
        # secrets: neither is kept in the deployment resource's body.
        out = JsonObject()
        out.line, out.column = getattr(properties, "line", None), getattr(properties, "column", None)
        for key, value in properties.items():
            lowered = key.lower()
            if lowered in ("template", "parameters"):
                continue
            evaluated = self.evaluate(value, scope, file, properties)
            if lowered in ("templatelink", "parameterslink") and isinstance(evaluated, dict):
                evaluated = JsonObject(evaluated)  # may be a variable's value, shared with others
                evaluated.line, evaluated.column = getattr(value, "line", None), getattr(value, "column", None)
                for link_key in [k for k in evaluated if k.lower() == "uri"]:
                    uri = evaluated[link_key]
                    if isinstance(uri, str) and "?" in uri:  # a SAS token is a credential
                        evaluated[link_key] = uri.partition("?")[0] + "?..."
            out[key] = evaluated
        return out

    def expand_deployment(self, raw: Mapping[str, Any], env: _Env, pointer: str, identity: _Identity,
                          inherited_unknown: bool) -> None:
        spend_input(1)
        file = env.file
        line = getattr(raw, "line", None)
        properties = raw.get("properties")
        if not isinstance(properties, dict):
            self.error(file, line, "the deployment has no 'properties' object",
                       hint="give properties.template or properties.templateLink")
            return
        if env.depth + 1 > MAX_NESTING_DEPTH:
            self.error(file, line, f"nested deployments go deeper than {MAX_NESTING_DEPTH} levels; "
                                   f"the deployment at {pointer} is not expanded",
                       hint="check for a deployment that links back to its own template")
            return
        deployment_name = identity.name if isinstance(identity.name_value, str) else env.placement.deployment_name
        target = identity.placement.with_(deployment_name=deployment_name)
        template = properties.get("template")
        link = properties.get("templateLink")
        if template is None and _is_expression(link):
            link = self.evaluate(link, env.scope, file, properties)
            if isinstance(link, Unknown):
                self.notice(file, line, f"the templateLink of the deployment at {pointer} cannot be known before "
                                        f"deployment ({link.reason}); its resources are not checked",
                            kind="not-expanded")
                return
        if _is_expression(template):
            # The inner template may be computed ([variables('template')], [json(...)]).
            template = self.evaluate(template, env.scope, file, properties)
            if isinstance(template, Unknown):
                self.notice(file, line, f"the template of the deployment at {pointer} cannot be known before "
                                        f"deployment ({template.reason}); its resources are not checked",
                            kind="not-expanded")
                return
        if template is not None:
            if not isinstance(template, dict):
                self.error(file, getattr(properties, "line", line), "properties.template is not an object",
                           hint="give the inner template as a JSON object")
                return
            self._expand_inline(template, properties, env, pointer, identity, target, inherited_unknown)
        elif isinstance(link, dict):
            self._expand_linked(link, properties, env, pointer, identity, target, inherited_unknown, raw)
        else:
            self.error(file, line, "the deployment has neither properties.template nor properties.templateLink",
                       hint="give an inline template or a templateLink")

    def _expand_inline(self, template: Mapping[str, Any], properties: Mapping[str, Any], env: _Env, pointer: str,
                       identity: _Identity, target: DeploymentContext, inherited_unknown: bool) -> None:
        outer_scope = env.scope
        options = properties.get("expressionEvaluationOptions")
        mode = self.evaluate(options.get("scope"), outer_scope, env.file, options) if isinstance(options, dict) else None
        inner_pointer = f"{pointer}/properties/template"
        v2 = isinstance(template.get("resources"), dict)
        if (isinstance(mode, str) and mode.lower() == "inner") or template.get("languageVersion") is not None:
            inputs = self.nested_inputs(properties.get("parameters"), outer_scope, env.file,
                                        getattr(properties, "line", None))
            context = target
            symbols = _Symbols(self, template, env.file, inner_pointer, inputs, context,
                               escape_passes=outer_scope.nested_escape_passes())
            symbols.check_inputs()
            inner_scope = _Scope(symbols, context)
        else:
            if properties.get("parameters"):
                self.notice(env.file, getattr(properties, "line", None),
                            f"the deployment at {pointer} passes parameters to a template evaluated in the "
                            f"outer scope; they are ignored", kind="info")
            # Outer scope: the inner template sees the parent's parameters, variables and context
            # (even resourceGroup()), and the loops of the deployment itself.
            # The deployment then evaluates the template it receives once more, in its own scope
            # (its own parameter defaults and variables): what a '[[' escape left is evaluated there.
            own = _Symbols(self, template, env.file, inner_pointer, {}, target)
            inner_scope = _Scope(outer_scope.symbols, outer_scope.context, list(outer_scope.loops),
                                 later=(*outer_scope.later, _Scope(own, target)))
        inner = _Env(file=env.file, base_dir=env.base_dir, pointer=inner_pointer, scope=inner_scope,
                     placement=target, depth=env.depth + 1, inherited_unknown=inherited_unknown,
                     deployment_id=identity.id, v2=v2)
        if inner_scope.symbols is not outer_scope.symbols:
            inner_scope.symbols.env = inner
        self.expand_template(template, inner)
        if isinstance(identity.name_value, str):
            outer_scope.symbols.deployments[identity.name.lower()] = (template, inner_scope, env.file)

    def _expand_linked(self, link: Mapping[str, Any], properties: Mapping[str, Any], env: _Env, pointer: str,
                       identity: _Identity, target: DeploymentContext, inherited_unknown: bool,
                       raw: Mapping[str, Any]) -> None:
        file, scope = env.file, env.scope
        line = getattr(raw, "line", None) or getattr(link, "line", None)
        if "relativePath" not in link:
            where = link.get("uri", link.get("id"))
            value = self.evaluate(where, scope, file, link)
            shown = _shown_uri(value)
            self.notice(file, line, f"linked template {shown} of the deployment at {pointer} was not fetched; "
                                    f"its resources are not checked", kind="not-expanded")
            return
        relative = self.evaluate(link["relativePath"], scope, file, link)
        if not isinstance(relative, str) or not relative:
            self.notice(file, line, f"the relativePath of the deployment at {pointer} cannot be known before "
                                    f"deployment; its resources are not checked", kind="not-expanded")
            return
        path = Path(os.path.normpath(env.base_dir / relative))
        linked_file = os.path.normpath(os.path.join(os.path.dirname(file), relative))
        data = self.read_link(path, relative, "templateLink", file, line, env.base_dir)
        if data is None:
            return
        try:
            reader = LINKED_READERS.get(path.suffix.lower())
            template = reader(path, linked_file) if reader is not None else loads(data, linked_file)
        except CheckerError as exc:
            self.record(exc, linked_file, None)
            return
        if not is_template(template):
            self.error(linked_file, getattr(template, "line", 1), "the linked template is not an ARM template",
                       hint="templateLink.relativePath must name a deployment template")
            return
        inputs = self.nested_inputs(properties.get("parameters"), scope, file, line)
        parameters_link = properties.get("parametersLink")
        if isinstance(parameters_link, dict):
            inputs.update(self._linked_parameters(parameters_link, env, pointer))
        symbols = _Symbols(self, template, linked_file, "", inputs, target)
        symbols.check_inputs()
        inner = _Env(file=linked_file, base_dir=path.parent, pointer="", scope=_Scope(symbols, target),
                     placement=target, depth=env.depth + 1, inherited_unknown=inherited_unknown,
                     deployment_id=identity.id, v2=isinstance(template.get("resources"), dict))
        symbols.env = inner
        self.expand_template(template, inner)
        if isinstance(identity.name_value, str):
            scope.symbols.deployments[identity.name.lower()] = (template, inner.scope, linked_file)

    def _linked_parameters(self, link: Mapping[str, Any], env: _Env, pointer: str) -> dict[str, _Input]:
        file, line = env.file, getattr(link, "line", None)
        if "relativePath" not in link:
            value = self.evaluate(link.get("uri"), env.scope, file, link)
            shown = _shown_uri(value)
            self.notice(file, line, f"parameter file {shown} of the deployment at {pointer} was not fetched; "
                                    f"its parameters have no value", kind="not-expanded")
            return {}
        relative = self.evaluate(link["relativePath"], env.scope, file, link)
        if not isinstance(relative, str) or not relative:
            return {}
        path = Path(os.path.normpath(env.base_dir / relative))
        parameters_file = os.path.normpath(os.path.join(os.path.dirname(file), relative))
        data = self.read_link(path, relative, "parametersLink", file, line, env.base_dir)
        if data is None:
            return {}
        try:
            doc = loads(data, parameters_file)
            if not is_parameter_file(doc):
                raise CheckerError("the linked parameter file is not a deploymentParameters document",
                                   file=parameters_file, line=getattr(doc, "line", 1),
                                   hint="parametersLink.relativePath must name a parameter file")
            values = read_parameter_file(doc, parameters_file)
        except CheckerError as exc:
            self.record(exc, parameters_file, None)
            return {}
        return {name.lower(): _Input(pv.value, pv.origin, "key-vault" if pv.key_vault else "parameter-file",
                                     name, checked=not pv.key_vault) for name, pv in values.items()}

    def nested_inputs(self, raw: Any, scope: _Scope, file: str, line: int | None = None) -> dict[str, _Input]:
        """A nested deployment's ``properties.parameters``, evaluated in the outer scope."""
        inputs: dict[str, _Input] = {}
        evaluated = False
        if _is_expression(raw):
            # All the parameters computed at once ([variables('parameters')]): an object of
            # {"value": ...} entries, or unknown before deployment (then no value is known here).
            where, evaluated = line, True
            raw = self.evaluate(raw, scope, file, None)
            if isinstance(raw, Unknown):
                self.notice(file, where, f"the parameters of a nested deployment cannot be known before "
                                         f"deployment ({raw.reason}); its parameters have no value",
                            kind="not-expanded")
                return inputs
        if not isinstance(raw, dict):
            return inputs
        for name, entry in raw.items():
            line = getattr(entry, "line", None) or getattr(raw, "line", None)
            origin = Origin(file, line, getattr(entry, "column", None))
            if isinstance(entry, dict) and isinstance(entry.get("reference"), dict):
                inputs[name.lower()] = _Input(Unknown(key_vault_reason(entry["reference"])), origin, "key-vault",
                                              name, checked=False)
            elif isinstance(entry, dict) and "value" in entry:
                if evaluated:
                    inputs[name.lower()] = _Input(entry["value"], origin, "expression", name, strict=False)
                    continue
                value = self.evaluate(entry["value"], scope, file, entry)
                inputs[name.lower()] = _Input(value, origin, self.classify(entry["value"], scope), name,
                                              strict=False)
            elif isinstance(entry, dict) and _is_property_loops(entry.get("copy")):
                # A property iteration whose result is the "value" property (Bicep module calls with [for ...]).
                wrapped = self.evaluate(entry, scope, file, raw)
                if isinstance(wrapped, dict) and "value" in wrapped:
                    inputs[name.lower()] = _Input(wrapped["value"], origin, "expression", name, strict=False,
                                                  checked=not isinstance(wrapped["value"], Unknown))
                else:
                    self.error(file, line, f"nested deployment parameter '{name}' has a copy loop that does not "
                                           f"give 'value'", hint='name the copy loop "value"')
            elif isinstance(entry, str) and entry.startswith("["):
                # Bicep writes optional module parameters as one expression giving {"value": ...}.
                wrapped = self.evaluate(entry, scope, file, raw)
                if isinstance(wrapped, dict) and "value" in wrapped:
                    inputs[name.lower()] = _Input(wrapped["value"], origin, "expression", name, strict=False)
                elif isinstance(wrapped, Unknown):
                    inputs[name.lower()] = _Input(wrapped, origin, "expression", name, checked=False)
                else:
                    self.error(file, line, f"nested deployment parameter '{name}' does not evaluate to "
                                           f"{{\"value\": ...}}", hint='write {"value": ...}')
            else:
                self.error(file, line, f"nested deployment parameter '{name}' has neither 'value' nor 'reference'",
                           hint='write {"value": ...}')
        return inputs


# ---------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------

def _declared_names(resources: list[Resource]) -> dict[str, list[str]]:
    """What a classic ``dependsOn`` may name, lower-cased, to the ids it stands for."""
    names: dict[str, list[str]] = {}
    for resource in resources:
        keys = {resource.name.lower(), f"{resource.type}/{resource.name}".lower()}
        written = resource.metadata.get("writtenType")
        body_name = resource.body.get("name")
        if isinstance(written, str) and isinstance(body_name, str):
            keys.add(f"{written}/{body_name}".lower())
        loop = resource.metadata.get("copy")
        if isinstance(loop, dict) and isinstance(loop.get("name"), str):
            keys.add(loop["name"].lower())
        for key in keys:
            ids = names.setdefault(key, [])
            if resource.id not in ids:
                ids.append(resource.id)
    return names


def _is_expression(value: Any) -> bool:
    """A string ARM evaluates: ``[...]`` but not the escaped literal ``[[...``."""
    return isinstance(value, str) and value.startswith("[") and value.endswith("]") and not value.startswith("[[")


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _shown_uri(value: Any) -> str:
    """A linked template's URI for a notice, without its query string (a SAS token is a credential)."""
    if not isinstance(value, str):
        return "(its URI is only known at deployment time)"
    base, _, query = value.partition("?")
    return f"'{base}?...'" if query else f"'{base}'"


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _placeholder(line: int | None, deployment_id: str | None, loops: list[tuple[str, int, bool]]) -> str:
    """An id segment for a name only known at deployment time. Distinct per resource instance, so two
    resources with unknown names never share an id (and never merge in the graph)."""
    if deployment_id is None and not loops:
        return f"{UNKNOWN_SEGMENT[:-1]}@{line}>"
    context = repr((deployment_id, [index for _name, index, _resource_loop in loops]))
    digest = sha256(context.encode("utf-8")).hexdigest()[:6]
    return f"{UNKNOWN_SEGMENT[:-1]}@{line}-{digest}>"


def _context_value(value: str) -> str | None:
    return value if value else None


def _scope_prefix(context: DeploymentContext) -> str:
    if context.scope == "resourceGroup":
        return f"/subscriptions/{context.subscription_id}/resourceGroups/{context.resource_group}"
    if context.scope == "subscription":
        return f"/subscriptions/{context.subscription_id}"
    if context.scope == "managementGroup":
        return f"/providers/Microsoft.Management/managementGroups/{context.management_group}"
    return ""


def _parse_scope(value: Any, placement: DeploymentContext) -> dict[str, Any]:
    """A deployment's ``scope`` property (``Microsoft.Management/managementGroups/x``, ``/``,
    ``/subscriptions/s/resourceGroups/g``) as context changes."""
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        value = value["id"]
    if not isinstance(value, str):
        return {}
    parts = [part for part in value.split("/") if part]
    lowered = [part.lower() for part in parts]
    if not parts:
        return {"scope": "tenant"}
    if "managementgroups" in lowered:
        index = lowered.index("managementgroups")
        if index + 1 < len(parts):
            return {"scope": "managementGroup", "management_group": parts[index + 1]}
    changes: dict[str, Any] = {}
    if "subscriptions" in lowered and lowered.index("subscriptions") + 1 < len(parts):
        changes["subscription_id"] = parts[lowered.index("subscriptions") + 1]
        changes["scope"] = "subscription"
    if "resourcegroups" in lowered and lowered.index("resourcegroups") + 1 < len(parts):
        changes["resource_group"] = parts[lowered.index("resourcegroups") + 1]
        changes["scope"] = "resourceGroup"
    return changes


def _as_condition(value: Any) -> Any:
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


def _is_property_loops(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(
        isinstance(loop, dict) and isinstance(loop.get("name"), str) and "input" in loop for loop in value)


def _is_secret_path(path: tuple[str, ...]) -> bool:
    """``properties.sharedKey``, ``properties.authorizationKey``,
    ``properties.peerings[*].properties.sharedKey`` and ``adminPassword`` anywhere."""
    lowered = [part.lower() for part in path]
    leaf = lowered[-1]
    if leaf == "adminpassword":
        return True
    if len(lowered) == 2 and lowered[0] == "properties":
        return True
    return (len(lowered) == 5 and lowered[0] == "properties" and lowered[1] == "peerings"
            and lowered[2].isdigit() and lowered[3] == "properties" and leaf == "sharedkey")


def _seal_secrets(value: Any, path: tuple[str, ...], classify: Callable[[Any], str] | None = None,
                  raw: Any = None) -> Any:
    """Wrap plain strings at secret paths inside a value an expression produced (``[variables('props')]``).
    ``raw`` is the written form at the same place when known (a variable's definition), which
    ``classify`` turns into the secret's source; else the source is ``expression``.
    Copy on write: the value may be a variable shared with other resources."""
    def raw_child(key: Any) -> Any:
        if isinstance(raw, dict):
            return raw.get(key)
        if isinstance(raw, list) and isinstance(key, int) and key < len(raw):
            return raw[key]
        return None

    if isinstance(value, dict):
        changed: dict[str, Any] = {}
        for key, item in value.items():
            child = path + (str(key),)
            if isinstance(item, str) and key.lower() in _SECRET_LEAVES and _is_secret_path(child):
                written = raw_child(key)
                source = classify(written) if classify is not None and isinstance(written, str) else "expression"
                changed[key] = _make_secret(item, source, None)
            elif isinstance(item, (dict, list)):
                sealed = _seal_secrets(item, child, classify, raw_child(key))
                if sealed is not item:
                    changed[key] = sealed
        if not changed:
            return value
        copy = JsonObject(value)
        copy.line, copy.column = getattr(value, "line", None), getattr(value, "column", None)
        copy.update(changed)
        return copy
    if isinstance(value, list):
        items = [_seal_secrets(item, path + (str(index),), classify, raw_child(index))
                 if isinstance(item, (dict, list)) else item
                 for index, item in enumerate(value)]
        return items if any(new is not old for new, old in zip(items, value)) else value
    return value


def _written_source(text: str, symbols: Any) -> str:
    """The secret source of a string written at a secret position inside a variable's definition."""
    if not text or text[0] != "[" or text[-1] != "]" or text.startswith("[["):
        return "template-literal"
    return _expression_source(text, symbols)


@functools.cache
def _variable_reference() -> re.Pattern[str]:  # compiled on first use (a rare path)
    return re.compile(r"^\[\s*variables\(\s*'((?:[^']|'')*)'\s*\)\s*\]$", re.IGNORECASE)


def _written_form(raw: str, symbols: Any) -> Any:
    """The definition behind ``[variables('name')]`` (for secrets sealed inside it), else None."""
    match = _variable_reference().match(raw)
    if match is None:
        return None
    definition = symbols.variable_definitions.get(match.group(1).replace("''", "'").lower())
    return definition[1] if definition is not None and definition[2] is None else None


#: functions whose result depends only on their arguments (no deployment context, no randomness, no
#: other resource): a key built only with these from literals is written in the inputs
_PURE_FUNCTIONS = frozenset({
    "concat", "format", "string", "tolower", "toupper", "trim", "replace", "substring", "base64",
    "base64tostring", "base64tojson", "padleft", "take", "skip", "first", "last", "join", "split", "createobject",
    "createarray", "json", "if", "coalesce", "equals", "not", "and", "or", "array", "int", "length", "empty",
    "contains", "union", "intersection", "datauri", "datauritostring", "uricomponent", "uricomponenttostring",
    "startswith", "endswith", "indexof", "lastindexof", "bool", "min", "max", "add", "sub", "mul", "div", "mod",
    "range", "items", "tryget", "objectkeys", "filter", "map", "reduce", "sort", "lambda", "lambdavariables",
    "null", "true", "false", "variables", "parameters",
})
_WRITTEN_SOURCES = ("template-literal", "parameter-file", "parameter-default")


# The patterns below are compiled on first use: only a secret computed by an expression needs them.
@functools.cache
def _function_call() -> re.Pattern[str]:
    return re.compile(r"([A-Za-z_][\w.]*)\s*\(")


@functools.cache
def _quoted() -> re.Pattern[str]:
    return re.compile(r"'(?:[^']|'')*'")


@functools.cache
def _named() -> dict[str, re.Pattern[str]]:
    return {kind: re.compile(rf"\b{kind}\s*\(\s*('(?:[^']|'')*')?", re.IGNORECASE) for kind in ("variables", "parameters")}


def _expression_source(raw: str, symbols: Any) -> str:
    """The secret source of a known value computed by an expression: ``template-literal`` when it is
    made only of literals (through pure functions and variables), the parameter's source when it takes
    parameters (the least exposed one wins: a secure parameter in ``concat()`` keeps the key secret),
    ``expression`` when anything else (a deployment-time function, a computed name) takes part."""
    sources: set[str] = set()
    seen: set[str] = set()
    pending: list[Any] = [raw]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.values())
            continue
        if isinstance(item, list):
            pending.extend(item)
            continue
        if not isinstance(item, str) or not item.startswith("[") or item.startswith("[["):
            continue
        if len(seen) > 200:
            return "expression"
        bare = _quoted().sub("''", item)
        if any(name.lower() not in _PURE_FUNCTIONS for name in _function_call().findall(bare)):
            return "expression"
        for kind, pattern in _named().items():
            for found in pattern.finditer(item):
                if found.group(1) is None:
                    return "expression"  # a computed name
                name = found.group(1)[1:-1].replace("''", "'").lower()
                if kind == "parameters":
                    sources.add(symbols.parameter_source(name))
                elif name not in seen:
                    seen.add(name)
                    definition = symbols.variable_definitions.get(name)
                    if definition is None:
                        return "expression"
                    pending.append(definition[1] if definition[2] is None else definition[2])
    if not sources:
        return "template-literal"
    for exposed_least in ("key-vault", "secure-parameter", "expression", "plain-parameter"):
        if exposed_least in sources:
            return exposed_least
    for written in _WRITTEN_SOURCES:
        if written in sources:
            return written
    return "expression"


def _make_secret(value: Any, source: str, origin: Origin | None) -> Any:
    if isinstance(value, Secret):
        return value
    if value is None:
        return None
    if isinstance(value, str):
        global _secret_values
        _secret_values += 1
        return Secret.of(value, source, origin, weak_values=WEAK_SECRET_VALUES, min_length=MIN_SECRET_LENGTH)
    return Secret(source=source, origin=origin)


_TYPE_CHECKS = {
    "string": lambda v: isinstance(v, str),
    "securestring": lambda v: isinstance(v, str),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "bool": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "secureobject": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
}


def _value_problem(spec: _ParameterSpec, value: Any, ranges: bool = True) -> tuple[str, str] | None:
    """Why a value does not fit a parameter declaration (message, hint), or None. Messages never
    show the value itself: it may be a secret."""
    check = _TYPE_CHECKS.get(spec.type or "")
    if check is not None and not check(value):
        return (f"parameter '{spec.name}' is declared as {spec.type} but the value given is {kind_of(value)}",
                f"give a {spec.type} value (e.g. no quotes around numbers and booleans)")
    if spec.allowed is not None:
        candidates = value if spec.type == "array" and isinstance(value, list) else [value]
        for candidate in candidates:
            if not any(equals_ci(candidate, allowed) for allowed in spec.allowed):
                shown = ", ".join(str(a) for a in spec.allowed[:12]) + (", ..." if len(spec.allowed) > 12 else "")
                return (f"the value given for parameter '{spec.name}' is not one of its allowed values ({shown})",
                        "use one of the allowed values, or change allowedValues in the template")
    c = spec.constraints if ranges else {}
    if isinstance(value, int) and not isinstance(value, bool):
        if "minValue" in c and value < c["minValue"]:
            return f"the value given for parameter '{spec.name}' is below its minValue {c['minValue']}", \
                "give a larger value"
        if "maxValue" in c and value > c["maxValue"]:
            return f"the value given for parameter '{spec.name}' is above its maxValue {c['maxValue']}", \
                "give a smaller value"
    if isinstance(value, (str, list)):
        if "minLength" in c and len(value) < c["minLength"]:
            return f"the value given for parameter '{spec.name}' is shorter than its minLength {c['minLength']}", \
                "give a longer value"
        if "maxLength" in c and len(value) > c["maxLength"]:
            return f"the value given for parameter '{spec.name}' is longer than its maxLength {c['maxLength']}", \
                "give a shorter value"
    return None


__all__ = ["MAX_COPY_COUNT", "MAX_NESTING_DEPTH", "MAX_REFERENCE_DEPTH", "MAX_RESOURCES", "MAX_VALUE_NODES",
           "ParameterValue", "TemplateLoad", "UNKNOWN_SEGMENT", "WEAK_SECRET_VALUES", "expand_template",
           "is_parameter_file", "is_template", "read_parameter_file", "scope_of_schema"]
