"""A parsed Bicep file to the ARM template the Bicep compiler would emit (``languageVersion`` 2.0: resources
keyed by symbolic name), so the ARM engine expands it. Expressions become ARM expression strings
(``[format('{0}-pip', parameters('name'))]``) as the compiler writes them; every object of the template
is a :class:`JsonObject` whose line and column are those of the Bicep text it comes from, so resources
and their properties point at the ``.bicep`` line.

What cannot be translated raises :class:`UnsupportedBicep` naming the construct and its line: nothing is
skipped silently.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lark import Token, Tree

from checker.model import CheckerError
from checker.sources.bicep.parser import StringValue
from checker.sources.decode import JsonObject

#: The API version the compiler gives module deployments.
MODULE_API_VERSION = "2022-09-01"

_SCHEMAS = {
    "resourceGroup": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "subscription": "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#",
    "managementGroup": "https://schema.management.azure.com/schemas/2019-08-01/managementGroupDeploymentTemplate.json#",
    "tenant": "https://schema.management.azure.com/schemas/2019-08-01/tenantDeploymentTemplate.json#",
}

_BINARY = {"+": "add", "-": "sub", "*": "mul", "/": "div", "%": "mod", "&&": "and", "||": "or",
           "<": "less", "<=": "lessOrEquals", ">": "greater", ">=": "greaterOrEquals", "??": "coalesce"}
_SIMPLE_TYPES = {"string", "int", "bool", "object", "array"}
_PARAM_CONSTRAINTS = ("minValue", "maxValue", "minLength", "maxLength")


class UnsupportedBicep(CheckerError):
    """A Bicep construct this reader does not translate (named in the message)."""


@dataclass
class _Resource:
    symbol: str
    type: str
    api: str | None
    name: Tree | None
    parent: str | None
    existing: bool
    module: bool
    loop: tuple[str | None, str | None, Tree] | None  # item variable, index variable, iterated expression
    scope: Tree | None
    node: Tree


@dataclass
class _Env:
    """Names bound by loops, lambdas and function parameters, as ARM expression text."""

    bound: dict[str, str] = field(default_factory=dict)
    copy_loop: str | None = None

    def bind(self, **names: str) -> _Env:
        merged = dict(self.bound)
        merged.update(names)
        return _Env(merged, self.copy_loop)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _tokens(tree: Tree) -> list[Token]:
    return [child for child in tree.children if isinstance(child, Token)]


def _trees(tree: Tree) -> list[Tree]:
    return [child for child in tree.children if isinstance(child, Tree)]


def _line(node: Any) -> int | None:
    if isinstance(node, Token):
        return node.line
    meta = getattr(node, "meta", None)
    return getattr(meta, "line", None) if meta is not None and not getattr(meta, "empty", True) else None


def _column(node: Any) -> int | None:
    if isinstance(node, Token):
        return node.column
    meta = getattr(node, "meta", None)
    return getattr(meta, "column", None) if meta is not None and not getattr(meta, "empty", True) else None


def _obj(node: Any = None) -> JsonObject:
    obj = JsonObject()
    obj.line, obj.column = _line(node), _column(node)
    return obj


def _literal_string(node: Any) -> str | None:
    if isinstance(node, Token) and isinstance(node.value, StringValue):
        return node.value.literal
    if isinstance(node, Tree) and node.data == "string":
        return _literal_string(node.children[0])
    return None


class Translator:
    """One Bicep file to one template. ``load_module(path, line)`` gives the template of a local module
    (the reader supplies it); ``load_import(path, line)`` gives another Bicep file's translator."""

    def __init__(self, tree: Tree, file: str, base_dir: Path, *,
                 load_import: Callable[[str, Any], Translator] | None = None) -> None:
        self.tree = tree
        self.file = file
        self.base_dir = base_dir
        self.load_import = load_import
        self.target_scope = "resourceGroup"
        self.params: dict[str, Tree] = {}
        self.variables: dict[str, Tree] = {}
        self.resources: dict[str, _Resource] = {}
        self.functions: dict[str, Tree] = {}
        self.types: dict[str, Any] = {}  # name -> type node, or None when imported from a registry
        self.imported_variables: dict[str, Any] = {}  # name -> JSON value of an imported variable
        self.namespaces: set[str] = set()
        self.notices: list[tuple[int | None, str]] = []
        self.using: str | None = None
        self._foreign_types: dict[str, Translator] = {}
        self._foreign_functions: dict[str, Translator] = {}
        self._collect()

    # -- errors -------------------------------------------------------------------------------------

    def unsupported(self, what: str, node: Any) -> UnsupportedBicep:
        return UnsupportedBicep(f"Bicep construct not supported: {what}", file=self.file, line=_line(node),
                                column=_column(node),
                                hint="compile the file with 'bicep build' and scan the JSON, or rewrite this part")

    # -- declarations -------------------------------------------------------------------------------

    def _collect(self) -> None:
        for statement in _trees(self.tree):
            declaration = _trees(statement)[-1]
            kind = declaration.data
            tokens = _tokens(declaration)
            if kind == "target_scope":
                scope = _literal_string(_trees(declaration)[0])
                if scope not in _SCHEMAS:
                    raise self.unsupported(f"targetScope {scope!r}", declaration)
                self.target_scope = scope
            elif kind in ("param_decl", "param_resource"):
                self.params[tokens[1].value] = statement
            elif kind == "var_decl":
                self.variables[tokens[1].value] = statement
            elif kind == "resource_decl":
                self._collect_resource(statement, declaration, None)
            elif kind == "module_decl":
                name = tokens[1].value
                self.resources[name] = _Resource(name, "Microsoft.Resources/deployments", MODULE_API_VERSION,
                                                 None, None, False, True, None, None, statement)
                self._describe_body(self.resources[name], _trees(declaration)[-1])
            elif kind == "type_decl":
                self.types[tokens[1].value] = _trees(declaration)[-1]
            elif kind == "func_decl":
                self.functions[tokens[1].value] = declaration
            elif kind == "import_decl":
                self._import(declaration)
            elif kind == "import_all":
                self.namespaces.add(tokens[3].value)
                source = tokens[-1].value.literal or ""
                if not _is_local(source):
                    self.notices.append((_line(declaration), f"types imported from '{source}' are not read; "
                                                             f"values of these types are not checked against them"))
            elif kind in ("import_provider", "extension_decl"):
                continue
            elif kind == "using_decl":
                self.using = _literal_string(tokens[1]) if isinstance(tokens[1].value, StringValue) else None
            elif kind in ("metadata_decl", "output_decl", "output_resource"):
                continue
            else:  # pragma: no cover - every statement of the grammar is listed
                raise self.unsupported(kind, declaration)

    def _import(self, declaration: Tree) -> None:
        tokens = _tokens(declaration)
        source_token = tokens[-1]
        source = source_token.value.literal if isinstance(source_token.value, StringValue) else None
        items = [(_tokens(item)[0].value, _tokens(item)[-1].value) for item in _trees(declaration)]
        if source is None or not _is_local(source):
            for _, alias in items:
                self.types[alias] = None
            self.notices.append((_line(declaration), f"types imported from '{source}' are not read (registry); "
                                                     f"values of these types are not checked against them"))
            return
        if self.load_import is None:
            raise self.unsupported(f"import from '{source}'", declaration)
        other = self.load_import(source, declaration)
        for original, alias in items:
            if original in other.types:
                self.types[alias] = other.types[original]
                # the other file's type names resolve in its own translator
                self._foreign_types[alias] = other
            elif original in other.variables:
                self.imported_variables[alias] = other.variable_value(original)
            elif original in other.functions:
                self.functions[alias] = other.functions[original]
                self._foreign_functions[alias] = other
            else:
                raise UnsupportedBicep(f"'{original}' is not exported by '{source}'", file=self.file,
                                       line=_line(declaration), hint="check the name in the import statement")

    def _collect_resource(self, statement: Tree, declaration: Tree, parent: _Resource | None) -> None:
        tokens = _tokens(declaration)
        symbol = tokens[1].value
        type_text = _literal_string(tokens[2])
        if type_text is None:
            raise self.unsupported("a resource type with interpolation", declaration)
        type_name, _, api = type_text.partition("@")
        if parent is not None:
            if "/" not in type_name or "." not in type_name.split("/", 1)[0]:
                type_name = f"{parent.type}/{type_name}"
            api = api or (parent.api or "")
            symbol = f"{parent.symbol}::{symbol}"
        existing = any(t.type == "EXISTING" for t in tokens)
        resource = _Resource(symbol, type_name, api or None, None, parent.symbol if parent else None, existing,
                             False, None, None, statement)
        self.resources[symbol] = resource
        self._describe_body(resource, _trees(declaration)[-1])

    def _describe_body(self, resource: _Resource, body: Tree) -> None:
        node = body
        if node.data == "for_expr":
            variables, iterated, inner = self._for_parts(node)
            resource.loop = (variables[0], variables[1], iterated)
            node = inner
        if node.data == "if_body":
            node = _trees(node)[-1]
        if node.data != "object":
            raise self.unsupported(f"a resource body written as {node.data}", node)
        for item in _trees(node):
            if item.data == "property":
                key = self.property_key(item)
                value = _trees(item)[-1]
                if key == "name":
                    resource.name = value
                elif key == "parent":
                    if value.data != "variable":
                        raise self.unsupported("a parent that is not a resource symbol", value)
                    resource.parent = _tokens(value)[0].value
                elif key == "scope":
                    resource.scope = value
            elif item.data == "nested_resource":
                self._collect_resource(item, item, resource)

    def _for_parts(self, node: Tree) -> tuple[tuple[str | None, str | None], Tree, Tree]:
        parts = _trees(node)
        names = [t.value for t in _tokens(parts[0])]
        variables = (names[0], names[1] if len(names) > 1 else None)
        return variables, parts[1], parts[2]

    def property_key(self, item: Tree) -> str:
        key_node = next(t for t in _trees(item) if t.data == "property_key")
        token = _tokens(key_node)[0]
        if token.type == "NAME":
            return str(token.value)
        literal = token.value.literal
        if literal is None:
            raise self.unsupported("a property name with interpolation", item)
        return str(literal)

    def _key_expr(self, item: Tree, env: _Env) -> str:
        token = _tokens(next(t for t in _trees(item) if t.data == "property_key"))[0]
        if token.type == "NAME":
            return _quote(str(token.value))
        return self.expr(Tree("string", [token]), env)

    def _literal_keys(self, node: Tree) -> bool:
        for item in _trees(node):
            if item.data == "property":
                token = _tokens(next(t for t in _trees(item) if t.data == "property_key"))[0]
                if token.type != "NAME" and token.value.literal is None:
                    return False
        return True

    # -- the template -------------------------------------------------------------------------------

    def template(self) -> JsonObject:
        template = _obj(self.tree)
        template["$schema"] = _SCHEMAS[self.target_scope]
        template["languageVersion"] = "2.0"
        template["contentVersion"] = "1.0.0.0"
        metadata = _obj()
        parameters = _obj()
        variables = _obj()
        resources = _obj()
        outputs = _obj()
        functions: list[Any] = []
        for statement in _trees(self.tree):
            declaration = _trees(statement)[-1]
            kind = declaration.data
            tokens = _tokens(declaration)
            decorators = self.decorators(statement)
            if kind == "metadata_decl":
                metadata[tokens[1].value] = self.value(_trees(declaration)[-1], _Env())
            elif kind in ("param_decl", "param_resource"):
                parameters[tokens[1].value] = self.parameter(statement, declaration, decorators)
            elif kind == "var_decl":
                variables[tokens[1].value] = self.value(_trees(declaration)[-1], _Env())
            elif kind in ("output_decl", "output_resource"):
                outputs[tokens[1].value] = self.output(declaration, decorators)
            elif kind == "func_decl":
                functions.append(self.function(declaration))
        for name, value in self.imported_variables.items():
            variables[name] = value
        for resource in self.resources.values():
            resources[resource.symbol] = self.resource(resource)
        if metadata:
            template["metadata"] = metadata
        if functions:
            members = _obj()
            for name, member in functions:
                members[name] = member
            template["functions"] = [{"namespace": "__bicep", "members": members}]
        template["parameters"] = parameters
        if variables:
            template["variables"] = variables
        template["resources"] = resources
        template["outputs"] = outputs
        return template

    def variable_value(self, name: str) -> Any:
        return self.value(_trees(_trees(self.variables[name])[-1])[-1], _Env())

    def decorators(self, statement: Tree) -> dict[str, list[Tree]]:
        found: dict[str, list[Tree]] = {}
        for decorator in _trees(statement):
            if decorator.data != "decorator":
                continue
            call = _trees(decorator)[0]
            if call.data == "call":
                name = _tokens(call)[0].value
                args = _trees(_trees(call)[-1])
            elif call.data == "method_call" and _trees(call)[0].data == "variable" \
                    and _tokens(_trees(call)[0])[0].value == "sys":
                name = _tokens(call)[0].value
                args = _trees(_trees(call)[-1])
            else:
                raise self.unsupported("this decorator form", decorator)
            found[str(name)] = args
        return found

    def parameter(self, statement: Tree, declaration: Tree, decorators: dict[str, list[Tree]]) -> JsonObject:
        spec = _obj(declaration)
        trees = _trees(declaration)
        if declaration.data == "param_resource":
            spec["type"] = "string"
            default = trees[0] if trees else None
        else:
            type_node = trees[0] if trees and trees[0].data.startswith("type") else None
            default = trees[1] if type_node is not None and len(trees) > 1 else (
                trees[0] if type_node is None and trees else None)
            if type_node is not None:
                spec.update(self.type_spec(type_node))
        if "secure" in decorators:
            spec["type"] = "secureObject" if spec.get("type") == "object" else "securestring"
        if default is not None:
            spec["defaultValue"] = self.value(default, _Env())
        if "allowed" in decorators:
            spec["allowedValues"] = self.value(decorators["allowed"][0], _Env())
        for key in _PARAM_CONSTRAINTS:
            if key in decorators:
                spec[key] = self.value(decorators[key][0], _Env())
        metadata = self.decorator_metadata(decorators)
        if metadata:
            spec["metadata"] = metadata
        return spec

    def decorator_metadata(self, decorators: dict[str, list[Tree]]) -> dict[str, Any]:
        metadata: dict[str, Any] = {}
        if "metadata" in decorators:
            value = self.value(decorators["metadata"][0], _Env())
            if isinstance(value, dict):
                metadata.update(value)
        if "description" in decorators:
            metadata["description"] = self.value(decorators["description"][0], _Env())
        return metadata

    def output(self, declaration: Tree, decorators: dict[str, list[Tree]]) -> JsonObject:
        spec = _obj(declaration)
        trees = _trees(declaration)
        if declaration.data == "output_resource":
            spec["type"] = "string"
            spec["value"] = "[" + self.expr(Tree("member", [trees[-1], Token("NAME", "id")]), _Env()) + "]"
        else:
            spec.update({k: v for k, v in self.type_spec(trees[0]).items() if k in ("type", "nullable")})
            if "secure" in decorators:
                spec["type"] = "secureObject" if spec.get("type") == "object" else "securestring"
            spec["value"] = self.value(trees[-1], _Env())
        metadata = self.decorator_metadata(decorators)
        if metadata:
            spec["metadata"] = metadata
        return spec

    def function(self, declaration: Tree) -> tuple[str, JsonObject]:
        tokens = _tokens(declaration)
        trees = _trees(declaration)
        params = [t for t in trees if t.data == "func_param"]
        env = _Env({_tokens(p)[0].value: f"parameters({_quote(_tokens(p)[0].value)})" for p in params})
        member = _obj(declaration)
        member["parameters"] = [dict(name=_tokens(p)[0].value, **self.type_spec(_trees(p)[0])) for p in params]
        output = {k: v for k, v in self.type_spec(trees[-2]).items() if k in ("type", "nullable")}
        output["value"] = "[" + self.expr(trees[-1], env) + "]"
        member["output"] = output
        return tokens[1].value, member

    # -- types --------------------------------------------------------------------------------------

    def type_spec(self, node: Tree, depth: int = 0) -> dict[str, Any]:
        """The ARM declaration of a Bicep type: its base type, allowed values and nullability. A type
        that cannot be known here (imported from a registry, derived from a resource schema) gives no
        ``type``: values are not checked against it."""
        if depth > 32:
            raise self.unsupported("a type that refers to itself", node)
        kind = node.data
        if kind == "type_name":
            name = str(_tokens(node)[0].value)
            if name in _SIMPLE_TYPES:
                return {"type": name}
            if name == "any":
                return {}
            if name in self.types:
                target = self.types[name]
                if target is None:
                    return {}
                owner = self._foreign_types.get(name, self)
                return owner.type_spec(target, depth + 1)
            raise UnsupportedBicep(f"unknown type '{name}'", file=self.file, line=_line(node), column=_column(node),
                                   hint="declare the type, import it, or use string, int, bool, object or array")
        if kind == "type_nullable":
            inner = self.type_spec(_trees(node)[0], depth + 1)
            inner["nullable"] = True
            return inner
        if kind in ("type_array", "type_tuple"):
            return {"type": "array"}
        if kind == "type_object":
            return {"type": "object"}
        if kind == "type_literal":
            token = _tokens(node)[0]
            if token.type == "STRING":
                return {"type": "string", "allowedValues": [token.value.literal]}
            if token.type == "INT":
                return {"type": "int", "allowedValues": [token.value]}
            if token.type in ("TRUE", "FALSE"):
                return {"type": "bool", "allowedValues": [token.type == "TRUE"]}
            return {"nullable": True}  # the null literal type
        if kind == "type_negative":
            return {"type": "int", "allowedValues": [-_tokens(node)[-1].value]}
        if kind == "type_union":
            members = [self.type_spec(t, depth + 1) for t in _trees(node)]
            nullable = any(m == {"nullable": True} for m in members)
            concrete = [m for m in members if m != {"nullable": True}]
            types = {m.get("type") for m in concrete}
            spec: dict[str, Any] = {}
            if len(types) == 1 and None not in types:
                spec["type"] = types.pop()
                if all("allowedValues" in m for m in concrete):
                    spec["allowedValues"] = [v for m in concrete for v in m["allowedValues"]]
            if nullable:
                spec["nullable"] = True
            return spec
        if kind in ("type_qualified", "type_resource", "type_member", "type_index"):
            return {}
        raise self.unsupported(f"the type form {kind}", node)

    # -- resources ----------------------------------------------------------------------------------

    def resource(self, resource: _Resource) -> JsonObject:
        statement = resource.node
        declaration = _trees(statement)[-1] if statement.data == "statement" else statement
        body = _trees(declaration)[-1]
        decorators = self.decorators(statement) if statement.data == "statement" else self._item_decorators(statement)
        raw = _obj(declaration)
        env = _Env()
        condition = None
        if body.data == "for_expr":
            item, index, iterated = resource.loop  # type: ignore[misc]
            copy: dict[str, Any] = {"name": resource.symbol}
            array = self.expr(iterated, env)
            copy["count"] = f"[length({array})]"
            if "batchSize" in decorators:
                copy["mode"] = "serial"
                copy["batchSize"] = self.value(decorators["batchSize"][0], env)
            bound: dict[str, str] = {}
            if item is not None:
                bound[item] = f"{array}[copyIndex()]"
            if index is not None:
                bound[index] = "copyIndex()"
            env = _Env(dict(env.bound, **bound), resource.symbol)
            raw["copy"] = copy
            body = _trees(body)[-1]
        if body.data == "if_body":
            condition = _trees(body)[0]
            body = _trees(body)[-1]
        if condition is not None:
            raw["condition"] = self.value(condition, env)
        if resource.existing:
            raw["existing"] = True
        if resource.module:
            return self.module(resource, raw, body, env, declaration)
        raw["type"] = resource.type
        if resource.api:
            raw["apiVersion"] = resource.api
        for item in _trees(body):
            if item.data == "nested_resource":
                continue
            if item.data == "spread":
                raise self.unsupported("a spread (...) in a resource body", item)
            key = self.property_key(item)
            value = _trees(item)[-1]
            if key == "parent":
                raw["parent"] = resource.parent
            elif key == "scope":
                self.placement(raw, value, env, module=False)
            elif key == "dependsOn":
                raw["dependsOn"] = self.depends_on(value)
            else:
                raw[key] = self.value(value, env)
        if resource.parent is not None and "parent" not in raw:
            raw["parent"] = resource.parent
        return raw

    def _item_decorators(self, item: Tree) -> dict[str, list[Tree]]:
        return self.decorators(item)

    def module(self, resource: _Resource, raw: JsonObject, body: Tree, env: _Env, declaration: Tree) -> JsonObject:
        path = _literal_string(_tokens(declaration)[2])
        if path is None:
            raise self.unsupported("a module path with interpolation", declaration)
        raw["type"] = "Microsoft.Resources/deployments"
        raw["apiVersion"] = MODULE_API_VERSION
        properties = _obj(body)
        properties["expressionEvaluationOptions"] = {"scope": "inner"}
        properties["mode"] = "Incremental"
        parameters = _obj()
        name_given = False
        for item in _trees(body):
            if item.data != "property":
                raise self.unsupported(f"{item.data} in a module body", item)
            key = self.property_key(item)
            value = _trees(item)[-1]
            if key == "name":
                raw["name"] = self.value(value, env)
                name_given = True
            elif key == "scope":
                self.placement(raw, value, env, module=True)
            elif key == "dependsOn":
                raw["dependsOn"] = self.depends_on(value)
            elif key == "params":
                if value.data != "object":
                    raise self.unsupported("module params that are not an object literal", value)
                for param in _trees(value):
                    if param.data != "property":
                        raise self.unsupported("a spread (...) in module params", param)
                    entry = _obj(param)
                    secret = self.key_vault_reference(_trees(param)[-1], env)
                    if secret is not None:
                        entry["reference"] = secret
                    else:
                        entry["value"] = self.value(_trees(param)[-1], env)
                    parameters[self.property_key(param)] = entry
            elif key in ("identity", "tags"):  # Bicep 0.3x extensible module properties: not deployed
                continue
            else:
                raise self.unsupported(f"the module property '{key}'", item)
        if not name_given:
            # What the compiler generates for a module without a name (Bicep 0.34+).
            loop = ", copyIndex()" if raw.get("copy") else ""
            raw["name"] = (f"[take(format('{{0}}-{{1}}{'-{2}' if loop else ''}', {_quote(resource.symbol)}, "
                           f"uniqueString(deployment().name{'' if self.target_scope != 'resourceGroup' else ''})"
                           f"{loop}), 64)]")
        properties["parameters"] = parameters
        if _is_local(path):
            properties["templateLink"] = {"relativePath": path}
        else:
            properties["templateLink"] = {"uri": path}
        raw["properties"] = properties
        return raw

    def key_vault_reference(self, value: Tree, env: _Env) -> dict[str, Any] | None:
        """``kv.getSecret('name')`` as a module parameter: a Key Vault reference, as the compiler emits it."""
        if value.data != "method_call" or _tokens(value)[0].value != "getSecret":
            return None
        symbol = self.symbol_of(_trees(value)[0])
        if symbol is None or self.resources[symbol].type.lower() != "microsoft.keyvault/vaults":
            raise self.unsupported("getSecret() on something that is not a Key Vault resource", value)
        args = _trees(_trees(value)[-1])
        reference: dict[str, Any] = {"keyVault": {"id": "[" + self.resource_id(self.resources[symbol], env, None) + "]"},
                                     "secretName": self.value(args[0], env)}
        if len(args) > 1:
            reference["secretVersion"] = self.value(args[1], env)
        return reference

    def placement(self, raw: JsonObject, value: Tree, env: _Env, module: bool) -> None:
        """``scope:`` of a module or resource: another resource group, subscription, management group or
        tenant, or (for an extension resource) the resource it applies to."""
        if value.data == "call" or (value.data == "method_call" and _trees(value)[0].data == "variable"
                                    and _tokens(_trees(value)[0])[0].value == "az"):
            name = _tokens(value)[0].value
            args = _trees(_trees(value)[-1])
            if name == "resourceGroup":
                if len(args) == 2:
                    raw["subscriptionId"] = self.value(args[0], env)
                if args:
                    raw["resourceGroup"] = self.value(args[-1], env)
                return
            if name == "subscription":
                if args:
                    raw["subscriptionId"] = self.value(args[0], env)
                if module:
                    raw["location"] = "[deployment().location]"
                return
            if name == "tenant":
                raw["scope"] = "/"
                return
            if name == "managementGroup":
                if args:
                    raw["scope"] = "[format('Microsoft.Management/managementGroups/{0}', " + \
                        self.expr(args[0], env) + ")]"
                return
        if value.data == "variable" and _tokens(value)[0].value in self.resources:
            target = self.resources[_tokens(value)[0].value]
            if module or target.type.lower() == "microsoft.resources/resourcegroups":
                if target.type.lower() != "microsoft.resources/resourcegroups" or target.name is None:
                    raise self.unsupported(f"a module scope that is a {target.type} resource", value)
                # A module deployed into a resource group declared (or referenced) in this file.
                raw["resourceGroup"] = self.value(target.name, env)
                if target.scope is not None:
                    self.placement(raw, target.scope, env, module=True)
                    raw.pop("location", None)
                return
            raw["scope"] = target.symbol
            return
        raw["scope"] = self.value(value, env)

    def depends_on(self, value: Tree) -> list[str]:
        found: list[str] = []
        for item in (_trees(value) if value.data == "array" else [value]):
            target = item
            while target.data in ("index", "nested_ref") and target.data != "variable":
                if target.data == "nested_ref":
                    break
                target = _trees(target)[0]
            symbol = self.symbol_of(target)
            if symbol is None:
                raise self.unsupported("a dependsOn entry that is not a resource or module", item)
            found.append(symbol)
        return found

    def symbol_of(self, node: Tree) -> str | None:
        if node.data == "variable":
            name = str(_tokens(node)[0].value)
            return name if name in self.resources else None
        if node.data == "nested_ref":
            outer = self.symbol_of(_trees(node)[0])
            if outer is None:
                return None
            symbol = f"{outer}::{_tokens(node)[0].value}"
            return symbol if symbol in self.resources else None
        return None

    # -- values and expressions ---------------------------------------------------------------------

    def value(self, node: Tree, env: _Env) -> Any:
        """A Bicep expression in a JSON position: literals and object/array literals keep their JSON
        form (with expression strings inside); anything else is one ``[...]`` expression string."""
        kind = node.data
        if kind == "object":
            obj = _obj(node)
            for item in _trees(node):
                if item.data != "property" or not self._literal_keys(node):
                    return "[" + self.expr(node, env) + "]"
                obj[self.property_key(item)] = self.value(_trees(item)[-1], env)
            return obj
        if kind == "array":
            if any(item.data == "spread" for item in _trees(node)):
                return "[" + self.expr(node, env) + "]"
            return [self.value(item, env) for item in _trees(node)]
        if kind == "string":
            literal = _literal_string(node)
            if literal is not None:
                return "[" + literal if literal.startswith("[") else literal
        if kind == "integer":
            return _tokens(node)[0].value
        if kind == "true":
            return True
        if kind == "false":
            return False
        if kind == "null":
            return None
        if kind == "paren":
            return self.value(_trees(node)[0], env)
        if kind == "unary" and _tokens(node)[0].type == "MINUS" and _trees(node)[0].data == "integer":
            return -_tokens(_trees(node)[0])[0].value
        if kind == "variable":
            name = _tokens(node)[0].value
            if name in self.imported_variables and name not in env.bound:
                return self.imported_variables[name]
        return "[" + self.expr(node, env) + "]"

    def expr(self, node: Any, env: _Env) -> str:  # noqa: C901 - one branch per node kind
        kind = node.data
        children = _trees(node)
        tokens = _tokens(node)
        if kind == "string":
            value = tokens[0].value
            literal = value.literal
            if literal is not None:
                return _quote(literal)
            if len(value.parts) == 1:  # '${x}'
                return f"string({self.expr(value.parts[0], env)})"
            pattern: list[str] = []
            args: list[str] = []
            for part in value.parts:
                if isinstance(part, str):
                    pattern.append(part.replace("{", "{{").replace("}", "}}"))
                else:
                    pattern.append("{" + str(len(args)) + "}")
                    args.append(self.expr(part, env))
            return f"format({_quote(''.join(pattern))}, {', '.join(args)})"
        if kind == "integer":
            return str(tokens[0].value)
        if kind == "true":
            return "true()"
        if kind == "false":
            return "false()"
        if kind == "null":
            return "null()"
        if kind == "paren":
            return self.expr(children[0], env)
        if kind == "array":
            if any(item.data == "spread" for item in children):
                parts = []
                for item in children:
                    if item.data == "spread":
                        parts.append(self.expr(_trees(item)[0], env))
                    else:
                        parts.append(f"createArray({self.expr(item, env)})")
                return f"flatten(createArray({', '.join(parts)}))"
            return f"createArray({', '.join(self.expr(item, env) for item in children)})"
        if kind == "object":
            groups: list[str] = []
            pairs: list[str] = []
            for item in children:
                if item.data == "spread":
                    if pairs:
                        groups.append(f"createObject({', '.join(pairs)})")
                        pairs = []
                    groups.append(self.expr(_trees(item)[0], env))
                else:
                    pairs.append(self._key_expr(item, env))
                    pairs.append(self.expr(_trees(item)[-1], env))
            if pairs or not groups:
                groups.append(f"createObject({', '.join(pairs)})")
            return groups[0] if len(groups) == 1 else f"shallowMerge(createArray({', '.join(groups)}))"
        if kind == "variable":
            return self.name_reference(tokens[0], env)
        if kind == "conditional":
            return f"if({self.expr(children[0], env)}, {self.expr(children[1], env)}, {self.expr(children[2], env)})"
        if kind == "chain":
            return self.expr(_precedence(node.children), env)
        if kind == "binary":
            left, right = self.expr(children[0], env), self.expr(children[1], env)
            op = tokens[0].value
            if op == "==":
                return f"equals({left}, {right})"
            if op == "!=":
                return f"not(equals({left}, {right}))"
            if op == "=~":
                return f"equals(toLower({left}), toLower({right}))"
            if op == "!~":
                return f"not(equals(toLower({left}), toLower({right})))"
            if op == "??":
                return f"coalesce({left}, {right})"
            return f"{_BINARY[op]}({left}, {right})"
        if kind == "unary":
            operand = self.expr(children[0], env)
            if tokens[0].type == "BANG":
                return f"not({operand})"
            if children[0].data == "integer":
                return f"-{operand}"
            return f"mul(-1, {operand})"
        if kind == "non_null":
            return self.expr(children[0], env)
        if kind in ("member", "safe_member"):
            return self.member(node, env)
        if kind in ("index", "safe_index"):
            target = children[0]
            symbol = self.symbol_of(target)
            if symbol is not None and self.resources[symbol].loop is not None:
                return self.resource_reference(symbol, env, children[1], None)
            if kind == "safe_index":
                return f"tryGet({self.expr(target, env)}, {self.expr(children[1], env)})"
            return f"{self.expr(target, env)}[{self.expr(children[1], env)}]"
        if kind == "call":
            return self.call(str(tokens[0].value), _trees(children[-1]) if children else [], env, node)
        if kind == "method_call":
            return self.method_call(node, env)
        if kind == "lambda_expr":
            names = [t.value for t in tokens if t.type in ("NAME", "LAMBDA_NAME")]
            inner = env.bind(**{n: f"lambdaVariables({_quote(n)})" for n in names})
            quoted = ", ".join(_quote(n) for n in names)
            return f"lambda({quoted}, {self.expr(children[-1], inner)})"
        if kind == "for_expr":
            return self.for_expression(node, env)
        if kind == "nested_ref":
            symbol = self.symbol_of(node)
            if symbol is None:
                raise self.unsupported("'::' on something that is not a resource", node)
            return self.resource_reference(symbol, env, None, None)
        raise self.unsupported(f"the expression form {kind}", node)

    def for_expression(self, node: Tree, env: _Env) -> str:
        (item, index), iterated, body = self._for_parts(node)
        array = self.expr(iterated, env)
        condition = None
        if body.data == "if_body":
            condition, body = _trees(body)
        i = f"lambdaVariables({_quote('__i')})"
        bound: dict[str, str] = {}
        if item is not None:
            bound[item] = f"{array}[{i}]"
        if index is not None:
            bound[index] = i
        inner = env.bind(**bound)
        indexes = f"range(0, length({array}))"
        if condition is not None:
            indexes = f"filter({indexes}, lambda('__i', {self.expr(condition, inner)}))"
        return f"map({indexes}, lambda('__i', {self.expr(body, inner)}))"

    def name_reference(self, token: Token, env: _Env) -> str:
        name = str(token.value)
        if name in env.bound:
            return env.bound[name]
        if name in self.params:
            return f"parameters({_quote(name)})"
        if name in self.variables:
            return f"variables({_quote(name)})"
        if name in self.imported_variables:
            return f"variables({_quote(name)})"
        if name in self.resources:
            return self.resource_reference(name, env, None, None)
        raise UnsupportedBicep(f"'{name}' is not a parameter, variable, resource or module of this file",
                               file=self.file, line=token.line, column=token.column,
                               hint="declare it, or check the spelling")

    def member(self, node: Tree, env: _Env) -> str:
        target = _trees(node)[0]
        name = str(_tokens(node)[0].value)
        safe = node.data == "safe_member"
        index: Tree | None = None
        symbol = self.symbol_of(target)
        if symbol is None and target.data == "index":
            symbol = self.symbol_of(_trees(target)[0])
            index = _trees(target)[1] if symbol is not None else None
        if symbol is not None:
            return self.resource_reference(symbol, env, index, name)
        # module outputs: m.outputs.x  (target is m.outputs)
        if target.data == "member" and _tokens(target)[0].value == "outputs":
            inner = _trees(target)[0]
            module_symbol = self.symbol_of(inner)
            module_index = None
            if module_symbol is None and inner.data == "index":
                module_symbol = self.symbol_of(_trees(inner)[0])
                module_index = _trees(inner)[1]
            if module_symbol is not None and self.resources[module_symbol].module:
                ref = self.reference_call(module_symbol, env, module_index, full=False)
                return f"{ref}.outputs.{name}.value" if _plain(name) else f"{ref}.outputs[{_quote(name)}].value"
        base = self.expr(target, env)
        if safe:
            return f"tryGet({base}, {_quote(name)})"
        return f"{base}.{name}" if _plain(name) else f"{base}[{_quote(name)}]"

    def reference_call(self, symbol: str, env: _Env, index: Tree | None, full: bool) -> str:
        resource = self.resources[symbol]
        if index is not None:
            target = f"format('{symbol}[{{0}}]', {self.expr(index, env)})"
        elif resource.loop is not None and env.copy_loop == symbol:
            target = f"format('{symbol}[{{0}}]', copyIndex())"
        else:
            target = _quote(symbol)
        if full:
            return f"reference({target}, {_quote(resource.api or '')}, 'full')"
        return f"reference({target})"

    def resource_reference(self, symbol: str, env: _Env, index: Tree | None, member: str | None) -> str:
        """``sym.id``, ``sym.name``, ``sym.properties.x``, ``sym[i].id``... as the compiler writes them."""
        resource = self.resources[symbol]
        if member is None:
            if resource.module:
                return self.reference_call(symbol, env, index, full=False)
            return self.reference_call(symbol, env, index, full=True)
        if member in ("type",):
            return _quote(resource.type)
        if member == "apiVersion":
            return _quote(resource.api or "")
        if member == "name":
            return self.resource_name(resource, env, index)
        if member == "id":
            return self.resource_id(resource, env, index)
        if member == "properties" and not resource.module:
            return self.reference_call(symbol, env, index, full=False)
        if member == "outputs" and resource.module:
            return self.reference_call(symbol, env, index, full=False) + ".outputs"
        return f"{self.reference_call(symbol, env, index, full=True)}.{member}"

    def _loop_env(self, resource: _Resource, env: _Env, index: Tree | None) -> _Env:
        if resource.loop is None:
            return env
        item, index_name, iterated = resource.loop
        if index is not None:
            position = self.expr(index, env)
        elif env.copy_loop == resource.symbol:
            position = "copyIndex()"
        else:
            raise UnsupportedBicep(f"'{resource.symbol}' is a loop: name one instance with [index]",
                                   file=self.file, line=_line(resource.node), hint="write symbol[i]")
        array = self.expr(iterated, _Env())
        bound: dict[str, str] = {}
        if item is not None:
            bound[item] = f"{array}[{position}]"
        if index_name is not None:
            bound[index_name] = position
        return _Env(bound)

    def resource_name(self, resource: _Resource, env: _Env, index: Tree | None) -> str:
        if resource.name is None:
            if resource.module:
                raise self.unsupported("the name of a module that has no name property", resource.node)
            raise self.unsupported(f"resource '{resource.symbol}' without a name", resource.node)
        return self.expr(resource.name, self._loop_env(resource, env, index))

    def name_segments(self, resource: _Resource, env: _Env, index: Tree | None) -> list[str]:
        segments = [self.resource_name(resource, env, index)]
        current = resource
        while current.parent is not None:
            parent = self.resources.get(current.parent)
            if parent is None:
                raise self.unsupported(f"parent '{current.parent}' that is not a resource of this file", current.node)
            if parent.loop is not None:
                raise self.unsupported("a parent that is a resource loop", current.node)
            segments.insert(0, self.resource_name(parent, env, None))
            current = parent
        return segments

    def resource_id(self, resource: _Resource, env: _Env, index: Tree | None) -> str:
        segments = ", ".join(self.name_segments(resource, env, index))
        type_text = _quote(resource.type)
        root = resource
        while root.parent is not None and root.parent in self.resources:
            root = self.resources[root.parent]
        scope = root.scope
        if scope is not None:
            scope_env = self._loop_env(root, env, index) if root is resource else env
            if scope.data == "call" and _tokens(scope)[0].value == "resourceGroup":
                args = [self.expr(a, scope_env) for a in _trees(_trees(scope)[-1])]
                return f"resourceId({', '.join(args + [type_text, segments])})"
            if scope.data == "call" and _tokens(scope)[0].value == "subscription":
                args = [self.expr(a, scope_env) for a in _trees(_trees(scope)[-1])]
                return f"subscriptionResourceId({', '.join(args + [type_text, segments])})"
            if scope.data == "call" and _tokens(scope)[0].value == "tenant":
                return f"tenantResourceId({type_text}, {segments})"
            base = self.expr(scope, scope_env)
            if self.symbol_of(scope) is not None:
                base = self.resource_reference(self.symbol_of(scope) or "", scope_env, None, "id")
            return f"extensionResourceId({base}, {type_text}, {segments})"
        if self.target_scope == "subscription":
            return f"subscriptionResourceId({type_text}, {segments})"
        if self.target_scope in ("tenant", "managementGroup"):
            return f"tenantResourceId({type_text}, {segments})" if self.target_scope == "tenant" else \
                f"extensionResourceId(managementGroup().id, {type_text}, {segments})"
        return f"resourceId({type_text}, {segments})"

    def call(self, name: str, args: list[Tree], env: _Env, node: Tree) -> str:
        if name == "any" and len(args) == 1:
            return self.expr(args[0], env)
        if name in ("loadTextContent", "loadJsonContent", "loadFileAsBase64", "loadYamlContent"):
            return self.load_content(name, args, node)
        if name in self.functions:
            return f"__bicep.{name}({', '.join(self.expr(a, env) for a in args)})"
        return f"{name}({', '.join(self.expr(a, env) for a in args)})"

    def load_content(self, name: str, args: list[Tree], node: Tree) -> str:
        path = _literal_string(args[0]) if args else None
        if path is None:
            raise self.unsupported(f"{name}() with a path that is not a literal", node)
        try:
            text = (self.base_dir / path).read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise UnsupportedBicep(f"{name}('{path}') cannot read the file ({exc.strerror or exc})", file=self.file,
                                   line=_line(node), hint="check the path, relative to the .bicep file") from None
        if name == "loadJsonContent":
            try:
                json.loads(text)
            except ValueError:
                raise UnsupportedBicep(f"{name}('{path}'): the file is not JSON", file=self.file,
                                       line=_line(node)) from None
            if len(args) > 1:
                raise self.unsupported("loadJsonContent() with a JSON path", node)
            return f"json({_quote(text)})"
        if name == "loadFileAsBase64":
            return f"base64({_quote(text)})"
        if name == "loadYamlContent":
            raise self.unsupported("loadYamlContent()", node)
        return _quote(text)

    def method_call(self, node: Tree, env: _Env) -> str:
        target = _trees(node)[0]
        name = str(_tokens(node)[0].value)
        args = _trees(_trees(node)[-1])
        if target.data == "variable":
            namespace = str(_tokens(target)[0].value)
            if namespace in ("az", "sys") and namespace not in env.bound and namespace not in self.params \
                    and namespace not in self.variables and namespace not in self.resources:
                return self.call(name, args, env, node)
            if namespace in self.namespaces:
                raise self.unsupported(f"calling '{namespace}.{name}()' from an imported namespace", node)
        symbol = self.symbol_of(target)
        index = None
        if symbol is None and target.data == "index":
            symbol = self.symbol_of(_trees(target)[0])
            index = _trees(target)[1] if symbol is not None else None
        if symbol is not None:
            resource = self.resources[symbol]
            if name.startswith("list"):
                rest = ", ".join(self.expr(a, env) for a in args)
                extra = f", {rest}" if rest else ""
                return f"{name}({self.resource_id(resource, env, index)}, {_quote(resource.api or '')}{extra})"
            if name == "getSecret":
                raise self.unsupported("getSecret() outside a module parameter", node)
        raise self.unsupported(f"the method call .{name}()", node)


#: Bicep's binary operators, loosest first (all left-associative).
_PRECEDENCE = {"??": 1, "||": 2, "&&": 3, "==": 4, "!=": 4, "=~": 4, "!~": 4, "<": 5, "<=": 5, ">": 5, ">=": 5,
               "+": 6, "-": 6, "*": 7, "/": 7, "%": 7}


def _precedence(items: list[Any]) -> Tree:
    """A flat ``operand (operator operand)*`` chain as nested ``binary`` trees (precedence climbing)."""
    position = 0

    def climb(minimum: int) -> Any:
        nonlocal position
        left = items[position]
        position += 1
        while position < len(items) and _PRECEDENCE[items[position].value] >= minimum:
            operator = items[position]
            position += 1
            right = climb(_PRECEDENCE[operator.value] + 1)
            left = Tree("binary", [left, operator, right])
        return left

    return climb(1)  # type: ignore[no-any-return]


def _plain(name: str) -> bool:
    return name.isidentifier()


def _is_local(path: str) -> bool:
    return not (path.startswith("br:") or path.startswith("br/") or path.startswith("ts:") or path.startswith("ts/"))
