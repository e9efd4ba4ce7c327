"""Small data types shared by every layer: where a value came from, unknown values, input errors,
and the normalised resource that sources hand to the graph. Also the one place that knows ARM casing."""

from __future__ import annotations

import os
import re
from functools import lru_cache

from checker.digests import keyed_digest
from checker.records import _MISSING, Frozen, Value

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_set = object.__setattr__


class Origin(Frozen):
    """Where something was defined: a file (as given on the command line), a 1-based line and column,
    and the JSON pointer inside the file (``/resources/3``) when known."""

    # one per resource: slots keep it small (a __dict__ written to directly would cost a dict each)
    __slots__ = _fields = ("file", "line", "column", "pointer")
    file: str
    line: int | None
    column: int | None
    pointer: str

    def __init__(self, file: str, line: int | None = None, column: int | None = None, pointer: str = "") -> None:
        _set(self, "file", file)
        _set(self, "line", line)
        _set(self, "column", column)
        _set(self, "pointer", pointer)

    def __str__(self) -> str:
        if self.line is None:
            return self.file
        return f"{self.file}:{self.line}"


class Unknown(Frozen):
    """A value that cannot be known before deployment (``reference()``, ``list*()``, a Key Vault
    reference, a parameter without value...). It flows through every expression and reaches the graph
    as itself, never as an empty string or a guess. ``reason`` says why, for the report."""

    _fields = ("reason", "symbol")
    _compared = ("reason",)
    reason: str
    #: The value's identity when it is known although the value is not: a parameter without value is
    #: ``<vnetName~t>`` (``t``: a short tag of the template that declares it, so that two templates'
    #: parameters never alias), and ``resourceId(..., parameters('vnetName'), 'GatewaySubnet')`` is
    #: that id with the placeholder in it. The same expression over the same sources gives the same
    #: symbol; equality of Unknowns ignores it. See :func:`placeholder_text` for display.
    symbol: str | None

    def __init__(self, reason: str, symbol: str | None = None) -> None:
        # expansion and the views make many
        fields = self.__dict__
        fields["reason"] = reason
        fields["symbol"] = symbol

    def __repr__(self) -> str:
        return f"Unknown({self.reason!r})"

    def __str__(self) -> str:
        return f"<unknown: {self.reason}>"


_PLACEHOLDER_TAG = re.compile(r"~[0-9a-f]{6}>", re.IGNORECASE)


def placeholder_text(text: str) -> str:
    """A symbolic name or id for people: the template tags dropped (``<vnetName~1a2b3c>`` ->
    ``<vnetName>``)."""
    return _PLACEHOLDER_TAG.sub(">", text) if "~" in text else text


def symbolic_id(value: Any) -> str | None:
    """The resource id an Unknown stands for when its identity is known (a symbol that is an id)."""
    if value.__class__ is Unknown and value.symbol is not None and value.symbol.startswith("/"):
        return value.symbol
    return None


class CheckerError(Exception):
    """An input problem the user must fix (bad JSON, unknown function, cyclic variable...).
    Raised inside a source and turned into an :class:`InputError` at the file boundary."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 column: int | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.hint = hint

    def at(self, file: str | None = None, line: int | None = None, column: int | None = None) -> CheckerError:
        """Fill in the position when the raiser did not know it (innermost position wins)."""
        if self.file is None and file is not None:
            self.file = file
        if self.line is None and line is not None:
            self.line = line
            if self.column is None:
                self.column = column
        return self

    def to_input_error(self) -> InputError:
        return InputError(file=self.file or "<input>", line=self.line, column=self.column,
                          message=self.message, hint=self.hint)


class EvaluationCrash(Exception):
    """A bug: an exception inside a view (building a subject) or a rule (evaluating one). It is an
    internal error (exit 3) naming the view or rule and the resource, never a verdict. The message
    names the exception's type and the line of code that raised it, not the exception's text, which
    could quote resource values."""

    def __init__(self, error: BaseException, *, resource: str, rule: str | None = None,
                 view: str | None = None) -> None:
        self.rule = rule
        self.view = view
        self.resource = resource
        self.error_type = type(error).__name__
        self.raised_at = _raised_at(error)
        what = f"rule {rule}" if rule is not None else f"view {view}"
        where = f" at {self.raised_at}" if self.raised_at else ""
        self.message = f"{what} crashed on resource {resource}: {self.error_type}{where}"
        super().__init__(self.message)


def _raised_at(error: BaseException) -> str:
    """``file:line`` of the innermost frame of the error's traceback, relative to the package."""
    trace = error.__traceback__
    if trace is None:
        return ""
    while trace.tb_next is not None:
        trace = trace.tb_next
    path = trace.tb_frame.f_code.co_filename.replace(os.sep, "/")
    marker = path.rfind("/checker/")
    return f"{path[marker + 1:] if marker >= 0 else os.path.basename(path)}:{trace.tb_lineno}"


class InputError(Frozen):
    """One input that could not be (fully) read: shown to the user, makes the exit code 2."""

    _fields = ("file", "line", "message", "column", "hint")
    file: str
    line: int | None
    message: str
    column: int | None
    hint: str | None

    def __init__(self, file: str, line: int | None, message: str, column: int | None = None,
                 hint: str | None = None) -> None:
        fields = self.__dict__
        fields["file"] = file
        fields["line"] = line
        fields["message"] = message
        fields["column"] = column
        fields["hint"] = hint

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}" + (
            f":{self.column}" if self.column else "")
        text = f"{where}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


class Notice(Frozen):
    """Something the user should know that is not an error: a linked template that was not fetched,
    a resource skipped because its condition is false, a file that holds no resources we check."""

    _fields = ("file", "line", "message", "kind", "code")
    file: str
    line: int | None
    message: str
    kind: str  # info | not-expanded | skipped | condition-false | not-evaluated
    code: str | None  # for not-evaluated scopes: the error code (e.g. AuthorizationFailed)

    def __init__(self, file: str, line: int | None, message: str, kind: str = "info",
                 code: str | None = None) -> None:
        fields = self.__dict__
        fields["file"] = file
        fields["line"] = line
        fields["message"] = message
        fields["kind"] = kind
        fields["code"] = code


class CaseInsensitiveDict(dict):  # type: ignore[type-arg]
    """A JSON object whose member names compare case-insensitively, as ARM's do (``enableBGP`` is
    ``enableBgp``, ``SKU`` is ``sku``), while keeping each name as written for output.

    It is a ``dict`` (``isinstance`` checks, JSON serialisation and iteration are unchanged): reads
    (``[]``, ``get``, ``in``, ``pop``, ``setdefault``) try the exact name first and then any
    spelling of it (the first one written wins when an object holds two); a write to a name held in
    another spelling replaces that member and keeps its spelling. Every resource body is made of these (see :func:`case_insensitive`), so nothing
    downstream can read a property by the wrong case."""

    __slots__ = ("_lower",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lower: dict[str, str] | None = None

    def stored_key(self, key: Any) -> Any:
        """The name as stored for ``key`` in any case, or None when there is none."""
        if dict.__contains__(self, key):
            return key
        if key.__class__ is not str:
            return None
        index = getattr(self, "_lower", None)
        if index is None:
            # the first spelling written wins: later ones are written first and overwritten
            index = {name.lower(): name for name in reversed(dict.keys(self)) if name.__class__ is str}
            self._lower = index
        return index.get(key.lower())

    def __missing__(self, key: Any) -> Any:
        stored = self.stored_key(key)
        if stored is None or stored == key:
            raise KeyError(key)
        return dict.__getitem__(self, stored)

    def get(self, key: Any, default: Any = None) -> Any:
        value = _dict_get(self, key, _ABSENT)
        if value is not _ABSENT:
            return value
        if key.__class__ is not str:
            return default
        stored = self._stored_in_other_case(key)
        return default if stored is None else dict.__getitem__(self, stored)

    def __contains__(self, key: object) -> bool:
        if dict.__contains__(self, key):
            return True
        if key.__class__ is not str:
            return False
        return self._stored_in_other_case(key) is not None  # type: ignore[arg-type]

    def _stored_in_other_case(self, key: str) -> str | None:
        """:meth:`stored_key` of a text key not stored as written. Most reads probe optional names
        absent in every spelling, so the miss is made cheap: names read by the code are few, each is
        lowered once and its lowered form keeps its hash."""
        try:
            index = self._lower
        except AttributeError:  # made without __init__ (copy, unpickling)
            index = None
        if index is None:
            self.stored_key(key)
            index = self._lower
            assert index is not None
        lowered = _LOWERED.get(key)
        if lowered is None:
            lowered = key.lower()
            if len(_LOWERED) < 8192:
                _LOWERED[key] = lowered
        return index.get(lowered)

    def __setitem__(self, key: Any, value: Any) -> None:
        # A name already held in another case is written through to it (ARM has one property per
        # name); the lookup index is kept up to date rather than rebuilt.
        if key.__class__ is str and not dict.__contains__(self, key):
            index = getattr(self, "_lower", None)
            if index is None:
                self.stored_key(key)
                index = self._lower
            assert index is not None
            lowered = key.lower()
            stored = index.get(lowered)
            if stored is None:
                index[lowered] = key
            else:
                key = stored
        dict.__setitem__(self, key, value)

    def __delitem__(self, key: Any) -> None:
        stored = self.stored_key(key)
        dict.__delitem__(self, key if stored is None else stored)
        self._lower = None

    def pop(self, key: Any, *default: Any) -> Any:
        stored = self.stored_key(key)
        self._lower = None
        return dict.pop(self, key if stored is None else stored, *default)

    def popitem(self) -> tuple[Any, Any]:
        self._lower = None
        return dict.popitem(self)

    def setdefault(self, key: Any, default: Any = None) -> Any:
        stored = self.stored_key(key)
        if stored is not None:
            return dict.__getitem__(self, stored)
        self[key] = default
        return default

    def update(self, *args: Any, **kwargs: Any) -> None:
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def clear(self) -> None:
        dict.clear(self)
        self._lower = None

    def copy(self) -> CaseInsensitiveDict:  # type: ignore[override]
        return self.__class__(self)


_ABSENT = object()
_dict_get = dict.get
_LOWERED: dict[str, str] = {}  # member names as read, lowered (see CaseInsensitiveDict.get)


class UnknownObject(CaseInsensitiveDict):
    """An object only known at deployment (``"properties": "[parameters('gw').properties]"`` without
    a value): every member read from it is that :class:`Unknown`, never "absent"."""

    __slots__ = ("unknown",)

    def __init__(self, unknown: Unknown) -> None:
        super().__init__()
        self.unknown = unknown

    def get(self, key: Any, default: Any = None) -> Any:
        return self.unknown

    def __missing__(self, key: Any) -> Any:
        return self.unknown

    def __contains__(self, key: object) -> bool:
        return True  # it may hold anything


#: the classes of JSON leaves (and of the values that stand for them), which hold no object
_LEAVES = frozenset({str, int, float, bool, type(None), Unknown})


def case_insensitive(value: Any) -> Any:
    """``value`` with every JSON object in it a :class:`CaseInsensitiveDict`: plain dicts are copied
    into one, case-insensitive ones are kept (their members converted in place), lists are converted
    in place. Other values (strings, :class:`Unknown`, :class:`Secret`...) are returned as they are."""
    seen: set[int] = set()

    def convert(node: Any) -> Any:
        if node.__class__ is dict:
            node = CaseInsensitiveDict(node)
        elif isinstance(node, CaseInsensitiveDict):
            if id(node) in seen:
                return node
        elif node.__class__ is list:
            if id(node) in seen:
                return node
            seen.add(id(node))
            for index, item in enumerate(node):
                if item.__class__ is dict or item.__class__ is list or isinstance(item, CaseInsensitiveDict):
                    node[index] = convert(item)
            return node
        else:
            return node
        seen.add(id(node))
        for key, item in dict.items(node):
            if item.__class__ in _LEAVES:
                continue  # most members: one test instead of three
            if item.__class__ is dict or item.__class__ is list or isinstance(item, CaseInsensitiveDict):
                converted = convert(item)
                if converted is not item:
                    dict.__setitem__(node, key, converted)
        return node

    return convert(value)


class Resource(Value):
    """One resource in ARM JSON shape, whatever it was read from.

    ``body`` is the whole resource object as ARM returns it (``name``, ``type``, ``location``,
    ``sku``, ``zones``, ``tags``, ``properties``...), with template expressions already evaluated;
    any value may be an :class:`Unknown`. ``id`` is the full resource id in the casing it was
    written; compare ids through :func:`normalise_id`.
    """

    _fields = ("id", "type", "name", "body", "origin", "source", "subscription_id", "resource_group", "metadata")
    id: str
    type: str
    name: str
    body: dict[str, Any]
    origin: Origin
    source: str  # template | export | live
    subscription_id: str | None
    resource_group: str | None
    metadata: dict[str, Any]  # e.g. inline waivers, symbolic name, existing
    # the normalised id and the id it was made from (see ``key``): set when the instance is made, so
    # that every instance keeps them in the compact layout it shares with the others (an attribute
    # added later gives each instance a dict of its own); neither compared nor shown
    _key: str | None
    _keyed_id: str | None

    def __init__(self, id: str, type: str, name: str, body: dict[str, Any], origin: Origin,
                 source: str = "template", subscription_id: str | None = None, resource_group: str | None = None,
                 metadata: dict[str, Any] = _MISSING) -> None:
        # made 40,000 times for a 20,000-resource template: written out
        self.id = id
        self.type = type
        self.name = name
        # The one boundary where property names become case-insensitive, whatever the source.
        self.body = case_insensitive(body)
        self.origin = origin
        self.source = source
        self.subscription_id = subscription_id
        self.resource_group = resource_group
        self.metadata = {} if metadata is _MISSING else metadata
        self._key = self._keyed_id = None

    @property
    def key(self) -> str:
        # normalised once per resource (the views ask for it many times); an id assigned later
        # (checker/duplicates.py moves a deployment) is normalised afresh
        resource_id = self.id
        if self._keyed_id is resource_id and self._key is not None:
            return self._key
        key = normalise_id(resource_id)
        self.remember_key(key)
        return key

    def remember_key(self, key: str) -> None:
        """Keep ``key`` as the normalised form of the current id (the graph passes the string it
        indexes the resource by, so the two share one object)."""
        self._key = key
        self._keyed_id = self.id

    @property
    def properties(self) -> dict[str, Any]:
        """The ``properties`` object; when it is only known at deployment, an :class:`UnknownObject`
        whose every member is that Unknown (so no rule reads a property as absent)."""
        body = self.body
        props = dict.get(body, "properties")  # the name as usually written, without the case-insensitive path
        if props is None:
            props = body.get("properties")
        if isinstance(props, dict):
            return props
        if isinstance(props, Unknown):
            return UnknownObject(props)
        return {}


# ---------------------------------------------------------------------------------------------------
# ARM casing: ids, types and names compare case-insensitively. Everything goes through these helpers.
# ---------------------------------------------------------------------------------------------------

def normalise_id(resource_id: str) -> str:
    """The key for a resource id: lower-case, no trailing slash, single slashes."""
    if resource_id.__class__ is str:
        return _normalised(resource_id)  # ids repeat thousands of times: each is normalised once
    return _normalise(resource_id)


def _normalise(resource_id: str) -> str:
    text = resource_id.strip().lower()
    while "//" in text:
        text = text.replace("//", "/")
    return text.rstrip("/")


_normalised = lru_cache(maxsize=1 << 10)(_normalise)


def normalise_type(resource_type: str) -> str:
    return resource_type.strip().lower()


def same_type(a: str, b: str) -> bool:
    return normalise_type(a) == normalise_type(b)


def equals_ci(a: Any, b: Any) -> bool:
    """ARM enum and name comparison: strings case-insensitively, anything else by value."""
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()
    return bool(a == b)


def parse_resource_id(resource_id: str) -> dict[str, Any]:
    """Split an ARM id into subscription, resource group, provider type and name segments.

    Returns keys ``subscription_id``, ``resource_group``, ``type`` (e.g.
    ``Microsoft.Network/virtualNetworks/subnets``), ``name`` (``vnet/GatewaySubnet``) and
    ``parent`` (the id of the parent resource for a child id, else None). Missing parts are None.
    """
    parts = [p for p in resource_id.split("/") if p]
    out: dict[str, Any] = {"subscription_id": None, "resource_group": None, "type": None,
                           "name": None, "parent": None}
    lower = [p.lower() for p in parts]
    if "subscriptions" in lower:
        i = lower.index("subscriptions")
        if i + 1 < len(parts):
            out["subscription_id"] = parts[i + 1]
    if "resourcegroups" in lower:
        i = lower.index("resourcegroups")
        if i + 1 < len(parts):
            out["resource_group"] = parts[i + 1]
    if "providers" in lower:
        i = len(lower) - 1 - lower[::-1].index("providers")
        rest = parts[i + 1:]
        if rest:
            namespace = rest[0]
            pairs = rest[1:]
            types = [namespace]
            names = []
            for j in range(0, len(pairs), 2):
                types.append(pairs[j])
                if j + 1 < len(pairs):
                    names.append(pairs[j + 1])
            out["type"] = "/".join(types)
            out["name"] = "/".join(names) if names else None
            if len(names) > 1:
                prefix = parts[: i + 1] + [namespace]
                seg: list[str] = []
                for j in range(0, 2 * (len(names) - 1), 2):
                    seg += pairs[j:j + 2]
                out["parent"] = "/" + "/".join(prefix + seg)
    return out


_SECRET_SALT = os.urandom(16)  # per run: digests compare secrets within one scan only


class Secret(Frozen):
    """A secret (shared key, authorization key, password, secure parameter) that must never be
    printed. It keeps facts about the value, never the value: where it came from, its length, whether
    it is a known placeholder or weak, and a digest salted per run so that two secrets can be
    compared for equality (``distinct per connection``) without being recoverable.

    ``source`` is one of: ``template-literal`` (written in the template), ``parameter-default``
    (a parameter's defaultValue), ``parameter-file`` (a literal in a parameter file),
    ``key-vault`` (a Key Vault reference: value unknown), ``secure-parameter`` (a secure parameter
    with no value given), ``plain-parameter`` (a parameter that is not of a secure type, with no value
    known before deployment), ``expression`` (computed at deployment time), ``export`` (read from an
    export or a live subscription).
    """

    _fields = ("source", "origin", "length", "weak", "digest", "bad_characters")
    source: str
    origin: Origin | None
    length: int | None
    weak: bool | None
    digest: str | None
    #: the value uses a character VPN gateways do not accept in a pre-shared key (anything but
    #: printable ASCII, and space, hyphen and tilde); None when the value is not known
    bad_characters: bool | None

    def __init__(self, source: str, origin: Origin | None = None, length: int | None = None,
                 weak: bool | None = None, digest: str | None = None, bad_characters: bool | None = None) -> None:
        fields = self.__dict__
        fields["source"] = source
        fields["origin"] = origin
        fields["length"] = length
        fields["weak"] = weak
        fields["digest"] = digest
        fields["bad_characters"] = bad_characters

    @staticmethod
    def of(value: str | None, source: str, origin: Origin | None = None,
           weak_values: frozenset[str] = frozenset(), min_length: int = 16) -> Secret:
        if value is None:
            return Secret(source=source, origin=origin)
        digest = keyed_digest(_SECRET_SALT, value.encode("utf-8", "replace"))
        weak = value.lower() in weak_values or len(value) < min_length
        bad = any(not ("!" <= ch <= "}") or ch == "-" for ch in value)  # "~" (0x7e) is above "}"
        return Secret(source=source, origin=origin, length=len(value), weak=weak, digest=digest,
                      bad_characters=bad)

    def __repr__(self) -> str:
        return f"Secret(source={self.source!r}, <redacted>)"

    def __str__(self) -> str:
        return "<secret>"
