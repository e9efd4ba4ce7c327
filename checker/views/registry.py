"""The registry of subject fields: what each subject kind declares (``checker/views/fields.py``),
the check of a policy's field path against it (used by the policy loader, with a did-you-mean), and
the field tables of ``docs/subjects.md`` are generated from it (``checker/views/docs.py``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from checker.records import Frozen

#: Keys of the ARM resource envelope: a subject of one resource holds its body as ARM returns it, so
#: these are fields too, and anything below ``properties``, ``sku`` or ``tags`` is ARM's own.
ENVELOPE = ("id", "name", "type", "location", "sku", "zones", "tags", "properties", "kind", "etag", "identity",
            "extendedLocation", "managedBy", "plan", "resourceGroup", "subscriptionId", "tenantId", "apiVersion",
            "dependsOn", "condition", "copy", "comments", "scope", "systemData", "displayName")


class Field(Frozen):
    """One row of a subject kind: one or more fields that share a meaning.

    ``names`` end with ``[*]`` for arrays. ``type`` is the JSON type of a known value. ``unknown``:
    the value may be ``Unknown``. ``live``: only on live data. ``parts``: the declared fields of an
    object (or of each item of an array), besides ``displayName`` which every view of another
    resource has; an empty tuple leaves what is inside undeclared."""

    _fields = ("names", "type", "doc", "unknown", "live", "parts", "note")
    names: tuple[str, ...] | list[str]
    type: str
    doc: str
    unknown: bool
    live: bool
    parts: tuple[str, ...] | list[str]
    note: str

    def __init__(self, names: tuple[str, ...] | list[str], type: str, doc: str, unknown: bool = True,
                 live: bool = False, parts: tuple[str, ...] | list[str] = (), note: str = "") -> None:
        fields = self.__dict__
        fields["names"] = names
        fields["type"] = type
        fields["doc"] = doc
        fields["unknown"] = unknown
        fields["live"] = live
        fields["parts"] = parts
        fields["note"] = note

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(n.removesuffix("[*]") for n in self.names)


class KindSchema(Frozen):
    """The declared fields of one subject kind."""

    _fields = ("kind", "fields", "envelope")
    kind: str
    fields: tuple[Field, ...]
    envelope: bool  # the subject holds a resource body
    by_key: Mapping[str, Field]  # made from the fields: neither compared nor shown

    def __init__(self, kind: str, fields: tuple[Field, ...], envelope: bool = True) -> None:
        values = self.__dict__
        values["kind"] = kind
        values["fields"] = fields
        values["envelope"] = envelope
        values["by_key"] = {k: f for f in fields for k in f.keys}

    def declared(self) -> list[str]:
        names = list(self.by_key)
        return names + [e for e in ENVELOPE if e not in self.by_key] if self.envelope else names

    def check(self, segments: Iterable[object]) -> tuple[str, str | None] | None:
        """None when a field path (its parsed segments) can exist on this kind; else what is wrong
        and a did-you-mean hint."""
        names = [s for s in segments if isinstance(s, str) and s != "[*]"]
        if not names:
            return None
        head = names[0]
        row = self.by_key.get(head)
        if row is None:
            if self.envelope and head in ENVELOPE:
                return None
            return (f"subject '{self.kind}' has no field '{head}'",
                    _hint(head, self.declared(), f"see docs/subjects.md, '{self.kind}'"))
        if row.parts and len(names) > 1 and names[1] not in row.parts and names[1] != "displayName":
            return (f"field '{head}' of subject '{self.kind}' has no part '{names[1]}'",
                    _hint(names[1], row.parts, "declared parts: " + ", ".join(row.parts)))
        return None


def _hint(name: str, choices: Iterable[str], fallback: str) -> str:
    import difflib  # only a policy that names a field wrongly needs it

    choices = list(choices)
    by_lower = {c.lower(): c for c in choices}
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.6)
    return f"did you mean '{by_lower[close[0]]}'?" if close else fallback


def schemas() -> dict[str, KindSchema]:
    from checker.views.fields import FIELDS

    return {kind: KindSchema(kind, tuple(rows), envelope=kind != "bgp-asn") for kind, rows in FIELDS.items()}
