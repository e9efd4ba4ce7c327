"""Bicep source to a syntax tree with a line and column on every node.

The grammar is a ``lark`` LALR(1) grammar (below). Bicep's lexical rules depend on context (newlines
separate array items and object properties but not function arguments; ``type`` or ``resource`` are
keywords at the start of a statement and plain names inside an object; a ``(`` opens a lambda only when
its ``)`` is followed by ``=>``), so tokens come from :func:`tokenize`, which decides those cases with
one look at the neighbouring tokens and hands lark a stream in which they are already settled.

String interpolations (``'${a}-x'``) are parsed as expressions of their own: a ``STRING`` token's value
is a tuple of parts, each a ``str`` or a parsed expression tree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedInput, UnexpectedToken
from lark.lexer import Lexer

from checker.model import CheckerError

GRAMMAR = r"""
start: _NL? (_statement (_NL _statement)*)? _NL?

_statement: statement
statement: decorator* _declaration
decorator: _AT postfix _NL

_declaration: target_scope | metadata_decl | param_decl | var_decl | resource_decl | module_decl
            | output_decl | type_decl | func_decl | import_decl | extension_decl | using_decl

target_scope: TARGETSCOPE _EQ expr
metadata_decl: METADATA NAME _EQ expr
param_decl: PARAM NAME type_expr? (_EQ expr)?
          | PARAM NAME RESOURCE STRING (_EQ expr)? -> param_resource
var_decl: VAR NAME type_expr? _EQ expr
resource_decl: RESOURCE NAME STRING EXISTING? _EQ body
module_decl: MODULE NAME STRING _EQ body
output_decl: OUTPUT NAME type_expr _EQ expr
           | OUTPUT NAME RESOURCE STRING _EQ expr -> output_resource
type_decl: TYPE NAME _EQ type_expr
func_decl: FUNC NAME _LPAR (func_param (_COMMA func_param)*)? _RPAR type_expr _ARROW expr
func_param: NAME type_expr
import_decl: IMPORT _LBRACE _NL? (import_item (_sep import_item)* _sep?)? _RBRACE FROM STRING
           | IMPORT STAR AS NAME FROM STRING -> import_all
           | IMPORT STRING (WITH expr)? (AS NAME)? -> import_provider
import_item: NAME (AS NAME)?
extension_decl: EXTENSION (NAME | STRING) (WITH expr)? (AS NAME)?
using_decl: USING (STRING | NAME)

?body: object
     | IF _LPAR expr _RPAR object -> if_body
     | for_expr

_sep: _NL | _COMMA

// ---- expressions (lowest precedence first) ----
?expr: lambda_expr | ternary
lambda_expr: LAMBDA_NAME _ARROW expr
           | LAMBDA_LPAR (NAME (_COMMA NAME)*)? _RPAR _ARROW expr
?ternary: chain
        | chain _QMARK expr _COLON expr -> conditional
// Binary operators are read as one flat chain; the translator applies Bicep's precedence (one grammar
// level per precedence would cost a reduction per level for every operand).
?chain: unary
      | unary (_binop unary)+ -> chain
_binop: COALESCE | OR | AND | EQOP | LT | GT | RELOP | PLUS | MINUS | STAR | MULOP
?unary: postfix
      | BANG unary -> unary
      | MINUS unary -> unary
?postfix: primary
        | postfix _DOT NAME -> member
        | postfix _SAFEDOT NAME -> safe_member
        | postfix _LSQB expr _RSQB -> index
        | postfix _SAFELSQB expr _RSQB -> safe_index
        | postfix _DCOLON NAME -> nested_ref
        | postfix _DOT NAME _LPAR args _RPAR -> method_call
        | postfix BANG -> non_null
?primary: NAME -> variable
        | NAME _LPAR args _RPAR -> call
        | INT -> integer
        | TRUE -> true
        | FALSE -> false
        | NULL -> null
        | STRING -> string
        | MSTRING -> string
        | array
        | object
        | for_expr
        | _LPAR expr _RPAR -> paren
args: (expr (_COMMA expr)*)?
array: _LSQB _NL? (array_item (_sep array_item)* _sep?)? _RSQB
?array_item: expr
           | SPREAD expr -> spread
object: _LBRACE _NL? (object_item (_sep object_item)* _sep?)? _RBRACE
?object_item: decorator* property_key _COLON expr -> property
            | decorator* RESOURCE NAME STRING EXISTING? _EQ body -> nested_resource
            | SPREAD expr -> spread
property_key: NAME | STRING
for_expr: _LSQB FOR for_vars IN expr _COLON for_body _NL? _RSQB
for_vars: NAME | _LPAR NAME _COMMA NAME _RPAR
?for_body: expr
         | IF _LPAR expr _RPAR expr -> if_body

// ---- types ----
?type_expr: type_postfix
          | type_union
type_union: _PIPE? type_postfix (_PIPE type_postfix)+
?type_postfix: type_primary
             | type_postfix _LSQB _RSQB -> type_array
             | type_postfix _QMARK -> type_nullable
             | type_postfix _DOT NAME -> type_member
             | type_postfix _LSQB (INT | STAR) _RSQB -> type_index
?type_primary: NAME -> type_name
             | NAME _DOT NAME -> type_qualified
             | NAME LT STRING GT -> type_resource
             | STRING -> type_literal
             | INT -> type_literal
             | MINUS INT -> type_negative
             | TRUE -> type_literal
             | FALSE -> type_literal
             | NULL -> type_literal
             | type_object
             | type_tuple
             | _LPAR type_expr _RPAR
type_object: _LBRACE _NL? (type_property (_sep type_property)* _sep?)? _RBRACE
type_property: decorator* (NAME | STRING | STAR) QMARK? _COLON type_expr
type_tuple: _LSQB _NL? (tuple_item (_sep tuple_item)* _sep?)? _RSQB
tuple_item: decorator* type_expr

%declare _NL NAME STRING MSTRING INT TRUE FALSE NULL
%declare TARGETSCOPE METADATA PARAM VAR RESOURCE MODULE OUTPUT TYPE FUNC IMPORT EXTENSION USING
%declare EXISTING IF FOR IN AS FROM WITH
%declare _LPAR _RPAR _LBRACE _RBRACE _LSQB _RSQB _SAFELSQB _COMMA _COLON _DOT _SAFEDOT _DCOLON
%declare _EQ _ARROW _QMARK QMARK _AT _PIPE SPREAD LAMBDA_NAME LAMBDA_LPAR
%declare COALESCE OR AND EQOP LT GT RELOP PLUS MINUS STAR MULOP BANG
"""

#: Words that open a statement (at the start of a line, outside brackets).
_STATEMENT_WORDS = {
    "targetScope": "TARGETSCOPE", "metadata": "METADATA", "param": "PARAM", "var": "VAR",
    "resource": "RESOURCE", "module": "MODULE", "output": "OUTPUT", "type": "TYPE", "func": "FUNC",
    "import": "IMPORT", "extension": "EXTENSION", "provider": "EXTENSION", "using": "USING",
}

#: What each token type looks like, for "expected ..." in syntax errors.
_SHOWN = {
    "_NL": "a new line", "NAME": "a name", "STRING": "a string", "MSTRING": "a string", "INT": "a number",
    "_LPAR": "'('", "_RPAR": "')'", "_LBRACE": "'{'", "_RBRACE": "'}'", "_LSQB": "'['", "_RSQB": "']'",
    "_SAFELSQB": "'[?'", "_COMMA": "','", "_COLON": "':'", "_DOT": "'.'", "_SAFEDOT": "'.?'", "_DCOLON": "'::'",
    "_EQ": "'='", "_ARROW": "'=>'", "_QMARK": "'?'", "QMARK": "'?'", "_AT": "'@'", "_PIPE": "'|'",
    "SPREAD": "'...'", "COALESCE": "'??'", "OR": "'||'", "AND": "'&&'", "EQOP": "'=='", "LT": "'<'",
    "GT": "'>'", "RELOP": "'<='", "PLUS": "'+'", "MINUS": "'-'", "STAR": "'*'", "MULOP": "'/'", "BANG": "'!'",
    "LAMBDA_NAME": "a lambda parameter", "LAMBDA_LPAR": "'('", "$END": "the end of the file",
}

_PUNCTUATION = [
    ("...", "SPREAD"), ("??", "COALESCE"), ("||", "OR"), ("&&", "AND"), ("==", "EQOP"), ("!=", "EQOP"),
    ("=~", "EQOP"), ("!~", "EQOP"), ("<=", "RELOP"), (">=", "RELOP"), ("=>", "_ARROW"), ("::", "_DCOLON"),
    (".?", "_SAFEDOT"), ("[?", "_SAFELSQB"),
    ("(", "_LPAR"), (")", "_RPAR"), ("{", "_LBRACE"), ("}", "_RBRACE"), ("[", "_LSQB"), ("]", "_RSQB"),
    (",", "_COMMA"), (":", "_COLON"), (".", "_DOT"), ("=", "_EQ"), ("?", "_QMARK"), ("@", "_AT"),
    ("|", "_PIPE"), ("<", "LT"), (">", "GT"), ("+", "PLUS"), ("-", "MINUS"), ("*", "STAR"), ("/", "MULOP"),
    ("%", "MULOP"), ("!", "BANG"),
]
_PUNCT_RE = re.compile("|".join(re.escape(text) for text, _ in _PUNCTUATION))
_PUNCT_TYPE = dict(_PUNCTUATION)
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_INT_RE = re.compile(r"[0-9]+")
_SPACE_RE = re.compile(r"[ \t\r\f\v\u00a0\ufeff]+")
_ESCAPES = {"\\": "\\", "'": "'", "n": "\n", "r": "\r", "t": "\t", "$": "$"}

#: A newline is not a separator next to these tokens (it continues the expression).
_JOIN_BEFORE = {"_QMARK", "_COLON", "COALESCE", "OR", "AND", "_PIPE", "_RPAR", "_ARROW"}
_JOIN_AFTER = {"_COLON", "COALESCE", "OR", "AND", "EQOP", "RELOP", "LT", "PLUS", "MINUS", "STAR", "MULOP",
               "_EQ", "_ARROW", "_COMMA", "_LPAR", "LAMBDA_LPAR", "_PIPE", "_DOT", "_SAFEDOT"}


@dataclass(frozen=True)
class StringValue:
    """A Bicep string: literal parts (``str``) and interpolated expressions (``Tree``) in order."""

    parts: tuple[Any, ...]

    @property
    def literal(self) -> str | None:
        """The text when the string has no interpolation."""
        if all(isinstance(part, str) for part in self.parts):
            return "".join(self.parts)
        return None


class BicepSyntaxError(CheckerError):
    """A syntax error with file, line and column."""


class _Tokens:
    def __init__(self, text: str, file: str) -> None:
        self.text = text
        self.file = file
        self.line_starts = [0]
        for match in re.finditer("\n", text):
            self.line_starts.append(match.end())

    def where(self, offset: int) -> tuple[int, int]:
        import bisect
        index = bisect.bisect_right(self.line_starts, offset) - 1
        return index + 1, offset - self.line_starts[index] + 1

    def error(self, message: str, offset: int, hint: str | None = None) -> BicepSyntaxError:
        line, column = self.where(offset)
        return BicepSyntaxError(message, file=self.file, line=line, column=column,
                                hint=hint or "fix the Bicep syntax at this position")

    def token(self, kind: str, value: Any, start: int, end: int) -> Token:
        line, column = self.where(start)
        end_line, end_column = self.where(end)
        return Token(kind, value, start_pos=start, line=line, column=column, end_line=end_line,
                     end_column=end_column, end_pos=end)


def _raw_tokens(src: _Tokens, pos: int, stop_at_brace: bool) -> tuple[list[Token], int]:
    """Tokens from ``pos`` to the end, or to the ``}`` that closes an interpolation."""
    text = src.text
    tokens: list[Token] = []
    depth = 0
    n = len(text)
    while pos < n:
        ch = text[pos]
        space = _SPACE_RE.match(text, pos)
        if space:
            pos = space.end()
            continue
        if ch == "\n":
            tokens.append(src.token("_NL", "\n", pos, pos + 1))
            pos += 1
            continue
        if ch == "#" and (not tokens or tokens[-1].type == "_NL"):  # #disable-next-line and other pragmas
            end = text.find("\n", pos)
            pos = n if end < 0 else end
            continue
        if text.startswith("//", pos):
            end = text.find("\n", pos)
            pos = n if end < 0 else end
            continue
        if text.startswith("/*", pos):
            end = text.find("*/", pos + 2)
            if end < 0:
                raise src.error("unterminated /* comment", pos, "close the comment with */")
            # A block comment that spans lines still separates like a newline.
            if "\n" in text[pos:end]:
                tokens.append(src.token("_NL", "\n", pos, end + 2))
            pos = end + 2
            continue
        if text.startswith("'''", pos):
            end = text.find("'''", pos + 3)
            if end < 0:
                raise src.error("unterminated multi-line string", pos, "close the string with '''")
            body = text[pos + 3:end]
            while text.startswith("'", end + 3):  # a quote right before the closing '''
                body += "'"
                end += 1
            if body.startswith("\r\n"):
                body = body[2:]
            elif body.startswith("\n"):
                body = body[1:]
            tokens.append(src.token("MSTRING", StringValue((body,)), pos, end + 3))
            pos = end + 3
            continue
        if ch == "'":
            value, end = _string(src, pos)
            tokens.append(src.token("STRING", value, pos, end))
            pos = end
            continue
        if stop_at_brace and ch == "}" and depth == 0:
            return tokens, pos + 1
        name = _NAME_RE.match(text, pos)
        if name:
            word = name.group(0)
            kind = {"true": "TRUE", "false": "FALSE", "null": "NULL"}.get(word, "NAME")
            tokens.append(src.token(kind, word, pos, name.end()))
            pos = name.end()
            continue
        number = _INT_RE.match(text, pos)
        if number:
            tokens.append(src.token("INT", int(number.group(0)), pos, number.end()))
            pos = number.end()
            continue
        punct = _PUNCT_RE.match(text, pos)
        if punct:
            symbol = punct.group(0)
            if symbol == "[?" and tokens and tokens[-1].type in ("_NL", "_LSQB", "_COMMA", "_LPAR", "_COLON", "_EQ"):
                symbol = "["  # "[?" only after something indexable
            kind = _PUNCT_TYPE[symbol]
            if kind in ("_LPAR", "_LBRACE", "_LSQB", "_SAFELSQB"):
                depth += 1
            elif kind in ("_RPAR", "_RBRACE", "_RSQB"):
                depth -= 1
            tokens.append(src.token(kind, symbol, pos, pos + len(symbol)))
            pos += len(symbol)
            continue
        raise src.error(f"unexpected character {ch!r}", pos)
    if stop_at_brace:
        raise src.error("unterminated ${...} in a string", pos, "close the interpolation with }")
    return tokens, pos


def _string(src: _Tokens, start: int) -> tuple[StringValue, int]:
    text = src.text
    pos = start + 1
    parts: list[Any] = []
    buffer: list[str] = []
    while True:
        if pos >= len(text) or text[pos] == "\n":
            raise src.error("unterminated string", start, "close the string with '")
        ch = text[pos]
        if ch == "'":
            pos += 1
            break
        if ch == "\\":
            nxt = text[pos + 1:pos + 2]
            if nxt in _ESCAPES:
                buffer.append(_ESCAPES[nxt])
                pos += 2
                continue
            if nxt == "u" and text.startswith("{", pos + 2):
                close = text.find("}", pos + 3)
                if close > 0:
                    buffer.append(chr(int(text[pos + 3:close], 16)))
                    pos = close + 1
                    continue
            raise src.error(f"unknown escape \\{nxt} in a string", pos,
                            "Bicep strings know \\\\, \\', \\n, \\r, \\t, \\$ and \\u{...}")
        if ch == "$" and text.startswith("{", pos + 1):
            inner, end = _raw_tokens(src, pos + 2, stop_at_brace=True)
            if buffer:
                parts.append("".join(buffer))
                buffer = []
            parts.append(_parse_tokens(src, _settle(inner), "expr", pos + 2))
            pos = end
            continue
        buffer.append(ch)
        pos += 1
    if buffer or not parts:
        parts.append("".join(buffer))
    return StringValue(tuple(parts)), pos


def _closing_brackets(tokens: list[Token]) -> dict[int, int]:
    """The index of the bracket that closes each opening bracket (one pass; unmatched ones are absent)."""
    found: dict[int, int] = {}
    stack: list[int] = []
    for j, token in enumerate(tokens):
        kind = token.type
        if kind in ("_LPAR", "LAMBDA_LPAR", "_LBRACE", "_LSQB", "_SAFELSQB"):
            stack.append(j)
        elif kind in ("_RPAR", "_RBRACE", "_RSQB") and stack:
            found[stack.pop()] = j
    return found


def _settle(raw: list[Token]) -> list[Token]:
    """Decide the context-dependent tokens: keywords, lambdas, and which newlines separate."""
    tokens = list(raw)
    closing = _closing_brackets(tokens)
    # Lambdas: "x =>" and "( ... ) =>".
    for i, token in enumerate(tokens):
        if token.type == "NAME" and i + 1 < len(tokens) and tokens[i + 1].type == "_ARROW" \
                and i > 0 and tokens[i - 1].type in ("_LPAR", "_COMMA", "_COLON", "_EQ", "_QMARK", "_NL", "_LSQB"):
            tokens[i] = Token.new_borrow_pos("LAMBDA_NAME", token.value, token)
        elif token.type == "_LPAR":
            close = closing.get(i, -1)
            if close > 0 and close + 1 < len(tokens) and tokens[close + 1].type == "_ARROW" \
                    and not _is_func_signature(tokens, i):
                tokens[i] = Token.new_borrow_pos("LAMBDA_LPAR", "(", token)
    out: list[Token] = []
    stack: list[str] = []
    statement: str | None = None  # the keyword of the statement being read
    at_start = True
    pending_in = 0
    nested_resource = 0
    for i, token in enumerate(tokens):
        kind = token.type
        if kind == "_NL":
            if stack and stack[-1] in ("_LPAR", "LAMBDA_LPAR"):
                continue
            if out and out[-1].type == "_NL":
                continue
            if not out:
                continue
            if out[-1].type in _JOIN_AFTER:
                if not (out[-1].type == "_PIPE" and not stack and statement is None):
                    continue
            j = i + 1
            while j < len(tokens) and tokens[j].type == "_NL":
                j += 1
            nxt = tokens[j] if j < len(tokens) else None
            if nxt is not None and nxt.type in _JOIN_BEFORE:
                continue
            if nxt is not None and out[-1].type == "_LSQB" and nxt.type == "NAME" and nxt.value == "for":
                continue
            out.append(token)
            if not stack:
                at_start = True
                statement = None
            continue
        if kind == "NAME":
            word = token.value
            if not stack and at_start and word in _STATEMENT_WORDS:
                token = Token.new_borrow_pos(_STATEMENT_WORDS[word], word, token)
                statement = token.type
            elif word == "existing" and not stack and statement == "RESOURCE" and out and out[-1].type == "STRING":
                token = Token.new_borrow_pos("EXISTING", word, token)
            elif word == "resource" and not stack and statement in ("PARAM", "OUTPUT") \
                    and i + 1 < len(tokens) and tokens[i + 1].type == "STRING":
                token = Token.new_borrow_pos("RESOURCE", word, token)
            elif word == "resource" and stack and stack[-1] == "_LBRACE" and out and out[-1].type == "_NL" \
                    and i + 2 < len(tokens) and tokens[i + 1].type == "NAME" and tokens[i + 2].type == "STRING":
                token = Token.new_borrow_pos("RESOURCE", word, token)
                nested_resource = len(stack)
            elif word == "existing" and nested_resource and len(stack) == nested_resource and out \
                    and out[-1].type == "STRING":
                token = Token.new_borrow_pos("EXISTING", word, token)
            elif word == "if" and i + 1 < len(tokens) and tokens[i + 1].type == "_LPAR" \
                    and out and out[-1].type in ("_EQ", "_COLON"):
                token = Token.new_borrow_pos("IF", word, token)
            elif word == "for" and out and out[-1].type == "_LSQB":
                token = Token.new_borrow_pos("FOR", word, token)
                pending_in += 1
            elif word == "in" and pending_in:
                token = Token.new_borrow_pos("IN", word, token)
                pending_in -= 1
            elif word in ("as", "from", "with") and statement in ("IMPORT", "EXTENSION"):
                token = Token.new_borrow_pos(word.upper(), word, token)
        elif kind == "STAR" and statement == "IMPORT" and not stack:
            pass
        if kind in ("_LPAR", "LAMBDA_LPAR", "_LBRACE", "_LSQB", "_SAFELSQB"):
            stack.append(kind)
        elif kind in ("_RPAR", "_RBRACE", "_RSQB"):
            if stack:
                stack.pop()
        elif kind == "_QMARK" and statement == "PARAM" or kind == "_QMARK" and statement == "OUTPUT":
            pass
        if kind == "_AT" and not stack:
            at_start = False
        elif kind != "_NL":
            at_start = False
        out.append(token)
    # "?" that follows a type (nullable) inside type member declarations "name?: type".
    for i, token in enumerate(out):
        if token.type == "_QMARK" and i + 1 < len(out) and out[i + 1].type == "_COLON" and i > 0 \
                and out[i - 1].type in ("NAME", "STRING", "STAR") and _in_type_object(out, i):
            out[i] = Token.new_borrow_pos("QMARK", "?", token)
    while out and out[-1].type == "_NL":
        out.pop()
    return out


def _is_func_signature(tokens: list[Token], index: int) -> bool:
    """``func name(a string) string =>``: the parenthesis holds typed parameters, not a lambda."""
    return index >= 2 and tokens[index - 1].type == "NAME" and tokens[index - 2].type == "NAME" \
        and tokens[index - 2].value == "func"


def _in_type_object(tokens: list[Token], index: int) -> bool:
    """Whether the token at ``index`` is inside the braces of a ``type`` statement, a parameter or output
    type: walk back to the statement keyword."""
    depth = 0
    for j in range(index - 1, -1, -1):
        kind = tokens[j].type
        if kind in ("_RBRACE", "_RSQB", "_RPAR"):
            depth += 1
        elif kind in ("_LBRACE", "_LSQB", "_SAFELSQB", "_LPAR", "LAMBDA_LPAR"):
            depth -= 1
        elif kind in ("TYPE", "PARAM", "OUTPUT", "FUNC"):
            # Only when no "=" separates us from the keyword at the outer level (a default value).
            return not any(t.type == "_EQ" for t in tokens[j:index] if t is not None) or kind == "TYPE"
        elif kind in ("VAR", "RESOURCE", "MODULE", "METADATA", "TARGETSCOPE"):
            return False
    return False


class _ListLexer(Lexer):
    def __init__(self, lexer_conf: Any) -> None:
        pass

    def lex(self, data: Any) -> Any:  # type: ignore[override]
        return iter(data)


@lru_cache(maxsize=1)
def _lark() -> Lark:
    return Lark(GRAMMAR, parser="lalr", lexer=_ListLexer, start=["start", "expr"], propagate_positions=True, cache=True,
                maybe_placeholders=False)


_STRUCTURAL = ("_NL", "_COMMA", "_COLON", "_EQ", "_ARROW", "_RBRACE", "_RSQB", "_RPAR", "_LBRACE", "_LSQB", "_LPAR",
               "NAME", "STRING", "INT", "$END")
_OPERATORS = {"COALESCE", "OR", "AND", "EQOP", "LT", "GT", "RELOP", "PLUS", "MINUS", "STAR", "MULOP", "BANG",
              "_QMARK", "_DOT", "_SAFEDOT", "_SAFELSQB", "_DCOLON"}


def _expected(exc: UnexpectedToken) -> str:
    """What the parser would have accepted, separators and brackets first, operators as one item."""
    expected = set(exc.expected)
    names = [_SHOWN[name] for name in _STRUCTURAL if name in expected]
    names += sorted(_SHOWN.get(name, name.lower()) for name in expected
                    if name not in _STRUCTURAL and name not in _OPERATORS and not name.startswith("__"))
    if expected & _OPERATORS:
        names.append("an operator")
    names = list(dict.fromkeys(names))
    return " or ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else (names[0] if names else "?")


def _parse_tokens(src: _Tokens, tokens: list[Token], start: str, offset: int) -> Tree:
    try:
        return _lark().parse(tokens, start=start)  # type: ignore[arg-type]
    except UnexpectedToken as exc:
        token = exc.token
        if token.type == "$END":
            where = tokens[-1].end_pos if tokens and tokens[-1].end_pos is not None else offset
            found = "the end of the input"
        else:
            where = token.start_pos if token.start_pos is not None else offset
            if token.type == "_NL":
                found = "a new line"
            elif isinstance(token.value, StringValue):
                literal = token.value.literal
                found = f"the string '{literal[:40]}'" if literal is not None else "a string"
            else:
                found = f"'{token.value}'"
        raise src.error(f"syntax error: found {found}, expected {_expected(exc)}", where) from None
    except UnexpectedInput as exc:  # pragma: no cover - the list lexer never raises character errors
        raise src.error(f"syntax error: {exc}", offset) from None


def parse(text: str, file: str) -> Tree:
    """Parse a ``.bicep`` or ``.bicepparam`` text. Raises :class:`BicepSyntaxError` with file, line,
    column and what was expected."""
    text = text.lstrip("\ufeff")
    src = _Tokens(text, file)
    raw, _ = _raw_tokens(src, 0, stop_at_brace=False)
    return _parse_tokens(src, _settle(raw), "start", 0)
