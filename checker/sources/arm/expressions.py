"""The ARM template expression language: a tokenizer and parser to a small AST, and an evaluator that
compiles each distinct expression text once to Python closures and runs it against an :class:`EvalScope`."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from checker.model import CheckerError, Secret, Unknown
from checker.records import Record
from checker.sources.arm.context import DeploymentContext
from checker.sources.arm.functions import (
    BUDGET,
    DERIVED_FROM_SECRET,
    FUNCTIONS,
    LIST_FUNCTION,
    USER_FUNCTION_STEPS,
    FunctionError,
    FunctionSpec,
    Lambda,
    LambdaScope,
    PartlyKnown,
    WorkBudgetExceeded,
    describe_accessor,
    kind_of,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Protocol
else:
    Protocol = object  # the scope's interface is checked by mypy only

#: Longest expression text accepted (ARM's own limit for a template expression string).
MAX_EXPRESSION_LENGTH = 24_576
#: Deepest nesting of calls and property/index accesses accepted.
MAX_NESTING_DEPTH = 64
#: Deepest chain of user-defined functions calling each other.
MAX_USER_FUNCTION_DEPTH = 32

_AFTER_DEPLOYMENT = " is only known after deployment"


class ExpressionError(CheckerError):
    """A template expression that cannot be parsed or evaluated. ``column`` is the 0-based offset of
    the problem inside the expression string when known."""


class UserFunction:
    """A user-defined function of a template (``functions[].members``). (A plain class: a dataclass is
    built at import by compiling its generated methods, on every run.)"""

    __slots__ = ("namespace", "name", "parameter_names", "output")

    def __init__(self, namespace: str, name: str, parameter_names: tuple[str, ...], output: Any) -> None:
        self.namespace = namespace
        self.name = name
        self.parameter_names = parameter_names
        self.output = output  # the raw ``output.value`` (usually a "[...]" string)


class EvalScope(Protocol):
    """What an expression can see: implemented by the template expansion."""

    context: DeploymentContext

    def parameter(self, name: str) -> Any: ...

    def variable(self, name: str) -> Any: ...

    def copy_index(self, loop: str | None) -> int: ...

    def user_function(self, namespace: str, name: str) -> UserFunction | None: ...


# ---------------------------------------------------------------------------------------------------
# AST
# ---------------------------------------------------------------------------------------------------

class _Node(Record):
    """An AST node: compared, hashed and shown by its fields like a frozen dataclass, and never changed
    once parsed. (Plain classes: a dataclass is built at import by compiling its generated methods, and
    the parser makes thousands of nodes.)"""

    __slots__: tuple[str, ...] = ()


class Literal(_Node):
    """A string, integer, boolean or null literal."""

    __slots__ = ("value", "offset")

    def __init__(self, value: Any, offset: int) -> None:
        self.value = value
        self.offset = offset


class Call(_Node):
    """A function call; ``namespace`` is set for a user-defined function (``ns.name(...)``)."""

    __slots__ = ("name", "args", "offset", "namespace")

    def __init__(self, name: str, args: tuple[Node, ...], offset: int, namespace: str | None = None) -> None:
        self.name = name
        self.args = args
        self.offset = offset
        self.namespace = namespace


class Access(_Node):
    """``target.name`` (key is a string Literal) or ``target[key]``."""

    __slots__ = ("target", "key", "offset")

    def __init__(self, target: Node, key: Node, offset: int) -> None:
        self.target = target
        self.key = key
        self.offset = offset


Node = Literal | Call | Access


# ---------------------------------------------------------------------------------------------------
# Parser
# ---------------------------------------------------------------------------------------------------

_WHITESPACE = " \t\r\n"
_IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_INTEGER = re.compile(r"-?[0-9]+")
_INTEGER_START = frozenset("-0123456789")
_BARE_LITERALS = {"true": True, "false": False, "null": None}
_HINT_SYNTAX = "check the expression syntax: functions are called as name(arg, ...), strings use single quotes"


def is_expression(text: str) -> bool:
    """True for "[...]" (an expression), False for "[[..." (an escaped literal) and anything else."""
    return (isinstance(text, str) and len(text) >= 2 and text[0] == "[" and text[-1] == "]"
            and text[1] != "[")


class _Parser:
    __slots__ = ("text", "pos", "end")

    #: The functions whose ``name(`` is found without a pattern match (see primary()); the tests parse
    #: with none to compare the two ways.
    known_functions: dict[str, FunctionSpec] = FUNCTIONS

    def __init__(self, text: str, start: int, end: int) -> None:
        self.text = text
        self.pos = start
        self.end = end

    def error(self, message: str, offset: int | None = None, hint: str = _HINT_SYNTAX) -> ExpressionError:
        return ExpressionError(f"{message} in expression {_shorten(self.text)}",
                               column=self.pos if offset is None else offset, hint=hint)

    def skip_whitespace(self) -> None:
        text, pos, end = self.text, self.pos, self.end
        if pos < end and text[pos] in _WHITESPACE:
            pos += 1
            while pos < end and text[pos] in _WHITESPACE:
                pos += 1
            self.pos = pos

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < self.end else ""

    def next_char(self) -> str:
        """skip_whitespace(), then peek(): the next character that is not whitespace, or ""."""
        text, pos, end = self.text, self.pos, self.end
        while pos < end:
            char = text[pos]
            if char not in _WHITESPACE:
                self.pos = pos
                return char
            pos += 1
        self.pos = pos
        return ""

    def parse(self) -> Node:
        # the next-character tests inline: an expression rarely starts or ends with whitespace
        if self.pos < self.end and self.text[self.pos] in _WHITESPACE:
            self.skip_whitespace()
        if self.pos >= self.end:
            raise self.error("empty expression", hint="write a function call between the brackets, "
                                                     "or start the string with '[[' for a literal '['")
        node = self.expression(1)
        if self.pos < self.end and self.text[self.pos] in _WHITESPACE:
            self.skip_whitespace()
        if self.pos < self.end:
            raise self.error(f"unexpected {self.text[self.pos]!r} after the end of the expression")
        return node

    def expression(self, depth: int) -> Node:
        if depth > MAX_NESTING_DEPTH:
            raise self.error(f"expression nested deeper than {MAX_NESTING_DEPTH} levels",
                             hint="split the expression into variables")
        text, end = self.text, self.end
        if self.pos < end and text[self.pos] in _WHITESPACE:
            self.skip_whitespace()
        node = self.primary(depth)
        while True:
            # next_char(), its usual case (no whitespace) inline: this loop runs for every node
            pos = self.pos
            char = text[pos] if pos < end else ""
            if char in _WHITESPACE and char:
                char = self.next_char()
            if char == ".":
                start = self.pos
                self.pos += 1
                self.skip_whitespace()
                match = _IDENTIFIER.match(self.text, self.pos, self.end)
                if match is None:
                    raise self.error("expected a property name after '.'")
                self.pos = match.end()
                node = Access(node, Literal(match.group(0), match.start()), start)
            elif char == "[":
                start = self.pos
                self.pos += 1
                key = self.expression(depth + 1)
                if self.next_char() != "]":
                    raise self.error("expected ']' to close the index", hint="close the index with ']'")
                self.pos += 1
                node = Access(node, key, start)
            else:
                return node
            depth += 1
            if depth > MAX_NESTING_DEPTH:
                raise self.error(f"expression nested deeper than {MAX_NESTING_DEPTH} levels",
                                 hint="split the expression into variables")

    def primary(self, depth: int) -> Node:
        text, start, end = self.text, self.pos, self.end
        char = text[start] if start < end else ""
        if char == "'":
            # string(), its usual case (no quote written twice) inline: a third of the nodes are strings
            quote = text.find("'", start + 1, end)
            if quote >= 0 and (quote + 1 >= end or text[quote + 1] != "'"):
                self.pos = quote + 1
                return Literal(text[start + 1:quote], start)
            return self.string()
        # The usual case, ``name(`` with a known function, found without a pattern: a name whose
        # lowercase is a key of FUNCTIONS ([a-z][a-z0-9]*) and that is ASCII is the name the pattern
        # _IDENTIFIER would match there. Anything else takes the general way below.
        paren = text.find("(", start, end)
        spec = None
        if paren > start:
            name = text[start:paren]
            spec = self.known_functions.get(name.lower())
        if spec is not None and name.isascii():
            namespace = None
            pos = paren
        else:
            # an integer starts with a digit or '-', a name never does: one pattern tried, not two
            match = _INTEGER.match(text, start, self.end) if char in _INTEGER_START else None
            if match is not None:
                self.pos = match.end()
                if self.pos < self.end and text[self.pos] == ".":
                    raise self.error("decimal numbers are not supported in expressions",
                                     hint="use an integer, or json('1.5') for a decimal value")
                digits = match.group(0)
                if len(digits.lstrip("-")) > 19:
                    raise self.error(f"integer literal {digits[:24]} is too large", offset=start,
                                     hint="integers must fit in 64 bits")
                return Literal(int(digits), start)
            match = _IDENTIFIER.match(text, start, self.end)
            if match is None:
                if not char:
                    raise self.error("unexpected end of the expression", hint="complete the expression")
                raise self.error(f"unexpected {char!r}")
            name = match.group(0)
            pos = match.end()
            namespace = None
            if pos >= end or text[pos] != "(":  # not the usual ``name(``
                self.pos = pos
                char = text[pos] if pos < end else ""
                if char in _WHITESPACE and char:
                    char = self.next_char()
                if char == ".":
                    # ``ns.fn(`` is a user-defined function; ``x.y`` without a call is not valid ARM.
                    save = self.pos
                    self.pos += 1
                    self.skip_whitespace()
                    member = _IDENTIFIER.match(text, self.pos, self.end)
                    if member is not None:
                        self.pos = member.end()
                        if self.next_char() == "(":
                            namespace, name = name, member.group(0)
                        else:
                            self.pos = save
                    else:
                        self.pos = save
                pos = self.pos
                if pos >= end or text[pos] != "(":
                    key = name.lower()
                    if namespace is None and key in _BARE_LITERALS:
                        return Literal(_BARE_LITERALS[key], start)
                    raise self.error(f"expected '(' after function name '{name}'", offset=match.end(),
                                     hint="call functions with parentheses, e.g. parameters('name'); "
                                          "strings need single quotes")
            key = name.lower()
            spec = None
            if namespace is None:
                spec = FUNCTIONS.get(key)
                if spec is None and not key.startswith("list"):
                    raise self.error(f"unknown function '{name}'", offset=start,
                                     hint="check the spelling against the ARM template function reference, "
                                          "or call a user-defined function as namespace.name()")
        pos = self.pos = pos + 1
        args: list[Node] = []
        char = text[pos] if pos < end else ""
        if char in _WHITESPACE and char:
            char = self.next_char()
        if char == ")":
            self.pos += 1
        else:
            while True:
                args.append(self.expression(depth + 1))
                pos = self.pos
                char = text[pos] if pos < end else ""
                if char in _WHITESPACE and char:
                    char = self.next_char()
                if char == ",":
                    self.pos += 1
                    continue
                if char == ")":
                    self.pos += 1
                    break
                if not char:
                    raise self.error(f"missing ')' to close the call of '{name}'",
                                     hint="close the function call with ')'")
                raise self.error(f"expected ',' or ')' in the arguments of '{name}', found {char!r}")
        if namespace is None:
            spec = spec or LIST_FUNCTION
            count = len(args)
            if count < spec.min_args or (spec.max_args is not None and count > spec.max_args):
                _check_arity(spec, name, count, start, text)  # raises: the test is inline for the usual case
        return Call(name, tuple(args), start, namespace)

    def string(self) -> Literal:
        text, start, end = self.text, self.pos, self.end
        pos = start + 1
        quote = text.find("'", pos, end)
        if quote >= 0 and (quote + 1 >= end or text[quote + 1] != "'"):  # no quote written twice
            self.pos = quote + 1
            return Literal(text[pos:quote], start)
        pieces: list[str] = []
        while True:
            quote = text.find("'", pos, end)
            if quote < 0:
                raise self.error("unterminated string literal", offset=start,
                                 hint="close the string with a single quote; write '' for a quote inside it")
            pieces.append(text[pos:quote])
            if quote + 1 < end and text[quote + 1] == "'":
                pieces.append("'")
                pos = quote + 2
                continue
            self.pos = quote + 1
            return Literal("".join(pieces), start)


def _check_arity(spec: FunctionSpec, name: str, count: int, offset: int, text: str) -> None:
    if spec.min_args <= count and (spec.max_args is None or count <= spec.max_args):
        return
    if spec.max_args is None:
        expected = f"at least {spec.min_args}"
    elif spec.min_args == spec.max_args:
        expected = str(spec.min_args)
    else:
        expected = f"{spec.min_args} to {spec.max_args}"
    plural = "" if expected.endswith(" 1") or expected == "1" else "s"
    raise ExpressionError(f"function '{name}' takes {expected} argument{plural}, got {count} in expression "
                          f"{_shorten(text)}", column=offset,
                          hint=f"see the ARM template function reference for {name}()")


def _shorten(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


@functools.lru_cache(maxsize=16384)
def parse_expression(text: str) -> Node:
    """Parse an expression, given with or without its surrounding brackets. Raises ExpressionError."""
    if not isinstance(text, str):
        raise ExpressionError(f"an expression must be a string, got {kind_of(text)}")
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(f"expression is {len(text)} characters long, more than the limit of "
                              f"{MAX_EXPRESSION_LENGTH}", column=0, hint="split it into variables")
    if is_expression(text):
        return _Parser(text, 1, len(text) - 1).parse()
    if text.startswith("[") and not text.startswith("[["):
        _Parser(text, 1, len(text)).parse()
        raise ExpressionError(f"missing ']' at the end of expression {_shorten(text)}", column=len(text),
                              hint="end the expression with ']'")
    return _Parser(text, 0, len(text)).parse()


# ---------------------------------------------------------------------------------------------------
# Evaluation: each node becomes a closure ``scope -> value``
# ---------------------------------------------------------------------------------------------------

if TYPE_CHECKING:
    Compiled = Callable[[Any], Any]


def _opaque(value: Any) -> Unknown:
    """What a function gives when an argument is unknown or secret: that Unknown, without its
    identity (the function's value is another value than its argument's)."""
    if value.__class__ is Unknown:
        return value if value.symbol is None else Unknown(value.reason)
    return DERIVED_FROM_SECRET


#: Functions that build names and ids from text: with arguments whose identity is known
#: (parameters without value), their value is unknown but its identity is the function applied to
#: the symbols, so that the same expression over the same sources names the same resource.
SYMBOLIC_FUNCTIONS = frozenset({"concat", "format", "resourceid", "subscriptionresourceid", "tenantresourceid",
                                "extensionresourceid", "managementgroupresourceid", "tolower", "toupper",
                                "trim", "string"})


def _symbolic(impl: Any, scope: Any, values: Any, name: str) -> Any:
    """``impl`` over ``values`` some of which are unknown: an Unknown whose symbol is the function's
    text over the symbols, when every unknown argument has one and the result is text."""
    substituted = []
    first: Unknown | None = None
    for value in values:
        cls = value.__class__
        if cls is Secret:
            return DERIVED_FROM_SECRET
        if cls is Unknown:
            if value.symbol is None:
                return _opaque(value)
            first = first or value
            substituted.append(value.symbol)
        else:
            substituted.append(value)
    assert first is not None
    try:
        result = impl(scope, substituted, name)
    except (FunctionError, *_UNEXPECTED):
        return _opaque(first)
    if result.__class__ is str:
        return Unknown(first.reason, result)
    return _opaque(first)


def _compile(node: Node, text: str) -> Compiled:
    if node.__class__ is Literal:
        value = node.value  # type: ignore[union-attr]
        return lambda scope: value
    if node.__class__ is Access:
        return _compile_access(node, text)  # type: ignore[arg-type]
    return _compile_call(node, text)  # type: ignore[arg-type]


def _compile_access(node: Access, text: str) -> Compiled:
    target = _compile(node.target, text)
    offset = node.offset
    if node.key.__class__ is Literal:
        key = node.key.value  # type: ignore[union-attr]

        def access_constant(scope: Any) -> Any:
            return access(target(scope), key, offset, text)

        return access_constant
    key_fn = _compile(node.key, text)

    def access_computed(scope: Any) -> Any:
        value = target(scope)
        return access(value, key_fn(scope), offset, text)

    return access_computed


def access(value: Any, key: Any, offset: int = 0, text: str = "") -> Any:
    """``value.key`` / ``value[key]`` with ARM semantics (object keys case-insensitive)."""
    cls = value.__class__
    if cls is Unknown:
        reason = value.reason
        if reason.endswith(_AFTER_DEPLOYMENT) and key.__class__ in (str, int):
            head = reason[: -len(_AFTER_DEPLOYMENT)]
            return Unknown(f"{head}{describe_accessor(key)}{_AFTER_DEPLOYMENT}")
        if value.symbol is not None:
            # A member of a value whose identity is known: its own identity (<site.vnetName~t>,
            # <names[<loop[i]~t>]~t> for the representative instance of a loop of unknown count).
            symbol = value.symbol
            key_symbol = key.symbol if key.__class__ is Unknown else None
            if (key.__class__ in (str, int) or key_symbol is not None) and symbol.startswith("<") and "~" in symbol:
                accessor = f".{key}" if key.__class__ is str else f"[{key_symbol or key}]"
                cut = symbol.rindex("~")
                return Unknown(reason, symbol[:cut] + accessor + symbol[cut:])
            return Unknown(reason)
        return value
    if cls is Secret:
        return DERIVED_FROM_SECRET
    key_cls = key.__class__
    if key_cls is Unknown:
        return _opaque(key)
    if key_cls is Secret:
        return DERIVED_FROM_SECRET
    if isinstance(value, dict):
        if key_cls is not str:
            raise ExpressionError(f"an object property name must be a string, got {kind_of(key)} "
                                  f"in expression {_shorten(text)}", column=offset,
                                  hint="index objects with a string: obj['name'] or obj.name")
        found = value.get(key, _MISSING)
        if found is _MISSING:
            lowered = key.lower()
            for name, item in value.items():
                if isinstance(name, str) and name.lower() == lowered:
                    return item
            if isinstance(value, PartlyKnown):
                return value.missing(describe_accessor(key))
            available = ", ".join(str(name) for name in list(value)[:20]) or "none"
            raise ExpressionError(f"the property '{key}' does not exist; available properties are: "
                                  f"{available} (in expression {_shorten(text)})", column=offset,
                                  hint="use tryGet() or contains() for an optional property")
        return found
    if isinstance(value, list):
        if key_cls is not int:
            raise ExpressionError(f"an array index must be an integer, got {kind_of(key)} in expression "
                                  f"{_shorten(text)}", column=offset, hint="index arrays with an integer")
        if 0 <= key < len(value):
            return value[key]
        raise ExpressionError(f"index {key} is out of range for an array of length {len(value)} in "
                              f"expression {_shorten(text)}", column=offset,
                              hint="check the index, or use tryGet() for an optional element")
    raise ExpressionError(f"cannot read {describe_accessor(key)} of {kind_of(value)} in expression "
                          f"{_shorten(text)}", column=offset,
                          hint="properties can only be read from objects, and indexes from arrays")


_MISSING = object()


def _wrap_error(exc: FunctionError, name: str, offset: int, text: str) -> ExpressionError:
    return ExpressionError(f"{name}(): {exc.message} (in expression {_shorten(text)})", column=offset,
                           hint=exc.hint)


#: Python errors a function implementation should not raise; reported as an expression error rather
#: than crashing the scan.
_UNEXPECTED = (TypeError, ValueError, ArithmeticError, LookupError, AttributeError)


def _wrap_unexpected(exc: Exception, name: str, offset: int, text: str) -> ExpressionError:
    return ExpressionError(f"{name}(): cannot be evaluated with these arguments ({type(exc).__name__}) "
                           f"(in expression {_shorten(text)})", column=offset,
                           hint="check the argument types against the ARM template function reference")


def _compile_call(node: Call, text: str) -> Compiled:
    if node.namespace is not None:
        return _compile_user_call(node, tuple([_compile(arg, text) for arg in node.args]), text)
    lowered = node.name.lower()
    spec = FUNCTIONS.get(lowered, LIST_FUNCTION)
    impl, name, offset = spec.impl, node.name, node.offset
    if spec.mode == "eager" and len(node.args) == 1 and node.args[0].__class__ is Literal:
        # One literal argument (parameters('x'), variables('x'): most calls): never unknown or secret,
        # so it is given as it is, without calling a closure for it and testing it.
        literal = node.args[0].value  # type: ignore[union-attr]
        if literal.__class__ is str and lowered in ("parameters", "variables"):
            return _compile_read(literal, lowered[:-1], name, offset, text)
        return _fixed_call(impl, (literal,), name, offset, text)
    args = tuple([_compile(arg, text) for arg in node.args])
    symbolic = lowered in SYMBOLIC_FUNCTIONS
    if spec.mode == "lazy":  # the function evaluates its argument closures itself
        return _fixed_call(impl, args, name, offset, text)
    if spec.mode == "keep":
        def call_keep(scope: Any) -> Any:
            values = [arg(scope) for arg in args]
            try:
                return impl(scope, values, name)
            except FunctionError as exc:
                raise _wrap_error(exc, name, offset, text) from None
            except _UNEXPECTED as exc:
                raise _wrap_unexpected(exc, name, offset, text) from None

        return call_keep
    if len(args) == 0:
        return _fixed_call(impl, (), name, offset, text)
    if len(args) == 1:
        arg0 = args[0]

        def call1(scope: Any) -> Any:
            value = arg0(scope)
            if value.__class__ in _OPAQUE:
                return _symbolic(impl, scope, (value,), name) if symbolic else _opaque(value)
            try:
                return impl(scope, (value,), name)
            except FunctionError as exc:
                raise _wrap_error(exc, name, offset, text) from None
            except _UNEXPECTED as exc:
                raise _wrap_unexpected(exc, name, offset, text) from None

        return call1

    def call_n(scope: Any) -> Any:
        values = [arg(scope) for arg in args]
        for value in values:
            if value.__class__ in _OPAQUE:
                return _symbolic(impl, scope, values, name) if symbolic else _opaque(value)
        try:
            return impl(scope, values, name)
        except FunctionError as exc:
            raise _wrap_error(exc, name, offset, text) from None
        except _UNEXPECTED as exc:
            raise _wrap_unexpected(exc, name, offset, text) from None

    return call_n


_OPAQUE = frozenset((Unknown, Secret))


def _fixed_call(impl: Any, arguments: Any, name: str, offset: int, text: str) -> Compiled:
    """A call given the same arguments on every evaluation: none, one literal, or (a lazy function)
    its argument closures, which the implementation evaluates itself."""
    def call(scope: Any) -> Any:
        try:
            return impl(scope, arguments, name)
        except FunctionError as exc:
            raise _wrap_error(exc, name, offset, text) from None
        except _UNEXPECTED as exc:
            raise _wrap_unexpected(exc, name, offset, text) from None

    return call


def _compile_read(key: str, what: str, name: str, offset: int, text: str) -> Compiled:
    """``parameters('key')`` / ``variables('key')`` with a literal name: the scope's own reader called
    directly (what the function's implementation does once it has checked that the name is text),
    with the same error wrapping as any call."""
    if what == "parameter":
        def read_parameter(scope: Any) -> Any:
            try:
                return scope.parameter(key)
            except FunctionError as exc:
                raise _wrap_error(exc, name, offset, text) from None
            except _UNEXPECTED as exc:
                raise _wrap_unexpected(exc, name, offset, text) from None

        return read_parameter

    def read_variable(scope: Any) -> Any:
        try:
            return scope.variable(key)
        except FunctionError as exc:
            raise _wrap_error(exc, name, offset, text) from None
        except _UNEXPECTED as exc:
            raise _wrap_unexpected(exc, name, offset, text) from None

    return read_variable


class _UserFunctionScope:
    """The scope a user-defined function body runs in: its own parameters, nothing else of the
    template (ARM forbids variables() and reference() there)."""

    in_user_function = True

    def __init__(self, outer: Any, function: UserFunction, bindings: dict[str, Any], depth: int) -> None:
        self.outer = outer
        self.function = function
        self.bindings = bindings
        self.user_function_depth = depth
        self.context = outer.context
        # The template's functions, found without walking back through every enclosing call.
        self.user_function = outer.user_function  # type: ignore[method-assign]

    def parameter(self, name: str) -> Any:
        if isinstance(name, str):
            found = self.bindings.get(name.lower(), _MISSING)
            if found is not _MISSING:
                return found
        fn = self.function
        raise ExpressionError(f"the user-defined function '{fn.namespace}.{fn.name}' has no parameter "
                              f"'{name}'; it has: {', '.join(fn.parameter_names) or 'none'}",
                              hint="a user-defined function can only read its own parameters")

    def variable(self, name: str) -> Any:
        fn = self.function
        raise ExpressionError(f"the user-defined function '{fn.namespace}.{fn.name}' uses variables('{name}')",
                              hint="user-defined functions cannot use variables; pass the value as a parameter")

    def copy_index(self, loop: str | None) -> int:
        fn = self.function
        raise ExpressionError(f"the user-defined function '{fn.namespace}.{fn.name}' uses copyIndex()",
                              hint="pass the index as a parameter of the function")

    def user_function(self, namespace: str, name: str) -> UserFunction | None:
        return self.outer.user_function(namespace, name)


def _compile_user_call(node: Call, args: tuple[Compiled, ...], text: str) -> Compiled:
    namespace, name, offset = node.namespace or "", node.name, node.offset
    label = f"{namespace}.{name}"

    def call_user(scope: Any) -> Any:
        values = [arg(scope) for arg in args]
        function = scope.user_function(namespace, name)
        if function is None:
            raise ExpressionError(f"unknown user-defined function '{label}' in expression {_shorten(text)}",
                                  column=offset,
                                  hint="define it under the template's functions section, or check the "
                                       "namespace and name")
        if len(values) != len(function.parameter_names):
            raise ExpressionError(f"user-defined function '{label}' takes {len(function.parameter_names)} "
                                  f"argument(s), got {len(values)} in expression {_shorten(text)}",
                                  column=offset, hint="pass one argument per function parameter")
        depth = getattr(scope, "user_function_depth", 0) + 1
        if depth > MAX_USER_FUNCTION_DEPTH:
            raise ExpressionError(f"user-defined functions call each other more than "
                                  f"{MAX_USER_FUNCTION_DEPTH} levels deep (at '{label}')", column=offset,
                                  hint="check the user-defined functions for recursion")
        budget = BUDGET  # a user-defined function call is a step of the input's work budget
        budget.input_used += USER_FUNCTION_STEPS
        if budget.input_used > budget.input_limit:
            raise WorkBudgetExceeded(budget.input_limit)
        bindings = {str(p).lower(): v for p, v in zip(function.parameter_names, values)}
        inner = _UserFunctionScope(scope, function, bindings, depth)
        return evaluate_value(function.output, inner)

    return call_user


@functools.lru_cache(maxsize=16384)
def _compiled(text: str) -> Compiled:
    return _compile(parse_expression(text), text)


def evaluate_string(text: str, scope: EvalScope) -> Any:
    """A template string's value: literals as they are, "[[x]" -> "[x]", "[expr]" -> its value
    (any JSON value, an :class:`Unknown`, or a :class:`Secret` passed through unchanged)."""
    if text.__class__ is not str or len(text) < 2 or text[0] != "[" or text[-1] != "]":
        return text
    if text[1] == "[":
        return text[1:]
    global _active_evaluations
    budget = BUDGET
    if _active_evaluations == 0:
        budget.used = 0
    budget.input_used += 1  # every expression evaluated is a step of the input's work budget
    if budget.input_used > budget.input_limit:
        raise _exceeded(budget.input_limit, text)
    _active_evaluations += 1
    try:
        value = _compiled(text)(scope)
    except WorkBudgetExceeded as exc:
        if exc.expression is None:
            exc.expression = text
        raise
    except RecursionError:
        raise ExpressionError(f"expression {_shorten(text)} nests too deeply to evaluate",
                              hint="check variables and user-defined functions for deep recursion") from None
    finally:
        _active_evaluations -= 1
    if value.__class__ is Lambda:
        raise ExpressionError(f"expression {_shorten(text)} is a lambda, which is not a value", column=1,
                              hint="use lambda() only as an argument of filter, map, reduce, sort, toObject...")
    return value


_active_evaluations = 0  # evaluations in progress: the work budget is per top-level evaluation


def _exceeded(limit: float, text: str) -> WorkBudgetExceeded:
    exc = WorkBudgetExceeded(limit)
    exc.expression = text
    return exc


def evaluate_value(value: Any, scope: EvalScope) -> Any:
    """Evaluate every expression string inside a JSON value (objects and arrays are rebuilt)."""
    if value.__class__ is str:
        return evaluate_string(value, scope)
    if isinstance(value, dict):
        return {key: evaluate_value(item, scope) for key, item in value.items()}
    if isinstance(value, list):
        return [evaluate_value(item, scope) for item in value]
    return value


__all__ = [
    "MAX_EXPRESSION_LENGTH", "MAX_NESTING_DEPTH", "MAX_USER_FUNCTION_DEPTH", "Access", "Call",
    "EvalScope", "ExpressionError", "LambdaScope", "Literal", "Node", "UserFunction", "access",
    "evaluate_string", "evaluate_value", "is_expression", "parse_expression",
]
